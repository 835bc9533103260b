//! The compare screen: starting a comparison (from the target picker, or `--compare` and
//! `--sweep` at start-up), sending one prompt to every column with that column's own history,
//! cancelling one column or all, and adopting a column into the conversation.

use super::navigate::{self, Scrolled, Step};
use super::{finish_first, notice, runs, switch};
use crate::app::action::{Effect, Outcome};
use crate::app::keymap::Command;
use crate::app::state::compare::{Column, Compare};
use crate::app::state::{Level, Overlay, Pane, ProviderInfo, State};
use crate::compare::{MAX_COLUMNS, Sweep, TargetSpec};
use crate::provider::plan::Switch;
use crate::session::Status;
use crate::session::proof::Proof;

/// The picker's starting text: the comparison's targets, or the next message's model with its
/// settings beside the same model with thinking the other way (where it can be switched).
fn seed(state: &State) -> String {
    if let Some(c) = &state.compare {
        return c.targets_text();
    }
    let caps = state.next_capabilities();
    let mut current = TargetSpec::model(state.next.model.clone());
    current.settings = caps.applicable(&state.next.thinking);
    let thinks = caps.thinks(&current.settings);
    if matches!(caps.switch, Switch::Free { .. }) {
        // Say which way thinking goes, beside the other way.
        current.settings.thinking = thinks;
    }
    let mut targets = vec![current.to_string()];
    if let Some(on) = thinks {
        let mut other = current.clone();
        other.settings.thinking = Some(!on);
        if on {
            other.settings.budget = None;
        }
        if other.check(&state.provider.route).is_ok() {
            targets.push(other.to_string());
        }
    }
    targets.join(", ")
}

/// The compare key: show the comparison kept aside, or open the target picker; in the compare
/// view, go back to the conversation (the comparison is kept).
pub fn toggle(state: &mut State) {
    match &mut state.compare {
        Some(c) if c.shown => {
            c.shown = false;
            state.focus = Pane::Composer;
        }
        Some(c) => {
            c.shown = true;
            state.focus = Pane::Composer;
            state.search = None;
        }
        None => open_picker(state),
    }
}

pub fn open_picker(state: &mut State) {
    let input = seed(state);
    state.overlays.push(Overlay::Targets { input, error: None });
}

/// Start comparing what `text` says: a list of targets, or `sweep think` / `sweep
/// budget=N,…` over the next message's model. Errors are for the picker to show.
pub fn start_from_text(state: &mut State, text: &str, out: &mut Outcome) -> Result<(), String> {
    let text = text.trim();
    if let Some(sweep) = text.strip_prefix("sweep") {
        let mut base = TargetSpec::model(state.next.model.clone());
        base.settings.preserve = state.next.thinking.preserve;
        return start_sweep(state, base, sweep, out);
    }
    let targets = TargetSpec::parse_list(text).map_err(|e| e.to_string())?;
    start(state, targets, out)
}

/// `--compare` and `--sweep` at start-up: a sweep applies to the one target given (or to the
/// model in use).
pub fn start_from_args(
    state: &mut State,
    list: Option<&str>,
    sweep: Option<&str>,
    out: &mut Outcome,
) -> Result<(), String> {
    let targets = match list {
        Some(l) => TargetSpec::parse_list(l).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    match sweep {
        Some(s) => {
            let base = match targets.as_slice() {
                [] => {
                    let mut base = TargetSpec::model(state.next.model.clone());
                    base.settings.preserve = state.next.thinking.preserve;
                    base
                }
                [one] => one.clone(),
                _ => {
                    return Err(
                        "--sweep applies to one target: give --compare a single target, or none"
                            .to_string(),
                    );
                }
            };
            start_sweep(state, base, s, out)
        }
        None => start(state, targets, out),
    }
}

fn start_sweep(
    state: &mut State,
    base: TargetSpec,
    sweep: &str,
    out: &mut Outcome,
) -> Result<(), String> {
    let sweep = Sweep::parse(sweep)?;
    let route = match &base.provider {
        Some(p) if *p != state.provider.name => {
            return Err(format!(
                "a sweep runs on the provider in use: pick {p} first (with --provider {p}, or in the model and provider picker)"
            ));
        }
        _ => &state.provider.route,
    };
    let targets = sweep.targets(&base, route).map_err(|e| e.to_string())?;
    start(state, targets, out)
}

/// Start comparing `targets`.
pub fn start(state: &mut State, targets: Vec<TargetSpec>, out: &mut Outcome) -> Result<(), String> {
    if !(2..=MAX_COLUMNS).contains(&targets.len()) {
        return Err(format!(
            "compare 2 to {MAX_COLUMNS} targets, separated by commas (got {})",
            targets.len()
        ));
    }
    if state.is_running() {
        return Err(finish_first(state, "first"));
    }
    if let Some(p) = &state.switching {
        return Err(format!("still connecting to {p}"));
    }
    let mut columns = Vec::new();
    let mut open = Vec::new();
    for t in targets {
        columns.push(column_for(state, t, &mut open)?);
    }
    out.effects
        .extend(open.into_iter().map(Effect::OpenConnection));
    let base = state.conversation.turns.len();
    let id = state.conversation.next_id();
    state.compare = Some(Compare::new(id, columns, base));
    state.focus = Pane::Composer;
    state.search = None;
    let n = state.compare.as_ref().map_or(0, |c| c.columns.len());
    let back = state.keymap.hint(Command::Compare);
    notice(
        state,
        Level::Info,
        format!("comparing {n} targets: the next message goes to each ({back} goes back)"),
    );
    Ok(())
}

/// A column for target `t` starting from the conversation: on the conversation's provider, or
/// on another one whose connection is to be opened (its name is added to `open`).
pub fn column_for(state: &State, t: TargetSpec, open: &mut Vec<String>) -> Result<Column, String> {
    let provider = match &t.provider {
        None => Some(state.provider.clone()),
        Some(p) if *p == state.provider.name => Some(state.provider.clone()),
        Some(p) if state.providers.contains(p) || p == "demo" => {
            if !open.contains(p) {
                open.push(p.clone());
            }
            None
        }
        Some(p) => {
            return Err(format!(
                "target \"{t}\": no provider named \"{p}\" (known: {})",
                state.providers.join(", ")
            ));
        }
    };
    if let Some(info) = &provider {
        t.check(&info.route).map_err(|e| e.to_string())?;
    }
    Ok(Column::new(t, provider, &state.conversation))
}

/// A connection for columns on provider `name` was opened (or could not be).
pub fn connection_opened(
    state: &mut State,
    name: String,
    result: Result<ProviderInfo, String>,
    out: &mut Outcome,
) {
    let Some(c) = &mut state.compare else {
        out.effects.push(Effect::DropConnection(name));
        return;
    };
    let mut used = false;
    for col in c
        .columns
        .iter_mut()
        .filter(|col| col.provider.is_none() && col.target.provider.as_ref() == Some(&name))
    {
        match &result {
            Ok(info) => match col.target.check(&info.route) {
                Ok(()) => {
                    col.provider = Some(info.clone());
                    used = true;
                }
                Err(e) => col.error = Some(e.to_string()),
            },
            Err(e) => col.error = Some(format!("cannot use {name}: {e}")),
        }
    }
    out.effects.push(if used {
        Effect::KeepConnection(name)
    } else {
        Effect::DropConnection(name)
    });
}

/// Send `composer` to every column that can take it, each with its own history.
pub fn send(state: &mut State, composer: &str, out: &mut Outcome) {
    let composer = state.pastes.expand(composer).into_owned();
    let text = composer.trim_end();
    if text.trim().is_empty() {
        out.dirty = false;
        return;
    }
    let Some(c) = &state.compare else { return };
    if c.is_running() {
        let (one, all) = (
            state.keymap.hint(Command::Cancel),
            state.keymap.hint(Command::Interrupt),
        );
        notice(
            state,
            Level::Warn,
            format!("still streaming: {one} cancels the focused column, {all} every column"),
        );
        return;
    }
    if let Some(col) = c
        .columns
        .iter()
        .find(|col| col.provider.is_none() && col.error.is_none())
    {
        let msg = format!(
            "not sent: still connecting to {}",
            col.target.provider.as_deref().unwrap_or("")
        );
        notice(state, Level::Warn, msg);
        return;
    }
    let now = state.now_ms;
    let max_tokens = state.next.max_tokens;
    // One turn id for the prompt in every column: adopting matches the columns' turns by it.
    let turn_id = state.conversation.next_id();
    let mut sent = 0;
    let mut failed = Vec::new();
    let Some(c) = state.compare.as_mut() else {
        return;
    };
    for col in &mut c.columns {
        let Some(provider) = &col.provider else {
            continue;
        };
        let t = col.conversation.push_turn_as(text.to_string(), turn_id);
        let settings = (
            col.target.model.clone(),
            col.target.settings.clone(),
            max_tokens,
        );
        // Run ids are unique across every conversation: they come from the main one.
        let id = state.conversation.next_id();
        match runs::start_in(&mut col.conversation, provider, t, id, settings, now) {
            Ok(effect) => {
                out.effects.push(effect);
                col.scroll = Default::default();
                sent += 1;
            }
            Err(e) => {
                col.conversation.turns.pop();
                failed.push(format!("{}: {e}", col.target));
            }
        }
    }
    if sent > 0 {
        out.effects.push(Effect::ClearComposer);
        super::sent(state);
    }
    if !failed.is_empty() {
        notice(state, Level::Error, failed.join("; "));
    }
}

/// Cancel the focused column's stream. Returns false when it was not running.
pub fn cancel_focused(state: &mut State, out: &mut Outcome) -> bool {
    let Some(c) = &mut state.compare else {
        return false;
    };
    let Some(col) = c.columns.get_mut(c.focus) else {
        return false;
    };
    let ids: Vec<u64> = col.running().collect();
    if ids.is_empty() {
        return false;
    }
    for id in ids {
        out.effects.push(Effect::CancelRun(id));
        if let Some(v) = col.conversation.variant_mut(id) {
            v.status = Status::Cancelled;
        }
    }
    let msg = format!(
        "cancelled {}; the other columns go on, the partial answer is kept",
        col.target
    );
    notice(state, Level::Info, msg);
    true
}

/// Move the focus to another column.
pub fn focus_column(state: &mut State, forward: bool) {
    if let Some(c) = &mut state.compare {
        let n = c.columns.len();
        c.focus = if forward {
            (c.focus + 1) % n
        } else {
            (c.focus + n - 1) % n
        };
        state.focus = Pane::Conversation;
    }
}

/// Tab in the compare view: the message editor, then each column in turn.
pub fn cycle_focus(state: &mut State, forward: bool) {
    let Some(c) = &mut state.compare else { return };
    let n = c.columns.len();
    match (state.focus, forward) {
        (Pane::Composer, true) => {
            c.focus = 0;
            state.focus = Pane::Conversation;
        }
        (Pane::Composer, false) => {
            c.focus = n - 1;
            state.focus = Pane::Conversation;
        }
        (_, true) if c.focus + 1 < n => c.focus += 1,
        (_, false) if c.focus > 0 => c.focus -= 1,
        _ => state.focus = Pane::Composer,
    }
}

/// Fold or unfold the focused column's reasoning, or every column's.
pub fn fold(state: &mut State, all: bool) {
    let Some(c) = &mut state.compare else { return };
    if all {
        let fold = !c.columns.iter().all(|col| col.reasoning_folded);
        for col in &mut c.columns {
            col.reasoning_folded = fold;
        }
    } else if let Some(col) = c.columns.get_mut(c.focus) {
        col.reasoning_folded = !col.reasoning_folded;
    }
}

/// Take the focused column's answers into the conversation and go on with its target. The
/// other columns' answers stay with each message as variants.
pub fn adopt(state: &mut State, out: &mut Outcome) {
    let Some(c) = &state.compare else { return };
    if state.is_running() || state.switching.is_some() {
        let key = state.keymap.hint(Command::Interrupt);
        notice(
            state,
            Level::Warn,
            format!("still streaming: let everything finish (or {key}) before adopting"),
        );
        return;
    }
    if state.conversation.turns.len() != c.base_turns {
        let n = state.conversation.turns.len().abs_diff(c.base_turns);
        notice(
            state,
            Level::Warn,
            format!(
                "the conversation went on since the comparison started ({n} message(s)): adopting would drop them"
            ),
        );
        return;
    }
    let Some(col) = c.columns.get(c.focus) else {
        return;
    };
    let (Some(provider), Some(_)) = (col.provider.clone(), col.latest()) else {
        notice(state, Level::Info, "nothing to adopt in this column yet");
        return;
    };
    // The conversation as it is now, then the column's own turns; every other column's answer
    // to the same prompt joins its turn as a variant.
    let mut conversation = state.conversation.clone();
    conversation
        .turns
        .extend(col.conversation.turns[col.base..].iter().cloned());
    let mut last = conversation.last_id();
    for (i, other) in c.columns.iter().enumerate() {
        last = last.max(other.conversation.last_id());
        if i == c.focus {
            continue;
        }
        for turn in &other.conversation.turns[other.base..] {
            if let Some(t) = conversation.turns.iter_mut().find(|t| t.id == turn.id) {
                t.variants.extend(turn.variants.iter().cloned());
            }
        }
    }
    conversation.ids_above(last);
    let target = col.target.clone();
    state.conversation = conversation;
    state.selected = None;
    state.conversation_scroll = Default::default();
    state.reasoning_scroll = Default::default();
    state.next.model = target.model.clone();
    state.next.thinking = target.settings.clone();
    if provider.name != state.provider.name {
        out.effects
            .push(Effect::AdoptConnection(provider.name.clone()));
        state.provider = provider;
        state.remote_models.clear();
    }
    state.compare = None;
    state.focus = Pane::Composer;
    let keys = state.keymap.hint(Command::VariantNext);
    notice(
        state,
        Level::Info,
        format!("going on with {target}; the other columns' answers are variants ({keys})"),
    );
}

/// The focused column's answer arrived in the reasoning channel: take it as the answer.
pub fn as_answer(state: &mut State) {
    let Some(c) = &mut state.compare else { return };
    let Some(v) = c
        .columns
        .get_mut(c.focus)
        .and_then(|col| col.conversation.turns.last_mut())
        .and_then(|t| t.variants.get_mut(t.active))
    else {
        return;
    };
    if !Proof::of(v).answer_in_reasoning {
        notice(
            state,
            Level::Info,
            "this column has an answer: nothing to take from its reasoning",
        );
        return;
    }
    v.reply.answer = std::mem::take(&mut v.reply.reasoning);
    notice(
        state,
        Level::Info,
        "the reasoning is now this column's answer",
    );
}

/// A command in the compare view. Returns false for those that act as in the conversation
/// (quit, help, the next message's settings …).
pub fn command(state: &mut State, cmd: Command, composer: &str, out: &mut Outcome) -> bool {
    let focus = state.compare.as_ref().map_or(0, |c| c.focus);
    match cmd {
        Command::Send => send(state, composer, out),
        Command::Cancel => {
            if !cancel_focused(state, out) {
                if state.switching.is_some() {
                    switch::cancel(state, out);
                } else {
                    out.dirty = false;
                }
            }
        }
        Command::FocusNext => cycle_focus(state, true),
        Command::FocusPrev => cycle_focus(state, false),
        Command::ColumnNext => focus_column(state, true),
        Command::ColumnPrev => focus_column(state, false),
        Command::ToggleFold => fold(state, false),
        Command::FoldAll => fold(state, true),
        Command::Compare => toggle(state),
        Command::PickModel => open_picker(state),
        Command::Adopt => adopt(state, out),
        Command::AsAnswer => as_answer(state),
        Command::Diff => {
            let n = state.compare.as_ref().map_or(0, |c| c.columns.len());
            state.overlays.push(Overlay::Diff {
                a: focus,
                b: (focus + 1) % n.max(1),
                reasoning: false,
                scroll: 0,
            });
        }
        Command::Chart => state.overlays.push(Overlay::Chart),
        Command::Inspect => {
            let id = state
                .compare
                .as_ref()
                .and_then(|c| c.columns.get(focus))
                .and_then(|col| col.latest())
                .map(|v| v.id);
            match id {
                Some(variant) => state
                    .overlays
                    .push(Overlay::Inspector { variant, scroll: 0 }),
                None => notice(state, Level::Info, "no answer in this column yet"),
            }
        }
        Command::ScrollUp => navigate::scroll(state, Scrolled::Column(focus), Step::Up(1)),
        Command::ScrollDown => navigate::scroll(state, Scrolled::Column(focus), Step::Down(1)),
        Command::PageUp => navigate::scroll(state, Scrolled::Column(focus), Step::PageUp),
        Command::PageDown => navigate::scroll(state, Scrolled::Column(focus), Step::PageDown),
        Command::ScrollTop => navigate::scroll(state, Scrolled::Column(focus), Step::Top),
        Command::ScrollBottom => navigate::scroll(state, Scrolled::Column(focus), Step::Bottom),
        Command::Regenerate
        | Command::VariantPrev
        | Command::VariantNext
        | Command::SelectPrev
        | Command::SelectNext
        | Command::RetryBiggerBudget
        | Command::RetryWithoutThinking
        | Command::Search
        | Command::SearchNext
        | Command::SearchPrev => {
            let (back, adopt) = (
                state.keymap.hint(Command::Compare),
                state.keymap.hint(Command::Adopt),
            );
            notice(
                state,
                Level::Info,
                format!(
                    "not in the compare view: {adopt} goes on with a column in the conversation, {back} goes back to it"
                ),
            );
        }
        _ => return false,
    }
    true
}

/// A compare command outside the compare view.
pub fn outside(state: &mut State) {
    let key = state.keymap.hint(Command::Compare);
    notice(
        state,
        Level::Info,
        format!("that is for the compare view: {key} opens it"),
    );
}
