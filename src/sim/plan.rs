//! Deciding what a valid request gets: thinking on or off, the text, where it stops, and the
//! token counts. All of Model Studio's thinking rules live here (protocols.md §1.2–1.3).

use serde_json::Value;

use super::SimConfig;
use super::generate::{count_tokens, script};
use super::request::{ChatRequest, Role};
use super::wire_error::WireError;
use crate::catalog::{ModelInfo, ThinkingKind};

/// Per-message overhead in the simulator's input token count (role markers and separators).
pub(crate) const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens that prime the assistant's reply.
pub(crate) const REPLY_PRIMING_TOKENS: u64 = 3;

/// What the simulator sends for one valid request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The model name as the client sent it.
    pub model: String,
    /// Thinking mode: the stream has the thinking-mode shape (reasoning fields present).
    pub thinking: bool,
    /// Reasoning pieces, after `thinking_budget` truncation.
    pub reasoning: Vec<String>,
    /// Answer pieces, after `max_tokens` truncation.
    pub answer: Vec<String>,
    /// `stop` or `length`.
    pub finish: &'static str,
    pub input_tokens: u64,
}

impl Plan {
    pub fn reasoning_tokens(&self) -> u64 {
        self.reasoning.len() as u64
    }

    pub fn output_tokens(&self) -> u64 {
        (self.reasoning.len() + self.answer.len()) as u64
    }

    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens()
    }

    /// How many token chunks a fault lets through before it strikes: about a third of the
    /// reasoning, or of the answer when there is no reasoning (at least one).
    pub fn fault_cut(&self) -> usize {
        let base = if self.reasoning.is_empty() {
            self.answer.len()
        } else {
            self.reasoning.len()
        };
        (base / 3).max(1)
    }
}

/// The prompt the script is generated from: the last user message, trimmed, with a trailing
/// `/think` or `/no_think` removed.
pub(crate) fn script_prompt(req: &ChatRequest) -> String {
    let last = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(|m| m.text.as_str())
        .unwrap_or("");
    let (rest, _) = split_suffix(last);
    rest.trim().to_string()
}

/// `(text without the suffix, Some(true) for /think, Some(false) for /no_think)`.
fn split_suffix(text: &str) -> (&str, Option<bool>) {
    let t = text.trim_end();
    if let Some(rest) = t.strip_suffix("/no_think") {
        (rest, Some(false))
    } else if let Some(rest) = t.strip_suffix("/think") {
        (rest, Some(true))
    } else {
        (t, None)
    }
}

/// Validate `req` against the model's catalog entry and decide the response.
pub(crate) fn plan(
    req: &ChatRequest,
    info: &ModelInfo,
    cfg: &SimConfig,
) -> Result<Plan, WireError> {
    if info.thinking == ThinkingKind::Always && req.enable_thinking == Some(false) {
        return Err(WireError::invalid_parameter(
            "The value of the enable_thinking parameter is restricted to True.",
        ));
    }
    let budget = match &req.thinking_budget {
        Some(v) => Some(check_budget(v, info.max_budget)?),
        None => None,
    };
    let max_tokens = match &req.max_tokens {
        Some(v) => Some(check_max_tokens(v)?),
        None => None,
    };
    if let Some(t) = &req.temperature {
        check_temperature(t)?;
    }
    let thinking = match info.thinking {
        ThinkingKind::Always => true,
        ThinkingKind::Never => false,
        ThinkingKind::Hybrid => req.enable_thinking.unwrap_or(info.default_on),
    };
    if thinking && !req.stream {
        return Err(WireError::invalid_parameter(
            "parameter.enable_thinking must be set to false for non-streaming calls",
        ));
    }
    if thinking && req.result_format.as_deref() == Some("text") {
        return Err(WireError::invalid_parameter(
            "The result_format parameter must be \"message\" when enable_thinking is true.",
        ));
    }
    let reasons = thinking && !(info.think_suffix && suffix_says_no_think(req));
    let prompt = script_prompt(req);
    let script = script(&req.model, &prompt, reasons, cfg);
    let mut reasoning = script.reasoning;
    if let Some(b) = budget.filter(|_| info.budget) {
        reasoning.truncate(usize::try_from(b).unwrap_or(usize::MAX));
    }
    let mut answer = script.answer;
    let mut finish = "stop";
    if let Some(m) = max_tokens {
        let cap = usize::try_from(m).unwrap_or(usize::MAX);
        if answer.len() > cap {
            answer.truncate(cap);
            finish = "length";
        }
    }
    let preserve = req.preserve_thinking && info.preserve;
    Ok(Plan {
        model: req.model.clone(),
        thinking,
        reasoning,
        answer,
        finish,
        input_tokens: input_tokens(req, preserve),
    })
}

/// The most recent `/think` or `/no_think` at the end of a user message wins.
fn suffix_says_no_think(req: &ChatRequest) -> bool {
    req.messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .find_map(|m| split_suffix(&m.text).1)
        == Some(false)
}

/// Input tokens: every message's text plus a small overhead per message; the reasoning of
/// earlier assistant messages only when `preserve_thinking` is honoured.
pub(crate) fn input_tokens(req: &ChatRequest, preserve: bool) -> u64 {
    let messages: u64 = req
        .messages
        .iter()
        .map(|m| {
            let reasoning = match (&m.reasoning, m.role) {
                (Some(r), Role::Assistant) if preserve => count_tokens(r),
                _ => 0,
            };
            TOKENS_PER_MESSAGE + count_tokens(&m.text) + reasoning
        })
        .sum();
    messages + REPLY_PRIMING_TOKENS
}

fn check_budget(v: &Value, max: Option<u32>) -> Result<u64, WireError> {
    let n = v.as_u64().filter(|n| *n > 0);
    match (n, max) {
        (Some(n), Some(max)) if n <= u64::from(max) => Ok(n),
        (Some(n), None) => Ok(n),
        (_, Some(max)) => Err(WireError::invalid_parameter(format!(
            "The thinking_budget parameter must be a positive integer and not greater than {max}"
        ))),
        (None, None) => Err(WireError::invalid_parameter(
            "The thinking_budget parameter must be a positive integer",
        )),
    }
}

fn check_max_tokens(v: &Value) -> Result<u64, WireError> {
    v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
        WireError::invalid_parameter("The max_tokens parameter must be a positive integer.")
    })
}

fn check_temperature(v: &Value) -> Result<(), WireError> {
    match v.as_f64() {
        Some(t) if (0.0..2.0).contains(&t) => Ok(()),
        _ => Err(WireError::invalid_parameter(
            "Range of temperature should be [0.0, 2.0)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, MODEL_STUDIO};
    use crate::sim::request::parse_openai;
    use serde_json::json;

    fn run(body: Value) -> Result<Plan, WireError> {
        let req = parse_openai(&body).unwrap();
        let cat = Catalog::builtin();
        let info = cat.lookup(&req.model, MODEL_STUDIO).unwrap();
        plan(&req, info, &SimConfig::default())
    }

    fn body(model: &str, extra: Value) -> Value {
        let mut b = json!({
            "model": model,
            "stream": true,
            "messages": [{"role": "user", "content": "What is a monad?"}]
        });
        if let (Some(b), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        b
    }

    #[test]
    fn defaults_follow_the_catalog() {
        assert!(!run(body("qwen-plus", json!({}))).unwrap().thinking);
        assert!(run(body("qwen3.7-plus", json!({}))).unwrap().thinking);
        assert!(run(body("qwq-plus", json!({}))).unwrap().thinking);
        let off = run(body("qwen3.7-plus", json!({"enable_thinking": false}))).unwrap();
        assert!(!off.thinking && off.reasoning.is_empty());
    }

    #[test]
    fn thinking_only_models_refuse_to_switch_off() {
        let e = run(body("qwq-plus", json!({"enable_thinking": false}))).unwrap_err();
        assert!(e.native_message.contains("restricted to True"));
    }

    #[test]
    fn budget_truncates_reasoning_only_when_supported() {
        let p = run(body(
            "qwen-plus",
            json!({"enable_thinking": true, "thinking_budget": 7}),
        ))
        .unwrap();
        assert_eq!(p.reasoning_tokens(), 7);
        assert_eq!(p.finish, "stop");
        // deepseek-r1 has no budget support: the value is checked but ignored.
        let r = run(body("deepseek-r1", json!({"thinking_budget": 7}))).unwrap();
        assert!(r.reasoning_tokens() > 7);
    }

    #[test]
    fn budget_must_be_a_positive_integer_within_the_maximum() {
        for bad in [json!(0), json!(-3), json!(1.5), json!("20"), json!(81921)] {
            let e = run(body("kimi-k2.5", json!({"thinking_budget": bad}))).unwrap_err();
            assert_eq!(
                e.native_message,
                "The thinking_budget parameter must be a positive integer and not greater than 81920"
            );
        }
        assert!(run(body("kimi-k2.5", json!({"thinking_budget": 81920}))).is_ok());
    }

    #[test]
    fn max_tokens_caps_the_answer_with_length() {
        let p = run(body("qwen3.7-plus", json!({"max_tokens": 5}))).unwrap();
        assert_eq!(p.answer.len(), 5);
        assert_eq!(p.finish, "length");
        assert!(p.reasoning.len() > 5, "max_tokens does not cap reasoning");
    }

    #[test]
    fn no_think_suffix_needs_a_suffix_model() {
        let mut b = body("qwen3-8b", json!({}));
        b["messages"][0]["content"] = json!("What is a monad? /no_think");
        let p = run(b.clone()).unwrap();
        assert!(p.thinking && p.reasoning.is_empty());
        b["model"] = json!("qwen3.7-plus");
        assert!(!run(b).unwrap().reasoning.is_empty());
    }

    #[test]
    fn most_recent_suffix_wins() {
        let b = json!({
            "model": "qwen3-8b", "stream": true,
            "messages": [
                {"role": "user", "content": "a /no_think"},
                {"role": "assistant", "content": "ok"},
                {"role": "user", "content": "b"}
            ]
        });
        assert!(run(b.clone()).unwrap().reasoning.is_empty());
        let mut b2 = b;
        b2["messages"][2]["content"] = json!("b /think");
        assert!(!run(b2).unwrap().reasoning.is_empty());
    }

    #[test]
    fn non_streaming_thinking_is_rejected() {
        let mut b = body("qwen3.7-plus", json!({}));
        b["stream"] = json!(false);
        let e = run(b).unwrap_err();
        assert_eq!(
            e.native_message,
            "parameter.enable_thinking must be set to false for non-streaming calls"
        );
    }

    #[test]
    fn input_tokens_count_preserved_reasoning_only_when_supported() {
        let history = |model: &str, preserve: bool| {
            json!({
                "model": model, "stream": true, "preserve_thinking": preserve,
                "messages": [
                    {"role": "user", "content": "one"},
                    {"role": "assistant", "content": "two", "reasoning_content": "three four five"},
                    {"role": "user", "content": "six"}
                ]
            })
        };
        let base = run(history("qwen3.7-plus", false)).unwrap().input_tokens;
        assert_eq!(base, 3 * TOKENS_PER_MESSAGE + 3 + REPLY_PRIMING_TOKENS);
        assert_eq!(
            run(history("qwen3.7-plus", true)).unwrap().input_tokens,
            base + 3
        );
        assert_eq!(
            run(history("qwen3.5-plus", true)).unwrap().input_tokens,
            base
        );
    }

    #[test]
    fn temperature_and_max_tokens_are_checked() {
        assert!(run(body("qwen-plus", json!({"temperature": 2.0}))).is_err());
        assert!(run(body("qwen-plus", json!({"temperature": "hot"}))).is_err());
        assert!(run(body("qwen-plus", json!({"max_tokens": 0}))).is_err());
        assert!(
            run(body(
                "qwen-plus",
                json!({"temperature": 0.7, "max_tokens": 9})
            ))
            .is_ok()
        );
    }
}
