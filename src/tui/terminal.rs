//! The terminal: enter raw mode and the alternate screen, and always leave them again — on
//! quit, on error (the guard's `Drop`) and on panic (a hook that restores first, then lets
//! the previous hook print the panic).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::stats::Counted;

/// Set while the terminal is in TUI mode; restoring is idempotent.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static KEYBOARD_FLAGS: AtomicBool = AtomicBool::new(false);

/// Undo everything [`TerminalGuard::enter`] did. Safe to call more than once and from a
/// panic hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if KEYBOARD_FLAGS.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        crossterm::terminal::EndSynchronizedUpdate,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restore the terminal before the default panic message is printed.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The UI runs on the main thread. A panic elsewhere (a background task) is
            // contained by the runtime and the UI goes on: leave the terminal alone and
            // keep the message out of the screen.
            let on_main = std::thread::current().name() == Some("main");
            if ACTIVE.load(Ordering::SeqCst) && !on_main {
                tracing::error!("background task panicked: {info}");
                return;
            }
            restore();
            tracing::error!("panicked: {info}");
            previous(info);
            // After the message, on the restored terminal: where to look and what to send.
            if let Some(log) = crate::logging::path() {
                let _ = writeln!(
                    io::stderr(),
                    "thinkbench crashed; the terminal was restored. The log is {} \
                     (set THINKBENCH_LOG=debug for more).",
                    log.display()
                );
            }
        }));
    });
}

/// The terminal, writing through a frame buffer and a byte counter (for the render stats).
pub type Term = Terminal<CrosstermBackend<Counted<FrameBuffer>>>;

/// Room for a frame's escape sequences before they are written out.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Holds a frame's bytes until the frame is flushed, then writes them out at once. Unlike
/// `BufWriter` it does not write on drop: after a panic mid-frame, the half frame (and its
/// "begin synchronized update") must not reach the terminal after it was restored.
pub struct FrameBuffer<W: Write = io::Stdout> {
    out: W,
    pending: Vec<u8>,
    /// A write failed: the terminal is gone (closed window, hung-up line). Later output is
    /// dropped instead of failing again, so tearing down (ratatui shows the cursor when its
    /// terminal is dropped, and reports a failure with `eprintln!`, which panics on a dead
    /// stderr) cannot turn a closed terminal into a crash.
    gone: bool,
}

impl<W: Write> FrameBuffer<W> {
    pub fn new(out: W) -> FrameBuffer<W> {
        FrameBuffer {
            out,
            pending: Vec::with_capacity(OUTPUT_BUFFER),
            gone: false,
        }
    }
}

impl<W: Write> Write for FrameBuffer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            self.pending.clear();
            return Ok(());
        }
        let written = self
            .out
            .write_all(&self.pending)
            .and_then(|()| self.out.flush());
        self.pending.clear();
        // The first failure is reported (the loop ends on it), later ones are not.
        self.gone = written.is_err();
        written
    }
}

/// The terminal in TUI mode. Dropping it restores the terminal.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        let setup = execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        );
        if let Err(e) = setup {
            restore();
            return Err(e);
        }
        // Shift+Enter is only reported by terminals that speak the kitty keyboard protocol.
        if matches!(
            crossterm::terminal::supports_keyboard_enhancement(),
            Ok(true)
        ) && execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )
        .is_ok()
        {
            KEYBOARD_FLAGS.store(true, Ordering::SeqCst);
        }
        // A fixed viewport: the size is not asked of the terminal on every frame (that opens
        // /dev/tty each time); the loop resizes it when the terminal says it was resized.
        let (w, h) = match crossterm::terminal::size() {
            Ok(size) => size,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        let backend = CrosstermBackend::new(Counted(FrameBuffer::new(io::stdout())));
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        };
        match Terminal::with_options(backend, options) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // ratatui shows the cursor when its terminal is dropped and reports a failure with
        // `eprintln!`, which panics when stderr is a terminal that was closed. Show it here:
        // a failure marks the output gone, the second try then succeeds quietly, and the drop
        // finds nothing left to do.
        if self.terminal.show_cursor().is_err() {
            let _ = self.terminal.show_cursor();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_goes_out_when_flushed_and_an_unflushed_one_never() {
        let mut sink = Vec::new();
        {
            let mut frame = FrameBuffer::new(&mut sink);
            frame.write_all(b"\x1b[?2026hframe one").unwrap();
            frame.flush().unwrap();
            frame.write_all(b"\x1b[?2026hhalf a frame").unwrap();
            // Dropped without a flush, as when a panic unwinds mid-frame.
        }
        assert_eq!(sink, b"\x1b[?2026hframe one");
    }
}
