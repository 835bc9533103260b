//! `--session ID|new` for `ask` and `compare`: the saved session a headless run continues
//! (or starts), and what the run produced written to it through the store's one writer.
//!
//! Saving never costs the user the answer: when the database cannot be written the run's
//! output is printed all the same, and a warning says what was not saved.

use std::time::Instant;

use super::report::note;
use crate::exit;
use crate::session::store::{
    Op, SessionMeta, Store, StoreError, TurnRecord, new_id, snapshot_every,
};
use crate::session::{Conversation, RequestRecord, Variant};

/// The exit code for a store error: a session that is not there (or a file that is not a
/// session) is a usage error; a database that cannot be read or written is a failure.
pub fn exit_code(e: &StoreError) -> u8 {
    match e {
        StoreError::NotFound(_)
        | StoreError::Ambiguous { .. }
        | StoreError::BadFile(_)
        | StoreError::NoPath => exit::USAGE,
        _ => exit::FAILURE,
    }
}

/// [`Store::open_default`], saying on stderr when a damaged database was moved aside.
pub fn open_store() -> Result<Store, StoreError> {
    let store = Store::open_default()?;
    if let Some(p) = store.moved_aside() {
        note(format_args!(
            "warning: the session database was damaged; it was moved to {} and a new one started",
            p.display()
        ));
    }
    Ok(store)
}

/// The exact request of a run as it is kept with its answer: URL and body, never headers.
pub fn request_record(
    request: &crate::provider::request::PreparedRequest,
    key: bool,
) -> RequestRecord {
    RequestRecord {
        url: request.url.clone(),
        headers: Vec::new(),
        body: request.body.clone(),
        authorized: key,
    }
}

/// The session a run is saved to.
pub struct Recording {
    pub id: String,
    /// Its conversation as loaded (empty for a new session).
    pub conversation: Conversation,
    /// How many compare columns it has.
    pub columns: usize,
    /// The highest turn or variant id used anywhere in it.
    pub last_id: u64,
    pub is_new: bool,
    /// A new session runs even when the database cannot be opened; saving then fails (with
    /// a warning) at the end.
    store: Result<Store, StoreError>,
    last_snapshot: Option<Instant>,
}

impl Recording {
    /// The session `arg` names (a unique prefix will do), or a fresh one for `new`.
    pub fn open(arg: &str) -> Result<Recording, StoreError> {
        let store = open_store();
        if arg.trim() == "new" {
            return Ok(Recording {
                id: new_id(),
                conversation: Conversation::default(),
                columns: 0,
                last_id: 0,
                is_new: true,
                store,
                last_snapshot: None,
            });
        }
        let store = store?;
        let id = store.resolve(arg)?;
        let saved = store.load(&id)?;
        if let Some(r) = &saved.recovered {
            for line in r.describe() {
                note(format_args!("session {id}: {line}"));
            }
        }
        let last_id = saved
            .columns
            .iter()
            .map(|c| c.conversation.last_id())
            .fold(saved.conversation.last_id(), u64::max);
        Ok(Recording {
            id,
            conversation: saved.conversation,
            columns: saved.columns.len(),
            last_id,
            is_new: false,
            store: Ok(store),
            last_snapshot: None,
        })
    }

    /// Queue `op` for the writer (dropped when the database could not be opened).
    pub fn send(&self, op: Op) {
        if let Ok(store) = &self.store {
            store.writer().send(op);
        }
    }

    /// Queue the session's meta data: the model and provider it last talked to, its system
    /// prompt, and a title (`None`: keep it, or take it from the first prompt).
    pub fn meta(&self, title: Option<String>, model: &str, provider: &str, system: Option<&str>) {
        self.send(Op::Session {
            id: self.id.clone(),
            meta: SessionMeta {
                title,
                model: model.to_string(),
                provider: provider.to_string(),
                system: system.map(str::to_string),
                created_ms: None,
            },
        });
    }

    /// Queue a turn (of the conversation, or of compare column `column`) at `position`.
    pub fn turn(
        &self,
        column: Option<usize>,
        position: usize,
        id: u64,
        prompt: &str,
        active: usize,
    ) {
        self.send(Op::Turn {
            session: self.id.clone(),
            column,
            turn: TurnRecord {
                id,
                position,
                prompt: prompt.to_string(),
                active,
            },
        });
    }

    /// Queue the variant as it is now.
    pub fn variant(&self, column: Option<usize>, turn_id: u64, v: &Variant) {
        self.send(Op::Variant {
            session: self.id.clone(),
            column,
            turn_id,
            variant: Box::new(v.clone()),
        });
    }

    /// [`Recording::variant`] while it streams, at most every [`snapshot_every`].
    pub fn snapshot(&mut self, column: Option<usize>, turn_id: u64, v: &Variant) {
        let now = Instant::now();
        if self
            .last_snapshot
            .is_some_and(|at| now.duration_since(at) < snapshot_every(v))
        {
            return;
        }
        self.last_snapshot = Some(now);
        self.variant(column, turn_id, v);
    }

    /// Wait until everything queued is written. When it is not, a warning on stderr says
    /// that `what` was not saved; returns whether it was.
    pub fn finish(&self, what: &str) -> bool {
        let result = match &self.store {
            Ok(store) => {
                let writer = store.writer();
                writer.flush().wait().and_then(|()| {
                    // An op the database refused is reported, not retried; a lock or a full
                    // disk that went away before the flush left nothing unwritten.
                    writer
                        .errors()
                        .into_iter()
                        .find(|e| !e.transient() && !matches!(e, StoreError::Corrupt(_)))
                        .map_or(Ok(()), Err)
                })
            }
            Err(e) => Err(e.clone()),
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                note(format_args!(
                    "warning: {what} was not saved to session {}: {e}",
                    self.id
                ));
                false
            }
        }
    }
}
