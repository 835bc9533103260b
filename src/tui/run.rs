//! The event loop: one `tokio::select!` over terminal input, the bus of app actions (stream
//! chunks, finished runs, background results) and a frame deadline. The select is the only
//! place the loop waits: state changes only in `update`, effects only spawn, and the screen is
//! drawn only when something changed, at most once per frame interval (input at once), inside
//! a synchronized update. While text streams the bus is not read between frames, so a burst of
//! chunks is one wake-up per frame. Nothing changes → no wake-ups → no CPU.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::bench_log::BenchLog;
use super::convert;
use super::storage::{self, Resume};
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::view::View;
use crate::app::effects::{Effects, provider_info};
use crate::app::input::Input;
use crate::app::keymap::Keymap;
use crate::app::persist::Persister;
use crate::app::state::{Level, Notice, Pane, State};
use crate::app::update::start_compare;
use crate::app::{Action, Effect, update};
use crate::cli::{CompareArgs, ConnectArgs, ResumeArgs};
use crate::clipboard::{Clipboard, Env as ClipboardEnv, Reporter};
use crate::config::{Config, ConfigError, paths};
use crate::connect::{Connection, Opening};
use crate::exit;
use crate::session::store::{Store, StoreError};

/// Frames for what the user does (scrolling, resizing) come at most this often; a key is drawn
/// at once.
pub const FRAME: Duration = Duration::from_millis(16);
/// While text streams in, a frame at most this often (about 33 per second): smooth for reading,
/// and half the drawing of 60. Chunks that arrive between frames wait on the bus and are taken
/// together just before the next one, so a burst costs one wake-up per frame, not per chunk.
pub const STREAM_FRAME: Duration = Duration::from_millis(30);
/// While something runs (live timers, spinner), redraw at least this often.
const LIVE_TICK: Duration = Duration::from_millis(100);
/// While an answer streams, what changed goes to the session store at most this often (the
/// persister compares every message of the conversation with what it last sent, which in a
/// history of thousands of messages was a quarter of the loop's time when done every frame).
const SYNC_WHILE_STREAMING: Duration = Duration::from_millis(250);
/// Actions taken off the bus per wake-up, at most.
const BATCH: usize = 4096;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Everything the workbench needs, ready to run.
pub struct Workbench {
    pub state: State,
    pub view: View,
    pub effects: Effects,
    pub rx: UnboundedReceiver<Action>,
    pub clipboard: Clipboard,
    /// OSC 52 bytes for the terminal, written between frames.
    pub osc52: Vec<u8>,
    /// Sends what changed to the session store (nothing until [`storage::attach`]).
    pub persist: Persister,
    /// What was drawn, for the benchmark (only with [`bench_log::ENV`](super::bench_log::ENV)).
    pub bench: Option<BenchLog>,
}

/// Load config, theme and keys, and connect. Errors here are usage errors (exit 2), reported
/// before the terminal is touched; a key command runs here too, so a program that asks on the
/// terminal itself (pinentry) can.
pub async fn prepare(args: &ConnectArgs, theme: Option<&str>) -> Result<Workbench, ConfigError> {
    prepare_with(args, theme, Opening::default()).await
}

/// As [`prepare`], opening the connection as `how` says (see [`Connection::open_with`]).
pub async fn prepare_with(
    args: &ConnectArgs,
    theme: Option<&str>,
    how: Opening,
) -> Result<Workbench, ConfigError> {
    let config = Config::load(args.config.as_deref())?;
    let keymap = Keymap::with_overrides(&config.keys).map_err(|e| {
        ConfigError::new(match &config.source {
            Some(p) => format!("config file {}: {e}", p.display()),
            None => e,
        })
    })?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = theme
        .map(str::to_string)
        .or_else(|| config.theme.clone())
        .unwrap_or_else(|| super::theme::DEFAULT.to_string());
    let theme = Theme::load(&theme_name, paths::themes_dir().as_deref(), no_color)
        .map_err(ConfigError::new)?;
    let conn = Connection::open_with(args, &config, how).await?;
    let (tx, rx) = unbounded_channel();
    let mut state = State::new(provider_info(&conn), conn.model.clone(), keymap);
    state.providers = config.provider_names();
    if conn.is_demo() && !state.providers.contains(&"demo".to_string()) {
        state.providers.insert(0, "demo".into());
    }
    state.now_ms = now_ms();
    if let Some(n) = &conn.notice {
        state.notice = Some(Notice {
            text: n.clone(),
            level: Level::Warn,
            until_ms: state.now_ms + 8_000,
        });
    }
    if let Some(w) = config.warnings.first()
        && state.notice.is_none()
    {
        state.notice = Some(Notice {
            text: w.trim_start_matches("warning: ").to_string(),
            level: Level::Warn,
            until_ms: state.now_ms + 15_000,
        });
    }
    let (method, limit) = config.clipboard();
    let copied = tx.clone();
    let report: Reporter = Arc::new(move |r| {
        let _ = copied.send(Action::Copied(r));
    });
    let clipboard = Clipboard::new(
        method,
        ClipboardEnv::from_env(),
        limit,
        paths::state_dir(),
        report,
    );
    let effects = Effects::new(conn, config, args.clone(), tx);
    Ok(Workbench {
        state,
        view: View::new(theme),
        effects,
        rx,
        clipboard,
        osc52: Vec::new(),
        persist: Persister::new(None),
        bench: BenchLog::from_env(),
    })
}

/// When set, the workbench panics on purpose right after its first frame: a way to check
/// that a crash gives the terminal back.
pub const PANIC_TEST_ENV: &str = "THINKBENCH_PANIC_TEST";

/// `thinkbench` with no subcommand: the full-screen workbench (comparing targets from the
/// start with `--compare` / `--sweep`).
pub async fn run(
    args: ConnectArgs,
    theme: Option<String>,
    compare: CompareArgs,
    resume: ResumeArgs,
) -> u8 {
    let mut wb = match prepare(&args, theme.as_deref()).await {
        Ok(wb) => wb,
        Err(e) => {
            crate::logging::tell(format_args!("{e}"));
            return exit::USAGE;
        }
    };
    if !resume.no_store {
        let how = match (resume.continue_last, resume.session) {
            (true, _) => Resume::Last,
            (_, Some(id)) => Resume::Id(id),
            _ => Resume::New,
        };
        let store = tokio::task::spawn_blocking(Store::open_default)
            .await
            .unwrap_or(Err(StoreError::Closed));
        match storage::attach(&mut wb.state, &mut wb.effects, store, how) {
            Ok(persist) => wb.persist = persist,
            Err(e) => {
                crate::logging::tell(format_args!("{e}"));
                return exit::USAGE;
            }
        }
    }
    if compare.compare.is_some() || compare.sweep.is_some() {
        match start_compare(
            &mut wb.state,
            compare.compare.as_deref(),
            compare.sweep.as_deref(),
        ) {
            Ok(out) => apply(&mut wb, out.effects),
            Err(e) => {
                crate::logging::tell(format_args!("{e}"));
                return exit::USAGE;
            }
        }
    }
    let _log = crate::logging::init();
    let mut guard = match TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            crate::logging::tell(format_args!("cannot set up the terminal: {e}"));
            return exit::USAGE;
        }
    };
    let crash: Option<StopWhen> = std::env::var_os(PANIC_TEST_ENV).map(|_| {
        Box::new(|_: &State| -> bool { panic!("{PANIC_TEST_ENV} is set: panicking on purpose") })
            as StopWhen
    });
    let result = event_loop(&mut guard.terminal, EventStream::new(), &mut wb, crash).await;
    drop(guard);
    if let Some(log) = &wb.bench {
        log.write();
    }
    storage::finish(&wb.state, &mut wb.persist);
    // A key command still running for a provider switch ends with the app.
    crate::config::key::stop_all();
    match result {
        Ok(_) => exit::OK,
        Err(e) => {
            crate::logging::tell(format_args!("terminal error: {e}"));
            exit::FAILURE
        }
    }
}

/// What a run of the loop did (for the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopStats {
    pub frames: u64,
    pub actions: u64,
    pub wakeups: u64,
}

/// Stop the loop when this returns true (benchmarks and tests).
pub type StopWhen = Box<dyn FnMut(&State) -> bool + Send>;

/// A backend the loop can draw on; terminals wrap each frame in a synchronized update, and take
/// OSC 52 copies between frames.
pub trait Surface: Backend {
    fn begin_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Bytes for the terminal itself (not the screen).
    fn write_raw(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Surface for CrosstermBackend<W> {
    fn begin_frame(&mut self) -> io::Result<()> {
        queue!(self, BeginSynchronizedUpdate)
    }
    fn end_frame(&mut self) -> io::Result<()> {
        execute!(self, EndSynchronizedUpdate)
    }
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)?;
        Write::flush(self)
    }
}

impl Surface for TestBackend {}

/// Draw a frame; `key` is when the oldest input not yet shown was read.
fn draw<B: Surface>(
    terminal: &mut Terminal<B>,
    wb: &mut Workbench,
    key: Option<Instant>,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let start = Instant::now();
    terminal.backend_mut().begin_frame()?;
    let mut measured = None;
    terminal
        .draw(|f| measured = Some(wb.view.render(f, &wb.state)))
        .map_err(io::Error::other)?;
    terminal.backend_mut().end_frame()?;
    let took = start.elapsed();
    wb.view.stats.frame(took);
    if let Some(log) = &mut wb.bench {
        log.frame(took, key);
    }
    if let Some(vp) = measured
        && vp != wb.state.viewport
    {
        update(&mut wb.state, Action::Viewport(vp));
    }
    Ok(())
}

/// Carry out effects: the composer's here (the view owns the editor), the rest by the effects
/// layer. Neither waits.
fn apply(wb: &mut Workbench, effects: Vec<Effect>) {
    for e in effects {
        match e {
            Effect::ClearComposer => wb.view.composer.clear(),
            Effect::ComposerNewline => wb.view.composer.newline(),
            Effect::ComposerInsert(t) => wb.view.composer.insert(&t),
            Effect::Copy { what, text } => {
                let bytes = wb.clipboard.copy(&what, text);
                wb.osc52.extend(bytes);
            }
            other => wb.effects.apply(other),
        }
    }
}

/// A key, a paste, the mouse or a resize. Returns whether the screen changed.
fn terminal_event(wb: &mut Workbench, event: Event) -> bool {
    if let Event::Resize(..) = event {
        return true;
    }
    let Some(input) = convert::input(&event) else {
        return false;
    };
    let composer = wb.view.composer.text();
    let key_for_editor = match (&input, &event) {
        (Input::Key(_), Event::Key(k)) => Some(*k),
        _ => None,
    };
    let out = update(&mut wb.state, Action::Input { input, composer });
    let mut dirty = out.dirty || !out.effects.is_empty();
    if !out.consumed
        && wb.state.focus == Pane::Composer
        && let Some(k) = key_for_editor
    {
        wb.view.composer.input(k);
        dirty = true;
    }
    apply(wb, out.effects);
    dirty
}

/// Everything queued on the bus, in order. Returns whether the screen changed.
fn bus_actions(wb: &mut Workbench, batch: &mut Vec<Action>) -> bool {
    let mut dirty = false;
    let mut effects = Vec::new();
    for action in batch.drain(..) {
        wb.effects.observe(&action);
        if let Action::Copied(r) = &action {
            // A fallback to OSC 52 decided off the UI thread: the bytes go out from here.
            wb.osc52.extend_from_slice(&r.osc52);
        }
        let out = update(&mut wb.state, action);
        dirty |= out.dirty;
        effects.extend(out.effects);
    }
    apply(wb, effects);
    dirty
}

#[cfg(unix)]
async fn terminated(sig: &mut Option<tokio::signal::unix::Signal>) {
    match sig {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn terminated(_: &mut Option<()>) {
    std::future::pending().await
}

/// What woke the loop.
enum Wake {
    Terminal(Event),
    /// Actions are waiting in the batch.
    Bus,
    /// The frame deadline.
    Timer,
    /// Input ended, the bus closed, or the process was told to stop.
    Hangup,
}

/// Run until the user quits (or `stop_when` says so, or input ends).
pub async fn event_loop<B: Surface>(
    terminal: &mut Terminal<B>,
    mut events: impl Stream<Item = io::Result<Event>> + Unpin,
    wb: &mut Workbench,
    mut stop_when: Option<StopWhen>,
) -> io::Result<LoopStats>
where
    B::Error: Send + Sync + 'static,
{
    let mut stats = LoopStats::default();
    let frames_before = wb.view.frames;
    #[cfg(unix)]
    let (mut term_signal, mut hup_signal) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::hangup()).ok(),
        )
    };
    #[cfg(not(unix))]
    let (mut term_signal, mut hup_signal): (Option<()>, Option<()>) = (None, None);

    let mut batch = Vec::with_capacity(BATCH);
    let mut dirty = true;
    // Something happened since the state was last given to the persister.
    let mut changed = true;
    let mut last_sync: Option<Instant> = None;
    let mut last_draw: Option<Instant> = None;
    // When the oldest key (or paste, or mouse event) that changed the screen, not yet drawn,
    // was read: input is drawn at once, not at the next frame deadline.
    let mut key_at: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let streaming = wb.state.is_running();
        let interval = if streaming { STREAM_FRAME } else { FRAME };
        let frame_due = last_draw.map_or(now, |t| t + interval);
        if streaming && now >= frame_due {
            // What queued on the bus since the last frame, taken at once before the next.
            while batch.len() < BATCH {
                match wb.rx.try_recv() {
                    Ok(action) => batch.push(action),
                    Err(_) => break,
                }
            }
            if !batch.is_empty() {
                stats.actions += batch.len() as u64;
                dirty |= bus_actions(wb, &mut batch);
                changed = true;
            }
        }
        if dirty && (key_at.is_some() || now >= frame_due) {
            draw(terminal, wb, key_at.take())?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        // While streaming, the bus is read only when a frame may be drawn; until then chunks
        // queue up (the next frame's deadline wakes the loop).
        let next_frame = last_draw.map_or(now, |t| t + interval);
        let listen = !streaming || Instant::now() >= next_frame;
        if !wb.osc52.is_empty() {
            // Between frames, never inside one.
            terminal.backend_mut().write_raw(&wb.osc52)?;
            wb.osc52.clear();
        }
        if (changed || wb.persist.behind())
            && (!wb.state.is_running() || last_sync.is_none_or(|t| now >= t + SYNC_WHILE_STREAMING))
        {
            // What changed goes to the session store (a channel send; never the disk).
            wb.persist.sync(&wb.state, now);
            last_sync = Some(now);
            changed = false;
        }
        if wb.state.quit || stop_when.as_mut().is_some_and(|f| f(&wb.state)) {
            break;
        }
        let deadline = if dirty || !listen {
            next_frame
        } else if streaming || wb.state.switching.is_some() {
            now + LIVE_TICK
        } else if let Some(n) = &wb.state.notice {
            now + Duration::from_millis(n.until_ms.saturating_sub(wb.state.now_ms).max(1))
        } else {
            now + Duration::from_secs(3600)
        };
        let wake = tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(ev)) => Wake::Terminal(ev),
                Some(Err(e)) => return Err(e),
                None => Wake::Hangup,
            },
            n = wb.rx.recv_many(&mut batch, BATCH), if listen => {
                stats.actions += n as u64;
                if n == 0 { Wake::Hangup } else { Wake::Bus }
            }
            _ = tokio::time::sleep_until(deadline.into()) => Wake::Timer,
            _ = terminated(&mut term_signal) => Wake::Hangup,
            _ = terminated(&mut hup_signal) => Wake::Hangup,
        };
        stats.wakeups += 1;
        // The clock, once per wake-up and before what woke us: notices and timers started by
        // a key must not be dated to the last wake-up, which may be long ago.
        let live = update(&mut wb.state, Action::Tick(now_ms())).dirty;
        // Live timers and spinners are redrawn every LIVE_TICK, not on every wake-up.
        let settled = !(wb.state.is_running() || wb.state.switching.is_some());
        dirty |= live && (settled || last_draw.is_none_or(|t| t.elapsed() >= LIVE_TICK));
        changed |= !matches!(wake, Wake::Timer);
        dirty |= match wake {
            Wake::Terminal(ev) => {
                stats.actions += 1;
                if let Event::Resize(w, h) = ev {
                    terminal
                        .resize(Rect::new(0, 0, w, h))
                        .map_err(io::Error::other)?;
                }
                let read = Instant::now();
                let input = matches!(ev, Event::Key(_) | Event::Paste(_) | Event::Mouse(_));
                let changed = terminal_event(wb, ev);
                if input && changed {
                    key_at.get_or_insert(read);
                }
                changed
            }
            Wake::Bus => bus_actions(wb, &mut batch),
            Wake::Timer => false,
            Wake::Hangup => {
                let out = update(&mut wb.state, Action::Hangup);
                apply(wb, out.effects);
                wb.persist.sync(&wb.state, Instant::now());
                break;
            }
        };
    }
    stats.frames = wb.view.frames - frames_before;
    Ok(stats)
}
