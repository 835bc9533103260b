//! The secrets scan: every command, with a canary API key and logging at its most verbose,
//! and then every byte it wrote is searched for the key: stdout, stderr, the pseudo-terminal,
//! and every file under the config, data, state and cache directories. Files it creates are
//! readable by their owner only.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::pty::Pty;
use common::*;
use thinkbench::sim::{Fault, SimConfig, Simulator};

const CANARY: &str = "sk-canary-7f3e9d2c41b8";
const CANARY_VAR: &str = "TB_CANARY_KEY";

/// The environment every run gets: the canary, the most verbose logging, and the home's cache
/// directory (the helpers set the other three).
fn env(home: &Path) -> Vec<(String, String)> {
    vec![
        (CANARY_VAR.into(), CANARY.into()),
        ("THINKBENCH_LOG".into(), "trace".into()),
        ("RUST_LOG".into(), "trace".into()),
        (
            "XDG_CACHE_HOME".into(),
            home.join("cache").display().to_string(),
        ),
    ]
}

fn check_output(what: &str, out: &Output) {
    assert!(!out.stdout.contains(CANARY), "{what}: the key is on stdout");
    assert!(!out.stderr.contains(CANARY), "{what}: the key is on stderr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_key_is_nowhere() {
    let sim = Simulator::start(SimConfig {
        rate: None,
        api_key: Some(CANARY.into()),
        reasoning_tokens: Some(30),
        answer_tokens: Some(30),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let wrong = Simulator::start(SimConfig {
        rate: None,
        fault: Some(Fault::Unauthorized),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let home = Home::new();
    let dir = home.dir.path().to_path_buf();
    let env_pairs = env(&dir);
    let env: Vec<(&str, &str)> = env_pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let base = sim.openai_base_url();
    let native = sim.native_base_url();
    let bad = wrong.openai_base_url();
    let key = ["--api-key-env", CANARY_VAR];
    // (what, expected exit code, arguments)
    let runs: Vec<(&str, i32, Vec<&str>)> = vec![
        (
            "ask",
            0,
            vec![
                "ask",
                "--base-url",
                &base,
                "--model",
                "qwen3.7-plus",
                "hello",
            ],
        ),
        (
            "ask --json",
            0,
            vec![
                "ask",
                "--json",
                "--base-url",
                &base,
                "-m",
                "qwen3.7-plus",
                "hi",
            ],
        ),
        (
            "ask native",
            0,
            vec![
                "ask",
                "--base-url",
                &native,
                "--protocol",
                "dashscope",
                "-m",
                "qwen3.7-plus",
                "hello",
            ],
        ),
        (
            "ask, a 401",
            3,
            vec!["ask", "--base-url", &bad, "-m", "qwen3.7-plus", "hello"],
        ),
        (
            "ask --json, a 401",
            3,
            vec![
                "ask",
                "--json",
                "--base-url",
                &bad,
                "-m",
                "qwen3.7-plus",
                "x",
            ],
        ),
        (
            "compare --json",
            0,
            vec![
                "compare",
                "--json",
                "--base-url",
                &base,
                "--target",
                "qwen3.7-plus@think=on",
                "--target",
                "qwen3.7-plus@think=off",
                "compare this",
            ],
        ),
    ];
    for (what, code, mut args) in runs {
        args.splice(1..1, key);
        let out = thinkbench_with(&home, &args, &env).await;
        assert_eq!(out.code, code, "{what}: {}", out.stderr);
        check_output(what, &out);
    }
    // The workbench: a streamed answer in a terminal, then quit; then a panic.
    for (what, extra) in [
        ("the workbench", None),
        ("a panic", Some("THINKBENCH_PANIC_TEST")),
    ] {
        let mut e = env_pairs.clone();
        if let Some(var) = extra {
            e.push((var.into(), "1".into()));
        }
        let args = [
            "--base-url",
            base.as_str(),
            "--api-key-env",
            CANARY_VAR,
            "-m",
            "qwen3.7-plus",
        ];
        let mut pty = Pty::spawn_in(&dir, 30, 110, &args, e);
        if extra.is_none() {
            pty.screen
                .wait_for("the workbench", Duration::from_secs(30), |s| {
                    s.text().contains("Ctrl+Q quit")
                });
            pty.send(b"Tell me a secret.\r");
            pty.screen
                .wait_for("the answer", Duration::from_secs(30), |s| {
                    s.text().contains("Output") && !s.text().contains("streaming")
                });
            // The request inspector shows the headers that were sent.
            pty.send(b"\x1b[12~");
            std::thread::sleep(Duration::from_millis(300));
            pty.send(b"\x11");
        }
        pty.wait_exit(Duration::from_secs(30));
        let raw = pty.screen.raw.lock().unwrap().clone();
        assert!(
            !contains(&raw, CANARY.as_bytes()),
            "{what}: the key reached the terminal"
        );
    }
    // Exports of what was stored, and the screenshots.
    let list = thinkbench_with(&home, &["sessions", "list", "--json"], &env).await;
    check_output("sessions list", &list);
    let sessions: serde_json::Value = serde_json::from_str(&list.stdout).expect("a list");
    let id = sessions[0]["id"]
        .as_str()
        .expect("a stored session")
        .to_string();
    for format in ["md", "json"] {
        let out = thinkbench_with(
            &home,
            &["sessions", "export", &id, "--format", format],
            &env,
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        check_output("sessions export", &out);
    }
    let shots = dir.join("cache/shots");
    let out = thinkbench_with(
        &home,
        &["screenshots", "--out", shots.to_str().unwrap()],
        &env,
    )
    .await;
    check_output("screenshots", &out);

    // Every file the runs left, and who may read them.
    let all = files(&dir);
    let log = all
        .iter()
        .find(|p| p.ends_with("thinkbench.log"))
        .expect("the log was written");
    let logged = std::fs::read_to_string(log).unwrap();
    assert!(
        logged.contains("TRACE") || logged.contains("DEBUG"),
        "the log is verbose: {} bytes",
        logged.len()
    );
    for p in &all {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            !contains(&bytes, CANARY.as_bytes()),
            "the key is in {}",
            p.display()
        );
        let under_store = p.starts_with(dir.join("data")) || p.starts_with(dir.join("state"));
        if under_store {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode & 0o077,
                0,
                "{} is readable by others ({mode:o})",
                p.display()
            );
        }
    }
}
