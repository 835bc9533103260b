//! Each [`Op`] as SQL, inside the writer's transaction; and a whole session as ops (import).

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Op, SavedSession, SessionMeta, TurnRecord, title_from};
use crate::session::{Conversation, Status};

/// The lane of the conversation (0) or of compare column `c` (`c + 1`).
pub fn lane(column: Option<usize>) -> i64 {
    column.map_or(0, |c| c as i64 + 1)
}

/// The session an op is about.
pub fn session_of(op: &Op) -> &str {
    match op {
        Op::Session { id, .. } => id,
        Op::Turn { session, .. }
        | Op::Variant { session, .. }
        | Op::Column { session, .. }
        | Op::Rename { session, .. }
        | Op::Delete { session } => session,
    }
}

/// Status as a word, for queries.
fn status_word(s: &Status) -> &'static str {
    match s {
        Status::Waiting => "waiting",
        Status::Streaming => "streaming",
        Status::Complete => "complete",
        Status::Cancelled => "cancelled",
        Status::Failed(_) => "failed",
        Status::Interrupted(_) => "interrupted",
    }
}

fn deleted(tx: &Transaction, id: &str) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT 1 FROM deleted WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// Make the session's row if missing, and mark it updated.
fn touch(tx: &Transaction, id: &str, now: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sessions (id, created_ms, updated_ms) VALUES (?1, ?2, ?2)
         ON CONFLICT (id) DO UPDATE SET updated_ms = excluded.updated_ms",
    )?
    .execute(params![id, now])?;
    Ok(())
}

fn text(
    tx: &Transaction,
    session: &str,
    lane: i64,
    turn: u64,
    owner: u64,
    which: &str,
    body: &str,
) -> rusqlite::Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    // Unchanged text is not indexed again (the reasoning, while the answer streams).
    tx.prepare_cached(
        "INSERT INTO texts (session, lane, turn, owner, which, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (session, lane, owner, which) DO UPDATE SET body = excluded.body, turn = excluded.turn
         WHERE texts.body IS NOT excluded.body OR texts.turn IS NOT excluded.turn",
    )?
    .execute(params![session, lane, turn as i64, owner as i64, which, body])?;
    Ok(())
}

fn meta(tx: &Transaction, id: &str, m: &SessionMeta, now: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sessions (id, title, created_ms, updated_ms, model, provider, system)
         VALUES (?1, COALESCE(?2, ''), COALESCE(?7, ?3), ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET
            title = CASE WHEN sessions.renamed OR ?2 IS NULL THEN sessions.title ELSE ?2 END,
            created_ms = COALESCE(?7, sessions.created_ms),
            updated_ms = excluded.updated_ms, model = excluded.model,
            provider = excluded.provider, system = excluded.system",
    )?
    .execute(params![
        id,
        m.title,
        now,
        m.model,
        m.provider,
        m.system,
        m.created_ms.map(|t| t as i64)
    ])?;
    Ok(())
}

fn turn(
    tx: &Transaction,
    session: &str,
    column: Option<usize>,
    t: &TurnRecord,
) -> rusqlite::Result<()> {
    let lane = lane(column);
    tx.prepare_cached(
        "INSERT INTO turns (session, lane, id, position, prompt, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (session, lane, id) DO UPDATE SET
            position = excluded.position, prompt = excluded.prompt, active = excluded.active",
    )?
    .execute(params![
        session,
        lane,
        t.id as i64,
        t.position as i64,
        t.prompt,
        t.active as i64
    ])?;
    text(tx, session, lane, t.id, t.id, "prompt", &t.prompt)?;
    if lane == 0 && t.position == 0 {
        tx.prepare_cached("UPDATE sessions SET title = ?2 WHERE id = ?1 AND title = ''")?
            .execute(params![session, title_from(&t.prompt)])?;
    }
    Ok(())
}

fn variant(
    tx: &Transaction,
    session: &str,
    column: Option<usize>,
    turn_id: u64,
    v: &crate::session::Variant,
    now: i64,
) -> rusqlite::Result<()> {
    let lane = lane(column);
    let data = if v.request.as_ref().is_some_and(|r| !r.headers.is_empty()) {
        // Headers may carry a key: never written.
        let mut v = v.clone();
        if let Some(r) = &mut v.request {
            r.headers.clear();
        }
        serde_json::to_string(&v)
    } else {
        serde_json::to_string(v)
    }
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    // A new variant goes after its turn's others; a known one keeps its place.
    tx.prepare_cached(
        "INSERT INTO variants (session, lane, turn, id, position, status, cost_usd, data, updated_ms)
         VALUES (?1, ?2, ?3, ?4,
            (SELECT COALESCE(MAX(position) + 1, 0) FROM variants
             WHERE session = ?1 AND lane = ?2 AND turn = ?3),
            ?5, ?6, ?7, ?8)
         ON CONFLICT (session, lane, id) DO UPDATE SET
            turn = excluded.turn, status = excluded.status, cost_usd = excluded.cost_usd,
            data = excluded.data, updated_ms = excluded.updated_ms",
    )?
    .execute(params![
        session,
        lane,
        turn_id as i64,
        v.id as i64,
        status_word(&v.status),
        v.cost_usd,
        data,
        now
    ])?;
    text(tx, session, lane, turn_id, v.id, "answer", &v.reply.answer)?;
    text(
        tx,
        session,
        lane,
        turn_id,
        v.id,
        "reasoning",
        &v.reply.reasoning,
    )?;
    Ok(())
}

fn delete(tx: &Transaction, session: &str, now: i64) -> rusqlite::Result<()> {
    for table in ["texts", "variants", "turns", "columns"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE session = ?1"),
            [session],
        )?;
    }
    tx.execute("DELETE FROM sessions WHERE id = ?1", [session])?;
    tx.execute(
        "INSERT OR REPLACE INTO deleted (id, deleted_ms) VALUES (?1, ?2)",
        params![session, now],
    )?;
    Ok(())
}

/// Carry out `op` (`now`: Unix milliseconds). Operations on a deleted session do nothing.
pub fn apply(tx: &Transaction, op: &Op, now: i64) -> rusqlite::Result<()> {
    let session = session_of(op);
    if deleted(tx, session)? {
        return Ok(());
    }
    match op {
        Op::Session { id, meta: m } => meta(tx, id, m, now),
        Op::Turn {
            session,
            column,
            turn: t,
        } => {
            touch(tx, session, now)?;
            turn(tx, session, *column, t)
        }
        Op::Variant {
            session,
            column,
            turn_id,
            variant: v,
        } => {
            touch(tx, session, now)?;
            variant(tx, session, *column, *turn_id, v, now)
        }
        Op::Column {
            session,
            column,
            target,
            base,
        } => {
            touch(tx, session, now)?;
            tx.prepare_cached(
                "INSERT INTO columns (session, col, target, base) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (session, col) DO UPDATE SET target = excluded.target, base = excluded.base",
            )?
            .execute(params![session, *column as i64, target, *base as i64])?;
            Ok(())
        }
        Op::Rename { session, title } => {
            tx.prepare_cached(
                "UPDATE sessions SET title = ?2, renamed = 1, updated_ms = ?3 WHERE id = ?1",
            )?
            .execute(params![session, title, now])?;
            Ok(())
        }
        Op::Delete { session } => delete(tx, session, now),
    }
}

/// The ops for the turns (from `from` on) and variants of one conversation.
fn conversation_ops(
    out: &mut Vec<Op>,
    session: &str,
    column: Option<usize>,
    c: &Conversation,
    from: usize,
) {
    for (position, t) in c.turns.iter().enumerate().skip(from) {
        out.push(Op::Turn {
            session: session.to_string(),
            column,
            turn: TurnRecord {
                id: t.id,
                position,
                prompt: t.prompt.clone(),
                active: t.active,
            },
        });
        for v in &t.variants {
            out.push(Op::Variant {
                session: session.to_string(),
                column,
                turn_id: t.id,
                variant: Box::new(v.clone()),
            });
        }
    }
}

/// A whole session as ops: its meta data (the title as a rename, so it stays), the
/// conversation, and each compare column with its own turns.
pub fn ops_for(s: &SavedSession) -> Vec<Op> {
    let id = s.meta.id.clone();
    let mut out = vec![Op::Session {
        id: id.clone(),
        meta: SessionMeta {
            title: None,
            model: s.meta.model.clone(),
            provider: s.meta.provider.clone(),
            system: s.conversation.system.clone(),
            created_ms: Some(s.meta.created_ms),
        },
    }];
    conversation_ops(&mut out, &id, None, &s.conversation, 0);
    for (c, col) in s.columns.iter().enumerate() {
        out.push(Op::Column {
            session: id.clone(),
            column: c,
            target: col.target.clone(),
            base: col.base,
        });
        conversation_ops(&mut out, &id, Some(c), &col.conversation, col.base);
    }
    if !s.meta.title.is_empty() {
        out.push(Op::Rename {
            session: id,
            title: s.meta.title.clone(),
        });
    }
    out
}
