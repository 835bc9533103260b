//! Every simulator fault, end to end through `thinkbench ask`, on both protocols: the exit
//! code, what the user is told, that partial text survives, and that the key never shows.

mod common;

use common::*;
use thinkbench::sim::Fault;

const FAST_CONFIG: &str =
    "[network]\nidle_timeout_secs = 1.5\nmax_retries = 2\nmax_retry_wait_secs = 2\n";

async fn ask_with_fault(
    fault: Fault,
    times: Option<u32>,
    protocol: &str,
    json: bool,
) -> (Output, usize) {
    let sim = sim(|c| {
        c.fault = Some(fault);
        c.fault_times = times;
        c.retry_after_secs = 1;
        c.reasoning_tokens = Some(60);
        c.answer_tokens = Some(40);
    })
    .await;
    let home = Home::new();
    let config = home.config(FAST_CONFIG);
    let base = if protocol == "openai" {
        sim.openai_base_url()
    } else {
        sim.native_base_url()
    };
    let mut args = ask_args(&base, protocol, "qwen3.7-plus");
    args.extend(["--config", config.to_str().unwrap()]);
    if json {
        args.push("--json");
    }
    args.push("Explain the Monty Hall problem.");
    let out = thinkbench(&home, &args).await;
    assert!(
        !out.stdout.contains(KEY) && !out.stderr.contains(KEY),
        "the API key leaked"
    );
    (out, sim.requests().len())
}

const PROTOCOLS: [&str; 2] = ["openai", "dashscope"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_explains_region_bound_keys_and_is_not_retried() {
    for p in PROTOCOLS {
        let (out, n) = ask_with_fault(Fault::Unauthorized, None, p, false).await;
        assert_eq!(out.code, 3, "{p}: {}", out.stderr);
        assert_eq!(n, 1, "{p}: a 401 is not retried");
        assert!(out.stderr.contains("401"), "{p}: {}", out.stderr);
        assert!(out.stderr.contains("region"), "{p}: {}", out.stderr);
        assert!(out.stderr.contains("request id"), "{p}: {}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_retried_after_retry_after_then_succeeds() {
    for p in PROTOCOLS {
        let (out, n) = ask_with_fault(Fault::RateLimited, Some(1), p, false).await;
        assert_eq!(out.code, 0, "{p}: {}", out.stderr);
        assert_eq!(n, 2, "{p}: one retry");
        assert!(out.stderr.contains("429"), "{p}: {}", out.stderr);
        assert!(
            out.stderr.contains("retrying in 1.0 s"),
            "{p}: Retry-After honoured: {}",
            out.stderr
        );
        assert!(!out.stdout.trim().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_rate_limit_gives_up_after_the_retry_limit() {
    let (out, n) = ask_with_fault(Fault::RateLimited, None, "openai", true).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(n, 3, "first attempt plus max_retries = 2");
    let v = out.json();
    assert_eq!(v["error"]["status"], 429);
    assert!(v["error"]["request_id"].is_string());
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rate limit")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried() {
    for (fault, status) in [(Fault::ServerError, "500"), (Fault::Unavailable, "503")] {
        for p in PROTOCOLS {
            let (out, n) = ask_with_fault(fault, Some(1), p, false).await;
            assert_eq!(out.code, 0, "{p} {status}: {}", out.stderr);
            assert_eq!(n, 2);
            assert!(out.stderr.contains(status), "{}", out.stderr);
        }
        let (out, n) = ask_with_fault(fault, None, "openai", false).await;
        assert_eq!(out.code, 3, "{status} every time: {}", out.stderr);
        assert_eq!(n, 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_keeps_partial_text_and_exits_4() {
    for p in PROTOCOLS {
        let (out, n) = ask_with_fault(Fault::Drop, None, p, true).await;
        assert_eq!(out.code, 4, "{p}: {}", out.stderr);
        assert_eq!(n, 1, "{p}: never retried after the first byte");
        let v = out.json();
        assert!(
            !v["reasoning"].as_str().unwrap().is_empty(),
            "{p}: partial reasoning kept"
        );
        assert_eq!(v["complete"], false);
        assert_eq!(v["error"]["code"], "stream_interrupted");
        // The same in text mode: partial text printed, and the user is told.
        let (out, _) = ask_with_fault(Fault::Drop, None, p, false).await;
        assert_eq!(out.code, 4);
        assert!(out.stderr.contains("incomplete"), "{}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_stream_hits_the_idle_timeout() {
    for p in PROTOCOLS {
        let (out, n) = ask_with_fault(Fault::Stall, None, p, false).await;
        assert_eq!(out.code, 4, "{p}: {}", out.stderr);
        assert_eq!(n, 1);
        assert!(out.stderr.contains("stalled"), "{}", out.stderr);
        assert!(out.stderr.contains("incomplete"), "{}", out.stderr);
        // The error names the wait, the model and how far the stream got.
        for needle in [
            "no data for 1.5 s",
            "qwen3.7-plus",
            "chunk(s)",
            "idle_timeout_secs",
        ] {
            assert!(out.stderr.contains(needle), "{p}: {needle}: {}", out.stderr);
        }
        // Scripts get the same advice as people.
        let (out, _) = ask_with_fault(Fault::Stall, None, p, true).await;
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        let hint = v["error"]["hint"].as_str().unwrap_or_default();
        assert!(hint.contains("idle_timeout_secs"), "{p}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_errors_carry_the_hint_the_plain_mode_prints() {
    for (fault, needle) in [
        (Fault::Unauthorized, "region"),
        (Fault::RateLimited, "rate limits apply"),
    ] {
        let (plain, _) = ask_with_fault(fault, None, "openai", false).await;
        let (json, _) = ask_with_fault(fault, None, "openai", true).await;
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        let hint = v["error"]["hint"].as_str().expect("an error.hint");
        assert!(hint.contains(needle), "{fault}: {hint}");
        // The same words (up to the simulator's address, which differs between the runs).
        let words = hint.split("127.0.0.1").next().unwrap_or_default();
        assert!(plain.stderr.contains(words), "{fault}: {}", plain.stderr);
    }
    // A complete answer has no error, so no hint.
    let (ok, _) = ask_with_fault(Fault::Trickle, None, "openai", true).await;
    let v: serde_json::Value = serde_json::from_str(&ok.stdout).expect("json");
    assert!(v["error"].is_null(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_chunk_is_skipped_with_a_warning() {
    for p in PROTOCOLS {
        let (out, _) = ask_with_fault(Fault::Malformed, None, p, false).await;
        assert_eq!(out.code, 0, "{p}: {}", out.stderr);
        assert!(out.stderr.contains("malformed"), "{p}: {}", out.stderr);
        assert!(!out.stdout.trim().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_event_mid_stream_is_an_api_error_with_partial_text() {
    for p in PROTOCOLS {
        let (out, _) = ask_with_fault(Fault::ErrorEvent, None, p, true).await;
        assert_eq!(out.code, 3, "{p}: {}", out.stderr);
        let v = out.json();
        let code = v["error"]["code"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .replace('_', "");
        assert_eq!(code, "datainspectionfailed", "{p}");
        // The native protocol carries the status in its `:HTTP_STATUS/400` comment; the
        // OpenAI-compatible stream says nothing beyond its HTTP 200, so none is made up.
        let want = if p == "dashscope" {
            serde_json::json!(400)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(v["error"]["status"], want, "{p}");
        assert!(v["error"]["request_id"].is_string(), "{p}");
        assert!(
            !v["reasoning"].as_str().unwrap().is_empty(),
            "{p}: partial kept"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_trickle_still_completes_with_identical_text() {
    for p in PROTOCOLS {
        let (slow, _) = ask_with_fault(Fault::Trickle, None, p, true).await;
        assert_eq!(slow.code, 0, "{p}: {}", slow.stderr);
        let sim = sim(|c| {
            c.reasoning_tokens = Some(60);
            c.answer_tokens = Some(40);
        })
        .await;
        let home = Home::new();
        let base = if p == "openai" {
            sim.openai_base_url()
        } else {
            sim.native_base_url()
        };
        let mut args = ask_args(&base, p, "qwen3.7-plus");
        args.extend(["--json", "Explain the Monty Hall problem."]);
        let fast = thinkbench(&home, &args).await;
        assert_eq!(slow.json()["content"], fast.json()["content"], "{p}");
        assert_eq!(slow.json()["reasoning"], fast.json()["reasoning"], "{p}");
    }
}

/// `https://` goes through the TLS client (built on first use: a plain-HTTP run never reads
/// the system certificates), so a server that only speaks plain HTTP fails the handshake,
/// reported as a network error, and nothing reaches it as a request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_server_fails_the_handshake_clearly() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let config = home.config(FAST_CONFIG);
    let base = sim.openai_base_url().replacen("http://", "https://", 1);
    let mut args = ask_args(&base, "openai", "qwen3.7-plus");
    args.extend(["--config", config.to_str().unwrap(), "hello"]);
    let out = thinkbench(&home, &args).await;
    assert_ne!(out.code, 0, "{}", out.stderr);
    let err = out.stderr.to_lowercase();
    assert!(err.contains("network error"), "{}", out.stderr);
    assert!(
        err.contains("tls")
            || err.contains("handshake")
            || err.contains("certificate")
            || err.contains("ssl"),
        "{}",
        out.stderr
    );
    assert!(sim.requests().is_empty(), "no request got through");
    // The same server over http:// answers.
    let plain = sim.openai_base_url();
    let mut args = ask_args(&plain, "openai", "qwen3.7-plus");
    args.extend(["--config", config.to_str().unwrap(), "hello"]);
    let out = thinkbench(&home, &args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Run `cmd` to its end; returns its output and its peak resident memory in MB, from the
/// kernel's account of the child (`wait4`).
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, for its rusage"
)]
fn output_and_peak_rss(mut cmd: std::process::Command) -> (Output, f64) {
    use std::io::Read;
    let mut child = cmd.spawn().expect("thinkbench runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    let mut status = 0;
    // SAFETY: plain libc calls on our own child, whose pid std has not reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    let out = Output {
        code: libc::WEXITSTATUS(status),
        stdout: reader.join().unwrap(),
        stderr,
    };
    (out, usage.ru_maxrss as f64 / 1024.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mb_line_is_refused_and_the_process_stays_small() {
    let sim = sim(|c| {
        c.fault = Some(Fault::HugeLine);
        c.reasoning_tokens = Some(60);
        c.answer_tokens = Some(40);
    })
    .await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", "qwen3.7-plus");
    args.push("Explain the Monty Hall problem.");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_thinkbench"));
    let reference = command(&home, &args, &[]);
    let std_cmd = reference.as_std();
    for (k, v) in std_cmd.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.args(std_cmd.get_args())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let (out, peak_mb) = tokio::task::spawn_blocking(move || output_and_peak_rss(cmd))
        .await
        .unwrap();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("more than 8 MiB"), "{}", out.stderr);
    assert!(out.stderr.contains("incomplete"), "{}", out.stderr);
    // The reasoning before the line is kept (on stderr in plain mode).
    assert!(out.stderr.len() > 100, "{}", out.stderr);
    eprintln!("peak RSS on a 64 MB line: {peak_mb:.1} MB");
    assert!(peak_mb < 64.0, "peak RSS {peak_mb:.1} MB on a 64 MB line");
}
