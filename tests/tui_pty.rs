//! End to end: the real binary in a pseudo-terminal against the simulator. Type a prompt, see
//! reasoning in the reasoning pane and the answer in the conversation, turn thinking off for
//! a second message and check what the simulator received, cancel a stream, quit, and find
//! the terminal restored.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use thinkbench::sim::{SimConfig, Simulator, script};

const COLS: u16 = 140;
const ROWS: u16 = 42;
const KEY: &str = "sk-pty-test";

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Text of the columns `from..to` of every row.
    fn columns(&self, from: u16, to: u16) -> String {
        let p = self.parser.lock().unwrap();
        p.screen()
            .rows(from, to - from)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&Screen) -> bool) {
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
fn right_pane_column(screen: &Screen) -> u16 {
    let p = screen.parser.lock().unwrap();
    let top: String = p.screen().rows(0, COLS).next().unwrap_or_default();
    let byte = top
        .find("Reasoning")
        .expect("reasoning pane title on the first row");
    // Columns, not bytes: the row is made of box-drawing characters.
    top[..byte].chars().count() as u16 - 2
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn workbench_in_a_real_terminal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = SimConfig {
        rate: Some(150.0),
        reasoning_tokens: Some(120),
        answer_tokens: Some(80),
        api_key: Some(KEY.into()),
        ..SimConfig::default()
    };
    let sim = rt.block_on(Simulator::start(cfg.clone())).unwrap();
    let home = tempfile::tempdir().unwrap();

    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_thinkbench"));
    cmd.args([
        "--base-url",
        &sim.openai_base_url(),
        "--api-key-env",
        "TB_PTY_KEY",
        "--model",
        "qwen3.7-plus",
    ]);
    cmd.env("TB_PTY_KEY", KEY);
    cmd.env("TERM", "xterm-256color");
    for (k, d) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_DATA_HOME", "data"),
    ] {
        cmd.env(k, home.path().join(d));
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let fd = pair.master.as_raw_fd().expect("a unix pty");
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        ))),
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let (parser, raw) = (screen.parser.clone(), screen.raw.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.lock().unwrap().process(&buf[..n]);
            raw.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut send = |bytes: &[u8]| {
        writer.write_all(bytes).unwrap();
        writer.flush().unwrap();
    };
    let long = Duration::from_secs(30);

    screen.wait_for("the workbench", long, |s| {
        s.text().contains("Welcome to thinkbench")
    });
    assert!(
        screen.parser.lock().unwrap().screen().alternate_screen(),
        "runs on the alternate screen"
    );

    // 1. A prompt: reasoning streams into the right pane, the answer into the conversation.
    let prompt = "Why is the ocean salty?";
    send(prompt.as_bytes());
    send(b"\r");
    let expected = script("qwen3.7-plus", prompt, true, &cfg);
    let reasoning_words: Vec<String> = expected
        .reasoning_text()
        .split_whitespace()
        .take(3)
        .map(str::to_string)
        .collect();
    let answer_start = squash(&expected.answer_text())
        .chars()
        .take(12)
        .collect::<String>();
    let right = right_pane_column(&screen);
    screen.wait_for("reasoning in the reasoning pane", long, |s| {
        let pane = squash(&s.columns(right, COLS));
        reasoning_words.iter().all(|w| pane.contains(w.as_str()))
    });
    screen.wait_for("the first answer to finish", long, |s| {
        s.text().contains("reasoning tok") && !s.text().contains("streaming")
    });
    let left = squash(&screen.columns(0, right));
    let first_answer_word = answer_start
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric());
    assert!(
        left.contains(first_answer_word),
        "answer {answer_start:?} in the conversation pane:\n{left}"
    );

    // 2. Ctrl+T turns thinking off for the next message only.
    send(b"\x14");
    screen.wait_for("thinking off", long, |s| s.text().contains("○ off"));
    send(b"Thanks, and in one line?\r");
    screen.wait_for("the second request", long, |_| sim.requests().len() == 2);
    let reqs = sim.requests();
    assert_eq!(reqs[0].body["enable_thinking"], true);
    assert_eq!(reqs[1].body["enable_thinking"], false);
    assert_eq!(
        reqs[1].body["messages"][2]["content"],
        "Thanks, and in one line?"
    );
    screen.wait_for("the second answer", long, |s| {
        s.text().contains("think off") && !s.text().contains("streaming")
    });

    // 3. Esc cancels a running stream; the partial answer is kept and marked.
    send(b"\x14");
    send(b"Tell me a long story.\r");
    screen.wait_for("the third stream to start", long, |s| {
        s.text().contains("streaming")
    });
    std::thread::sleep(Duration::from_millis(300));
    send(b"\x1b");
    screen.wait_for("the cancellation", long, |s| s.text().contains("cancelled"));

    // 4. Ctrl+Q quits; the terminal is restored.
    send(b"\x11");
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(start.elapsed() < long, "the workbench did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    let p = screen.parser.lock().unwrap();
    assert!(!p.screen().alternate_screen(), "left the alternate screen");
    assert!(!p.screen().hide_cursor(), "cursor shown again");
    assert_eq!(
        p.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture off"
    );
    assert!(!p.screen().bracketed_paste(), "bracketed paste off");
    drop(p);
    // Raw mode is off again: the line discipline echoes and is canonical.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    assert!(t.c_lflag & libc::ICANON != 0, "canonical mode restored");
    assert!(t.c_lflag & libc::ECHO != 0, "echo restored");
    let raw = screen.raw.lock().unwrap();
    assert!(
        !String::from_utf8_lossy(&raw).contains(KEY),
        "the API key never reaches the screen"
    );
}

#[test]
fn a_panic_gives_the_terminal_back() {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_thinkbench"));
    cmd.arg("--demo");
    cmd.env("THINKBENCH_PANIC_TEST", "1");
    cmd.env("RUST_BACKTRACE", "0");
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let fd = pair.master.as_raw_fd().expect("a unix pty");
    let mut reader = pair.master.try_clone_reader().unwrap();
    let _writer = pair.master.take_writer().unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        24.try_into().unwrap(),
        80.try_into().unwrap(),
        0,
    )));
    let p2 = parser.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            p2.lock().unwrap().process(&buf[..n]);
        }
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the workbench did not exit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "a panic is a failure exit");
    std::thread::sleep(Duration::from_millis(200));
    let p = parser.lock().unwrap();
    let screen = p.screen();
    assert!(!screen.alternate_screen(), "left the alternate screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    assert!(!screen.bracketed_paste());
    assert!(
        screen.contents().contains("panicking on purpose"),
        "the panic message is readable:\n{}",
        screen.contents()
    );
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    assert!(
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0,
        "raw mode is off"
    );
}
