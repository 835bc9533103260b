//! The native DashScope wire shapes (protocols.md §1.5), as in the `dashscope-native-*.sse`
//! fixtures: `id:N`, `event:result`, `:HTTP_STATUS/200`, `data:{…}` (no space), a blank line;
//! `finish_reason` is the string `"null"` until the last event; usage is cumulative.

use bytes::Bytes;
use serde::Serialize;

use super::plan::Plan;
use super::stream::{Encoder, Kind};
use super::wire_error::{WireError, to_json};

/// How the output object looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `output.text` + `output.finish_reason` (`result_format: "text"`).
    Text,
    /// `output.choices[0].message` with a string `content` (text-generation path).
    Message,
    /// `output.choices[0].message` with `content` an array of `{"text":…}` parts
    /// (multimodal-generation path).
    Multimodal,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Content<'a> {
    Text(&'a str),
    Parts(Vec<TextPart<'a>>),
}

#[derive(Serialize)]
struct TextPart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct StreamMessage<'a> {
    content: Content<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    role: &'static str,
}

#[derive(Serialize)]
struct StreamChoice<'a> {
    message: StreamMessage<'a>,
    finish_reason: &'a str,
}

#[derive(Serialize)]
struct FinalMessage<'a> {
    role: &'static str,
    content: Content<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
}

#[derive(Serialize)]
struct FinalChoice<'a> {
    finish_reason: &'a str,
    message: FinalMessage<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Output<'a> {
    Streaming {
        choices: [StreamChoice<'a>; 1],
    },
    Final {
        choices: [FinalChoice<'a>; 1],
    },
    Text {
        text: &'a str,
        finish_reason: &'a str,
    },
}

#[derive(Serialize)]
struct Body<'a> {
    output: Output<'a>,
    usage: Usage,
    request_id: &'a str,
}

#[derive(Serialize)]
struct Usage {
    total_tokens: u64,
    output_tokens: u64,
    input_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_tokens_details: Option<InputDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_tokens_details: Option<OutputDetails>,
}

#[derive(Serialize)]
struct InputDetails {
    text_tokens: u64,
}

#[derive(Serialize)]
struct OutputDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    text_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_tokens: Option<u64>,
}

/// Usage after `reasoning` reasoning tokens and `answer` answer tokens.
fn usage(plan: &Plan, format: Format, reasoning: usize, answer: usize) -> Usage {
    let (reasoning, answer) = (reasoning as u64, answer as u64);
    let multimodal = format == Format::Multimodal;
    let details = OutputDetails {
        text_tokens: multimodal.then_some(answer),
        reasoning_tokens: plan.thinking.then_some(reasoning),
    };
    Usage {
        total_tokens: plan.input_tokens + reasoning + answer,
        output_tokens: reasoning + answer,
        input_tokens: plan.input_tokens,
        input_tokens_details: multimodal.then_some(InputDetails {
            text_tokens: plan.input_tokens,
        }),
        output_tokens_details: (multimodal || plan.thinking).then_some(details),
    }
}

fn content(format: Format, text: &str) -> Content<'_> {
    match format {
        Format::Multimodal if text.is_empty() => Content::Parts(Vec::new()),
        Format::Multimodal => Content::Parts(vec![TextPart { text }]),
        _ => Content::Text(text),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Reasoning(usize),
    Answer(usize),
    Final,
    End,
}

/// The events of one native SSE response.
pub(crate) struct NativeStream {
    plan: Plan,
    request_id: String,
    format: Format,
    incremental: bool,
    step: Step,
    next_id: u64,
    /// Text so far (only kept when not incremental).
    reasoning_so_far: String,
    answer_so_far: String,
}

impl NativeStream {
    pub fn new(plan: Plan, request_id: &str, format: Format, incremental: bool) -> NativeStream {
        NativeStream {
            plan,
            request_id: request_id.to_string(),
            format,
            incremental,
            step: Step::Reasoning(0),
            next_id: 1,
            reasoning_so_far: String::new(),
            answer_so_far: String::new(),
        }
    }

    fn frame_bytes(&mut self, event: &str, status: u16, json: &str) -> Bytes {
        let id = self.next_id;
        self.next_id += 1;
        Bytes::from(format!(
            "id:{id}\nevent:{event}\n:HTTP_STATUS/{status}\ndata:{json}\n\n"
        ))
    }

    /// The JSON of one result event after `r` reasoning and `a` answer tokens, carrying
    /// `reasoning`/`answer` as this event's text.
    fn event_json(
        &self,
        r: usize,
        a: usize,
        reasoning: &str,
        answer: &str,
        finish: &str,
    ) -> String {
        let output = match self.format {
            Format::Text => Output::Text {
                text: answer,
                finish_reason: finish,
            },
            Format::Message | Format::Multimodal => Output::Streaming {
                choices: [StreamChoice {
                    message: StreamMessage {
                        content: content(self.format, answer),
                        reasoning_content: self.plan.thinking.then_some(reasoning),
                        role: "assistant",
                    },
                    finish_reason: finish,
                }],
            },
        };
        to_json(&Body {
            output,
            usage: usage(&self.plan, self.format, r, a),
            request_id: &self.request_id,
        })
    }

    /// The event for the next piece (`reasoning` or answer), respecting `incremental`.
    fn piece_event(
        &mut self,
        r: usize,
        a: usize,
        piece: &str,
        is_reasoning: bool,
        finish: &str,
    ) -> String {
        if self.incremental {
            let (rs, an) = if is_reasoning {
                (piece, "")
            } else {
                ("", piece)
            };
            self.event_json(r, a, rs, an, finish)
        } else {
            if is_reasoning {
                self.reasoning_so_far.push_str(piece);
            } else {
                self.answer_so_far.push_str(piece);
            }
            self.event_json(r, a, &self.reasoning_so_far, &self.answer_so_far, finish)
        }
    }

    fn final_json(&self) -> String {
        let r = self.plan.reasoning.len();
        let a = self.plan.answer.len();
        if self.incremental {
            self.event_json(r, a, "", "", self.plan.finish)
        } else {
            self.event_json(
                r,
                a,
                &self.reasoning_so_far,
                &self.answer_so_far,
                self.plan.finish,
            )
        }
    }
}

impl NativeStream {
    /// Skip phases with nothing left to send.
    fn settle(&mut self) {
        loop {
            self.step = match self.step {
                Step::Reasoning(i) if i >= self.plan.reasoning.len() => Step::Answer(0),
                // On the multimodal path the last answer event finishes the stream.
                Step::Answer(i) if i >= self.plan.answer.len() => {
                    if self.format == Format::Multimodal && i > 0 {
                        Step::End
                    } else {
                        Step::Final
                    }
                }
                _ => return,
            };
        }
    }

    /// Whether answer piece `i` is the multimodal path's last event, which also carries the
    /// finish reason (as in the recorded qwen3.6-plus capture).
    fn finishes_with(&self, i: usize) -> bool {
        self.format == Format::Multimodal && i + 1 == self.plan.answer.len()
    }
}

impl Encoder for NativeStream {
    fn upcoming(&mut self) -> Option<Kind> {
        self.settle();
        match self.step {
            Step::Reasoning(_) => Some(Kind::TOKEN),
            Step::Answer(i) if self.finishes_with(i) => Some(Kind::LAST_TOKEN),
            Step::Answer(_) => Some(Kind::TOKEN),
            Step::Final => Some(Kind::TAIL),
            Step::End => None,
        }
    }

    fn next_frame(&mut self) -> Option<Bytes> {
        self.settle();
        let nr = self.plan.reasoning.len();
        let json = match self.step {
            Step::Reasoning(i) => {
                let piece = self.plan.reasoning[i].clone();
                self.step = Step::Reasoning(i + 1);
                self.piece_event(i + 1, 0, &piece, true, "null")
            }
            Step::Answer(i) => {
                let last = self.finishes_with(i);
                let finish = if last { self.plan.finish } else { "null" };
                let piece = self.plan.answer[i].clone();
                self.step = Step::Answer(i + 1);
                self.piece_event(nr, i + 1, &piece, false, finish)
            }
            Step::Final => {
                self.step = Step::End;
                self.final_json()
            }
            Step::End => return None,
        };
        Some(self.frame_bytes("result", 200, &json))
    }

    fn malformed_frame(&mut self) -> Bytes {
        let json = self.event_json(0, 0, "…", "", "null");
        let mut cut = json.len() / 2;
        while !json.is_char_boundary(cut) {
            cut -= 1;
        }
        self.frame_bytes("result", 200, &json[..cut])
    }

    fn error_frames(&mut self, err: &WireError) -> Vec<Bytes> {
        let json = err.native_json(&self.request_id);
        vec![self.frame_bytes("error", err.status, &json)]
    }
}

/// A non-streaming native body.
pub(crate) fn final_body(plan: &Plan, request_id: &str, format: Format) -> String {
    let answer = plan.answer.concat();
    let reasoning = plan.reasoning.concat();
    let output = match format {
        Format::Text => Output::Text {
            text: &answer,
            finish_reason: plan.finish,
        },
        Format::Message | Format::Multimodal => Output::Final {
            choices: [FinalChoice {
                finish_reason: plan.finish,
                message: FinalMessage {
                    role: "assistant",
                    content: content(format, &answer),
                    reasoning_content: plan.thinking.then_some(reasoning.as_str()),
                },
            }],
        },
    };
    to_json(&Body {
        output,
        usage: usage(plan, format, plan.reasoning.len(), plan.answer.len()),
        request_id,
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
                vec!["嗯".into(), "，猫".into()]
            } else {
                vec![]
            },
            answer: vec!["窗前".into(), "眠".into()],
            finish: "stop",
            input_tokens: 16,
        }
    }

    fn all(mut s: NativeStream) -> Vec<String> {
        std::iter::from_fn(|| s.next_frame())
            .map(|f| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn incremental_thinking_matches_the_fixture_shape() {
        let f = all(NativeStream::new(plan(true), "rid", Format::Message, true));
        assert_eq!(f.len(), 5);
        assert_eq!(
            f[0],
            "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{\"choices\":[{\"message\":{\"content\":\"\",\"reasoning_content\":\"嗯\",\"role\":\"assistant\"},\"finish_reason\":\"null\"}]},\"usage\":{\"total_tokens\":17,\"output_tokens\":1,\"input_tokens\":16,\"output_tokens_details\":{\"reasoning_tokens\":1}},\"request_id\":\"rid\"}\n\n"
        );
        assert!(f[2].contains(r#"{"content":"窗前","reasoning_content":"","role":"assistant"}"#));
        assert!(f[4].starts_with("id:5\n"));
        assert!(f[4].contains(
            r#"{"output":{"choices":[{"message":{"content":"","reasoning_content":"","role":"assistant"},"finish_reason":"stop"}]},"usage":{"total_tokens":20,"output_tokens":4,"input_tokens":16,"output_tokens_details":{"reasoning_tokens":2}}"#
        ));
    }

    #[test]
    fn non_incremental_repeats_the_whole_text() {
        let f = all(NativeStream::new(plan(true), "rid", Format::Message, false));
        assert!(f[1].contains(r#""content":"","reasoning_content":"嗯，猫""#));
        assert!(f[3].contains(r#""content":"窗前眠","reasoning_content":"嗯，猫""#));
        assert!(f[4].contains(r#""content":"窗前眠","reasoning_content":"嗯，猫""#));
        assert!(f[4].contains(r#""finish_reason":"stop""#));
    }

    #[test]
    fn multimodal_content_is_an_array_and_the_last_event_finishes() {
        let f = all(NativeStream::new(
            plan(true),
            "rid",
            Format::Multimodal,
            true,
        ));
        assert_eq!(f.len(), 4);
        assert!(f[0].contains(r#""content":[],"reasoning_content":"嗯""#));
        assert!(f[2].contains(r#""content":[{"text":"窗前"}],"reasoning_content":"""#));
        assert!(f[3].contains(r#""content":[{"text":"眠"}]"#));
        assert!(f[3].contains(r#""finish_reason":"stop""#));
        assert!(f[3].contains(r#""output_tokens_details":{"text_tokens":2,"reasoning_tokens":2}"#));
    }

    #[test]
    fn text_format_and_plain_message() {
        let f = all(NativeStream::new(plan(false), "rid", Format::Text, true));
        assert!(f[0].contains(r#"{"output":{"text":"窗前","finish_reason":"null"},"usage":{"total_tokens":17,"output_tokens":1,"input_tokens":16},"#));
        assert!(f[2].contains(r#"{"output":{"text":"","finish_reason":"stop"}"#));
        let m = all(NativeStream::new(plan(false), "rid", Format::Message, true));
        assert!(m[0].contains(r#""message":{"content":"窗前","role":"assistant"}"#));
    }

    #[test]
    fn error_and_malformed_frames() {
        let mut s = NativeStream::new(plan(true), "rid", Format::Message, true);
        s.next_frame();
        let e = s.error_frames(&WireError::output_inspection());
        assert_eq!(
            String::from_utf8(e[0].to_vec()).unwrap(),
            "id:2\nevent:error\n:HTTP_STATUS/400\ndata:{\"code\":\"DataInspectionFailed\",\"message\":\"Output data may contain inappropriate content.\",\"request_id\":\"rid\"}\n\n"
        );
        let m = String::from_utf8(s.malformed_frame().to_vec()).unwrap();
        let data = m.lines().find_map(|l| l.strip_prefix("data:")).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(data).is_err());
    }

    #[test]
    fn final_bodies() {
        assert_eq!(
            final_body(&plan(false), "rid", Format::Message),
            r#"{"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"窗前眠"}}]},"usage":{"total_tokens":18,"output_tokens":2,"input_tokens":16},"request_id":"rid"}"#
        );
        assert!(
            final_body(&plan(false), "rid", Format::Text)
                .starts_with(r#"{"output":{"text":"窗前眠","finish_reason":"stop"}"#)
        );
        assert!(
            final_body(&plan(false), "rid", Format::Multimodal)
                .contains(r#""content":[{"text":"窗前眠"}]"#)
        );
    }
}
