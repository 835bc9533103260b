//! The event loop: one `tokio::select!` over terminal input, the bus of app actions (stream
//! chunks, finished runs, background results) and a frame deadline. State changes only in
//! `update`; the screen is drawn only when something changed, at most once per frame
//! interval, inside a synchronized update. Nothing changes → no wake-ups → no CPU.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::convert;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::view::{self, View};
use crate::app::effects::{Effects, UiEffect, provider_info};
use crate::app::input::Input;
use crate::app::keymap::Keymap;
use crate::app::state::{Pane, State};
use crate::app::{Action, update};
use crate::cli::{ConnectArgs, ScreenshotArgs};
use crate::commands::exit;
use crate::config::{Config, ConfigError, paths};
use crate::connect::Connection;

/// At most this many frames per second.
pub const FRAME: Duration = Duration::from_millis(16);
/// While something runs (live timers, spinner), redraw at least this often.
const LIVE_TICK: Duration = Duration::from_millis(100);

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
}

/// Load config, theme and keys, and connect. Errors here are usage errors (exit 2), reported
/// before the terminal is touched.
pub async fn prepare(args: &ConnectArgs, theme: Option<&str>) -> Result<Workbench, ConfigError> {
    prepare_with(args, theme, None).await
}

/// As [`prepare`], with the demo simulator's rate set (see [`Connection::open_with`]).
pub async fn prepare_with(
    args: &ConnectArgs,
    theme: Option<&str>,
    demo_rate: Option<Option<f64>>,
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
    let conn = Connection::open_with(args, &config, demo_rate).await?;
    let (tx, rx) = unbounded_channel();
    let info = provider_info(&conn);
    let model = conn.model.clone();
    let catalog = conn.catalog.clone();
    let mut state = State::new(info, model, catalog, keymap);
    state.providers = config.provider_names();
    if conn.is_demo() && !state.providers.contains(&"demo".to_string()) {
        state.providers.insert(0, "demo".into());
    }
    state.now_ms = now_ms();
    if let Some(n) = &conn.notice {
        state.notice = Some(crate::app::state::Notice {
            text: n.clone(),
            level: crate::app::state::Level::Warn,
            until_ms: state.now_ms + 8_000,
        });
    }
    let effects = Effects::new(conn, config, args.clone(), tx);
    Ok(Workbench {
        state,
        view: View::new(theme),
        effects,
        rx,
    })
}

/// When set, the workbench panics on purpose right after its first frame: a way to check
/// that a crash gives the terminal back.
pub const PANIC_TEST_ENV: &str = "THINKBENCH_PANIC_TEST";

/// `thinkbench` with no subcommand: the full-screen workbench.
pub async fn run(args: ConnectArgs, theme: Option<String>) -> u8 {
    let mut wb = match prepare(&args, theme.as_deref()).await {
        Ok(wb) => wb,
        Err(e) => {
            eprintln!("thinkbench: {e}");
            return exit::USAGE;
        }
    };
    let _ = crate::logging::init();
    let mut guard = match TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("thinkbench: cannot set up the terminal: {e}");
            return exit::USAGE;
        }
    };
    let crash: Option<StopWhen> = std::env::var_os(PANIC_TEST_ENV).map(|_| {
        Box::new(|_: &State| -> bool { panic!("{PANIC_TEST_ENV} is set: panicking on purpose") })
            as StopWhen
    });
    let result = event_loop(&mut guard.terminal, EventStream::new(), &mut wb, crash).await;
    drop(guard);
    match result {
        Ok(_) => exit::OK,
        Err(e) => {
            eprintln!("thinkbench: terminal error: {e}");
            1
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

/// A backend the loop can draw on; terminals wrap each frame in a synchronized update.
pub trait Surface: Backend {
    fn begin_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> io::Result<()> {
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
}

impl Surface for TestBackend {}

fn draw<B: Surface>(terminal: &mut Terminal<B>, wb: &mut Workbench) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    terminal.backend_mut().begin_frame()?;
    let mut measured = None;
    terminal
        .draw(|f| measured = Some(view::render(f, &wb.state, &mut wb.view)))
        .map_err(io::Error::other)?;
    terminal.backend_mut().end_frame()?;
    if let Some(vp) = measured
        && vp != wb.state.viewport
    {
        update(&mut wb.state, Action::Viewport(vp));
    }
    Ok(())
}

async fn apply_effects(wb: &mut Workbench, effects: Vec<crate::app::Effect>) -> bool {
    let mut dirty = false;
    for e in effects {
        if let Some(ui) = wb.effects.apply(e).await {
            dirty = true;
            match ui {
                UiEffect::ClearComposer => wb.view.clear_composer(),
                UiEffect::ComposerNewline => wb.view.composer.insert_newline(),
                UiEffect::ComposerInsert(t) => {
                    wb.view.composer.insert_str(t);
                }
            }
        }
    }
    dirty
}

async fn terminal_event(wb: &mut Workbench, event: Event) -> bool {
    if let Event::Resize(..) = event {
        return true;
    }
    // The clock first: notices and timers started by this key must not be dated to the
    // last wake-up, which may be long ago.
    update(&mut wb.state, Action::Tick(now_ms()));
    let Some(input) = convert::input(&event) else {
        return false;
    };
    let composer = wb.view.composer_text();
    let out = update(
        &mut wb.state,
        Action::Input {
            input: input.clone(),
            composer,
        },
    );
    let mut dirty = out.dirty;
    if !out.consumed
        && wb.state.focus == Pane::Composer
        && let (Input::Key(_), Event::Key(k)) = (&input, &event)
    {
        wb.view.composer.input(*k);
        dirty = true;
    }
    apply_effects(wb, out.effects).await || dirty
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
    let mut term_signal = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::terminate()).ok()
    };
    #[cfg(not(unix))]
    let mut term_signal: Option<()> = None;
    #[cfg(unix)]
    let mut hup_signal = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup()).ok()
    };
    #[cfg(not(unix))]
    let mut hup_signal: Option<()> = None;

    let mut batch = Vec::with_capacity(1024);
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if dirty && last_draw.is_none_or(|t| now.duration_since(t) >= FRAME) {
            draw(terminal, wb)?;

            last_draw = Some(Instant::now());
            dirty = false;
        }
        if wb.state.quit || stop_when.as_mut().is_some_and(|f| f(&wb.state)) {
            break;
        }
        let deadline = if dirty {
            last_draw.map_or(now, |t| t + FRAME)
        } else if wb.state.is_running() {
            now + LIVE_TICK
        } else if let Some(n) = &wb.state.notice {
            now + Duration::from_millis(n.until_ms.saturating_sub(wb.state.now_ms).max(1))
        } else {
            now + Duration::from_secs(3600)
        };
        tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    stats.actions += 1;
                    dirty |= terminal_event(wb, ev).await;
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            n = wb.rx.recv_many(&mut batch, 4096) => {
                if n == 0 {
                    break;
                }
                                stats.actions += n as u64;
                update(&mut wb.state, Action::Tick(now_ms()));
                let mut effects = Vec::new();
                for action in batch.drain(..) {
                    if let Action::RunEnded { variant, .. } = &action {
                        wb.effects.finished(*variant);
                    }
                    let out = update(&mut wb.state, action);
                    dirty |= out.dirty;
                    effects.extend(out.effects);
                }
                dirty |= apply_effects(wb, effects).await;
            }
            _ = tokio::time::sleep_until(deadline.into()) => {}
            _ = terminated(&mut term_signal) => break,
            _ = terminated(&mut hup_signal) => break,
        }
        stats.wakeups += 1;
        dirty |= update(&mut wb.state, Action::Tick(now_ms())).dirty;
    }
    // Cancel whatever still runs.
    for id in wb.state.running() {
        wb.effects.apply(crate::app::Effect::CancelRun(id)).await;
    }
    stats.frames = wb.view.frames - frames_before;
    Ok(stats)
}

/// `thinkbench screenshots`: render the README screenshots from the real render code.
pub async fn screenshots(args: ScreenshotArgs) -> u8 {
    match super::shots::write_all(&args).await {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("thinkbench screenshots: {e}");
            1
        }
    }
}
