//! `update`: the only place the app state changes. An action comes in (a key, a chunk of a
//! stream, a finished background job, the clock); the state changes; effects go out.
//!
//! * [`keys`] routes input: popups first, then the search being typed, then the key map;
//! * [`commands`] carries out a command of the key map;
//! * [`modal`] handles keys inside popups and the search field;
//! * [`pointer`] handles the mouse;
//! * [`navigate`] moves focus, selection and scroll positions;
//! * [`settings`] changes the next message's settings;
//! * [`runs`] sends messages and follows their streams to the end;
//! * [`switch`] switches provider;
//! * [`compare`] runs the compare screen: columns, one prompt to each, adopting one;
//! * [`copy`] copies answers, reasoning, code and messages;
//! * [`sessions`] runs the session list and opens stored sessions.

mod commands;
mod compare;
mod copy;
mod keys;
mod modal;
mod navigate;
mod pointer;
mod runs;
mod sessions;
mod settings;
mod switch;

use super::action::{Action, Outcome};
use super::state::{Level, Notice, State};

/// How long a status-line notice stays.
const NOTICE_MS: u64 = 6_000;

/// Apply `action` to `state`.
pub fn update(state: &mut State, action: Action) -> Outcome {
    let mut out = Outcome {
        consumed: true,
        dirty: true,
        effects: Vec::new(),
    };
    match action {
        Action::Input { input, composer } => keys::input(state, input, &composer, &mut out),
        Action::Run { variant, event } => runs::event(state, variant, event),
        Action::RunFeed { variant, feed } => {
            for event in feed.take() {
                runs::event(state, variant, event);
            }
        }
        Action::RunEnded { variant, outcome } => runs::ended(state, variant, outcome),
        Action::ProviderSwitched { name, result } => {
            switch::finished(state, name, result, &mut out)
        }
        Action::ConnectionOpened { name, result } => {
            compare::connection_opened(state, name, result, &mut out)
        }
        Action::Models {
            provider,
            result: Ok(models),
        } if provider == state.provider.name => {
            // Names come from the server: keep only ones that can be shown and sent as they are.
            state.remote_models = models
                .into_iter()
                .filter(|m| !m.is_empty() && m.len() <= 200 && crate::text::inert(m) == m.as_str())
                .collect();
        }
        // A failed list, or one from the provider used before a switch.
        Action::Models { .. } => out.dirty = false,
        Action::Viewport(v) => {
            out.dirty = false;
            state.viewport = v;
        }
        Action::Tick(now) => {
            state.now_ms = now;
            let expired = state.notice.as_ref().is_some_and(|n| n.until_ms <= now);
            if expired {
                state.notice = None;
            }
            // Live timers and spinners move only while something runs.
            out.dirty = expired || state.is_running() || state.switching.is_some();
        }
        Action::Hangup => commands::quit(state, &mut out),
        Action::Copied(report) => copy::copied(state, report),
        Action::SessionRows { query, result } => sessions::rows(state, query, result),
        Action::SessionLoaded(result) => sessions::loaded(state, result, &mut out),
        Action::SessionChanged(result) => sessions::changed(state, result, &mut out),
        Action::StoreTrouble(what) => sessions::trouble(state, what),
    }
    refresh_search(state);
    out
}

/// Start comparing as `--compare` and `--sweep` say (at start-up, before the first frame).
pub fn start_compare(
    state: &mut State,
    list: Option<&str>,
    sweep: Option<&str>,
) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    compare::start_from_args(state, list, sweep, &mut out)?;
    Ok(out)
}

/// Take a session read back at start-up (`--continue`, `--session`) into the state; returns
/// what to tell the user about it.
pub fn resume(state: &mut State, saved: crate::session::store::SavedSession) -> (String, Outcome) {
    let mut out = Outcome::default();
    let text = sessions::restore(state, saved, &mut out);
    (text, out)
}

/// Keep the search matches current with the query and the reasoning they search.
fn refresh_search(state: &mut State) {
    let Some(mut search) = state.search.take() else {
        return;
    };
    let v = state.selected_variant();
    search.refresh(
        v.map(|v| v.id),
        v.map_or("", |v| v.reply.reasoning.as_str()),
    );
    state.search = Some(search);
}

/// "a response is still streaming: let it finish (or Esc) first", `when` in place of "first".
fn finish_first(state: &State, when: &str) -> String {
    let key = state.keymap.hint(super::keymap::Command::Cancel);
    format!("a response is still streaming: let it finish (or {key}) {when}")
}

/// A message went out: an info notice was about the screen before it ("comparing 3 targets:
/// the next message goes to each", "copied"), so it goes now instead of on a timer later, when
/// nothing else would be drawn. Warnings and errors stay for their time. Pastes held as tags
/// went out with it.
fn sent(state: &mut State) {
    state.pastes.clear();
    if state
        .notice
        .as_ref()
        .is_some_and(|n| n.level == Level::Info)
    {
        state.notice = None;
    }
}

/// Show `text` in the status line for a while.
fn notice(state: &mut State, level: Level, text: impl Into<String>) {
    state.notice = Some(Notice {
        text: text.into(),
        level,
        until_ms: state.now_ms + NOTICE_MS,
    });
}
