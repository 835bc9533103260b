//! JSON fields that several wire dialects share: text that may come as parts, tool-call
//! fragments, finish reasons, token counts, and error objects.
//!
//! Error object shapes understood (protocols.md §1.6, §3–§6):
//!
//! * OpenAI style `{"error":{"message","type","code","param"},"request_id","id"}`; OpenRouter's
//!   `code` is an integer and `error.metadata.raw` may carry the upstream provider's error;
//! * vLLM in-stream `{"object":"error","message","type","code"}`;
//! * llama.cpp `error:` field data `{"code":400,"message","type"}`;
//! * DashScope native `{"code","message"|"msg","request_id"}`;
//! * Ollama `{"error":"text"}`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::provider::{ApiError, FinishReason, StreamEvent, ToolCallDelta};

/// How much of an unrecognised body or error text ends up in a message.
pub(crate) const BODY_PREVIEW_CHARS: usize = 300;

// ---- text ------------------------------------------------------------------------------------

/// Text that may arrive as a string, `null`, an array of parts (`[{"type":"text","text":…}]`,
/// DashScope multimodal `[{"text":…}]`, `[]`) or a single part. Parts without text (images)
/// contribute nothing; other JSON types are treated as no text rather than failing the chunk.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, null or an array of text parts")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        let mut joined = String::new();
        while let Some(part) = seq.next_element::<Text>()? {
            joined.push_str(&part.0);
        }
        Ok(Text(joined))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        let mut text = String::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "text" {
                text = map.next_value::<Text>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Text(text))
    }
}

// ---- tool calls, finish reasons, counts ------------------------------------------------------

/// A tool-call fragment as OpenAI-style and DashScope native streams send it.
#[derive(Deserialize)]
pub(crate) struct ToolCallChunk {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    function: Option<FunctionChunk>,
}

#[derive(Deserialize)]
struct FunctionChunk {
    #[serde(default)]
    name: Option<String>,
    /// A string fragment normally; some servers send the arguments as an object.
    #[serde(default)]
    arguments: Option<Value>,
}

/// Emit one [`StreamEvent::ToolCall`] per fragment. A fragment without an `index` takes its
/// position in the array.
pub(crate) fn push_tool_calls(calls: Option<Vec<ToolCallChunk>>, out: &mut Vec<StreamEvent>) {
    for (pos, call) in calls.into_iter().flatten().enumerate() {
        let (name, arguments) = match call.function {
            Some(f) => (f.name, arguments_text(f.arguments)),
            None => (None, String::new()),
        };
        out.push(StreamEvent::ToolCall(ToolCallDelta {
            index: call.index.unwrap_or(pos),
            id: call.id,
            kind: call.kind,
            name,
            arguments,
        }));
    }
}

/// Tool-call arguments as the JSON text they stand for: a string as it is, an object (or any
/// other value) serialised, `null` or absent as nothing.
pub(crate) fn arguments_text(arguments: Option<Value>) -> String {
    match arguments {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A finish reason unless it is absent, empty or DashScope's string `"null"`.
pub(crate) fn finish_reason(reason: Option<String>) -> Option<FinishReason> {
    reason
        .filter(|r| !r.is_empty() && r != "null")
        .map(FinishReason::from)
}

/// The unsigned integer at `pointer`, if there is one.
pub(crate) fn u64_at(v: &Value, pointer: &str) -> Option<u64> {
    v.pointer(pointer).and_then(Value::as_u64)
}

// ---- error objects ---------------------------------------------------------------------------

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
fn code_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// At most `max` characters of `s`, with an ellipsis when something was cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
