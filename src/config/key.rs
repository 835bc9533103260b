//! Where an API key comes from, and reading it: an environment variable, or `api_key_cmd` run
//! through the shell (its first line is the key; its output is never shown).
//!
//! A key command may be slow (`pass`, `gpg`, a password manager asking for a passphrase), so it
//! runs under a time limit and never on the UI loop: the workbench reads keys on a blocking
//! thread, and before the alternate screen at start-up, where a prompt can use the terminal.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::ConfigError;
use crate::provider::client::ApiKey;

/// Where the API key comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySource {
    pub env: Option<String>,
    pub cmd: Option<String>,
    /// The server refuses requests without a key.
    pub required: bool,
}

/// How long a key command may take, whether to say so on stderr when it is slow, and how to
/// stop it early.
#[derive(Debug, Clone)]
pub struct KeyWait {
    /// The command is stopped after this long, with an error that says so.
    pub timeout: Duration,
    /// Print a line on stderr when the command has run this long (before the alternate screen
    /// only: the full-screen UI says "connecting to …" itself).
    pub announce_after: Option<Duration>,
    /// Cancelling this stops the command (the user gave up waiting).
    pub stop: CancellationToken,
}

impl KeyWait {
    /// Start-up, before the terminal is taken: long enough to type a passphrase.
    pub fn startup() -> KeyWait {
        KeyWait {
            timeout: Duration::from_secs(300),
            announce_after: Some(Duration::from_millis(700)),
            stop: CancellationToken::new(),
        }
    }

    /// A provider switch inside the workbench, stopped by `stop`.
    pub fn in_app(stop: CancellationToken) -> KeyWait {
        KeyWait {
            timeout: Duration::from_secs(60),
            announce_after: None,
            stop,
        }
    }
}

impl Default for KeyWait {
    fn default() -> Self {
        KeyWait::startup()
    }
}

impl KeySource {
    /// Whether a key is configured (the variable is set and non-empty, or a command is given).
    pub fn configured(&self) -> bool {
        self.cmd.is_some() || self.env_value().is_some()
    }

    fn env_value(&self) -> Option<String> {
        let v = std::env::var(self.env.as_ref()?).ok()?;
        let v = v.trim().to_string();
        (!v.is_empty()).then_some(v)
    }

    /// Read the key: the environment variable first, then the key command (this blocks for
    /// as long as the command runs, at most `wait.timeout`).
    pub fn read(&self, provider: &str, wait: &KeyWait) -> Result<Option<ApiKey>, ConfigError> {
        if let Some(v) = self.env_value() {
            return Ok(Some(ApiKey::new(v)));
        }
        if let Some(cmd) = &self.cmd {
            return run_key_cmd(provider, cmd, wait).map(Some);
        }
        if self.required {
            let how = match &self.env {
                Some(var) => format!("set {var}"),
                None => "set api_key_env".to_string(),
            };
            return Err(ConfigError::new(format!(
                "no API key for provider \"{provider}\": {how}, or set api_key_cmd under [providers.{provider}] in the config file; or run with --demo to use the built-in simulator"
            )));
        }
        Ok(None)
    }
}

/// How often a running key command is looked at.
const POLL: Duration = Duration::from_millis(10);
/// At most this much of a key command's output is read.
const MAX_OUTPUT: u64 = 64 * 1024;
/// How long to wait for the output once the command has exited.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);

/// Run `api_key_cmd` through the shell and take its first line.
fn run_key_cmd(provider: &str, cmd: &str, wait: &KeyWait) -> Result<ApiKey, ConfigError> {
    let err =
        |what: String| ConfigError::new(format!("api_key_cmd for provider \"{provider}\" {what}"));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| err(format!("could not be started: {e}")))?;
    // Read what it prints on a thread of its own, so a long output cannot block the command
    // and a grandchild that keeps the pipe open cannot block us.
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            // Only the first line is wanted: stop at the first newline.
            let mut out = Vec::new();
            let mut buf = [0u8; 512];
            let mut stdout = stdout.take(MAX_OUTPUT);
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                out.extend_from_slice(&buf[..n]);
                if buf[..n].contains(&b'\n') {
                    break;
                }
            }
            let _ = tx.send(out);
        });
    }
    let started = Instant::now();
    let mut announced = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                stop(&mut child);
                return Err(err(format!("could not be waited for: {e}")));
            }
        }
        if wait.stop.is_cancelled() {
            stop(&mut child);
            return Err(err("was stopped".to_string()));
        }
        let ran = started.elapsed();
        if ran >= wait.timeout {
            stop(&mut child);
            return Err(err(format!(
                "did not finish within {} s and was stopped; run it yourself to see why",
                wait.timeout.as_secs()
            )));
        }
        if !announced && wait.announce_after.is_some_and(|a| ran >= a) {
            announced = true;
            eprintln!("thinkbench: waiting for api_key_cmd of provider \"{provider}\"…");
        }
        std::thread::sleep(POLL);
    };
    if !status.success() {
        return Err(err(format!(
            "failed ({status}); run it yourself to see why"
        )));
    }
    // The first line is there by now, unless the command printed none and something it
    // started keeps the pipe open: that is not waited for long.
    let out = rx.recv_timeout(OUTPUT_GRACE).unwrap_or_default();
    let text = String::from_utf8_lossy(&out);
    let key = text.lines().next().unwrap_or("").trim();
    if key.is_empty() {
        return Err(err("printed no key".to_string()));
    }
    Ok(ApiKey::new(key))
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(cmd: &str) -> KeySource {
        KeySource {
            env: None,
            cmd: Some(cmd.to_string()),
            required: true,
        }
    }

    fn quick(ms: u64) -> KeyWait {
        KeyWait {
            timeout: Duration::from_millis(ms),
            announce_after: None,
            stop: CancellationToken::new(),
        }
    }

    #[test]
    fn the_first_line_of_the_command_is_the_key() {
        let key = source("printf 'sk-one\\nsecond line\\n'")
            .read("p", &quick(10_000))
            .unwrap()
            .unwrap();
        assert_eq!(key.expose(), "sk-one");
    }

    #[test]
    fn a_slow_command_is_stopped_with_a_message_that_says_so() {
        let started = Instant::now();
        let e = source("sleep 30; echo KEY")
            .read("slowpoke", &quick(300))
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            e.0.contains("slowpoke") && e.0.contains("did not finish"),
            "{e}"
        );
    }

    #[test]
    fn a_command_can_be_stopped_while_it_runs() {
        let wait = quick(30_000);
        let stop = wait.stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            stop.cancel();
        });
        let started = Instant::now();
        let e = source("sleep 30; echo KEY").read("p", &wait).unwrap_err();
        assert!(e.0.contains("was stopped"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn failing_and_silent_commands_are_errors_that_never_show_output() {
        let e = source("echo sk-secret; exit 3")
            .read("p", &quick(10_000))
            .unwrap_err();
        assert!(e.0.contains("failed"), "{e}");
        assert!(!e.0.contains("sk-secret"), "{e}");
        let e = source("true").read("p", &quick(10_000)).unwrap_err();
        assert!(e.0.contains("printed no key"), "{e}");
    }
}
