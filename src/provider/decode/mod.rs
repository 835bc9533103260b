//! Byte-level stream decoders: bytes in, [`StreamEvent`]s out.
//!
//! A decoder is fed the response body in whatever chunks the network delivers; chunk
//! boundaries may fall anywhere, including inside a multi-byte UTF-8 character or between the
//! CR and LF of a line break. Decoders never block and never allocate per byte.

pub mod dashscope;
pub mod errors;
pub mod ollama;
pub mod openai;
pub mod sse;
pub mod think_tags;

use super::StreamEvent;

pub use dashscope::DashScopeDecoder;
pub use errors::parse_error_body;
pub use ollama::OllamaDecoder;
pub use openai::OpenAiDecoder;
pub use sse::{SseEvent, SseParser};
pub use think_tags::ThinkSplitter;

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
