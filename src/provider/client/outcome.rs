//! How a run went: the progress it reports as it happens, and how it ended, with what the
//! decoder learnt, the HTTP status, attempts and timings. Also the words for what went wrong:
//! server text made safe to print, and network errors a user can act on.

use std::time::Duration;

use crate::provider::decode::DecodeInfo;
use crate::provider::{ApiError, StreamEvent};
use crate::text::inert;

/// Progress of a run, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// An attempt is being sent (1-based).
    Attempt(u32),
    /// The attempt failed in a way worth retrying; the next one follows after `wait`.
    Retrying {
        attempt: u32,
        max_attempts: u32,
        wait: Duration,
        reason: String,
    },
    /// The server answered 2xx; the stream begins.
    Connected {
        status: u16,
        request_id: Option<String>,
    },
    Stream(StreamEvent),
}

/// Why a run did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server reported an error (HTTP error status or an error inside the stream).
    Api(ApiError),
    /// No response could be had: connection refused, DNS, TLS, timeouts before any byte.
    Network(String),
    /// The stream started but broke off: connection lost, stalled, or ended without an end
    /// marker. Whatever arrived is kept.
    Interrupted(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Api(e) => write!(f, "{e}"),
            Failure::Network(m) => write!(f, "network error: {m}"),
            Failure::Interrupted(m) => write!(f, "stream interrupted: {m}"),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    Complete,
    Failed(Failure),
    Cancelled,
}

/// Time measurements of a run, from the start of the attempt that produced the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// To the first reasoning or answer text.
    pub ttft: Option<Duration>,
    /// From the first reasoning text to the first answer text (or the end).
    pub reasoning: Option<Duration>,
    /// From the first answer text to the end.
    pub answer: Option<Duration>,
    /// The whole run, retries included.
    pub total: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub end: RunEnd,
    pub info: DecodeInfo,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub attempts: u32,
    pub timings: Timings,
}

/// Server-supplied text in an error, made safe to print.
pub(super) fn inert_error(mut e: ApiError) -> ApiError {
    let clean = |s: &mut String| {
        if let std::borrow::Cow::Owned(o) = inert(s) {
            *s = o;
        }
    };
    clean(&mut e.message);
    for f in [&mut e.code, &mut e.kind, &mut e.request_id]
        .into_iter()
        .flatten()
    {
        clean(f);
    }
    e
}

/// The TLS error in `e`, if it is one; rustls errors reach us inside io::Errors, whose
/// source() skips the error they carry.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    tls_error(e.downcast_ref::<std::io::Error>()?.get_ref()?)
}

/// The words that open the failure messages the user is given advice on
/// (`commands::report::hint`): one place, so the advice cannot drift from the message.
pub const NO_RESPONSE: &str = "no response within";
pub const NOT_CONNECTED: &str = "could not connect";
pub const STALLED: &str = "the server stalled";

/// A reqwest error in words a user can act on (never with a key: keys are only in headers).
pub(super) fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_connect() {
        NOT_CONNECTED.to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_body() || e.is_decode() {
        "the response body broke off".to_string()
    } else {
        "request failed".to_string()
    };
    if let Some(url) = e.url() {
        msg.push_str(&format!(" to {}", url.host_str().unwrap_or("?")));
        if let Some(port) = url.port() {
            msg.push_str(&format!(":{port}"));
        }
    }
    let mut source = std::error::Error::source(e);
    let mut last = None;
    let mut tls = None;
    while let Some(s) = source {
        tls = tls.or_else(|| tls_error(s));
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(root) = last {
        if tls.is_some() {
            msg.push_str(": the TLS handshake failed");
        }
        msg.push_str(&format!(": {root}"));
        if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) = tls
        {
            msg.push_str(
                " (the server does not speak TLS: a plain-HTTP server needs an http:// URL)",
            );
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_in_errors_is_made_inert() {
        let e = inert_error(ApiError {
            status: Some(400),
            code: Some("x\u{1b}[31m".into()),
            kind: None,
            message: "bad \u{1b}[2J\u{1b}]52;c;aGk=\u{7}".into(),
            request_id: Some("r\u{1b}[5m".into()),
        });
        let shown = e.to_string();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
    }
}
