//! Proof that a message's thinking settings took effect, from what went on the wire (the
//! resolved settings) and what came back (reasoning text, the server's counts, the answer).

use super::{Status, Variant};
use crate::provider::FinishReason;
use crate::text::group;

/// One thing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// It is what was asked for (else: a warning).
    pub ok: bool,
    pub text: String,
}

/// What the findings add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    pub findings: Vec<Finding>,
    /// The answer came in the reasoning channel, the content is empty: the reasoning can be
    /// taken as the answer.
    pub answer_in_reasoning: bool,
}

fn ok(text: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        text: text.into(),
    }
}

fn warn(text: impl Into<String>) -> Finding {
    Finding {
        ok: false,
        text: text.into(),
    }
}

impl Proof {
    /// The proof for `v`; nothing while it still runs.
    pub fn of(v: &Variant) -> Proof {
        let mut p = Proof::default();
        if v.status.is_running() {
            return p;
        }
        let r = &v.settings.resolved;
        let reply = &v.reply;
        let counted = reply.usage.as_ref().and_then(|u| u.reasoning_tokens);
        let reasoned = !reply.reasoning.is_empty() || counted.is_some_and(|n| n > 0);
        let complete = v.status == Status::Complete;
        let f = &mut p.findings;
        match (r.thinks, reasoned) {
            (Some(true), true) => f.push(ok("thinking on, and it reasoned")),
            (Some(true), false) if complete => {
                f.push(warn("thinking on, but no reasoning arrived"))
            }
            (Some(true), false) => {}
            (Some(false), false) => f.push(ok("thinking off, and no reasoning arrived")),
            (Some(false), true) => f.push(warn("thinking off, but reasoning arrived")),
            (None, true) => f.push(ok("the server's default: it reasoned")),
            (None, false) => f.push(ok("the server's default: no reasoning")),
        }
        if let Some(b) = r.budget {
            let budget = group(b as u64);
            match counted {
                Some(n) if n <= b as u64 => f.push(ok(format!(
                    "budget {budget} honoured ({} reasoning tokens)",
                    group(n)
                ))),
                Some(n) => f.push(warn(format!(
                    "budget {budget}, but {} reasoning tokens reported",
                    group(n)
                ))),
                None if complete && reply.usage.is_none() => f.push(warn(format!(
                    "budget {budget} set, but the server reported no usage"
                ))),
                None if complete => f.push(warn(format!(
                    "budget {budget} set, but the server reported no reasoning-token count"
                ))),
                None => {}
            }
        }
        if complete
            && reply.answer.trim().is_empty()
            && reply.tool_calls.is_empty()
            && !reply.reasoning.trim().is_empty()
            && reply.finish != Some(FinishReason::Length)
        {
            p.answer_in_reasoning = true;
            f.push(warn(
                "the answer arrived in the reasoning channel: content empty",
            ));
        }
        p
    }

    /// Every finding is what was asked for.
    pub fn holds(&self) -> bool {
        self.findings.iter().all(|f| f.ok)
    }

    /// The findings in one line: `thinking on, and it reasoned; budget 500 honoured (482 …)`.
    pub fn summary(&self) -> String {
        self.findings
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.findings
            .iter()
            .filter(|f| !f.ok)
            .map(|f| f.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::plan::{Resolved, ThinkingSettings};
    use crate::provider::{StreamEvent, Usage};
    use crate::session::MessageSettings;

    fn variant(thinks: Option<bool>, budget: Option<u32>) -> Variant {
        let settings = MessageSettings {
            provider: "p".into(),
            model: "m".into(),
            thinking: ThinkingSettings::default(),
            resolved: Resolved {
                send_thinking: thinks,
                thinks,
                budget,
                preserve: false,
            },
            max_tokens: None,
        };
        Variant::new(1, settings, 0)
    }

    fn finish(mut v: Variant, reasoning: &str, answer: &str, counted: Option<u64>) -> Variant {
        if !reasoning.is_empty() {
            v.apply(&StreamEvent::Reasoning(reasoning.into()));
        }
        if !answer.is_empty() {
            v.apply(&StreamEvent::Answer(answer.into()));
        }
        v.apply(&StreamEvent::Usage(Usage {
            reasoning_tokens: counted,
            ..Usage::default()
        }));
        v.apply(&StreamEvent::Finish(FinishReason::Stop));
        v.status = Status::Complete;
        v
    }

    #[test]
    fn every_message() {
        let cases: Vec<(Variant, &str, bool)> = vec![
            (
                finish(variant(Some(true), None), "hmm", "42", Some(3)),
                "thinking on, and it reasoned",
                true,
            ),
            (
                finish(variant(Some(true), None), "", "42", None),
                "thinking on, but no reasoning arrived",
                false,
            ),
            (
                finish(variant(Some(false), None), "", "42", Some(0)),
                "thinking off, and no reasoning arrived",
                true,
            ),
            (
                finish(variant(Some(false), None), "hmm", "42", None),
                "thinking off, but reasoning arrived",
                false,
            ),
            (
                finish(variant(Some(true), Some(500)), "hmm", "42", Some(482)),
                "thinking on, and it reasoned; budget 500 honoured (482 reasoning tokens)",
                true,
            ),
            (
                finish(variant(Some(true), Some(500)), "hmm", "42", Some(1900)),
                "thinking on, and it reasoned; budget 500, but 1,900 reasoning tokens reported",
                false,
            ),
            (
                finish(variant(Some(true), Some(500)), "hmm", "42", None),
                "thinking on, and it reasoned; budget 500 set, but the server reported no reasoning-token count",
                false,
            ),
            (
                finish(variant(None, None), "hmm", "42", None),
                "the server's default: it reasoned",
                true,
            ),
            (
                {
                    let mut v = finish(variant(Some(true), Some(500)), "hmm", "42", None);
                    v.reply.usage = None;
                    v
                },
                "thinking on, and it reasoned; budget 500 set, but the server reported no usage",
                false,
            ),
            (
                finish(variant(Some(true), None), "The answer is 42.", "", Some(9)),
                "thinking on, and it reasoned; the answer arrived in the reasoning channel: content empty",
                false,
            ),
        ];
        for (v, text, holds) in cases {
            let p = Proof::of(&v);
            assert_eq!(p.summary(), text);
            assert_eq!(p.holds(), holds, "{text}");
            assert_eq!(p.answer_in_reasoning, text.contains("reasoning channel"));
        }
    }

    #[test]
    fn a_running_message_has_no_proof_yet_and_a_cut_off_one_is_not_an_answer_in_reasoning() {
        let v = variant(Some(true), Some(500));
        assert!(Proof::of(&v).findings.is_empty());
        let mut v = finish(variant(Some(true), None), "long thought", "", Some(100));
        v.reply.finish = Some(FinishReason::Length);
        assert!(!Proof::of(&v).answer_in_reasoning);
    }
}
