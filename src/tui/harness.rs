//! Driving the real workbench without a terminal: scripted key events through the real event
//! loop into a `TestBackend`, against the built-in simulator. The snapshot tests, the
//! benchmark and the screenshot command all use it.

use std::io;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::run::{Workbench, event_loop, prepare_with};
use crate::app::state::State;
use crate::cli::ConnectArgs;
use crate::connect::Opening;

pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 48;

/// Key events that type `text`.
pub fn chars(text: &str) -> Vec<Event> {
    text.chars()
        .map(|c| key(KeyCode::Char(c), KeyModifiers::NONE))
        .collect()
}

/// Key events that type `text` and press Enter.
pub fn typed(text: &str) -> Vec<Event> {
    let mut v = chars(text);
    v.push(key(KeyCode::Enter, KeyModifiers::NONE));
    v
}

pub fn key(code: KeyCode, mods: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, mods))
}

/// A terminal-sized test backend and a demo workbench whose simulator streams at `rate`.
pub async fn demo_bench(
    theme: &str,
    rate: Option<f64>,
) -> Result<(Terminal<TestBackend>, Workbench), String> {
    let args = ConnectArgs {
        demo: true,
        ..ConnectArgs::default()
    };
    let how = Opening {
        demo_rate: Some(rate),
        ..Opening::default()
    };
    let wb = prepare_with(&args, Some(theme), how)
        .await
        .map_err(|e| e.to_string())?;
    let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).map_err(|e| e.to_string())?;
    Ok((terminal, wb))
}

/// Feed `events`, then keep running until all of them were handled and `done` holds.
pub async fn drive(
    terminal: &mut Terminal<TestBackend>,
    wb: &mut Workbench,
    events: Vec<Event>,
    mut done: impl FnMut(&State) -> bool + Send + 'static,
) -> io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let total = events.len();
    let taken = Arc::new(AtomicUsize::new(0));
    let counter = taken.clone();
    let stream = futures_util::stream::iter(events.into_iter().map(Ok))
        .inspect(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .chain(futures_util::stream::pending());
    let stop = move |s: &State| taken.load(Ordering::SeqCst) >= total && done(s);
    event_loop(terminal, Box::pin(stream), wb, Some(Box::new(stop))).await?;
    Ok(())
}

/// Whether the latest answer has finished.
pub fn idle_after(turns: usize) -> impl FnMut(&State) -> bool + Send + 'static {
    move |s: &State| s.conversation.turns.len() >= turns && !s.is_running()
}

/// Draw the current state once more and return the frame.
///
/// The frame's own buffer is used, not the backend's: a test backend only receives the cells
/// that changed, and keeps stale cells beside wide characters that a real terminal would
/// have overwritten.
pub fn frame(terminal: &mut Terminal<TestBackend>, wb: &mut Workbench) -> Buffer {
    terminal.clear().ok();
    match terminal.draw(|f| {
        wb.view.render(f, &wb.state);
    }) {
        Ok(done) => done.buffer.clone(),
        Err(e) => match e {},
    }
}
