//! A compare target: a model with its thinking settings, and optionally a provider.
//!
//! Written `MODEL[@think=on|off][,budget=N][,preserve=on|off][,provider=NAME]`:
//! `qwen3.7-plus`, `qwen3.7-plus@think=off`, `qwen3.7-plus@budget=500`,
//! `qwen-plus@think=on,provider=modelstudio-us`. A list of targets is written with commas
//! between them (`qwen3.7-plus,qwen3.7-plus@think=off,budget=…`): a piece with `=` and no `@`
//! belongs to the target before it.

use std::fmt;

use crate::provider::plan::{self, ThinkingSettings};
use crate::provider::route::Route;

/// One target of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub model: String,
    pub settings: ThinkingSettings,
    /// The provider to send to (`None`: the current one).
    pub provider: Option<String>,
}

/// What is wrong with a target, naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target \"{target}\": {problem}")]
pub struct TargetError {
    pub target: String,
    pub problem: String,
}

impl TargetError {
    pub fn new(target: impl Into<String>, problem: impl Into<String>) -> TargetError {
        TargetError {
            target: target.into(),
            problem: problem.into(),
        }
    }
}

fn on_off(target: &str, key: &str, v: &str) -> Result<bool, TargetError> {
    match v {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(TargetError::new(
            target,
            format!("{key}={v}: expected {key}=on or {key}=off"),
        )),
    }
}

impl TargetSpec {
    /// A target for `model` with its default settings.
    pub fn model(model: impl Into<String>) -> TargetSpec {
        TargetSpec {
            model: model.into(),
            settings: ThinkingSettings::default(),
            provider: None,
        }
    }

    /// Parse one target. Only the syntax is checked here; [`TargetSpec::check`] holds it
    /// against what the model can do.
    pub fn parse(text: &str) -> Result<TargetSpec, TargetError> {
        let text = text.trim();
        let bad = |problem: String| TargetError::new(text, problem);
        let (model, options) = match text.split_once('@') {
            Some((m, o)) => (m.trim(), Some(o)),
            None => (text, None),
        };
        if model.is_empty() {
            return Err(bad("no model before the settings (MODEL@think=on,…)".into()));
        }
        if model.contains(char::is_whitespace) || model.contains(',') || model.contains('=') {
            return Err(bad(format!(
                "\"{model}\" is not a model name (MODEL[@think=on|off][,budget=N][,preserve=on|off][,provider=NAME])"
            )));
        }
        let mut t = TargetSpec::model(model);
        let mut seen: Vec<&str> = Vec::new();
        for part in options.into_iter().flat_map(|o| o.split(',')) {
            let part = part.trim();
            let Some((key, value)) = part.split_once('=') else {
                return Err(bad(format!(
                    "\"{part}\" is not a setting: write key=value (think, budget, preserve, provider)"
                )));
            };
            let (key, value) = (key.trim(), value.trim());
            if seen.contains(&key) {
                return Err(bad(format!("{key} is given twice")));
            }
            match key {
                "think" => t.settings.thinking = Some(on_off(text, key, value)?),
                "budget" => {
                    t.settings.budget = Some(match value.replace('_', "").parse::<i64>() {
                        Ok(n) if n > 0 && n <= u32::MAX as i64 => n as u32,
                        Ok(_) => {
                            return Err(bad(
                                "the budget must be a positive number of tokens".into()
                            ));
                        }
                        Err(_) => {
                            return Err(bad(format!(
                                "budget={value}: the budget is a number of tokens"
                            )));
                        }
                    })
                }
                "preserve" => t.settings.preserve = on_off(text, key, value)?,
                "provider" if !value.is_empty() => t.provider = Some(value.to_string()),
                "provider" => return Err(bad("provider= needs a provider name".into())),
                _ => {
                    return Err(bad(format!(
                        "unknown setting \"{key}\" (the settings are think, budget, preserve and provider)"
                    )));
                }
            }
            seen.push(key);
        }
        Ok(t)
    }

    /// Parse a comma-separated list of targets (see the module documentation).
    pub fn parse_list(text: &str) -> Result<Vec<TargetSpec>, TargetError> {
        let mut pieces: Vec<String> = Vec::new();
        for piece in text.split(',') {
            let piece = piece.trim();
            match pieces.last_mut() {
                Some(last) if piece.contains('=') && !piece.contains('@') => {
                    // A setting of the target before it.
                    last.push(if last.contains('@') { ',' } else { '@' });
                    last.push_str(piece);
                }
                _ => pieces.push(piece.to_string()),
            }
        }
        pieces.iter().map(|p| TargetSpec::parse(p)).collect()
    }

    /// Check the target against what its model can do on `route` (the engine's own rules: a
    /// thinking-only model cannot be switched off, a budget needs thinking and support …).
    pub fn check(&self, route: &Route) -> Result<(), TargetError> {
        let caps = route.capabilities(&self.model);
        plan::resolve(route.dialect, &self.model, &caps, &self.settings)
            .map(|_| ())
            .map_err(|e| TargetError::new(self.to_string(), e.to_string()))
    }
}

/// The canonical text of a target: what [`TargetSpec::parse`] reads back.
impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.model)?;
        let mut parts = Vec::new();
        if let Some(on) = self.settings.thinking {
            parts.push(format!("think={}", if on { "on" } else { "off" }));
        }
        if let Some(b) = self.settings.budget {
            parts.push(format!("budget={b}"));
        }
        if self.settings.preserve {
            parts.push("preserve=on".to_string());
        }
        if let Some(p) = &self.provider {
            parts.push(format!("provider={p}"));
        }
        if !parts.is_empty() {
            write!(f, "@{}", parts.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::Catalog;
    use crate::provider::dialect::{Dialect, Protocol};

    fn route() -> Route {
        Route {
            dialect: Dialect::ModelStudio,
            protocol: Protocol::Openai,
            base_url: "http://127.0.0.1:9/v1".into(),
            think_tags: None,
            catalog: Arc::new(Catalog::builtin()),
        }
    }

    #[test]
    fn every_form_parses_and_reads_back() {
        let t = TargetSpec::parse("qwen3.7-plus").unwrap();
        assert_eq!(t, TargetSpec::model("qwen3.7-plus"));
        let t = TargetSpec::parse("qwen3.7-plus@think=off").unwrap();
        assert_eq!(t.settings.thinking, Some(false));
        let t = TargetSpec::parse("qwen3.7-plus@budget=500").unwrap();
        assert_eq!(t.settings.budget, Some(500));
        let t = TargetSpec::parse("qwen-plus@think=on,provider=modelstudio-us").unwrap();
        assert_eq!(t.settings.thinking, Some(true));
        assert_eq!(t.provider.as_deref(), Some("modelstudio-us"));
        let t = TargetSpec::parse(" qwen3.7-plus@ think=on , budget=2_000 , preserve=on ").unwrap();
        assert_eq!(t.settings.budget, Some(2000));
        assert!(t.settings.preserve);
        assert_eq!(
            t.to_string(),
            "qwen3.7-plus@think=on,budget=2000,preserve=on"
        );
        for text in [
            "qwen3.7-plus",
            "qwen3.7-plus@think=off",
            "qwen/qwen3-max@budget=4000,provider=openrouter",
            "qwen3:8b@think=on,provider=ollama",
        ] {
            assert_eq!(TargetSpec::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn each_bad_form_says_what_is_wrong_and_names_the_target() {
        for (text, needle) in [
            ("", "no model"),
            ("@think=on", "no model"),
            ("qwen3.7-plus@", "not a setting"),
            ("qwen3.7-plus@think", "not a setting"),
            ("qwen3.7-plus@think=maybe", "think=on or think=off"),
            ("qwen3.7-plus@budget=0", "positive"),
            ("qwen3.7-plus@budget=-5", "positive"),
            ("qwen3.7-plus@budget=lots", "number of tokens"),
            ("qwen3.7-plus@speed=fast", "unknown setting \"speed\""),
            ("qwen3.7-plus@think=on,think=off", "twice"),
            ("qwen3.7-plus@provider=", "provider name"),
            ("qwen 3", "not a model name"),
        ] {
            let e = TargetSpec::parse(text).unwrap_err();
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(
                e.to_string().contains(&format!("\"{}\"", text.trim())),
                "{e}"
            );
        }
    }

    #[test]
    fn lists_split_between_targets_not_inside_their_settings() {
        let list = TargetSpec::parse_list(
            "qwen3.7-plus,qwen3.7-plus@think=off,qwen3.7-plus@think=on,budget=500,deepseek-v3.2",
        )
        .unwrap();
        let texts: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "qwen3.7-plus",
                "qwen3.7-plus@think=off",
                "qwen3.7-plus@think=on,budget=500",
                "deepseek-v3.2"
            ]
        );
        // A setting right after a bare model belongs to it.
        let list = TargetSpec::parse_list("qwen3.7-plus,budget=800").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].settings.budget, Some(800));
    }

    #[test]
    fn targets_are_held_to_what_their_model_can_do() {
        let r = route();
        assert!(
            TargetSpec::parse("qwen3.7-plus@budget=500")
                .unwrap()
                .check(&r)
                .is_ok()
        );
        let e = TargetSpec::parse("qwq-plus@think=off")
            .unwrap()
            .check(&r)
            .unwrap_err();
        assert_eq!(e.target, "qwq-plus@think=off");
        assert!(e.problem.contains("thinking-only"), "{e}");
        let e = TargetSpec::parse("qwen3.7-plus@think=off,budget=500")
            .unwrap()
            .check(&r)
            .unwrap_err();
        assert!(e.problem.contains("only when thinking is on"), "{e}");
    }
}
