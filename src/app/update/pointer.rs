//! The mouse: the wheel scrolls the pane (or popup) under the pointer; a click focuses a pane
//! or selects a message.

use super::navigate::{self, Scrolled, Step};
use crate::app::input::{MouseInput, MouseKind};
use crate::app::state::{Overlay, Pane, State};

/// Lines a mouse wheel step scrolls.
const WHEEL_LINES: usize = 3;

fn inside(area: (u16, u16, u16, u16), col: u16, row: u16) -> bool {
    let (x, y, w, h) = area;
    col >= x && col < x.saturating_add(w) && row >= y && row < y.saturating_add(h)
}

/// The compare column whose answers are under the pointer.
fn column_at(state: &State, col: u16, row: u16) -> Option<usize> {
    state.comparing()?;
    state
        .viewport
        .columns
        .iter()
        .find(|m| inside(m.area, col, row))
        .map(|m| m.column)
}

pub fn mouse(state: &mut State, m: MouseInput) {
    let v = &state.viewport;
    let in_conv = inside(v.conversation_area, m.column, m.row);
    let in_reason = !state.reasoning_folded && inside(v.reasoning_area, m.column, m.row);
    let in_composer = inside(v.composer_area, m.column, m.row);
    match m.kind {
        MouseKind::ScrollUp | MouseKind::ScrollDown => {
            let up = m.kind == MouseKind::ScrollUp;
            let max = v.overlay_max_scroll;
            if let Some(Overlay::Help { scroll } | Overlay::Inspector { scroll, .. }) =
                state.overlays.last_mut()
            {
                *scroll = if up {
                    scroll.saturating_sub(WHEEL_LINES)
                } else {
                    (*scroll + WHEEL_LINES).min(max)
                };
                return;
            }
            let column = column_at(state, m.column, m.row);
            let pane = if let Some(c) = column {
                Scrolled::Column(c)
            } else if state.comparing().is_some() {
                return;
            } else if in_reason {
                Scrolled::Reasoning
            } else if in_conv {
                Scrolled::Conversation
            } else {
                return;
            };
            let step = if up {
                Step::Up(WHEEL_LINES)
            } else {
                Step::Down(WHEEL_LINES)
            };
            navigate::scroll(state, pane, step);
        }
        MouseKind::Click => {
            if !state.overlays.is_empty() {
                return;
            }
            if state.comparing().is_some() {
                if let Some(c) = column_at(state, m.column, m.row)
                    && let Some(k) = state.compare.as_mut()
                {
                    k.focus = c;
                    state.focus = Pane::Conversation;
                } else if in_composer {
                    state.focus = Pane::Composer;
                }
                return;
            }
            if in_conv {
                state.focus = Pane::Conversation;
                let row = (m.row - v.conversation_area.1) as usize;
                let line = navigate::conversation_top(state) + row;
                if let Some(turn) = v.turn_starts.iter().rposition(|&start| start <= line) {
                    navigate::select_turn(state, turn);
                }
            } else if in_reason {
                state.focus = Pane::Reasoning;
            } else if in_composer {
                state.focus = Pane::Composer;
            }
        }
    }
}
