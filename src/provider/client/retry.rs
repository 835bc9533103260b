//! How long to wait before the next attempt: exponential backoff with jitter, or what the
//! server asks for in `Retry-After`, never more than the configured cap.

use std::time::{Duration, SystemTime};

/// The wait before the attempt after `attempt`: the server's `Retry-After` if it sent one,
/// else [`backoff`], at most `cap`.
pub(super) fn wait_before_retry(
    attempt: u32,
    retry_after: Option<Duration>,
    cap: Duration,
) -> Duration {
    retry_after.unwrap_or_else(|| backoff(attempt)).min(cap)
}

/// Exponential backoff from 0.5 s, with ±20 % jitter so clients do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = 500u64 * (1u64 << (attempt.saturating_sub(1)).min(6));
    let nanos = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.8 + 0.4 * (nanos % 1000) as f64 / 1000.0;
    Duration::from_millis((base as f64 * jitter) as u64)
}

/// What the server asks to wait: `retry-after-ms` (milliseconds, as OpenAI-style gateways send
/// it) when present and sensible, else `Retry-After` in seconds or as an HTTP date. A value
/// that makes no sense counts as absent.
pub(super) fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let header = |name| resp.headers().get(name)?.to_str().ok();
    header("retry-after-ms")
        .and_then(parse_retry_after_ms)
        .or_else(|| parse_retry_after(header("retry-after")?))
}

fn parse_retry_after_ms(v: &str) -> Option<Duration> {
    let ms = v.trim().parse::<f64>().ok().filter(|m| *m >= 0.0)?;
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

fn parse_retry_after(v: &str) -> Option<Duration> {
    retry_after_at(v, SystemTime::now())
}

/// The wait a `Retry-After` value asks for, counted from `now`. A date may take any of the
/// three forms HTTP recipients accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). A date in the
/// past means "now".
fn retry_after_at(v: &str, now: SystemTime) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_ms_is_milliseconds_and_nonsense_counts_as_absent() {
        assert_eq!(
            parse_retry_after_ms("250"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after_ms(" 1500.5 "),
            Some(Duration::from_micros(1_500_500))
        );
        for bad in ["", "-5", "soon", "NaN", "inf"] {
            assert_eq!(parse_retry_after_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn nonsense_retry_after_values_count_as_absent() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        for bad in [
            "1e300",
            "-1",
            "NaN",
            "inf",
            "soon",
            "Thu, 01 Jan 1900 00:00:00 GMT",
            "Sun, 06 Nov 1994 99:49:37 GMT",
            "Sun, 99 Nov 1994 08:49:37 GMT",
        ] {
            let got = parse_retry_after(bad);
            assert!(
                got.is_none() || got == Some(Duration::ZERO),
                "{bad}: {got:?}"
            );
        }
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_dates_in_all_three_forms() {
        // Sun, 06 Nov 1994 08:49:37 GMT, and 90 s before it.
        let when = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let now = when - Duration::from_secs(90);
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            " Sun Nov  6 08:49:37 1994 ",
        ] {
            assert_eq!(
                retry_after_at(form, now),
                Some(Duration::from_secs(90)),
                "{form:?}"
            );
            // Once the date has passed, the wait is over.
            assert_eq!(
                retry_after_at(form, when + Duration::from_secs(1)),
                Some(Duration::ZERO),
                "{form:?}"
            );
            assert_eq!(parse_retry_after(form), Some(Duration::ZERO), "{form:?}");
        }
        // RFC 850's two-digit years below 70 are in this century.
        let now = std::time::UNIX_EPOCH + Duration::from_secs(2_519_801_377 - 5);
        assert_eq!(
            retry_after_at("Saturday, 06-Nov-49 08:49:37 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(retry_after_at("tomorrow", now), None);
        // Impossible dates are no dates, even with a clock that would make them future ones.
        for bad in [
            "Sun, 06 Nov 1994 99:49:37 GMT",
            "Sun, 99 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
        ] {
            assert_eq!(retry_after_at(bad, std::time::UNIX_EPOCH), None, "{bad}");
        }
    }

    #[test]
    fn waits_follow_retry_after_or_backoff_within_the_cap() {
        let cap = Duration::from_secs(30);
        let asked = Some(Duration::from_secs(7));
        assert_eq!(wait_before_retry(1, asked, cap), Duration::from_secs(7));
        assert_eq!(
            wait_before_retry(1, Some(Duration::from_secs(60)), cap),
            cap
        );
        assert!(wait_before_retry(20, None, Duration::from_secs(1)) <= Duration::from_secs(1));
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for attempt in 1..=8 {
            let base = 500.0 * f64::from(1u32 << (attempt - 1).min(6));
            let got = backoff(attempt).as_millis() as f64;
            assert!(
                got >= base * 0.8 - 1.0 && got <= base * 1.2 + 1.0,
                "{attempt}: {got}"
            );
        }
    }
}
