//! The workbench and the session store: opening the store at start-up (the session to resume,
//! or a new one; what to say when the database was damaged or cannot be used), and the last
//! flush at exit. A store that cannot be used never stops the workbench: it runs in memory and
//! says so.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::sync::Arc;
use std::time::Duration;

use crate::app::Action;
use crate::app::effects::Effects;
use crate::app::persist::Persister;
use crate::app::state::library::SessionRef;
use crate::app::state::{Level, Notice, State};
use crate::app::update::resume;
use crate::session::ColumnRecord;
use crate::session::store::{
    SavedSession, SessionSummary, Store, StoreError, new_id, session_json, title_from,
};

/// Which session to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    New,
    /// The most recently changed one (a new one when there is none).
    Last,
    /// The one with this id, or the only one whose id starts with it.
    Id(String),
}

/// How long the exit waits for the last writes.
const LAST_FLUSH: Duration = Duration::from_secs(5);

fn say(state: &mut State, level: Level, text: String) {
    let now = state.now_ms;
    // A notice already there (a provider warning) is kept, after ours.
    let text = match state.notice.take() {
        Some(n) => format!("{text} · {}", n.text),
        None => text,
    };
    state.notice = Some(Notice {
        text,
        level,
        until_ms: now + 12_000,
    });
}

/// Store this session in `store` (or run in memory, saying why, when it could not be
/// opened), resuming as `resume` says; returns the persister to feed. `Err` is for the user
/// and ends the program before the terminal is touched: the session asked for does not
/// exist, or cannot be read.
pub fn attach(
    state: &mut State,
    effects: &mut Effects,
    store: Result<Store, StoreError>,
    resume_as: Resume,
) -> Result<Persister, String> {
    let store = match store {
        Ok(s) => Arc::new(s),
        Err(e) if resume_as == Resume::New => {
            let text = e.to_string();
            state.store_trouble = Some(text.clone());
            say(
                state,
                Level::Warn,
                format!("sessions are not saved: {text} (this one stays in memory)"),
            );
            return Ok(Persister::new(None));
        }
        Err(e) => return Err(format!("cannot open the stored sessions: {e}")),
    };
    if let Some(text) = store_rescued(&store) {
        say(state, Level::Warn, text);
    }
    if let Some(aside) = store.moved_aside() {
        let text = format!(
            "the session database was damaged: it was moved to {} and a new one started",
            aside.display()
        );
        say(state, Level::Warn, text);
    }
    let saved = match &resume_as {
        Resume::New => None,
        Resume::Last => match store.latest() {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                say(
                    state,
                    Level::Info,
                    "no stored session yet: a new one".into(),
                );
                None
            }
            Err(e) => return Err(format!("cannot read the last session: {e}")),
        },
        Resume::Id(id) => {
            let loaded = store.resolve(id).and_then(|full| store.load(&full));
            Some(loaded.map_err(|e| e.to_string())?)
        }
    };
    match saved {
        Some(saved) => {
            let (text, out) = resume(state, saved);
            say(state, Level::Info, text);
            for e in out.effects {
                effects.apply(e);
            }
        }
        None => {
            state.session = Some(SessionRef {
                id: new_id(),
                ..SessionRef::default()
            });
        }
    }
    let writer = store.writer();
    let bus = effects.bus();
    writer.on_error(move |e| {
        let _ = bus.send(Action::StoreTrouble(e.map(|e| e.to_string())));
    });
    effects.use_store(store);
    Ok(Persister::new(Some(writer)))
}

/// At exit: wait (a little) for the last writes, and say how to come back to the session.
/// Runs after the terminal is given back.
pub fn finish(state: &State, persist: &mut Persister) {
    persist.sync(state, std::time::Instant::now());
    let Some(writer) = persist.writer() else {
        return;
    };
    match writer.flush().wait_timeout(LAST_FLUSH) {
        Some(Ok(())) => {
            if let Some(s) = &state.session
                && !state.conversation.turns.is_empty()
            {
                crate::logging::tell(format_args!(
                    "session {} saved; `thinkbench --session {}` (or --continue) resumes it",
                    s.id, s.id
                ));
            }
        }
        Some(Err(e)) => {
            crate::logging::tell(format_args!("the session could not be saved: {e}"));
            rescue(state);
        }
        None => {
            crate::logging::tell("the session database is slow to answer");
            rescue(state);
        }
    }
}

/// Where sessions that could not be stored are kept until the next start stores them.
fn rescue_dir() -> Option<std::path::PathBuf> {
    Some(crate::config::paths::state_dir()?.join("unsaved"))
}

/// The session on screen as a file (user-only) in the state directory, for the next start to
/// store; says where.
fn rescue(state: &State) {
    let Some(dir) = rescue_dir() else { return };
    if state.conversation.turns.is_empty() {
        return;
    }
    let saved = snapshot(state);
    let path = dir.join(format!("{}.json", saved.meta.id));
    let written = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .and_then(|()| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)?;
            f.write_all(session_json(&saved).as_bytes())?;
            f.sync_all()
        });
    match written {
        Ok(()) => crate::logging::tell(format_args!(
            "it is kept in {}; the next start stores it (or: thinkbench sessions import {})",
            path.display(),
            path.display()
        )),
        Err(e) => crate::logging::tell(format_args!(
            "it could not be kept in {} either: {e}",
            path.display()
        )),
    }
}

/// The conversation and comparison on screen as a session to store (request headers left
/// out, as the store leaves them out).
fn snapshot(state: &State) -> SavedSession {
    let id = state.session.as_ref().map_or_else(new_id, |s| s.id.clone());
    let mut conversation = state.conversation.clone();
    let mut columns: Vec<ColumnRecord> = state
        .compare
        .iter()
        .flat_map(|c| c.columns.iter())
        .filter(|c| c.conversation.turns.len() > c.base)
        .map(|c| ColumnRecord {
            target: c.target.to_string(),
            base: c.base,
            conversation: c.conversation.clone(),
        })
        .collect();
    let all =
        std::iter::once(&mut conversation).chain(columns.iter_mut().map(|c| &mut c.conversation));
    for c in all {
        for v in c.turns.iter_mut().flat_map(|t| t.variants.iter_mut()) {
            if let Some(r) = &mut v.request {
                r.headers.clear();
            }
        }
    }
    let first = conversation.turns.first().map_or("", |t| t.prompt.as_str());
    let now = crate::session::store::now_ms();
    let last = conversation.turns.iter().rev().find_map(|t| t.active());
    SavedSession {
        meta: SessionSummary {
            id,
            title: format!("{} (recovered)", title_from(first)),
            created_ms: now,
            updated_ms: now,
            model: last.map_or_else(String::new, |v| v.settings.model.clone()),
            provider: last.map_or_else(String::new, |v| v.settings.provider.clone()),
            turns: conversation.turns.len() as u64,
            messages: 0,
            cost_usd: None,
        },
        conversation,
        columns,
        recovered: None,
    }
}

/// Store the sessions an earlier run could not (see [`rescue`]); what to say about them.
fn store_rescued(store: &Store) -> Option<String> {
    let dir = rescue_dir()?;
    let mut said = Vec::new();
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match store.import(&text) {
            Ok(id) => {
                let _ = std::fs::remove_file(&path);
                said.push(format!(
                    "a session the last run could not save is stored now (session {id})"
                ));
            }
            Err(e) => said.push(format!(
                "a session the last run could not save is still in {}: {e}",
                path.display()
            )),
        }
    }
    (!said.is_empty()).then(|| said.join("; "))
}
