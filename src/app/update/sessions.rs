//! Stored sessions: the session list popup (search as you type, open, rename, delete with
//! confirmation), starting a new session, taking a session read back into the state (with
//! what a crash cut off), and what to say when storing fails.

use super::compare::column_for;
use super::{finish_first, notice};
use crate::app::action::{Effect, Outcome};
use crate::app::input::{Key, KeyPress};
use crate::app::keymap::Command;
use crate::app::state::compare::Compare;
use crate::app::state::library::{Library, Mode, Row, SessionRef};
use crate::app::state::{Level, Overlay, Pane, Scroll, State};
use crate::compare::{MAX_COLUMNS, TargetSpec};
use crate::session::store::{SavedSession, new_id};
use crate::session::{ColumnRecord, Conversation};

/// The sessions key: open the list.
pub fn open_list(state: &mut State, out: &mut Outcome) {
    if state.session.is_none() {
        let why = state
            .store_trouble
            .clone()
            .unwrap_or_else(|| "the session database could not be opened".into());
        notice(
            state,
            Level::Warn,
            format!("sessions are not stored: {why}"),
        );
        return;
    }
    state.library = Some(Library::new());
    state.overlays.push(Overlay::Sessions);
    out.effects.push(Effect::ListSessions(String::new()));
}

fn close(state: &mut State) {
    state.library = None;
    if matches!(state.overlays.last(), Some(Overlay::Sessions)) {
        state.overlays.pop();
    }
}

/// A key in the session list.
pub fn key(state: &mut State, k: KeyPress, out: &mut Outcome) {
    let Some(lib) = state.library.as_mut() else {
        close(state);
        return;
    };
    let last = lib.rows.len().saturating_sub(1);
    match &mut lib.mode {
        Mode::Rename(title) => match (k.key, k.text()) {
            (Key::Esc, _) => lib.mode = Mode::Browse,
            (Key::Backspace, _) => {
                title.pop();
            }
            (Key::Enter, _) => {
                let title = title.trim().to_string();
                lib.mode = Mode::Browse;
                if let (Some(row), false) = (lib.selected_row(), title.is_empty()) {
                    out.effects.push(Effect::RenameSession {
                        id: row.session.id.clone(),
                        title,
                    });
                }
            }
            (_, Some(c)) if title.chars().count() < 200 => title.push(c),
            _ => {}
        },
        Mode::ConfirmDelete => {
            lib.mode = Mode::Browse;
            if matches!(k.text(), Some('y' | 'Y'))
                && let Some(row) = lib.selected_row()
            {
                out.effects.push(Effect::DeleteSession {
                    id: row.session.id.clone(),
                    title: row.session.title.clone(),
                });
            }
        }
        Mode::Browse => match (k.key, k.text()) {
            (Key::Esc, _) => close(state),
            (Key::Up, _) => lib.selected = lib.selected.saturating_sub(1),
            (Key::Down, _) => lib.selected = (lib.selected + 1).min(last),
            (Key::PageUp, _) => lib.selected = lib.selected.saturating_sub(10),
            (Key::PageDown, _) => lib.selected = (lib.selected + 10).min(last),
            (Key::Enter, _) => {
                if let Some(row) = lib.selected_row().cloned() {
                    open(state, row, out);
                }
            }
            (Key::Char('r'), None) if k.mods.ctrl => {
                if let Some(row) = lib.selected_row() {
                    lib.mode = Mode::Rename(row.session.title.clone());
                }
            }
            (Key::Char('d'), None) if k.mods.ctrl => ask_delete(state),
            (Key::Delete, _) => ask_delete(state),
            (Key::Backspace, _) => {
                lib.query.pop();
                requery(lib, out);
            }
            (_, Some(c)) if lib.query.chars().count() < 200 => {
                lib.query.push(c);
                requery(lib, out);
            }
            _ => {}
        },
    }
}

fn requery(lib: &mut Library, out: &mut Outcome) {
    lib.selected = 0;
    out.effects.push(Effect::ListSessions(lib.query.clone()));
}

fn ask_delete(state: &mut State) {
    let current = state.session.as_ref().map(|s| s.id.clone());
    let Some(lib) = state.library.as_mut() else {
        return;
    };
    let Some(row) = lib.selected_row() else {
        return;
    };
    if Some(&row.session.id) == current.as_ref() {
        let new = state.keymap.hint(Command::NewSession);
        lib.error = Some(format!(
            "this is the session in use: start a new one ({new}) to delete it"
        ));
    } else {
        lib.error = None;
        lib.mode = Mode::ConfirmDelete;
    }
}

/// Open the session of `row` (its text is read off the UI thread).
fn open(state: &mut State, row: Row, out: &mut Outcome) {
    if state
        .session
        .as_ref()
        .is_some_and(|s| s.id == row.session.id)
    {
        close(state);
        notice(state, Level::Info, "this is the session in use");
        return;
    }
    if state.is_running() {
        let text = finish_first(state, "first");
        if let Some(lib) = state.library.as_mut() {
            lib.error = Some(text);
        }
        return;
    }
    close(state);
    notice(
        state,
        Level::Info,
        format!("opening \"{}\"…", row.session.title),
    );
    out.effects.push(Effect::OpenSession(row.session.id));
}

/// The rows for `query` arrived (older queries' rows are dropped: the last one typed wins).
pub fn rows(state: &mut State, query: String, result: Result<Vec<Row>, String>) {
    let Some(lib) = state.library.as_mut() else {
        return;
    };
    if query != lib.query {
        return;
    }
    match result {
        Ok(rows) => {
            lib.rows = rows;
            lib.error = None;
        }
        Err(e) => lib.error = Some(e),
    }
    lib.loaded = Some(query);
    lib.selected = lib.selected.min(lib.rows.len().saturating_sub(1));
}

/// A rename or delete was carried out (or not): say so, and read the list again.
pub fn changed(state: &mut State, result: Result<String, String>, out: &mut Outcome) {
    match result {
        Ok(what) => notice(state, Level::Info, what),
        Err(e) => notice(state, Level::Error, e),
    }
    if let Some(lib) = state.library.as_mut() {
        out.effects.push(Effect::ListSessions(lib.query.clone()));
    }
}

/// The new-session key: an empty conversation, stored under a new id (the old one stays).
pub fn new_session(state: &mut State) {
    if state.is_running() {
        let text = finish_first(state, "first");
        notice(state, Level::Warn, text);
        return;
    }
    let keep = state.conversation.last_id();
    reset_view(state);
    state.conversation = Conversation::default();
    // Ids stay unique for the whole run (the renderer caches by them).
    state.conversation.ids_above(keep);
    state.compare = None;
    if state.session.is_some() {
        state.session = Some(SessionRef {
            id: new_id(),
            ..SessionRef::default()
        });
    }
    notice(state, Level::Info, "new session");
}

fn reset_view(state: &mut State) {
    state.selected = None;
    state.conversation_scroll = Scroll::default();
    state.reasoning_scroll = Scroll::default();
    state.search = None;
    state.focus = Pane::Composer;
}

/// A session read back to be opened.
pub fn loaded(state: &mut State, result: Result<Box<SavedSession>, String>, out: &mut Outcome) {
    match result {
        // Asked for while nothing ran; something started since. Not opened.
        Ok(_) if state.is_running() => {
            notice(
                state,
                Level::Warn,
                "not opened: a response started streaming",
            );
        }
        Ok(saved) => {
            let text = restore(state, *saved, out);
            notice(state, Level::Info, text);
        }
        Err(e) => notice(state, Level::Error, format!("cannot open the session: {e}")),
    }
}

/// Make `saved` the conversation on screen (its last comparison kept aside, ready to show),
/// written to from now on. Returns what to tell the user.
pub fn restore(state: &mut State, saved: SavedSession, out: &mut Outcome) -> String {
    let keep = state.conversation.last_id();
    let SavedSession {
        meta,
        conversation,
        columns,
        recovered,
    } = saved;
    let highest = columns
        .iter()
        .map(|c| c.conversation.last_id())
        .max()
        .unwrap_or(0);
    reset_view(state);
    state.conversation = conversation;
    state.conversation.ids_above(highest.max(keep));
    // Go on with the settings of the last answer, when it came from the provider in use.
    if let Some(v) = state
        .conversation
        .turns
        .iter()
        .rev()
        .find_map(|t| t.active())
        && v.settings.provider == state.provider.name
    {
        state.next.model = v.settings.model.clone();
        state.next.thinking = v.settings.thinking.clone();
        state.next.max_tokens = v.settings.max_tokens;
    }
    let stored_columns = columns.len();
    state.compare = None;
    let restored_compare = restore_compare(state, &columns, out);
    state.session = Some(SessionRef {
        id: meta.id.clone(),
        stored_columns,
        restored_compare,
        loaded: true,
    });
    let messages: usize = state
        .conversation
        .turns
        .iter()
        .map(|t| t.variants.len())
        .sum();
    let mut text = format!(
        "resumed \"{}\": {} message{}",
        meta.title,
        crate::text::group(messages as u64),
        if messages == 1 { "" } else { "s" }
    );
    if let Some((_, first)) = restored_compare {
        let key = state.keymap.hint(Command::Compare);
        let n = stored_columns - first;
        text.push_str(&format!(", a comparison of {n} columns ({key} shows it)"));
    }
    if let Some(r) = &recovered {
        for d in r.describe() {
            text.push_str(", ");
            text.push_str(&d);
        }
    }
    text
}

/// The last comparison stored (its columns share their start), kept aside. Returns its id and
/// the stored number of its first column.
fn restore_compare(
    state: &mut State,
    columns: &[ColumnRecord],
    out: &mut Outcome,
) -> Option<(u64, usize)> {
    let last = columns.last()?;
    let group = columns
        .iter()
        .rev()
        .take_while(|c| c.base == last.base)
        .take(MAX_COLUMNS)
        .count();
    if group < 2 || last.base > state.conversation.turns.len() {
        return None;
    }
    let first = columns.len() - group;
    let mut open = Vec::new();
    let mut restored = Vec::new();
    for rec in &columns[first..] {
        let target = TargetSpec::parse(&rec.target).ok()?;
        let mut col = column_for(state, target, &mut open).ok()?;
        col.conversation = rec.conversation.clone();
        col.base = rec.base;
        restored.push(col);
    }
    out.effects
        .extend(open.into_iter().map(Effect::OpenConnection));
    let id = state.conversation.next_id();
    let mut compare = Compare::new(id, restored, last.base);
    compare.shown = false;
    state.compare = Some(compare);
    Some((id, first))
}

/// Storing failed (`Some`), or works again (`None`): warn once, and say when it is back.
pub fn trouble(state: &mut State, what: Option<String>) {
    match what {
        Some(e) => {
            if state.store_trouble.is_none() {
                notice(
                    state,
                    Level::Warn,
                    format!(
                        "sessions are not being saved: {e} — this session stays on screen; it is saved when writing works again"
                    ),
                );
            }
            state.store_trouble = Some(e);
        }
        None => {
            if state.store_trouble.take().is_some() {
                notice(state, Level::Info, "sessions are being saved again");
            }
        }
    }
}
