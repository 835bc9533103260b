//! The config file: providers, network settings, extra models, keys and looks.
//!
//! `$XDG_CONFIG_HOME/thinkbench/config.toml` (or `--config FILE`). Every section is optional;
//! a missing default file is not an error, a missing `--config FILE` is. Unknown keys are
//! errors, so a typo is reported instead of silently ignored.

mod exposure;
pub mod key;
pub mod paths;
pub mod presets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::catalog::{Catalog, ModelInfo};
use crate::provider::client::NetworkSettings;
use crate::provider::decode::ThinkTags;
use crate::provider::dialect::{Dialect, Protocol};
pub use key::{KeySource, KeyWait};
use presets::{Preset, Region};

/// A problem with the configuration or the command line: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    pub fn new(msg: impl Into<String>) -> ConfigError {
        ConfigError(msg.into())
    }
}

/// The longest timeout or retry wait the config accepts (a week).
const MAX_SECS: f64 = 604_800.0;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub connect_timeout_secs: Option<f64>,
    pub idle_timeout_secs: Option<f64>,
    pub progress_timeout_secs: Option<f64>,
    pub max_retries: Option<u32>,
    pub max_retry_wait_secs: Option<f64>,
}

/// One `[providers.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderFile {
    /// The dialect: modelstudio, deepseek, openrouter, moonshot, zhipu, vllm, llamacpp, ollama,
    /// openai-compatible. Defaults to the preset's (when NAME or `preset` names one).
    pub kind: Option<String>,
    /// Start from this built-in provider.
    pub preset: Option<String>,
    pub base_url: Option<String>,
    pub protocol: Option<String>,
    pub region: Option<String>,
    pub workspace_id: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_cmd: Option<String>,
    pub model: Option<String>,
    pub think_tags: Option<ThinkTags>,
    /// Accept a plain `http://` base_url on a public host (see `--allow-http`).
    pub allow_http: Option<bool>,
}

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The provider used when `--provider` is not given.
    pub provider: Option<String>,
    /// The model used when `--model` is not given (else the provider's default).
    pub model: Option<String>,
    /// Theme name (built-in or in the user themes directory).
    pub theme: Option<String>,
    #[serde(default)]
    pub network: NetworkFile,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderFile>,
    /// Models added to or overriding the built-in catalog.
    #[serde(default)]
    pub models: Vec<ModelInfo>,
    /// Key bindings: action name → key or list of keys.
    #[serde(default)]
    pub keys: toml::Table,
    /// How to copy: auto, system, osc52, file or off.
    pub clipboard: Option<String>,
    /// The most text OSC 52 carries, in KB (more goes to a file).
    pub osc52_max_kb: Option<u64>,
    /// Where this config came from (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// What the user should know about the file (already said on stderr when it was read).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// A TOML error, said without quoting the file when the file holds something key-shaped (the
/// parser's message shows the offending line, which may be the key itself).
fn parse_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next());
    if let Some(f @ ("api_key" | "apikey" | "key" | "token" | "secret")) = field {
        return format!(
            "`{f}` is not read from the config file, where a key would sit in plain text: put \
             the key in an environment variable named by api_key_env, or set api_key_cmd to a \
             command that prints it (a password manager, a keyring); then delete the `{f}` line"
        );
    }
    if exposure::keys_in(text).is_empty() {
        return e.to_string().trim().to_string();
    }
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message.to_string(),
    }
}

impl Config {
    /// Load `explicit` (must exist) or the default file (may be missing).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match paths::config_file() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(ConfigError::new(format!(
                    "cannot read config file {}: {e}",
                    path.display()
                )));
            }
        };
        // Said before the file is judged: a refused `api_key` line is still a key on disk.
        let warning = exposure::warning(&path, &text);
        if let Some(w) = &warning {
            crate::logging::tell(w);
        }
        let mut config = Config::parse(&text)
            .map_err(|e| ConfigError::new(format!("config file {}: {e}", path.display())))?;
        config.source = Some(path);
        config.warnings = warning.into_iter().collect();
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| parse_error(text, &e))?;
        config.validate()?;
        Ok(config)
    }

    /// How to copy, and the most text OSC 52 carries, in bytes.
    pub fn clipboard(&self) -> (crate::clipboard::Method, usize) {
        let method = self
            .clipboard
            .as_deref()
            .and_then(crate::clipboard::Method::parse)
            .unwrap_or_default();
        let limit = self
            .osc52_max_kb
            .map_or(crate::clipboard::DEFAULT_OSC52_LIMIT, |kb| {
                kb as usize * 1024
            });
        (method, limit)
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(c) = &self.clipboard
            && crate::clipboard::Method::parse(c).is_none()
        {
            return Err(format!(
                "clipboard = \"{c}\" is not one of auto, system, osc52, file, off"
            ));
        }
        if self.osc52_max_kb == Some(0) {
            return Err("osc52_max_kb must be at least 1".into());
        }
        for (name, p) in &self.providers {
            if let Some(k) = &p.kind
                && Dialect::parse(k).is_none()
            {
                return Err(format!(
                    "[providers.{name}] kind = \"{k}\" is not a known kind (modelstudio, deepseek, openrouter, moonshot, zhipu, vllm, llamacpp, ollama, openai-compatible)"
                ));
            }
            if let Some(pr) = &p.protocol
                && Protocol::parse(pr).is_none()
            {
                return Err(format!(
                    "[providers.{name}] protocol = \"{pr}\" is not one of openai, dashscope, ollama"
                ));
            }
            if let Some(r) = &p.region
                && Region::parse(r).is_none()
            {
                return Err(format!(
                    "[providers.{name}] region = \"{r}\" is not a Model Studio region (singapore, us, beijing, hongkong, frankfurt, tokyo)"
                ));
            }
            if let Some(preset) = &p.preset
                && presets::preset(preset).is_none()
            {
                return Err(format!(
                    "[providers.{name}] preset = \"{preset}\" is not a built-in provider ({})",
                    preset_names()
                ));
            }
        }
        let n = &self.network;
        for (key, v) in [
            ("connect_timeout_secs", n.connect_timeout_secs),
            ("idle_timeout_secs", n.idle_timeout_secs),
            ("progress_timeout_secs", n.progress_timeout_secs),
            ("max_retry_wait_secs", n.max_retry_wait_secs),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= MAX_SECS)
            {
                return Err(format!(
                    "[network] {key} must be a positive number of seconds, at most {MAX_SECS}"
                ));
            }
        }
        Ok(())
    }

    pub fn network(&self) -> NetworkSettings {
        // Values were checked by `validate` (positive, at most `MAX_SECS`).
        let d = NetworkSettings::default();
        let secs = |v: Option<f64>, d: Duration| v.map(Duration::from_secs_f64).unwrap_or(d);
        let n = &self.network;
        NetworkSettings {
            connect_timeout: secs(n.connect_timeout_secs, d.connect_timeout),
            idle_timeout: secs(n.idle_timeout_secs, d.idle_timeout),
            progress_timeout: secs(n.progress_timeout_secs, d.progress_timeout),
            max_retries: n.max_retries.unwrap_or(d.max_retries),
            max_retry_wait: secs(n.max_retry_wait_secs, d.max_retry_wait),
        }
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::builtin().with_overrides(self.models.iter().cloned())
    }

    /// Names of every provider: built-in presets and the config's own.
    pub fn provider_names(&self) -> Vec<String> {
        let mut names: Vec<String> = presets::PRESETS
            .iter()
            .map(|p| p.name.to_string())
            .collect();
        for name in self.providers.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The provider to use when none is named.
    pub fn default_provider(&self) -> &str {
        self.provider.as_deref().unwrap_or("modelstudio")
    }

    /// Resolve a provider by name (a preset, a config table, or both merged).
    pub fn provider(&self, name: &str) -> Result<ProviderSpec, ConfigError> {
        let file = self.providers.get(name).cloned().unwrap_or_default();
        let preset = match &file.preset {
            Some(p) => presets::preset(p),
            None => presets::preset(name),
        };
        if preset.is_none() && !self.providers.contains_key(name) {
            return Err(ConfigError::new(format!(
                "unknown provider \"{name}\"; built-in providers are {}, and the config file can define more under [providers.NAME]",
                preset_names()
            )));
        }
        ProviderSpec::build(name, preset, &file)
    }
}

fn preset_names() -> String {
    presets::PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A provider, resolved: everything needed to build and send requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpec {
    pub name: String,
    pub dialect: Dialect,
    pub protocol: Protocol,
    /// Base URL for `protocol` (see [`crate::provider::request::Target::base_url`]).
    pub base_url: String,
    pub region: Option<Region>,
    /// Set when a Model Studio workspace domain is used.
    pub workspace: bool,
    pub key: KeySource,
    pub model: String,
    pub think_tags: Option<ThinkTags>,
}

impl ProviderSpec {
    fn build(
        name: &str,
        preset: Option<&Preset>,
        file: &ProviderFile,
    ) -> Result<ProviderSpec, ConfigError> {
        let dialect = match (&file.kind, preset) {
            (Some(k), _) => Dialect::parse(k).expect("validated"),
            (None, Some(p)) => p.dialect,
            (None, None) => Dialect::OpenAiCompatible,
        };
        let protocol = match &file.protocol {
            Some(p) => Protocol::parse(p).expect("validated"),
            None => dialect.protocols()[0],
        };
        if !dialect.protocols().contains(&protocol) {
            return Err(ConfigError::new(format!(
                "provider \"{name}\" ({}) cannot use protocol {}; it speaks {}",
                dialect.as_str(),
                protocol.as_str(),
                dialect
                    .protocols()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        let region = match &file.region {
            Some(r) => Region::parse(r),
            None => preset.and_then(|p| p.region),
        };
        let workspace_id = file
            .workspace_id
            .clone()
            .or_else(|| std::env::var("DASHSCOPE_WORKSPACE_ID").ok())
            .filter(|w| !w.trim().is_empty() && dialect == Dialect::ModelStudio);
        let mut workspace = false;
        let base_url = match (&file.base_url, dialect) {
            (Some(url), _) => url.clone(),
            (None, Dialect::ModelStudio) => {
                let region = region.unwrap_or(Region::Singapore);
                let root = match (&workspace_id, region.legacy_root()) {
                    (Some(ws), _) => {
                        workspace = true;
                        region.workspace_root(ws.trim())
                    }
                    (None, Some(legacy)) => legacy.to_string(),
                    (None, None) => {
                        return Err(ConfigError::new(format!(
                            "Model Studio in {} is reached only through a workspace domain: set workspace_id under [providers.{name}] or DASHSCOPE_WORKSPACE_ID",
                            region.label()
                        )));
                    }
                };
                format!("{root}{}", presets::model_studio_path(protocol))
            }
            (None, _) => match (preset.and_then(|p| p.base_url), protocol, dialect) {
                (Some(url), Protocol::Openai, Dialect::Ollama) => format!("{url}/v1"),
                (Some(url), _, _) => url.to_string(),
                (None, _, _) => {
                    return Err(ConfigError::new(format!(
                        "provider \"{name}\" needs base_url (the OpenAI-style base, e.g. http://localhost:8000/v1)"
                    )));
                }
            },
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::new(format!(
                "provider \"{name}\": base_url \"{base_url}\" must start with http:// or https://"
            )));
        }
        let key = KeySource {
            env: file
                .api_key_env
                .clone()
                .or_else(|| preset.and_then(|p| p.key_env).map(str::to_string)),
            cmd: file.api_key_cmd.clone(),
            required: preset.map(|p| p.key_required).unwrap_or(false),
        };
        let model = file
            .model
            .clone()
            .or_else(|| preset.map(|p| p.model.to_string()))
            .unwrap_or_default();
        Ok(ProviderSpec {
            name: name.to_string(),
            dialect,
            protocol,
            base_url,
            region,
            workspace,
            key,
            model,
            think_tags: file.think_tags,
        })
    }

    /// Switch protocol (`--protocol`), recomputing a Model Studio base URL.
    pub fn with_protocol(mut self, protocol: Protocol) -> Result<ProviderSpec, ConfigError> {
        if protocol == self.protocol {
            return Ok(self);
        }
        if !self.dialect.protocols().contains(&protocol) {
            return Err(ConfigError::new(format!(
                "provider \"{}\" ({}) cannot use protocol {}",
                self.name,
                self.dialect.as_str(),
                protocol.as_str()
            )));
        }
        if self.dialect == Dialect::ModelStudio {
            let old = presets::model_studio_path(self.protocol);
            if let Some(root) = self.base_url.strip_suffix(old) {
                self.base_url = format!("{root}{}", presets::model_studio_path(protocol));
            }
        } else if self.dialect == Dialect::Ollama {
            self.base_url = match protocol {
                Protocol::Openai => format!("{}/v1", self.base_url.trim_end_matches('/')),
                _ => self
                    .base_url
                    .trim_end_matches('/')
                    .trim_end_matches("/v1")
                    .to_string(),
            };
        }
        self.protocol = protocol;
        Ok(self)
    }

    /// Words for a 401: keys are bound to a region (and to a workspace, for workspace domains).
    pub fn unauthorized_hint(&self) -> String {
        let host = self
            .base_url
            .split("://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or(&self.base_url);
        match (self.dialect, self.region) {
            (Dialect::ModelStudio, None) => format!(
                "Model Studio API keys are bound to one region (and, on workspace domains, to one workspace): check that the key belongs to the region of {host}. Keys from another plan (Coding Plan, Token Plan) are refused too."
            ),
            (Dialect::ModelStudio, Some(r)) => {
                let scope = if self.workspace {
                    "this workspace"
                } else {
                    "a workspace in this region"
                };
                format!(
                    "Model Studio API keys are bound to one region: provider \"{}\" uses {} ({host}), so the key must come from {scope}. Keys from another region or another plan (Coding Plan, Token Plan) are refused.",
                    self.name,
                    r.label()
                )
            }
            _ => format!(
                "the key for provider \"{}\" was refused; check {}",
                self.name,
                self.key.env.as_deref().unwrap_or("the configured key")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_cover_every_region_in_both_url_forms() {
        let c = Config::default();
        let sg = c.provider("modelstudio").unwrap();
        assert_eq!(
            sg.base_url,
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
        );
        let cn = c
            .provider("modelstudio-cn")
            .unwrap()
            .with_protocol(Protocol::Dashscope)
            .unwrap();
        assert_eq!(cn.base_url, "https://dashscope.aliyuncs.com/api/v1");
        let hk = c.provider("modelstudio-hk").unwrap();
        assert!(
            hk.base_url
                .starts_with("https://cn-hongkong.dashscope.aliyuncs.com")
        );
        let us = c.provider("modelstudio-us").unwrap();
        assert!(us.base_url.starts_with("https://dashscope-us.aliyuncs.com"));
        let ws = Config::parse(
            "[providers.modelstudio-eu]\nworkspace_id = \"ws-123\"\n[providers.modelstudio-jp]\nworkspace_id = \"ws-9\"\nprotocol = \"dashscope\"",
        )
        .unwrap();
        assert_eq!(
            ws.provider("modelstudio-eu").unwrap().base_url,
            "https://ws-123.eu-central-1.maas.aliyuncs.com/compatible-mode/v1"
        );
        assert_eq!(
            ws.provider("modelstudio-jp").unwrap().base_url,
            "https://ws-9.ap-northeast-1.maas.aliyuncs.com/api/v1"
        );
    }

    #[test]
    fn config_errors_name_the_problem() {
        let err = Config::parse("[providers.x]\nkind = \"nope\"").unwrap_err();
        assert!(err.contains("kind = \"nope\""), "{err}");
        let err = Config::parse("provder = \"x\"").unwrap_err();
        assert!(err.contains("provder"), "{err}");
        let err = Config::parse("[network]\nidle_timeout_secs = -1").unwrap_err();
        assert!(err.contains("idle_timeout_secs"), "{err}");
        let err = Config::parse("[network]\nidle_timeout_secs = 1e30").unwrap_err();
        assert!(err.contains("at most"), "{err}");
        let err = Config::default().provider("nosuch").unwrap_err();
        assert!(err.0.contains("unknown provider"), "{err}");
        let c = Config::parse("[providers.local]\nkind = \"vllm\"").unwrap();
        assert!(c.provider("local").unwrap_err().0.contains("base_url"));
    }

    #[test]
    fn custom_providers_extend_presets() {
        let c = Config::parse(
            "[providers.box]\npreset = \"ollama\"\nbase_url = \"http://gpu:11434\"\nmodel = \"qwen3:32b\"",
        )
        .unwrap();
        let p = c.provider("box").unwrap();
        assert_eq!(p.dialect, Dialect::Ollama);
        assert_eq!(p.protocol, Protocol::Ollama);
        assert_eq!(p.model, "qwen3:32b");
        let p = p.with_protocol(Protocol::Openai).unwrap();
        assert_eq!(p.base_url, "http://gpu:11434/v1");
    }
}
