//! The terminal UI: event loop, terminal guard, the screen and its panes, Markdown, wrapping,
//! themes, screenshots as SVG, and a harness that drives it all without a terminal.

pub mod bench_log;
pub mod convert;
pub mod format;
pub mod harness;
pub mod highlight;
pub mod markdown;
pub mod panes;
pub mod run;
pub mod stats;
pub mod storage;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wrap;
