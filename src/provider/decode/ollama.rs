//! Ollama native NDJSON (`/api/chat`, also `/api/generate`): one JSON object per line.
//!
//! Lines are split on `\n` bytes and decoded only when complete. `message.thinking` is
//! reasoning, `message.content` answer (through the inline `<think>` splitter); the final object
//! has `"done": true`, `done_reason`, `prompt_eval_count` and `eval_count`. A mid-stream error is
//! a line `{"error":"…"}` with no `done` key, so it is checked first.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fields::{Text, arguments_text, nested_error};
use super::sse::{LineReader, line_str};
use super::think_tags::ThinkSplitter;
use super::{DecodeInfo, Decoder, ThinkTags};
use crate::provider::{FinishReason, StreamEvent, ToolCallDelta, Usage};

/// Decoder for Ollama's NDJSON stream.
#[derive(Debug)]
pub struct OllamaDecoder {
    lines: LineReader,
    think: ThinkSplitter,
    info: DecodeInfo,
    /// Tool calls arrive whole; this numbers them.
    tool_calls: usize,
}

impl OllamaDecoder {
    pub fn new(think_tags: ThinkTags) -> Self {
        OllamaDecoder {
            lines: LineReader::ndjson(),
            think: ThinkSplitter::new(think_tags),
            info: DecodeInfo::default(),
            tool_calls: 0,
        }
    }

    fn drain(&mut self, out: &mut Vec<StreamEvent>) {
        while let Some(line) = self.lines.next_line() {
            let text = line_str(line);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            self.info.data_events += 1;
            line_event(
                text,
                &mut self.think,
                &mut self.info,
                &mut self.tool_calls,
                out,
            );
        }
        self.info.oversized = self.lines.oversized();
    }
}

fn line_event(
    text: &str,
    think: &mut ThinkSplitter,
    info: &mut DecodeInfo,
    tool_count: &mut usize,
    out: &mut Vec<StreamEvent>,
) {
    let line: Line = match serde_json::from_str(text) {
        Ok(l) => l,
        Err(_) => {
            info.malformed = info.malformed.saturating_add(1);
            return;
        }
    };
    if line.error.is_some() {
        if let Ok(v) = serde_json::from_str::<Value>(text)
            && let Some(error) = nested_error(&v)
        {
            think.finish(out);
            info.errored = true;
            out.push(StreamEvent::Error(error));
        }
        return;
    }
    let (thinking, content, calls) = match line.message {
        Some(m) => (m.thinking, m.content, m.tool_calls),
        // `/api/generate`.
        None => (line.thinking, line.response, None),
    };
    if !thinking.0.is_empty() {
        think.reasoning_field_seen(out);
        out.push(StreamEvent::Reasoning(thinking.0));
    }
    if !content.0.is_empty() {
        think.push(&content.0, out);
    }
    for call in calls.into_iter().flatten() {
        let function = call.function.unwrap_or_default();
        let arguments = arguments_text(function.arguments);
        out.push(StreamEvent::ToolCall(ToolCallDelta {
            index: function.index.unwrap_or(*tool_count),
            id: call.id,
            kind: Some("function".to_string()),
            name: function.name,
            arguments,
        }));
        *tool_count += 1;
    }
    if line.done == Some(true) {
        think.finish(out);
        info.done_marker = true;
        info.finished = true;
        let mut raw = Map::new();
        for (key, value) in [
            ("prompt_eval_count", line.prompt_eval_count),
            ("eval_count", line.eval_count),
            ("total_duration", line.total_duration),
            ("load_duration", line.load_duration),
            ("prompt_eval_duration", line.prompt_eval_duration),
            ("eval_duration", line.eval_duration),
        ] {
            if let Some(v) = value {
                raw.insert(key.to_string(), Value::from(v));
            }
        }
        if line.prompt_eval_count.is_some() || line.eval_count.is_some() {
            out.push(StreamEvent::Usage(Usage {
                input_tokens: line.prompt_eval_count,
                output_tokens: line.eval_count,
                total_tokens: line
                    .prompt_eval_count
                    .zip(line.eval_count)
                    .map(|(a, b)| a + b),
                raw: Some(Value::Object(raw)),
                ..Usage::default()
            }));
        }
        let reason = line
            .done_reason
            .filter(|r| !r.is_empty())
            .map(FinishReason::from)
            // Older servers send no reason: `done` alone is a normal stop.
            .unwrap_or(FinishReason::Stop);
        out.push(StreamEvent::Finish(reason));
    }
}

impl Decoder for OllamaDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) {
        self.lines.push(bytes);
        self.drain(out);
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        self.lines.finish();
        self.drain(out);
        self.think.finish(out);
    }

    fn info(&self) -> &DecodeInfo {
        &self.info
    }
}

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    response: Text,
    #[serde(default)]
    thinking: Text,
    #[serde(default)]
    done: Option<bool>,
    #[serde(default)]
    done_reason: Option<String>,
    #[serde(default)]
    prompt_eval_count: Option<u64>,
    #[serde(default)]
    eval_count: Option<u64>,
    #[serde(default)]
    total_duration: Option<u64>,
    #[serde(default)]
    load_duration: Option<u64>,
    #[serde(default)]
    prompt_eval_duration: Option<u64>,
    #[serde(default)]
    eval_duration: Option<u64>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Text,
    #[serde(default)]
    thinking: Text,
    #[serde(default)]
    tool_calls: Option<Vec<OllamaToolCall>>,
}

#[derive(Deserialize)]
struct OllamaToolCall {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<OllamaFunction>,
}

#[derive(Deserialize, Default)]
struct OllamaFunction {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    name: Option<String>,
    /// An object (Ollama sends parsed arguments); re-serialised as the JSON string.
    #[serde(default)]
    arguments: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Transcript;

    fn decode(tags: ThinkTags, chunks: &[&[u8]]) -> (Vec<StreamEvent>, Transcript, DecodeInfo) {
        let mut d = OllamaDecoder::new(tags);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut out);
        }
        d.finish(&mut out);
        let mut t = Transcript::default();
        t.extend(&out);
        (out, t, d.info().clone())
    }

    #[test]
    fn final_line_without_newline_and_crlf_and_blank_lines() {
        let body = "{\"message\":{\"content\":\"a\"},\"done\":false}\r\n\n\n{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":2,\"eval_count\":3}";
        let bytes = body.as_bytes();
        for i in 0..=bytes.len() {
            let (a, b) = bytes.split_at(i);
            let (_, t, info) = decode(ThinkTags::Leading, &[a, b]);
            assert_eq!(t.answer, "a");
            assert_eq!(t.finish, Some(FinishReason::Length));
            let u = t.usage.expect("usage");
            assert_eq!(
                (u.input_tokens, u.output_tokens, u.total_tokens),
                (Some(2), Some(3), Some(5))
            );
            assert_eq!(u.reasoning_tokens, None);
            assert!(info.done_marker && info.complete());
            assert_eq!(info.malformed, 0);
        }
    }

    #[test]
    fn inline_think_tags_in_content() {
        let body = b"{\"message\":{\"content\":\"<think>\\nhm\"}}\n{\"message\":{\"content\":\"\\n</think>\\n\\nok\"}}\n{\"done\":true}\n";
        let (_, t, _) = decode(ThinkTags::Leading, &[body]);
        assert_eq!(t.reasoning, "hm");
        assert_eq!(t.answer, "ok");
        assert_eq!(t.finish, Some(FinishReason::Stop));
        assert_eq!(t.usage, None);
    }

    #[test]
    fn tool_calls_and_generate_shape_and_malformed() {
        let body = b"{\"thinking\":\"t\",\"response\":\"r\"}\nnot json\n{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"x\":1}}},{\"function\":{\"name\":\"g\",\"arguments\":{}}}]}}\n";
        let (_, t, info) = decode(ThinkTags::Off, &[body]);
        assert_eq!((t.reasoning.as_str(), t.answer.as_str()), ("t", "r"));
        assert_eq!(t.tool_calls.len(), 2);
        assert_eq!(t.tool_calls[0].name, "f");
        assert_eq!(t.tool_calls[0].arguments, "{\"x\":1}");
        assert_eq!(t.tool_calls[1].index, 1);
        assert_eq!(info.malformed, 1);
        assert!(!info.complete());
    }

    #[test]
    fn error_line_releases_held_text_first() {
        let body = b"{\"message\":{\"content\":\"partial\"}}\n{\"error\":\"boom\"}\n";
        let (events, t, info) = decode(ThinkTags::ForcedOpen, &[body]);
        assert_eq!(t.answer, "partial");
        assert_eq!(t.error.unwrap().message, "boom");
        assert!(matches!(events.last(), Some(StreamEvent::Error(_))));
        assert!(info.errored && !info.done_marker);
    }
}
