//! Comparing targets: what a target is (a model with its thinking settings, and optionally a
//! provider), sweeps that build the targets of one model, and what sets the results apart.
//! Shared by `thinkbench compare` and the workbench's compare columns; no terminal types.

pub mod diff;
pub mod summary;
pub mod sweep;
pub mod target;

pub use summary::{Summary, summarize};
pub use sweep::{MAX_COLUMNS, Sweep};
pub use target::{TargetError, TargetSpec};
