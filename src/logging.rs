//! Logs go to a file in the state directory, never to the terminal (the TUI owns it). Lines
//! are written by a background thread, so logging never makes the UI loop wait on the disk.
//! Nothing secret is ever logged: API keys live only in the `Authorization` header.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log to `$XDG_STATE_HOME/thinkbench/thinkbench.log` (level from `THINKBENCH_LOG`, default
/// `warn`). Keep the guard until the end: dropping it writes out what is still queued.
/// Returns `None` when no state directory can be had (or logging is already set up).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::config::paths::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "thinkbench.log"));
    let filter =
        EnvFilter::try_from_env("THINKBENCH_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
