//! Keys inside popups (help, inspector, budget editor, picker) and in the search field.

use super::navigate::{self, Hop};
use super::{compare, copy, notice, sessions, settings, switch};
use crate::app::action::Outcome;
use crate::app::input::{Key, KeyPress};
use crate::app::keymap::Command;
use crate::app::state::{BUDGET_PRESETS, Level, Overlay, PickItem, State};
use crate::clipboard::extract::code_blocks;
use crate::text::group;

/// A key for the top popup.
pub fn overlay_key(state: &mut State, k: KeyPress, cmd: Option<Command>, out: &mut Outcome) {
    match state.overlays.last() {
        Some(Overlay::Help { .. } | Overlay::Inspector { .. }) => read_only_key(state, k, cmd),
        Some(Overlay::Budget { .. }) => budget_key(state, k),
        Some(Overlay::Picker { .. }) => picker_key(state, k, out),
        Some(Overlay::Targets { .. }) => targets_key(state, k, out),
        Some(Overlay::Diff { .. }) => diff_key(state, k, cmd),
        Some(Overlay::Chart) => {
            state.overlays.pop();
        }
        Some(Overlay::Code { .. }) => code_key(state, k, out),
        Some(Overlay::Sessions) => sessions::key(state, k, out),
        None => {}
    }
}

/// The code block picker: ↑/↓ choose, Enter copies, anything else closes.
fn code_key(state: &mut State, k: KeyPress, out: &mut Outcome) {
    let Some(&Overlay::Code { variant, .. }) = state.overlays.last() else {
        return;
    };
    let blocks = state
        .variant(variant)
        .map_or(0, |v| code_blocks(&v.reply.answer).len());
    let Some(Overlay::Code { variant, selected }) = state.overlays.last_mut() else {
        return;
    };
    match k.key {
        Key::Up => *selected = selected.saturating_sub(1),
        Key::Down => *selected = (*selected + 1).min(blocks.saturating_sub(1)),
        Key::Enter => {
            let (variant, i) = (*variant, *selected);
            state.overlays.pop();
            copy::code_block(state, variant, i, out);
        }
        _ => {
            state.overlays.pop();
        }
    }
}

/// The compare target picker: a list of targets, or `sweep …`, typed and checked on Enter.
fn targets_key(state: &mut State, k: KeyPress, out: &mut Outcome) {
    let Some(Overlay::Targets { input, error }) = state.overlays.last_mut() else {
        return;
    };
    match (k.key, k.text()) {
        (Key::Esc, _) => {
            state.overlays.pop();
        }
        (Key::Backspace, _) => {
            input.pop();
            *error = None;
        }
        (Key::Enter, _) => {
            let text = input.clone();
            state.overlays.pop();
            if let Err(e) = compare::start_from_text(state, &text, out) {
                // Back to the picker, with what is wrong under the text.
                state.overlays.push(Overlay::Targets {
                    input: text,
                    error: Some(e),
                });
            }
        }
        (_, Some(c)) => {
            input.push(c);
            *error = None;
        }
        _ => {}
    }
}

/// The diff of two columns: ←/→ choose the other column, Tab switches between answers and
/// reasoning, ↑/↓ and PgUp/PgDn scroll; any other key closes it.
fn diff_key(state: &mut State, k: KeyPress, cmd: Option<Command>) {
    let n = state.compare.as_ref().map_or(0, |c| c.columns.len());
    let page = state.viewport.conversation_height.max(5);
    let max = state.viewport.overlay_max_scroll;
    let Some(Overlay::Diff {
        a,
        b,
        reasoning,
        scroll,
    }) = state.overlays.last_mut()
    else {
        return;
    };
    let other = |from: usize, forward: bool| -> usize {
        let mut i = from;
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if i != *a {
                return i;
            }
        }
        from
    };
    match (k.key, cmd) {
        (Key::Right, _) => {
            *b = other(*b, true);
            *scroll = 0;
        }
        (Key::Left, _) => {
            *b = other(*b, false);
            *scroll = 0;
        }
        (Key::Tab, _) => {
            *reasoning = !*reasoning;
            *scroll = 0;
        }
        (Key::Up, _) | (_, Some(Command::ScrollUp)) => *scroll = scroll.saturating_sub(1),
        (Key::Down, _) | (_, Some(Command::ScrollDown)) => *scroll = (*scroll + 1).min(max),
        (Key::PageUp, _) => *scroll = scroll.saturating_sub(page),
        (Key::PageDown, _) => *scroll = (*scroll + page).min(max),
        _ => {
            state.overlays.pop();
        }
    }
}

/// Help and the inspector scroll; any other key closes them.
fn read_only_key(state: &mut State, k: KeyPress, cmd: Option<Command>) {
    let page = state.viewport.conversation_height.max(5);
    let max = state.viewport.overlay_max_scroll;
    let Some(Overlay::Help { scroll } | Overlay::Inspector { scroll, .. }) =
        state.overlays.last_mut()
    else {
        return;
    };
    match (k.key, cmd) {
        (Key::Up, _) | (_, Some(Command::ScrollUp)) => *scroll = scroll.saturating_sub(1),
        (Key::Down, _) | (_, Some(Command::ScrollDown)) => *scroll += 1,
        (Key::PageUp, _) => *scroll = scroll.saturating_sub(page),
        (Key::PageDown, _) => *scroll += page,
        (Key::Home, _) => *scroll = 0,
        _ => {
            state.overlays.pop();
            return;
        }
    }
    *scroll = (*scroll).min(max);
}

/// The budget editor: presets with ↑/↓, or a typed number.
fn budget_key(state: &mut State, k: KeyPress) {
    let max_budget = state.next_capabilities().max_budget;
    let Some(Overlay::Budget {
        input,
        preset,
        error,
    }) = state.overlays.last_mut()
    else {
        return;
    };
    match (k.key, k.text()) {
        (Key::Esc, _) => {
            state.overlays.pop();
        }
        (Key::Up | Key::Down, _) => {
            let n = BUDGET_PRESETS.len();
            let i = match (*preset, k.key) {
                (None, Key::Down) => 0,
                (None, _) => n - 1,
                (Some(i), Key::Down) => (i + 1) % n,
                (Some(i), _) => (i + n - 1) % n,
            };
            *preset = Some(i);
            *input = BUDGET_PRESETS[i].map(|b| b.to_string()).unwrap_or_default();
            *error = None;
        }
        (Key::Backspace, _) => {
            input.pop();
            *preset = None;
            *error = None;
        }
        (Key::Enter, _) => match parse_budget(input, max_budget) {
            Ok(b) => {
                state.overlays.pop();
                settings::set_budget(state, b);
            }
            Err(e) => *error = Some(e),
        },
        (_, Some(c)) if c.is_ascii_digit() || c == ',' || c == '_' => {
            input.push(c);
            *preset = None;
            *error = None;
        }
        _ => {}
    }
}

/// A typed budget: empty is no budget; digit separators are allowed.
fn parse_budget(input: &str, max: Option<u32>) -> Result<Option<u32>, String> {
    let text: String = input.chars().filter(|c| *c != ',' && *c != '_').collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(n) if n > 0 && n <= u32::MAX as i64 => match max {
            Some(max) if n > max as i64 => {
                Err(format!("at most {} for this model", group(max as u64)))
            }
            _ => Ok(Some(n as u32)),
        },
        Ok(_) => Err("the budget must be a positive number of tokens".to_string()),
        Err(_) => Err(format!("\"{text}\" is not a number")),
    }
}

/// The model and provider picker: type to filter, move, pick.
fn picker_key(state: &mut State, k: KeyPress, out: &mut Outcome) {
    let Some(Overlay::Picker { query, selected }) = state.overlays.last() else {
        return;
    };
    let (query, selected) = (query.clone(), *selected);
    let items = state.picker_items(&query);
    let last = items.len().saturating_sub(1);
    let Some(Overlay::Picker {
        query: q,
        selected: sel,
    }) = state.overlays.last_mut()
    else {
        return;
    };
    match (k.key, k.text()) {
        (Key::Esc, _) => {
            state.overlays.pop();
        }
        (Key::Up, _) => *sel = selected.saturating_sub(1),
        (Key::Down, _) => *sel = (selected + 1).min(last),
        (Key::PageUp, _) => *sel = selected.saturating_sub(10),
        (Key::PageDown, _) => *sel = (selected + 10).min(last),
        (Key::Backspace, _) => {
            q.pop();
            *sel = 0;
        }
        (Key::Enter, _) => {
            state.overlays.pop();
            match items.get(selected) {
                Some(PickItem::Model(m)) => settings::set_model(state, m.clone()),
                Some(PickItem::Provider(p)) => switch::start(state, p.clone(), out),
                None => {}
            }
        }
        (_, Some(c)) => {
            q.push(c);
            *sel = 0;
        }
        _ => {}
    }
}

/// Keys while the search query is being typed. Returns whether the key was used.
pub fn search_key(state: &mut State, k: KeyPress) -> bool {
    let Some(s) = state.search.as_mut() else {
        return false;
    };
    match (k.key, k.text()) {
        (Key::Enter, _) => {
            s.editing = false;
            let empty = s.query.is_empty();
            if !navigate::search_hop(state, Hop::First) && !empty {
                notice(state, Level::Info, "no match in this reasoning");
            }
            true
        }
        (Key::Esc, _) => {
            state.search = None;
            true
        }
        (Key::Backspace, _) => {
            s.query.pop();
            true
        }
        (_, Some(c)) => {
            s.query.push(c);
            true
        }
        _ => false,
    }
}
