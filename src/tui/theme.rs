//! Themes: named styles loaded from TOML. Built-in themes are embedded; files in the user
//! themes directory add themes or override built-in ones; a theme may leave entries out, and
//! those come from the default (dark) theme. `NO_COLOR` removes every colour and keeps
//! bold / italic / underline / reverse.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

pub const DEFAULT: &str = "dark";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    syntax: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

fn parse_color(s: &str) -> Result<Color, String> {
    if s.eq_ignore_ascii_case("reset") {
        return Ok(Color::Reset);
    }
    s.parse::<Color>()
        .map_err(|_| format!("\"{s}\" is not a colour (use #rrggbb or a colour name)"))
}

impl StyleSpec {
    fn to_style(&self, no_color: bool) -> Result<Style, String> {
        let mut style = Style::default();
        if !no_color {
            if let Some(fg) = &self.fg {
                style = style.fg(parse_color(fg)?);
            }
            if let Some(bg) = &self.bg {
                style = style.bg(parse_color(bg)?);
            }
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

/// A new theme generation: every [`Theme::load`] gets its own.
fn next_generation() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Clones of a theme made on this thread (tests check that rendering makes none).
#[cfg(test)]
pub mod clones {
    use std::cell::Cell;

    thread_local!(static CLONES: Cell<u64> = const { Cell::new(0) });

    pub(super) fn count() {
        CLONES.with(|c| c.set(c.get() + 1));
    }

    pub fn so_far() -> u64 {
        CLONES.with(Cell::get)
    }
}

macro_rules! theme {
    ($($field:ident),* $(,)?) => {
        /// Every style the UI uses.
        #[derive(Debug, PartialEq)]
        pub struct Theme {
            /// Unique per loaded theme: render caches key on it instead of comparing (or
            /// cloning) the whole theme. Clones share it, as they are the same theme.
            pub generation: u64,
            pub name: String,
            /// syntect theme for code blocks.
            pub syntax: String,
            /// Colours are off (`NO_COLOR`).
            pub no_color: bool,
            $(pub $field: Style,)*
        }

        const FIELDS: &[&str] = &[$(stringify!($field),)*];

        impl Clone for Theme {
            fn clone(&self) -> Self {
                #[cfg(test)]
                clones::count();
                Theme {
                    generation: self.generation,
                    name: self.name.clone(),
                    syntax: self.syntax.clone(),
                    no_color: self.no_color,
                    $($field: self.$field,)*
                }
            }
        }

        impl Theme {
            fn from_specs(name: String, syntax: String, specs: &BTreeMap<String, StyleSpec>, no_color: bool) -> Result<Theme, String> {
                let get = |k: &str| -> Result<Style, String> {
                    specs.get(k).map(|s| s.to_style(no_color)).transpose()
                        .map_err(|e| format!("styles.{k}: {e}"))
                        .map(|s| s.unwrap_or_default())
                };
                Ok(Theme { generation: next_generation(), name, syntax, no_color, $($field: get(stringify!($field))?,)* })
            }
        }
    };
}

theme!(
    text,
    dim,
    border,
    border_focus,
    title,
    title_focus,
    user,
    assistant,
    meta,
    selected,
    reasoning,
    heading,
    emphasis,
    strong,
    code,
    code_block,
    link,
    quote,
    list_marker,
    table,
    rule,
    gauge_reasoning,
    gauge_answer,
    gauge_input,
    gauge_empty,
    gauge_over,
    label,
    value,
    on,
    off,
    locked,
    na,
    info,
    warn,
    error,
    status,
    badge,
    key,
    search_match,
    search_current,
    popup,
    popup_selected,
    inert,
    diff_removed,
    diff_added,
    best,
);

fn parse_file(text: &str) -> Result<ThemeFile, String> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    if let Some(bad) = file.styles.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("styles.{bad} is not a style thinkbench knows"));
    }
    Ok(file)
}

impl Theme {
    /// Load theme `name`: a file `<name>.toml` in `user_dir` first, then the built-ins.
    /// Entries the theme leaves out come from the default theme.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, String> {
        let base = parse_file(BUILTIN[0].1).expect("the default theme is valid");
        let user_text = user_dir
            .map(|d| d.join(format!("{name}.toml")))
            .filter(|p| p.is_file())
            .map(|p| {
                std::fs::read_to_string(&p)
                    .map(|t| (t, p.display().to_string()))
                    .map_err(|e| format!("cannot read theme {}: {e}", p.display()))
            })
            .transpose()?;
        let (text, origin) = match user_text {
            Some((t, p)) => (t, p),
            None => match BUILTIN.iter().find(|(n, _)| *n == name) {
                Some((_, t)) => (t.to_string(), format!("built-in theme {name}")),
                None => {
                    return Err(format!(
                        "no theme named \"{name}\" (built-in: {}{})",
                        Theme::builtin_names().join(", "),
                        user_dir
                            .map(|d| format!("; user themes go in {}", d.display()))
                            .unwrap_or_default()
                    ));
                }
            },
        };
        let file = parse_file(&text).map_err(|e| format!("{origin}: {e}"))?;
        let mut specs = base.styles.clone();
        specs.extend(file.styles);
        let syntax = file.syntax.or(base.syntax).unwrap_or_default();
        Theme::from_specs(
            file.name.unwrap_or_else(|| name.to_string()),
            syntax,
            &specs,
            no_color,
        )
        .map_err(|e| format!("{origin}: {e}"))
    }

    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in theme (for tests and screenshots).
    pub fn builtin(name: &str) -> Theme {
        Theme::load(name, None, false).expect("built-in theme")
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin(DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load_and_define_every_style() {
        for name in Theme::builtin_names() {
            let t = Theme::builtin(name);
            assert_eq!(t.name, name);
            assert_ne!(t.text, Style::default(), "{name}: text has a colour");
        }
    }

    #[test]
    fn partial_user_themes_fall_back_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[styles]\nheading = { fg = \"#ff0000\", bold = true }\n",
        )
        .unwrap();
        let t = Theme::load("mine", Some(dir.path()), false).unwrap();
        assert_eq!(t.heading.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.text, Theme::builtin("dark").text);
        // A user file overrides a built-in of the same name.
        std::fs::write(
            dir.path().join("light.toml"),
            "[styles]\ntext = { fg = \"red\" }\n",
        )
        .unwrap();
        let t = Theme::load("light", Some(dir.path()), false).unwrap();
        assert_eq!(t.text.fg, Some(Color::Red));
    }

    #[test]
    fn bad_themes_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[styles]\nheadng = { fg = \"red\" }\n",
        )
        .unwrap();
        let e = Theme::load("bad", Some(dir.path()), false).unwrap_err();
        assert!(e.contains("headng"), "{e}");
        std::fs::write(
            dir.path().join("bad.toml"),
            "[styles]\ntext = { fg = \"blurple\" }\n",
        )
        .unwrap();
        assert!(
            Theme::load("bad", Some(dir.path()), false)
                .unwrap_err()
                .contains("blurple")
        );
        assert!(
            Theme::load("nosuch", None, false)
                .unwrap_err()
                .contains("no theme")
        );
    }

    #[test]
    fn every_load_is_a_new_generation_and_clones_share_it() {
        let a = Theme::builtin("dark");
        let b = Theme::builtin("dark");
        assert_ne!(a.generation, b.generation);
        let before = clones::so_far();
        let c = a.clone();
        assert_eq!(c, a);
        assert_eq!(clones::so_far(), before + 1, "clones are counted");
    }

    #[test]
    fn no_color_keeps_modifiers_only() {
        let t = Theme::load("dark", None, true).unwrap();
        assert_eq!(t.text.fg, None);
        assert_eq!(t.status.bg, None);
        assert!(t.heading.add_modifier.contains(Modifier::BOLD));
    }
}
