//! End to end: the real binary in a pseudo-terminal against the simulator. Type a prompt, see
//! reasoning in the reasoning pane and the answer in the conversation, turn thinking off for
//! a second message and check what the simulator received, cancel a stream, quit, and find
//! the terminal restored.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::pty::{Pty, right_pane_column, squash};
use thinkbench::sim::{SimConfig, Simulator, script};

const COLS: u16 = 140;
const ROWS: u16 = 42;
const KEY: &str = "sk-pty-test";

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
    let base_url = sim.openai_base_url();
    let args = [
        "--base-url",
        base_url.as_str(),
        "--api-key-env",
        "TB_PTY_KEY",
        "--model",
        "qwen3.7-plus",
    ];
    let Pty {
        screen,
        mut child,
        mut writer,
        fd,
        home: _home,
        dir: _,
        _master,
        ..
    } = Pty::spawn(ROWS, COLS, &args, |_| {
        vec![("TB_PTY_KEY".into(), KEY.into())]
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
    let mut pty = Pty::spawn(24, 80, &["--demo"], |_| {
        vec![
            ("THINKBENCH_PANIC_TEST".into(), "1".into()),
            ("RUST_BACKTRACE".into(), "0".into()),
        ]
    });
    let status = pty.wait_exit(Duration::from_secs(30));
    assert!(!status.success(), "a panic is a failure exit");
    std::thread::sleep(Duration::from_millis(200));
    let fd = pty.fd;
    let p = pty.screen.parser.lock().unwrap();
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
    // And after it, where the log is.
    let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let log = pty.dir.join("state/thinkbench/thinkbench.log");
    assert!(
        bare(&screen.contents()).contains(&bare(&log.display().to_string())),
        "the log path is told:\n{}",
        screen.contents()
    );
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    assert!(
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0,
        "raw mode is off"
    );
}

#[test]
fn keys_stay_live_while_a_provider_switch_waits_for_its_key_command() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            rate: None,
            api_key: Some(KEY.into()),
            ..SimConfig::default()
        }))
        .unwrap();
    let url = sim.openai_base_url();
    // The key command waits until the test says so: whatever the screen shows before that
    // was drawn while it ran.
    let mut pty = Pty::spawn(ROWS, COLS, &["--demo"], |home| {
        let dir = home.join("config/thinkbench");
        std::fs::create_dir_all(&dir).unwrap();
        let go = home.join("go");
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "[providers.slow]\nkind = \"modelstudio\"\nmodel = \"qwen3.7-plus\"\nbase_url = \"{url}\"\napi_key_cmd = \"while [ ! -e '{}' ]; do sleep 0.05; done; echo {KEY}\"\n",
                go.display()
            ),
        )
        .unwrap();
        vec![]
    });
    let long = Duration::from_secs(30);
    pty.screen
        .wait_for("the workbench", long, |s| s.text().contains("DEMO"));
    // Ctrl+O, filter for the provider, move past the typed-name entry to it, pick it.
    pty.send(b"\x0f");
    pty.send(b"slow");
    pty.screen
        .wait_for("the picker", long, |s| s.text().contains("provider slow"));
    pty.send(b"\x1b[B\r");
    pty.screen.wait_for("the switch to start", long, |s| {
        s.text().contains("connecting to slow")
    });
    // Typing goes on while the key command runs.
    pty.send(b"typed while connecting");
    pty.screen.wait_for("the typed text", long, |s| {
        s.text().contains("typed while connecting")
    });
    assert!(
        pty.screen.text().contains("connecting to slow"),
        "still connecting when the keys were shown:\n{}",
        pty.screen.text()
    );
    assert!(!pty.screen.text().contains("now using slow"));
    std::fs::write(pty.home.path().join("go"), "").unwrap();
    pty.screen.wait_for("the switch to finish", long, |s| {
        s.text().contains("now using slow")
    });
    assert!(pty.screen.text().contains("typed while connecting"));
    pty.send(b"\x11");
    assert!(pty.wait_exit(long).success());
    assert!(
        !String::from_utf8_lossy(&pty.screen.raw.lock().unwrap()).contains(KEY),
        "the key from the command never reaches the screen"
    );
}

#[test]
fn compare_two_targets_in_a_real_terminal_and_adopt_one() {
    let mut pty = Pty::spawn(
        ROWS,
        COLS,
        &[
            "--demo",
            "--compare",
            "qwen3.7-plus@budget=400,qwen3.7-plus@think=off",
        ],
        |_| vec![("THINKBENCH_SIM_RATE".into(), "400".into())],
    );
    let long = Duration::from_secs(30);
    pty.screen.wait_for("the compare screen", long, |s| {
        s.text().contains("qwen3.7-plus@budget=400") && s.text().contains("qwen3.7-plus@think=off")
    });
    pty.send(b"How do tides work?\r");
    pty.screen.wait_for("both columns to finish", long, |s| {
        let t = squash(&s.text());
        t.contains("thinking off, and no reasoning arrived")
            && t.contains("thinking on, and it reasoned")
            && t.contains("Summary")
    });
    // Tab to the first column, F9 adopts it: the conversation goes on with its target.
    pty.send(b"\t");
    pty.send(b"\x1b[20~");
    pty.screen.wait_for("the adopted conversation", long, |s| {
        s.text().contains("going on with qwen3.7-plus@budget=400")
            && s.text().contains("Conversation")
    });
    pty.send(b"\x11");
    assert!(pty.wait_exit(long).success());
    assert!(
        !pty.screen
            .parser
            .lock()
            .unwrap()
            .screen()
            .alternate_screen()
    );
}

#[test]
fn ctrl_y_sends_the_answer_to_the_terminal_clipboard_over_osc52() {
    let mut pty = Pty::spawn(ROWS, COLS, &["--demo"], |home| {
        let dir = home.join("config/thinkbench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), "clipboard = \"osc52\"\n").unwrap();
        vec![("THINKBENCH_SIM_RATE".into(), "0".into())]
    });
    let long = Duration::from_secs(30);
    pty.screen
        .wait_for("the workbench", long, |s| s.text().contains("DEMO"));
    let prompt = "What is OSC 52?";
    pty.send(prompt.as_bytes());
    pty.send(b"\r");
    pty.screen.wait_for("the answer", long, |s| {
        let text = s.text();
        let status = text.lines().last().unwrap_or("");
        text.contains("Input")
            && !text.contains("not reported yet")
            && !status.contains("streaming")
    });
    pty.send(b"\x19");
    pty.screen.wait_for("the copy notice", long, |s| {
        s.text().contains("sent the answer")
    });
    let answer = script(
        "qwen3.7-plus",
        prompt,
        true,
        &thinkbench::sim::demo_config(),
    )
    .answer_text();
    let expected = format!(
        "\x1b]52;c;{}\x07",
        thinkbench::clipboard::osc52::base64(answer.as_bytes())
    );
    let raw = String::from_utf8_lossy(&pty.screen.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains(&expected),
        "the answer, as sent, in one OSC 52 sequence"
    );
    pty.send(b"\x11");
    assert!(pty.wait_exit(long).success());
}
