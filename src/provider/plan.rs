//! From what the user asked for a message to what goes on the wire.
//!
//! The catalog says what a model can do; the dialect says what the server lets us say. A
//! request the model cannot honour is refused here, with a message that says why, instead of
//! being silently changed.

use serde::{Deserialize, Serialize};

use super::dialect::Dialect;
use crate::catalog::{ModelInfo, ThinkingKind};

/// The thinking settings of one message, as the user chose them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThinkingSettings {
    /// `None`: the model's default.
    pub thinking: Option<bool>,
    /// `thinking_budget` in tokens.
    pub budget: Option<u32>,
    /// `preserve_thinking`: send earlier reasoning back.
    pub preserve: bool,
}

/// Whether thinking can be switched for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Hybrid model: on or off per request; `default_on` when not sent.
    Free { default_on: bool },
    /// Thinking-only model.
    AlwaysOn,
    /// The model does not think.
    AlwaysOff,
    /// Model not in the catalog: whatever the user asks is sent.
    Unknown,
    /// The server has no per-request switch (generic OpenAI-compatible).
    Unavailable,
}

/// What can be asked of a model on a given server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub switch: Switch,
    /// A thinking budget can be sent.
    pub budget: bool,
    pub max_budget: Option<u32>,
    /// `preserve_thinking` can be sent.
    pub preserve: bool,
}

impl Capabilities {
    pub fn of(dialect: Dialect, info: Option<&ModelInfo>) -> Capabilities {
        if !dialect.can_switch_thinking() {
            return Capabilities {
                switch: Switch::Unavailable,
                budget: false,
                max_budget: None,
                preserve: false,
            };
        }
        match info {
            Some(m) => Capabilities {
                switch: match m.thinking {
                    ThinkingKind::Hybrid => Switch::Free {
                        default_on: m.default_on,
                    },
                    ThinkingKind::Always => Switch::AlwaysOn,
                    ThinkingKind::Never => Switch::AlwaysOff,
                },
                budget: dialect.has_budget() && m.budget && m.thinking != ThinkingKind::Never,
                max_budget: m.max_budget,
                preserve: dialect.has_preserve() && m.preserve,
            },
            None => Capabilities {
                switch: Switch::Unknown,
                budget: dialect.has_budget(),
                max_budget: None,
                preserve: dialect.has_preserve(),
            },
        }
    }

    /// `settings` with what this model cannot take left out: no switch where thinking is
    /// locked, a budget only while thinking and where supported, preserve only where
    /// supported. (A message's settings can then always be sent; [`resolve`] is strict.)
    pub fn applicable(&self, settings: &ThinkingSettings) -> ThinkingSettings {
        let mut s = settings.clone();
        if matches!(
            self.switch,
            Switch::AlwaysOn | Switch::AlwaysOff | Switch::Unavailable
        ) {
            s.thinking = None;
        }
        if !self.budget || self.thinks(&s) == Some(false) {
            s.budget = None;
        }
        if !self.preserve {
            s.preserve = false;
        }
        s
    }

    /// Whether the model will think with these settings, where that can be known.
    pub fn thinks(&self, settings: &ThinkingSettings) -> Option<bool> {
        match self.switch {
            Switch::Free { default_on } => Some(settings.thinking.unwrap_or(default_on)),
            Switch::AlwaysOn => Some(true),
            Switch::AlwaysOff => Some(false),
            Switch::Unknown => settings.thinking,
            Switch::Unavailable => None,
        }
    }
}

/// Thinking settings resolved for the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The explicit switch to send (`enable_thinking`, `think`, `thinking.type` …), if any.
    pub send_thinking: Option<bool>,
    /// Whether the model is expected to think (`None`: unknown).
    pub thinks: Option<bool>,
    pub budget: Option<u32>,
    pub preserve: bool,
}

/// A setting the model or server cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "{model} is a thinking-only model: thinking cannot be turned off. Drop --no-think (or the \"off\" setting) or pick a hybrid model."
    )]
    ThinkingAlwaysOn { model: String },
    #[error("{model} does not think: thinking cannot be turned on for it.")]
    ThinkingUnsupported { model: String },
    #[error(
        "this provider ({dialect}) has no per-request thinking switch; set `kind` for the provider in the config (modelstudio, deepseek, vllm, llamacpp, ollama, openrouter …)."
    )]
    NoSwitch { dialect: &'static str },
    #[error("the thinking budget must be a positive number of tokens.")]
    BudgetNotPositive,
    #[error("a thinking budget applies only when thinking is on.")]
    BudgetNeedsThinking,
    #[error("{model} does not support a thinking budget on this provider ({dialect}).")]
    BudgetUnsupported {
        model: String,
        dialect: &'static str,
    },
    #[error("the thinking budget for {model} can be at most {max} tokens.")]
    BudgetTooLarge { model: String, max: u32 },
    #[error(
        "{model} does not support preserve_thinking on this provider ({dialect}); earlier reasoning cannot be sent back."
    )]
    PreserveUnsupported {
        model: String,
        dialect: &'static str,
    },
}

/// Check `settings` against what `model` can do and decide what to send.
pub fn resolve(
    dialect: Dialect,
    model: &str,
    caps: &Capabilities,
    settings: &ThinkingSettings,
) -> Result<Resolved, PlanError> {
    let m = || model.to_string();
    let send_thinking = match (caps.switch, settings.thinking) {
        (Switch::AlwaysOn, Some(false)) => return Err(PlanError::ThinkingAlwaysOn { model: m() }),
        (Switch::AlwaysOff, Some(true)) => {
            return Err(PlanError::ThinkingUnsupported { model: m() });
        }
        (Switch::Unavailable, Some(_)) => {
            return Err(PlanError::NoSwitch {
                dialect: dialect.as_str(),
            });
        }
        // Hosts disagree on defaults: a hybrid model is always told explicitly.
        (Switch::Free { default_on }, t) => Some(t.unwrap_or(default_on)),
        (Switch::Unknown, t) => t,
        // Thinking-only models are never sent a switch (never `false`).
        (Switch::AlwaysOn | Switch::AlwaysOff | Switch::Unavailable, _) => None,
    };
    let thinks = caps.thinks(settings);
    let budget = match settings.budget {
        None => None,
        Some(0) => return Err(PlanError::BudgetNotPositive),
        Some(_) if thinks == Some(false) => return Err(PlanError::BudgetNeedsThinking),
        Some(_) if !caps.budget => {
            return Err(PlanError::BudgetUnsupported {
                model: m(),
                dialect: dialect.as_str(),
            });
        }
        Some(b) => match caps.max_budget {
            Some(max) if b > max => return Err(PlanError::BudgetTooLarge { model: m(), max }),
            _ => Some(b),
        },
    };
    if settings.preserve && !caps.preserve {
        return Err(PlanError::PreserveUnsupported {
            model: m(),
            dialect: dialect.as_str(),
        });
    }
    Ok(Resolved {
        send_thinking,
        thinks,
        budget,
        preserve: settings.preserve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, MODEL_STUDIO};

    fn plan(model: &str, s: ThinkingSettings) -> Result<Resolved, PlanError> {
        let c = Catalog::builtin();
        let caps = Capabilities::of(Dialect::ModelStudio, c.lookup(model, MODEL_STUDIO));
        resolve(Dialect::ModelStudio, model, &caps, &s)
    }

    #[test]
    fn hybrid_models_always_get_an_explicit_switch() {
        let r = plan("qwen-plus", ThinkingSettings::default()).unwrap();
        assert_eq!(r.send_thinking, Some(false));
        let r = plan("qwen3.7-plus", ThinkingSettings::default()).unwrap();
        assert_eq!(r.send_thinking, Some(true));
    }

    #[test]
    fn thinking_only_models_refuse_off_and_never_get_false() {
        let off = ThinkingSettings {
            thinking: Some(false),
            ..Default::default()
        };
        let err = plan("qwq-plus", off).unwrap_err();
        assert!(err.to_string().contains("thinking-only"), "{err}");
        let r = plan("qwq-plus", ThinkingSettings::default()).unwrap();
        assert_eq!(r.send_thinking, None);
        assert_eq!(r.thinks, Some(true));
    }

    #[test]
    fn budget_rules() {
        let with = |thinking, budget| ThinkingSettings {
            thinking,
            budget: Some(budget),
            preserve: false,
        };
        assert_eq!(
            plan("qwen3.7-plus", with(None, 500)).unwrap().budget,
            Some(500)
        );
        assert_eq!(
            plan("qwen3.7-plus", with(Some(false), 500)),
            Err(PlanError::BudgetNeedsThinking)
        );
        assert_eq!(
            plan("qwen3.7-plus", with(None, 0)),
            Err(PlanError::BudgetNotPositive)
        );
        assert!(matches!(
            plan("deepseek-r1", with(None, 100)),
            Err(PlanError::BudgetUnsupported { .. })
        ));
        assert!(matches!(
            plan("kimi-k2.5", with(Some(true), 100_000)),
            Err(PlanError::BudgetTooLarge { max: 81920, .. })
        ));
    }

    #[test]
    fn preserve_only_where_supported() {
        let p = ThinkingSettings {
            preserve: true,
            ..Default::default()
        };
        assert!(plan("qwen3.7-plus", p.clone()).unwrap().preserve);
        assert!(matches!(
            plan("qwen-plus", p),
            Err(PlanError::PreserveUnsupported { .. })
        ));
    }

    #[test]
    fn unknown_models_get_what_the_user_asked() {
        let r = plan("my-finetune", ThinkingSettings::default()).unwrap();
        assert_eq!(r.send_thinking, None);
        let on = ThinkingSettings {
            thinking: Some(true),
            budget: Some(64),
            preserve: false,
        };
        let r = plan("my-finetune", on).unwrap();
        assert_eq!((r.send_thinking, r.budget), (Some(true), Some(64)));
    }

    #[test]
    fn generic_servers_have_no_switch() {
        let caps = Capabilities::of(Dialect::OpenAiCompatible, None);
        let on = ThinkingSettings {
            thinking: Some(true),
            ..Default::default()
        };
        assert!(matches!(
            resolve(Dialect::OpenAiCompatible, "m", &caps, &on),
            Err(PlanError::NoSwitch { .. })
        ));
    }
}
