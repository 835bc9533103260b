//! The model catalog: which models think, how they switch, what they cost.
//!
//! The built-in catalog is `catalog.toml`, embedded in the binary. A user's config can add
//! models or override built-in ones (`[[models]]` tables of the same shape). Request building,
//! the simulator and the cost figures all read it; nothing else hard-codes model names.

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("catalog.toml");

/// The host a catalog entry describes when none is given.
pub const MODEL_STUDIO: &str = "modelstudio";

/// Whether and how a model thinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThinkingKind {
    /// Thinking can be switched per request.
    Hybrid,
    /// Thinking-only: it always thinks and cannot be switched off.
    Always,
    /// The model does not think.
    Never,
}

/// Which DashScope native path a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NativeEndpoint {
    /// `/services/aigc/text-generation/generation`, `content` is a string.
    #[default]
    Text,
    /// `/services/aigc/multimodal-generation/generation`, `content` is an array of parts.
    Multimodal,
}

impl NativeEndpoint {
    pub fn path(self) -> &'static str {
        match self {
            NativeEndpoint::Text => "/services/aigc/text-generation/generation",
            NativeEndpoint::Multimodal => "/services/aigc/multimodal-generation/generation",
        }
    }
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    /// Output price in thinking mode; the output price when absent.
    #[serde(default)]
    pub thinking: Option<f64>,
}

impl Price {
    /// Cost in USD. Thinking tokens are billed as output; in thinking mode the whole output is
    /// billed at the thinking price — `thinking_billed` says whether that applies (thinking
    /// mode, and reasoning happened: a thinking-mode call without reasoning is billed at the
    /// non-thinking price).
    pub fn cost(&self, input: u64, output: u64, thinking_billed: bool) -> f64 {
        let out_price = if thinking_billed {
            self.thinking.unwrap_or(self.output)
        } else {
            self.output
        };
        (input as f64 * self.input + output as f64 * out_price) / 1_000_000.0
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub host: Option<String>,
    pub thinking: ThinkingKind,
    /// For hybrid models: whether they think when `enable_thinking` is not sent.
    #[serde(default)]
    pub default_on: bool,
    #[serde(default)]
    pub budget: bool,
    #[serde(default)]
    pub max_budget: Option<u32>,
    #[serde(default)]
    pub preserve: bool,
    #[serde(default)]
    pub think_suffix: bool,
    #[serde(default)]
    pub native: NativeEndpoint,
    #[serde(default)]
    pub price: Option<Price>,
}

impl ModelInfo {
    pub fn host(&self) -> &str {
        self.host.as_deref().unwrap_or(MODEL_STUDIO)
    }

    fn answers_to(&self, name: &str) -> bool {
        self.id == name || self.aliases.iter().any(|a| a == name)
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    model: Vec<ModelInfo>,
}

/// The models thinkbench knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    models: Vec<ModelInfo>,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::builtin()
    }
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn builtin() -> Catalog {
        let file: CatalogFile = toml::from_str(BUILTIN).expect("embedded catalog.toml is valid");
        Catalog { models: file.model }
    }

    /// Add user entries. An entry with the same id and host as a built-in one replaces it.
    pub fn with_overrides(mut self, user: impl IntoIterator<Item = ModelInfo>) -> Catalog {
        for m in user {
            match self
                .models
                .iter()
                .position(|b| b.id == m.id && b.host() == m.host())
            {
                Some(i) => self.models[i] = m,
                None => self.models.push(m),
            }
        }
        self
    }

    /// The entry for `model` on `host`. Names are case-sensitive, as on the wire.
    pub fn lookup(&self, model: &str, host: &str) -> Option<&ModelInfo> {
        self.models
            .iter()
            .find(|m| m.host() == host && m.answers_to(model))
    }

    /// Every name (ids and aliases) on `host`, in catalog order.
    pub fn names_on(&self, host: &str) -> Vec<&str> {
        self.models
            .iter()
            .filter(|m| m.host() == host)
            .flat_map(|m| {
                std::iter::once(m.id.as_str()).chain(m.aliases.iter().map(String::as_str))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_covers_the_deep_thinking_table() {
        let c = Catalog::builtin();
        let ms = |m: &str| {
            c.lookup(m, MODEL_STUDIO)
                .unwrap_or_else(|| panic!("{m} missing"))
        };
        // Hybrid, on by default, with preserve_thinking.
        let m = ms("qwen3.7-plus");
        assert_eq!(m.thinking, ThinkingKind::Hybrid);
        assert!(m.default_on && m.budget && m.preserve);
        assert_eq!(m.native, NativeEndpoint::Multimodal);
        // Snapshots resolve to their family.
        assert_eq!(ms("qwen3.7-max-2026-06-08").id, "qwen3.7-max");
        // Hybrid, off by default.
        assert!(!ms("qwen-plus").default_on);
        assert!(!ms("kimi-k2.6").default_on);
        assert!(ms("kimi/kimi-k2.6").default_on);
        // Thinking-only.
        for m in [
            "qwq-plus",
            "deepseek-r1",
            "qwen3.7-max-preview",
            "kimi-k2-thinking",
            "MiniMax-M2.5",
        ] {
            assert_eq!(ms(m).thinking, ThinkingKind::Always, "{m}");
        }
        // Suffixes only for open-source Qwen3 and qwen-plus-2025-04-28.
        assert!(ms("qwen3-8b").think_suffix);
        assert!(ms("qwen-plus-2025-04-28").think_suffix);
        assert!(!ms("qwen-plus").think_suffix);
        // Names are case-sensitive.
        assert!(c.lookup("Qwen-Plus", MODEL_STUDIO).is_none());
        // Same name, other host, other default.
        assert!(
            c.lookup("deepseek-v4-flash", "deepseek")
                .unwrap()
                .default_on
        );
        assert!(!ms("deepseek-v4-flash").default_on);
    }

    #[test]
    fn user_entries_override_and_extend() {
        let user: CatalogFile = toml::from_str(
            r#"
            [[model]]
            id = "qwen-plus"
            thinking = "hybrid"
            default_on = true
            [[model]]
            id = "my-local"
            host = "ollama"
            thinking = "always"
            "#,
        )
        .unwrap();
        let c = Catalog::builtin().with_overrides(user.model);
        assert!(c.lookup("qwen-plus", MODEL_STUDIO).unwrap().default_on);
        assert_eq!(
            c.lookup("my-local", "ollama").unwrap().thinking,
            ThinkingKind::Always
        );
        assert!(c.lookup("my-local", MODEL_STUDIO).is_none());
    }

    #[test]
    fn thinking_price_applies_only_when_reasoning_happened() {
        let p = Price {
            input: 0.4,
            output: 1.2,
            thinking: Some(4.0),
        };
        let on = p.cost(1_000_000, 1_000_000, true);
        let off = p.cost(1_000_000, 1_000_000, false);
        assert!((on - 4.4).abs() < 1e-9);
        assert!((off - 1.6).abs() < 1e-9);
    }
}
