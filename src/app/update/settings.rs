//! The next message's settings: model, thinking on/off, budget, preserve_thinking. They never
//! touch messages already sent.

use super::notice;
use crate::app::state::{Level, Overlay, State};
use crate::provider::plan::Switch;
use crate::text::group;

/// Make `model` the next message's model, dropping settings it cannot take.
pub fn set_model(state: &mut State, model: String) {
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
    if state.provider.route.model_info(&model).is_none() {
        msg.push_str(" (not in the catalog: thinking controls are sent as you set them)");
    }
    if !dropped.is_empty() {
        msg.push_str(&format!("; dropped {}", dropped.join(", ")));
    }
    notice(state, Level::Info, msg);
}

pub fn toggle_thinking(state: &mut State) {
    let caps = state.next_capabilities();
    let t = &mut state.next.thinking;
    let on_off = |on: bool| {
        format!(
            "thinking {} for the next message",
            if on { "on" } else { "off" }
        )
    };
    let (level, msg) = match caps.switch {
        Switch::Free { default_on } => {
            let on = !t.thinking.unwrap_or(default_on);
            t.thinking = Some(on);
            (Level::Info, on_off(on))
        }
        Switch::Unknown => {
            t.thinking = match t.thinking {
                None => Some(true),
                Some(true) => Some(false),
                Some(false) => None,
            };
            let msg = match t.thinking {
                None => "thinking: the server's default for the next message".to_string(),
                Some(on) => on_off(on),
            };
            (Level::Info, msg)
        }
        Switch::AlwaysOn => (
            Level::Warn,
            format!(
                "{} is a thinking-only model: thinking cannot be turned off",
                state.next.model
            ),
        ),
        Switch::AlwaysOff => (Level::Warn, format!("{} does not think", state.next.model)),
        Switch::Unavailable => (
            Level::Warn,
            format!(
                "{} has no per-request thinking switch (set its kind in the config)",
                state.provider.name
            ),
        ),
    };
    notice(state, level, msg);
}

pub fn toggle_preserve(state: &mut State) {
    if !state.next_capabilities().preserve {
        let msg = format!(
            "preserve_thinking is not supported by {} on {}",
            state.next.model, state.provider.name
        );
        notice(state, Level::Warn, msg);
        return;
    }
    state.next.thinking.preserve = !state.next.thinking.preserve;
    let msg = if state.next.thinking.preserve {
        "preserve_thinking on: earlier reasoning goes back with the next message (billed as input)"
    } else {
        "preserve_thinking off"
    };
    notice(state, Level::Info, msg);
}

/// Open the budget editor, where a budget applies.
pub fn edit_budget(state: &mut State) {
    if !state.next_capabilities().budget {
        let msg = format!(
            "a thinking budget is not applicable to {} on {}",
            state.next.model, state.provider.name
        );
        notice(state, Level::Warn, msg);
        return;
    }
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

/// The budget editor's choice.
pub fn set_budget(state: &mut State, budget: Option<u32>) {
    state.next.thinking.budget = budget;
    let msg = match budget {
        Some(b) => format!("thinking budget for the next message: {}", group(b as u64)),
        None => "no thinking budget for the next message".to_string(),
    };
    notice(state, Level::Info, msg);
}
