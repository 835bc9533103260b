//! What the headless commands print about a run: the JSON object of `ask --json` (and of each
//! run of `compare --json`), and notes on stderr.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::ConfigError;
use crate::connect::Connection;
use crate::exit;
use crate::provider::Transcript;
use crate::provider::client::{
    Failure, NO_RESPONSE, NOT_CONNECTED, RunEnd, RunEvent, RunOutcome, STALLED,
};
use crate::provider::request::ChatRequest;

/// A line on stderr ([`crate::logging::tell`]).
pub fn note(msg: impl std::fmt::Display) {
    crate::logging::tell(msg);
}

fn ms(d: Option<Duration>) -> Value {
    d.map(|d| json!(d.as_millis() as u64))
        .unwrap_or(Value::Null)
}

/// The exit code of a command whose error is a usage or config error (said on stderr).
pub fn or_usage(result: Result<u8, ConfigError>) -> u8 {
    result.unwrap_or_else(|e| {
        note(e);
        exit::USAGE
    })
}

/// For a retry: `{prefix}rate limited; retrying in 1.0 s (attempt 2 of 4)` on stderr.
pub fn note_retry(prefix: &str, event: &RunEvent) {
    if let RunEvent::Retrying {
        attempt,
        max_attempts,
        wait,
        reason,
    } = event
    {
        note(format_args!(
            "{prefix}{reason}; retrying in {:.1} s (attempt {} of {max_attempts})",
            wait.as_secs_f64(),
            attempt + 1
        ));
    }
}

/// The exit code for a run that ended so.
pub fn exit_code(end: &RunEnd) -> u8 {
    match end {
        RunEnd::Complete => exit::OK,
        RunEnd::Cancelled => exit::CANCELLED,
        RunEnd::Failed(Failure::Api(_)) => exit::API,
        RunEnd::Failed(_) => exit::NETWORK,
    }
}

/// What the user can do about the way a run ended, if there is something: the same words in
/// the plain notes and in the `error.hint` field of `--json`.
pub fn hint(conn: &Connection, end: &RunEnd) -> Option<String> {
    let RunEnd::Failed(f) = end else { return None };
    match f {
        Failure::Api(e) if e.status == Some(401) => Some(conn.spec.unauthorized_hint()),
        Failure::Api(e) if e.status == Some(429) => Some(
            "rate limits apply per model and per account; they usually clear within a minute"
                .into(),
        ),
        Failure::Network(m) if m.starts_with(NO_RESPONSE) => Some(
            "the server accepted the request but sent nothing back; raise [network] \
             idle_timeout_secs in the config to wait longer"
                .into(),
        ),
        Failure::Network(m) if m.contains(NOT_CONNECTED) => {
            Some(format!("is the server at {} running?", conn.route.base_url))
        }
        Failure::Interrupted(m) if m.contains(STALLED) => Some(
            "raise [network] idle_timeout_secs in the config to wait longer for a slow server"
                .into(),
        ),
        _ => None,
    }
}

/// The JSON object for one run: what was asked, what came back, what it cost, how it ended.
pub fn json_result(
    conn: &Connection,
    model: &str,
    chat: &ChatRequest,
    t: &Transcript,
    outcome: &RunOutcome,
) -> Value {
    let usage = t.usage.clone().unwrap_or_default();
    let mut error = match &outcome.end {
        RunEnd::Failed(Failure::Api(e)) => json!({
            "status": e.status, "code": e.code, "message": e.message, "request_id": e.request_id,
        }),
        RunEnd::Failed(Failure::Network(m)) => json!({
            "status": null, "code": "network_error", "message": m, "request_id": null,
        }),
        RunEnd::Failed(Failure::Interrupted(m)) => json!({
            "status": outcome.http_status, "code": "stream_interrupted", "message": m,
            "request_id": outcome.request_id,
        }),
        RunEnd::Cancelled => json!({
            "status": null, "code": "cancelled", "message": "cancelled by the user", "request_id": outcome.request_id,
        }),
        RunEnd::Complete => Value::Null,
    };
    if let Some(object) = error.as_object_mut() {
        object.insert("hint".into(), hint(conn, &outcome.end).into());
    }
    let price = conn.route.model_info(model).and_then(|m| m.price);
    let cost = crate::session::cost_usd(price, &chat.thinking, t);
    json!({
        "model": model,
        "provider": conn.spec.name,
        "reasoning": t.reasoning,
        "content": t.answer,
        "tool_calls": t.tool_calls,
        "finish_reason": t.finish.as_ref().map(|f| f.as_str().to_string()),
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "total_tokens": usage.total_tokens,
        },
        "cost_usd": cost,
        "thinking": {
            "enable_thinking": chat.thinking.send_thinking,
            "thinking_budget": chat.thinking.budget,
            "preserve_thinking": chat.thinking.preserve,
        },
        "timings": {
            "ttft_ms": ms(outcome.timings.ttft),
            "reasoning_ms": ms(outcome.timings.reasoning),
            "total_ms": outcome.timings.total.as_millis() as u64,
        },
        "complete": matches!(outcome.end, RunEnd::Complete),
        "error": error,
    })
}
