//! Runs: sending a message (or another variant of an answer), and following its stream until
//! it ends. Every run fills one variant; the settings it was sent with stay on it.

use super::notice;
use crate::app::action::{Effect, Outcome};
use crate::app::keymap::Command;
use crate::app::state::{Level, ProviderInfo, State};
use crate::provider::client::{RunEvent, RunOutcome};
use crate::provider::plan::{Switch, ThinkingSettings};
use crate::provider::route::Ask;
use crate::session::{BudgetTrouble, Conversation, MessageSettings, RequestRecord, Status};
use crate::text::group;

/// Model, thinking settings and output cap of a run.
pub type Settings = (String, ThinkingSettings, Option<u32>);

/// "… still streaming: Esc cancels it", with the key that cancels.
fn still_streaming(state: &mut State, what: &str) {
    let key = state.keymap.hint(Command::Cancel);
    notice(
        state,
        Level::Warn,
        format!("{what} still streaming: {key} cancels it"),
    );
}

/// Send the composer's text as a new message with the next message's settings.
pub fn send(state: &mut State, composer: &str, out: &mut Outcome) {
    let composer = state.pastes.expand(composer).into_owned();
    let text = composer.trim_end();
    if text.trim().is_empty() {
        out.dirty = false;
        return;
    }
    if state.is_running() {
        still_streaming(state, "a response is");
        return;
    }
    let t = state.conversation.push_turn(text.to_string());
    state.selected = None;
    state.conversation_scroll.follow = true;
    let next = &state.next;
    let settings = (next.model.clone(), next.thinking.clone(), next.max_tokens);
    if start_variant(state, t, settings, out) {
        out.effects.push(Effect::ClearComposer);
        super::sent(state);
    } else {
        // Nothing was sent: the prompt stays in the composer.
        state.conversation.turns.pop();
    }
}

/// Another variant of turn `t`'s answer, with `settings` or the next message's.
pub fn regenerate(state: &mut State, t: usize, settings: Option<Settings>, out: &mut Outcome) {
    if state.conversation.turns[t]
        .variants
        .iter()
        .any(|v| v.status.is_running())
    {
        still_streaming(state, "this message is");
        return;
    }
    let settings = settings.unwrap_or_else(|| {
        let n = &state.next;
        (n.model.clone(), n.thinking.clone(), n.max_tokens)
    });
    start_variant(state, t, settings, out);
}

/// Add a variant to turn `t` and start its run. Returns false (with a notice) when the
/// settings cannot be sent.
fn start_variant(state: &mut State, t: usize, settings: Settings, out: &mut Outcome) -> bool {
    if let Some(p) = &state.switching {
        // Which provider would it go to? Neither: wait for the switch (or stop it).
        let key = state.keymap.hint(Command::Cancel);
        let msg = format!("not sent: still connecting to {p} ({key} stops waiting)");
        notice(state, Level::Warn, msg);
        return false;
    }
    let id = state.conversation.next_id();
    let now = state.now_ms;
    match start_in(
        &mut state.conversation,
        &state.provider,
        t,
        id,
        settings,
        now,
    ) {
        Ok(effect) => {
            state.reasoning_scroll = Default::default();
            out.effects.push(effect);
            true
        }
        Err(e) => {
            notice(state, Level::Error, e);
            false
        }
    }
}

/// Plan `settings` for turn `t` of `conversation` on `provider`, add the variant (as `id`:
/// ids are unique across every conversation the app shows) with the exact request, and return
/// the effect that starts its run.
pub fn start_in(
    conversation: &mut Conversation,
    provider: &ProviderInfo,
    t: usize,
    id: u64,
    settings: Settings,
    now_ms: u64,
) -> Result<Effect, String> {
    let (model, thinking, max_tokens) = settings;
    let route = &provider.route;
    let thinking = route.capabilities(&model).applicable(&thinking);
    let ask = Ask {
        model: &model,
        settings: &thinking,
        max_tokens,
        temperature: None,
    };
    let planned = route
        .plan(ask, conversation.history_for(t))
        .map_err(|e| e.to_string())?;
    let preserved = planned.resolved.preserve.then(|| {
        planned
            .chat
            .messages
            .iter()
            .filter_map(|m| m.reasoning.as_deref())
            .map(crate::session::tokens::estimate)
            .sum::<u64>()
    });
    let msg_settings = MessageSettings {
        provider: provider.name.clone(),
        model,
        thinking,
        resolved: planned.resolved,
        max_tokens,
    };
    conversation.push_variant_as(t, id, msg_settings, now_ms);
    let prepared = planned.prepared;
    if let Some(v) = conversation.variant_mut(id) {
        v.preserved_tokens = preserved;
        v.request = Some(RequestRecord {
            url: prepared.url.clone(),
            headers: prepared.headers.clone(),
            body: prepared.body.clone(),
            authorized: provider.has_key,
        });
    }
    Ok(Effect::StartRun {
        variant: id,
        provider: provider.name.clone(),
        request: prepared,
    })
}

fn selected_for_retry(
    state: &mut State,
) -> Option<(usize, MessageSettings, Option<BudgetTrouble>)> {
    let t = state.selected_turn()?;
    let v = state.conversation.turns[t].active()?;
    if v.status.is_running() {
        still_streaming(state, "this message is");
        return None;
    }
    Some((t, v.settings.clone(), v.budget_trouble()))
}

/// Retry the selected answer with more room: a bigger budget, or a higher output cap — or,
/// when the output limit went on thinking, with the thinking capped so the answer has room.
pub fn retry_bigger(state: &mut State, out: &mut Outcome) {
    let Some((t, s, trouble)) = selected_for_retry(state) else {
        return;
    };
    let mut thinking = s.thinking.clone();
    let mut max_tokens = s.max_tokens;
    let caps = state.provider.route.capabilities(&s.model);
    let no_thinking_key = state.keymap.hint(Command::RetryWithoutThinking);
    let msg = if trouble == Some(BudgetTrouble::LengthWithoutAnswer) {
        // The output limit went on thinking: a bigger budget would leave the answer even
        // less room. Cap the thinking instead, or raise the output cap if there is one.
        if caps.budget {
            let roomier = state.conversation.turns[t]
                .active()
                .map(|v| v.roomier_budget())
                .unwrap_or(128);
            let roomier = caps.max_budget.map_or(roomier, |m| roomier.min(m));
            thinking.budget = Some(roomier);
            Ok(format!(
                "retrying with thinking capped at {} tokens, so the answer has room",
                group(roomier as u64)
            ))
        } else if let Some(m) = s.max_tokens {
            max_tokens = Some(m.saturating_mul(2));
            Ok(format!("retrying with max_tokens {}", group(m as u64 * 2)))
        } else {
            Err(format!(
                "{} cannot cap its thinking; {no_thinking_key} retries without thinking",
                s.model
            ))
        }
    } else {
        match (s.resolved.budget, s.max_tokens) {
            (Some(b), _) => {
                let bigger = b.saturating_mul(2);
                let bigger = caps.max_budget.map_or(bigger, |m| bigger.min(m));
                thinking.budget = Some(bigger);
                Ok(format!(
                    "retrying with a thinking budget of {}",
                    group(bigger as u64)
                ))
            }
            (None, Some(m)) => {
                max_tokens = Some(m.saturating_mul(2));
                Ok(format!("retrying with max_tokens {}", group(m as u64 * 2)))
            }
            (None, None) => Err(format!(
                "this message had no budget or output cap to raise; {no_thinking_key} retries without thinking"
            )),
        }
    };
    match msg {
        Ok(msg) => {
            notice(state, Level::Info, msg);
            regenerate(state, t, Some((s.model, thinking, max_tokens)), out);
        }
        Err(msg) => notice(state, Level::Info, msg),
    }
}

/// Retry the selected answer with thinking off.
pub fn retry_without_thinking(state: &mut State, out: &mut Outcome) {
    let Some((t, s, _)) = selected_for_retry(state) else {
        return;
    };
    let caps = state.provider.route.capabilities(&s.model);
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

/// Cancel every running stream; their partial answers are kept.
pub fn cancel_all(state: &mut State, out: &mut Outcome) {
    for id in state.running() {
        out.effects.push(Effect::CancelRun(id));
        // Marked at once: the message never waits on its task to confirm.
        if let Some(v) = state.variant_mut(id) {
            v.status = Status::Cancelled;
        }
    }
    notice(state, Level::Info, "cancelled; the partial answer is kept");
}

/// Progress of the run that fills `variant`.
pub fn event(state: &mut State, variant: u64, event: RunEvent) {
    let now = state.now_ms;
    let Some(v) = state.variant_mut(variant) else {
        return;
    };
    let retrying = match event {
        RunEvent::Attempt(n) => {
            v.retries = n.saturating_sub(1);
            None
        }
        RunEvent::Connected { .. } => None,
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
        RunEvent::Stream(e) => {
            v.apply_at(&e, now);
            None
        }
    };
    if let Some(m) = retrying {
        let who = whose(state, variant);
        notice(state, Level::Warn, format!("{who}{m}"));
    }
}

/// "column 2 (qwen3.7-plus@think=off): " before a compare column's notices; nothing for the
/// conversation's.
fn whose(state: &State, id: u64) -> String {
    if state.conversation.find_variant(id).is_some() {
        return String::new();
    }
    state
        .compare
        .as_ref()
        .and_then(|c| c.variant(id).map(|(i, _)| (i, &c.columns[i].target)))
        .map(|(i, t)| format!("column {} ({t}): ", i + 1))
        .unwrap_or_default()
}

/// The run that filled `variant` ended: final timings, cost, status, and what to tell the
/// user.
pub fn ended(state: &mut State, variant: u64, outcome: RunOutcome) {
    let Some(v) = state.variant(variant) else {
        return;
    };
    let provider = state.provider_of(variant);
    let hint = provider.unauthorized_hint.clone();
    let price = provider
        .route
        .model_info(&v.settings.model)
        .and_then(|m| m.price);
    let who = whose(state, variant);
    let Some(v) = state.variant_mut(variant) else {
        return;
    };
    // Already marked by the cancel key, which said so then.
    let was_cancelled = v.status == Status::Cancelled;
    let failure = v.finish(&outcome, price, &hint);
    let malformed = v.malformed;
    let cancelled = v.status == Status::Cancelled;
    if let Some(m) = failure {
        notice(state, Level::Error, format!("{who}{m}"));
    } else if malformed > 0 {
        notice(
            state,
            Level::Warn,
            format!("{who}{malformed} malformed chunk(s) in the stream were skipped"),
        );
    } else if cancelled && !was_cancelled {
        notice(
            state,
            Level::Info,
            format!("{who}cancelled; the partial answer is kept"),
        );
    }
}
