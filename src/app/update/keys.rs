//! Where input goes: the top popup first, then the search field while a query is typed, then
//! the key map; what none of them takes goes to the message editor.

use super::{commands, modal, notice, pointer};
use crate::app::action::{Effect, Outcome};
use crate::app::input::{Input, KeyPress};
use crate::app::keymap::Command;
use crate::app::state::pastes::Pastes;
use crate::app::state::{Level, Overlay, Pane, State};

pub fn input(state: &mut State, input: Input, composer: &str, out: &mut Outcome) {
    match input {
        Input::Paste(text) => paste(state, text, composer, out),
        Input::Mouse(m) => pointer::mouse(state, m),
        Input::Key(k) => key(state, k, composer, out),
    }
}

fn key(state: &mut State, k: KeyPress, composer: &str, out: &mut Outcome) {
    let cmd = state.keymap.lookup(&k);
    if !state.overlays.is_empty() {
        // Quitting and Ctrl+C work whatever is open.
        if let Some(c @ (Command::Quit | Command::Interrupt)) = cmd {
            state.overlays.clear();
            commands::run(state, c, "", out);
        } else {
            modal::overlay_key(state, k, cmd, out);
        }
        return;
    }
    if state.search.as_ref().is_some_and(|s| s.editing) && modal::search_key(state, k) {
        return;
    }
    // Outside the compare view its letters type, as other letters do.
    let cmd =
        cmd.filter(|c| !(c.compare_only() && state.comparing().is_none() && k.text().is_some()));
    let typing = state.focus == Pane::Composer && !k.is_command_key();
    match cmd {
        Some(cmd) if !typing => commands::run(state, cmd, composer, out),
        _ if state.focus == Pane::Composer => {
            // The editor takes it.
            out.consumed = false;
        }
        _ => match k.text() {
            // Typing anywhere starts a message.
            Some(c) => {
                state.focus = Pane::Composer;
                out.effects.push(Effect::ComposerInsert(c.to_string()));
            }
            None => out.dirty = false,
        },
    }
}

fn paste(state: &mut State, text: String, composer: &str, out: &mut Outcome) {
    // Terminals deliver pasted line breaks as CR (tmux) or CR LF (Windows text).
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    match state.overlays.last_mut() {
        Some(Overlay::Picker { query, selected }) => {
            query.push_str(text.trim());
            *selected = 0;
        }
        Some(Overlay::Budget { input, error, .. }) => {
            input.push_str(text.trim());
            *error = None;
        }
        Some(Overlay::Targets { input, error }) => {
            input.push_str(text.trim());
            *error = None;
        }
        Some(_) => {}
        None => match &mut state.search {
            Some(s) if s.editing => s.query.push_str(text.lines().next().unwrap_or("")),
            _ => {
                state.focus = Pane::Composer;
                let text = if Pastes::collapses(&text) {
                    let tag = state.pastes.hold(text, composer);
                    notice(
                        state,
                        Level::Info,
                        "a large paste is held as one tag: the message sends its text in the \
                         tag's place (delete the tag to drop it)",
                    );
                    tag
                } else {
                    text
                };
                out.effects.push(Effect::ComposerInsert(text));
            }
        },
    }
}
