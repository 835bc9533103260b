//! Finding and opening the database file: where it lives, user-only permissions, WAL, the
//! lock timeout, and a corrupt file moved aside (never overwritten) for a fresh one.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{StoreError, civil, now_ms, schema};

/// The environment variable that names the database file (for tests, or a second profile).
pub const DB_ENV: &str = "THINKBENCH_DB";

/// For tests only: cap the database at this many pages, so that writing past it fails as on
/// a full disk (SQLite's `max_page_count`).
pub const MAX_PAGES_TEST_ENV: &str = "THINKBENCH_TEST_DB_MAX_PAGES";

/// For tests only: refuse every write after the schema is in place, as a read-only file
/// does (SQLite's `query_only`; a real read-only file cannot be made for a test run as root).
pub const READ_ONLY_TEST_ENV: &str = "THINKBENCH_TEST_DB_READ_ONLY";

/// `$THINKBENCH_DB`, else `$XDG_DATA_HOME/thinkbench/sessions.db`.
pub fn default_path() -> Option<PathBuf> {
    match std::env::var_os(DB_ENV) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => Some(crate::config::paths::data_dir()?.join("sessions.db")),
    }
}

fn io(what: &'static str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io {
        what,
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The directory (`0700`) and the file (`0600`), made when missing; existing ones are left
/// as they are.
fn create_file(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io("cannot create the directory", dir, e))?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| io("cannot open", path, e))?;
    Ok(())
}

/// A connection to the file at `path` (made if missing), in WAL mode, waiting up to `busy`
/// for locks. SQLite makes its `-wal` and `-shm` files with the database file's permissions.
pub fn connect(path: &Path, busy: Duration) -> Result<Connection, StoreError> {
    create_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| match StoreError::from(e) {
        StoreError::Unwritable(m) => StoreError::Io {
            what: "cannot open",
            path: path.to_path_buf(),
            message: m,
        },
        e => e,
    })?;
    conn.busy_timeout(busy)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("session database: journal mode {mode}, not WAL");
    }
    // In WAL mode NORMAL loses no committed data when the program crashes, and never
    // corrupts the file; only a power cut may drop the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    if let Some(pages) = std::env::var(MAX_PAGES_TEST_ENV)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let _: i64 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })?;
    }
    Ok(conn)
}

/// [`connect`] for the writer thread (which the test hook [`READ_ONLY_TEST_ENV`] makes
/// refuse writes).
pub fn connect_for_writing(path: &Path, busy: Duration) -> Result<Connection, StoreError> {
    let conn = connect(path, busy)?;
    if std::env::var_os(READ_ONLY_TEST_ENV).is_some_and(|v| !v.is_empty()) {
        conn.pragma_update(None, "query_only", true)?;
    }
    Ok(conn)
}

/// Open for reading and writing, migrated; a file that is not a database, or a damaged one,
/// is moved aside (returned) and a fresh one made.
pub fn open_checked(
    path: &Path,
    busy: Duration,
) -> Result<(Connection, Option<PathBuf>), StoreError> {
    let first = connect(path, busy).and_then(|mut c| schema::migrate(&mut c).map(|_| c));
    match first {
        Ok(conn) => Ok((conn, None)),
        Err(StoreError::Corrupt(why)) => {
            tracing::warn!("session database {} is damaged: {why}", path.display());
            let aside = move_aside(path)?;
            let mut conn = connect(path, busy)?;
            schema::migrate(&mut conn)?;
            Ok((conn, Some(aside)))
        }
        Err(e) => Err(e),
    }
}

/// `sessions.db.corrupt-20261202T182555Z` (with `-2`, `-3` … when taken); its `-wal` file
/// goes along, its `-shm` (an index SQLite rebuilds) is removed.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let (y, mo, d, h, mi, s) = civil(now_ms());
    let stamp = format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z");
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut aside = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut n = 2;
    while aside.exists() {
        aside = path.with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &aside).map_err(|e| io("cannot move aside", path, e))?;
    let side = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    let wal = side("-wal");
    if wal.exists() {
        let mut to = aside.as_os_str().to_owned();
        to.push("-wal");
        let _ = std::fs::rename(&wal, PathBuf::from(to));
    }
    let _ = std::fs::remove_file(side("-shm"));
    Ok(aside)
}
