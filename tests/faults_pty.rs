//! The workbench under faults, in a pseudo-terminal: for a fault from each family (an API
//! error, a retried server error, a connection reset, a stream cut off mid-reasoning, an
//! error event mid-stream, an HTML page, a stall), the error is on the message with what the
//! server said, the text that arrived stays, and the next message works.

mod common;

use std::time::Duration;

use common::pty::{Pty, squash};
use thinkbench::sim::{Fault, SimConfig, Simulator, script};

const LONG: Duration = Duration::from_secs(30);
const PROMPT: &str = "Explain the Monty Hall problem.";

fn config() -> SimConfig {
    SimConfig {
        rate: None,
        reasoning_tokens: Some(60),
        answer_tokens: Some(40),
        ..SimConfig::default()
    }
}

#[test]
fn each_fault_family_shows_on_the_message_keeps_the_text_and_the_next_message_works() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // (fault, words the message must show, whether reasoning text arrived before the fault)
    let cases: &[(Fault, &[&str], bool)] = &[
        (
            Fault::Unauthorized,
            &["401", "invalid_api_key", "request id"],
            false,
        ),
        (
            Fault::ServerError,
            &["500", "internal_error", "request id"],
            false,
        ),
        (Fault::Reset, &["network error"], false),
        (Fault::Drop, &["interrupted", "broke off"], true),
        (
            Fault::ErrorEvent,
            &["inappropriate content", "request id"],
            true,
        ),
        (Fault::Html, &["HTML page"], false),
        (Fault::Stall, &["stalled", "idle_timeout_secs"], true),
    ];
    // The first words of the reasoning the simulator writes for the prompt.
    let reasoning = script("qwen3.7-plus", PROMPT, true, &config()).reasoning;
    let first: String = reasoning[..3].concat();
    let first = squash(&first);
    for (fault, words, partial) in cases {
        let sim = rt
            .block_on(Simulator::start(SimConfig {
                fault: Some(*fault),
                // A retried server error must fail both attempts to be seen.
                fault_times: Some(if *fault == Fault::ServerError { 2 } else { 1 }),
                ..config()
            }))
            .unwrap();
        let mut pty = Pty::against(
            44,
            150,
            &sim.openai_base_url(),
            "[network]\nidle_timeout_secs = 1\nmax_retries = 1\nmax_retry_wait_secs = 1\n",
        );
        pty.screen
            .wait_for("the workbench", LONG, |s| s.text().contains("Ctrl+Q quit"));
        pty.send(PROMPT.as_bytes());
        pty.send(b"\r");
        let done = |s: &common::pty::Screen| {
            let text = s.text();
            let status = text.lines().last().unwrap_or("").to_string();
            !status.contains("streaming") && !status.contains("retrying")
        };
        pty.screen
            .wait_for(&format!("{fault}: the error"), LONG, |s| {
                done(s) && words.iter().all(|w| squash(&s.text()).contains(w))
            });
        let text = squash(&pty.screen.text());
        assert_eq!(
            text.contains(&first),
            *partial,
            "{fault}: the reasoning that arrived ({first:?}) is {}:\n{}",
            if *partial { "kept" } else { "absent" },
            pty.screen.text()
        );
        // The next message goes through (the fault was for the first message only).
        pty.send(b"And in one line?\r");
        pty.screen
            .wait_for(&format!("{fault}: the next answer"), LONG, |s| {
                done(s) && s.text().contains("2 messages") && s.text().contains("Output")
            });
        assert!(
            sim.requests().len() >= 2,
            "{fault}: the second message was sent"
        );
        pty.send(b"\x11");
        assert!(pty.wait_exit(LONG).success(), "{fault}: quits cleanly");
    }
}
