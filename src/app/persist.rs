//! The persister: after each turn of the event loop it looks at the state and sends what
//! changed to the session store's writer thread, as [`Op`]s on a channel, so the loop never
//! touches the disk. A finished answer is sent when it ends; a streaming one at most every
//! [`SNAPSHOT_EVERY`], so a crash loses at most that much of a stream.
//!
//! It only reads the state: which session is open is [`State::session`]; opening another one
//! starts it afresh, taking what was read back as already stored.

use std::collections::HashMap;
use std::time::Instant;

use crate::app::state::State;
use crate::app::state::compare::Compare;
use crate::session::store::{Op, SessionMeta, TurnRecord, Writer, snapshot_every};
use crate::session::{Conversation, Status, Variant};

/// What was last sent of a variant.
#[derive(Debug, Clone, Copy, PartialEq)]
struct VariantMark {
    status: u8,
    answer: usize,
    reasoning: usize,
    usage: bool,
    cost: Option<u64>,
}

impl VariantMark {
    fn of(v: &Variant) -> VariantMark {
        VariantMark {
            status: match v.status {
                Status::Waiting => 0,
                Status::Streaming => 1,
                Status::Complete => 2,
                Status::Cancelled => 3,
                Status::Failed(_) => 4,
                Status::Interrupted(_) => 5,
            },
            answer: v.reply.answer.len(),
            reasoning: v.reply.reasoning.len(),
            usage: v.reply.usage.is_some(),
            cost: v.cost_usd.map(f64::to_bits),
        }
    }
}

/// What was last sent of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TurnMark {
    position: usize,
    active: usize,
    prompt: usize,
}

/// The lane of the conversation (`None`) or a stored compare column.
type Lane = Option<usize>;

#[derive(Default)]
struct Marks {
    session: String,
    meta: Option<(String, String, Option<String>)>,
    turns: HashMap<(Lane, u64), TurnMark>,
    variants: HashMap<(Lane, u64), (VariantMark, Instant)>,
    /// Stored column number of each (comparison id, column index).
    columns: HashMap<(u64, usize), usize>,
    next_column: usize,
    /// A streaming variant changed since it was last sent (it is due later).
    behind: bool,
}

/// Feeds the writer from the state.
pub struct Persister {
    writer: Option<Writer>,
    marks: Marks,
    /// Ops sent so far (for tests and the stats).
    pub sent: u64,
}

impl Persister {
    /// A persister that writes through `writer` (`None`: sessions are not stored).
    pub fn new(writer: Option<Writer>) -> Persister {
        Persister {
            writer,
            marks: Marks::default(),
            sent: 0,
        }
    }

    pub fn writer(&self) -> Option<&Writer> {
        self.writer.as_ref()
    }

    /// Whether a streaming answer has changes not sent yet (the loop should come back).
    pub fn behind(&self) -> bool {
        self.marks.behind
    }

    /// Send what changed in `state` since the last call.
    pub fn sync(&mut self, state: &State, now: Instant) {
        let Some(writer) = &self.writer else { return };
        let Some(session) = &state.session else {
            return;
        };
        let mut ops = Vec::new();
        if self.marks.session != session.id {
            // Another session: when it was read back, what is on screen is stored already.
            self.marks = Marks {
                session: session.id.clone(),
                next_column: session.stored_columns,
                ..Marks::default()
            };
            if session.loaded {
                prime(&mut self.marks, state, now);
            }
        }
        let marks = &mut self.marks;
        marks.behind = false;
        let id = &session.id;
        if !state.conversation.turns.is_empty() {
            let meta = meta_of(state);
            if marks.meta.as_ref() != Some(&meta) {
                ops.push(Op::Session {
                    id: id.clone(),
                    meta: SessionMeta {
                        title: None,
                        model: meta.1.clone(),
                        provider: meta.0.clone(),
                        system: meta.2.clone(),
                        created_ms: None,
                    },
                });
                marks.meta = Some(meta);
            }
        }
        conversation(marks, &mut ops, id, None, &state.conversation, 0, now);
        if let Some(c) = &state.compare {
            columns(marks, &mut ops, id, c, now);
        }
        self.sent += ops.len() as u64;
        for op in ops {
            writer.send(op);
        }
    }
}

/// Take everything in `state` as stored already (it was just read back, and nothing has
/// changed since: the loop syncs after each wake-up, and reading back happens in one).
fn prime(marks: &mut Marks, state: &State, now: Instant) {
    let session = state.session.as_ref();
    let mut mark_all = |lane: Lane, c: &Conversation, from: usize| {
        for (position, t) in c.turns.iter().enumerate().skip(from) {
            marks
                .turns
                .insert((lane, t.id), turn_mark(position, t.active, &t.prompt));
            for v in &t.variants {
                marks
                    .variants
                    .insert((lane, v.id), (VariantMark::of(v), now));
            }
        }
    };
    mark_all(None, &state.conversation, 0);
    if let (Some(c), Some((cid, first))) =
        (&state.compare, session.and_then(|s| s.restored_compare))
        && c.id == cid
    {
        for (i, col) in c.columns.iter().enumerate() {
            mark_all(Some(first + i), &col.conversation, col.base);
        }
        for i in 0..c.columns.len() {
            marks.columns.insert((cid, i), first + i);
        }
    }
    if !state.conversation.turns.is_empty() {
        marks.meta = Some(meta_of(state));
    }
}

/// The provider and model the conversation last talked to, and its system prompt.
fn meta_of(state: &State) -> (String, String, Option<String>) {
    let (provider, model) = state
        .conversation
        .turns
        .iter()
        .rev()
        .find_map(|t| t.active())
        .map_or((&state.provider.name, &state.next.model), |v| {
            (&v.settings.provider, &v.settings.model)
        });
    (
        provider.clone(),
        model.clone(),
        state.conversation.system.clone(),
    )
}

fn turn_mark(position: usize, active: usize, prompt: &str) -> TurnMark {
    TurnMark {
        position,
        active,
        prompt: prompt.len(),
    }
}

/// The ops for what changed in one conversation (from turn `from` on).
fn conversation(
    marks: &mut Marks,
    ops: &mut Vec<Op>,
    session: &str,
    lane: Lane,
    c: &Conversation,
    from: usize,
    now: Instant,
) {
    for (position, t) in c.turns.iter().enumerate().skip(from) {
        let mark = turn_mark(position, t.active, &t.prompt);
        if marks.turns.get(&(lane, t.id)) != Some(&mark) {
            ops.push(Op::Turn {
                session: session.to_string(),
                column: lane,
                turn: TurnRecord {
                    id: t.id,
                    position,
                    prompt: t.prompt.clone(),
                    active: t.active,
                },
            });
            marks.turns.insert((lane, t.id), mark);
        }
        for v in &t.variants {
            let mark = VariantMark::of(v);
            let key = (lane, v.id);
            let due = match marks.variants.get(&key) {
                None => true,
                Some((m, _)) if *m == mark => false,
                // A running answer at most every SNAPSHOT_EVERY; a change of state at once.
                Some((m, at)) => {
                    m.status != mark.status
                        || !v.status.is_running()
                        || now.duration_since(*at) >= snapshot_every(v)
                }
            };
            if due {
                ops.push(Op::Variant {
                    session: session.to_string(),
                    column: lane,
                    turn_id: t.id,
                    variant: Box::new(v.clone()),
                });
                marks.variants.insert(key, (mark, now));
            } else if marks.variants.get(&key).is_some_and(|(m, _)| *m != mark) {
                marks.behind = true;
            }
        }
    }
}

/// The ops for the comparison's columns: each new one gets the next stored number.
fn columns(marks: &mut Marks, ops: &mut Vec<Op>, session: &str, c: &Compare, now: Instant) {
    for (i, col) in c.columns.iter().enumerate() {
        let number = match marks.columns.get(&(c.id, i)) {
            Some(n) => *n,
            None => {
                // Stored once it has a turn of its own: a comparison opened and left unused
                // leaves nothing behind.
                if col.conversation.turns.len() <= col.base {
                    continue;
                }
                let n = marks.next_column;
                marks.next_column += 1;
                marks.columns.insert((c.id, i), n);
                ops.push(Op::Column {
                    session: session.to_string(),
                    column: n,
                    target: col.target.to_string(),
                    base: col.base,
                });
                n
            }
        };
        conversation(
            marks,
            ops,
            session,
            Some(number),
            &col.conversation,
            col.base,
            now,
        );
    }
}
