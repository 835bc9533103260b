//! Sessions on disk: one SQLite database (WAL, user-only), written by one thread fed through a
//! channel so that nobody waiting on the disk holds up the caller, read by as many readers as
//! there are processes. `open` finds the file (moving a corrupt one aside) and sets it up,
//! `schema` migrates it, `writer` and `write` take the operations to disk, `read` loads
//! sessions back (saying what a crash cut off), `search` is the full-text index and `export`
//! turns a session into Markdown or JSON and back.
//!
//! Nothing here knows about the terminal or the app: the app turns its state into [`Op`]s.

mod export;
mod open;
mod read;
mod schema;
mod search;
mod write;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{ColumnRecord, Conversation, Variant};

pub use open::{DB_ENV, MAX_PAGES_TEST_ENV, READ_ONLY_TEST_ENV, default_path};
pub use search::{Hit, Which};
pub use writer::{Flush, Writer};

/// What went wrong with the session database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no place for the session database: set XDG_DATA_HOME (or HOME), or {DB_ENV} to a file"
    )]
    NoPath,
    /// The file or its directory could not be made or opened.
    #[error("{what} {path}: {message}")]
    Io {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "the session database is locked by another program (another thinkbench?); try again when it is done"
    )]
    Locked,
    #[error("the session database cannot be written (read-only file or directory): {0}")]
    ReadOnly(String),
    #[error("cannot open or write the session database: {0}")]
    Unwritable(String),
    #[error("the disk is full (or the file too big): {0}")]
    Full(String),
    #[error("the session database is damaged: {0}")]
    Corrupt(String),
    #[error(
        "the session database was made by a newer thinkbench (schema version {found}, this one knows {known}); update thinkbench, or set {DB_ENV} to another file"
    )]
    TooNew { found: i64, known: i64 },
    #[error("no session \"{0}\"; `thinkbench sessions list` shows them")]
    NotFound(String),
    #[error("\"{prefix}\" matches {count} sessions; give more of the id")]
    Ambiguous { prefix: String, count: usize },
    #[error("not a thinkbench session file: {0}")]
    BadFile(String),
    #[error("session database: {0}")]
    Sqlite(String),
    #[error("the session writer has stopped")]
    Closed,
}

impl StoreError {
    /// Whether trying again later may work (a lock, a full disk, a directory made writable).
    pub fn transient(&self) -> bool {
        matches!(
            self,
            StoreError::Locked
                | StoreError::ReadOnly(_)
                | StoreError::Full(_)
                | StoreError::Unwritable(_)
                | StoreError::Io { .. }
        )
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        let text = e.to_string();
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Locked,
            Some(C::ReadOnly) => StoreError::ReadOnly(text),
            Some(C::DiskFull | C::TooBig) => StoreError::Full(text),
            Some(C::DatabaseCorrupt | C::NotADatabase) => StoreError::Corrupt(text),
            Some(C::CannotOpen | C::SystemIoFailure | C::PermissionDenied) => {
                StoreError::Unwritable(text)
            }
            _ => StoreError::Sqlite(text),
        }
    }
}

/// A session as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: String,
    /// From the first prompt until renamed.
    pub title: String,
    pub created_ms: u64,
    pub updated_ms: u64,
    /// The model and provider it last talked to.
    pub model: String,
    pub provider: String,
    /// Turns of the conversation (compare columns not counted).
    pub turns: u64,
    /// Answers, every variant and compare column included (each was billed).
    pub messages: u64,
    /// Sum of the priced answers' costs.
    pub cost_usd: Option<f64>,
}

/// A session read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSession {
    pub meta: SessionSummary,
    pub conversation: Conversation,
    pub columns: Vec<ColumnRecord>,
    /// What a crash left behind, if anything (already marked interrupted in `conversation`
    /// and `columns`; the database is not changed by loading).
    pub recovered: Option<Recovered>,
}

/// Answers that were still running when last written: the program stopped (or is still
/// streaming them in another window).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovered {
    pub cut_off: Vec<CutOff>,
    /// Answers whose stored form could not be read (left out).
    pub unreadable: usize,
}

/// One answer cut off by a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutOff {
    /// Index of the turn in its conversation.
    pub turn: usize,
    /// The compare column, or `None` for the conversation itself.
    pub column: Option<usize>,
    pub variant: u64,
    /// Characters of answer and of reasoning that had arrived.
    pub answer_chars: usize,
    pub reasoning_chars: usize,
}

impl CutOff {
    /// "the answer of turn 3 was cut off at 1,234 characters".
    pub fn describe(&self) -> String {
        let place = match self.column {
            Some(c) => format!("turn {} in compare column {}", self.turn + 1, c + 1),
            None => format!("turn {}", self.turn + 1),
        };
        let n = |c: usize| crate::text::group(c as u64);
        if self.answer_chars > 0 {
            format!(
                "the answer of {place} was cut off at {} characters",
                n(self.answer_chars)
            )
        } else if self.reasoning_chars > 0 {
            format!(
                "the answer of {place} was cut off while reasoning, at {} characters of reasoning",
                n(self.reasoning_chars)
            )
        } else {
            format!("the answer of {place} was cut off before anything arrived")
        }
    }
}

impl Recovered {
    /// One sentence per answer cut off (and one for unreadable ones).
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self.cut_off.iter().map(CutOff::describe).collect();
        if self.unreadable > 0 {
            out.push(format!(
                "{} stored answer(s) could not be read and were left out",
                self.unreadable
            ));
        }
        out
    }
}

/// A session's meta data, as [`Op::Session`] sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionMeta {
    /// A title to set (unless the user renamed the session); `None` keeps the title, which
    /// is taken from the first prompt while it is empty.
    pub title: Option<String>,
    pub model: String,
    pub provider: String,
    pub system: Option<String>,
    /// When the session began (default: its first write).
    pub created_ms: Option<u64>,
}

/// A turn without its variants, as [`Op::Turn`] writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnRecord {
    pub id: u64,
    /// Index in its conversation (for a compare column: in the column's conversation,
    /// counting the shared start).
    pub position: usize,
    pub prompt: String,
    /// Index of the active variant.
    pub active: usize,
}

/// A change to write. Every operation on a session creates the session when it does not
/// exist yet, except after it was deleted: operations on a deleted session are dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Create or update a session's meta data.
    Session {
        id: String,
        meta: SessionMeta,
    },
    /// Create or update a turn of the conversation (`column: None`) or of a compare column.
    Turn {
        session: String,
        column: Option<usize>,
        turn: TurnRecord,
    },
    /// The whole variant as it is now: send it while it streams (every [`SNAPSHOT_EVERY`], say) and
    /// once when it ends. A variant keeps the place among its turn's variants that its first
    /// snapshot gave it. Request headers are never written.
    Variant {
        session: String,
        column: Option<usize>,
        turn_id: u64,
        variant: Box<Variant>,
    },
    /// Create or update compare column `column` (0-based, numbered across the session):
    /// its target and the number of the conversation's turns it began with. Its own turns
    /// and variants are written with `Op::Turn` and `Op::Variant` and `column: Some(column)`.
    Column {
        session: String,
        column: usize,
        target: String,
        base: usize,
    },
    Rename {
        session: String,
        title: String,
    },
    Delete {
        session: String,
    },
}

/// How often a streaming answer is written while it streams: a crash loses at most this much
/// of a stream. Each write re-indexes the whole answer for search, so more often costs CPU
/// that grows with the answer (a quarter second was a tenth of a paced stream's CPU).
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

/// How long a streaming variant of `v` waits between snapshots: [`SNAPSHOT_EVERY`], and a
/// second more for each MiB of its text (reasoning and answer) beyond the first. Each snapshot rewrites and re-indexes
/// the whole text, so a fixed interval costs time that grows with the square of a long answer;
/// this way about a MiB a second is written however long it grows.
pub fn snapshot_every(v: &crate::session::Variant) -> Duration {
    snapshot_every_for(v.reply.answer.len() + v.reply.reasoning.len())
}

fn snapshot_every_for(text_bytes: usize) -> Duration {
    let mib = text_bytes >> 20;
    SNAPSHOT_EVERY * (1 + mib.min(600) as u32)
}

/// How long a connection waits for another one's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The session database: reading on the caller's thread, writing through [`Store::writer`].
pub struct Store {
    path: PathBuf,
    read: Mutex<Connection>,
    busy: Duration,
    writer: OnceLock<Writer>,
    moved_aside: Option<PathBuf>,
}

impl Store {
    /// Open (creating, migrating, or replacing a corrupt one) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, BUSY_TIMEOUT)
    }

    /// [`Store::open`] at [`default_path`].
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(default_path().ok_or(StoreError::NoPath)?)
    }

    /// [`Store::open`], waiting at most `busy` for another connection's lock.
    pub fn open_with(path: impl AsRef<Path>, busy: Duration) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let (conn, moved_aside) = open::open_checked(&path, busy)?;
        Ok(Store {
            path,
            read: Mutex::new(conn),
            busy,
            writer: OnceLock::new(),
            moved_aside,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a corrupt database found at open was moved (a fresh one took its place).
    pub fn moved_aside(&self) -> Option<&Path> {
        self.moved_aside.as_deref()
    }

    /// The writer (started on first use; every clone feeds the same thread).
    pub fn writer(&self) -> Writer {
        self.writer
            .get_or_init(|| Writer::start(self.path.clone(), self.busy))
            .clone()
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.read.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every session, the most recently updated first.
    pub fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        read::list(&self.conn())
    }

    /// The session with id `id`.
    pub fn load(&self, id: &str) -> Result<SavedSession, StoreError> {
        read::load(&self.conn(), id)
    }

    /// The most recently updated session, if there is one.
    pub fn latest(&self) -> Result<Option<SavedSession>, StoreError> {
        let conn = self.conn();
        match read::latest_id(&conn)? {
            Some(id) => read::load(&conn, &id).map(Some),
            None => Ok(None),
        }
    }

    /// The id of the session whose id is `id`, or starts with it (when only one does).
    pub fn resolve(&self, id: &str) -> Result<String, StoreError> {
        read::resolve(&self.conn(), id)
    }

    /// Prompts, answers and reasoning that match `query` (words, `"a phrase"`, `word*`),
    /// best first. Any text is a valid query.
    pub fn search(&self, query: &str) -> Result<Vec<Hit>, StoreError> {
        search::search(&self.conn(), query)
    }

    /// The session as Markdown: reasoning in collapsible blocks, every answer's settings and
    /// usage, variants and compare columns labelled.
    pub fn export_markdown(&self, id: &str) -> Result<String, StoreError> {
        Ok(export::markdown(&self.load(id)?))
    }

    /// The session as JSON, complete enough for [`Store::import`].
    pub fn export_json(&self, id: &str) -> Result<String, StoreError> {
        Ok(export::json(&self.load(id)?))
    }

    /// Store a session exported as JSON; returns its id (a new one when its id is taken).
    /// Waits until it is written.
    pub fn import(&self, json: &str) -> Result<String, StoreError> {
        let mut saved = export::parse(json)?;
        if read::taken(&self.conn(), &saved.meta.id)? || saved.meta.id.is_empty() {
            saved.meta.id = new_id();
        }
        let id = saved.meta.id.clone();
        let writer = self.writer();
        for op in write::ops_for(&saved) {
            writer.send(op);
        }
        writer.flush().wait()?;
        Ok(id)
    }
}

/// `s` as the JSON that [`Store::import`] reads (what `export_json` writes).
pub fn session_json(s: &SavedSession) -> String {
    export::json(s)
}

/// A fresh session id: 12 hex digits, random.
pub fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ms());
    h.write_u32(std::process::id());
    h.write_u64(COUNT.fetch_add(1, Ordering::Relaxed));
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// A title from a prompt: its first non-empty line, at most 80 characters.
pub fn title_from(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut title: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        title.push('…');
    }
    title
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `2026-12-02 18:25 UTC` for Unix milliseconds.
pub fn utc(ms: u64) -> String {
    let (y, mo, d, h, mi, _) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-12-02T18:25:00Z` (ISO 8601, UTC) for Unix milliseconds.
pub fn iso_utc(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Year, month, day, hour, minute, second (UTC) of Unix milliseconds.
fn civil(ms: u64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = rem as u32;
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod roundtrip_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_are_snapshotted_less_often() {
        assert_eq!(snapshot_every_for(0), SNAPSHOT_EVERY);
        assert_eq!(snapshot_every_for((1 << 20) - 1), SNAPSHOT_EVERY);
        assert_eq!(snapshot_every_for(5 << 20), SNAPSHOT_EVERY * 6);
        assert_eq!(snapshot_every_for(usize::MAX >> 1), SNAPSHOT_EVERY * 601);
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34:56 UTC
        assert_eq!(utc(1_709_210_096_000), "2024-02-29 12:34 UTC");
        assert_eq!(civil(1_709_210_096_000).5, 56);
        assert_eq!(iso_utc(1_709_210_096_789), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(
            title_from("\n  Why is the sky blue?\nMore."),
            "Why is the sky blue?"
        );
        let long = "x".repeat(100);
        assert_eq!(title_from(&long).chars().count(), 81);
        assert_eq!(title_from("   "), "");
    }

    #[test]
    fn ids_differ() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|i| i.len() == 12));
    }
}
