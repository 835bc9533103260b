//! Byte-level stream decoders: bytes in, [`StreamEvent`]s out.
//!
//! A decoder is fed the response body in whatever chunks the network delivers; chunk
//! boundaries may fall anywhere, including inside a multi-byte UTF-8 character or between the
//! CR and LF of a line break. Decoders never block and never allocate per byte.
//!
//! The body of a non-2xx response is read here too ([`parse_error_body`]): JSON error objects
//! of every known shape, and SSE- or NDJSON-framed bodies, which are run through the decoder of
//! their dialect.

pub mod dashscope;
mod fields;
pub mod ollama;
pub mod openai;
pub mod sse;
pub mod think_tags;

use serde_json::Value;

use super::{ApiError, StreamEvent};
use fields::{BODY_PREVIEW_CHARS, flat_error, nested_error, truncate};

pub use dashscope::DashScopeDecoder;
pub use ollama::OllamaDecoder;
pub use openai::OpenAiDecoder;
pub use sse::{SseEvent, SseParser};
pub use think_tags::ThinkSplitter;

/// The longest line, or event, a decoder takes: 8 MiB. Real events are a few hundred bytes
/// (a whole non-streamed answer of a long reply is well under a megabyte); a longer one means
/// the body is not what the dialect promised, and buffering it would let the server decide how
/// much memory the client takes. The decoder stops there and says so ([`DecodeInfo::oversized`]).
pub const MAX_EVENT_BYTES: usize = 8 << 20;

/// The framing and dialect family of a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WireFormat {
    /// `data: {chat.completion.chunk}` … `data: [DONE]` (Model Studio compatible mode, DeepSeek,
    /// vLLM, llama.cpp, OpenRouter, Kimi, GLM, SiliconFlow, Ollama `/v1`).
    OpenAiSse,
    /// Model Studio native DashScope SSE (`id:`/`event:result`/`:HTTP_STATUS/200`/`data:{…}`).
    DashScopeSse,
    /// Ollama native `/api/chat` NDJSON.
    OllamaNdjson,
}

/// How inline `<think>…</think>` tags inside the answer text are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThinkTags {
    /// Content is answer, always.
    Off,
    /// Content that *starts* with `<think>` is reasoning up to `</think>`; anything else is
    /// answer and streams through at once. Safe default: it never holds text back for long.
    #[default]
    Leading,
    /// As `Leading`, and a `</think>` with no opening tag (the chat template opened it: llama.cpp
    /// "thinking forced open") turns everything before it into reasoning. Content without a
    /// leading `<think>` is held back until `</think>` or the end of the stream decides it,
    /// unless a reasoning field has already arrived.
    ForcedOpen,
}

/// What a decoder has learnt about the stream besides its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeInfo {
    /// `data: [DONE]` (OpenAI style) or `"done": true` (Ollama) was seen.
    pub done_marker: bool,
    /// A finish reason was seen (for DashScope native, the only end marker).
    pub finished: bool,
    /// An error event or error object was seen.
    pub errored: bool,
    /// `request_id` (DashScope native events and error bodies) or the chunk `id`.
    pub request_id: Option<String>,
    /// The last SSE `id:` field.
    pub last_event_id: Option<String>,
    /// SSE comment lines seen (`: keep-alive`, `: OPENROUTER PROCESSING`, `:HTTP_STATUS/200`).
    pub comments: u32,
    /// Lines or events that could not be understood (malformed JSON); they are skipped.
    pub malformed: u32,
    /// Data events (SSE) or lines (NDJSON) received, comments not included. This grows even
    /// when no [`StreamEvent`] comes out (held-back `<think>` text, empty deltas), so a caller
    /// can tell real progress from keep-alives.
    pub data_events: u64,
    /// A line or an event longer than [`MAX_EVENT_BYTES`] arrived; decoding stopped there and
    /// the rest of the body is ignored.
    pub oversized: bool,
}

impl DecodeInfo {
    /// The stream reached a proper end: a done marker, a finish reason or an error.
    pub fn complete(&self) -> bool {
        self.done_marker || self.finished || self.errored
    }
}

/// Bytes in, events out.
pub trait Decoder: Send {
    /// Decode the next piece of the body. Events are appended to `out`.
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>);
    /// The body ended: flush whatever a complete final line or frame still holds.
    fn finish(&mut self, out: &mut Vec<StreamEvent>);
    fn info(&self) -> &DecodeInfo;
}

/// A decoder for `format`.
pub fn decoder(format: WireFormat, think_tags: ThinkTags) -> Box<dyn Decoder> {
    match format {
        WireFormat::OpenAiSse => Box::new(openai::OpenAiDecoder::new(think_tags)),
        WireFormat::DashScopeSse => Box::new(dashscope::DashScopeDecoder::new()),
        WireFormat::OllamaNdjson => Box::new(ollama::OllamaDecoder::new(think_tags)),
    }
}

// ---- error bodies ----------------------------------------------------------------------------

/// The error described by a non-2xx response body. `status` is the HTTP status and is always
/// the one reported.
pub fn parse_error_body(status: u16, body: &[u8], format: WireFormat) -> ApiError {
    let mut error = if looks_like_sse(body) {
        sse_error(body, format)
    } else {
        None
    };
    if error.is_none() {
        error = serde_json::from_slice::<Value>(strip_bom(body))
            .ok()
            .and_then(|v| match v {
                // Some gateways wrap the error in a one-element array.
                Value::Array(mut items) if !items.is_empty() => body_error(&items.swap_remove(0)),
                v => body_error(&v),
            });
    }
    if error.is_none() && format == WireFormat::OllamaNdjson {
        // Several NDJSON lines (partial output, then `{"error":…}`).
        error = last_error(OllamaDecoder::new(ThinkTags::Off), body);
    }
    let mut error = error.unwrap_or_else(|| ApiError {
        message: body_preview(status, body),
        ..ApiError::default()
    });
    error.status = Some(status);
    error
}

/// Whether `body` starts (after an optional BOM and whitespace) like an SSE stream.
fn looks_like_sse(body: &[u8]) -> bool {
    let body = strip_bom(body).trim_ascii_start();
    [&b"data:"[..], b"id:", b"event:", b":"]
        .iter()
        .any(|p| body.starts_with(p))
}

fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(body)
}

/// Run the stream decoder over an SSE-framed error body and take the last error it reports.
fn sse_error(body: &[u8], format: WireFormat) -> Option<ApiError> {
    // Leading whitespace (which `looks_like_sse` allowed) would turn `  data:` into an unknown
    // field.
    let body = strip_bom(body).trim_ascii_start();
    match format {
        WireFormat::DashScopeSse => last_error(DashScopeDecoder::new(), body),
        // An SSE body on an Ollama route can only be its OpenAI-compatible dialect.
        WireFormat::OpenAiSse | WireFormat::OllamaNdjson => {
            last_error(OpenAiDecoder::new(ThinkTags::Off), body)
        }
    }
}

/// Run `decoder` over the whole body and take the last error it reports.
fn last_error(mut decoder: impl Decoder, body: &[u8]) -> Option<ApiError> {
    let mut events = Vec::new();
    decoder.feed(body, &mut events);
    decoder.finish(&mut events);
    events.into_iter().rev().find_map(|e| match e {
        StreamEvent::Error(e) => Some(e),
        _ => None,
    })
}

/// An error object in a JSON body of any of the known shapes.
fn body_error(v: &Value) -> Option<ApiError> {
    if let Some(e) = nested_error(v) {
        return Some(e);
    }
    let obj = v.as_object()?;
    let has_flat = obj.get("object").and_then(Value::as_str) == Some("error")
        || ["code", "message", "msg"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(|x| !x.is_null()))
        || obj.get("detail").is_some_and(Value::is_string);
    has_flat.then(|| flat_error(v))
}

/// A body that is not a recognised error: its text, shortened and made safe for a terminal.
fn body_preview(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(strip_bom(body));
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    crate::text::inert(&truncate(text, BODY_PREVIEW_CHARS)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_body() {
        let body = br#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"},"request_id":"r-1"}"#;
        let e = parse_error_body(401, body, WireFormat::OpenAiSse);
        assert_eq!(e.status, Some(401));
        assert_eq!(e.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(e.message, "Incorrect API key provided.");
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert!(!e.retryable());
    }

    #[test]
    fn chunk_id_is_the_request_id_when_there_is_no_request_id() {
        let body = br#"{"error":{"message":"m","code":"c"},"id":"chatcmpl-9"}"#;
        let e = parse_error_body(400, body, WireFormat::OpenAiSse);
        assert_eq!(e.request_id.as_deref(), Some("chatcmpl-9"));
    }

    #[test]
    fn openrouter_integer_code_and_metadata_raw() {
        let body = br#"{"error":{"code":400,"message":"Provider returned error","metadata":{"raw":"data: {\"error\":{\"code\":\"data_inspection_failed\",\"message\":\"Input data may contain inappropriate content.\"}}","provider_name":"Alibaba"}}}"#;
        let e = parse_error_body(400, body, WireFormat::OpenAiSse);
        assert_eq!(e.code.as_deref(), Some("400"));
        assert_eq!(
            e.message,
            "Provider returned error (Input data may contain inappropriate content.)"
        );
        // The HTTP status wins over the code.
        let e = parse_error_body(502, body, WireFormat::OpenAiSse);
        assert_eq!(e.status, Some(502));
        assert!(e.retryable());
    }

    #[test]
    fn native_body_with_msg() {
        let body = br#"{"code":"InvalidParameter","msg":"bad","request_id":"r"}"#;
        let e = parse_error_body(400, body, WireFormat::DashScopeSse);
        assert_eq!(e.code.as_deref(), Some("InvalidParameter"));
        assert_eq!(e.message, "bad");
        assert_eq!(e.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn ollama_body() {
        let e = parse_error_body(
            404,
            br#"{"error":"model 'x' not found"}"#,
            WireFormat::OllamaNdjson,
        );
        assert_eq!(e.message, "model 'x' not found");
        assert_eq!(e.status, Some(404));
        assert_eq!(e.code, None);
    }

    #[test]
    fn vllm_object_error_body() {
        let body =
            br#"{"object":"error","message":"too long","type":"BadRequestError","code":400}"#;
        let e = parse_error_body(400, body, WireFormat::OpenAiSse);
        assert_eq!(e.message, "too long");
        assert_eq!(e.kind.as_deref(), Some("BadRequestError"));
        assert_eq!(e.code.as_deref(), Some("400"));
    }

    #[test]
    fn sse_bodies_on_non_2xx() {
        let native = b"id:1\nevent:error\n:HTTP_STATUS/400\ndata:{\"code\":\"Arrearage\",\"message\":\"Access denied.\",\"request_id\":\"q\"}\n\n";
        let e = parse_error_body(400, native, WireFormat::DashScopeSse);
        assert_eq!(e.code.as_deref(), Some("Arrearage"));
        assert_eq!(e.message, "Access denied.");
        assert_eq!(e.request_id.as_deref(), Some("q"));
        assert_eq!(e.status, Some(400));
        assert!(!e.retryable());

        let compat = "\u{feff}  data: {\"error\":{\"code\":\"data_inspection_failed\",\"message\":\"Input text data may contain inappropriate content.\",\"type\":\"data_inspection_failed\"},\"request_id\":\"z\"}\n\ndata: [DONE]\n\n";
        let e = parse_error_body(400, compat.as_bytes(), WireFormat::OpenAiSse);
        assert_eq!(e.code.as_deref(), Some("data_inspection_failed"));
        assert_eq!(e.request_id.as_deref(), Some("z"));
    }

    #[test]
    fn sse_body_without_an_error_falls_back_to_text() {
        let e = parse_error_body(503, b": ping\n\n", WireFormat::OpenAiSse);
        assert_eq!(e.message, ": ping");
        assert!(e.retryable());
    }

    #[test]
    fn unknown_bodies() {
        let e = parse_error_body(502, b"", WireFormat::OpenAiSse);
        assert_eq!(e.message, "HTTP 502 with an empty body");
        let e = parse_error_body(502, b"  \n ", WireFormat::OpenAiSse);
        assert_eq!(e.message, "HTTP 502 with an empty body");

        let html = format!("<html>\x1b[2J{}</html>", "x".repeat(1000));
        let e = parse_error_body(500, html.as_bytes(), WireFormat::OpenAiSse);
        assert!(!e.message.contains('\x1b'));
        assert!(e.message.ends_with('…'));
        assert_eq!(e.message.chars().count(), BODY_PREVIEW_CHARS + 1);

        // JSON that is not an error object is shown as text.
        let e = parse_error_body(500, br#"{"ok":false}"#, WireFormat::OpenAiSse);
        assert_eq!(e.message, r#"{"ok":false}"#);
    }

    #[test]
    fn fastapi_detail_and_ollama_ndjson_bodies() {
        let e = parse_error_body(404, br#"{"detail":"Not Found"}"#, WireFormat::OpenAiSse);
        assert_eq!(e.message, "Not Found");
        let body =
            b"{\"message\":{\"content\":\"a\"},\"done\":false}\n{\"error\":\"model crashed\"}\n";
        let e = parse_error_body(500, body, WireFormat::OllamaNdjson);
        assert_eq!(e.message, "model crashed");
        assert_eq!(e.status, Some(500));
    }

    #[test]
    fn error_object_without_message() {
        let e = parse_error_body(
            429,
            br#"{"error":{"code":"limit_requests"}}"#,
            WireFormat::OpenAiSse,
        );
        assert_eq!(e.message, "limit_requests");
        assert!(e.retryable());
    }
}
