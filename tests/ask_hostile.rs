//! `thinkbench ask` against servers that misbehave in ways the simulator does not: hostile
//! error text, nonsense `Retry-After`, streams that end but keep the connection open, and a
//! reader that closes the pipe. The peer is a few lines of raw HTTP over loopback.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serve `responses` in turn (raw HTTP, written as they are), one per connection. With
/// `keep_open`, the connection is left open after the response.
async fn raw_server(responses: Vec<Vec<u8>>, keep_open: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for response in responses {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 65536];
            let mut seen = Vec::new();
            // Read the request head and body (small; Content-Length framed).
            loop {
                let n = sock.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if seen.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
            let _ = sock.write_all(&response).await;
            let _ = sock.flush().await;
            if keep_open {
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    drop(sock);
                });
            }
        }
    });
    format!("http://{addr}/v1")
}

fn http(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    s.into_bytes()
}

/// An SSE response with no end to its body (no content-length, no chunked terminator).
fn open_sse(body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n{body}").into_bytes()
}

const FAST: &str = "[network]\nidle_timeout_secs = 1.5\nmax_retries = 1\nmax_retry_wait_secs = 2\n";

async fn ask(base: &str, extra: &[&str]) -> Output {
    let home = Home::new();
    let config = home.config(FAST);
    let mut args = ask_args(base, "openai", "qwen-plus");
    args.extend(["--config", config.to_str().unwrap(), "--no-think"]);
    args.extend(extra);
    args.push("hello");
    thinkbench(&home, &args).await
}

fn no_escapes(s: &str) {
    assert!(
        !s.contains('\u{1b}') && !s.contains('\u{7}'),
        "raw control characters reached the terminal: {s:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_error_text_is_made_inert() {
    let body = r#"{"error":{"message":"bad \u001b[2J\u001b]52;c;aGk=\u0007 end","code":"x\u001b[31m","type":"t"},"request_id":"r\u001b[5m"}"#;
    let base = raw_server(
        vec![http(
            "400 Bad Request",
            &[("content-type", "application/json")],
            body,
        )],
        false,
    )
    .await;
    let out = ask(&base, &[]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("bad ␛[2J"), "{}", out.stderr);
    no_escapes(&out.stderr);
    no_escapes(&out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonsense_retry_after_does_not_crash() {
    for value in [
        "1e300",
        "-5",
        "Thu, 01 Jan 1900 00:00:00 GMT",
        "Sun, 06 Nov 1994 99:49:37 GMT",
    ] {
        let busy = http(
            "429 Too Many Requests",
            &[("retry-after", value)],
            r#"{"error":{"message":"slow down","code":"limit_requests"}}"#,
        );
        let base = raw_server(vec![busy.clone(), busy], false).await;
        let out = ask(&base, &[]).await;
        assert_eq!(out.code, 3, "Retry-After {value}: {}", out.stderr);
        assert!(out.stderr.contains("429"), "{}", out.stderr);
    }
    // A Retry-After longer than the configured cap is not cut short: the run gives up.
    let base = raw_server(
        vec![http(
            "429 Too Many Requests",
            &[("retry-after", "3600")],
            r#"{"error":{"message":"later","code":"limit_requests"}}"#,
        )],
        false,
    )
    .await;
    let out = ask(&base, &[]).await;
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("3600 s"), "{}", out.stderr);
    assert!(!out.stderr.contains("retrying in"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_stream_is_complete_even_if_the_connection_stays_open() {
    let chunks = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi there\"},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n",
        "data: [DONE]\n\n",
    );
    let base = raw_server(vec![open_sse(chunks)], true).await;
    let started = std::time::Instant::now();
    let out = ask(&base, &["--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["content"], "Hi there");
    assert_eq!(out.json()["usage"]["total_tokens"], 5);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "did not wait for the connection to close"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_event_then_silence_is_an_api_error() {
    let chunks = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Once upon\"},\"finish_reason\":null}]}\n\n",
        "data: {\"error\":{\"code\":\"data_inspection_failed\",\"message\":\"Output data may contain inappropriate content.\",\"type\":\"data_inspection_failed\"},\"request_id\":\"req-9\"}\n\n",
    );
    let base = raw_server(vec![open_sse(chunks)], true).await;
    let out = ask(&base, &["--json"]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["error"]["code"], "data_inspection_failed");
    assert_eq!(v["content"], "Once upon", "partial answer kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly() {
    let sim = sim(|c| c.answer_tokens = Some(2000)).await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let args = ask_args(&base, "openai", "qwen-plus").join(" ");
    let script = format!(
        "{} {args} --no-think 'long story' | head -c 20 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
        env!("CARGO_BIN_EXE_thinkbench")
    );
    let out = tokio::process::Command::new("bash")
        .args(["-c", &script])
        .env(KEY_VAR, KEY)
        .env("XDG_CONFIG_HOME", home.dir.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("status=0"), "{stdout} {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_key_variable_that_is_unset_is_an_error_not_demo_mode() {
    let home = Home::new();
    let out = thinkbench(
        &home,
        &["ask", "--api-key-env", "NO_SUCH_VARIABLE_SET", "q"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("NO_SUCH_VARIABLE_SET"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("using the built-in simulator"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // A key pasted where the variable's name belongs is refused without echoing it.
    let out = thinkbench(
        &home,
        &["ask", "--api-key-env", "sk-live-0123456789abcdef", "q"],
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("0123456789abcdef"), "{}", out.stderr);
}
