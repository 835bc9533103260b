//! The HTTP side: binding, recording, authentication, routing and responses.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::conns::Connections;
use super::faults::{FaultSchedule, status_error};
use super::gzip::Gzipped;
use super::ids::{IdSource, unix_now};
use super::native_wire::{self, Format, NativeStream};
use super::openai_wire::{self, OpenAiStream};
use super::plan::{Plan, plan};
use super::request::{ChatRequest, parse_native, parse_openai};
use super::stream::{Emit, Encoder, Injector, Pacing, body_stream};
use super::wire_error::{Protocol, WireError};
use super::{FAULT_HEADER, Fault, SimConfig};
use crate::catalog::{MODEL_STUDIO, NativeEndpoint};

const OPENAI_PREFIX: &str = "/compatible-mode/v1";
const NATIVE_PREFIX: &str = "/api/v1";
const CHAT_PATH: &str = "/compatible-mode/v1/chat/completions";
const MODELS_PATH: &str = "/compatible-mode/v1/models";
const NATIVE_TEXT_PATH: &str = "/api/v1/services/aigc/text-generation/generation";
const NATIVE_MULTIMODAL_PATH: &str = "/api/v1/services/aigc/multimodal-generation/generation";
/// The largest request body read.
const MAX_BODY: usize = 32 * 1024 * 1024;
const SSE_CONTENT_TYPE: &str = "text/event-stream;charset=UTF-8";
const JSON_CONTENT_TYPE: &str = "application/json";

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Lower-case names, in arrival order; the `authorization` value is redacted.
    pub headers: Vec<(String, String)>,
    /// The body as JSON, `Null` when it is not JSON.
    pub body: Value,
    /// Whether the bearer token was accepted.
    pub authorized: bool,
}

impl RecordedRequest {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    config: SimConfig,
    faults: FaultSchedule,
    ids: IdSource,
    records: Mutex<Vec<RecordedRequest>>,
    conns: Connections,
    cancel: CancellationToken,
}

/// Marks a response from `chat` that must not be sent as it is (faults at the connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehave {
    /// Close the connection instead.
    Reset,
    /// Send nothing, ever (until the simulator stops).
    Hang,
}

/// What a gateway shows when the service behind it is down.
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
/// What a captive portal or a corporate proxy's login answers with, with status 200.
const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head>\n\
<body><form action=\"/login\"><p>Sign in to use this network.</p></form></body></html>\n";
/// The wait `429-ms` asks for.
const RETRY_AFTER_MS: u64 = 250;

/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops it.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Simulator {
    /// Bind 127.0.0.1 and serve on a tokio task.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            faults: FaultSchedule::new(config.fault, config.fault_times),
            ids: IdSource::new(u64::from(addr.port())),
            records: Mutex::new(Vec::new()),
            conns: Connections::default(),
            cancel: CancellationToken::new(),
            config,
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        // Small writes must leave at once: pacing and trickling are the point.
        let tapped = Arc::clone(&shared);
        let listener = listener.tap_io(move |tcp| {
            let _ = tcp.set_nodelay(true);
            tapped.conns.accepted(tcp);
        });
        let stop = shared.cancel.clone();
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!("simulator stopped: {e}");
            }
        });
        tracing::debug!("simulator listening on {addr}");
        Ok(Simulator { addr, shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:P/compatible-mode/v1`
    pub fn openai_base_url(&self) -> String {
        format!("http://{}{OPENAI_PREFIX}", self.addr)
    }

    /// `http://127.0.0.1:P/api/v1`
    pub fn native_base_url(&self) -> String {
        format!("http://{}{NATIVE_PREFIX}", self.addr)
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Every request that arrived, in order (including rejected ones).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stop serving; open streams (stalled ones included) are aborted.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Chat,
    Models,
    Native(NativeEndpoint),
    Unknown(Protocol),
}

fn route(method: &Method, path: &str) -> Route {
    match (method, path) {
        (&Method::POST, CHAT_PATH) => Route::Chat,
        (&Method::GET, MODELS_PATH) => Route::Models,
        (&Method::POST, NATIVE_TEXT_PATH) => Route::Native(NativeEndpoint::Text),
        (&Method::POST, NATIVE_MULTIMODAL_PATH) => Route::Native(NativeEndpoint::Multimodal),
        _ if path.starts_with(OPENAI_PREFIX) => Route::Unknown(Protocol::OpenAi),
        _ => Route::Unknown(Protocol::Native),
    }
}

/// The bearer token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn authorized(headers: &HeaderMap, api_key: Option<&str>) -> bool {
    match (bearer(headers), api_key) {
        (Some(token), Some(key)) => token == key,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn recorded_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if name == header::AUTHORIZATION {
                redact(value)
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_string(), value)
        })
        .collect()
}

fn redact(value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match text.trim().split_once(' ') {
        Some((scheme, _)) => format!("{scheme} ***"),
        None => "***".to_string(),
    }
}

/// Everything a chat handler needs about the request in flight.
struct Call<'a> {
    shared: &'a Shared,
    protocol: Protocol,
    request_id: String,
}

impl Call<'_> {
    /// The response of a status fault.
    fn status_fault(&self, fault: Fault, err: &WireError) -> Response {
        match fault {
            Fault::BadGateway => page(StatusCode::BAD_GATEWAY, BAD_GATEWAY_PAGE),
            Fault::RateLimitedBare => self.error_with(err, None),
            Fault::RateLimitedMs => {
                self.error_with(err, Some(("retry-after-ms", RETRY_AFTER_MS.to_string())))
            }
            _ => self.error(err),
        }
    }

    fn error(&self, err: &WireError) -> Response {
        let retry = (err.status == 429).then(|| {
            let secs = self.shared.config.retry_after_secs.to_string();
            (header::RETRY_AFTER.as_str(), secs)
        });
        self.error_with(err, retry)
    }

    fn error_with(&self, err: &WireError, retry: Option<(&str, String)>) -> Response {
        tracing::debug!(
            "sim {} -> {} {}",
            self.request_id,
            err.status,
            err.native_code
        );
        let mut builder = Response::builder()
            .status(StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST))
            .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header("x-request-id", &self.request_id);
        if let Some((name, value)) = retry {
            builder = builder.header(name, value);
        }
        finish(builder.body(Body::from(err.body(self.protocol, &self.request_id))))
    }

    fn json(&self, body: String) -> Response {
        finish(
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
                .header("x-request-id", &self.request_id)
                .body(Body::from(body)),
        )
    }

    /// A 200 response whose body is written by `source`.
    fn streamed(
        &self,
        content_type: &str,
        source: Box<dyn Iterator<Item = Emit> + Send>,
        fault: Option<Fault>,
    ) -> Response {
        let pacing = Pacing {
            rate: self.shared.config.rate,
            trickle: fault == Some(Fault::Trickle),
        };
        let gzip = fault == Some(Fault::Gzip);
        let source: Box<dyn Iterator<Item = Emit> + Send> = if gzip {
            Box::new(Gzipped::new(source))
        } else {
            source
        };
        let body = body_stream(source, pacing, &self.request_id, self.shared.cancel.clone());
        let mut builder = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type)
            .header("x-request-id", &self.request_id);
        if gzip {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
        }
        if content_type == SSE_CONTENT_TYPE {
            builder = builder
                .header(header::CACHE_CONTROL, "no-cache")
                .header("x-dashscope-call-gateway", "true");
        }
        finish(builder.body(Body::from_stream(body)))
    }

    /// The SSE response for `encoder`, with any stream fault applied.
    fn sse(&self, encoder: Box<dyn Encoder>, plan: &Plan, fault: Option<Fault>) -> Response {
        let source = Injector::new(encoder, fault, plan.fault_cut());
        self.streamed(SSE_CONTENT_TYPE, Box::new(source), fault)
    }

    /// A non-streaming body, with any stream fault applied to its bytes.
    fn whole(&self, body: String, fault: Option<Fault>) -> Response {
        let cut = |fraction: usize| {
            let mut at = body.len() / fraction;
            while !body.is_char_boundary(at) {
                at -= 1;
            }
            bytes::Bytes::copy_from_slice(&body.as_bytes()[..at])
        };
        let emits = match fault {
            None => return self.json(body),
            Some(Fault::ErrorEvent) => return self.error(&WireError::output_inspection()),
            Some(Fault::Drop) => vec![Emit::Control(cut(3)), Emit::Abort],
            Some(Fault::Stall) => vec![Emit::Control(cut(3)), Emit::Stall],
            Some(Fault::Malformed) => vec![Emit::Control(cut(2))],
            Some(_) => vec![Emit::Control(bytes::Bytes::from(body))],
        };
        self.streamed(JSON_CONTENT_TYPE, Box::new(emits.into_iter()), fault)
    }
}

/// An HTML page with `status`, as a web server or gateway sends it.
fn page(status: StatusCode, html: &'static str) -> Response {
    finish(
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(html)),
    )
}

/// A response carrying a connection fault instead of content.
fn misbehave(what: Misbehave) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r.extensions_mut().insert(what);
    r
}

fn finish(built: Result<Response, axum::http::Error>) -> Response {
    built.unwrap_or_else(|e| {
        tracing::warn!("simulator could not build a response: {e}");
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let route = route(&parts.method, &path);
    let protocol = match route {
        Route::Chat | Route::Models => Protocol::OpenAi,
        Route::Native(_) => Protocol::Native,
        Route::Unknown(p) => p,
    };
    let call = Call {
        shared: &shared,
        protocol,
        request_id: shared.ids.request_id(),
    };
    let bytes = axum::body::to_bytes(body, MAX_BODY).await;
    let json = bytes
        .as_ref()
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok());
    let authorized = authorized(&parts.headers, shared.config.api_key.as_deref());
    shared
        .records
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(RecordedRequest {
            method: parts.method.to_string(),
            path,
            headers: recorded_headers(&parts.headers),
            body: json.clone().unwrap_or(Value::Null),
            authorized,
        });
    if bytes.is_err() {
        return call.error(&WireError::body_too_large());
    }
    if !authorized {
        return call.error(&WireError::unauthorized());
    }
    match route {
        Route::Unknown(_) => call.error(&WireError::not_found_url()),
        Route::Models => {
            let names = shared.config.catalog.names_on(MODEL_STUDIO);
            call.json(openai_wire::models_body(&names))
        }
        Route::Chat | Route::Native(_) => {
            let response = chat(&call, route, &parts.headers, json);
            match response.extensions().get::<Misbehave>() {
                Some(Misbehave::Reset) => shared.conns.reset(peer),
                Some(Misbehave::Hang) => shared.cancel.cancelled().await,
                None => {}
            }
            response
        }
    }
}

fn chat(call: &Call<'_>, route: Route, headers: &HeaderMap, json: Option<Value>) -> Response {
    let forced = match headers.get(FAULT_HEADER).map(|v| v.to_str()) {
        None => None,
        Some(Ok(name)) => match name.parse::<Fault>() {
            Ok(f) => Some(f),
            Err(e) => return call.error(&WireError::invalid_parameter(e.to_string())),
        },
        Some(Err(_)) => {
            return call.error(&WireError::invalid_parameter(format!(
                "{FAULT_HEADER} must be ASCII"
            )));
        }
    };
    let fault = call.shared.faults.take(forced);
    if let Some(f) = fault
        && let Some(err) = status_error(f)
    {
        return call.status_fault(f, &err);
    }
    match fault {
        Some(Fault::Reset) => return misbehave(Misbehave::Reset),
        Some(Fault::Hang) => return misbehave(Misbehave::Hang),
        Some(Fault::Html) => return page(StatusCode::OK, LOGIN_PAGE),
        _ => {}
    }
    let Some(json) = json else {
        return call.error(&WireError::invalid_parameter(
            "The request body is not valid JSON.",
        ));
    };
    match respond(call, route, headers, &json, fault) {
        Ok(response) => response,
        Err(err) => call.error(&err),
    }
}

fn respond(
    call: &Call<'_>,
    route: Route,
    headers: &HeaderMap,
    json: &Value,
    fault: Option<Fault>,
) -> Result<Response, WireError> {
    let cfg = &call.shared.config;
    let sse_header = headers
        .get("x-dashscope-sse")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("enable"));
    let req: ChatRequest = match route {
        Route::Native(_) => parse_native(json, sse_header)?,
        _ => parse_openai(json)?,
    };
    let info = cfg
        .catalog
        .lookup(&req.model, MODEL_STUDIO)
        .ok_or_else(|| WireError::model_not_found(&req.model))?;
    if let Route::Native(endpoint) = route
        && endpoint != info.native
    {
        return Err(WireError::invalid_parameter(
            "url error, please check url！",
        ));
    }
    let plan = plan(&req, info, cfg)?;
    tracing::debug!(
        "sim {} {} thinking={} reasoning={} answer={} fault={:?}",
        call.request_id,
        plan.model,
        plan.thinking,
        plan.reasoning.len(),
        plan.answer.len(),
        fault
    );
    let response = match route {
        Route::Native(endpoint) => {
            let format = native_format(endpoint, &req, plan.thinking);
            if req.stream {
                let incremental = req.incremental_output.unwrap_or(false);
                let encoder =
                    NativeStream::new(plan.clone(), &call.request_id, format, incremental);
                call.sse(Box::new(encoder), &plan, fault)
            } else {
                call.whole(
                    native_wire::final_body(&plan, &call.request_id, format),
                    fault,
                )
            }
        }
        _ => {
            let created = unix_now();
            if req.stream {
                let encoder =
                    OpenAiStream::new(plan.clone(), &call.request_id, created, req.include_usage);
                call.sse(Box::new(encoder), &plan, fault)
            } else {
                call.whole(
                    openai_wire::completion_body(&plan, &call.request_id, created),
                    fault,
                )
            }
        }
    };
    Ok(response)
}

/// The native output shape: arrays of parts on the multimodal path; on the text path
/// `result_format`, defaulting to `text` (the commercial default) unless thinking, which
/// only works with `message`.
fn native_format(endpoint: NativeEndpoint, req: &ChatRequest, thinking: bool) -> Format {
    match (endpoint, req.result_format.as_deref()) {
        (NativeEndpoint::Multimodal, _) => Format::Multimodal,
        (NativeEndpoint::Text, Some("message")) => Format::Message,
        (NativeEndpoint::Text, Some(_)) => Format::Text,
        (NativeEndpoint::Text, None) if thinking => Format::Message,
        (NativeEndpoint::Text, None) => Format::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn bearer_tokens() {
        assert!(authorized(&headers("Bearer sk-1"), None));
        assert!(authorized(&headers("bearer sk-1"), Some("sk-1")));
        assert!(!authorized(&headers("Bearer sk-2"), Some("sk-1")));
        assert!(!authorized(&headers("Bearer "), None));
        assert!(!authorized(&headers("sk-1"), None));
        assert!(!authorized(&HeaderMap::new(), None));
    }

    #[test]
    fn authorization_is_redacted() {
        let h = recorded_headers(&headers("Bearer sk-secret"));
        assert_eq!(
            h,
            vec![("authorization".to_string(), "Bearer ***".to_string())]
        );
        assert_eq!(redact(&HeaderValue::from_static("sk-secret")), "***");
    }

    #[test]
    fn routes() {
        assert_eq!(route(&Method::POST, CHAT_PATH), Route::Chat);
        assert_eq!(route(&Method::GET, MODELS_PATH), Route::Models);
        assert_eq!(
            route(&Method::POST, NATIVE_MULTIMODAL_PATH),
            Route::Native(NativeEndpoint::Multimodal)
        );
        assert_eq!(
            route(&Method::GET, CHAT_PATH),
            Route::Unknown(Protocol::OpenAi)
        );
        assert_eq!(
            route(&Method::POST, "/api/v1/nope"),
            Route::Unknown(Protocol::Native)
        );
    }
}
