//! The streaming HTTP client: send a prepared request, retry what may be retried, decode the
//! body as it arrives, and say exactly how the run ended.
//!
//! Retries happen only before the first byte of a successful response: 429 and 5xx (honouring
//! `Retry-After`, bounded) and connection failures. Once a stream has started, nothing is sent
//! twice. Two timers guard a stream: the idle timeout (no bytes at all) and the progress
//! timeout (bytes arrive, but only keep-alive comments), so a server that sends keep-alives
//! forever cannot hang a run.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::decode::{self, DecodeInfo};
use super::request::PreparedRequest;
use super::{ApiError, StreamEvent};
use crate::text::inert;

/// An API key. It is never printed: `Debug` shows `ApiKey(***)`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Timeouts and retry limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkSettings {
    pub connect_timeout: Duration,
    /// No byte at all for this long: the stream is considered stalled.
    pub idle_timeout: Duration,
    /// Bytes but no content (only keep-alive comments) for this long: stalled too.
    pub progress_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The longest wait between attempts, whatever `Retry-After` says.
    pub max_retry_wait: Duration,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
            progress_timeout: Duration::from_secs(600),
            max_retries: 3,
            max_retry_wait: Duration::from_secs(30),
        }
    }
}

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

/// One HTTP client, shared by every run.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    net: NetworkSettings,
}

/// Install the process-wide TLS crypto provider (once).
fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    pub fn new(net: NetworkSettings) -> Result<Client, String> {
        install_crypto();
        let http = reqwest::Client::builder()
            .connect_timeout(net.connect_timeout)
            .user_agent(concat!("thinkbench/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(Client { http, net })
    }

    /// Run `req` to its end, reporting progress through `on`.
    pub async fn run(
        &self,
        req: &PreparedRequest,
        key: Option<&ApiKey>,
        cancel: &CancellationToken,
        on: &mut (dyn FnMut(RunEvent) + Send),
    ) -> RunOutcome {
        let started = Instant::now();
        let max_attempts = self.net.max_retries + 1;
        let mut outcome = RunOutcome {
            end: RunEnd::Cancelled,
            info: DecodeInfo::default(),
            http_status: None,
            request_id: None,
            attempts: 0,
            timings: Timings::default(),
        };
        for attempt in 1..=max_attempts {
            outcome.attempts = attempt;
            on(RunEvent::Attempt(attempt));
            let attempt_start = Instant::now();
            let retry = match self.send(req, key, cancel).await {
                Sent::Cancelled => return self.done(outcome, RunEnd::Cancelled, started),
                Sent::Response(resp) if resp.status().is_success() => {
                    outcome.http_status = Some(resp.status().as_u16());
                    outcome.request_id = header_request_id(&resp);
                    on(RunEvent::Connected {
                        status: resp.status().as_u16(),
                        request_id: outcome.request_id.clone(),
                    });
                    let end = self
                        .stream(req, resp, cancel, on, &mut outcome, attempt_start)
                        .await;
                    return self.done(outcome, end, started);
                }
                Sent::Response(resp) => {
                    let status = resp.status().as_u16();
                    outcome.http_status = Some(status);
                    let header_id = header_request_id(&resp);
                    let retry_after = retry_after(&resp);
                    let body = match self.read_body(resp, cancel).await {
                        Some(b) => b,
                        None => return self.done(outcome, RunEnd::Cancelled, started),
                    };
                    let mut err = inert_error(decode::parse_error_body(status, &body, req.format));
                    if err.request_id.is_none() {
                        err.request_id = header_id.map(|id| inert(&id).into_owned());
                    }
                    outcome.request_id = err.request_id.clone();
                    let too_long = retry_after.filter(|w| *w > self.net.max_retry_wait);
                    if let Some(w) = too_long {
                        err.message.push_str(&format!(
                            " (the server asks to wait {} s before retrying)",
                            w.as_secs()
                        ));
                    }
                    if !err.retryable() || attempt == max_attempts || too_long.is_some() {
                        let end = RunEnd::Failed(Failure::Api(err));
                        return self.done(outcome, end, started);
                    }
                    let reason = match &err.code {
                        Some(c) => format!("HTTP {status} {c}"),
                        None => format!("HTTP {status}"),
                    };
                    (reason, retry_after)
                }
                Sent::Error { message, retry } => {
                    // Only a request that never reached the server is sent again: once it
                    // may have been processed, a retry could be billed twice.
                    if !retry || attempt == max_attempts {
                        let end = RunEnd::Failed(Failure::Network(message));
                        return self.done(outcome, end, started);
                    }
                    (message, None)
                }
            };
            let (reason, retry_after) = retry;
            let wait = retry_after
                .unwrap_or_else(|| backoff(attempt))
                .min(self.net.max_retry_wait);
            on(RunEvent::Retrying {
                attempt,
                max_attempts,
                wait,
                reason,
            });
            tokio::select! {
                _ = cancel.cancelled() => return self.done(outcome, RunEnd::Cancelled, started),
                _ = tokio::time::sleep(wait) => {}
            }
        }
        unreachable!("the last attempt always returns")
    }

    /// The model names a server lists: `GET {base}/models` (OpenAI style) or
    /// `GET {base}/api/tags` (Ollama native). DashScope native has no such list.
    pub async fn list_models(
        &self,
        base_url: &str,
        protocol: super::dialect::Protocol,
        key: Option<&ApiKey>,
    ) -> Result<Vec<String>, String> {
        use super::dialect::Protocol;
        let url = match protocol {
            Protocol::Openai => format!("{}/models", base_url.trim_end_matches('/')),
            Protocol::Ollama => format!("{}/api/tags", base_url.trim_end_matches('/')),
            Protocol::Dashscope => return Err("the native protocol has no model list".into()),
        };
        let mut req = self.http.get(&url);
        if let Some(k) = key {
            req = req.bearer_auth(k.expose());
        }
        let resp = tokio::time::timeout(self.net.idle_timeout, req.send())
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| describe(&e))?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status().as_u16()));
        }
        let v: serde_json::Value = resp.json().await.map_err(|e| describe(&e))?;
        let (list, field) = match protocol {
            Protocol::Ollama => (&v["models"], "name"),
            _ => (&v["data"], "id"),
        };
        Ok(list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m[field].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn done(&self, mut outcome: RunOutcome, end: RunEnd, started: Instant) -> RunOutcome {
        outcome.end = end;
        outcome.timings.total = started.elapsed();
        outcome
    }

    async fn send(
        &self,
        req: &PreparedRequest,
        key: Option<&ApiKey>,
        cancel: &CancellationToken,
    ) -> Sent {
        let mut builder = self.http.post(&req.url);
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(key) = key {
            builder = builder.bearer_auth(key.expose());
        }
        let body = match serde_json::to_vec(&req.body) {
            Ok(b) => b,
            Err(e) => {
                return Sent::Error {
                    message: format!("cannot encode the request: {e}"),
                    retry: false,
                };
            }
        };
        let send = builder.body(body).send();
        tokio::select! {
            _ = cancel.cancelled() => Sent::Cancelled,
            r = tokio::time::timeout(self.net.idle_timeout, send) => match r {
                                Err(_) => Sent::Error {
                    message: format!("no response within {} s", self.net.idle_timeout.as_secs()),
                    retry: false,
                },
                Ok(Err(e)) => Sent::Error { message: describe(&e), retry: e.is_connect() },
                Ok(Ok(resp)) => Sent::Response(resp),
            }
        }
    }

    /// The body of an error response, bounded in size and time. `None` when cancelled.
    async fn read_body(
        &self,
        resp: reqwest::Response,
        cancel: &CancellationToken,
    ) -> Option<Vec<u8>> {
        const LIMIT: usize = 64 * 1024;
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return None,
                next = tokio::time::timeout(self.net.idle_timeout, stream.next()) => match next {
                    Ok(Some(Ok(bytes))) => {
                        body.extend_from_slice(&bytes);
                        if body.len() >= LIMIT {
                            body.truncate(LIMIT);
                            return Some(body);
                        }
                    }
                    _ => return Some(body),
                }
            }
        }
    }

    async fn stream(
        &self,
        req: &PreparedRequest,
        resp: reqwest::Response,
        cancel: &CancellationToken,
        on: &mut (dyn FnMut(RunEvent) + Send),
        outcome: &mut RunOutcome,
        attempt_start: Instant,
    ) -> RunEnd {
        let mut decoder = decode::decoder(req.format, req.think_tags);
        let mut stream = resp.bytes_stream();
        let mut events = Vec::new();
        let mut clock = PhaseClock::new(attempt_start);
        let mut last_error: Option<ApiError> = None;
        let end = loop {
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => break RunEnd::Cancelled,
                n = tokio::time::timeout(self.net.idle_timeout, stream.next()) => n,
            };
            match next {
                Ok(Some(Ok(bytes))) => {
                    // Progress is data, not just bytes: keep-alive comments do not count,
                    // but text a think-tag splitter holds back does.
                    let before = decoder.info().data_events;
                    decoder.feed(&bytes, &mut events);
                    if !events.is_empty() || decoder.info().data_events != before {
                        clock.progress();
                    }
                    deliver(&mut events, &mut clock, &mut last_error, on);
                    // The stream said it is over: do not wait for the server to close the
                    // connection (it may keep it open for reuse).
                    if let Some(err) = last_error.take() {
                        break RunEnd::Failed(Failure::Api(err));
                    }
                    if ended(decoder.info(), req.format) {
                        decoder.finish(&mut events);
                        deliver(&mut events, &mut clock, &mut last_error, on);
                        break RunEnd::Complete;
                    }
                    if clock.since_progress() > self.net.progress_timeout {
                        break RunEnd::Failed(Failure::Interrupted(format!(
                            "no content for {} s (only keep-alives)",
                            self.net.progress_timeout.as_secs()
                        )));
                    }
                }
                Ok(Some(Err(e))) => {
                    decoder.finish(&mut events);
                    deliver(&mut events, &mut clock, &mut last_error, on);
                    break match last_error.take() {
                        Some(err) => RunEnd::Failed(Failure::Api(err)),
                        None => RunEnd::Failed(Failure::Interrupted(format!(
                            "the connection broke off mid-stream ({})",
                            describe(&e)
                        ))),
                    };
                }
                Ok(None) => {
                    decoder.finish(&mut events);
                    deliver(&mut events, &mut clock, &mut last_error, on);
                    break match last_error.take() {
                        Some(err) => RunEnd::Failed(Failure::Api(err)),
                        None if decoder.info().complete() => RunEnd::Complete,
                        None => RunEnd::Failed(Failure::Interrupted(
                            "the stream ended before the model finished (no end marker)".into(),
                        )),
                    };
                }
                Err(_) => {
                    decoder.finish(&mut events);
                    deliver(&mut events, &mut clock, &mut last_error, on);
                    break match last_error.take() {
                        Some(err) => RunEnd::Failed(Failure::Api(err)),
                        // The model finished; only the end marker (and perhaps usage) is
                        // missing.
                        None if decoder.info().finished => RunEnd::Complete,
                        None => RunEnd::Failed(Failure::Interrupted(format!(
                            "no data for {} s; the server stalled",
                            self.net.idle_timeout.as_secs()
                        ))),
                    };
                }
            }
        };
        outcome.info = decoder.info().clone();
        if outcome.request_id.is_none() {
            outcome.request_id = outcome.info.request_id.clone();
        }
        outcome.timings = clock.finish();
        end
    }
}

/// Whether the stream has said all it will: the `[DONE]` / `done:true` marker, or for
/// DashScope native (which has no marker) the event with a finish reason. OpenAI-style streams
/// send usage after the finish reason, so for them only the marker counts.
fn ended(info: &DecodeInfo, format: decode::WireFormat) -> bool {
    info.done_marker || (format == decode::WireFormat::DashScopeSse && info.finished)
}

fn deliver(
    events: &mut Vec<StreamEvent>,
    clock: &mut PhaseClock,
    last_error: &mut Option<ApiError>,
    on: &mut (dyn FnMut(RunEvent) + Send),
) {
    for mut e in events.drain(..) {
        match &mut e {
            StreamEvent::Reasoning(_) => clock.reasoning(),
            StreamEvent::Answer(_) | StreamEvent::ToolCall(_) => clock.answer(),
            StreamEvent::Error(err) => {
                *err = inert_error(std::mem::take(err));
                *last_error = Some(err.clone());
            }
            _ => {}
        }
        on(RunEvent::Stream(e));
    }
}

/// Tracks when reasoning and answer started.
struct PhaseClock {
    start: Instant,
    first_reasoning: Option<Instant>,
    first_answer: Option<Instant>,
    last_progress: Instant,
}

impl PhaseClock {
    fn new(start: Instant) -> Self {
        PhaseClock {
            start,
            first_reasoning: None,
            first_answer: None,
            last_progress: start,
        }
    }

    fn progress(&mut self) {
        self.last_progress = Instant::now();
    }

    fn since_progress(&self) -> Duration {
        self.last_progress.elapsed()
    }

    fn reasoning(&mut self) {
        self.first_reasoning.get_or_insert_with(Instant::now);
    }

    fn answer(&mut self) {
        self.first_answer.get_or_insert_with(Instant::now);
    }

    fn finish(&self) -> Timings {
        let end = Instant::now();
        let first = match (self.first_reasoning, self.first_answer) {
            (Some(r), Some(a)) => Some(r.min(a)),
            (r, a) => r.or(a),
        };
        Timings {
            ttft: first.map(|t| t - self.start),
            reasoning: self
                .first_reasoning
                .map(|r| self.first_answer.unwrap_or(end).max(r) - r),
            answer: self.first_answer.map(|a| end - a),
            total: Duration::ZERO,
        }
    }
}

enum Sent {
    Response(reqwest::Response),
    /// No response; `retry` when the request certainly never reached the server.
    Error {
        message: String,
        retry: bool,
    },
    Cancelled,
}

/// Exponential backoff from 0.5 s, with ±20 % jitter so clients do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = 500u64 * (1u64 << (attempt.saturating_sub(1)).min(6));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.8 + 0.4 * (nanos % 1000) as f64 / 1000.0;
    Duration::from_millis((base as f64 * jitter) as u64)
}

/// Server-supplied text in an error, made safe to print.
fn inert_error(mut e: ApiError) -> ApiError {
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

fn header_request_id(resp: &reqwest::Response) -> Option<String> {
    ["x-request-id", "x-dashscope-request-id", "request-id"]
        .iter()
        .find_map(|h| resp.headers().get(*h)?.to_str().ok().map(str::to_string))
}

/// `Retry-After` in seconds or as an HTTP date. A value that makes no sense counts as absent.
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    parse_retry_after(resp.headers().get("retry-after")?.to_str().ok()?)
}

fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate_parse(v)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Parse an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate_parse(s: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u64 = parts[1].parse().ok().filter(|d| (1..=31).contains(d))?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == parts[2])? as u64 + 1;
    let year: u64 = parts[3]
        .parse()
        .ok()
        .filter(|y| (1970..=9999).contains(y))?;
    let hms: Vec<u64> = parts[4]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3 || hms[0] > 23 || hms[1] > 59 || hms[2] > 60 {
        return None;
    }
    // Days since the epoch (civil-from-days inverse, valid for the Gregorian calendar).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    let secs = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

/// A reqwest error in words a user can act on (never with a key: keys are only in headers).
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_connect() {
        "could not connect".to_string()
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
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(root) = last {
        msg.push_str(&format!(": {root}"));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_never_debug_printed() {
        let k = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert!(!format!("{:?}", Some(&k)).contains("secret"));
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

    #[test]
    fn http_dates_parse() {
        let t = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert!(httpdate_parse("tomorrow").is_none());
    }
}
