//! Fault injection: which request gets which fault, and what status faults look like.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use super::wire_error::WireError;

/// A failure the simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// 401 with the invalid-API-key body.
    Unauthorized,
    /// 403 `AccessDenied`.
    Forbidden,
    /// 429 with `Retry-After` (seconds).
    RateLimited,
    /// 429 with no hint of when to come back.
    RateLimitedBare,
    /// 429 with `retry-after-ms` only (as some gateways send it).
    RateLimitedMs,
    /// 500 `InternalError`.
    ServerError,
    /// 502 from a gateway: an HTML page, not JSON.
    BadGateway,
    /// 503 `ModelUnavailable`.
    Unavailable,
    /// The connection is closed after the request arrived, before any response.
    Reset,
    /// The request is taken and nothing is ever sent back (stalled before the first byte).
    Hang,
    /// Some chunks, then the connection is aborted without a terminator.
    Drop,
    /// Some chunks, then silence while the connection stays open.
    Stall,
    /// A `data:` line with broken JSON mid-stream; the stream then continues normally.
    Malformed,
    /// Partial output, then an in-stream error (output moderation).
    ErrorEvent,
    /// Some chunks, then a clean end of the body: no finish reason, no `[DONE]`.
    NoFinish,
    /// A 200 whose body is an HTML page (a proxy's or a login portal's).
    Html,
    /// The stream gzip-compressed (`Content-Encoding: gzip`) though the client did not ask.
    Gzip,
    /// Some chunks, then a 64 MB line with no line break.
    HugeLine,
    /// The normal response, delivered in tiny slow pieces split mid-line and mid-character.
    Trickle,
}

impl Fault {
    /// Every fault, in the order of their names in [`Fault::NAMES`].
    pub const ALL: [Fault; 19] = [
        Fault::Unauthorized,
        Fault::Forbidden,
        Fault::RateLimited,
        Fault::RateLimitedBare,
        Fault::RateLimitedMs,
        Fault::ServerError,
        Fault::BadGateway,
        Fault::Unavailable,
        Fault::Reset,
        Fault::Hang,
        Fault::Drop,
        Fault::Stall,
        Fault::Malformed,
        Fault::ErrorEvent,
        Fault::NoFinish,
        Fault::Html,
        Fault::Gzip,
        Fault::HugeLine,
        Fault::Trickle,
    ];

    /// The names [`Fault::from_str`] accepts.
    pub const NAMES: [&'static str; 19] = [
        "401",
        "403",
        "429",
        "429-bare",
        "429-ms",
        "500",
        "502",
        "503",
        "reset",
        "hang",
        "drop",
        "stall",
        "malformed",
        "error-event",
        "no-finish",
        "html",
        "gzip",
        "huge-line",
        "trickle",
    ];

    pub fn name(self) -> &'static str {
        let i = Fault::ALL.iter().position(|f| *f == self).unwrap_or(0);
        Fault::NAMES[i]
    }

    /// Faults that replace the whole response with an HTTP error.
    pub fn is_status(self) -> bool {
        status_error(self).is_some()
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fault name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError(pub String);

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown fault `{}`; valid kinds: {}",
            self.0,
            Fault::NAMES.join(", ")
        )
    }
}

impl std::error::Error for ParseFaultError {}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Fault::NAMES
            .iter()
            .position(|n| *n == wanted)
            .map(|i| Fault::ALL[i])
            .ok_or_else(|| ParseFaultError(s.to_string()))
    }
}

/// Decides which chat requests get the configured fault.
pub(crate) struct FaultSchedule {
    fault: Option<Fault>,
    times: Option<u32>,
    used: AtomicU32,
}

impl FaultSchedule {
    pub fn new(fault: Option<Fault>, times: Option<u32>) -> FaultSchedule {
        FaultSchedule {
            fault,
            times,
            used: AtomicU32::new(0),
        }
    }

    /// The fault for the next chat request. A fault `forced` by the request header wins and
    /// does not use up the configured count.
    pub fn take(&self, forced: Option<Fault>) -> Option<Fault> {
        if forced.is_some() {
            return forced;
        }
        let fault = self.fault?;
        match self.times {
            None => Some(fault),
            Some(n) => {
                let taken = self
                    .used
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                        (u < n).then_some(u + 1)
                    })
                    .is_ok();
                taken.then_some(fault)
            }
        }
    }
}

/// The error a status fault answers with.
pub(crate) fn status_error(fault: Fault) -> Option<WireError> {
    match fault {
        Fault::Unauthorized => Some(WireError::unauthorized()),
        Fault::Forbidden => Some(WireError::forbidden()),
        Fault::RateLimited | Fault::RateLimitedBare | Fault::RateLimitedMs => {
            Some(WireError::rate_limited())
        }
        Fault::ServerError => Some(WireError::internal()),
        Fault::BadGateway => Some(WireError::bad_gateway()),
        Fault::Unavailable => Some(WireError::unavailable()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!(" Error-Event ".parse::<Fault>(), Ok(Fault::ErrorEvent));
    }

    #[test]
    fn unknown_fault_lists_valid_kinds() {
        let err = "404".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("`404`"), "{err}");
        for n in Fault::NAMES {
            assert!(err.contains(n), "{err} lacks {n}");
        }
    }

    #[test]
    fn schedule_applies_to_the_first_n_requests() {
        let s = FaultSchedule::new(Some(Fault::Drop), Some(2));
        assert_eq!(s.take(None), Some(Fault::Drop));
        assert_eq!(s.take(Some(Fault::Stall)), Some(Fault::Stall));
        assert_eq!(s.take(None), Some(Fault::Drop));
        assert_eq!(s.take(None), None);
        assert_eq!(s.take(None), None);
        let always = FaultSchedule::new(Some(Fault::Trickle), None);
        assert!((0..5).all(|_| always.take(None) == Some(Fault::Trickle)));
        assert_eq!(FaultSchedule::new(None, Some(3)).take(None), None);
    }

    #[test]
    fn status_faults_map_to_errors() {
        assert_eq!(
            status_error(Fault::RateLimited).map(|e| e.status),
            Some(429)
        );
        assert_eq!(
            status_error(Fault::Unavailable).map(|e| e.status),
            Some(503)
        );
        assert_eq!(
            status_error(Fault::ServerError).map(|e| e.status),
            Some(500)
        );
        assert_eq!(
            status_error(Fault::Unauthorized).map(|e| e.status),
            Some(401)
        );
        assert!(status_error(Fault::Drop).is_none());
        for f in Fault::ALL {
            assert_eq!(f.is_status(), status_error(f).is_some());
        }
    }
}
