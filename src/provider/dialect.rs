//! Reasoning dialects: how each kind of server switches thinking, caps it, streams it and
//! wants it back in history.

use serde::{Deserialize, Serialize};

use super::decode::WireFormat;

/// The kind of server a provider talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// Alibaba Cloud Model Studio (DashScope): `enable_thinking`, `thinking_budget`,
    /// `preserve_thinking`; OpenAI-compatible or native protocol.
    ModelStudio,
    /// DeepSeek's own API: `thinking: {type}`; `reasoning_content` goes back in history.
    DeepSeek,
    /// OpenRouter: `reasoning: {enabled | effort, max_tokens}`.
    OpenRouter,
    /// Moonshot (Kimi) API: `thinking: {type}`; reasoning kept in history.
    Moonshot,
    /// Zhipu GLM API: `thinking: {type}`.
    Zhipu,
    /// vLLM: `chat_template_kwargs.enable_thinking`, `thinking_token_budget`.
    Vllm,
    /// llama.cpp `llama-server`: `chat_template_kwargs.enable_thinking`.
    LlamaCpp,
    /// Ollama, native `/api/chat` (`think`) or `/v1` (`reasoning_effort`).
    Ollama,
    /// Any other OpenAI-compatible server: no thinking controls are sent.
    OpenAiCompatible,
}

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// `POST {base}/chat/completions`, SSE chunks.
    #[serde(alias = "openai-compatible")]
    Openai,
    /// Model Studio native: `POST {base}/services/aigc/{text,multimodal}-generation/generation`.
    #[serde(alias = "native")]
    Dashscope,
    /// Ollama native: `POST {base}/api/chat`, NDJSON.
    Ollama,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "openai" | "openai-compatible" => Some(Protocol::Openai),
            "dashscope" | "native" => Some(Protocol::Dashscope),
            "ollama" => Some(Protocol::Ollama),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Openai => "openai",
            Protocol::Dashscope => "dashscope",
            Protocol::Ollama => "ollama",
        }
    }

    pub fn wire_format(self) -> WireFormat {
        match self {
            Protocol::Openai => WireFormat::OpenAiSse,
            Protocol::Dashscope => WireFormat::DashScopeSse,
            Protocol::Ollama => WireFormat::OllamaNdjson,
        }
    }
}

/// What goes back to the server in the history of a multi-turn conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryPolicy {
    /// Answers only; earlier reasoning is dropped.
    AnswersOnly,
    /// Earlier reasoning goes back as `reasoning_content` only when `preserve_thinking` is on.
    WhenPreserved,
    /// Earlier reasoning always goes back as `reasoning_content` (an empty string where there
    /// was none): DeepSeek V4 rejects thinking-mode history without it.
    Always,
}

impl Dialect {
    pub fn parse(s: &str) -> Option<Dialect> {
        Some(match s {
            "modelstudio" | "model-studio" | "dashscope" => Dialect::ModelStudio,
            "deepseek" => Dialect::DeepSeek,
            "openrouter" => Dialect::OpenRouter,
            "moonshot" | "kimi" => Dialect::Moonshot,
            "zhipu" | "glm" => Dialect::Zhipu,
            "vllm" => Dialect::Vllm,
            "llamacpp" | "llama.cpp" | "llama-cpp" => Dialect::LlamaCpp,
            "ollama" => Dialect::Ollama,
            "openai" | "openai-compatible" | "generic" => Dialect::OpenAiCompatible,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::ModelStudio => "modelstudio",
            Dialect::DeepSeek => "deepseek",
            Dialect::OpenRouter => "openrouter",
            Dialect::Moonshot => "moonshot",
            Dialect::Zhipu => "zhipu",
            Dialect::Vllm => "vllm",
            Dialect::LlamaCpp => "llamacpp",
            Dialect::Ollama => "ollama",
            Dialect::OpenAiCompatible => "openai-compatible",
        }
    }

    /// The catalog host whose entries describe this dialect's models.
    pub fn catalog_host(self) -> &'static str {
        match self {
            Dialect::ModelStudio => crate::catalog::MODEL_STUDIO,
            other => other.as_str(),
        }
    }

    /// Protocols this dialect can speak; the first is the default.
    pub fn protocols(self) -> &'static [Protocol] {
        match self {
            Dialect::ModelStudio => &[Protocol::Openai, Protocol::Dashscope],
            Dialect::Ollama => &[Protocol::Ollama, Protocol::Openai],
            _ => &[Protocol::Openai],
        }
    }

    /// Whether the dialect has any way to switch thinking per request.
    pub fn can_switch_thinking(self) -> bool {
        self != Dialect::OpenAiCompatible
    }

    /// Whether the dialect can cap reasoning per request.
    pub fn has_budget(self) -> bool {
        matches!(
            self,
            Dialect::ModelStudio | Dialect::Vllm | Dialect::OpenRouter
        )
    }

    /// Whether `preserve_thinking` exists in this dialect.
    pub fn has_preserve(self) -> bool {
        self == Dialect::ModelStudio
    }

    pub fn history_policy(self) -> HistoryPolicy {
        match self {
            Dialect::ModelStudio => HistoryPolicy::WhenPreserved,
            Dialect::DeepSeek | Dialect::Moonshot => HistoryPolicy::Always,
            _ => HistoryPolicy::AnswersOnly,
        }
    }
}
