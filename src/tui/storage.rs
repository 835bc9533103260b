//! The workbench and the session store: opening the store at start-up (the session to resume,
//! or a new one; what to say when the database was damaged or cannot be used), and the last
//! flush at exit. A store that cannot be used never stops the workbench: it runs in memory and
//! says so.

use std::sync::Arc;
use std::time::Duration;

use super::run::Workbench;
use crate::app::Action;
use crate::app::persist::Persister;
use crate::app::state::library::SessionRef;
use crate::app::state::{Level, Notice};
use crate::app::update::resume;
use crate::session::store::{Store, StoreError, new_id};

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

fn say(wb: &mut Workbench, level: Level, text: String) {
    let now = wb.state.now_ms;
    // A notice already there (a provider warning) is kept, after ours.
    let text = match wb.state.notice.take() {
        Some(n) => format!("{text} · {}", n.text),
        None => text,
    };
    wb.state.notice = Some(Notice {
        text,
        level,
        until_ms: now + 12_000,
    });
}

/// Store this session in `store` (or run in memory, saying why, when it could not be
/// opened), resuming as `resume` says. `Err` is for the user and ends the program before the
/// terminal is touched: the session asked for does not exist, or cannot be read.
pub fn attach(
    wb: &mut Workbench,
    store: Result<Store, StoreError>,
    resume_as: Resume,
) -> Result<(), String> {
    let store = match store {
        Ok(s) => Arc::new(s),
        Err(e) if resume_as == Resume::New => {
            let text = e.to_string();
            wb.state.store_trouble = Some(text.clone());
            say(
                wb,
                Level::Warn,
                format!("sessions are not saved: {text} (this one stays in memory)"),
            );
            return Ok(());
        }
        Err(e) => return Err(format!("cannot open the stored sessions: {e}")),
    };
    if let Some(aside) = store.moved_aside() {
        let text = format!(
            "the session database was damaged: it was moved to {} and a new one started",
            aside.display()
        );
        say(wb, Level::Warn, text);
    }
    let saved = match &resume_as {
        Resume::New => None,
        Resume::Last => match store.latest() {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                say(wb, Level::Info, "no stored session yet: a new one".into());
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
            let (text, out) = resume(&mut wb.state, saved);
            say(wb, Level::Info, text);
            for e in out.effects {
                wb.effects.apply(e);
            }
        }
        None => {
            wb.state.session = Some(SessionRef {
                id: new_id(),
                ..SessionRef::default()
            });
        }
    }
    let writer = store.writer();
    let bus = wb.effects.bus();
    writer.on_error(move |e| {
        let _ = bus.send(Action::StoreTrouble(e.map(|e| e.to_string())));
    });
    wb.persist = Persister::new(Some(writer));
    wb.effects.use_store(store);
    Ok(())
}

/// At exit: wait (a little) for the last writes, and say how to come back to the session.
/// Runs after the terminal is given back.
pub fn finish(wb: &mut Workbench) {
    wb.persist.sync(&wb.state, std::time::Instant::now());
    let Some(writer) = wb.persist.writer() else {
        return;
    };
    match writer.flush().wait_timeout(LAST_FLUSH) {
        Some(Ok(())) => {
            if let Some(s) = &wb.state.session
                && !wb.state.conversation.turns.is_empty()
            {
                eprintln!(
                    "thinkbench: session {} saved; `thinkbench --session {}` (or --continue) resumes it",
                    s.id, s.id
                );
            }
        }
        Some(Err(e)) => eprintln!("thinkbench: the session could not be saved: {e}"),
        None => eprintln!(
            "thinkbench: the session database is slow to answer; the last changes may not be saved"
        ),
    }
}
