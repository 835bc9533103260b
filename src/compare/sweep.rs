//! Sweeps: the targets of one model under several thinking settings, to see what thinking
//! costs. `think` compares thinking on and off; `budget=500,2000,8000` one column per budget,
//! plus thinking off as a baseline where the model can switch it off.

use super::target::{TargetError, TargetSpec};
use crate::provider::plan::Switch;
use crate::provider::route::Route;

/// The most columns a comparison shows side by side.
pub const MAX_COLUMNS: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sweep {
    /// Thinking on, then off.
    Think,
    /// One column per budget (thinking on), after a thinking-off baseline.
    Budget(Vec<u32>),
}

impl Sweep {
    /// `think` or `budget=N[,N…]`.
    pub fn parse(text: &str) -> Result<Sweep, String> {
        let text = text.trim();
        if text == "think" {
            return Ok(Sweep::Think);
        }
        let Some(list) = text.strip_prefix("budget=") else {
            return Err(format!(
                "--sweep {text}: expected `think` or `budget=N[,N…]` (for example budget=500,2000,8000)"
            ));
        };
        let mut budgets = Vec::new();
        for b in list.split(',') {
            let b = b.trim().replace('_', "");
            match b.parse::<i64>() {
                Ok(n) if n > 0 && n <= u32::MAX as i64 => budgets.push(n as u32),
                _ => {
                    return Err(format!(
                        "--sweep {text}: \"{b}\" is not a budget (a positive number of tokens)"
                    ));
                }
            }
        }
        let mut seen = Vec::new();
        budgets.retain(|b| {
            let new = !seen.contains(b);
            seen.push(*b);
            new
        });
        Ok(Sweep::Budget(budgets))
    }

    /// The targets of this sweep over `base` (its model, provider and preserve setting) on
    /// `route`. A sweep the model cannot take is refused, saying why.
    pub fn targets(
        &self,
        base: &TargetSpec,
        route: &Route,
    ) -> Result<Vec<TargetSpec>, TargetError> {
        let caps = route.capabilities(&base.model);
        let refuse = |why: String| TargetError::new(base.to_string(), why);
        let with = |thinking: Option<bool>, budget: Option<u32>| {
            let mut t = base.clone();
            t.settings.thinking = thinking;
            t.settings.budget = budget;
            t
        };
        let switchable = matches!(caps.switch, Switch::Free { .. } | Switch::Unknown);
        let targets = match self {
            Sweep::Think => {
                if !switchable {
                    return Err(refuse(format!(
                        "a thinking sweep needs a model whose thinking can be switched on and off; {} cannot (try --sweep budget=… where it has a budget)",
                        base.model
                    )));
                }
                vec![with(Some(true), None), with(Some(false), None)]
            }
            Sweep::Budget(budgets) => {
                if !caps.budget {
                    return Err(refuse(format!(
                        "{} has no thinking budget on this provider, so there is nothing to sweep (try --sweep think)",
                        base.model
                    )));
                }
                let on = match caps.switch {
                    Switch::AlwaysOn => None,
                    _ => Some(true),
                };
                let mut targets = Vec::new();
                if switchable {
                    targets.push(with(Some(false), None));
                }
                targets.extend(budgets.iter().map(|b| with(on, Some(*b))));
                targets
            }
        };
        if targets.len() > MAX_COLUMNS {
            return Err(refuse(format!(
                "this sweep makes {} columns; at most {MAX_COLUMNS} are compared at once (give fewer budgets)",
                targets.len()
            )));
        }
        for t in &targets {
            t.check(route)?;
        }
        Ok(targets)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::Catalog;
    use crate::provider::dialect::{Dialect, Protocol};

    fn route(dialect: Dialect) -> Route {
        Route {
            dialect,
            protocol: Protocol::Openai,
            base_url: "http://127.0.0.1:9/v1".into(),
            think_tags: None,
            catalog: Arc::new(Catalog::builtin()),
        }
    }

    fn texts(targets: &[TargetSpec]) -> Vec<String> {
        targets.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_thinking_sweep_is_on_then_off() {
        let base = TargetSpec::parse("qwen3.7-plus@provider=modelstudio-us").unwrap();
        let t = Sweep::parse("think")
            .unwrap()
            .targets(&base, &route(Dialect::ModelStudio));
        assert_eq!(
            texts(&t.unwrap()),
            [
                "qwen3.7-plus@think=on,provider=modelstudio-us",
                "qwen3.7-plus@think=off,provider=modelstudio-us"
            ]
        );
    }

    #[test]
    fn a_budget_sweep_has_a_thinking_off_baseline_where_the_model_is_hybrid() {
        assert_eq!(
            Sweep::parse("budget=500,2000,500").unwrap(),
            Sweep::Budget(vec![500, 2000])
        );
        let s = Sweep::parse("budget=500, 2_000,8000").unwrap();
        assert_eq!(s, Sweep::Budget(vec![500, 2000, 8000]));
        let t = s
            .targets(
                &TargetSpec::model("qwen3.7-plus"),
                &route(Dialect::ModelStudio),
            )
            .unwrap();
        assert_eq!(
            texts(&t),
            [
                "qwen3.7-plus@think=off",
                "qwen3.7-plus@think=on,budget=500",
                "qwen3.7-plus@think=on,budget=2000",
                "qwen3.7-plus@think=on,budget=8000"
            ]
        );
    }

    #[test]
    fn sweeps_a_model_cannot_take_are_refused_clearly() {
        let r = route(Dialect::ModelStudio);
        let e = Sweep::parse("think")
            .unwrap()
            .targets(&TargetSpec::model("qwq-plus"), &r)
            .unwrap_err();
        assert!(e.problem.contains("cannot"), "{e}");
        let e = Sweep::parse("budget=500")
            .unwrap()
            .targets(&TargetSpec::model("qwq-plus"), &r)
            .unwrap_err();
        assert!(e.problem.contains("no thinking budget"), "{e}");
        let e = Sweep::parse("budget=1,2,3,4")
            .unwrap()
            .targets(&TargetSpec::model("qwen3.7-plus"), &r)
            .unwrap_err();
        assert!(e.problem.contains("at most 4"), "{e}");
        for bad in ["budgets=5", "budget=", "budget=0", "budget=a,b", "thinking"] {
            assert!(Sweep::parse(bad).is_err(), "{bad}");
        }
    }
}
