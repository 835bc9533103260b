//! The commands of the key map.

use super::navigate::{self, Hop, Step};
use super::{compare, copy, notice, runs, sessions, settings, switch};
use crate::app::action::{Effect, Outcome};
use crate::app::keymap::Command;
use crate::app::search::Search;
use crate::app::state::{Level, Overlay, Pane, PickItem, State};

/// Carry out `cmd`; `composer` is the text in the message editor.
pub fn run(state: &mut State, cmd: Command, composer: &str, out: &mut Outcome) {
    if state.comparing().is_some() && compare::command(state, cmd, composer, out) {
        return;
    }
    match cmd {
        Command::Send => runs::send(state, composer, out),
        Command::Newline => out.effects.push(Effect::ComposerNewline),
        Command::Cancel => {
            if state.search.is_some() {
                state.search = None;
            } else if state.is_running() {
                runs::cancel_all(state, out);
            } else if state.switching.is_some() {
                switch::cancel(state, out);
            } else {
                out.dirty = false;
            }
        }
        Command::Interrupt => {
            if state.is_running() {
                runs::cancel_all(state, out);
            } else {
                quit(state, out);
            }
        }
        Command::Quit => quit(state, out),
        Command::ToggleThinking => settings::toggle_thinking(state),
        Command::EditBudget => settings::edit_budget(state),
        Command::TogglePreserve => settings::toggle_preserve(state),
        Command::PickModel => pick_model(state, out),
        Command::FocusNext => state.focus = state.focus.next(state.reasoning_folded),
        Command::FocusPrev => state.focus = state.focus.prev(state.reasoning_folded),
        Command::Help => state.overlays.push(Overlay::Help { scroll: 0 }),
        Command::Regenerate => match state.selected_turn() {
            Some(t) => runs::regenerate(state, t, None, out),
            None => notice(state, Level::Info, "nothing to regenerate yet"),
        },
        Command::VariantPrev => browse_variants(state, false),
        Command::VariantNext => browse_variants(state, true),
        Command::SelectPrev | Command::SelectNext => {
            let n = state.conversation.turns.len();
            if n == 0 {
                return;
            }
            let cur = state.selected_turn().unwrap_or(0);
            let t = match cmd {
                Command::SelectPrev => cur.saturating_sub(1),
                _ => (cur + 1).min(n - 1),
            };
            navigate::select_turn(state, t);
        }
        Command::ScrollUp => scroll(state, Step::Up(1)),
        Command::ScrollDown => scroll(state, Step::Down(1)),
        Command::PageUp => scroll(state, Step::PageUp),
        Command::PageDown => scroll(state, Step::PageDown),
        Command::ScrollTop => scroll(state, Step::Top),
        Command::ScrollBottom => scroll(state, Step::Bottom),
        Command::Search => {
            state.reasoning_folded = false;
            state.focus = Pane::Reasoning;
            state.search = Some(Search::typing());
        }
        Command::SearchNext | Command::SearchPrev => {
            if state.search.is_none() {
                out.dirty = false;
                return;
            }
            let hop = if cmd == Command::SearchNext {
                Hop::Next
            } else {
                Hop::Prev
            };
            if !navigate::search_hop(state, hop) {
                notice(state, Level::Info, "no match");
            }
        }
        Command::ToggleFold => {
            state.reasoning_folded = !state.reasoning_folded;
            if state.reasoning_folded && state.focus == Pane::Reasoning {
                state.focus = Pane::Conversation;
            }
        }
        Command::Inspect => match state.selected_variant().map(|v| v.id) {
            Some(variant) => state
                .overlays
                .push(Overlay::Inspector { variant, scroll: 0 }),
            None => notice(state, Level::Info, "no message to inspect yet"),
        },
        Command::RetryBiggerBudget => runs::retry_bigger(state, out),
        Command::RetryWithoutThinking => runs::retry_without_thinking(state, out),
        Command::Compare => compare::toggle(state),
        Command::Sessions => sessions::open_list(state, out),
        Command::NewSession => sessions::new_session(state),
        Command::Stats => state.show_stats = !state.show_stats,
        Command::CopyAnswer | Command::CopyReasoning | Command::CopyCode | Command::CopyMessage => {
            copy::command(state, cmd, out)
        }
        c if c.compare_only() => compare::outside(state),
        _ => {}
    }
}

fn scroll(state: &mut State, step: Step) {
    let pane = navigate::focused(state);
    navigate::scroll(state, pane, step);
}

/// End the app: every running stream is cancelled, background work stopped.
pub fn quit(state: &mut State, out: &mut Outcome) {
    for id in state.running() {
        out.effects.push(Effect::CancelRun(id));
    }
    state.quit = true;
    out.effects.push(Effect::Quit);
}

fn pick_model(state: &mut State, out: &mut Outcome) {
    let selected = state
        .picker_items("")
        .iter()
        .position(|i| matches!(i, PickItem::Model(m) if *m == state.next.model))
        .unwrap_or(0);
    state.overlays.push(Overlay::Picker {
        query: String::new(),
        selected,
    });
    if state.remote_models.is_empty() {
        out.effects.push(Effect::FetchModels);
    }
}

/// Show the previous or next variant of the selected answer.
fn browse_variants(state: &mut State, forward: bool) {
    let Some(t) = state.selected_turn() else {
        return;
    };
    let turn = &mut state.conversation.turns[t];
    let n = turn.variants.len();
    if n < 2 {
        notice(
            state,
            Level::Info,
            "this message has one variant; regenerate to get another",
        );
        return;
    }
    turn.active = if forward {
        (turn.active + 1).min(n - 1)
    } else {
        turn.active.saturating_sub(1)
    };
    let msg = format!("variant {} of {n}", turn.active + 1);
    state.reasoning_scroll = Default::default();
    notice(state, Level::Info, msg);
}
