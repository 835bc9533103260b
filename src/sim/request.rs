//! Reading chat requests of both protocols into one neutral shape.
//!
//! Nothing here trusts the input: every field is checked for its type and a wrong one becomes
//! a 400 in the protocol's own error shape.

use serde_json::{Map, Value};

use super::wire_error::WireError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    System,
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    pub role: Role,
    /// The text parts of `content`, joined.
    pub text: String,
    /// `reasoning_content` of an assistant message.
    pub reasoning: Option<String>,
}

/// A chat request, whichever protocol it came on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub stream: bool,
    /// OpenAI-compatible `stream_options.include_usage`.
    pub include_usage: bool,
    pub enable_thinking: Option<bool>,
    pub thinking_budget: Option<Value>,
    pub preserve_thinking: bool,
    pub max_tokens: Option<Value>,
    pub temperature: Option<Value>,
    /// Native `parameters.incremental_output`.
    pub incremental_output: Option<bool>,
    /// Native `parameters.result_format`.
    pub result_format: Option<String>,
}

const ROLE_OR_EMPTY: &str =
    "Role must be user or assistant and Content length must be greater than 0";
const NO_MESSAGES: &str = "Either \"prompt\" or \"messages\" must exist and cannot both be none";

/// Parse the body bytes as a JSON object.
pub(crate) fn json_object(body: &Value) -> Result<&Map<String, Value>, WireError> {
    body.as_object()
        .ok_or_else(|| WireError::invalid_parameter("The request body is not a valid JSON object."))
}

/// `POST /compatible-mode/v1/chat/completions`: everything at the top level.
pub(crate) fn parse_openai(body: &Value) -> Result<ChatRequest, WireError> {
    let obj = json_object(body)?;
    let model = model_name(obj)?;
    let messages = match obj.get("messages") {
        Some(Value::Array(items)) if !items.is_empty() => parse_messages(items)?,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(WireError::invalid_parameter(
                "messages must be a non-empty array.",
            ));
        }
        Some(_) => return Err(WireError::invalid_parameter("messages must be an array.")),
    };
    let include_usage = match obj.get("stream_options") {
        None | Some(Value::Null) => false,
        Some(Value::Object(o)) => {
            opt_bool(o, "include_usage", "stream_options.include_usage")?.unwrap_or(false)
        }
        Some(_) => {
            return Err(WireError::invalid_parameter(
                "stream_options must be an object.",
            ));
        }
    };
    let max_tokens = present(obj, "max_tokens").or_else(|| present(obj, "max_completion_tokens"));
    Ok(ChatRequest {
        model,
        messages,
        stream: opt_bool(obj, "stream", "stream")?.unwrap_or(false),
        include_usage,
        enable_thinking: opt_bool(obj, "enable_thinking", "enable_thinking")?,
        thinking_budget: present(obj, "thinking_budget"),
        preserve_thinking: opt_bool(obj, "preserve_thinking", "preserve_thinking")?
            .unwrap_or(false),
        max_tokens,
        temperature: present(obj, "temperature"),
        incremental_output: None,
        result_format: None,
    })
}

/// The native body: `{"model", "input":{"messages"|"prompt"}, "parameters":{…}}`.
pub(crate) fn parse_native(body: &Value, sse: bool) -> Result<ChatRequest, WireError> {
    let obj = json_object(body)?;
    let model = model_name(obj)?;
    let input = match obj.get("input") {
        Some(Value::Object(o)) => Some(o),
        None | Some(Value::Null) => None,
        Some(_) => return Err(WireError::invalid_parameter("input must be an object.")),
    };
    let messages = match input.and_then(|i| i.get("messages")) {
        Some(Value::Array(items)) if !items.is_empty() => parse_messages(items)?,
        Some(Value::Array(_)) | Some(Value::Null) | None => {
            match input.and_then(|i| i.get("prompt")) {
                Some(Value::String(p)) if !p.is_empty() => vec![Message {
                    role: Role::User,
                    text: p.clone(),
                    reasoning: None,
                }],
                _ => return Err(WireError::invalid_parameter(NO_MESSAGES)),
            }
        }
        Some(_) => return Err(WireError::invalid_parameter("messages must be an array.")),
    };
    let empty = Map::new();
    let params = match obj.get("parameters") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(_) => {
            return Err(WireError::invalid_parameter(
                "parameters must be an object.",
            ));
        }
    };
    let result_format = match params.get("result_format") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "text" || s == "message" => Some(s.clone()),
        Some(_) => {
            return Err(WireError::invalid_parameter(
                "The result_format parameter must be \"text\" or \"message\".",
            ));
        }
    };
    Ok(ChatRequest {
        model,
        messages,
        stream: sse,
        include_usage: true,
        enable_thinking: opt_bool(params, "enable_thinking", "enable_thinking")?,
        thinking_budget: present(params, "thinking_budget"),
        preserve_thinking: opt_bool(params, "preserve_thinking", "preserve_thinking")?
            .unwrap_or(false),
        max_tokens: present(params, "max_tokens"),
        temperature: present(params, "temperature"),
        incremental_output: opt_bool(params, "incremental_output", "incremental_output")?,
        result_format,
    })
}

fn model_name(obj: &Map<String, Value>) -> Result<String, WireError> {
    match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => Ok(m.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(WireError::empty_model()),
        Some(_) => Err(WireError::invalid_parameter("model must be a string.")),
    }
}

/// A field that is present and not `null`.
fn present(obj: &Map<String, Value>, key: &str) -> Option<Value> {
    obj.get(key).filter(|v| !v.is_null()).cloned()
}

fn opt_bool(obj: &Map<String, Value>, key: &str, name: &str) -> Result<Option<bool>, WireError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(WireError::invalid_parameter(format!(
            "The {name} parameter must be a boolean."
        ))),
    }
}

fn parse_messages(items: &[Value]) -> Result<Vec<Message>, WireError> {
    let messages = items
        .iter()
        .map(parse_message)
        .collect::<Result<Vec<_>, _>>()?;
    if !messages.iter().any(|m| m.role == Role::User) {
        return Err(WireError::invalid_parameter(ROLE_OR_EMPTY));
    }
    Ok(messages)
}

fn parse_message(item: &Value) -> Result<Message, WireError> {
    let obj = item
        .as_object()
        .ok_or_else(|| WireError::invalid_parameter("Each message must be an object."))?;
    let role = match obj.get("role").and_then(Value::as_str) {
        Some("system") => Role::System,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some("tool") => Role::Tool,
        _ => return Err(WireError::invalid_parameter(ROLE_OR_EMPTY)),
    };
    let text = content_text(obj.get("content"))?;
    if text.is_empty() && matches!(role, Role::User | Role::System) {
        return Err(WireError::invalid_parameter(ROLE_OR_EMPTY));
    }
    let reasoning = match obj.get("reasoning_content") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r.clone()),
        Some(_) => {
            return Err(WireError::invalid_parameter(
                "reasoning_content must be a string.",
            ));
        }
    };
    Ok(Message {
        role,
        text,
        reasoning,
    })
}

/// `content` as a string, an array of parts (`{"text":…}` or `{"type":"text","text":…}`;
/// image and other parts carry no text), or absent/null.
fn content_text(content: Option<&Value>) -> Result<String, WireError> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for part in parts {
                let obj = part.as_object().ok_or_else(|| {
                    WireError::invalid_parameter("Each content part must be an object.")
                })?;
                match obj.get("text") {
                    Some(Value::String(t)) => text.push_str(t),
                    None | Some(Value::Null) => {}
                    Some(_) => {
                        return Err(WireError::invalid_parameter(
                            "The text of a content part must be a string.",
                        ));
                    }
                }
            }
            Ok(text)
        }
        Some(_) => Err(WireError::invalid_parameter(
            "content must be a string or an array of content parts.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_fields_are_read_from_the_top_level() {
        let r = parse_openai(&json!({
            "model": "qwen-plus",
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url"}]},
                {"role": "assistant", "content": null, "reasoning_content": "hmm"},
                {"role": "user", "content": "again"}
            ],
            "stream": true,
            "stream_options": {"include_usage": true},
            "enable_thinking": true,
            "thinking_budget": 50,
            "max_tokens": null
        }))
        .unwrap();
        assert_eq!(r.model, "qwen-plus");
        assert_eq!(r.messages.len(), 4);
        assert_eq!(r.messages[1].text, "hi");
        assert_eq!(r.messages[2].reasoning.as_deref(), Some("hmm"));
        assert!(r.stream && r.include_usage);
        assert_eq!(r.enable_thinking, Some(true));
        assert_eq!(r.thinking_budget, Some(json!(50)));
        assert_eq!(r.max_tokens, None);
    }

    #[test]
    fn native_reads_input_and_parameters() {
        let r = parse_native(
            &json!({
                "model": "qwen3.7-plus",
                "input": {"messages": [{"role": "user", "content": [{"text": "你好"}]}]},
                "parameters": {"incremental_output": true, "result_format": "message"}
            }),
            true,
        )
        .unwrap();
        assert_eq!(r.messages[0].text, "你好");
        assert_eq!(r.incremental_output, Some(true));
        assert_eq!(r.result_format.as_deref(), Some("message"));
        let prompt = parse_native(&json!({"model": "m", "input": {"prompt": "p"}}), false).unwrap();
        assert_eq!(prompt.messages[0].text, "p");
    }

    #[test]
    fn native_messages_outside_input_are_rejected() {
        let e = parse_native(
            &json!({"model": "qwen-plus", "messages": [{"role": "user", "content": "x"}]}),
            true,
        )
        .unwrap_err();
        assert_eq!(e.native_code, "InvalidParameter");
        assert_eq!(e.native_message, NO_MESSAGES);
    }

    #[test]
    fn bad_inputs_are_400s_not_panics() {
        for body in [
            json!(null),
            json!([1, 2]),
            json!({"model": 5, "messages": []}),
            json!({"model": "m"}),
            json!({"model": "m", "messages": "hi"}),
            json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}),
            json!({"model": "m", "messages": [{"role": "user", "content": ""}]}),
            json!({"model": "m", "messages": [{"role": "user", "content": 7}]}),
            json!({"model": "m", "messages": [{"role": "user", "content": [5]}]}),
            json!({"model": "m", "messages": [{"role": "assistant", "content": "x"}]}),
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}),
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "enable_thinking": 1}),
        ] {
            let e = parse_openai(&body).unwrap_err();
            assert_eq!(e.status, 400, "{body}");
        }
        assert_eq!(
            parse_openai(&json!({"messages": []}))
                .unwrap_err()
                .native_code,
            "BadRequest.EmptyModel"
        );
    }
}
