//! Moving around: which pane scrolls, by how much, which message is selected, where a search
//! match is.

use crate::app::state::{Pane, Scroll, State};

/// The panes that scroll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scrolled {
    Conversation,
    Reasoning,
    /// A compare column's answers.
    Column(usize),
}

/// The pane scroll keys act on: the reasoning when it has focus (and is not folded), else the
/// conversation.
pub fn focused(state: &State) -> Scrolled {
    if state.focus == Pane::Reasoning && !state.reasoning_folded {
        Scrolled::Reasoning
    } else {
        Scrolled::Conversation
    }
}

/// A scroll step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Up(usize),
    Down(usize),
    PageUp,
    PageDown,
    Top,
    Bottom,
}

/// Scroll `pane` by `step`, within what the renderer last measured.
pub fn scroll(state: &mut State, pane: Scrolled, step: Step) {
    let v = &state.viewport;
    let (scroll, total, height) = match pane {
        Scrolled::Column(c) => {
            let m = v
                .columns
                .iter()
                .find(|m| m.column == c)
                .copied()
                .unwrap_or_default();
            let Some(col) = state.compare.as_mut().and_then(|k| k.columns.get_mut(c)) else {
                return;
            };
            (&mut col.scroll, m.lines, m.height)
        }
        Scrolled::Reasoning => {
            // A match brought into view sits where the renderer put it: go on from there.
            state.reasoning_scroll.settle(v.reasoning_top);
            (
                &mut state.reasoning_scroll,
                v.reasoning_lines,
                v.reasoning_height,
            )
        }
        Scrolled::Conversation => {
            settle_conversation(state);
            let v = &state.viewport;
            (
                &mut state.conversation_scroll,
                v.conversation_lines,
                v.conversation_height,
            )
        }
    };
    step_scroll(scroll, step, total, height);
    if step == Step::Bottom && pane == Scrolled::Conversation {
        // Following the stream again: the latest message is shown.
        state.selected = None;
    }
}

fn step_scroll(scroll: &mut Scroll, step: Step, total: usize, height: usize) {
    let page = height.saturating_sub(2).max(1);
    match step {
        Step::Up(n) => scroll.up(n, total, height),
        Step::Down(n) => scroll.down(n, total, height),
        Step::PageUp => scroll.up(page, total, height),
        Step::PageDown => scroll.down(page, total, height),
        Step::Top => {
            scroll.top = 0;
            scroll.follow = false;
        }
        Step::Bottom => scroll.follow = true,
    }
}

/// Take the shift the conversation was drawn with into its scroll position (once).
fn settle_conversation(state: &mut State) {
    let shift = std::mem::take(&mut state.viewport.conversation_shift);
    let scroll = &mut state.conversation_scroll;
    if !scroll.follow {
        scroll.top = scroll.top.saturating_add_signed(shift);
    }
}

/// The line of the conversation drawn at the top.
pub fn conversation_top(state: &State) -> usize {
    let v = &state.viewport;
    let s = &state.conversation_scroll;
    let top = s.top_for(v.conversation_lines, v.conversation_height);
    if s.follow {
        top
    } else {
        top.saturating_add_signed(v.conversation_shift)
    }
}

/// Select turn `t`: scroll it into view, show its reasoning.
pub fn select_turn(state: &mut State, t: usize) {
    let last = state.conversation.turns.len().saturating_sub(1);
    state.selected = if t >= last { None } else { Some(t) };
    if let Some(&start) = state.viewport.turn_starts.get(t) {
        // Turn starts are where lines are drawn now: no shift applies to them.
        state.viewport.conversation_shift = 0;
        state.conversation_scroll.follow = false;
        state.conversation_scroll.top = start;
        if t >= last {
            // The latest message: follow the stream again.
            state.conversation_scroll.follow = state.is_running();
        }
    }
    show_reasoning_of_selection(state);
}

/// The reasoning pane starts over for a newly shown message: from the top, or following it
/// while it streams.
pub fn show_reasoning_of_selection(state: &mut State) {
    let running = state
        .selected_variant()
        .is_some_and(|v| v.status.is_running());
    state.reasoning_scroll = Scroll {
        top: 0,
        follow: running,
        reveal: None,
    };
}

/// Which way to move between search matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    First,
    Next,
    Prev,
}

/// Move to a search match and bring it into view. Returns false when there is none.
pub fn search_hop(state: &mut State, hop: Hop) -> bool {
    let Some(s) = state.search.as_mut() else {
        return false;
    };
    let n = s.matches.len();
    if n == 0 {
        return false;
    }
    s.current = match hop {
        Hop::First => 0,
        Hop::Next => (s.current + 1) % n,
        Hop::Prev => (s.current + n - 1) % n,
    };
    let at = s.matches[s.current].0;
    state.reasoning_scroll = Scroll::reveal(at);
    true
}
