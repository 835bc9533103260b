//! The terminal is given back as it was found when the workbench is stopped from outside:
//! SIGTERM and SIGHUP mid-stream, and the terminal closing under it. The terminal here answers
//! the kitty keyboard query, so the workbench pushes keyboard enhancement flags, and every
//! push must be popped again. (Quitting and panicking are in `tui_pty.rs`.)

mod common;

use common::contains;

use std::time::{Duration, Instant};

use common::pty::Pty;

const LONG: Duration = Duration::from_secs(30);

/// Start the demo with a slow stream, answer the keyboard query, and get a stream going.
fn streaming_workbench() -> Pty {
    let mut pty = Pty::spawn(30, 110, &["--demo"], |_| {
        vec![("THINKBENCH_SIM_RATE".into(), "20".into())]
    });
    // crossterm asks whether the terminal speaks the kitty keyboard protocol (CSI ? u, then
    // a primary device attributes request); say yes, with flags 0 set.
    let start = Instant::now();
    while !contains(&pty.screen.raw.lock().unwrap(), b"\x1b[?u") {
        assert!(start.elapsed() < LONG, "no keyboard query");
        std::thread::sleep(Duration::from_millis(10));
    }
    pty.send(b"\x1b[?0u\x1b[?62;22c");
    pty.screen
        .wait_for("the workbench", LONG, |s| s.text().contains("Ctrl+Q quit"));
    pty.send(b"Tell me a long story about the sea.\r");
    pty.screen
        .wait_for("the stream", LONG, |s| s.text().contains("streaming"));
    pty
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Every mode the workbench turned on is off again, on the screen and in the line discipline.
fn assert_given_back(pty: &Pty, how: &str) {
    std::thread::sleep(Duration::from_millis(200));
    let raw = pty.screen.raw.lock().unwrap().clone();
    let pushes = count(&raw, b"\x1b[>1u");
    assert_eq!(pushes, 1, "{how}: the keyboard flags were pushed once");
    assert_eq!(count(&raw, b"\x1b[<1u"), pushes, "{how}: and popped again");
    let p = pty.screen.parser.lock().unwrap();
    let screen = p.screen();
    assert!(
        !screen.alternate_screen(),
        "{how}: left the alternate screen"
    );
    assert!(!screen.hide_cursor(), "{how}: cursor shown");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "{how}: mouse capture off"
    );
    assert!(!screen.bracketed_paste(), "{how}: bracketed paste off");
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(pty.fd, &mut t) }, 0);
    assert!(
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0,
        "{how}: raw mode off"
    );
}

#[test]
fn sigterm_and_sighup_mid_stream_give_the_terminal_back() {
    for (sig, how) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        let mut pty = streaming_workbench();
        let pid = pty.child.process_id().expect("a pid") as i32;
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        pty.wait_exit(LONG);
        assert_given_back(&pty, how);
    }
}

#[test]
fn a_closed_terminal_ends_the_workbench() {
    let pty = streaming_workbench();
    // The terminal window closes: the master side goes away.
    let (mut child, screen, home) = pty.hang_up();
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < LONG,
            "the workbench outlived its terminal:\n{}",
            screen.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // An end, not a crash (a panic is exit code 101: writing to the dead terminal's stderr
    // with `eprintln!` panics).
    assert!(
        matches!(status.exit_code(), 0 | 1) && status.signal().is_none(),
        "{status:?}"
    );
    // What it had is stored: the session database (and its write-ahead log) holds the prompt.
    let db = home.path().join("data/thinkbench");
    let bytes: Vec<u8> = ["sessions.db", "sessions.db-wal"]
        .iter()
        .flat_map(|f| std::fs::read(db.join(f)).unwrap_or_default())
        .collect();
    assert!(
        contains(&bytes, b"Tell me a long story about the sea."),
        "the prompt was stored before the end"
    );
}
