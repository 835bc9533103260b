//! The streaming HTTP client: send a prepared request, retry what may be retried, decode the
//! body as it arrives, and say exactly how the run ended.
//!
//! Retries happen only before the first byte of a successful response: 429 and 5xx (honouring
//! `Retry-After`, bounded) and connection failures. Once a stream has started, nothing is sent
//! twice. Two timers guard a stream: the idle timeout (no bytes at all) and the progress
//! timeout (bytes arrive, but only keep-alive comments), so a server that sends keep-alives
//! forever cannot hang a run.
//!
//! Here: the [`Client`] and its entry points, and the attempt loop. The parts: `settings` (key,
//! timeouts), `outcome` (what a run reports), `retry` (how long to wait), `stream` (reading a
//! body), `models` (the model list).

mod models;
mod outcome;
mod retry;
mod settings;
mod stream;

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::decode::{self, DecodeInfo};
use super::dialect::Protocol;
use super::request::PreparedRequest;
use crate::text::inert;
use outcome::{describe, inert_error};

pub use outcome::{
    Failure, NO_RESPONSE, NOT_CONNECTED, RunEnd, RunEvent, RunOutcome, STALLED, Timings,
};
pub use settings::{ApiKey, NetworkSettings};

/// One HTTP client, shared by every run.
///
/// Plain `http://` servers (local ones, the simulator) get a client with no certificates
/// loaded; the client for `https://` is built on first use, because reading the system's root
/// certificates is most of what starting a short `thinkbench ask` against a local server
/// would cost.
#[derive(Clone)]
pub struct Client {
    plain: reqwest::Client,
    tls: Arc<OnceLock<Result<reqwest::Client, String>>>,
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
        // Never used for TLS: a redirect to https:// is not followed but reported.
        let no_roots = rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let plain = Self::builder(&net)
            .tls_backend_preconfigured(no_roots)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.url().scheme() == "http" && attempt.previous().len() < 10 {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(Client {
            plain,
            tls: Arc::new(OnceLock::new()),
            net,
        })
    }

    fn builder(net: &NetworkSettings) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(net.connect_timeout)
            .user_agent(concat!("thinkbench/", env!("CARGO_PKG_VERSION")))
    }

    /// The client for `url`: the plain one for `http://`, else the TLS one (built now if this
    /// is the first).
    fn http_for(&self, url: &str) -> Result<&reqwest::Client, String> {
        if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            return Ok(&self.plain);
        }
        self.tls
            .get_or_init(|| {
                Self::builder(&self.net)
                    .build()
                    .map_err(|e| format!("cannot set up the HTTPS client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
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
                    if let Some(why) = unreadable(&resp) {
                        return self.done(outcome, RunEnd::Failed(Failure::Network(why)), started);
                    }
                    on(RunEvent::Connected {
                        status: resp.status().as_u16(),
                        request_id: outcome.request_id.clone(),
                    });
                    let end = stream::read_stream(
                        &self.net,
                        req,
                        resp,
                        cancel,
                        on,
                        &mut outcome,
                        attempt_start,
                    )
                    .await;
                    return self.done(outcome, end, started);
                }
                Sent::Response(resp) => {
                    let status = resp.status().as_u16();
                    outcome.http_status = Some(status);
                    let header_id = header_request_id(&resp);
                    let retry_after = retry::retry_after(&resp);
                    let body = stream::read_error_body(resp, self.net.idle_timeout, cancel).await;
                    let Some(body) = body else {
                        return self.done(outcome, RunEnd::Cancelled, started);
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
            let wait = retry::wait_before_retry(attempt, retry_after, self.net.max_retry_wait);
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
        protocol: Protocol,
        key: Option<&ApiKey>,
    ) -> Result<Vec<String>, String> {
        let http = self.http_for(base_url)?;
        models::list_models(http, self.net.idle_timeout, base_url, protocol, key).await
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
        let http = match self.http_for(&req.url) {
            Ok(h) => h,
            Err(message) => {
                return Sent::Error {
                    message,
                    retry: false,
                };
            }
        };
        let mut builder = http.post(&req.url);
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
                    message: format!(
                        "{NO_RESPONSE} {} (the wait is [network] idle_timeout_secs)",
                        stream::seconds(self.net.idle_timeout)
                    ),
                    retry: false,
                },
                Ok(Err(e)) => Sent::Error { message: describe(&e), retry: e.is_connect() },
                Ok(Ok(resp)) => Sent::Response(resp),
            }
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

/// Why a 2xx body cannot be a stream of the dialect, when its headers already say so: an HTML
/// page (a proxy's, a login portal's, a wrong base URL's) or a compressed body that was never
/// asked for (no `Accept-Encoding` is sent). Not retried: the request reached a server.
fn unreadable(resp: &reqwest::Response) -> Option<String> {
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| inert(v).trim().to_ascii_lowercase())
    };
    if let Some(enc) = header(reqwest::header::CONTENT_ENCODING)
        && !enc.is_empty()
        && enc != "identity"
    {
        return Some(format!(
            "the server sent a compressed body (Content-Encoding: {enc}) that was not asked \
             for; a proxy in between may be compressing it"
        ));
    }
    if header(reqwest::header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")) {
        return Some(
            "the server answered with an HTML page, not a stream: check the base URL, or \
             sign in to the network's proxy or portal"
                .into(),
        );
    }
    None
}

fn header_request_id(resp: &reqwest::Response) -> Option<String> {
    ["x-request-id", "x-dashscope-request-id", "request-id"]
        .iter()
        .find_map(|h| resp.headers().get(*h)?.to_str().ok().map(str::to_string))
}
