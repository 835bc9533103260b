//! Headless subcommands, and what they share: reading the prompt, Ctrl+C.

pub mod ask;
pub mod compare;
pub mod record;
pub mod report;
pub mod screenshots;
pub mod sessions;
pub mod sim;

use std::io::{IsTerminal, Read};

use tokio_util::sync::CancellationToken;

use crate::config::ConfigError;

/// The prompt: `arg`, or standard input for `-` or nothing (but not from a terminal when no
/// `-` asked for it). An empty prompt is an error.
pub fn read_prompt(arg: Option<&str>) -> Result<String, ConfigError> {
    let prompt = match arg {
        Some(p) if p != "-" => p.to_string(),
        _ => {
            let stdin = std::io::stdin();
            if arg.is_none() && stdin.is_terminal() {
                return Err(ConfigError::new(
                    "no prompt: give it as an argument, or pipe it in (use - to read standard input)",
                ));
            }
            let mut s = String::new();
            stdin
                .lock()
                .read_to_string(&mut s)
                .map_err(|e| ConfigError::new(format!("cannot read the prompt from stdin: {e}")))?;
            s
        }
    };
    if prompt.trim().is_empty() {
        return Err(ConfigError::new("the prompt is empty"));
    }
    Ok(prompt)
}

/// A token that is cancelled when the user presses Ctrl+C. It listens from the moment it is
/// made (not from when its task first runs), so an early Ctrl+C is not lost.
pub fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    #[cfg(unix)]
    let mut interrupt =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    tokio::spawn(async move {
        #[cfg(unix)]
        let pressed = match &mut interrupt {
            Some(s) => s.recv().await.is_some(),
            None => false,
        };
        #[cfg(not(unix))]
        let pressed = tokio::signal::ctrl_c().await.is_ok();
        if pressed {
            ctrl_c.cancel();
        }
    });
    cancel
}
