//! The terminal UI: event loop, panes, widgets, markdown, themes, screenshots.

pub mod convert;
pub mod format;
pub mod highlight;
pub mod markdown;
pub mod panes;
pub mod run;
pub mod shots;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wrap;
