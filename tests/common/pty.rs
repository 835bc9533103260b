//! The real binary in a pseudo-terminal, and the screen it draws (parsed by a terminal
//! emulator), for the end-to-end tests.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub struct Screen {
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Text of the columns `from..to` of every row.
    pub fn columns(&self, from: u16, to: u16) -> String {
        let p = self.parser.lock().unwrap();
        p.screen()
            .rows(from, to - from)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&Screen) -> bool) {
        let start = Instant::now();
        while !cond(self) {
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The first column of the right-hand panes (where the "Reasoning" title sits).
pub fn right_pane_column(screen: &Screen) -> u16 {
    let p = screen.parser.lock().unwrap();
    let cols = u16::from(p.screen().size().1);
    let top: String = p.screen().rows(0, cols).next().unwrap_or_default();
    let byte = top
        .find("Reasoning")
        .expect("reasoning pane title on the first row");
    // Columns, not bytes: the row is made of box-drawing characters.
    top[..byte].chars().count() as u16 - 2
}

pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The real binary in a pseudo-terminal, with its own XDG directories.
pub struct Pty {
    pub screen: Screen,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub writer: Box<dyn Write + Send>,
    pub fd: i32,
    pub home: tempfile::TempDir,
    /// The directory the XDG directories are in (the temp dir, or one given).
    pub dir: std::path::PathBuf,
    /// Kept open: the terminal lives as long as its master side.
    pub _master: Box<dyn portable_pty::MasterPty + Send>,
    hung_up: Arc<std::sync::atomic::AtomicBool>,
}

impl Pty {
    /// Start `thinkbench ARGS` in a `cols`×`rows` terminal; `setup` may write files into the
    /// home directory first (it gets its path) and returns more environment variables.
    pub fn spawn(
        rows: u16,
        cols: u16,
        args: &[&str],
        setup: impl FnOnce(&std::path::Path) -> Vec<(String, String)>,
    ) -> Pty {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().to_path_buf();
        let env = setup(&dir);
        let mut pty = Pty::spawn_in(&dir, rows, cols, args, env);
        pty.home = home;
        pty
    }

    /// Start the workbench in a `cols`×`rows` terminal against the OpenAI-style server at
    /// `base_url` (model `qwen3.7-plus`, any key), with `config` as its config file.
    pub fn against(rows: u16, cols: u16, base_url: &str, config: &str) -> Pty {
        let args = [
            "--base-url",
            base_url,
            "--api-key-env",
            "TB_PTY_KEY",
            "--model",
            "qwen3.7-plus",
        ];
        Pty::spawn(rows, cols, &args, |home| {
            let dir = home.join("config/thinkbench");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.toml"), config).unwrap();
            vec![("TB_PTY_KEY".into(), "sk-any".into())]
        })
    }

    /// Start `thinkbench ARGS` with its XDG directories in `dir` (which outlives the run, so
    /// that a second run finds what the first stored), with `env` added.
    pub fn spawn_in(
        dir: &std::path::Path,
        rows: u16,
        cols: u16,
        args: &[&str],
        env: Vec<(String, String)>,
    ) -> Pty {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_thinkbench"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for (k, d) in [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_DATA_HOME", "data"),
        ] {
            cmd.env(k, dir.join(d));
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let fd = pair.master.as_raw_fd().expect("a unix pty");
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Screen {
            parser: Arc::new(Mutex::new(vt100::Parser::new(
                rows.try_into().unwrap(),
                cols.try_into().unwrap(),
                0,
            ))),
            raw: Arc::new(Mutex::new(Vec::new())),
        };
        let (parser, raw) = (screen.parser.clone(), screen.raw.clone());
        let hung_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = hung_up.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                // After `hang_up` the reader lets go of the master at its next read, the last
                // hold on it: the terminal is then closed.
                if n == 0 || stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                parser.lock().unwrap().process(&buf[..n]);
                raw.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            screen,
            child,
            writer,
            fd,
            home,
            dir: dir.to_path_buf(),
            _master: pair.master,
            hung_up,
        }
    }

    /// Close the terminal as a window closing does: the master side goes away (once the
    /// reader's pending read returns, which the next output from the program makes happen).
    /// What the program wrote until then is in `screen`.
    pub fn hang_up(
        self,
    ) -> (
        Box<dyn portable_pty::Child + Send + Sync>,
        Screen,
        tempfile::TempDir,
    ) {
        self.hung_up
            .store(true, std::sync::atomic::Ordering::SeqCst);
        drop(self.writer);
        drop(self._master);
        (self.child, self.screen, self.home)
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait for the process to end.
    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(start.elapsed() < timeout, "the workbench did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
