//! Request bodies for every dialect and protocol.
//!
//! [`prepare`] turns a provider-neutral [`ChatRequest`] into the exact URL, headers and JSON
//! body that go on the wire. The API key is not part of it: the client adds the
//! `Authorization` header at send time, so a prepared request can be shown in the inspector
//! or saved as it is.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ToolCall;
use super::decode::{ThinkTags, WireFormat};
use super::dialect::{Dialect, HistoryPolicy, Protocol};
use super::plan::Resolved;
use crate::catalog::NativeEndpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One message of the history sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// The reasoning of an earlier assistant turn (sent back only where the dialect wants it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            reasoning: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    pub fn user(content: impl Into<String>) -> Message {
        Message::new(Role::User, content)
    }

    pub fn system(content: impl Into<String>) -> Message {
        Message::new(Role::System, content)
    }

    pub fn assistant(content: impl Into<String>, reasoning: Option<String>) -> Message {
        Message {
            reasoning,
            ..Message::new(Role::Assistant, content)
        }
    }
}

/// A provider-neutral chat request whose thinking settings are already resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub thinking: Resolved,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// Where and how to send: the parts of a provider that shape the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub dialect: Dialect,
    pub protocol: Protocol,
    /// For `openai`: the OpenAI-style base (`…/compatible-mode/v1`, `…/v1`); for `dashscope`:
    /// the API base (`…/api/v1`); for `ollama`: the server root.
    pub base_url: String,
    /// DashScope native path kind for the model.
    pub native: NativeEndpoint,
    /// Override of the dialect's `<think>` tag handling.
    pub think_tags: Option<ThinkTags>,
}

/// The exact request that goes on the wire, minus the API key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreparedRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    #[serde(skip)]
    pub format: WireFormat,
    #[serde(skip)]
    pub think_tags: ThinkTags,
}

fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

/// Build the wire request for `req` on `target`.
pub fn prepare(target: &Target, req: &ChatRequest) -> PreparedRequest {
    // `<think>` tags inside content: split when the content starts with one, unless the
    // provider's config asks for more (see `ThinkTags`).
    let think_tags = target.think_tags.unwrap_or_default();
    let (url, mut headers, body) = match target.protocol {
        Protocol::Openai => (
            join(&target.base_url, "/chat/completions"),
            vec![],
            openai_body(target.dialect, req),
        ),
        Protocol::Dashscope => (
            join(&target.base_url, target.native.path()),
            vec![("X-DashScope-SSE".to_string(), "enable".to_string())],
            native_body(target.native, req),
        ),
        Protocol::Ollama => (
            join(&target.base_url, "/api/chat"),
            vec![],
            ollama_body(req),
        ),
    };
    headers.insert(0, ("Content-Type".into(), "application/json".into()));
    let accept = match target.protocol {
        Protocol::Ollama => "application/x-ndjson",
        _ => "text/event-stream",
    };
    headers.insert(1, ("Accept".into(), accept.into()));
    PreparedRequest {
        url,
        headers,
        body,
        format: target.protocol.wire_format(),
        think_tags,
    }
}

/// Whether the reasoning of assistant messages goes back, and whether a missing one is sent
/// as an empty placeholder.
fn reasoning_in_history(dialect: Dialect, req: &ChatRequest) -> (bool, bool) {
    match dialect.history_policy() {
        HistoryPolicy::AnswersOnly => (false, false),
        HistoryPolicy::WhenPreserved => (req.thinking.preserve, false),
        HistoryPolicy::Always => (true, req.thinking.thinks != Some(false)),
    }
}

fn openai_messages(dialect: Dialect, req: &ChatRequest) -> Vec<Value> {
    let (with_reasoning, placeholder) = reasoning_in_history(dialect, req);
    req.messages
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("role".into(), json!(m.role.as_str()));
            o.insert("content".into(), json!(m.content));
            if m.role == Role::Assistant && with_reasoning {
                match &m.reasoning {
                    Some(r) => {
                        o.insert("reasoning_content".into(), json!(r));
                    }
                    None if placeholder => {
                        o.insert("reasoning_content".into(), json!(""));
                    }
                    None => {}
                }
            }
            if !m.tool_calls.is_empty() {
                o.insert("tool_calls".into(), tool_calls_json(&m.tool_calls));
            }
            if let Some(id) = &m.tool_call_id {
                o.insert("tool_call_id".into(), json!(id));
            }
            Value::Object(o)
        })
        .collect()
}

fn tool_calls_json(calls: &[ToolCall]) -> Value {
    calls
        .iter()
        .map(|c| {
            json!({"id": c.id, "type": if c.kind.is_empty() { "function" } else { &c.kind },
                   "function": {"name": c.name, "arguments": c.arguments}})
        })
        .collect()
}

fn openai_body(dialect: Dialect, req: &ChatRequest) -> Value {
    let t = &req.thinking;
    let mut b = Map::new();
    b.insert("model".into(), json!(req.model));
    b.insert(
        "messages".into(),
        Value::Array(openai_messages(dialect, req)),
    );
    b.insert("stream".into(), json!(true));
    b.insert("stream_options".into(), json!({"include_usage": true}));
    if let Some(n) = req.max_tokens {
        b.insert("max_tokens".into(), json!(n));
    }
    if let Some(x) = req.temperature {
        b.insert("temperature".into(), json!(x));
    }
    let on = t.send_thinking;
    match dialect {
        Dialect::ModelStudio => {
            if let Some(on) = on {
                b.insert("enable_thinking".into(), json!(on));
            }
            if let Some(n) = t.budget {
                b.insert("thinking_budget".into(), json!(n));
            }
            if t.preserve {
                b.insert("preserve_thinking".into(), json!(true));
            }
        }
        Dialect::DeepSeek | Dialect::Moonshot | Dialect::Zhipu => {
            if let Some(on) = on {
                let kind = if on { "enabled" } else { "disabled" };
                b.insert("thinking".into(), json!({ "type": kind }));
            }
        }
        Dialect::OpenRouter => {
            let reasoning = match (on, t.budget) {
                (Some(false), _) => Some(json!({"effort": "none"})),
                (_, Some(n)) => Some(json!({"enabled": true, "max_tokens": n})),
                (Some(true), None) => Some(json!({"enabled": true})),
                (None, None) => None,
            };
            if let Some(r) = reasoning {
                b.insert("reasoning".into(), r);
            }
        }
        Dialect::Vllm | Dialect::LlamaCpp => {
            if let Some(on) = on {
                b.insert(
                    "chat_template_kwargs".into(),
                    json!({ "enable_thinking": on }),
                );
            }
            if let (Dialect::Vllm, Some(n)) = (dialect, t.budget) {
                b.insert("thinking_token_budget".into(), json!(n));
            }
        }
        Dialect::Ollama => {
            if let Some(on) = on {
                let effort = if on { "medium" } else { "none" };
                b.insert("reasoning_effort".into(), json!(effort));
            }
        }
        Dialect::OpenAiCompatible => {}
    }
    Value::Object(b)
}

fn native_body(native: NativeEndpoint, req: &ChatRequest) -> Value {
    let t = &req.thinking;
    let with_reasoning = t.preserve;
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("role".into(), json!(m.role.as_str()));
            let content = match native {
                NativeEndpoint::Text => json!(m.content),
                NativeEndpoint::Multimodal => json!([{ "text": m.content }]),
            };
            o.insert("content".into(), content);
            if m.role == Role::Assistant
                && with_reasoning
                && let Some(r) = &m.reasoning
            {
                o.insert("reasoning_content".into(), json!(r));
            }
            if !m.tool_calls.is_empty() {
                o.insert("tool_calls".into(), tool_calls_json(&m.tool_calls));
            }
            if let Some(id) = &m.tool_call_id {
                o.insert("tool_call_id".into(), json!(id));
            }
            Value::Object(o)
        })
        .collect();
    let mut p = Map::new();
    p.insert("result_format".into(), json!("message"));
    p.insert("incremental_output".into(), json!(true));
    if let Some(on) = t.send_thinking {
        p.insert("enable_thinking".into(), json!(on));
    }
    if let Some(n) = t.budget {
        p.insert("thinking_budget".into(), json!(n));
    }
    if t.preserve {
        p.insert("preserve_thinking".into(), json!(true));
    }
    if let Some(n) = req.max_tokens {
        p.insert("max_tokens".into(), json!(n));
    }
    if let Some(x) = req.temperature {
        p.insert("temperature".into(), json!(x));
    }
    json!({"model": req.model, "input": {"messages": messages}, "parameters": Value::Object(p)})
}

fn ollama_body(req: &ChatRequest) -> Value {
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut b = Map::new();
    b.insert("model".into(), json!(req.model));
    b.insert("messages".into(), Value::Array(messages));
    b.insert("stream".into(), json!(true));
    if let Some(on) = req.thinking.send_thinking {
        b.insert("think".into(), json!(on));
    }
    let mut options = Map::new();
    if let Some(n) = req.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    if let Some(x) = req.temperature {
        options.insert("temperature".into(), json!(x));
    }
    if !options.is_empty() {
        b.insert("options".into(), Value::Object(options));
    }
    Value::Object(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(send: Option<bool>, budget: Option<u32>, preserve: bool) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            messages: vec![
                Message::system("be brief"),
                Message::user("hi"),
                Message::assistant("hello", Some("they greet".into())),
                Message::assistant("again", None),
                Message::user("more"),
            ],
            thinking: Resolved {
                send_thinking: send,
                thinks: send,
                budget,
                preserve,
            },
            max_tokens: Some(100),
            temperature: None,
        }
    }

    fn target(dialect: Dialect, protocol: Protocol, native: NativeEndpoint) -> Target {
        Target {
            dialect,
            protocol,
            base_url: "http://h/base/".into(),
            native,
            think_tags: None,
        }
    }

    #[test]
    fn model_studio_openai_puts_thinking_at_top_level() {
        let t = target(Dialect::ModelStudio, Protocol::Openai, NativeEndpoint::Text);
        let p = prepare(&t, &req(Some(true), Some(300), true));
        assert_eq!(p.url, "http://h/base/chat/completions");
        assert_eq!(p.body["enable_thinking"], json!(true));
        assert_eq!(p.body["thinking_budget"], json!(300));
        assert_eq!(p.body["preserve_thinking"], json!(true));
        assert_eq!(p.body["stream_options"]["include_usage"], json!(true));
        assert_eq!(
            p.body["messages"][2]["reasoning_content"],
            json!("they greet")
        );
        assert!(p.body["messages"][3].get("reasoning_content").is_none());
        let p = prepare(&t, &req(Some(false), None, false));
        assert_eq!(p.body["enable_thinking"], json!(false));
        assert!(p.body.get("thinking_budget").is_none());
        assert!(p.body["messages"][2].get("reasoning_content").is_none());
    }

    #[test]
    fn model_studio_native_nests_parameters_and_uses_content_parts() {
        let t = target(
            Dialect::ModelStudio,
            Protocol::Dashscope,
            NativeEndpoint::Multimodal,
        );
        let p = prepare(&t, &req(Some(true), Some(50), false));
        assert_eq!(
            p.url,
            "http://h/base/services/aigc/multimodal-generation/generation"
        );
        assert!(
            p.headers
                .contains(&("X-DashScope-SSE".into(), "enable".into()))
        );
        let params = &p.body["parameters"];
        assert_eq!(params["enable_thinking"], json!(true));
        assert_eq!(params["thinking_budget"], json!(50));
        assert_eq!(params["incremental_output"], json!(true));
        assert_eq!(params["result_format"], json!("message"));
        assert!(p.body.get("messages").is_none());
        assert_eq!(
            p.body["input"]["messages"][1]["content"],
            json!([{"text": "hi"}])
        );
    }

    #[test]
    fn deepseek_always_round_trips_reasoning() {
        let t = target(Dialect::DeepSeek, Protocol::Openai, NativeEndpoint::Text);
        let p = prepare(&t, &req(Some(true), None, false));
        assert_eq!(p.body["thinking"], json!({"type": "enabled"}));
        assert_eq!(
            p.body["messages"][2]["reasoning_content"],
            json!("they greet")
        );
        assert_eq!(p.body["messages"][3]["reasoning_content"], json!(""));
    }

    #[test]
    fn local_servers_use_their_own_switches() {
        let v = prepare(
            &target(Dialect::Vllm, Protocol::Openai, NativeEndpoint::Text),
            &req(Some(false), None, false),
        );
        assert_eq!(
            v.body["chat_template_kwargs"],
            json!({"enable_thinking": false})
        );
        let o = prepare(
            &target(Dialect::Ollama, Protocol::Ollama, NativeEndpoint::Text),
            &req(Some(true), None, false),
        );
        assert_eq!(o.url, "http://h/base/api/chat");
        assert_eq!(o.body["think"], json!(true));
        assert_eq!(o.body["options"]["num_predict"], json!(100));
        assert_eq!(o.format, WireFormat::OllamaNdjson);
        let r = prepare(
            &target(Dialect::OpenRouter, Protocol::Openai, NativeEndpoint::Text),
            &req(Some(true), Some(2000), false),
        );
        assert_eq!(
            r.body["reasoning"],
            json!({"enabled": true, "max_tokens": 2000})
        );
    }
}
