//! The fault soak: 1,000 requests through the real engine (request builder, client, retries,
//! decoders) against the built-in simulator over loopback, each with a fault drawn at random
//! from every kind the simulator and the network can produce, on both protocols. For each run:
//!
//! * it ended (a run that outlives [`RUN_LIMIT`] is a hang), and a cancel ends it at once;
//! * the outcome is the right one for the fault (complete, API error with its status, network
//!   failure, or interrupted stream) with the message that explains it;
//! * the text that arrived before the fault is kept: a prefix of what the same request gives
//!   without a fault (and all of it when the run completes);
//! * retries happened only for retryable statuses and connection failures, before any byte of
//!   a stream, each after the wait the server asked for (`Retry-After`, `retry-after-ms`);
//! * the simulator's record holds exactly one request per attempt: nothing was sent twice.
//!
//! `SOAK_RUNS=20000 cargo test --release --test fault_soak -- --nocapture` runs a longer soak
//! (`SOAK_SEED` picks another draw); the figures are printed at the end.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use thinkbench::catalog::{Catalog, MODEL_STUDIO};
use thinkbench::provider::Transcript;
use thinkbench::provider::client::{
    ApiKey, Client, Failure, NetworkSettings, RunEnd, RunEvent, RunOutcome,
};
use thinkbench::provider::dialect::{Dialect, Protocol};
use thinkbench::provider::plan::{Capabilities, ThinkingSettings, resolve};
use thinkbench::provider::request::{ChatRequest, Message, PreparedRequest, Target, prepare};
use thinkbench::sim::{FAULT_HEADER, Fault, Simulator};
use tokio_util::sync::CancellationToken;

const MODEL: &str = "qwen3.7-plus";
const RUN_HEADER: &str = "x-soak-run";
/// Longer than any run can rightly take with the settings below (three attempts, waits of at
/// most 2 s, a 1 s idle timeout); past it the run counts as hung.
const RUN_LIMIT: Duration = Duration::from_secs(30);
const PARALLEL: usize = 32;

fn settings() -> NetworkSettings {
    NetworkSettings {
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        progress_timeout: Duration::from_secs(5),
        max_retries: 2,
        max_retry_wait: Duration::from_secs(2),
    }
}

/// What a run is given: a simulator fault, or something only the network or the user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Clean,
    Sim(Fault),
    /// Nobody listens on the port.
    Refused,
    /// The user cancels while the server sends nothing.
    CancelHang,
    /// The user cancels mid-stream, while the server stalls.
    CancelStall,
}

impl Kind {
    fn name(self) -> String {
        match self {
            Kind::Clean => "none".into(),
            Kind::Sim(f) => f.name().into(),
            Kind::Refused => "refused".into(),
            Kind::CancelHang => "cancel (hang)".into(),
            Kind::CancelStall => "cancel (stall)".into(),
        }
    }
}

/// Every kind, the huge line rarer than the rest (each sends up to 8 MiB).
fn draw(rng: &mut u64) -> Kind {
    let mut next = || {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    };
    let kinds = Fault::ALL.len() + 4;
    loop {
        let k = (next() % kinds as u64) as usize;
        let kind = match k {
            k if k < Fault::ALL.len() => Kind::Sim(Fault::ALL[k]),
            k if k == Fault::ALL.len() => Kind::Clean,
            k if k == Fault::ALL.len() + 1 => Kind::Refused,
            k if k == Fault::ALL.len() + 2 => Kind::CancelHang,
            _ => Kind::CancelStall,
        };
        if kind == Kind::Sim(Fault::HugeLine) && next() % 4 != 0 {
            continue;
        }
        return kind;
    }
}

fn target(base: &str, protocol: Protocol) -> Target {
    let catalog = Catalog::builtin();
    Target {
        dialect: Dialect::ModelStudio,
        protocol,
        base_url: base.into(),
        native: catalog.lookup(MODEL, MODEL_STUDIO).unwrap().native,
        think_tags: None,
    }
}

fn base_url(sim: &Simulator, protocol: Protocol) -> String {
    match protocol {
        Protocol::Openai => sim.openai_base_url(),
        _ => sim.native_base_url(),
    }
}

fn request(target: &Target, prompt: &str) -> PreparedRequest {
    let catalog = Catalog::builtin();
    let caps = Capabilities::of(Dialect::ModelStudio, catalog.lookup(MODEL, MODEL_STUDIO));
    let settings = ThinkingSettings {
        thinking: Some(true),
        budget: None,
        preserve: false,
    };
    let resolved = resolve(Dialect::ModelStudio, MODEL, &caps, &settings).unwrap();
    prepare(
        target,
        &ChatRequest {
            model: MODEL.into(),
            messages: vec![Message::user(prompt)],
            thinking: resolved,
            max_tokens: None,
            temperature: None,
        },
    )
}

/// What one run produced.
struct Run {
    kind: Kind,
    protocol: Protocol,
    outcome: RunOutcome,
    text: Transcript,
    /// When each attempt started, and the waits the client announced before them.
    attempts: Vec<Instant>,
    waits: Vec<Duration>,
}

async fn run_one(
    client: &Client,
    prepared: PreparedRequest,
    cancel_after: Option<Duration>,
    kind: Kind,
    protocol: Protocol,
) -> Run {
    let cancel = CancellationToken::new();
    if let Some(after) = cancel_after {
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            c.cancel();
        });
    }
    let seen = Arc::new(Mutex::new((Transcript::default(), Vec::new(), Vec::new())));
    let sink = Arc::clone(&seen);
    let key = ApiKey::new(KEY);
    let outcome = tokio::time::timeout(
        RUN_LIMIT,
        client.run(&prepared, Some(&key), &cancel, &mut move |e| {
            let mut s = sink.lock().unwrap();
            match e {
                RunEvent::Stream(e) => s.0.apply(&e),
                RunEvent::Attempt(_) => s.1.push(Instant::now()),
                RunEvent::Retrying { wait, .. } => s.2.push(wait),
                RunEvent::Connected { .. } => {}
            }
        }),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{} on {protocol:?}: no end within {RUN_LIMIT:?}",
            kind.name()
        )
    });
    let (text, attempts, waits) = std::mem::take(&mut *seen.lock().unwrap());
    Run {
        kind,
        protocol,
        outcome,
        text,
        attempts,
        waits,
    }
}

fn api_status(end: &RunEnd) -> Option<u16> {
    match end {
        RunEnd::Failed(Failure::Api(e)) => e.status,
        _ => None,
    }
}

fn message(end: &RunEnd) -> String {
    match end {
        RunEnd::Failed(f) => f.to_string(),
        RunEnd::Complete => "complete".into(),
        RunEnd::Cancelled => "cancelled".into(),
    }
}

/// The outcome's family, for the figures and the checks.
fn family(end: &RunEnd) -> &'static str {
    match end {
        RunEnd::Complete => "complete",
        RunEnd::Cancelled => "cancelled",
        RunEnd::Failed(Failure::Api(_)) => "API error",
        RunEnd::Failed(Failure::Network(_)) => "network failure",
        RunEnd::Failed(Failure::Interrupted(_)) => "interrupted",
    }
}

/// Check one run against what its fault must give. `full` is the text of the same request
/// without a fault; `sent` how many requests the simulator recorded for this run.
fn check(run: &Run, full: &Transcript, sent: usize) {
    let label = format!("{} on {:?}", run.kind.name(), run.protocol);
    let end = &run.outcome.end;
    let msg = message(end);
    let attempts = run.outcome.attempts as usize;
    assert_eq!(run.attempts.len(), attempts, "{label}: attempts announced");
    // Kept text: never anything the stream did not say, in order.
    assert!(
        full.reasoning.starts_with(&run.text.reasoning),
        "{label}: reasoning is not a prefix of the whole"
    );
    assert!(
        full.answer.starts_with(&run.text.answer),
        "{label}: answer is not a prefix of the whole"
    );
    let partial = !run.text.reasoning.is_empty() || !run.text.answer.is_empty();
    let whole = run.text.reasoning == full.reasoning && run.text.answer == full.answer;
    // (family, attempts, requests recorded, text kept, a word of the message)
    type Expect = (&'static str, usize, usize, Option<bool>, &'static str);
    let retried = 1 + settings().max_retries as usize;
    let expect: Expect = match run.kind {
        Kind::Clean => ("complete", 1, 1, Some(true), "complete"),
        Kind::Refused => ("network failure", retried, 0, None, "could not connect"),
        Kind::CancelHang => ("cancelled", 1, 1, None, "cancelled"),
        Kind::CancelStall => ("cancelled", 1, 1, None, "cancelled"),
        Kind::Sim(f) => match f {
            Fault::Malformed | Fault::Trickle => ("complete", 1, 1, Some(true), "complete"),
            Fault::Unauthorized => ("API error", 1, 1, None, "401"),
            Fault::Forbidden => ("API error", 1, 1, None, "403"),
            Fault::RateLimited | Fault::RateLimitedBare | Fault::RateLimitedMs => {
                ("API error", retried, retried, None, "429")
            }
            Fault::ServerError => ("API error", retried, retried, None, "500"),
            Fault::BadGateway => ("API error", retried, retried, None, "502"),
            Fault::Unavailable => ("API error", retried, retried, None, "503"),
            // The request reached the server: it may be processed, so it is not sent again.
            Fault::Reset => ("network failure", 1, 1, None, "request failed"),
            Fault::Hang => ("network failure", 1, 1, None, "no response within 1 s"),
            Fault::Html => ("network failure", 1, 1, None, "HTML page"),
            Fault::Gzip => ("network failure", 1, 1, None, "Content-Encoding: gzip"),
            Fault::Drop => ("interrupted", 1, 1, Some(false), "broke off"),
            Fault::Stall => ("interrupted", 1, 1, Some(false), "idle_timeout_secs"),
            Fault::NoFinish => ("interrupted", 1, 1, Some(false), "no end marker"),
            Fault::HugeLine => ("interrupted", 1, 1, Some(false), "more than 8 MiB"),
            Fault::ErrorEvent => ("API error", 1, 1, Some(false), "inappropriate content"),
        },
    };
    let (fam, tries, recorded, kept, word) = expect;
    assert_eq!(family(end), fam, "{label}: {msg}");
    assert!(msg.contains(word), "{label}: {msg:?} lacks {word:?}");
    assert_eq!(attempts, tries, "{label}: attempts ({msg})");
    assert_eq!(sent, recorded, "{label}: requests the simulator received");
    match kept {
        Some(true) => assert!(whole, "{label}: the whole text"),
        Some(false) => assert!(partial && !whole, "{label}: the text before the fault"),
        None => {}
    }
    if let Kind::Sim(f) = run.kind {
        if matches!(f, Fault::Unauthorized | Fault::Forbidden) {
            assert!(!partial, "{label}: no text from an error");
        }
        if f == Fault::Malformed {
            assert!(
                run.outcome.info.malformed >= 1,
                "{label}: the skipped chunk is counted"
            );
        }
        // A status fault's error carries the HTTP status; an error inside a stream came
        // with a 200.
        if f.is_status() {
            assert_eq!(run.outcome.http_status, api_status(end), "{label}: status");
        } else if let Some(s) = run.outcome.http_status {
            assert_eq!(s, 200, "{label}: a stream starts with a 200");
        }
    }
    // Each retry waited what was asked: 1 s for `Retry-After: 1`, 250 ms for
    // `retry-after-ms: 250`, backoff (never more than the cap) otherwise.
    assert_eq!(
        run.waits.len(),
        attempts - 1,
        "{label}: a wait before each retry"
    );
    let asked = match run.kind {
        Kind::Sim(Fault::RateLimited) => Some(Duration::from_secs(1)),
        Kind::Sim(Fault::RateLimitedMs) => Some(Duration::from_millis(250)),
        _ => None,
    };
    for (i, wait) in run.waits.iter().enumerate() {
        if let Some(a) = asked {
            assert_eq!(*wait, a, "{label}: the wait the server asked for");
        }
        assert!(*wait <= settings().max_retry_wait, "{label}: capped");
        let gap = run.attempts[i + 1] - run.attempts[i];
        assert!(
            gap >= *wait,
            "{label}: attempt {} came {gap:?} after the last",
            i + 2
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_faulty_runs_end_right_and_lose_nothing() {
    let runs: usize = std::env::var("SOAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut rng: u64 = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x50A4_2026)
        | 1;
    let sim = sim(|c| {
        c.reasoning_tokens = Some(24);
        c.answer_tokens = Some(24);
        c.retry_after_secs = 1;
    })
    .await;
    // A port nobody listens on: bind one, note it, let it go.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(settings()).unwrap();
    let protocols = [Protocol::Openai, Protocol::Dashscope];
    // What each prompt gives without a fault, per protocol.
    let prompts = ["What is entropy?", "Explain the Monty Hall problem."];
    let mut full = BTreeMap::new();
    for protocol in protocols {
        for prompt in prompts {
            let t = target(&base_url(&sim, protocol), protocol);
            let r = run_one(&client, request(&t, prompt), None, Kind::Clean, protocol).await;
            assert_eq!(r.outcome.end, RunEnd::Complete);
            assert!(!r.text.reasoning.is_empty() && !r.text.answer.is_empty());
            full.insert((protocol as u8, prompt), r.text);
        }
    }

    let plan: Vec<(usize, Kind, Protocol, &str)> = (0..runs)
        .map(|i| (i, draw(&mut rng), protocols[i % 2], prompts[(i / 2) % 2]))
        .collect();
    let started = Instant::now();
    let results: Vec<(usize, &str, Run)> = futures_util::stream::iter(plan)
        .map(|(i, kind, protocol, prompt)| {
            let client = &client;
            let sim = &sim;
            async move {
                let base = match kind {
                    Kind::Refused => base_url(sim, protocol)
                        .replace(&sim.addr().port().to_string(), &closed.to_string()),
                    _ => base_url(sim, protocol),
                };
                let mut prepared = request(&target(&base, protocol), prompt);
                prepared.headers.push((RUN_HEADER.into(), i.to_string()));
                let fault = match kind {
                    Kind::Sim(f) => Some(f),
                    Kind::CancelHang => Some(Fault::Hang),
                    Kind::CancelStall => Some(Fault::Stall),
                    _ => None,
                };
                if let Some(f) = fault {
                    prepared
                        .headers
                        .push((FAULT_HEADER.into(), f.name().into()));
                }
                let cancel_after = matches!(kind, Kind::CancelHang | Kind::CancelStall)
                    .then_some(Duration::from_millis(150));
                (
                    i,
                    prompt,
                    run_one(client, prepared, cancel_after, kind, protocol).await,
                )
            }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let took = started.elapsed();

    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for r in sim.requests() {
        if let Some(id) = r.header(RUN_HEADER) {
            *sent.entry(id.to_string()).or_default() += 1;
        }
    }
    let mut figures: BTreeMap<(Kind, &str), usize> = BTreeMap::new();
    let mut retries = 0;
    // Every wrong run is told, one per kind and protocol, before the test fails.
    let mut wrong: BTreeMap<(Kind, u8), String> = BTreeMap::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (i, prompt, run) in &results {
        let whole = &full[&(run.protocol as u8, *prompt)];
        let n = sent.get(&i.to_string()).copied().unwrap_or(0);
        let checked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(run, whole, n)));
        if let Err(e) = checked {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            wrong.entry((run.kind, run.protocol as u8)).or_insert(text);
        }
        *figures
            .entry((run.kind, family(&run.outcome.end)))
            .or_default() += 1;
        retries += run.outcome.attempts as usize - 1;
    }
    std::panic::set_hook(quiet);
    assert!(
        wrong.is_empty(),
        "{} kinds went wrong:\n{}",
        wrong.len(),
        wrong.values().cloned().collect::<Vec<_>>().join("\n")
    );
    assert_eq!(results.len(), runs);
    // Every kind came up.
    let kinds: std::collections::BTreeSet<Kind> = figures.keys().map(|(k, _)| *k).collect();
    if runs >= 1000 {
        assert_eq!(
            kinds.len(),
            Fault::ALL.len() + 4,
            "every kind drawn: {kinds:?}"
        );
    }
    eprintln!("fault soak: {runs} runs in {took:.1?}, {retries} retries, {PARALLEL} at a time");
    for ((kind, fam), n) in &figures {
        eprintln!("  {:<16} {:<16} {n}", kind.name(), fam);
    }
}
