//! The OpenAI-compatible wire shapes (protocols.md §1.4), as in the `dashscope-openai-*.sse`
//! fixtures: `data: ` with a space, a blank line after each event, `data: [DONE]` at the end.

use bytes::Bytes;
use serde::{Serialize, Serializer};

use super::plan::Plan;
use super::stream::{Encoder, Kind};
use super::wire_error::{WireError, to_json};

/// A JSON field that can be missing, `null`, or a string.
#[derive(Clone, Copy)]
enum Field<'a> {
    Absent,
    Null,
    Text(&'a str),
}

impl Field<'_> {
    fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(t) => s.serialize_str(t),
            Field::Absent | Field::Null => s.serialize_none(),
        }
    }
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Field::is_absent")]
    content: Field<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Field::is_absent")]
    reasoning_content: Field<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Choice<'a> {
    Streaming {
        delta: Delta<'a>,
        index: u32,
        logprobs: Option<()>,
        finish_reason: Option<&'static str>,
    },
    Finished {
        finish_reason: &'static str,
        delta: Delta<'a>,
        index: u32,
        logprobs: Option<()>,
    },
}

#[derive(Serialize)]
struct Chunk<'a> {
    choices: Vec<Choice<'a>>,
    object: &'static str,
    usage: Option<Usage>,
    created: u64,
    system_fingerprint: Option<()>,
    model: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_tokens_details: Option<ReasoningTokens>,
    prompt_tokens_details: CachedTokens,
}

#[derive(Serialize)]
struct ReasoningTokens {
    reasoning_tokens: u64,
}

#[derive(Serialize)]
struct CachedTokens {
    cached_tokens: u64,
}

fn usage(plan: &Plan) -> Usage {
    Usage {
        prompt_tokens: plan.input_tokens,
        completion_tokens: plan.output_tokens(),
        total_tokens: plan.total_tokens(),
        completion_tokens_details: plan.thinking.then(|| ReasoningTokens {
            reasoning_tokens: plan.reasoning_tokens(),
        }),
        prompt_tokens_details: CachedTokens { cached_tokens: 0 },
    }
}

fn sse(json: &str) -> Bytes {
    Bytes::from(format!("data: {json}\n\n"))
}

const DONE: &[u8] = b"data: [DONE]\n\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Role,
    Reasoning(usize),
    Answer(usize),
    Finish,
    Usage,
    Done,
    End,
}

/// The chunks of one streamed chat completion.
pub(crate) struct OpenAiStream {
    plan: Plan,
    request_id: String,
    completion_id: String,
    created: u64,
    include_usage: bool,
    step: Step,
}

impl OpenAiStream {
    pub fn new(plan: Plan, request_id: &str, created: u64, include_usage: bool) -> OpenAiStream {
        OpenAiStream {
            completion_id: completion_id(request_id),
            request_id: request_id.to_string(),
            plan,
            created,
            include_usage,
            step: Step::Role,
        }
    }

    fn chunk(&self, choice: Option<Choice<'_>>, usage: Option<Usage>) -> Bytes {
        sse(&to_json(&Chunk {
            choices: choice.into_iter().collect(),
            object: "chat.completion.chunk",
            usage,
            created: self.created,
            system_fingerprint: None,
            model: &self.plan.model,
            id: &self.completion_id,
        }))
    }

    fn delta_chunk(&self, delta: Delta<'_>) -> Bytes {
        self.chunk(
            Some(Choice::Streaming {
                delta,
                index: 0,
                logprobs: None,
                finish_reason: None,
            }),
            None,
        )
    }

    /// The delta of the first chunk, or of an answer chunk, in this stream's mode.
    fn role_delta(&self) -> Delta<'static> {
        if self.plan.thinking {
            Delta {
                content: Field::Null,
                role: Some("assistant"),
                reasoning_content: Field::Text(""),
            }
        } else {
            Delta {
                content: Field::Text(""),
                role: Some("assistant"),
                reasoning_content: Field::Absent,
            }
        }
    }

    fn answer_delta<'a>(&self, text: &'a str) -> Delta<'a> {
        Delta {
            content: Field::Text(text),
            role: None,
            reasoning_content: if self.plan.thinking {
                Field::Null
            } else {
                Field::Absent
            },
        }
    }
}

/// `chatcmpl-<request id>`, as the real service does.
pub(crate) fn completion_id(request_id: &str) -> String {
    format!("chatcmpl-{request_id}")
}

impl OpenAiStream {
    /// Skip phases with nothing left to send.
    fn settle(&mut self) {
        loop {
            self.step = match self.step {
                Step::Reasoning(i) if i >= self.plan.reasoning.len() => Step::Answer(0),
                Step::Answer(i) if i >= self.plan.answer.len() => Step::Finish,
                _ => return,
            };
        }
    }
}

impl Encoder for OpenAiStream {
    fn upcoming(&mut self) -> Option<Kind> {
        self.settle();
        match self.step {
            Step::Role => Some(Kind::HEAD),
            Step::Reasoning(_) | Step::Answer(_) => Some(Kind::TOKEN),
            Step::Finish | Step::Usage | Step::Done => Some(Kind::TAIL),
            Step::End => None,
        }
    }

    fn next_frame(&mut self) -> Option<Bytes> {
        self.settle();
        let plan = &self.plan;
        let (bytes, next) = match self.step {
            Step::Role => (self.delta_chunk(self.role_delta()), Step::Reasoning(0)),
            Step::Reasoning(i) => {
                let delta = Delta {
                    content: Field::Null,
                    role: None,
                    reasoning_content: Field::Text(&plan.reasoning[i]),
                };
                (self.delta_chunk(delta), Step::Reasoning(i + 1))
            }
            Step::Answer(i) => (
                self.delta_chunk(self.answer_delta(&plan.answer[i])),
                Step::Answer(i + 1),
            ),
            Step::Finish => {
                let choice = Choice::Finished {
                    finish_reason: plan.finish,
                    delta: self.answer_delta(""),
                    index: 0,
                    logprobs: None,
                };
                let next = if self.include_usage {
                    Step::Usage
                } else {
                    Step::Done
                };
                (self.chunk(Some(choice), None), next)
            }
            Step::Usage => (self.chunk(None, Some(usage(plan))), Step::Done),
            Step::Done => (Bytes::from_static(DONE), Step::End),
            Step::End => return None,
        };
        self.step = next;
        Some(bytes)
    }

    fn malformed_frame(&mut self) -> Bytes {
        // The next real chunk, cut off in the middle of its JSON (on a character boundary).
        let whole = self.delta_chunk(self.answer_delta("…"));
        let text = String::from_utf8_lossy(&whole);
        let json = text.trim_start_matches("data: ").trim_end();
        let mut cut = json.len() / 2;
        while !json.is_char_boundary(cut) {
            cut -= 1;
        }
        Bytes::from(format!("data: {}\n\n", &json[..cut]))
    }

    fn error_frames(&mut self, err: &WireError) -> Vec<Bytes> {
        vec![
            sse(&err.openai_stream_json(&self.completion_id, &self.request_id)),
            Bytes::from_static(DONE),
        ]
    }
}

#[derive(Serialize)]
struct Completion<'a> {
    choices: [CompletionChoice<'a>; 1],
    object: &'static str,
    usage: Usage,
    created: u64,
    system_fingerprint: Option<()>,
    model: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    message: CompletionMessage<'a>,
    finish_reason: &'static str,
    index: u32,
    logprobs: Option<()>,
}

#[derive(Serialize)]
struct CompletionMessage<'a> {
    role: &'static str,
    content: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
}

/// A non-streaming `chat.completion` body.
pub(crate) fn completion_body(plan: &Plan, request_id: &str, created: u64) -> String {
    let answer = plan.answer.concat();
    let reasoning = plan.reasoning.concat();
    to_json(&Completion {
        choices: [CompletionChoice {
            message: CompletionMessage {
                role: "assistant",
                content: &answer,
                reasoning_content: plan.thinking.then_some(reasoning.as_str()),
            },
            finish_reason: plan.finish,
            index: 0,
            logprobs: None,
        }],
        object: "chat.completion",
        usage: usage(plan),
        created,
        system_fingerprint: None,
        model: &plan.model,
        id: &completion_id(request_id),
    })
}

#[derive(Serialize)]
struct ModelList<'a> {
    object: &'static str,
    data: Vec<ModelEntry<'a>>,
}

#[derive(Serialize)]
struct ModelEntry<'a> {
    id: &'a str,
    object: &'static str,
    owned_by: &'static str,
}

/// `GET /compatible-mode/v1/models`.
pub(crate) fn models_body(names: &[&str]) -> String {
    to_json(&ModelList {
        object: "list",
        data: names
            .iter()
            .map(|id| ModelEntry {
                id,
                object: "model",
                owned_by: "system",
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(thinking: bool) -> Plan {
        Plan {
            model: "qwen-plus".into(),
            thinking,
            reasoning: if thinking {
                vec!["用户".into(), "问 🧮".into()]
            } else {
                vec![]
            },
            answer: vec!["1+1".into(), " = 2".into()],
            finish: "stop",
            input_tokens: 14,
        }
    }

    fn all(mut s: OpenAiStream) -> Vec<String> {
        std::iter::from_fn(|| s.next_frame())
            .map(|f| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn thinking_stream_matches_the_fixture_shape() {
        let frames = all(OpenAiStream::new(plan(true), "rid", 1767225600, true));
        let tail = r#""object":"chat.completion.chunk","usage":null,"created":1767225600,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-rid"}"#;
        assert_eq!(
            frames[0],
            format!(
                "data: {{\"choices\":[{{\"delta\":{{\"content\":null,\"role\":\"assistant\",\"reasoning_content\":\"\"}},\"index\":0,\"logprobs\":null,\"finish_reason\":null}}],{tail}\n\n"
            )
        );
        assert_eq!(
            frames[1],
            format!(
                "data: {{\"choices\":[{{\"delta\":{{\"content\":null,\"reasoning_content\":\"用户\"}},\"index\":0,\"logprobs\":null,\"finish_reason\":null}}],{tail}\n\n"
            )
        );
        assert!(frames[3].contains(r#""delta":{"content":"1+1","reasoning_content":null}"#));
        assert!(frames[5].starts_with(
            r#"data: {"choices":[{"finish_reason":"stop","delta":{"content":"","reasoning_content":null},"index":0,"logprobs":null}]"#
        ));
        assert!(frames[6].starts_with(
            r#"data: {"choices":[],"object":"chat.completion.chunk","usage":{"prompt_tokens":14,"completion_tokens":4,"total_tokens":18,"completion_tokens_details":{"reasoning_tokens":2},"prompt_tokens_details":{"cached_tokens":0}},"created""#
        ));
        assert_eq!(frames[7], "data: [DONE]\n\n");
        assert_eq!(frames.len(), 8);
    }

    #[test]
    fn plain_stream_has_no_reasoning_key_and_optional_usage() {
        let frames = all(OpenAiStream::new(plan(false), "rid", 1, false));
        assert!(frames[0].contains(r#""delta":{"content":"","role":"assistant"},"#));
        assert!(frames[1].contains(r#""delta":{"content":"1+1"},"#));
        assert!(frames.iter().all(|f| !f.contains("reasoning")));
        assert!(frames.iter().all(|f| !f.contains("\"usage\":{")));
        assert_eq!(frames.len(), 5);
    }

    #[test]
    fn completion_body_shape() {
        let body = completion_body(&plan(false), "rid", 5);
        assert_eq!(
            body,
            r#"{"choices":[{"message":{"role":"assistant","content":"1+1 = 2"},"finish_reason":"stop","index":0,"logprobs":null}],"object":"chat.completion","usage":{"prompt_tokens":14,"completion_tokens":2,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":0}},"created":5,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-rid"}"#
        );
    }

    #[test]
    fn malformed_frame_is_broken_json() {
        let mut s = OpenAiStream::new(plan(true), "rid", 1, true);
        let b = s.malformed_frame();
        let text = std::str::from_utf8(&b).unwrap();
        let json = text.strip_prefix("data: ").unwrap().trim_end();
        assert!(serde_json::from_str::<serde_json::Value>(json).is_err());
        assert!(text.ends_with("\n\n"));
    }
}
