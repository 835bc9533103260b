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
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

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
            previous(info);
        }));
    });
}

/// The terminal, writing through a byte counter (for the render stats).
pub type Term = Terminal<CrosstermBackend<Counted<io::Stdout>>>;

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
        match Terminal::new(CrosstermBackend::new(Counted(io::stdout()))) {
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
    }
}
