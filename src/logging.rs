//! Logs go to a file in the state directory, never to the terminal (the TUI owns it); the few
//! lines the workbench says on stderr around its run go through [`tell`]. Lines
//! are written by a background thread, so logging never makes the UI loop wait on the disk.
//! Nothing secret is ever logged: API keys live only in the `Authorization` header.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log to `$XDG_STATE_HOME/thinkbench/thinkbench.log` (level from `THINKBENCH_LOG`, default
/// `warn`). Keep the guard until the end: dropping it writes out what is still queued.
/// Returns `None` when no state directory can be had (or logging is already set up).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::config::paths::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("thinkbench.log");
    user_only(&path).ok()?;
    let _ = LOG_PATH.set(path);
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

static LOG_PATH: OnceLock<PathBuf> = OnceLock::new();

/// Where this process logs, once [`init`] has set logging up.
pub fn path() -> Option<&'static Path> {
    LOG_PATH.get().map(PathBuf::as_path)
}

/// Create the log file readable by its owner only (or make an existing one so) before the
/// appender opens it for appending.
fn user_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

/// `thinkbench: {msg}` on stderr. A failed write is ignored: stderr may be a terminal that was
/// just closed, and `eprintln!` would panic there.
pub fn tell(msg: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "thinkbench: {msg}");
}
