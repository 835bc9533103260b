//! Where an API key comes from, and reading it: an environment variable, or `api_key_cmd` run
//! through the shell (its first line is the key; its output is never shown).
//!
//! A key command may be slow (`pass`, `gpg`, a password manager asking for a passphrase), so it
//! runs under a time limit and never on the UI loop. At start-up it runs before the workbench
//! takes the screen, in the terminal's foreground, so a program that asks on the terminal
//! itself (pinentry, `ssh-askpass`-style prompts open `/dev/tty`) can. Inside the workbench
//! it runs detached from the terminal, in a session of its own, so nothing it starts can draw
//! over the screen; stopping it stops everything it started.

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
    /// Run it without the terminal, in a session (and process group) of its own.
    pub detach: bool,
}

impl KeyWait {
    /// Start-up, before the terminal is taken: long enough to type a passphrase.
    pub fn startup() -> KeyWait {
        KeyWait {
            timeout: Duration::from_secs(300),
            announce_after: Some(Duration::from_millis(700)),
            stop: CancellationToken::new(),
            detach: false,
        }
    }

    /// A provider switch inside the workbench, stopped by `stop`.
    pub fn in_app(stop: CancellationToken) -> KeyWait {
        KeyWait {
            timeout: Duration::from_secs(60),
            announce_after: None,
            stop,
            detach: true,
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
/// At most this much of a key command's output is kept while looking for its first line
/// (the rest is read and dropped).
const MAX_FIRST_LINE: usize = 64 * 1024;
/// How long to wait for the output once the command has exited.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);

/// Run `api_key_cmd` through the shell and take its first line.
fn run_key_cmd(provider: &str, cmd: &str, wait: &KeyWait) -> Result<ApiKey, ConfigError> {
    let err =
        |what: String| ConfigError::new(format!("api_key_cmd for provider \"{provider}\" {what}"));
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    if wait.detach {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of this process.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let child = command
        .spawn()
        .map_err(|e| err(format!("could not be started: {e}")))?;
    let mut child = Running::new(child, wait.detach);
    // Read what it prints on a thread of its own, so a long output cannot block the command
    // and a grandchild that keeps the pipe open cannot block us. The first line is handed
    // over as soon as it is there; the rest is read and dropped, so the command is never cut
    // off with a broken pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(stdout) = child.child.stdout.take() {
        std::thread::spawn(move || {
            let mut stdout = stdout;
            let mut out = Vec::new();
            let mut buf = [0u8; 4096];
            let mut sent = false;
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                if sent || out.len() > MAX_FIRST_LINE {
                    continue;
                }
                out.extend_from_slice(&buf[..n]);
                if buf[..n].contains(&b'\n') {
                    let _ = tx.send(std::mem::take(&mut out));
                    sent = true;
                }
            }
            if !sent {
                let _ = tx.send(out);
            }
        });
    }
    let started = Instant::now();
    let mut announced = false;
    let status = loop {
        match child.child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(err(format!("could not be waited for: {e}"))),
        }
        if wait.stop.is_cancelled() {
            return Err(err("was stopped".to_string()));
        }
        let ran = started.elapsed();
        if ran >= wait.timeout {
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
    child.exited();
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

/// Process groups of detached key commands still running (see [`stop_all`]).
static DETACHED: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

/// Stop every detached key command still running (the app is ending).
pub fn stop_all() {
    let groups = std::mem::take(&mut *DETACHED.lock().unwrap_or_else(|e| e.into_inner()));
    for pgid in groups {
        kill_group(pgid);
    }
}

#[cfg(unix)]
fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_: i32) {}

/// A running key command: stopped (with everything it started, when detached) unless it
/// exited by itself.
struct Running {
    child: Child,
    /// Its process group, when it runs in a session of its own.
    group: Option<i32>,
    exited: bool,
}

impl Running {
    fn new(child: Child, detached: bool) -> Running {
        let group = detached.then(|| child.id() as i32);
        if let Some(g) = group {
            DETACHED.lock().unwrap_or_else(|e| e.into_inner()).push(g);
        }
        Running {
            child,
            group,
            exited: false,
        }
    }

    fn exited(&mut self) {
        self.exited = true;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(g) = self.group {
            DETACHED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|x| *x != g);
            // What the command left running (it exited, or is being stopped).
            kill_group(g);
        }
        if !self.exited {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests run key commands one at a time: one of them stops every detached command.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

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
            ..KeyWait::in_app(CancellationToken::new())
        }
    }

    /// Whether process `pid` still runs (gone, or a zombie waiting to be reaped, is not).
    fn running(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
    }

    /// Waits until `pid` is not running; false if it still runs after a few seconds.
    fn ends(pid: &str) -> bool {
        let start = Instant::now();
        while running(pid) {
            if start.elapsed() > Duration::from_secs(5) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    #[test]
    fn the_first_line_of_the_command_is_the_key() {
        let _serial = serial();
        let key = source("printf 'sk-one\\nsecond line\\n'")
            .read("p", &quick(10_000))
            .unwrap()
            .unwrap();
        assert_eq!(key.expose(), "sk-one");
    }

    #[test]
    fn a_slow_command_is_stopped_with_what_it_started() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let cmd = format!(
            "sleep 30 & echo $! > '{}'; wait; echo KEY",
            pidfile.display()
        );
        let started = Instant::now();
        let e = source(&cmd).read("slowpoke", &quick(500)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            e.0.contains("slowpoke") && e.0.contains("did not finish"),
            "{e}"
        );
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        assert!(ends(&pid), "the sleep the command started was stopped too");
    }

    #[test]
    fn output_after_the_first_line_is_read_not_cut_off() {
        let _serial = serial();
        // A command that goes on printing after the key must not die of a broken pipe.
        let key = source("echo sk-first; sleep 0.2; seq 1 20000")
            .read("p", &quick(10_000))
            .unwrap()
            .unwrap();
        assert_eq!(key.expose(), "sk-first");
    }

    #[test]
    fn stop_all_stops_detached_commands_at_exit() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let cmd = format!("sleep 30 & echo $! > '{}'; wait", pidfile.display());
        let reader = std::thread::spawn(move || source(&cmd).read("p", &quick(60_000)));
        let start = Instant::now();
        while std::fs::read_to_string(&pidfile).map_or(true, |p| p.trim().is_empty()) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the command started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        stop_all();
        assert!(ends(&pid), "stopped at once, not after the time limit");
        let e = reader.join().unwrap().unwrap_err();
        assert!(e.0.contains("failed"), "{e}");
    }

    #[test]
    fn a_command_can_be_stopped_while_it_runs() {
        let _serial = serial();
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
        let _serial = serial();
        let e = source("echo sk-secret; exit 3")
            .read("p", &quick(10_000))
            .unwrap_err();
        assert!(e.0.contains("failed"), "{e}");
        assert!(!e.0.contains("sk-secret"), "{e}");
        let e = source("true").read("p", &quick(10_000)).unwrap_err();
        assert!(e.0.contains("printed no key"), "{e}");
    }
}
