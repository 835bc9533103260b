//! Provider-neutral streaming core.
//!
//! Every wire protocol (Model Studio OpenAI-compatible and native DashScope, DeepSeek, vLLM,
//! llama.cpp, OpenRouter, Ollama, servers with inline `<think>` tags) is decoded into the same
//! [`StreamEvent`]s. Nothing above this module sees JSON.

pub mod client;
pub mod decode;
pub mod dialect;
pub mod plan;
pub mod request;
pub mod route;
pub mod transcript;

use serde::{Deserialize, Serialize};

pub use transcript::Transcript;

/// One decoded piece of a streaming response.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the model's reasoning (thinking) text.
    Reasoning(String),
    /// A piece of the answer text.
    Answer(String),
    /// A fragment of a tool call; fragments are accumulated by `index`.
    ToolCall(ToolCallDelta),
    /// Token usage. Later usage replaces earlier usage (DashScope native reports it cumulatively).
    Usage(Usage),
    /// The model finished (the server said why).
    Finish(FinishReason),
    /// The server reported an error, before or during the stream.
    Error(ApiError),
}

/// A fragment of a streamed tool call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCallDelta {
    pub index: usize,
    /// Empty or absent on continuation fragments.
    pub id: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    /// A piece of the JSON arguments string.
    pub arguments: String,
}

/// A complete (accumulated) tool call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub index: usize,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub arguments: String,
}

/// Why generation stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Other(String),
}

impl FinishReason {
    pub fn parse(s: &str) -> FinishReason {
        match s {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "tool_calls" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            other => FinishReason::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other(s) => s,
        }
    }
}

impl From<String> for FinishReason {
    fn from(s: String) -> Self {
        FinishReason::parse(&s)
    }
}

impl From<FinishReason> for String {
    fn from(f: FinishReason) -> Self {
        f.as_str().to_string()
    }
}

impl std::fmt::Display for FinishReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Token usage normalised across protocols. `None` always means "the server did not say",
/// never zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// `prompt_tokens` (OpenAI style), `input_tokens` (DashScope native), `prompt_eval_count` (Ollama).
    pub input_tokens: Option<u64>,
    /// `completion_tokens`, `output_tokens`, `eval_count`. Includes reasoning tokens.
    pub output_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    /// `completion_tokens_details.reasoning_tokens` or `output_tokens_details.reasoning_tokens`.
    pub reasoning_tokens: Option<u64>,
    /// `prompt_tokens_details.cached_tokens`.
    pub cached_tokens: Option<u64>,
    /// DeepSeek `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`.
    pub cache_hit_tokens: Option<u64>,
    pub cache_miss_tokens: Option<u64>,
    /// OpenRouter reports the cost of the call in USD.
    pub cost: Option<f64>,
    /// The usage object exactly as received, for the inspector.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub raw: Option<serde_json::Value>,
}

/// An error reported by a server, in a response body or inside a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// HTTP status (or the status a DashScope `:HTTP_STATUS/NNN` comment gave an error event).
    pub status: Option<u16>,
    /// Machine-readable code: `InvalidApiKey`, `invalid_api_key`, `Throttling.RateQuota`, `400` …
    pub code: Option<String>,
    /// The OpenAI-style `type`, where sent.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl ApiError {
    /// Whether retrying the same request later may succeed (rate limits that clear on their
    /// own, server errors, timeouts). Billing problems and bad requests are not retryable.
    pub fn retryable(&self) -> bool {
        const BILLING: &[&str] = &[
            "Arrearage",
            "PrepaidBillOverdue",
            "PostpaidBillOverdue",
            "CommodityNotPurchased",
        ];
        if let Some(code) = &self.code
            && BILLING.iter().any(|b| code == b)
        {
            return false;
        }
        if self.message.contains("Free allocated quota exceeded") {
            return false;
        }
        matches!(self.status, Some(408 | 429 | 500 | 502 | 503 | 504))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, &self.code) {
            (Some(s), Some(c)) => write!(f, "HTTP {s} {c}: {}", self.message)?,
            (Some(s), None) => write!(f, "HTTP {s}: {}", self.message)?,
            (None, Some(c)) => write!(f, "{c}: {}", self.message)?,
            (None, None) => write!(f, "{}", self.message)?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}
