//! The session list's effects: reading the list, searching it, opening, renaming and deleting
//! a stored session. Each runs on a blocking-pool thread and answers on the bus, so the UI
//! loop never waits on the disk (renames and deletes go through the one writer thread).

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Effect};
use super::state::library::{HitPlace, Row};
use crate::session::store::{Hit, Op, SessionSummary, Store, StoreError};

pub struct SessionTasks {
    store: Option<Arc<Store>>,
    tx: UnboundedSender<Action>,
}

/// At most this many rows in the list.
const MAX_ROWS: usize = 500;

impl SessionTasks {
    /// Use `store` from now on.
    pub fn set_store(&mut self, store: Arc<Store>) {
        self.store = Some(store);
    }

    pub fn new(store: Option<Arc<Store>>, tx: UnboundedSender<Action>) -> SessionTasks {
        SessionTasks { store, tx }
    }

    /// Carry out one of the session effects (others are ignored).
    pub fn apply(&self, effect: Effect) {
        let Some(store) = self.store.clone() else {
            let no = "sessions are not stored in this run".to_string();
            let _ = self.tx.send(match effect {
                Effect::ListSessions(query) => Action::SessionRows {
                    query,
                    result: Err(no),
                },
                Effect::OpenSession(_) => Action::SessionLoaded(Err(no)),
                _ => Action::SessionChanged(Err(no)),
            });
            return;
        };
        let tx = self.tx.clone();
        let job = move || match effect {
            Effect::ListSessions(query) => {
                let result = rows(&store, &query).map_err(|e| e.to_string());
                let _ = tx.send(Action::SessionRows { query, result });
            }
            Effect::OpenSession(id) => {
                let result = store.load(&id).map(Box::new).map_err(|e| e.to_string());
                let _ = tx.send(Action::SessionLoaded(result));
            }
            Effect::RenameSession { id, title } => {
                let result = change(
                    &store,
                    Op::Rename {
                        session: id,
                        title: title.clone(),
                    },
                )
                .map(|()| format!("renamed to \"{title}\""));
                let _ = tx.send(Action::SessionChanged(result));
            }
            Effect::DeleteSession { id, title } => {
                let result = change(&store, Op::Delete { session: id })
                    .map(|()| format!("deleted \"{title}\""));
                let _ = tx.send(Action::SessionChanged(result));
            }
            _ => {}
        };
        tokio::task::spawn_blocking(job);
    }
}

/// Send `op` to the writer and wait until it is written.
fn change(store: &Store, op: Op) -> Result<(), String> {
    let writer = store.writer();
    writer.send(op);
    writer.flush().wait().map_err(|e| e.to_string())
}

/// Every session (no query), or the sessions with a match (one row per hit, best first).
fn rows(store: &Store, query: &str) -> Result<Vec<Row>, StoreError> {
    let list = store.list()?;
    if query.trim().is_empty() {
        return Ok(list.iter().take(MAX_ROWS).map(|s| row(s, None)).collect());
    }
    let hits = store.search(query)?;
    Ok(hits
        .iter()
        .take(MAX_ROWS)
        .filter_map(|h| {
            let s = list.iter().find(|s| s.id == h.session)?;
            Some(row(s, Some(place(h))))
        })
        .collect())
}

fn row(s: &SessionSummary, hit: Option<HitPlace>) -> Row {
    Row {
        session: s.clone(),
        hit,
    }
}

fn place(h: &Hit) -> HitPlace {
    let which = h.which.as_str();
    HitPlace {
        turn: h.turn + 1,
        place: match h.column {
            Some(c) => format!("{which}, compare column {}", c + 1),
            None => which.to_string(),
        },
        snippet: h.snippet.clone(),
    }
}
