//! Reading sessions back: the list, one whole session (its conversation and compare
//! columns), and what a crash left running.

use rusqlite::{Connection, OptionalExtension, params};

use super::{CutOff, Recovered, SavedSession, SessionSummary, StoreError};
use crate::session::{ColumnRecord, Conversation, Status, Turn, Variant};

/// Why an answer found still running is marked interrupted on load.
pub const CUT_OFF: &str = "cut off: thinkbench stopped while this answer was streaming";

const SUMMARY: &str = "SELECT s.id, s.title, s.created_ms, s.updated_ms, s.model, s.provider,
        (SELECT count(*) FROM turns t WHERE t.session = s.id AND t.lane = 0),
        (SELECT count(*) FROM variants v WHERE v.session = s.id),
        (SELECT sum(v.cost_usd) FROM variants v WHERE v.session = s.id)
    FROM sessions s";

fn summary(r: &rusqlite::Row) -> rusqlite::Result<SessionSummary> {
    Ok(SessionSummary {
        id: r.get(0)?,
        title: r.get(1)?,
        created_ms: r.get::<_, i64>(2)? as u64,
        updated_ms: r.get::<_, i64>(3)? as u64,
        model: r.get(4)?,
        provider: r.get(5)?,
        turns: r.get::<_, i64>(6)? as u64,
        messages: r.get::<_, i64>(7)? as u64,
        cost_usd: r.get(8)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<SessionSummary>, StoreError> {
    let mut st = conn.prepare_cached(&format!("{SUMMARY} ORDER BY s.updated_ms DESC, s.id"))?;
    let rows = st.query_map([], summary)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn latest_id(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM sessions ORDER BY updated_ms DESC, id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Whether `id` is a session, or was one.
pub fn taken(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sessions WHERE id = ?1 UNION ALL SELECT 1 FROM deleted WHERE id = ?1",
            [id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The session `id` names, whole or as the only id that starts with it.
pub fn resolve(conn: &Connection, id: &str) -> Result<String, StoreError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(StoreError::NotFound(String::new()));
    }
    let mut st = conn.prepare_cached(
        "SELECT id FROM sessions WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 ORDER BY id != ?1, id",
    )?;
    let ids: Vec<String> = st
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [] => Err(StoreError::NotFound(id.to_string())),
        [one] => Ok(one.clone()),
        [first, ..] if first == id => Ok(first.clone()),
        many => Err(StoreError::Ambiguous {
            prefix: id.to_string(),
            count: many.len(),
        }),
    }
}

/// The turns of one lane, in order, with their variants (undecodable ones counted).
fn turns(
    conn: &Connection,
    session: &str,
    lane: i64,
    unreadable: &mut usize,
) -> Result<Vec<Turn>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT id, prompt, active FROM turns WHERE session = ?1 AND lane = ?2 ORDER BY position, id",
    )?;
    let mut turns: Vec<Turn> = st
        .query_map(params![session, lane], |r| {
            Ok(Turn {
                id: r.get::<_, i64>(0)? as u64,
                prompt: r.get(1)?,
                variants: Vec::new(),
                active: r.get::<_, i64>(2)?.max(0) as usize,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare_cached(
        "SELECT turn, data FROM variants WHERE session = ?1 AND lane = ?2 ORDER BY turn, position, id",
    )?;
    let rows = st.query_map(params![session, lane], |r| {
        Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (turn_id, data) = row?;
        let Some(turn) = turns.iter_mut().find(|t| t.id == turn_id) else {
            continue;
        };
        match serde_json::from_str::<Variant>(&data) {
            Ok(v) => turn.variants.push(v),
            Err(e) => {
                tracing::warn!("session {session}: a stored answer cannot be read: {e}");
                *unreadable += 1;
            }
        }
    }
    for t in &mut turns {
        t.active = t.active.min(t.variants.len().saturating_sub(1));
    }
    Ok(turns)
}

/// Mark what was still running as interrupted, and say so.
fn recover(c: &mut Conversation, column: Option<usize>, from: usize, out: &mut Vec<CutOff>) {
    for (i, t) in c.turns.iter_mut().enumerate().skip(from) {
        for v in &mut t.variants {
            if v.status.is_running() {
                v.status = Status::Interrupted(CUT_OFF.into());
                out.push(CutOff {
                    turn: i,
                    column,
                    variant: v.id,
                    answer_chars: v.reply.answer.chars().count(),
                    reasoning_chars: v.reply.reasoning.chars().count(),
                });
            }
        }
    }
}

pub fn load(conn: &Connection, id: &str) -> Result<SavedSession, StoreError> {
    let mut st = conn.prepare_cached(&format!("{SUMMARY} WHERE s.id = ?1"))?;
    let meta = st
        .query_row([id], summary)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let system: Option<String> =
        conn.query_row("SELECT system FROM sessions WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let mut unreadable = 0;
    let mut cut_off = Vec::new();
    let mut conversation =
        Conversation::from_parts(system.clone(), turns(conn, id, 0, &mut unreadable)?);
    recover(&mut conversation, None, 0, &mut cut_off);

    let mut st = conn
        .prepare_cached("SELECT col, target, base FROM columns WHERE session = ?1 ORDER BY col")?;
    let heads: Vec<(i64, String, usize)> = st
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as usize))
        })?
        .collect::<Result<_, _>>()?;
    let mut columns = Vec::new();
    for (n, (col, target, base)) in heads.into_iter().enumerate() {
        let base = base.min(conversation.turns.len());
        let mut all = conversation.turns[..base].to_vec();
        all.extend(turns(conn, id, col + 1, &mut unreadable)?);
        let mut c = Conversation::from_parts(system.clone(), all);
        recover(&mut c, Some(n), base, &mut cut_off);
        columns.push(ColumnRecord {
            target,
            base,
            conversation: c,
        });
    }
    let recovered = (!cut_off.is_empty() || unreadable > 0).then_some(Recovered {
        cut_off,
        unreadable,
    });
    Ok(SavedSession {
        meta,
        conversation,
        columns,
        recovered,
    })
}
