//! Copying to the clipboard, wherever thinkbench runs: the system clipboard on a desktop, OSC 52
//! over SSH or without a display (wrapped for tmux and GNU screen), a user-only file when the
//! text is too large for the terminal or when asked to. Nothing here blocks the UI: the system
//! clipboard and files are handled on a thread, OSC 52 bytes are handed back for the terminal
//! layer to write between frames. Every copy is reported truthfully: what, how big, and how (or
//! why not).

pub mod extract;
pub mod osc52;
pub mod system;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use osc52::Wrap;
use system::{Job, Opener, System};

use crate::text::group;

/// How to copy (`clipboard = "…"` in the config).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Method {
    /// OSC 52 over SSH or without a display; else the system clipboard, OSC 52 when it fails.
    #[default]
    Auto,
    System,
    Osc52,
    File,
    Off,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "auto" => Method::Auto,
            "system" => Method::System,
            "osc52" => Method::Osc52,
            "file" => Method::File,
            "off" => Method::Off,
            _ => return None,
        })
    }
}

/// By default, OSC 52 carries at most this much text (many terminals drop more, silently).
pub const DEFAULT_OSC52_LIMIT: usize = 100 * 1024;

/// What the environment says about where we run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Env {
    /// Over SSH (`SSH_TTY` or `SSH_CONNECTION`).
    pub ssh: bool,
    /// A display to talk to (`DISPLAY` or `WAYLAND_DISPLAY`; macOS and Windows always have
    /// one).
    pub display: bool,
    /// Inside tmux (`TMUX`).
    pub tmux: bool,
    /// Inside GNU screen (`STY`, or `TERM=screen…` outside tmux).
    pub screen: bool,
}

impl Env {
    pub fn from_env() -> Env {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        let tmux = set("TMUX");
        Env {
            ssh: set("SSH_TTY") || set("SSH_CONNECTION"),
            display: cfg!(any(target_os = "macos", windows))
                || set("DISPLAY")
                || set("WAYLAND_DISPLAY"),
            tmux,
            screen: !tmux
                && (set("STY") || std::env::var("TERM").is_ok_and(|t| t.starts_with("screen"))),
        }
    }

    fn wrap(&self) -> Wrap {
        if self.tmux {
            Wrap::Tmux
        } else if self.screen {
            Wrap::Screen
        } else {
            Wrap::Plain
        }
    }
}

/// How a copy went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    System,
    Osc52(Wrap),
    File(PathBuf),
}

/// What happened to a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// "the answer", "the reasoning", "the code block" …
    pub what: String,
    pub chars: usize,
    pub result: Result<Route, String>,
    /// Why it took that route, when it is not the obvious one.
    pub note: Option<String>,
    /// OSC 52 bytes the terminal layer still has to write (a fallback decided off the UI
    /// thread).
    pub osc52: Vec<u8>,
}

impl CopyReport {
    /// The notice for the status line.
    pub fn message(&self) -> String {
        let size = format!("{} ({} characters)", self.what, group(self.chars as u64));
        let mut msg = match &self.result {
            Ok(Route::System) => format!("copied {size} to the system clipboard"),
            Ok(Route::Osc52(Wrap::Plain)) => {
                format!("sent {size} to the terminal's clipboard (OSC 52)")
            }
            Ok(Route::Osc52(Wrap::Tmux)) => format!(
                "sent {size} to the terminal's clipboard through tmux (OSC 52; tmux needs allow-passthrough on)"
            ),
            Ok(Route::Osc52(Wrap::Screen)) => {
                format!("sent {size} to the terminal's clipboard through screen (OSC 52)")
            }
            Ok(Route::File(p)) => format!("wrote {size} to {}", p.display()),
            Err(e) => format!("could not copy {}: {e}", self.what),
        };
        if let Some(n) = &self.note {
            msg = format!("{n}: {msg}");
        }
        msg
    }
}

/// Where reports go (the app's event bus).
pub type Reporter = Arc<dyn Fn(CopyReport) + Send + Sync>;

/// The clipboard: the method, the environment, and the thread for the system clipboard and
/// files.
pub struct Clipboard {
    method: Method,
    env: Env,
    osc52_limit: usize,
    /// Where the `file` route writes (the state directory).
    dir: Option<PathBuf>,
    open: Opener,
    system: Option<System>,
    report: Reporter,
}

impl Clipboard {
    pub fn new(
        method: Method,
        env: Env,
        osc52_limit: usize,
        dir: Option<PathBuf>,
        report: Reporter,
    ) -> Clipboard {
        Clipboard::with_backend(method, env, osc52_limit, dir, report, system::arboard)
    }

    /// As [`Clipboard::new`], opening the system clipboard with `open`.
    pub fn with_backend(
        method: Method,
        env: Env,
        osc52_limit: usize,
        dir: Option<PathBuf>,
        report: Reporter,
        open: Opener,
    ) -> Clipboard {
        Clipboard {
            method,
            env,
            osc52_limit,
            dir,
            open,
            system: None,
            report,
        }
    }

    fn system(&mut self) -> &System {
        let open = self.open;
        self.system.get_or_insert_with(|| System::start(open))
    }

    /// Copy `text` (`what` it is, for the report). Returns the OSC 52 bytes to write to the
    /// terminal now, if that is the route; every route is reported through the reporter.
    pub fn copy(&mut self, what: &str, text: String) -> Vec<u8> {
        let base = CopyReport {
            what: what.to_string(),
            chars: text.chars().count(),
            result: Err(String::new()),
            note: None,
            osc52: Vec::new(),
        };
        match self.method {
            Method::Off => {
                (self.report)(CopyReport {
                    result: Err("copying is off (clipboard = \"off\" in the config)".into()),
                    ..base
                });
                Vec::new()
            }
            Method::File => {
                self.write_file(text, base);
                Vec::new()
            }
            Method::Osc52 => self.osc52(text, base),
            Method::Auto if self.env.ssh || !self.env.display => {
                let why = if self.env.ssh {
                    "over SSH"
                } else {
                    "no display"
                };
                self.osc52(
                    text,
                    CopyReport {
                        note: Some(why.to_string()),
                        ..base
                    },
                )
            }
            Method::Auto | Method::System => {
                let fallback = (self.method == Method::Auto).then(|| self.env.wrap());
                let limit = self.osc52_limit;
                let job_text = text.clone();
                let report = self.report.clone();
                let done = Box::new(move |result: Result<(), String>| {
                    let r = match (result, fallback) {
                        (Ok(()), _) => CopyReport {
                            result: Ok(Route::System),
                            ..base
                        },
                        (Err(e), Some(wrap)) if text.len() <= limit => CopyReport {
                            result: Ok(Route::Osc52(wrap)),
                            note: Some(format!("the system clipboard failed ({e})")),
                            osc52: osc52::sequence(&text, wrap),
                            ..base
                        },
                        (Err(e), _) => CopyReport {
                            result: Err(format!("the system clipboard failed: {e}")),
                            ..base
                        },
                    };
                    report(r);
                });
                self.system().send(Job {
                    text: job_text,
                    done,
                });
                Vec::new()
            }
        }
    }

    /// OSC 52, unless the text is too large for the terminal: then a file.
    fn osc52(&mut self, text: String, base: CopyReport) -> Vec<u8> {
        if text.len() > self.osc52_limit {
            let note = format!(
                "too large for the terminal ({} KB, the OSC 52 limit is {} KB)",
                text.len().div_ceil(1024),
                self.osc52_limit / 1024
            );
            self.write_file(
                text,
                CopyReport {
                    note: Some(note),
                    ..base
                },
            );
            return Vec::new();
        }
        let wrap = self.env.wrap();
        let bytes = osc52::sequence(&text, wrap);
        (self.report)(CopyReport {
            result: Ok(Route::Osc52(wrap)),
            ..base
        });
        bytes
    }

    /// Write `text` to a user-only file in the state directory, off the UI thread.
    fn write_file(&mut self, text: String, base: CopyReport) {
        let Some(dir) = self.dir.clone() else {
            (self.report)(CopyReport {
                result: Err("no state directory to write it to".into()),
                ..base
            });
            return;
        };
        let report = self.report.clone();
        std::thread::spawn(move || {
            let result = write_copy(&dir, &base.what, &text)
                .map(Route::File)
                .map_err(|e| format!("cannot write the copy: {e}"));
            report(CopyReport { result, ..base });
        });
    }
}

/// `DIR/clipboard/answer-<unix ms>.txt`, readable by the user only.
fn write_copy(dir: &Path, what: &str, text: &str) -> std::io::Result<PathBuf> {
    let dir = dir.join("clipboard");
    std::fs::create_dir_all(&dir)?;
    let name: String = what
        .trim_start_matches("the ")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!("{name}-{ms}.txt"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    use std::io::Write;
    options.open(&path)?.write_all(text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, channel};
    use std::time::Duration;

    use super::*;

    fn clipboard(
        method: Method,
        env: Env,
        limit: usize,
        dir: Option<PathBuf>,
        open: Opener,
    ) -> (Clipboard, Receiver<CopyReport>) {
        let (tx, rx) = channel();
        let tx = std::sync::Mutex::new(tx);
        let report: Reporter = Arc::new(move |r| {
            let _ = tx.lock().unwrap().send(r);
        });
        (
            Clipboard::with_backend(method, env, limit, dir, report, open),
            rx,
        )
    }

    fn next(rx: &Receiver<CopyReport>) -> CopyReport {
        rx.recv_timeout(Duration::from_secs(10)).expect("a report")
    }

    struct Failing;
    impl system::Backend for Failing {
        fn set(&mut self, _: &str) -> Result<(), String> {
            Err("no clipboard".into())
        }
    }

    fn no_display() -> Result<Box<dyn system::Backend>, String> {
        Err("Unknown error while interacting with the clipboard".into())
    }

    fn refuses() -> Result<Box<dyn system::Backend>, String> {
        Ok(Box::new(Failing))
    }

    struct Kept(std::sync::Arc<std::sync::Mutex<String>>);
    impl system::Backend for Kept {
        fn set(&mut self, text: &str) -> Result<(), String> {
            *self.0.lock().unwrap() = text.to_string();
            Ok(())
        }
    }

    static KEPT: std::sync::LazyLock<std::sync::Arc<std::sync::Mutex<String>>> =
        std::sync::LazyLock::new(Default::default);

    fn works() -> Result<Box<dyn system::Backend>, String> {
        Ok(Box::new(Kept(KEPT.clone())))
    }

    const DESKTOP: Env = Env {
        ssh: false,
        display: true,
        tmux: false,
        screen: false,
    };

    #[test]
    fn over_ssh_or_without_a_display_auto_sends_osc52_wrapped_for_tmux_and_screen() {
        let ssh = Env {
            ssh: true,
            ..DESKTOP
        };
        let (mut c, rx) = clipboard(Method::Auto, ssh, DEFAULT_OSC52_LIMIT, None, works);
        assert_eq!(
            c.copy("the answer", "hi".into()),
            osc52::sequence("hi", Wrap::Plain)
        );
        let r = next(&rx);
        assert_eq!(r.result, Ok(Route::Osc52(Wrap::Plain)));
        assert!(
            r.message()
                .starts_with("over SSH: sent the answer (2 characters)"),
            "{}",
            r.message()
        );
        let tmux = Env {
            display: false,
            tmux: true,
            ..DESKTOP
        };
        let (mut c, rx) = clipboard(Method::Auto, tmux, DEFAULT_OSC52_LIMIT, None, works);
        assert_eq!(
            c.copy("the code block", "hi".into()),
            osc52::sequence("hi", Wrap::Tmux)
        );
        assert!(next(&rx).message().contains("through tmux"));
        let screen = Env {
            screen: true,
            ..DESKTOP
        };
        let (mut c, _rx) = clipboard(Method::Osc52, screen, DEFAULT_OSC52_LIMIT, None, works);
        assert_eq!(
            c.copy("x", "hi".into()),
            osc52::sequence("hi", Wrap::Screen)
        );
    }

    #[test]
    fn on_a_desktop_the_system_clipboard_gets_the_raw_text() {
        let (mut c, rx) = clipboard(Method::Auto, DESKTOP, DEFAULT_OSC52_LIMIT, None, works);
        let raw = "keep \x1b[31mthis\x1b[0m as sent";
        assert!(
            c.copy("the answer", raw.into()).is_empty(),
            "nothing for the terminal"
        );
        let r = next(&rx);
        assert_eq!(r.result, Ok(Route::System));
        assert_eq!(*KEPT.lock().unwrap(), raw);
    }

    #[test]
    fn when_the_system_clipboard_fails_auto_falls_back_to_osc52_and_says_why() {
        for open in [no_display as Opener, refuses] {
            let (mut c, rx) = clipboard(Method::Auto, DESKTOP, DEFAULT_OSC52_LIMIT, None, open);
            assert!(c.copy("the answer", "42".into()).is_empty());
            let r = next(&rx);
            assert_eq!(r.result, Ok(Route::Osc52(Wrap::Plain)));
            assert_eq!(r.osc52, osc52::sequence("42", Wrap::Plain));
            assert!(
                r.message().starts_with("the system clipboard failed"),
                "{}",
                r.message()
            );
        }
        // Asked for the system clipboard only, a failure is a failure.
        let (mut c, rx) = clipboard(
            Method::System,
            DESKTOP,
            DEFAULT_OSC52_LIMIT,
            None,
            no_display,
        );
        c.copy("the answer", "42".into());
        let r = next(&rx);
        assert!(r.result.is_err() && r.osc52.is_empty());
        assert!(
            r.message().starts_with("could not copy the answer"),
            "{}",
            r.message()
        );
    }

    #[test]
    fn too_large_for_the_terminal_goes_to_a_user_only_file_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (mut c, rx) = clipboard(Method::Osc52, DESKTOP, 1024, Some(dir.path().into()), works);
        let big = format!("\x1b raw {}", "x".repeat(5000));
        assert!(
            c.copy("the reasoning", big.clone()).is_empty(),
            "not sent to the terminal"
        );
        let r = next(&rx);
        let Ok(Route::File(path)) = &r.result else {
            panic!("{r:?}")
        };
        assert_eq!(std::fs::read_to_string(path).unwrap(), big, "the raw text");
        assert!(
            r.message()
                .contains("too large for the terminal (5 KB, the OSC 52 limit is 1 KB)"),
            "{}",
            r.message()
        );
        assert!(r.message().contains(&path.display().to_string()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn file_and_off_do_what_they_say() {
        let dir = tempfile::tempdir().unwrap();
        let (mut c, rx) = clipboard(
            Method::File,
            DESKTOP,
            DEFAULT_OSC52_LIMIT,
            Some(dir.path().into()),
            works,
        );
        c.copy("the answer", "x".into());
        assert!(matches!(next(&rx).result, Ok(Route::File(_))));
        let (mut c, rx) = clipboard(Method::Off, DESKTOP, DEFAULT_OSC52_LIMIT, None, works);
        assert!(c.copy("the answer", "x".into()).is_empty());
        assert!(next(&rx).message().contains("copying is off"));
        assert_eq!(Method::parse("osc52"), Some(Method::Osc52));
        assert_eq!(Method::parse("clipboard"), None);
    }
}

#[cfg(test)]
mod real {
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;

    /// The real system clipboard where there is none (as on CI, or over SSH): auto falls back
    /// to OSC 52 and says so. (On a desktop the copy lands in the system clipboard instead.)
    #[test]
    fn without_a_display_the_real_system_clipboard_fails_and_osc52_goes_out() {
        let env = Env::from_env();
        let (tx, rx) = channel();
        let tx = std::sync::Mutex::new(tx);
        let report: Reporter = Arc::new(move |r| {
            let _ = tx.lock().unwrap().send(r);
        });
        // Claim a display whatever the environment says, so the system clipboard is tried.
        let desktop = Env {
            display: true,
            ssh: false,
            ..env
        };
        let mut c = Clipboard::new(Method::Auto, desktop, DEFAULT_OSC52_LIMIT, None, report);
        c.copy("the answer", "from the test".into());
        let r = rx.recv_timeout(Duration::from_secs(10)).expect("a report");
        if env.display {
            assert!(
                r.result == Ok(Route::System) || matches!(r.result, Ok(Route::Osc52(_))),
                "{r:?}"
            );
        } else {
            assert!(matches!(r.result, Ok(Route::Osc52(_))), "{r:?}");
            assert_eq!(r.osc52, osc52::sequence("from the test", env.wrap()));
            assert!(
                r.message().starts_with("the system clipboard failed"),
                "{}",
                r.message()
            );
        }
    }
}
