//! Logs go to a file in the state directory, never to the terminal (the TUI owns it).
//! Nothing secret is ever logged: API keys live only in the `Authorization` header.

use tracing_subscriber::EnvFilter;

/// Log to `$XDG_STATE_HOME/thinkbench/thinkbench.log` (level from `THINKBENCH_LOG`, default
/// `warn`). Returns `None` when no state directory can be had.
pub fn init() -> Option<()> {
    let dir = crate::config::paths::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = tracing_appender::rolling::never(dir, "thinkbench.log");
    let filter =
        EnvFilter::try_from_env("THINKBENCH_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_writer(file)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()
}
