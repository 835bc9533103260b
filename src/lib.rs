//! thinkbench: a terminal workbench for deep-thinking LLMs.
//!
//! * [`provider`] turns every wire protocol into one stream of events;
//! * [`sim`] is the built-in Model Studio simulator (demo mode, tests, benchmarks);
//! * [`catalog`] knows which models think and how;
//! * [`config`] reads providers, keys and preferences; [`connect`] turns them into a live
//!   connection;
//! * [`session`] is the conversation: turns, variants, their settings and usage;
//! * [`app`] is the workbench's state and `update` (no terminal types);
//! * [`tui`] draws it and runs the event loop;
//! * [`clipboard`] copies answers, reasoning and code on a desktop, over SSH and in tmux;
//! * [`commands`] are the headless subcommands; [`exit`] their exit codes (and the
//!   workbench's).

pub mod app;
pub mod catalog;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod compare;
pub mod config;
pub mod connect;
pub mod exit;
pub mod logging;
pub mod provider;
pub mod session;
pub mod sim;
pub mod text;
pub mod tui;
