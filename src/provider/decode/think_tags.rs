//! A streaming splitter for inline `<think>…</think>` inside answer text.
//!
//! Servers without a reasoning parser (or asked for `reasoning_format:"none"`) put the reasoning
//! into `content`, wrapped in `<think>…</think>`; when the chat template already opened the tag
//! ("thinking forced open") only `</think>` arrives. Tags may be split across deltas (`<thi` +
//! `nk>`), so the splitter holds back a possible partial tag until the next delta decides it,
//! and it holds back trailing whitespace so that reasoning and answer come out trimmed at the
//! tag boundaries without waiting for the end of the stream.
//!
//! What is held back, per mode ([`ThinkTags`]):
//!
//! * `Off`: nothing, everything is answer.
//! * `Leading`: at the start, leading whitespace and a prefix of `<think>`; inside the
//!   reasoning, trailing whitespace and a prefix of `</think>`. Content that does not start with
//!   `<think>` streams through as answer at once.
//! * `ForcedOpen`: as `Leading`, and content without a leading `<think>` is held until
//!   `</think>` (everything before it was reasoning) or the end (it was all answer), unless
//!   [`ThinkSplitter::reasoning_field_seen`] says the server reports reasoning separately.

use super::ThinkTags;
use crate::provider::StreamEvent;

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing but whitespace (and maybe part of `<think>`) seen yet.
    Start,
    /// Between `<think>` and `</think>`.
    Thinking,
    /// `ForcedOpen`: content did not start with `<think>`; waiting for `</think>` or the end.
    Undecided,
    /// After `</think>`: answer text, its leading whitespace still to be dropped.
    AnswerStart,
    /// Everything else is answer and passes straight through.
    Answer,
}

/// Splits streamed content into reasoning and answer. See the module documentation.
#[derive(Debug, Clone)]
pub struct ThinkSplitter {
    mode: ThinkTags,
    state: State,
    /// Text held back (see the module documentation).
    held: String,
    /// `Undecided`: `held[..searched]` is known not to contain the start of `</think>`.
    searched: usize,
    /// `Thinking`: nothing has been emitted yet, so leading whitespace is still dropped.
    trim_lead: bool,
}

impl ThinkSplitter {
    pub fn new(mode: ThinkTags) -> Self {
        ThinkSplitter {
            mode,
            state: if mode == ThinkTags::Off {
                State::Answer
            } else {
                State::Start
            },
            held: String::new(),
            searched: 0,
            trim_lead: false,
        }
    }

    pub fn mode(&self) -> ThinkTags {
        self.mode
    }

    /// Whether text is being held back at the moment.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Feed the next content delta; complete pieces are appended to `out`.
    pub fn push(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        if text.is_empty() {
            return;
        }
        match self.state {
            State::Answer => answer(out, text),
            State::AnswerStart => self.answer_start(text, out),
            State::Start => {
                self.held.push_str(text);
                self.start(out);
            }
            State::Thinking => {
                self.held.push_str(text);
                self.thinking(out);
            }
            State::Undecided => {
                self.held.push_str(text);
                self.undecided(out);
            }
        }
    }

    /// The server has sent a real reasoning field: content is not going to carry the reasoning,
    /// so stop holding text back. Held undecided text is released as answer.
    pub fn reasoning_field_seen(&mut self, out: &mut Vec<StreamEvent>) {
        if matches!(self.state, State::Start | State::Undecided) {
            let held = std::mem::take(&mut self.held);
            answer(out, &held);
            self.state = State::Answer;
        }
    }

    /// The content is complete: release everything still held.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        let held = std::mem::take(&mut self.held);
        match self.state {
            // No closing tag ever came: the reasoning simply ended (trailing whitespace trimmed;
            // a partial `</think>` is literal text).
            State::Thinking => {
                let text = held.trim_end();
                let text = if self.trim_lead {
                    text.trim_start()
                } else {
                    text
                };
                reasoning(out, text);
            }
            // Whitespace or a lone `<thi`, or forced-open text that never saw `</think>`: answer.
            State::Start | State::Undecided => answer(out, &held),
            State::AnswerStart | State::Answer => {}
        }
        self.searched = 0;
        self.state = if self.mode == ThinkTags::Off {
            State::Answer
        } else {
            State::Start
        };
    }

    fn start(&mut self, out: &mut Vec<StreamEvent>) {
        let trimmed = self.held.trim_start();
        if trimmed.is_empty() {
            return;
        }
        if let Some(rest) = trimmed.strip_prefix(OPEN) {
            let rest = rest.to_string();
            self.held.clear();
            self.state = State::Thinking;
            self.trim_lead = true;
            self.held.push_str(&rest);
            self.thinking(out);
        } else if OPEN.starts_with(trimmed) {
            // Could still become `<think>`.
        } else if self.mode == ThinkTags::ForcedOpen {
            self.state = State::Undecided;
            self.searched = 0;
            self.undecided(out);
        } else {
            let held = std::mem::take(&mut self.held);
            answer(out, &held);
            self.state = State::Answer;
        }
    }

    fn thinking(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some(i) = self.held.find(CLOSE) {
            let text = self.held[..i].trim_end();
            let text = if self.trim_lead {
                text.trim_start()
            } else {
                text
            };
            reasoning(out, text);
            let rest = self.held[i + CLOSE.len()..].to_string();
            self.held.clear();
            self.state = State::AnswerStart;
            self.answer_start(&rest, out);
            return;
        }
        // Emit what cannot be part of `</think>` or of the whitespace before it.
        let tag_start = self.held.len() - partial_suffix(&self.held, CLOSE);
        let keep_from = self.held[..tag_start].trim_end().len();
        if keep_from == 0 {
            return;
        }
        let emit = &self.held[..keep_from];
        let emit = if self.trim_lead {
            emit.trim_start()
        } else {
            emit
        };
        if !emit.is_empty() {
            self.trim_lead = false;
            reasoning(out, emit);
        }
        self.held.drain(..keep_from);
    }

    fn undecided(&mut self, out: &mut Vec<StreamEvent>) {
        // Resume the search a tag length before the old end, in case the tag straddles it.
        let from = floor_boundary(&self.held, self.searched.saturating_sub(CLOSE.len() - 1));
        if let Some(i) = self.held[from..].find(CLOSE) {
            let i = from + i;
            reasoning(out, self.held[..i].trim());
            let rest = self.held[i + CLOSE.len()..].to_string();
            self.held.clear();
            self.searched = 0;
            self.state = State::AnswerStart;
            self.answer_start(&rest, out);
        } else {
            self.searched = self.held.len();
        }
    }

    fn answer_start(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        let text = text.trim_start();
        if !text.is_empty() {
            self.state = State::Answer;
            answer(out, text);
        }
    }
}

fn answer(out: &mut Vec<StreamEvent>, text: &str) {
    if !text.is_empty() {
        out.push(StreamEvent::Answer(text.to_string()));
    }
}

fn reasoning(out: &mut Vec<StreamEvent>, text: &str) {
    if !text.is_empty() {
        out.push(StreamEvent::Reasoning(text.to_string()));
    }
}

/// The length of the longest proper prefix of `tag` that `text` ends with.
fn partial_suffix(text: &str, tag: &str) -> usize {
    let t = text.as_bytes();
    let g = tag.as_bytes();
    (1..g.len().min(t.len() + 1))
        .rev()
        .find(|&k| t.ends_with(&g[..k]))
        .unwrap_or(0)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (reasoning, answer) after feeding `pieces`, with `field_seen` calls where a piece is None.
    fn run(mode: ThinkTags, pieces: &[&str]) -> (String, String, Vec<StreamEvent>) {
        let mut s = ThinkSplitter::new(mode);
        let mut out = Vec::new();
        for p in pieces {
            s.push(p, &mut out);
        }
        s.finish(&mut out);
        let mut r = String::new();
        let mut a = String::new();
        for e in &out {
            match e {
                StreamEvent::Reasoning(t) => r.push_str(t),
                StreamEvent::Answer(t) => a.push_str(t),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            out.iter().all(
                |e| !matches!(e, StreamEvent::Reasoning(t) | StreamEvent::Answer(t) if t.is_empty())
            ),
            "no empty events"
        );
        (r, a, out)
    }

    fn char_boundaries(s: &str) -> Vec<usize> {
        (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect()
    }

    /// The result for `text` fed whole, one char at a time, and split into two and three pieces
    /// at every pair of char boundaries must be the same.
    fn split_everywhere(mode: ThinkTags, text: &str) -> (String, String) {
        let (r, a, _) = run(mode, &[text]);
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        let (r1, a1, _) = run(mode, &refs);
        assert_eq!((&r1, &a1), (&r, &a), "char at a time: {text:?}");
        let bounds = char_boundaries(text);
        for &i in &bounds {
            for &j in bounds.iter().filter(|&&j| j >= i) {
                let pieces = [&text[..i], &text[i..j], &text[j..]];
                let (r2, a2, _) = run(mode, &pieces);
                assert_eq!((&r2, &a2), (&r, &a), "split {i},{j}: {text:?}");
            }
        }
        (r, a)
    }

    #[test]
    fn leading_think_block_any_split() {
        let raw = "<think>\n好的，先算 6×7 🤔，等于 42。\n</think>\n\n答案：**42** ✅";
        for mode in [ThinkTags::Leading, ThinkTags::ForcedOpen] {
            let (r, a) = split_everywhere(mode, raw);
            assert_eq!(r, "好的，先算 6×7 🤔，等于 42。");
            assert_eq!(a, "答案：**42** ✅");
        }
    }

    #[test]
    fn leading_whitespace_before_open_tag() {
        let (r, a) = split_everywhere(ThinkTags::Leading, "  \n<think>a b\n\nc </think>d e ");
        assert_eq!(r, "a b\n\nc");
        assert_eq!(a, "d e ");
    }

    #[test]
    fn forced_open_closing_tag_only() {
        let raw = "用户只打了招呼 👋，简单回应。\n</think>\n\n你好呀！😊";
        let (r, a) = split_everywhere(ThinkTags::ForcedOpen, raw);
        assert_eq!(r, "用户只打了招呼 👋，简单回应。");
        assert_eq!(a, "你好呀！😊");
        // Leading mode does not look for a lone closing tag.
        let (r, a, _) = run(ThinkTags::Leading, &[raw]);
        assert_eq!(r, "");
        assert_eq!(a, raw);
    }

    #[test]
    fn forced_open_without_any_tag_is_all_answer_at_the_end() {
        let raw = " plain answer, no tags < /think";
        let (r, a) = split_everywhere(ThinkTags::ForcedOpen, raw);
        assert_eq!(r, "");
        assert_eq!(a, raw);
        let mut s = ThinkSplitter::new(ThinkTags::ForcedOpen);
        let mut out = Vec::new();
        s.push("held until the end", &mut out);
        assert!(out.is_empty() && s.holding());
    }

    #[test]
    fn leading_plain_text_streams_immediately() {
        let mut s = ThinkSplitter::new(ThinkTags::Leading);
        let mut out = Vec::new();
        s.push("Hello", &mut out);
        assert_eq!(out, [StreamEvent::Answer("Hello".into())]);
        s.push(" <think>", &mut out);
        assert_eq!(out.last(), Some(&StreamEvent::Answer(" <think>".into())));
        // Only a possible tag prefix is held at the start.
        let mut s = ThinkSplitter::new(ThinkTags::Leading);
        let mut out = Vec::new();
        s.push("<th", &mut out);
        assert!(out.is_empty());
        s.push("e", &mut out);
        assert_eq!(out, [StreamEvent::Answer("<the".into())]);
    }

    #[test]
    fn reasoning_streams_while_thinking_holding_only_tail() {
        let mut s = ThinkSplitter::new(ThinkTags::Leading);
        let mut out = Vec::new();
        s.push("<think> one two  ", &mut out);
        assert_eq!(out, [StreamEvent::Reasoning("one two".into())]);
        s.push("three</th", &mut out);
        assert_eq!(out.last(), Some(&StreamEvent::Reasoning("  three".into())));
        s.push("ink>  four", &mut out);
        assert_eq!(out.last(), Some(&StreamEvent::Answer("four".into())));
    }

    #[test]
    fn partial_close_tag_that_turns_out_literal() {
        let (r, a) = split_everywhere(ThinkTags::Leading, "<think>a </thinx b</think>c");
        assert_eq!(r, "a </thinx b");
        assert_eq!(a, "c");
        // Never closed: all reasoning, a dangling partial tag is literal text.
        let (r, a) = split_everywhere(ThinkTags::Leading, "<think> a </thi");
        assert_eq!(r, "a </thi");
        assert_eq!(a, "");
    }

    #[test]
    fn empty_think_block() {
        let (r, a) = split_everywhere(ThinkTags::ForcedOpen, "<think>\n\n</think>\n\nanswer");
        assert_eq!(r, "");
        assert_eq!(a, "answer");
        let (r, a) = split_everywhere(ThinkTags::ForcedOpen, "</think>answer");
        assert_eq!((r.as_str(), a.as_str()), ("", "answer"));
    }

    #[test]
    fn reasoning_field_releases_held_text() {
        let mut s = ThinkSplitter::new(ThinkTags::ForcedOpen);
        let mut out = Vec::new();
        s.push("held", &mut out);
        assert!(out.is_empty());
        s.reasoning_field_seen(&mut out);
        assert_eq!(out, [StreamEvent::Answer("held".into())]);
        s.push(" next </think> x", &mut out);
        assert_eq!(
            out.last(),
            Some(&StreamEvent::Answer(" next </think> x".into()))
        );
        assert!(!s.holding());
    }

    #[test]
    fn off_passes_everything_through() {
        let (r, a) = split_everywhere(ThinkTags::Off, "<think>x</think>y");
        assert_eq!(r, "");
        assert_eq!(a, "<think>x</think>y");
    }

    #[test]
    fn partial_suffix_lengths() {
        assert_eq!(partial_suffix("abc</th", CLOSE), 4);
        assert_eq!(partial_suffix("abc<", CLOSE), 1);
        assert_eq!(partial_suffix("abc", CLOSE), 0);
        assert_eq!(partial_suffix("</think", CLOSE), 7);
        assert_eq!(partial_suffix("", CLOSE), 0);
    }
}
