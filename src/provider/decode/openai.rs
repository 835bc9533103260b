//! OpenAI-style chat completion chunks over SSE: Model Studio compatible mode, DeepSeek, vLLM,
//! llama.cpp, OpenRouter, Kimi, GLM, SiliconFlow and Ollama's `/v1` route.
//!
//! Per event: `[DONE]` is compared on the trimmed data before any JSON parsing; an SSE event of
//! type `error` (llama.cpp's `error:` field), an `error` key or vLLM's `"object":"error"` is an
//! error; otherwise the chunk's first choice gives reasoning (`reasoning_content`, else
//! `reasoning`, else the joined `reasoning_details[].text`, never two of them), content (through
//! the inline `<think>` splitter), tool-call fragments and the finish reason, and `usage` is
//! read from any chunk whatever its `choices` hold.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::fields::{
    Text, ToolCallChunk, error_text, finish_reason, flat_error, nested_error, push_tool_calls,
    u64_at,
};
use super::sse::{SseEvent, SseParser};
use super::think_tags::ThinkSplitter;
use super::{DecodeInfo, Decoder, ThinkTags};
use crate::provider::{ApiError, StreamEvent, Usage};

/// Decoder for OpenAI-style SSE streams.
#[derive(Debug)]
pub struct OpenAiDecoder {
    sse: SseParser,
    think: ThinkSplitter,
    info: DecodeInfo,
}

impl OpenAiDecoder {
    pub fn new(think_tags: ThinkTags) -> Self {
        OpenAiDecoder {
            sse: SseParser::new(),
            think: ThinkSplitter::new(think_tags),
            info: DecodeInfo::default(),
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
        if ev.is("error") {
            let mut error = match serde_json::from_str::<Value>(&ev.data) {
                Ok(v) => nested_error(&v).unwrap_or_else(|| flat_error(&v)),
                Err(_) => ApiError {
                    message: error_text(&ev.data),
                    ..ApiError::default()
                },
            };
            if error.status.is_none() {
                error.status = ev.status;
            }
            self.error(error, out);
            return;
        }
        let data = ev.data.trim();
        if data.is_empty() {
            return;
        }
        if data == "[DONE]" {
            self.info.done_marker = true;
            self.think.finish(out);
            return;
        }
        let chunk: Chunk = match serde_json::from_str(data) {
            Ok(c) => c,
            Err(_) => {
                self.info.malformed = self.info.malformed.saturating_add(1);
                return;
            }
        };
        if let Some(id) = chunk.request_id.as_ref().and_then(as_text) {
            self.info.request_id = Some(id.to_string());
        } else if self.info.request_id.is_none()
            && let Some(id) = chunk.id.as_ref().and_then(as_text)
        {
            self.info.request_id = Some(id.to_string());
        }
        if chunk.error.is_some() || chunk.object.as_deref() == Some("error") {
            // Rare path: parse again as a tree to read whichever error shape this is.
            if let Ok(v) = serde_json::from_str::<Value>(data) {
                let mut error = nested_error(&v).unwrap_or_else(|| flat_error(&v));
                if error.status.is_none() {
                    error.status = ev.status;
                }
                self.error(error, out);
            }
            return;
        }
        let choice = chunk
            .choices
            .into_iter()
            .flatten()
            .find(|c| c.index.unwrap_or(0) == 0);
        if let Some(choice) = choice {
            if let Some(delta) = choice.delta.or(choice.message) {
                self.delta(delta, out);
            }
            if let Some(reason) = finish_reason(choice.finish_reason) {
                self.think.finish(out);
                self.info.finished = true;
                out.push(StreamEvent::Finish(reason));
            }
        }
        if let Some(usage) = chunk.usage.and_then(openai_usage) {
            out.push(StreamEvent::Usage(usage));
        }
    }

    fn delta(&mut self, delta: Delta, out: &mut Vec<StreamEvent>) {
        let reasoning = if !delta.reasoning_content.0.is_empty() {
            delta.reasoning_content.0
        } else if !delta.reasoning.0.is_empty() {
            delta.reasoning.0
        } else {
            delta
                .reasoning_details
                .iter()
                .flatten()
                .map(ReasoningDetail::readable)
                .collect()
        };
        if !reasoning.is_empty() {
            self.think.reasoning_field_seen(out);
            out.push(StreamEvent::Reasoning(reasoning));
        }
        if !delta.content.0.is_empty() {
            self.think.push(&delta.content.0, out);
        }
        push_tool_calls(delta.tool_calls, out);
    }

    fn error(&mut self, error: ApiError, out: &mut Vec<StreamEvent>) {
        // Keep the partial text: release whatever the splitter holds before the error.
        self.think.finish(out);
        self.info.errored = true;
        out.push(StreamEvent::Error(error));
    }
}

impl Decoder for OpenAiDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) {
        self.sse.push(bytes);
        self.drain(out);
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        self.sse.finish();
        self.drain(out);
        self.think.finish(out);
    }

    fn info(&self) -> &DecodeInfo {
        &self.info
    }
}

// ---- wire types (only the fields the decoder reads) ------------------------------------------

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Value>,
    #[serde(default)]
    error: Option<IgnoredAny>,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    request_id: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    delta: Option<Delta>,
    /// Some servers send a whole `message` instead of a `delta` in the last chunk.
    #[serde(default)]
    message: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Text,
    #[serde(default)]
    reasoning_content: Text,
    #[serde(default)]
    reasoning: Text,
    #[serde(default)]
    reasoning_details: Option<Vec<ReasoningDetail>>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallChunk>>,
}

/// OpenRouter `reasoning_details[]` item: `reasoning.text` carries `text`, `reasoning.summary`
/// carries `summary`; `reasoning.encrypted` carries nothing readable.
#[derive(Deserialize)]
struct ReasoningDetail {
    #[serde(default)]
    text: Text,
    #[serde(default)]
    summary: Text,
}

impl ReasoningDetail {
    fn readable(&self) -> &str {
        if self.text.0.is_empty() {
            &self.summary.0
        } else {
            &self.text.0
        }
    }
}

fn as_text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// Usage from an OpenAI-style `usage` object. `null` or a non-object is no usage; missing
/// details are `None`, never 0.
pub(crate) fn openai_usage(v: Value) -> Option<Usage> {
    if !v.is_object() {
        return None;
    }
    Some(Usage {
        input_tokens: u64_at(&v, "/prompt_tokens"),
        output_tokens: u64_at(&v, "/completion_tokens"),
        total_tokens: u64_at(&v, "/total_tokens"),
        reasoning_tokens: u64_at(&v, "/completion_tokens_details/reasoning_tokens"),
        cached_tokens: u64_at(&v, "/prompt_tokens_details/cached_tokens"),
        cache_hit_tokens: u64_at(&v, "/prompt_cache_hit_tokens"),
        cache_miss_tokens: u64_at(&v, "/prompt_cache_miss_tokens"),
        cost: v.get("cost").and_then(Value::as_f64),
        raw: Some(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{FinishReason, Transcript};

    fn decode_with(tags: ThinkTags, input: &str) -> (Vec<StreamEvent>, DecodeInfo) {
        let mut d = OpenAiDecoder::new(tags);
        let mut out = Vec::new();
        d.feed(input.as_bytes(), &mut out);
        d.finish(&mut out);
        (out, d.info().clone())
    }

    fn decode(input: &str) -> (Transcript, DecodeInfo) {
        let (events, info) = decode_with(ThinkTags::Leading, input);
        let mut t = Transcript::default();
        t.extend(&events);
        (t, info)
    }

    #[test]
    fn vllm_object_error_in_stream() {
        let (t, info) = decode(
            "data: {\"choices\":[{\"delta\":{\"reasoning\":\"hm\"}}]}\n\n\
             data: {\"object\":\"error\",\"message\":\"boom\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}\n\n",
        );
        let e = t.error.expect("error");
        assert_eq!(e.message, "boom");
        assert_eq!(e.kind.as_deref(), Some("BadRequestError"));
        assert_eq!(e.code.as_deref(), Some("400"));
        assert_eq!(e.status, Some(400));
        assert_eq!(t.reasoning, "hm");
        assert!(info.errored && info.complete() && !info.done_marker);
    }

    #[test]
    fn malformed_json_is_counted_and_skipped() {
        let (t, info) = decode(
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"content\":\n\n\
             data: not json\n\n\
             data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n\
             data: [DONE]\n\n",
        );
        assert_eq!(t.answer, "ab");
        assert_eq!(info.malformed, 2);
        assert!(info.done_marker && info.finished);
        assert_eq!(t.finish, Some(FinishReason::Stop));
    }

    #[test]
    fn usage_from_any_chunk_and_null_details_are_none() {
        let (t, _) = decode(
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8,\"completion_tokens_details\":null,\"prompt_tokens_details\":{\"cached_tokens\":2}}}\n\n",
        );
        let u = t.usage.expect("usage");
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.total_tokens),
            (Some(3), Some(5), Some(8))
        );
        assert_eq!(u.reasoning_tokens, None);
        assert_eq!(u.cached_tokens, Some(2));
        assert!(u.raw.is_some());
        let (t, _) = decode("data: {\"choices\":[],\"usage\":null}\n\n");
        assert_eq!(t.usage, None);
    }

    #[test]
    fn reasoning_fields_never_doubled_and_empty_values_emit_nothing() {
        let (events, _) = decode_with(
            ThinkTags::Leading,
            "data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"\",\"reasoning\":null}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"reasoning\":\"x\",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"x\"}]}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"reasoning_details\":[{\"text\":\"y\"},{\"type\":\"reasoning.encrypted\",\"data\":\"zz\"},{\"text\":\"z\"}]}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"r\",\"reasoning\":\"r\",\"content\":\"c\"}}]}\n\n",
        );
        assert_eq!(
            events,
            [
                StreamEvent::Reasoning("x".into()),
                StreamEvent::Reasoning("yz".into()),
                StreamEvent::Reasoning("r".into()),
                StreamEvent::Answer("c".into()),
            ]
        );
    }

    #[test]
    fn reasoning_details_summary_and_empty_error_event() {
        let (t, _) = decode(
            "data: {\"choices\":[{\"delta\":{\"reasoning_details\":[{\"type\":\"reasoning.summary\",\"summary\":\"sum\"}]}}]}\n\n\
             event: error\ndata:\n\n",
        );
        assert_eq!(t.reasoning, "sum");
        assert!(!t.error.unwrap().message.is_empty());
    }

    #[test]
    fn content_parts_array_and_tool_call_object_arguments() {
        let (t, _) = decode(
            "data: {\"choices\":[{\"delta\":{\"content\":[{\"type\":\"text\",\"text\":\"he\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}},{\"type\":\"text\",\"text\":\"llo\"}]}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}}]}\n\n",
        );
        assert_eq!(t.answer, "hello");
        assert_eq!(t.tool_calls[0].arguments, "{\"a\":1}");
        assert_eq!(t.tool_calls[0].id, "c1");
    }

    #[test]
    fn nested_error_with_string_payload_and_error_event_with_text() {
        let (t, info) = decode("data: {\"error\":\"upstream timeout\"}\n\n");
        assert_eq!(t.error.unwrap().message, "upstream timeout");
        assert!(info.errored);
        let (t, _) = decode("event: error\ndata: plain words\n\n");
        assert_eq!(t.error.unwrap().message, "plain words");
    }

    #[test]
    fn held_content_still_counts_as_progress() {
        let mut d = OpenAiDecoder::new(ThinkTags::ForcedOpen);
        let mut out = Vec::new();
        d.feed(b": keep-alive\n\n", &mut out);
        assert_eq!(d.info().data_events, 0);
        d.feed(
            b"data: {\"choices\":[{\"delta\":{\"content\":\"held\"}}]}\n\n",
            &mut out,
        );
        assert!(out.is_empty());
        assert_eq!(d.info().data_events, 1);
        assert_eq!(d.info().comments, 1);
    }

    #[test]
    fn forced_open_content_is_released_by_finish_reason() {
        let (events, _) = decode_with(
            ThinkTags::ForcedOpen,
            "data: {\"choices\":[{\"delta\":{\"content\":\"plain\"}}]}\n\n\
             data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        );
        assert_eq!(
            events,
            [
                StreamEvent::Answer("plain".into()),
                StreamEvent::Finish(FinishReason::Stop),
            ]
        );
    }

    #[test]
    fn reasoning_field_stops_forced_open_holding() {
        let (events, _) = decode_with(
            ThinkTags::ForcedOpen,
            "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}\n\n\
             data: {\"choices\":[{\"delta\":{\"content\":\"answer\"}}]}\n\n",
        );
        // The answer is emitted on arrival, not at the end.
        let mut d = OpenAiDecoder::new(ThinkTags::ForcedOpen);
        let mut out = Vec::new();
        d.feed(b"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"answer\"}}]}\n\n", &mut out);
        assert_eq!(out, events);
        assert_eq!(out.last(), Some(&StreamEvent::Answer("answer".into())));
    }

    #[test]
    fn request_id_prefers_request_id_over_chunk_id() {
        let (_, info) = decode(
            "data: {\"id\":\"chatcmpl-1\",\"choices\":[]}\n\ndata: {\"id\":\"chatcmpl-1\",\"request_id\":\"rq\",\"choices\":[]}\n\n",
        );
        assert_eq!(info.request_id.as_deref(), Some("rq"));
    }
}
