//! thinkbench: a terminal workbench for deep-thinking LLMs.
//!
//! * [`provider`] turns every wire protocol into one stream of events;
//! * [`sim`] is the built-in Model Studio simulator (demo mode, tests, benchmarks);
//! * [`catalog`] knows which models think and how;
//! * [`config`] reads providers, keys and preferences;
//! * [`commands`] are the headless subcommands.

pub mod catalog;
pub mod provider;
pub mod sim;
pub mod text;
