//! Error objects: in non-2xx response bodies and inside streams.
//!
//! Shapes understood (protocols.md §1.6, §3–§6):
//!
//! * OpenAI style `{"error":{"message","type","code","param"},"request_id","id"}`; OpenRouter's
//!   `code` is an integer and `error.metadata.raw` may carry the upstream provider's error;
//! * vLLM in-stream `{"object":"error","message","type","code"}`;
//! * llama.cpp `error:` field data `{"code":400,"message","type"}`;
//! * DashScope native `{"code","message"|"msg","request_id"}`;
//! * Ollama `{"error":"text"}`.

use serde_json::Value;

use super::{
    Decoder, ThinkTags, WireFormat, dashscope::DashScopeDecoder, ollama::OllamaDecoder,
    openai::OpenAiDecoder,
};
use crate::provider::{ApiError, StreamEvent};

/// How much of an unrecognised body ends up in the message.
const BODY_PREVIEW_CHARS: usize = 300;

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

/// The message for an error event whose data is not JSON: the text itself, or a note that
/// there was none.
pub(crate) fn error_text(data: &str) -> String {
    let data = data.trim();
    if data.is_empty() {
        "the server sent an error event with no details".to_string()
    } else {
        truncate(data, BODY_PREVIEW_CHARS)
    }
}

/// `{"error": {…}}` or `{"error": "text"}`: the error, with `request_id` (or the chunk `id`)
/// from the enclosing object. `None` when there is no non-null `error` key.
pub(crate) fn nested_error(v: &Value) -> Option<ApiError> {
    let e = v.get("error").filter(|e| !e.is_null())?;
    let mut error = match e {
        Value::Object(_) => {
            let mut error = flat_error(e);
            if let Some(detail) = e.pointer("/metadata/raw").and_then(raw_detail)
                && !error.message.contains(&detail)
            {
                error.message = if error.message.is_empty() {
                    detail
                } else {
                    format!("{} ({detail})", error.message)
                };
            }
            error
        }
        Value::String(s) => ApiError {
            message: s.clone(),
            code: v.get("code").and_then(code_string),
            ..ApiError::default()
        },
        other => ApiError {
            message: other.to_string(),
            ..ApiError::default()
        },
    };
    if let Some(id) = str_field(v, "request_id").or_else(|| str_field(v, "id")) {
        error.request_id = Some(id);
    }
    if error.message.is_empty() {
        error.message = fallback_message(&error, e);
    }
    Some(error)
}

/// An error whose fields sit at the top level: `code`, `message` (or `msg`, `detail`), `type`,
/// `request_id`. An integer `code` in the HTTP range also gives the status (OpenRouter,
/// llama.cpp and vLLM put the HTTP status there).
pub(crate) fn flat_error(v: &Value) -> ApiError {
    let code_value = v.get("code");
    let mut error = ApiError {
        status: code_value
            .and_then(Value::as_u64)
            .filter(|c| (400..600).contains(c))
            .and_then(|c| u16::try_from(c).ok()),
        code: code_value.and_then(code_string),
        kind: str_field(v, "type"),
        message: str_field(v, "message")
            .or_else(|| str_field(v, "msg"))
            // FastAPI-style servers (vLLM's router): `{"detail":"Not Found"}`.
            .or_else(|| str_field(v, "detail"))
            .unwrap_or_default(),
        request_id: str_field(v, "request_id"),
    };
    if error.message.is_empty() {
        error.message = fallback_message(&error, v);
    }
    error
}

/// A message for an error object that has none: its type or code, else its JSON.
fn fallback_message(error: &ApiError, v: &Value) -> String {
    if let Some(k) = error.kind.as_ref().or(error.code.as_ref()) {
        return k.clone();
    }
    truncate(&v.to_string(), BODY_PREVIEW_CHARS)
}

/// The useful part of OpenRouter's `error.metadata.raw`: the upstream error's message when it
/// is JSON (possibly SSE-framed), else the text itself, shortened.
fn raw_detail(raw: &Value) -> Option<String> {
    let detail = match raw {
        Value::String(s) => {
            let t = s.trim();
            let json_text = t.strip_prefix("data:").map(str::trim).unwrap_or(t);
            match serde_json::from_str::<Value>(json_text) {
                Ok(v) => inner_message(&v).unwrap_or_else(|| t.to_string()),
                Err(_) => t.to_string(),
            }
        }
        Value::Object(_) => inner_message(raw)?,
        _ => return None,
    };
    let detail = truncate(detail.trim(), BODY_PREVIEW_CHARS);
    (!detail.is_empty()).then_some(detail)
}

fn inner_message(v: &Value) -> Option<String> {
    let e = nested_error(v).or_else(|| v.is_object().then(|| flat_error(v)))?;
    (!e.message.is_empty()).then_some(e.message)
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A `code` as text: strings as they are, numbers in decimal. Empty or null is absent.
pub(crate) fn code_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
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

/// At most `max` characters of `s`, with an ellipsis when something was cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
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
