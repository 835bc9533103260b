//! `thinkbench ask` as a user runs it: demo mode, text and JSON output, usage and config
//! errors with exit code 2.

mod common;

use common::*;
use serde_json::Value;
use thinkbench::sim::Simulator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_works_without_a_key() {
    let home = Home::new();
    let out = thinkbench_with(
        &home,
        &["ask", "--demo", "Why is the sky blue?"],
        &[("THINKBENCH_SIM_RATE", "0")],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.trim().is_empty(), "an answer on stdout");
    assert!(!out.stderr.trim().is_empty(), "reasoning on stderr");
    // Without any key configured, plain `ask` falls back to demo mode and says so.
    let out = thinkbench_with(
        &home,
        &["ask", "--json", "Why is the sky blue?"],
        &[("THINKBENCH_SIM_RATE", "0")],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("demo mode"), "{}", out.stderr);
    assert_eq!(out.json()["provider"], "demo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_has_every_field() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", "qwen3.7-plus");
    args.extend(["--json", "--budget", "30", "Name three primes."]);
    let v = thinkbench(&home, &args).await.json();
    for key in [
        "model",
        "reasoning",
        "content",
        "finish_reason",
        "usage",
        "timings",
        "error",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    for key in [
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "total_tokens",
    ] {
        assert!(v["usage"][key].is_u64(), "usage.{key}: {v}");
    }
    for key in ["ttft_ms", "reasoning_ms", "total_ms"] {
        assert!(v["timings"][key].is_u64(), "timings.{key}: {v}");
    }
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["finish_reason"], "stop");
    assert_eq!(
        v["usage"]["reasoning_tokens"], 30,
        "budget truncation is reported exactly"
    );
    let u = &v["usage"];
    assert_eq!(
        u["total_tokens"].as_u64(),
        Some(u["input_tokens"].as_u64().unwrap() + u["output_tokens"].as_u64().unwrap())
    );
    assert!(
        v["cost_usd"].as_f64().unwrap() > 0.0,
        "priced from the catalog"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_mode_streams_reasoning_to_stderr_and_answer_to_stdout() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let base = sim.native_base_url();
    let mut args = ask_args(&base, "dashscope", "qwen3.7-plus");
    args.push("Tell me about cats.");
    let text = thinkbench(&home, &args).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    args.insert(args.len() - 1, "--json");
    let v = thinkbench(&home, &args).await.json();
    assert_eq!(
        text.stdout.trim_end(),
        v["content"].as_str().unwrap().trim_end()
    );
    assert!(
        text.stderr
            .contains(v["reasoning"].as_str().unwrap().trim())
    );
    assert!(
        !text
            .stdout
            .contains(v["reasoning"].as_str().unwrap().trim())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_can_come_from_stdin() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", "qwen-plus");
    args.extend(["--json", "-"]);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_thinkbench"));
    cmd.args(&args)
        .env(KEY_VAR, KEY)
        .env("XDG_CONFIG_HOME", home.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("piped question".as_bytes())
        .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sim.requests()[0].body["messages"][0]["content"],
        "piped question"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_config_errors_exit_2_with_a_clear_message() {
    let home = Home::new();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["ask", "--demo", "--budget", "0", "q"], "positive"),
        (vec!["ask", "--demo", "--budget", "-5", "q"], "positive"),
        (
            vec!["ask", "--demo", "--budget", "lots", "q"],
            "not a number",
        ),
        (
            vec!["ask", "--demo", "--think", "--no-think", "q"],
            "cannot be used with",
        ),
        (
            vec!["ask", "--demo", "--model", "qwq-plus", "--no-think", "q"],
            "thinking-only",
        ),
        (
            vec![
                "ask",
                "--demo",
                "--model",
                "qwen-plus",
                "--budget",
                "100",
                "q",
            ],
            "only when thinking is on",
        ),
        (
            vec![
                "ask",
                "--demo",
                "--model",
                "qwen-plus",
                "--think",
                "--preserve-thinking",
                "q",
            ],
            "preserve_thinking",
        ),
        (
            vec![
                "ask",
                "--demo",
                "--model",
                "deepseek-r1",
                "--budget",
                "100",
                "q",
            ],
            "does not support a thinking budget",
        ),
        (vec!["ask", "--demo", "   "], "empty"),
        (vec!["ask", "--provider", "nosuch", "q"], "unknown provider"),
        (
            vec!["ask", "--provider", "modelstudio", "q"],
            "DASHSCOPE_API_KEY",
        ),
        (
            vec![
                "ask",
                "--provider",
                "modelstudio-eu",
                "--api-key-env",
                KEY_VAR,
                "q",
            ],
            "workspace",
        ),
        (
            vec!["ask", "--demo", "--protocol", "grpc", "q"],
            "--protocol",
        ),
        (
            vec!["ask", "--config", "/nonexistent/thinkbench.toml", "q"],
            "/nonexistent/thinkbench.toml",
        ),
    ];
    for (args, needle) in cases {
        let out = thinkbench(&home, &args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(needle),
            "{args:?}: expected {needle:?} in {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_files_are_reported_with_their_path() {
    let home = Home::new();
    for (text, needle) in [
        ("provider = ", "config file"),
        (
            "[providers.local]\nkind = \"vlm\"\nbase_url = \"http://x\"",
            "vlm",
        ),
        ("[network]\nidle_timeout_secs = 0", "idle_timeout_secs"),
        ("colour = \"red\"", "colour"),
        (
            "[providers.local]\nkind = \"vllm\"\nbase_url = \"localhost:8000\"",
            "http://",
        ),
        (
            "[providers.k]\nkind = \"vllm\"\nbase_url = \"http://127.0.0.1:9\"\napi_key_cmd = \"exit 3\"",
            "api_key_cmd",
        ),
    ] {
        let path = home.config(text);
        let p = path.to_str().unwrap();
        let provider = if text.contains("[providers.") {
            text.split(['.', ']']).nth(1).unwrap()
        } else {
            "modelstudio"
        };
        let out = thinkbench(&home, &["ask", "--config", p, "--provider", provider, "q"]).await;
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert!(
            out.stderr.contains(needle),
            "{text}: expected {needle:?} in {}",
            out.stderr
        );
    }
}

/// `ask` against the simulator with the key from `api_key_cmd = CMD`.
async fn ask_with_key_cmd(cmd: &str) -> (Output, Simulator) {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let config = home.config(&format!(
        "[providers.sim]\nkind = \"modelstudio\"\nbase_url = \"{}\"\napi_key_cmd = \"{cmd}\"\n",
        sim.openai_base_url()
    ));
    let out = thinkbench(
        &home,
        &[
            "ask",
            "--config",
            config.to_str().unwrap(),
            "--provider",
            "sim",
            "--model",
            "qwen-plus",
            "hello",
        ],
    )
    .await;
    (out, sim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_cmd_supplies_the_key_and_never_shows_it() {
    let (out, sim) = ask_with_key_cmd(&format!("printf '%s\\\\n' {KEY}")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(sim.requests()[0].authorized);
    assert!(!out.stdout.contains(KEY) && !out.stderr.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_written_into_the_config_is_refused_or_warned_about_and_never_quoted() {
    // An `api_key` line: refused with the way out, and the parser's quote of the line (the
    // key itself) is not shown.
    let home = Home::new();
    let path = home.config(&format!("[providers.modelstudio]\napi_key = \"{KEY}\"\n"));
    let out = thinkbench(&home, &["ask", "--config", path.to_str().unwrap(), "q"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        [
            "`api_key` is not read from the config file",
            "api_key_env",
            "api_key_cmd"
        ]
        .iter()
        .all(|n| out.stderr.contains(n)),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(KEY) && !out.stdout.contains(KEY));

    // A key command that prints a literal key, in a file others can read: a warning, and the
    // request still goes out (the unit tests check that a user-only file gets no warning).
    let (out, sim) = ask_with_key_cmd(&format!("echo {KEY}")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(sim.requests()[0].authorized);
    assert!(
        [
            "readable by other users (mode 0644)",
            "providers.sim.api_key_cmd",
            "chmod 600"
        ]
        .iter()
        .all(|n| out.stderr.contains(n)),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(KEY) && !out.stdout.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_key_command_is_announced_on_stderr() {
    let (out, sim) = ask_with_key_cmd(&format!("sleep 1.5; printf '%s\\\\n' {KEY}")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("waiting for api_key_cmd of provider \"sim\""),
        "{}",
        out.stderr
    );
    assert!(sim.requests()[0].authorized);
    assert!(!out.stdout.contains(KEY) && !out.stderr.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_public_host_needs_allow_http_and_is_shown() {
    use thinkbench::cli::ConnectArgs;
    use thinkbench::config::Config;
    use thinkbench::connect::{Connection, Opening};
    let home = Home::new();
    // A documentation address: public, and nothing answers there.
    let public = "http://192.0.2.1/v1";
    let out = thinkbench(
        &home,
        &["ask", "--base-url", public, "--api-key-env", KEY_VAR, "hi"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    for needle in [
        "plain HTTP to a public host (192.0.2.1)",
        "--allow-http",
        "https://",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    assert!(!out.stderr.contains(KEY));
    // Accepted with the flag, and the connection says so where the status line shows it.
    // Any variable that is set serves as the key here (nothing is sent); setting one of our
    // own would race the other tests' child processes.
    let args = ConnectArgs {
        base_url: Some(public.into()),
        api_key_env: Some("PATH".into()),
        allow_http: true,
        ..ConnectArgs::default()
    };
    let conn = Connection::open_with(&args, &Config::default(), Opening::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(conn.label().contains("plain HTTP"), "{}", conn.label());
    // Loopback needs nothing, and says nothing.
    let local = ConnectArgs {
        base_url: Some("http://127.0.0.1:9/v1".into()),
        ..args
    };
    let local = ConnectArgs {
        allow_http: false,
        ..local
    };
    let conn = Connection::open_with(&local, &Config::default(), Opening::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!conn.label().contains("plain HTTP"), "{}", conn.label());
}
