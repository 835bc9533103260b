//! Shared helpers for the integration tests: an in-process simulator on loopback and the real
//! `thinkbench` binary run against it.
#![allow(dead_code)]

pub mod pty;

use std::path::PathBuf;
use std::process::Stdio;

use thinkbench::sim::{SimConfig, Simulator};

pub const KEY_VAR: &str = "THINKBENCH_TEST_KEY";
pub const KEY: &str = "sk-test-SECRET-4711";

/// A simulator that streams as fast as possible and accepts only [`KEY`].
pub async fn sim(configure: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        rate: None,
        api_key: Some(KEY.to_string()),
        ..SimConfig::default()
    };
    configure(&mut cfg);
    Simulator::start(cfg).await.expect("simulator starts")
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A scratch HOME for the app's own files, so no user config leaks into a test.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Write `text` as a config file and return its path.
    pub fn config(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join("config.toml");
        std::fs::write(&p, text).expect("write config");
        p
    }
}

/// Run `thinkbench` with `args` (stdin closed), with the test key in [`KEY_VAR`].
pub async fn thinkbench(home: &Home, args: &[&str]) -> Output {
    thinkbench_with(home, args, &[]).await
}

pub async fn thinkbench_with(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(home, args, env);
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("thinkbench finishes within 60 s")
        .expect("thinkbench runs");
    Output::from(out)
}

/// The `thinkbench` command with `args`, stdin closed, stdout and stderr piped, the test key in
/// [`KEY_VAR`] and the app's files in `home`.
pub fn command(home: &Home, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_thinkbench"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("DASHSCOPE_API_KEY")
        .env_remove("DASHSCOPE_WORKSPACE_ID")
        .env_remove("THINKBENCH_SIM_RATE")
        .env_remove("THINKBENCH_DB")
        .env("NO_COLOR", "1")
        .env(KEY_VAR, KEY)
        .env("XDG_CONFIG_HOME", home.dir.path().join("config"))
        .env("XDG_STATE_HOME", home.dir.path().join("state"))
        .env("XDG_DATA_HOME", home.dir.path().join("data"))
        .env("XDG_CACHE_HOME", home.dir.path().join("cache"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `ask` arguments that point at `sim` with the given protocol and model.
pub fn ask_args<'a>(base_url: &'a str, protocol: &'a str, model: &'a str) -> Vec<&'a str> {
    vec![
        "ask",
        "--base-url",
        base_url,
        "--protocol",
        protocol,
        "--api-key-env",
        KEY_VAR,
        "--model",
        model,
    ]
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`, recursively.
pub fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `chunks` through a fresh decoder for `format`, then its end: the events and what it learnt.
pub fn decode(
    format: thinkbench::provider::decode::WireFormat,
    tags: thinkbench::provider::decode::ThinkTags,
    chunks: &[&[u8]],
) -> (
    Vec<thinkbench::provider::StreamEvent>,
    thinkbench::provider::decode::DecodeInfo,
) {
    let mut d = thinkbench::provider::decode::decoder(format, tags);
    let mut events = Vec::new();
    for c in chunks {
        d.feed(c, &mut events);
    }
    d.finish(&mut events);
    (events, d.info().clone())
}
