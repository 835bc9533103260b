//! Switching provider. The connection is opened by a task (a key command may take long, or
//! ask for a passphrase); meanwhile the app says "connecting to …", every key stays live,
//! and the cancel key stops waiting.

use super::{finish_first, notice, settings};
use crate::app::action::{Effect, Outcome};
use crate::app::state::{Level, ProviderInfo, State};

/// Start switching to provider `name`, unless that cannot be done now.
pub fn start(state: &mut State, name: String, out: &mut Outcome) {
    if name == state.provider.name && state.switching.is_none() {
        return;
    }
    if state.is_running() {
        let text = finish_first(state, "before switching provider");
        notice(state, Level::Warn, text);
        return;
    }
    // The status line says "connecting to NAME…" for as long as it takes.
    state.notice = None;
    state.switching = Some(name.clone());
    out.effects.push(Effect::SwitchProvider(name));
}

/// Stop waiting for the switch under way; the current provider stays.
pub fn cancel(state: &mut State, out: &mut Outcome) {
    if let Some(name) = state.switching.take() {
        out.effects.push(Effect::CancelSwitch);
        let msg = format!(
            "stopped connecting to {name}; still using {}",
            state.provider.label
        );
        notice(state, Level::Info, msg);
    }
}

/// The switch to `name` finished. Only the one waited for counts.
pub fn finished(
    state: &mut State,
    name: String,
    result: Result<ProviderInfo, String>,
    out: &mut Outcome,
) {
    if state.switching.as_ref() != Some(&name) {
        out.dirty = false;
        return;
    }
    state.switching = None;
    match result {
        Ok(info) => {
            let msg = format!("now using {}", info.label);
            let model_known = info.route.model_info(&state.next.model).is_some();
            let default_model = info.default_model.clone();
            out.effects.push(Effect::AdoptConnection(name));
            state.provider = info;
            state.remote_models.clear();
            notice(state, Level::Info, msg);
            if !model_known {
                settings::set_model(state, default_model);
            }
            out.effects.push(Effect::FetchModels);
        }
        Err(e) => notice(state, Level::Error, format!("cannot use {name}: {e}")),
    }
}
