//! Hostile model output through the real binary in a pseudo-terminal: the simulator's
//! `hostile` modes write escape and control sequences of every family (screen clears, cursor
//! moves, OSC 52 clipboard writes, OSC 8 links, title changes, DCS, C1 controls, a reset),
//! bidi overrides and zero-width characters, or a million-character line and 50,000 lines.
//! The terminal must receive none of it as control, the layout must stay aligned, the app must
//! stay responsive, and copying the answer must copy it exactly as the model sent it.

mod common;

use common::contains;

use std::time::Duration;

use common::pty::{Pty, Screen, right_pane_column};
use thinkbench::sim::{HOSTILE_END, Hostile, SimConfig, Simulator};

const ROWS: u16 = 40;
const COLS: u16 = 140;

/// A simulator writing `hostile` text, and the workbench in a terminal pointed at it, with
/// the clipboard going through the terminal (OSC 52).
fn start(hostile: Hostile) -> (tokio::runtime::Runtime, Simulator, Pty) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            rate: None,
            hostile,
            ..SimConfig::default()
        }))
        .unwrap();
    let pty = Pty::against(
        ROWS,
        COLS,
        &sim.openai_base_url(),
        "clipboard = \"osc52\"\n",
    );
    (rt, sim, pty)
}

fn ask_and_wait(pty: &mut Pty, timeout: Duration) {
    pty.screen.wait_for("the workbench", timeout, |s| {
        s.text().contains("Ctrl+Q quit")
    });
    pty.send(b"Say something nasty.\r");
    pty.screen.wait_for("the whole answer", timeout, |s| {
        let text = s.text();
        let status = text.lines().last().unwrap_or("");
        text.contains(HOSTILE_END) && !status.contains("streaming")
    });
}

/// Every pane border is where the layout put it, on every row: nothing moved the cursor or
/// shifted text sideways.
fn assert_aligned(screen: &Screen) {
    let col = right_pane_column(screen) as usize;
    let p = screen.parser.lock().unwrap();
    let rows: Vec<String> = p.screen().rows(0, COLS).collect();
    for (i, row) in rows.iter().enumerate().take(ROWS as usize - 1) {
        let chars: Vec<char> = row.chars().collect();
        assert_eq!(
            chars.len(),
            COLS as usize,
            "row {i} is the screen's width: {row}"
        );
        let at = chars[col - 1];
        assert!(
            matches!(at, '│' | '╮' | '╯' | '┤'),
            "row {i}: {at:?} where the left pane's border is:\n{row}"
        );
        assert!(
            matches!(chars[col], '│' | '╭' | '╰' | '├'),
            "row {i}: {:?} where the right pane's border is:\n{row}",
            chars[col]
        );
    }
}

/// Typing shows up in the composer: the app still answers.
fn assert_responsive(pty: &mut Pty) {
    pty.send(b"still here?");
    pty.screen
        .wait_for("the typed text", Duration::from_secs(30), |s| {
            s.text().contains("still here?")
        });
}

#[test]
fn escape_sequences_in_model_text_never_reach_the_terminal() {
    let (_rt, _sim, mut pty) = start(Hostile::Escapes);
    ask_and_wait(&mut pty, Duration::from_secs(30));
    let raw = pty.screen.raw.lock().unwrap().clone();
    for (what, needle) in [
        ("a title change", b"\x1b]0;pwned".as_slice()),
        ("an OSC 52 clipboard write", b"\x1b]52;c;cHduZWQ="),
        ("an OSC 8 link", b"\x1b]8;;http://evil"),
        ("a DCS string", b"\x1bPpwned"),
        ("a cursor move", b"\x1b[5;5Hpwned"),
        ("a C1 CSI", "\u{9b}31m".as_bytes()),
        ("a C1 OSC", "\u{9d}0;c1".as_bytes()),
        ("a terminal reset", b"\x1bc"),
        ("a bidi override", "\u{202E}".as_bytes()),
        ("a bell", b"\x07"),
    ] {
        assert!(!contains(&raw, needle), "{what} reached the terminal");
    }
    // The text itself is there, made visible.
    let text = pty.screen.text();
    for shown in [
        "pwned-title",
        "pwned-dcs",
        "pwned-move",
        "desrever",
        "C1-CSI",
        "c1-title",
    ] {
        assert!(text.contains(shown), "{shown:?} is shown:\n{text}");
    }
    assert!(text.contains('␛'), "an ESC is shown as ␛");
    assert_aligned(&pty.screen);
    // Copying the answer copies it as the model sent it, escapes and all: the clipboard is
    // the one place raw text may go, and only when asked.
    pty.send(b"\x19");
    pty.screen
        .wait_for("the copy", Duration::from_secs(30), |s| {
            s.text().contains("sent the answer")
        });
    let expected = format!(
        "\x1b]52;c;{}\x07",
        thinkbench::clipboard::osc52::base64(thinkbench::sim::HOSTILE_ANSWER.as_bytes())
    );
    let raw = pty.screen.raw.lock().unwrap().clone();
    assert!(
        contains(&raw, expected.as_bytes()),
        "the raw answer, in one OSC 52"
    );
    assert_responsive(&mut pty);
    pty.send(b"\x11");
    assert!(pty.wait_exit(Duration::from_secs(30)).success());
}

#[test]
fn a_million_character_line_and_fifty_thousand_lines_keep_the_app_responsive() {
    let (_rt, _sim, mut pty) = start(Hostile::Huge);
    ask_and_wait(&mut pty, Duration::from_secs(120));
    assert_aligned(&pty.screen);
    assert_responsive(&mut pty);
    // Scrolling through the history still works: up a page and down again to the end.
    pty.send(b"\x1b[5~");
    pty.screen
        .wait_for("a page up", Duration::from_secs(30), |s| {
            !s.text().contains(HOSTILE_END)
        });
    pty.send(b"\x1b[6~");
    pty.screen
        .wait_for("the end again", Duration::from_secs(30), |s| {
            s.text().contains(HOSTILE_END)
        });
    assert_aligned(&pty.screen);
    pty.send(b"\x11");
    assert!(pty.wait_exit(Duration::from_secs(30)).success());
}
