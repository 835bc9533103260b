//! The app: state, actions, `update`, effects. No terminal types live here, so all of it can
//! be driven and checked in unit tests.

pub mod action;
pub mod effects;
pub mod input;
pub mod keymap;
pub mod persist;
pub mod run_feed;
pub mod search;
pub mod session_tasks;
pub mod state;
pub mod update;

#[cfg(test)]
mod tests;

pub use action::{Action, Effect, Outcome};
pub use state::State;
pub use update::update;
