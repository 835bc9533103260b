//! `update`: the only place the app state changes.

use std::time::Duration;

use crate::provider::StreamEvent;
use crate::provider::client::{Failure, RunEnd, RunEvent, RunOutcome};
use crate::provider::plan::{self, Switch, ThinkingSettings};
use crate::provider::request::{self, ChatRequest};
use crate::session::{BudgetTrouble, MessageSettings, RequestRecord, Status, TimingsMs};

use super::action::{Action, Effect, Outcome};
use super::input::{Input, Key, KeyPress, MouseInput, MouseKind};
use super::keymap::Command;
use super::state::{BUDGET_PRESETS, Level, Notice, Overlay, Pane, PickItem, Search, State};

/// How long a status-line notice stays.
const NOTICE_MS: u64 = 6_000;
/// Lines a mouse wheel step scrolls.
const WHEEL_LINES: usize = 3;

/// Apply `action` to `state`.
pub fn update(state: &mut State, action: Action) -> Outcome {
    let mut out = Outcome {
        consumed: true,
        dirty: true,
        effects: Vec::new(),
    };
    match action {
        Action::Input { input, composer } => input_action(state, input, &composer, &mut out),
        Action::Run { variant, event } => run_event(state, variant, event),
        Action::RunEnded { variant, outcome } => run_ended(state, variant, outcome),
        Action::ProviderSwitched(result) => provider_switched(state, result, &mut out),
        Action::Models(Ok(models)) => {
            // Names come from the server: keep only ones that can be shown and sent as they are.
            state.remote_models = models
                .into_iter()
                .filter(|m| !m.is_empty() && m.len() <= 200 && crate::text::inert(m) == m.as_str())
                .collect();
        }
        Action::Models(Err(_)) => out.dirty = false,
        Action::Viewport(v) => {
            out.dirty = false;
            if let Some(s) = &mut state.search
                && s.current >= v.match_lines.len()
            {
                s.current = 0;
            }
            state.viewport = v;
        }
        Action::Tick(now) => {
            state.now_ms = now;
            let expired = state.notice.as_ref().is_some_and(|n| n.until_ms <= now);
            if expired {
                state.notice = None;
            }
            // Live timers move only while something runs.
            out.dirty = expired || state.is_running();
        }
    }
    out
}

fn notice(state: &mut State, level: Level, text: impl Into<String>) {
    state.notice = Some(Notice {
        text: text.into(),
        level,
        until_ms: state.now_ms + NOTICE_MS,
    });
}

fn input_action(state: &mut State, input: Input, composer: &str, out: &mut Outcome) {
    match input {
        Input::Paste(text) => paste(state, text, out),
        Input::Mouse(m) => mouse(state, m),
        Input::Key(k) => {
            if let Some(top) = state.overlays.last().cloned() {
                overlay_key(state, top, k, out);
                return;
            }
            if state.search.as_ref().is_some_and(|s| s.editing) && search_key(state, k) {
                return;
            }
            let cmd = state.keymap.lookup(&k);
            let typing = state.focus == Pane::Composer && !k.is_command_key();
            match cmd {
                Some(cmd) if !typing => command(state, cmd, composer, out),
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
    }
}

fn paste(state: &mut State, text: String, out: &mut Outcome) {
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
        Some(_) => {}
        None => match &mut state.search {
            Some(s) if s.editing => s.query.push_str(text.lines().next().unwrap_or("")),
            _ => {
                state.focus = Pane::Composer;
                out.effects.push(Effect::ComposerInsert(text));
            }
        },
    }
}

fn inside(area: (u16, u16, u16, u16), col: u16, row: u16) -> bool {
    let (x, y, w, h) = area;
    col >= x && col < x.saturating_add(w) && row >= y && row < y.saturating_add(h)
}

fn mouse(state: &mut State, m: MouseInput) {
    let v = state.viewport.clone();
    let in_conv = inside(v.conversation_area, m.column, m.row);
    let in_reason = !state.reasoning_folded && inside(v.reasoning_area, m.column, m.row);
    match m.kind {
        MouseKind::ScrollUp | MouseKind::ScrollDown => {
            let up = m.kind == MouseKind::ScrollUp;
            if let Some(Overlay::Help { scroll } | Overlay::Inspector { scroll, .. }) =
                state.overlays.last_mut()
            {
                *scroll = if up {
                    scroll.saturating_sub(WHEEL_LINES)
                } else {
                    (*scroll + WHEEL_LINES).min(v.overlay_max_scroll)
                };
                return;
            }
            let (scroll, total, height) = if in_reason {
                (
                    &mut state.reasoning_scroll,
                    v.reasoning_lines,
                    v.reasoning_height,
                )
            } else if in_conv {
                (
                    &mut state.conversation_scroll,
                    v.conversation_lines,
                    v.conversation_height,
                )
            } else {
                return;
            };
            if up {
                scroll.up(WHEEL_LINES, total, height);
            } else {
                scroll.down(WHEEL_LINES, total, height);
            }
        }
        MouseKind::Click => {
            if !state.overlays.is_empty() {
                return;
            }
            if in_conv {
                state.focus = Pane::Conversation;
                let row = (m.row - v.conversation_area.1) as usize;
                let line = state
                    .conversation_scroll
                    .top_for(v.conversation_lines, v.conversation_height)
                    + row;
                if let Some(turn) = v.turn_starts.iter().rposition(|&start| start <= line) {
                    select_turn(state, turn);
                }
            } else if in_reason {
                state.focus = Pane::Reasoning;
            } else if inside(v.composer_area, m.column, m.row) {
                state.focus = Pane::Composer;
            }
        }
    }
}

/// Keys while the search query is being typed. Returns whether the key was used.
fn search_key(state: &mut State, k: KeyPress) -> bool {
    let Some(s) = state.search.as_mut() else {
        return false;
    };
    match (k.key, k.text()) {
        (Key::Enter, _) => {
            s.editing = false;
            s.current = 0;
            let first = state.viewport.match_lines.first().copied();
            if let Some(line) = first {
                jump_reasoning_to(state, line);
            } else if !state.search.as_ref().is_some_and(|s| s.query.is_empty()) {
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

fn jump_reasoning_to(state: &mut State, line: usize) {
    state.reasoning_scroll.follow = false;
    state.reasoning_scroll.top = line.saturating_sub(2);
}

fn overlay_key(state: &mut State, top: Overlay, k: KeyPress, out: &mut Outcome) {
    let cmd = state.keymap.lookup(&k);
    // Quitting and Ctrl+C work whatever is open.
    if let Some(c @ (Command::Quit | Command::Interrupt)) = cmd {
        state.overlays.clear();
        command(state, c, "", out);
        return;
    }
    match top {
        Overlay::Help { .. } | Overlay::Inspector { .. } => {
            let page = state.viewport.conversation_height.max(5);
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
                    // Any other key closes a read-only popup.
                    state.overlays.pop();
                    return;
                }
            }
            *scroll = (*scroll).min(state.viewport.overlay_max_scroll);
        }
        Overlay::Budget { .. } => budget_key(state, k),
        Overlay::Picker { .. } => picker_key(state, k, out),
    }
}

fn budget_key(state: &mut State, k: KeyPress) {
    let caps = state.next_capabilities();
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
        (Key::Enter, _) => {
            let text: String = input.chars().filter(|c| *c != ',' && *c != '_').collect();
            let parsed = if text.trim().is_empty() {
                Ok(None)
            } else {
                match text.trim().parse::<i64>() {
                    Ok(n) if n > 0 && n <= u32::MAX as i64 => match caps.max_budget {
                        Some(max) if n > max as i64 => {
                            Err(format!("at most {} for this model", group(max as u64)))
                        }
                        _ => Ok(Some(n as u32)),
                    },
                    Ok(_) => Err("the budget must be a positive number of tokens".to_string()),
                    Err(_) => Err(format!("\"{}\" is not a number", text.trim())),
                }
            };
            match parsed {
                Ok(b) => {
                    state.next.thinking.budget = b;
                    state.overlays.pop();
                    let msg = match b {
                        Some(b) => {
                            format!("thinking budget for the next message: {}", group(b as u64))
                        }
                        None => "no thinking budget for the next message".to_string(),
                    };
                    notice(state, Level::Info, msg);
                }
                Err(e) => *error = Some(e),
            }
        }
        (_, Some(c)) if c.is_ascii_digit() || c == ',' || c == '_' => {
            input.push(c);
            *preset = None;
            *error = None;
        }
        _ => {}
    }
}

fn picker_key(state: &mut State, k: KeyPress, out: &mut Outcome) {
    let Some(Overlay::Picker { query, selected }) = state.overlays.last().cloned() else {
        return;
    };
    let items = state.picker_items(&query);
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
        (Key::Down, _) => *sel = (selected + 1).min(items.len().saturating_sub(1)),
        (Key::PageUp, _) => *sel = selected.saturating_sub(10),
        (Key::PageDown, _) => *sel = (selected + 10).min(items.len().saturating_sub(1)),
        (Key::Backspace, _) => {
            q.pop();
            *sel = 0;
        }
        (Key::Enter, _) => {
            state.overlays.pop();
            match items.get(selected) {
                Some(PickItem::Model(m)) => set_model(state, m.clone()),
                Some(PickItem::Provider(p)) if *p == state.provider.name => {}
                Some(PickItem::Provider(_)) if state.is_running() => {
                    notice(
                        state,
                        Level::Warn,
                        "a response is still streaming: let it finish (or Esc) before switching provider",
                    );
                }
                Some(PickItem::Provider(p)) => {
                    state.switching = Some(p.clone());
                    notice(state, Level::Info, format!("connecting to {p}…"));
                    out.effects.push(Effect::SwitchProvider(p.clone()));
                }
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

/// Make `model` the next message's model, dropping settings it cannot take.
fn set_model(state: &mut State, model: String) {
    state.next.model = model.clone();
    let caps = state.next_capabilities();
    let mut dropped = Vec::new();
    let t = &mut state.next.thinking;
    match caps.switch {
        Switch::AlwaysOn | Switch::AlwaysOff | Switch::Unavailable => {
            if t.thinking.take().is_some() {
                dropped.push("the thinking switch (locked for this model)");
            }
        }
        Switch::Free { .. } | Switch::Unknown => {}
    }
    if !caps.budget && t.budget.take().is_some() {
        dropped.push("the budget (not supported)");
    }
    if let (Some(max), Some(b)) = (caps.max_budget, t.budget)
        && b > max
    {
        t.budget = Some(max);
        dropped.push("the budget (lowered to the model's maximum)");
    }
    if !caps.preserve && t.preserve {
        t.preserve = false;
        dropped.push("preserve_thinking (not supported)");
    }
    let mut msg = format!("next message: {model}");
    if state.model_info(&model).is_none() {
        msg.push_str(" (not in the catalog: thinking controls are sent as you set them)");
    }
    if !dropped.is_empty() {
        msg.push_str(&format!("; dropped {}", dropped.join(", ")));
    }
    notice(state, Level::Info, msg);
}

fn command(state: &mut State, cmd: Command, composer: &str, out: &mut Outcome) {
    let page = |h: usize| h.saturating_sub(2).max(1);
    match cmd {
        Command::Send => send(state, composer, out),
        Command::Newline => out.effects.push(Effect::ComposerNewline),
        Command::Cancel => {
            if state.search.is_some() {
                state.search = None;
            } else if state.is_running() {
                cancel_all(state, out);
            } else {
                out.dirty = false;
            }
        }
        Command::Interrupt => {
            if state.is_running() {
                cancel_all(state, out);
            } else {
                quit(state, out);
            }
        }
        Command::Quit => {
            for id in state.running() {
                out.effects.push(Effect::CancelRun(id));
            }
            quit(state, out);
        }
        Command::ToggleThinking => toggle_thinking(state),
        Command::EditBudget => {
            let caps = state.next_capabilities();
            if !caps.budget {
                let msg = format!(
                    "a thinking budget is not applicable to {} on {}",
                    state.next.model, state.provider.name
                );
                notice(state, Level::Warn, msg);
            } else {
                let input = state
                    .next
                    .thinking
                    .budget
                    .map(|b| b.to_string())
                    .unwrap_or_default();
                state.overlays.push(Overlay::Budget {
                    input,
                    preset: None,
                    error: None,
                });
            }
        }
        Command::TogglePreserve => {
            if !state.next_capabilities().preserve {
                let msg = format!(
                    "preserve_thinking is not supported by {} on {}",
                    state.next.model, state.provider.name
                );
                notice(state, Level::Warn, msg);
            } else {
                state.next.thinking.preserve = !state.next.thinking.preserve;
                let msg = if state.next.thinking.preserve {
                    "preserve_thinking on: earlier reasoning goes back with the next message (billed as input)"
                } else {
                    "preserve_thinking off"
                };
                notice(state, Level::Info, msg);
            }
        }
        Command::PickModel => {
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
        Command::FocusNext => state.focus = state.focus.next(state.reasoning_folded),
        Command::FocusPrev => state.focus = state.focus.prev(state.reasoning_folded),
        Command::Help => state.overlays.push(Overlay::Help { scroll: 0 }),
        Command::Regenerate => match state.selected_turn() {
            Some(t) => regenerate(state, t, None, out),
            None => notice(state, Level::Info, "nothing to regenerate yet"),
        },
        Command::VariantPrev | Command::VariantNext => {
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
            turn.active = match cmd {
                Command::VariantPrev => turn.active.saturating_sub(1),
                _ => (turn.active + 1).min(n - 1),
            };
            let msg = format!("variant {} of {n}", turn.active + 1);
            state.reasoning_scroll = Default::default();
            notice(state, Level::Info, msg);
        }
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
            select_turn(state, t);
        }
        Command::ScrollUp | Command::ScrollDown | Command::PageUp | Command::PageDown => {
            let v = &state.viewport;
            let reasoning = state.focus == Pane::Reasoning && !state.reasoning_folded;
            let (scroll, total, height) = if reasoning {
                (
                    &mut state.reasoning_scroll,
                    v.reasoning_lines,
                    v.reasoning_height,
                )
            } else {
                (
                    &mut state.conversation_scroll,
                    v.conversation_lines,
                    v.conversation_height,
                )
            };
            match cmd {
                Command::ScrollUp => scroll.up(1, total, height),
                Command::ScrollDown => scroll.down(1, total, height),
                Command::PageUp => scroll.up(page(height), total, height),
                _ => scroll.down(page(height), total, height),
            }
        }
        Command::ScrollTop | Command::ScrollBottom => {
            let scroll = if state.focus == Pane::Reasoning {
                &mut state.reasoning_scroll
            } else {
                &mut state.conversation_scroll
            };
            if cmd == Command::ScrollTop {
                scroll.top = 0;
                scroll.follow = false;
            } else {
                scroll.follow = true;
                if state.focus != Pane::Reasoning {
                    state.selected = None;
                }
            }
        }
        Command::Search => {
            state.reasoning_folded = false;
            state.focus = Pane::Reasoning;
            state.search = Some(Search {
                editing: true,
                ..Search::default()
            });
        }
        Command::SearchNext | Command::SearchPrev => {
            let lines = state.viewport.match_lines.clone();
            let Some(s) = state.search.as_mut() else {
                out.dirty = false;
                return;
            };
            if lines.is_empty() {
                notice(state, Level::Info, "no match");
                return;
            }
            s.current = match cmd {
                Command::SearchNext => (s.current + 1) % lines.len(),
                _ => (s.current + lines.len() - 1) % lines.len(),
            };
            let line = lines[s.current];
            jump_reasoning_to(state, line);
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
        Command::RetryBiggerBudget => retry_bigger(state, out),
        Command::RetryWithoutThinking => retry_without_thinking(state, out),
    }
}

fn quit(state: &mut State, out: &mut Outcome) {
    state.quit = true;
    out.effects.push(Effect::Quit);
}

fn cancel_all(state: &mut State, out: &mut Outcome) {
    for id in state.running() {
        out.effects.push(Effect::CancelRun(id));
        // Marked at once: the message never waits on its task to confirm.
        if let Some(v) = state.conversation.variant_mut(id) {
            v.status = Status::Cancelled;
        }
    }
    notice(state, Level::Info, "cancelled; the partial answer is kept");
}

fn select_turn(state: &mut State, t: usize) {
    let last = state.conversation.turns.len().saturating_sub(1);
    state.selected = if t >= last { None } else { Some(t) };
    if let Some(&start) = state.viewport.turn_starts.get(t) {
        state.conversation_scroll.follow = false;
        state.conversation_scroll.top = start;
        if t >= last {
            // The latest message: follow the stream again.
            state.conversation_scroll.follow = state.is_running();
        }
    }
    let running = state
        .selected_variant()
        .is_some_and(|v| v.status.is_running());
    state.reasoning_scroll = super::state::Scroll {
        top: 0,
        follow: running,
    };
}

fn toggle_thinking(state: &mut State) {
    let caps = state.next_capabilities();
    let t = &mut state.next.thinking;
    let msg = match caps.switch {
        Switch::Free { default_on } => {
            let on = !t.thinking.unwrap_or(default_on);
            t.thinking = Some(on);
            format!(
                "thinking {} for the next message",
                if on { "on" } else { "off" }
            )
        }
        Switch::Unknown => {
            t.thinking = match t.thinking {
                None => Some(true),
                Some(true) => Some(false),
                Some(false) => None,
            };
            match t.thinking {
                None => "thinking: the server's default for the next message".to_string(),
                Some(on) => format!(
                    "thinking {} for the next message",
                    if on { "on" } else { "off" }
                ),
            }
        }
        Switch::AlwaysOn => {
            let m = state.next.model.clone();
            notice(
                state,
                Level::Warn,
                format!("{m} is a thinking-only model: thinking cannot be turned off"),
            );
            return;
        }
        Switch::AlwaysOff => {
            let m = state.next.model.clone();
            notice(state, Level::Warn, format!("{m} does not think"));
            return;
        }
        Switch::Unavailable => {
            let msg = format!(
                "{} has no per-request thinking switch (set its kind in the config)",
                state.provider.name
            );
            notice(state, Level::Warn, msg);
            return;
        }
    };
    notice(state, Level::Info, msg);
}

/// The settings as they will be sent: a budget only while thinking, nothing the model lacks.
fn effective(state: &State, model: &str, settings: &ThinkingSettings) -> ThinkingSettings {
    let caps = state.capabilities(model);
    let mut s = settings.clone();
    if matches!(
        caps.switch,
        Switch::AlwaysOn | Switch::AlwaysOff | Switch::Unavailable
    ) {
        s.thinking = None;
    }
    if !caps.budget || caps.thinks(&s) == Some(false) {
        s.budget = None;
    }
    if !caps.preserve {
        s.preserve = false;
    }
    s
}

fn send(state: &mut State, composer: &str, out: &mut Outcome) {
    let text = composer.trim_end();
    if text.trim().is_empty() {
        out.dirty = false;
        return;
    }
    if state.is_running() {
        notice(
            state,
            Level::Warn,
            "a response is still streaming: Esc cancels it",
        );
        return;
    }
    if let Some(p) = &state.switching {
        let msg = format!("still connecting to {p}");
        notice(state, Level::Warn, msg);
        return;
    }
    let t = state.conversation.push_turn(text.to_string());
    state.selected = None;
    state.conversation_scroll.follow = true;
    let settings = state.next.thinking.clone();
    let model = state.next.model.clone();
    if start_variant(state, t, model, settings, state.next.max_tokens, out) {
        out.effects.push(Effect::ClearComposer);
    } else {
        // Nothing was sent: the prompt stays in the composer.
        state.conversation.turns.pop();
    }
}

fn regenerate(
    state: &mut State,
    t: usize,
    settings: Option<(String, ThinkingSettings, Option<u32>)>,
    out: &mut Outcome,
) {
    if state.conversation.turns[t]
        .variants
        .iter()
        .any(|v| v.status.is_running())
    {
        notice(
            state,
            Level::Warn,
            "this message is still streaming: Esc cancels it",
        );
        return;
    }
    let (model, thinking, max_tokens) = settings.unwrap_or_else(|| {
        (
            state.next.model.clone(),
            state.next.thinking.clone(),
            state.next.max_tokens,
        )
    });
    start_variant(state, t, model, thinking, max_tokens, out);
}

/// Add a variant to turn `t` and start its run. Returns false (with a notice) when the
/// settings cannot be sent.
fn start_variant(
    state: &mut State,
    t: usize,
    model: String,
    thinking: ThinkingSettings,
    max_tokens: Option<u32>,
    out: &mut Outcome,
) -> bool {
    let settings = effective(state, &model, &thinking);
    let caps = state.capabilities(&model);
    let resolved = match plan::resolve(state.provider.dialect, &model, &caps, &settings) {
        Ok(r) => r,
        Err(e) => {
            notice(state, Level::Error, e.to_string());
            return false;
        }
    };
    let msg_settings = MessageSettings {
        provider: state.provider.name.clone(),
        model: model.clone(),
        thinking: settings,
        resolved,
        max_tokens,
    };
    let now = state.now_ms;
    let id = state.conversation.push_variant(t, msg_settings, now);
    let chat = ChatRequest {
        model: model.clone(),
        messages: state.conversation.history_for(t),
        thinking: resolved,
        max_tokens,
        temperature: None,
    };
    let prepared = request::prepare(&state.target(&model), &chat);
    let preserved = resolved.preserve.then(|| {
        chat.messages
            .iter()
            .filter_map(|m| m.reasoning.as_deref())
            .map(crate::session::tokens::estimate)
            .sum::<u64>()
    });
    if let Some(v) = state.conversation.variant_mut(id) {
        v.preserved_tokens = preserved;
        v.request = Some(RequestRecord {
            url: prepared.url.clone(),
            headers: prepared.headers.clone(),
            body: prepared.body.clone(),
            authorized: state.provider.has_key,
        });
    }
    state.reasoning_scroll = Default::default();
    out.effects.push(Effect::StartRun {
        variant: id,
        request: prepared,
    });
    true
}

fn selected_for_retry(
    state: &mut State,
) -> Option<(usize, MessageSettings, Option<BudgetTrouble>)> {
    let t = state.selected_turn()?;
    let v = state.conversation.turns[t].active()?;
    if v.status.is_running() {
        notice(
            state,
            Level::Warn,
            "this message is still streaming: Esc cancels it",
        );
        return None;
    }
    Some((t, v.settings.clone(), v.budget_trouble()))
}

fn retry_bigger(state: &mut State, out: &mut Outcome) {
    let Some((t, s, trouble)) = selected_for_retry(state) else {
        return;
    };
    let mut thinking = s.thinking.clone();
    let mut max_tokens = s.max_tokens;
    let caps = state.capabilities(&s.model);
    if trouble == Some(BudgetTrouble::LengthWithoutAnswer) {
        // The output limit went on thinking: a bigger budget would leave the answer even
        // less room. Cap the thinking instead, or raise the output cap if there is one.
        let msg = if caps.budget {
            let roomier = state.conversation.turns[t]
                .active()
                .map(|v| v.roomier_budget())
                .unwrap_or(128);
            let roomier = caps.max_budget.map_or(roomier, |m| roomier.min(m));

            thinking.budget = Some(roomier);
            format!(
                "retrying with thinking capped at {} tokens, so the answer has room",
                group(roomier as u64)
            )
        } else if let Some(m) = s.max_tokens {
            max_tokens = Some(m.saturating_mul(2));
            format!("retrying with max_tokens {}", group(m as u64 * 2))
        } else {
            let key = state.keymap.hint(Command::RetryWithoutThinking);
            notice(
                state,
                Level::Info,
                format!(
                    "{} cannot cap its thinking; {key} retries without thinking",
                    s.model
                ),
            );
            return;
        };
        notice(state, Level::Info, msg);
        regenerate(state, t, Some((s.model, thinking, max_tokens)), out);
        return;
    }
    let msg = match (s.resolved.budget, s.max_tokens) {
        (Some(b), _) => {
            let bigger = b.saturating_mul(2);
            let bigger = caps.max_budget.map_or(bigger, |m| bigger.min(m));
            thinking.budget = Some(bigger);
            format!(
                "retrying with a thinking budget of {}",
                group(bigger as u64)
            )
        }
        (None, Some(m)) => {
            max_tokens = Some(m.saturating_mul(2));
            format!("retrying with max_tokens {}", group(m as u64 * 2))
        }
        (None, None) => {
            let key = state.keymap.hint(Command::RetryWithoutThinking);
            notice(
                state,
                Level::Info,
                format!(
                    "this message had no budget or output cap to raise; {key} retries without thinking"
                ),
            );
            return;
        }
    };
    notice(state, Level::Info, msg);
    regenerate(state, t, Some((s.model, thinking, max_tokens)), out);
}

fn retry_without_thinking(state: &mut State, out: &mut Outcome) {
    let Some((t, s, _)) = selected_for_retry(state) else {
        return;
    };
    let caps = state.capabilities(&s.model);
    if !matches!(caps.switch, Switch::Free { .. } | Switch::Unknown) {
        notice(
            state,
            Level::Warn,
            format!(
                "{} cannot think less: its thinking cannot be switched off",
                s.model
            ),
        );
        return;
    }
    let thinking = ThinkingSettings {
        thinking: Some(false),
        budget: None,
        preserve: false,
    };
    notice(state, Level::Info, "retrying with thinking off");
    regenerate(state, t, Some((s.model, thinking, s.max_tokens)), out);
}

fn run_event(state: &mut State, variant: u64, event: RunEvent) {
    let msg = match &event {
        RunEvent::Retrying {
            attempt,
            max_attempts,
            wait,
            reason,
        } => Some(format!(
            "{reason}: retrying in {:.1} s (attempt {} of {max_attempts})",
            wait.as_secs_f64(),
            attempt + 1
        )),
        _ => None,
    };
    let now = state.now_ms;
    let Some(v) = state.conversation.variant_mut(variant) else {
        return;
    };
    match event {
        RunEvent::Attempt(n) => v.retries = n.saturating_sub(1),
        RunEvent::Connected { .. } => {}
        RunEvent::Retrying { .. } => {}
        RunEvent::Stream(e) => {
            match &e {
                StreamEvent::Reasoning(_) => {
                    v.first_token_at_ms.get_or_insert(now);
                }
                StreamEvent::Answer(_) | StreamEvent::ToolCall(_) => {
                    v.first_token_at_ms.get_or_insert(now);
                    v.first_answer_at_ms.get_or_insert(now);
                }
                _ => {}
            }
            v.apply(&e);
        }
    }
    if let Some(m) = msg {
        notice(state, Level::Warn, m);
    }
}

fn ms(d: Option<Duration>) -> Option<u64> {
    d.map(|d| d.as_millis() as u64)
}

fn run_ended(state: &mut State, variant: u64, outcome: RunOutcome) {
    let hint = state.provider.unauthorized_hint.clone();
    let price = state
        .conversation
        .variant(variant)
        .and_then(|v| state.model_info(&v.settings.model))
        .and_then(|m| m.price);
    let Some(v) = state.conversation.variant_mut(variant) else {
        return;
    };
    v.timings = TimingsMs {
        ttft: ms(outcome.timings.ttft),
        reasoning: ms(outcome.timings.reasoning),
        answer: ms(outcome.timings.answer),
        total: Some(outcome.timings.total.as_millis() as u64),
    };
    v.malformed = outcome.info.malformed;
    if let (Some(p), Some(u)) = (price, &v.reply.usage)
        && let (Some(i), Some(o)) = (u.input_tokens, u.output_tokens)
    {
        v.cost_usd = Some(p.cost(i, o, v.billed_as_thinking()));
    }
    let mut message = None;
    v.status = match outcome.end {
        RunEnd::Complete => Status::Complete,
        RunEnd::Cancelled => Status::Cancelled,
        RunEnd::Failed(Failure::Api(e)) => {
            let mut text = e.to_string();
            if e.status == Some(401) {
                text.push_str(". ");
                text.push_str(&hint);
            }
            v.reply.error = Some(e);
            message = Some(text.clone());
            Status::Failed(text)
        }
        RunEnd::Failed(f @ (Failure::Network(_) | Failure::Interrupted(_))) => {
            let text = f.to_string();
            message = Some(format!("{text}; the partial answer is kept"));
            match f {
                Failure::Network(_) => Status::Failed(text),
                _ => Status::Interrupted(text),
            }
        }
    };
    let malformed = v.malformed;
    let cancelled = v.status == Status::Cancelled;
    if let Some(m) = message {
        notice(state, Level::Error, m);
    } else if malformed > 0 {
        notice(
            state,
            Level::Warn,
            format!("{malformed} malformed chunk(s) in the stream were skipped"),
        );
    } else if cancelled {
        notice(state, Level::Info, "cancelled; the partial answer is kept");
    }
}

fn provider_switched(
    state: &mut State,
    result: Result<super::state::ProviderInfo, String>,
    out: &mut Outcome,
) {
    let name = state.switching.take().unwrap_or_default();
    match result {
        Ok(info) => {
            let msg = format!("now using {}", info.label);
            let model_known = state
                .catalog
                .lookup(&state.next.model, info.dialect.catalog_host())
                .is_some();
            let default_model = info.default_model.clone();
            state.provider = info;
            state.remote_models.clear();
            notice(state, Level::Info, msg);
            if !model_known {
                set_model(state, default_model);
            }
            out.effects.push(Effect::FetchModels);
        }
        Err(e) => notice(state, Level::Error, format!("cannot use {name}: {e}")),
    }
}

/// `1234567` → `1,234,567`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
