//! The one writer: a thread that owns the only write connection and takes [`Op`]s from a
//! channel, so that sending never waits on the disk. What is queued when it wakes goes into
//! one transaction; repeated snapshots of a variant in a batch are written once.
//!
//! When writing fails (a lock held too long, a full disk, a read-only file) the ops are kept
//! and tried again later, with growing pauses, sooner on a flush; the failure is reported
//! once (to [`Writer::errors`] and the hook of [`Writer::on_error`]) until writing works again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::write::{self, lane};
use super::{Op, StoreError, now_ms, open};

/// The most ops in one transaction.
const MAX_BATCH: usize = 512;
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const LONGEST_PAUSE: Duration = Duration::from_secs(10);

enum Msg {
    Op(Op),
    Flush(mpsc::Sender<Result<(), StoreError>>),
}

type Hook = Arc<dyn Fn(Option<&StoreError>) + Send + Sync>;

#[derive(Default)]
struct Shared {
    errors: Mutex<Vec<StoreError>>,
    hook: Mutex<Option<Hook>>,
    failing: AtomicBool,
}

impl Shared {
    fn recovered(&self) {
        tracing::info!("session store: writing works again");
        let hook = self.hook.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(hook) = hook {
            hook(None);
        }
    }

    fn report(&self, e: StoreError) {
        tracing::warn!("session store: {e}");
        let hook = self.hook.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(hook) = hook {
            hook(Some(&e));
        }
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }
}

/// Sends [`Op`]s to the writer thread. Cheap to clone; every clone feeds the same thread,
/// which ends (after a last try at what is queued) when the store and every clone are gone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
}

/// The answer to [`Writer::flush`]: whether everything sent before it is written.
pub struct Flush(mpsc::Receiver<Result<(), StoreError>>);

impl Flush {
    /// Block until the writer has tried.
    pub fn wait(self) -> Result<(), StoreError> {
        self.0.recv().unwrap_or(Err(StoreError::Closed))
    }

    /// [`Flush::wait`], for at most `limit`; `None` when it is not done by then.
    pub fn wait_timeout(&self, limit: Duration) -> Option<Result<(), StoreError>> {
        match self.0.recv_timeout(limit) {
            Ok(r) => Some(r),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(StoreError::Closed)),
        }
    }

    /// Without waiting: `None` while not done.
    pub fn poll(&self) -> Option<Result<(), StoreError>> {
        match self.0.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(StoreError::Closed)),
        }
    }
}

impl Writer {
    pub(super) fn start(path: PathBuf, busy: Duration) -> Writer {
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let worker = Worker {
            path,
            busy,
            conn: None,
            pending: Vec::new(),
            waiting: Vec::new(),
            failing: None,
            retry_at: None,
            pause: FIRST_PAUSE,
            shared: shared.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("thinkbench-store".into())
            .spawn(move || worker.run(rx));
        if let Err(e) = spawned {
            shared.report(StoreError::Sqlite(format!(
                "cannot start the writer thread: {e}"
            )));
        }
        Writer { tx, shared }
    }

    /// Queue `op`. Never waits; when the writer is gone the op is dropped (and
    /// [`Writer::flush`] says so).
    pub fn send(&self, op: Op) {
        let _ = self.tx.send(Msg::Op(op));
    }

    /// Ask to be told when everything sent before is written (or why it is not).
    pub fn flush(&self) -> Flush {
        let (tx, rx) = mpsc::channel();
        let _ = self.tx.send(Msg::Flush(tx));
        Flush(rx)
    }

    /// The errors reported since the last call: one per stretch of failing writes (each is
    /// also logged), and ops that could not be carried out at all.
    pub fn errors(&self) -> Vec<StoreError> {
        std::mem::take(&mut *self.shared.errors.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Call `hook` (on the writer thread) with each error as it is reported, and with `None`
    /// when writing works again after failing: an event loop can have it send an action to
    /// itself. The errors are still kept for [`Writer::errors`].
    pub fn on_error(&self, hook: impl Fn(Option<&StoreError>) + Send + Sync + 'static) {
        *self.shared.hook.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(hook));
    }

    /// Writing is failing at the moment (ops are kept and retried).
    pub fn is_failing(&self) -> bool {
        self.shared.failing.load(Ordering::Relaxed)
    }
}

struct Worker {
    path: PathBuf,
    busy: Duration,
    conn: Option<Connection>,
    pending: Vec<Op>,
    waiting: Vec<mpsc::Sender<Result<(), StoreError>>>,
    failing: Option<StoreError>,
    retry_at: Option<Instant>,
    pause: Duration,
    shared: Arc<Shared>,
}

impl Worker {
    fn run(mut self, rx: mpsc::Receiver<Msg>) {
        loop {
            let first = match self.retry_at {
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            let mut flush = match first {
                Ok(m) => self.take(m),
                Err(mpsc::RecvTimeoutError::Timeout) => false,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            while self.pending.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(m) => flush |= self.take(m),
                    Err(_) => break,
                }
            }
            let due = self.retry_at.is_none_or(|at| Instant::now() >= at);
            if due || flush {
                self.write();
            }
        }
        if !self.pending.is_empty() {
            self.write();
        }
    }

    /// Queue a message; true for a flush.
    fn take(&mut self, m: Msg) -> bool {
        match m {
            Msg::Op(op) => {
                self.pending.push(op);
                false
            }
            Msg::Flush(reply) => {
                self.waiting.push(reply);
                true
            }
        }
    }

    fn write(&mut self) {
        coalesce(&mut self.pending);
        let result = self.try_write();
        match &result {
            Ok(()) => {
                self.pending.clear();
                if self.failing.take().is_some() {
                    self.shared.recovered();
                }
                self.shared.failing.store(false, Ordering::Relaxed);
                self.retry_at = None;
                self.pause = FIRST_PAUSE;
            }
            Err(e) => {
                if self.failing.is_none() {
                    self.shared.report(e.clone());
                }
                self.failing = Some(e.clone());
                self.shared.failing.store(true, Ordering::Relaxed);
                self.retry_at = Some(Instant::now() + self.pause);
                self.pause = (self.pause * 2).min(LONGEST_PAUSE);
                if !matches!(e, StoreError::Locked | StoreError::Full(_)) {
                    // Open the file afresh next time (it may have been fixed or replaced).
                    self.conn = None;
                }
            }
        }
        for reply in self.waiting.drain(..) {
            let _ = reply.send(result.clone());
        }
    }

    fn try_write(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self
                .conn
                .insert(open::connect_for_writing(&self.path, self.busy)?),
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms() as i64;
        let mut refused = Vec::new();
        for op in &self.pending {
            if let Err(e) = write::apply(&tx, op, now) {
                let e = StoreError::from(e);
                if e.transient() || matches!(e, StoreError::Corrupt(_)) {
                    // Dropping the transaction rolls the batch back; it is tried again.
                    return Err(e);
                }
                refused.push(e);
            }
        }
        tx.commit()?;
        if !self.waiting.is_empty() {
            // Someone waits to know it is on disk: a checkpoint syncs the log to the disk
            // (commits alone are synced only now and then, in WAL mode with NORMAL).
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
        for e in refused {
            self.shared.report(e);
        }
        Ok(())
    }
}

/// What two ops write to, when the later one replaces all the earlier one wrote.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Turn(String, i64, u64),
    Variant(String, i64, u64),
    Column(String, usize),
}

/// Merge repeated snapshots of one turn, variant or column: the latest content, at the
/// place of the first (a new variant's place among its turn's is set by its first write).
/// Nothing is merged across a delete of its session.
fn coalesce(ops: &mut Vec<Op>) {
    if ops.len() < 2 {
        return;
    }
    let mut at: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops.drain(..) {
        let key = match &op {
            Op::Turn {
                session,
                column,
                turn,
            } => Some(Key::Turn(session.clone(), lane(*column), turn.id)),
            Op::Variant {
                session,
                column,
                variant,
                ..
            } => Some(Key::Variant(session.clone(), lane(*column), variant.id)),
            Op::Column {
                session, column, ..
            } => Some(Key::Column(session.clone(), *column)),
            Op::Delete { session } => {
                at.retain(|k, _| match k {
                    Key::Turn(s, ..) | Key::Variant(s, ..) | Key::Column(s, _) => s != session,
                });
                None
            }
            _ => None,
        };
        match key {
            Some(k) => match at.get(&k) {
                Some(&i) => out[i] = op,
                None => {
                    at.insert(k, out.len());
                    out.push(op);
                }
            },
            None => out.push(op),
        }
    }
    *ops = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::store::TurnRecord;

    fn turn(id: u64, prompt: &str) -> Op {
        Op::Turn {
            session: "s".into(),
            column: None,
            turn: TurnRecord {
                id,
                position: 0,
                prompt: prompt.into(),
                active: 0,
            },
        }
    }

    #[test]
    fn repeated_snapshots_merge_at_the_first_place() {
        let mut ops = vec![turn(1, "a"), turn(2, "b"), turn(1, "c")];
        coalesce(&mut ops);
        assert_eq!(ops, vec![turn(1, "c"), turn(2, "b")]);
        let mut ops = vec![
            turn(1, "a"),
            Op::Delete {
                session: "s".into(),
            },
            turn(1, "c"),
        ];
        coalesce(&mut ops);
        assert_eq!(ops.len(), 3, "nothing merged across a delete");
    }
}
