//! Native DashScope SSE (`/api/v1/services/aigc/{text,multimodal}-generation/generation` with
//! `X-DashScope-SSE: enable`).
//!
//! ```text
//! id:1
//! event:result
//! :HTTP_STATUS/200
//! data:{"output":{"choices":[{"message":{"content":"","reasoning_content":"嗯",…},"finish_reason":"null"}]},"usage":{…},"request_id":"…"}
//! ```
//!
//! Every `data:` line is an event (some captures never send a blank line); `event:error` carries
//! `{"code","message"|"msg","request_id"}` and its real status only in the `:HTTP_STATUS/NNN`
//! comment. `finish_reason` is the string `"null"` until the last event; `usage` is cumulative
//! on every event and is re-emitted whenever it changes. There is no `[DONE]`.
//!
//! This decoder assumes `incremental_output: true` (the request builder must send it): with
//! `false`, every event repeats the whole text so far.

use serde::Deserialize;
use serde_json::Value;

use super::fields::{
    Text, ToolCallChunk, error_text, finish_reason, flat_error, nested_error, push_tool_calls,
    u64_at,
};
use super::sse::{SseEvent, SseParser};
use super::{DecodeInfo, Decoder};
use crate::provider::{ApiError, StreamEvent, Usage};

/// Decoder for native DashScope SSE.
#[derive(Debug)]
pub struct DashScopeDecoder {
    sse: SseParser,
    info: DecodeInfo,
    /// The last usage object emitted, to emit again only on change.
    last_usage: Option<Value>,
}

impl Default for DashScopeDecoder {
    fn default() -> Self {
        DashScopeDecoder::new()
    }
}

impl DashScopeDecoder {
    pub fn new() -> Self {
        DashScopeDecoder {
            sse: SseParser::per_data_line(),
            info: DecodeInfo::default(),
            last_usage: None,
        }
    }

    fn drain(&mut self, out: &mut Vec<StreamEvent>) {
        while let Some(ev) = self.sse.next_event() {
            self.event(&ev, out);
        }
        self.sse.report(&mut self.info);
    }

    fn event(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) {
        self.info.data_events += 1;
        let data = ev.data.trim();
        if ev.is("error") {
            let error = match serde_json::from_str::<Value>(data) {
                Ok(v) => nested_error(&v).unwrap_or_else(|| flat_error(&v)),
                Err(_) => ApiError {
                    message: error_text(data),
                    ..ApiError::default()
                },
            };
            self.error(error, ev.status, out);
            return;
        }
        if data.is_empty() {
            return;
        }
        let event: NativeEvent = match serde_json::from_str(data) {
            Ok(e) => e,
            Err(_) => {
                self.info.malformed = self.info.malformed.saturating_add(1);
                return;
            }
        };
        if let Some(id) = event.request_id.filter(|s| !s.is_empty()) {
            self.info.request_id = Some(id);
        }
        let Some(output) = event.output else {
            // A `result` event that is an error body (`{"code":…,"message":…}`).
            let has_code = event
                .code
                .as_ref()
                .is_some_and(|c| !c.is_null() && c.as_str() != Some(""));
            if has_code || event.error.is_some() {
                if let Ok(v) = serde_json::from_str::<Value>(data) {
                    let error = nested_error(&v).unwrap_or_else(|| flat_error(&v));
                    self.error(error, ev.status, out);
                }
            } else if let Some(usage) = event.usage {
                self.usage(usage, out);
            }
            return;
        };
        let mut reason = None;
        if let Some(choice) = output.choices.into_iter().flatten().next() {
            if let Some(message) = choice.message {
                if !message.reasoning_content.0.is_empty() {
                    out.push(StreamEvent::Reasoning(message.reasoning_content.0));
                }
                if !message.content.0.is_empty() {
                    out.push(StreamEvent::Answer(message.content.0));
                }
                push_tool_calls(message.tool_calls, out);
            }
            reason = finish_reason(choice.finish_reason);
        } else if !output.text.0.is_empty() {
            // `result_format: "text"`.
            out.push(StreamEvent::Answer(output.text.0));
        }
        let reason = reason.or_else(|| finish_reason(output.finish_reason));
        if let Some(usage) = event.usage {
            self.usage(usage, out);
        }
        if let Some(reason) = reason {
            self.info.finished = true;
            out.push(StreamEvent::Finish(reason));
        }
    }

    fn usage(&mut self, usage: Value, out: &mut Vec<StreamEvent>) {
        if !usage.is_object() || self.last_usage.as_ref() == Some(&usage) {
            return;
        }
        out.push(StreamEvent::Usage(native_usage(&usage)));
        self.last_usage = Some(usage);
    }

    fn error(&mut self, mut error: ApiError, status: Option<u16>, out: &mut Vec<StreamEvent>) {
        if let Some(s) = status {
            error.status = Some(s);
        }
        if error.request_id.is_none() {
            error.request_id = self.info.request_id.clone();
        }
        self.info.errored = true;
        out.push(StreamEvent::Error(error));
    }
}

impl Decoder for DashScopeDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) {
        self.sse.push(bytes);
        self.drain(out);
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        self.sse.finish();
        self.drain(out);
    }

    fn info(&self) -> &DecodeInfo {
        &self.info
    }
}

/// Usage from a native `usage` object.
pub(crate) fn native_usage(v: &Value) -> Usage {
    Usage {
        input_tokens: u64_at(v, "/input_tokens"),
        output_tokens: u64_at(v, "/output_tokens"),
        total_tokens: u64_at(v, "/total_tokens"),
        reasoning_tokens: u64_at(v, "/output_tokens_details/reasoning_tokens"),
        cached_tokens: u64_at(v, "/prompt_tokens_details/cached_tokens")
            .or_else(|| u64_at(v, "/input_tokens_details/cached_tokens")),
        cache_hit_tokens: None,
        cache_miss_tokens: None,
        cost: None,
        raw: Some(v.clone()),
    }
}

// ---- wire types ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct NativeEvent {
    #[serde(default)]
    output: Option<Output>,
    #[serde(default)]
    usage: Option<Value>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    choices: Option<Vec<NativeChoice>>,
    /// `result_format: "text"`.
    #[serde(default)]
    text: Text,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct NativeChoice {
    #[serde(default)]
    message: Option<NativeMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct NativeMessage {
    /// A string, or for multimodal models an array of parts (`[]` while reasoning).
    #[serde(default)]
    content: Text,
    #[serde(default)]
    reasoning_content: Text,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallChunk>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{FinishReason, Transcript};

    fn decode(input: &str) -> (Vec<StreamEvent>, Transcript, DecodeInfo) {
        let mut d = DashScopeDecoder::new();
        let mut out = Vec::new();
        for b in input.as_bytes().chunks(7) {
            d.feed(b, &mut out);
        }
        d.finish(&mut out);
        let mut t = Transcript::default();
        t.extend(&out);
        (out, t, d.info().clone())
    }

    #[test]
    fn multimodal_content_arrays() {
        let (_, t, info) = decode(concat!(
            "id:1\nevent:result\n:HTTP_STATUS/200\n",
            r#"data:{"output":{"choices":[{"message":{"content":[],"reasoning_content":"想","role":"assistant"},"finish_reason":"null"}]},"usage":{"input_tokens":5,"output_tokens":1,"total_tokens":6},"request_id":"m1"}"#,
            "\n\nid:2\nevent:result\n:HTTP_STATUS/200\n",
            r#"data:{"output":{"choices":[{"message":{"content":[{"text":"答"},{"image":"http://x"},{"text":"案"}],"reasoning_content":"","role":"assistant"},"finish_reason":"stop"}]},"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8},"request_id":"m1"}"#,
            "\n\n"
        ));
        assert_eq!(t.reasoning, "想");
        assert_eq!(t.answer, "答案");
        assert_eq!(t.finish, Some(FinishReason::Stop));
        assert_eq!(t.usage.unwrap().output_tokens, Some(3));
        assert_eq!(info.request_id.as_deref(), Some("m1"));
        assert_eq!(info.last_event_id.as_deref(), Some("2"));
        assert!(info.finished && info.complete());
    }

    #[test]
    fn usage_emitted_only_on_change() {
        let line = r#"data:{"output":{"choices":[{"message":{"content":"a"},"finish_reason":"null"}]},"usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}"#;
        let last = r#"data:{"output":{"choices":[{"message":{"content":""},"finish_reason":"stop"}]},"usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}"#;
        let (events, _, _) = decode(&format!("{line}\n{line}\n{last}\n"));
        let usages = events
            .iter()
            .filter(|e| matches!(e, StreamEvent::Usage(_)))
            .count();
        assert_eq!(usages, 1);
        assert_eq!(
            events.last(),
            Some(&StreamEvent::Finish(FinishReason::Stop))
        );
    }

    #[test]
    fn error_event_on_a_non_2xx_body_with_msg() {
        let (_, t, info) = decode(concat!(
            "id:1\nevent:error\n:HTTP_STATUS/429\n",
            r#"data:{"code":"Throttling.RateQuota","msg":"Requests rate limit exceeded, please try again later.","request_id":"e1"}"#,
        ));
        let e = t.error.expect("error");
        assert_eq!(e.status, Some(429));
        assert_eq!(e.code.as_deref(), Some("Throttling.RateQuota"));
        assert_eq!(
            e.message,
            "Requests rate limit exceeded, please try again later."
        );
        assert_eq!(e.request_id.as_deref(), Some("e1"));
        assert!(e.retryable());
        assert!(info.errored && !info.finished);
    }

    #[test]
    fn result_event_carrying_an_error_body() {
        let (_, t, _) = decode(
            "event:result\n:HTTP_STATUS/400\ndata:{\"code\":\"InvalidParameter\",\"message\":\"bad\",\"request_id\":\"r\"}\n",
        );
        let e = t.error.expect("error");
        assert_eq!(e.status, Some(400));
        assert_eq!(e.code.as_deref(), Some("InvalidParameter"));
    }

    #[test]
    fn result_format_text() {
        let (_, t, info) = decode(concat!(
            r#"data:{"output":{"text":"Hel","finish_reason":"null"},"usage":{"input_tokens":3,"output_tokens":1,"total_tokens":4},"request_id":"t"}"#,
            "\n",
            r#"data:{"output":{"text":"lo","finish_reason":"stop"},"usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5},"request_id":"t"}"#,
        ));
        assert_eq!(t.answer, "Hello");
        assert_eq!(t.finish, Some(FinishReason::Stop));
        assert_eq!(t.usage.unwrap().total_tokens, Some(5));
        assert!(info.finished);
    }

    #[test]
    fn native_tool_calls_and_malformed_line() {
        let (_, t, info) = decode(concat!(
            r#"data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"a\""}}]},"finish_reason":"null"}]}}"#,
            "\ndata:{oops\n",
            r#"data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":0,"id":"","type":"function","function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}}"#,
            "\n"
        ));
        assert_eq!(t.tool_calls.len(), 1);
        assert_eq!(t.tool_calls[0].id, "call_1");
        assert_eq!(t.tool_calls[0].arguments, "{\"a\":1}");
        assert_eq!(t.finish, Some(FinishReason::ToolCalls));
        assert_eq!(info.malformed, 1);
    }
}
