//! The conversation: turns, their answer variants, and the settings, usage and timings each
//! variant was produced with. Plain data that serializes; no terminal types, no secrets.

pub mod markdown;
pub mod proof;
pub mod store;
pub mod tokens;

use serde::{Deserialize, Serialize};

use crate::catalog::Price;
use crate::provider::client::{Failure, RunEnd, RunOutcome};
use crate::provider::plan::{Resolved, ThinkingSettings};
use crate::provider::request::Message;
use crate::provider::{FinishReason, StreamEvent, Transcript};

/// The settings a variant was (or will be) sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSettings {
    pub provider: String,
    pub model: String,
    /// As the user chose them.
    pub thinking: ThinkingSettings,
    /// As they went on the wire.
    pub resolved: Resolved,
    pub max_tokens: Option<u32>,
}

/// Where a variant stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum Status {
    /// Sent, nothing back yet (or retrying).
    Waiting,
    Streaming,
    Complete,
    Cancelled,
    /// The server reported an error.
    Failed(String),
    /// Connection lost, stalled or cut short; the partial text is kept.
    Interrupted(String),
}

impl Status {
    pub fn is_running(&self) -> bool {
        matches!(self, Status::Waiting | Status::Streaming)
    }
}

/// Time measurements in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingsMs {
    pub ttft: Option<u64>,
    pub reasoning: Option<u64>,
    pub answer: Option<u64>,
    pub total: Option<u64>,
}

/// The exact request that was sent (URL, headers without the key, body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
    /// An `Authorization` header was sent (its value is never recorded).
    #[serde(default)]
    pub authorized: bool,
}

/// One answer to a prompt. Regenerating adds another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: u64,
    pub settings: MessageSettings,
    /// Reasoning, answer, tool calls, usage, finish reason and error, as streamed.
    #[serde(flatten)]
    pub reply: Transcript,
    pub status: Status,
    pub timings: TimingsMs,
    pub request: Option<RequestRecord>,
    /// Retries before the stream started.
    #[serde(default)]
    pub retries: u32,
    /// Malformed chunks skipped by the decoder.
    #[serde(default)]
    pub malformed: u32,
    /// Unix time in milliseconds when it was sent.
    pub started_at_ms: u64,
    /// Cost in USD, from the catalog prices and the reported usage.
    pub cost_usd: Option<f64>,
    /// Unix milliseconds of the first reasoning or answer text, and of the first answer text
    /// (for live timers while streaming).
    #[serde(default)]
    pub first_token_at_ms: Option<u64>,
    #[serde(default)]
    pub first_answer_at_ms: Option<u64>,
    /// Estimated tokens of earlier reasoning sent back with `preserve_thinking`.
    #[serde(default)]
    pub preserved_tokens: Option<u64>,
}

impl Variant {
    pub fn new(id: u64, settings: MessageSettings, started_at_ms: u64) -> Variant {
        Variant {
            id,
            settings,
            reply: Transcript::default(),
            status: Status::Waiting,
            timings: TimingsMs::default(),
            request: None,
            retries: 0,
            malformed: 0,
            started_at_ms,
            cost_usd: None,
            first_token_at_ms: None,
            first_answer_at_ms: None,
            preserved_tokens: None,
        }
    }

    /// Fold one stream event in.
    pub fn apply(&mut self, event: &StreamEvent) {
        if matches!(self.status, Status::Waiting) {
            self.status = Status::Streaming;
        }
        self.reply.apply(event);
    }

    /// [`Variant::apply`], noting when the first text (and the first answer text) arrived,
    /// at `now_ms`.
    pub fn apply_at(&mut self, event: &StreamEvent, now_ms: u64) {
        match event {
            StreamEvent::Reasoning(_) => {
                self.first_token_at_ms.get_or_insert(now_ms);
            }
            StreamEvent::Answer(_) | StreamEvent::ToolCall(_) => {
                self.first_token_at_ms.get_or_insert(now_ms);
                self.first_answer_at_ms.get_or_insert(now_ms);
            }
            _ => {}
        }
        self.apply(event);
    }

    /// Reasoning tokens: the server's figure when it gave one, else an estimate from the text.
    pub fn reasoning_tokens(&self) -> (u64, bool) {
        let usage = self.reply.usage.as_ref();
        match (usage.and_then(|u| u.reasoning_tokens), usage) {
            (Some(n), _) => (n, true),
            // Usage arrived without a breakdown for a message that did not think and said
            // nothing: there was no reasoning.
            (None, Some(_))
                if self.settings.resolved.thinks == Some(false)
                    && self.reply.reasoning.is_empty() =>
            {
                (0, true)
            }
            _ => (tokens::estimate(&self.reply.reasoning), false),
        }
    }

    /// Output tokens (reasoning + answer): the server's figure when it gave one, else an
    /// estimate.
    pub fn output_tokens(&self) -> (u64, bool) {
        match self.reply.usage.as_ref().and_then(|u| u.output_tokens) {
            Some(n) => (n, true),
            None => (
                self.reasoning_tokens().0 + tokens::estimate(&self.reply.answer),
                false,
            ),
        }
    }

    /// Fold how its run ended into the variant: timings, cost at `price`, status. Returns
    /// the failure to tell the user about (with `unauthorized_hint` after a 401), if any.
    pub fn finish(
        &mut self,
        outcome: &RunOutcome,
        price: Option<Price>,
        unauthorized_hint: &str,
    ) -> Option<String> {
        let ms = |d: Option<std::time::Duration>| d.map(|d| d.as_millis() as u64);
        let t = &outcome.timings;
        self.timings = TimingsMs {
            ttft: ms(t.ttft),
            reasoning: ms(t.reasoning),
            answer: ms(t.answer),
            total: ms(Some(t.total)),
        };
        self.malformed = outcome.info.malformed;
        self.cost_usd = cost_usd(price, &self.settings.resolved, &self.reply);
        let (status, failure) = match &outcome.end {
            RunEnd::Complete => (Status::Complete, None),
            RunEnd::Cancelled => (Status::Cancelled, None),
            RunEnd::Failed(Failure::Api(e)) => {
                let mut text = e.to_string();
                if e.status == Some(401) {
                    text.push_str(". ");
                    text.push_str(unauthorized_hint);
                }
                self.reply.error = Some(e.clone());
                (Status::Failed(text.clone()), Some(text))
            }
            RunEnd::Failed(f) => {
                let text = f.to_string();
                let status = match f {
                    Failure::Network(_) => Status::Failed(text.clone()),
                    _ => Status::Interrupted(text.clone()),
                };
                (status, Some(format!("{text}; the partial answer is kept")))
            }
        };
        self.status = status;
        failure
    }

    /// Whether the output is billed at the thinking price (see [`billed_as_thinking`]).
    pub fn billed_as_thinking(&self) -> bool {
        billed_as_thinking(&self.settings.resolved, &self.reply)
    }

    /// For an answer cut off by the output limit: a thinking budget that leaves room for the
    /// answer (half of what the reasoning used, at least 128 tokens).
    pub fn roomier_budget(&self) -> u32 {
        let used = self.reasoning_tokens().0;
        let base = match self.settings.resolved.budget {
            Some(b) => used.min(b as u64),
            None => used,
        };
        (base / 2).clamp(128, u32::MAX as u64) as u32
    }

    /// The budget ran out while thinking, or the output ended at the length limit with little
    /// or no answer.
    pub fn budget_trouble(&self) -> Option<BudgetTrouble> {
        if self.status.is_running() {
            return None;
        }
        let (used, exact) = self.reasoning_tokens();
        if let Some(b) = self.settings.resolved.budget
            && exact
            && used >= b as u64
        {
            return Some(BudgetTrouble::BudgetSpent { budget: b });
        }
        if self.reply.finish == Some(FinishReason::Length)
            && tokens::estimate(&self.reply.answer) < 16
        {
            return Some(BudgetTrouble::LengthWithoutAnswer);
        }
        None
    }
}

/// Whether a reply is billed at the thinking price: it was sent in thinking mode, and reasoning
/// happened (by the server's count, or by the text when it gave none).
pub fn billed_as_thinking(resolved: &Resolved, reply: &Transcript) -> bool {
    resolved.thinks != Some(false)
        && match reply.usage.as_ref().and_then(|u| u.reasoning_tokens) {
            Some(n) => n > 0,
            None => !reply.reasoning.is_empty(),
        }
}

/// What a reply cost in USD at `price`, once the server reported its usage.
pub fn cost_usd(price: Option<Price>, resolved: &Resolved, reply: &Transcript) -> Option<f64> {
    let (p, u) = (price?, reply.usage.as_ref()?);
    Some(p.cost(
        u.input_tokens?,
        u.output_tokens?,
        billed_as_thinking(resolved, reply),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetTrouble {
    /// Reasoning used the whole thinking budget (the model had to stop thinking).
    BudgetSpent { budget: u32 },
    /// `finish_reason: length` with little or no answer: the output went on thinking.
    LengthWithoutAnswer,
}

/// A prompt and its answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub id: u64,
    pub prompt: String,
    pub variants: Vec<Variant>,
    /// The variant shown and carried forward in history.
    pub active: usize,
}

impl Turn {
    pub fn active(&self) -> Option<&Variant> {
        self.variants.get(self.active)
    }
}

/// The whole conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub system: Option<String>,
    pub turns: Vec<Turn>,
    next_id: u64,
}

impl Conversation {
    /// A conversation of these turns (read back from storage, say) that hands out only ids
    /// above every turn and variant id in it.
    pub fn from_parts(system: Option<String>, turns: Vec<Turn>) -> Conversation {
        let next_id = turns
            .iter()
            .flat_map(|t| std::iter::once(t.id).chain(t.variants.iter().map(|v| v.id)))
            .max()
            .unwrap_or(0);
        Conversation {
            system,
            turns,
            next_id,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Add a prompt; returns the turn index.
    pub fn push_turn(&mut self, prompt: String) -> usize {
        let id = self.next_id();
        self.push_turn_as(prompt, id)
    }

    /// Add a variant to turn `t` and make it active; returns its id.
    pub fn push_variant(&mut self, t: usize, settings: MessageSettings, now_ms: u64) -> u64 {
        let id = self.next_id();
        self.push_variant_as(t, id, settings, now_ms);
        id
    }

    /// Add a prompt as turn `id` (from another conversation's counter, like
    /// [`Conversation::push_variant_as`]); returns the turn index.
    pub fn push_turn_as(&mut self, prompt: String, id: u64) -> usize {
        self.ids_above(id);
        self.turns.push(Turn {
            id,
            prompt,
            variants: Vec::new(),
            active: 0,
        });
        self.turns.len() - 1
    }

    /// Add a variant with id `id` (from another conversation's counter: the app keeps run ids
    /// unique across every conversation it shows) and make it active.
    pub fn push_variant_as(&mut self, t: usize, id: u64, settings: MessageSettings, now_ms: u64) {
        self.ids_above(id);
        let turn = &mut self.turns[t];
        turn.variants.push(Variant::new(id, settings, now_ms));
        turn.active = turn.variants.len() - 1;
    }

    /// Hand out only ids above `id` from now on.
    pub fn ids_above(&mut self, id: u64) {
        self.next_id = self.next_id.max(id);
    }

    /// The highest id handed out so far.
    pub fn last_id(&self) -> u64 {
        self.next_id
    }

    pub fn find_variant(&self, id: u64) -> Option<(usize, usize)> {
        self.turns.iter().enumerate().find_map(|(t, turn)| {
            turn.variants
                .iter()
                .position(|v| v.id == id)
                .map(|v| (t, v))
        })
    }

    pub fn variant_mut(&mut self, id: u64) -> Option<&mut Variant> {
        let (t, v) = self.find_variant(id)?;
        Some(&mut self.turns[t].variants[v])
    }

    pub fn variant(&self, id: u64) -> Option<&Variant> {
        let (t, v) = self.find_variant(id)?;
        Some(&self.turns[t].variants[v])
    }

    /// The messages to send for turn `t`: the system prompt, every earlier turn with its
    /// active answer (and reasoning, which the request builder keeps or drops per dialect),
    /// then turn `t`'s prompt.
    pub fn history_for(&self, t: usize) -> Vec<Message> {
        let mut out = Vec::new();
        if let Some(s) = &self.system {
            out.push(Message::system(s.clone()));
        }
        for turn in &self.turns[..t] {
            let Some(v) = turn.active() else { continue };
            // A turn that produced no answer at all is left out with its prompt, so the
            // history never holds an empty assistant message.
            if v.reply.answer.trim().is_empty() && v.reply.tool_calls.is_empty() {
                continue;
            }
            out.push(Message::user(turn.prompt.clone()));
            let reasoning = (!v.reply.reasoning.is_empty()).then(|| v.reply.reasoning.clone());
            let mut m = Message::assistant(v.reply.answer.clone(), reasoning);
            m.tool_calls = v.reply.tool_calls.clone();
            out.push(m);
        }
        out.push(Message::user(self.turns[t].prompt.clone()));
        out
    }

    /// Totals over the active variant of every turn.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for v in self.turns.iter().flat_map(|t| t.variants.iter()) {
            t.messages += 1;
            if let Some(u) = &v.reply.usage {
                t.input += u.input_tokens.unwrap_or(0);
                t.output += u.output_tokens.unwrap_or(0);
                t.reasoning += u.reasoning_tokens.unwrap_or(0);
            }
            if let Some(c) = v.cost_usd {
                t.cost += c;
                t.priced += 1;
            }
        }
        t
    }
}

/// A compare column as it is kept: its target, how many turns of the conversation it began
/// with (the shared start), and its own conversation (that start, then its own turns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnRecord {
    /// The target as text (`MODEL[@think=on|off][,budget=N]…`).
    pub target: String,
    pub base: usize,
    pub conversation: Conversation,
}

/// Session totals (every variant, since every variant was billed).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub messages: u64,
    pub input: u64,
    pub output: u64,
    pub reasoning: u64,
    pub cost: f64,
    /// How many variants had a price.
    pub priced: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::request::Role;

    fn settings() -> MessageSettings {
        MessageSettings {
            provider: "demo".into(),
            model: "qwen3.7-plus".into(),
            thinking: ThinkingSettings::default(),
            resolved: Resolved::default(),
            max_tokens: None,
        }
    }

    #[test]
    fn history_carries_active_answers_and_their_reasoning() {
        let mut c = Conversation::default();
        let t0 = c.push_turn("first".into());
        let v0 = c.push_variant(t0, settings(), 0);
        c.variant_mut(v0)
            .unwrap()
            .apply(&StreamEvent::Reasoning("hmm".into()));
        c.variant_mut(v0)
            .unwrap()
            .apply(&StreamEvent::Answer("one".into()));
        let v1 = c.push_variant(t0, settings(), 0);
        c.variant_mut(v1)
            .unwrap()
            .apply(&StreamEvent::Answer("uno".into()));
        let t1 = c.push_turn("second".into());
        let h = c.history_for(t1);
        assert_eq!(h.len(), 3);
        assert_eq!(h[1].content, "uno", "the active (latest) variant");
        assert_eq!(h[1].reasoning, None);
        c.turns[0].active = 0;
        let h = c.history_for(t1);
        assert_eq!((h[1].role, h[1].content.as_str()), (Role::Assistant, "one"));
        assert_eq!(h[1].reasoning.as_deref(), Some("hmm"));
    }

    #[test]
    fn rebuilt_conversation_hands_out_fresh_ids() {
        let mut c = Conversation::default();
        let t = c.push_turn_as("q".into(), 7);
        c.push_variant_as(t, 41, settings(), 0);
        let mut back = Conversation::from_parts(None, c.turns.clone());
        assert_eq!(back.last_id(), 41);
        assert_eq!(back.next_id(), 42);
        assert_eq!(Conversation::from_parts(None, Vec::new()).last_id(), 0);
    }

    #[test]
    fn conversation_round_trips_through_json() {
        let mut c = Conversation::default();
        let t = c.push_turn("q".into());
        let v = c.push_variant(t, settings(), 5);
        c.variant_mut(v)
            .unwrap()
            .apply(&StreamEvent::Answer("a".into()));
        let json = serde_json::to_string(&c).unwrap();
        let back: Conversation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }
}
