//! Keys written into the config file. thinkbench never reads a key from the file (only from
//! an environment variable or a key command), but a key can still end up there: an
//! `api_key = …` line that is refused, or a key command that prints a literal
//! (`api_key_cmd = "echo sk-…"`). Either way the file holds a secret, and when other users can
//! read it the user is told, with the fix.

use std::path::Path;

/// Where in `text` (a config file's TOML) something that looks like an API key sits: the
/// dotted names of the values. An `api_key` (or `key`, `token`) value counts whatever it holds;
/// any other string counts when it contains a key-shaped word.
pub fn keys_in(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(&table, "", &mut found);
    found
}

fn walk(table: &toml::Table, prefix: &str, found: &mut Vec<String>) {
    for (name, value) in table {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(t) => walk(t, &path, found),
            toml::Value::String(s) => {
                let named = matches!(
                    name.as_str(),
                    "api_key" | "apikey" | "key" | "token" | "secret"
                );
                if (named && !s.trim().is_empty()) || s.split(is_separator).any(key_shaped) {
                    found.push(path);
                }
            }
            _ => {}
        }
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ':' | ',' | ';' | '(' | ')')
}

/// `sk-…` keys (Model Studio, DeepSeek, OpenRouter, Moonshot; 16 characters or more) and long opaque tokens (Zhipu's
/// `id.secret`, bearer tokens): at least 20 characters of letters, digits, `-`, `_`, `.`, with
/// both letters and digits, and no `/` (paths and URLs are not keys).
fn key_shaped(word: &str) -> bool {
    let body_ok = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !body_ok {
        return false;
    }
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    if word.starts_with("sk-") {
        return word.len() >= 16 && digits > 0;
    }
    word.len() >= 32 && digits >= 4 && letters >= 4 && !word.contains("..")
}

/// Whether users other than the owner may read `path` (group or other read bit).
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
pub fn readable_by_others(_path: &Path) -> Option<u32> {
    None
}

/// The warning for config file `path` with `text`, if it holds a key others can read.
pub fn warning(path: &Path, text: &str) -> Option<String> {
    let mode = readable_by_others(path)?;
    let found = keys_in(text);
    if found.is_empty() {
        return None;
    }
    Some(format!(
        "warning: config file {} is readable by other users (mode {mode:04o}) and holds what \
         looks like an API key ({}): run `chmod 600 {}`, and keep the key in an environment \
         variable (api_key_env) or behind a key command that reads it from a protected place \
         (api_key_cmd)",
        path.display(),
        found.join(", "),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_keys_are_found_wherever_they_sit() {
        let text = r#"
            provider = "modelstudio"
            [providers.modelstudio]
            api_key_cmd = "echo sk-4f9a0c1d2e3b4a5968778695a4b3c2d1"
            [providers.zhipu]
            api_key_cmd = "printf %s 0123abcd4567efgh.8901ijkl2345mnop6789"
            [providers.other]
            api_key = "whatever is here"
        "#;
        assert_eq!(
            keys_in(text),
            vec![
                "providers.modelstudio.api_key_cmd",
                "providers.other.api_key",
                "providers.zhipu.api_key_cmd",
            ]
        );
    }

    #[test]
    fn commands_urls_and_model_names_are_not_keys() {
        let text = r#"
            model = "qwen3.7-plus-2026-09-01-preview"
            [providers.modelstudio]
            api_key_cmd = "pass show cloud/model-studio-api-key-2026"
            base_url = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
            workspace_id = "llm-x1y2z3"
            [providers.local]
            api_key_cmd = "security find-generic-password -s thinkbench -w"
        "#;
        assert!(keys_in(text).is_empty(), "{:?}", keys_in(text));
        assert!(keys_in("not = [valid").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn only_a_file_others_can_read_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "[providers.x]\napi_key_cmd = \"echo sk-0123456789abcdef0123\"\n";
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = warning(&path, text).expect("a warning");
        assert!(w.contains("mode 0644") && w.contains("providers.x.api_key_cmd"));
        assert!(w.contains("chmod 600"));
        assert!(!w.contains("sk-0123"), "the warning never repeats the key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(warning(&path, text), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(warning(&path, "model = \"qwen3.7-plus\"\n"), None);
    }
}
