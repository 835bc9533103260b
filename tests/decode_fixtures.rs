//! Every wire fixture in `tests/fixtures/wire/`, decoded through the public API under four ways
//! of cutting the bytes (whole, one byte at a time, in two at every offset, random-sized chunks),
//! must give exactly the values in `tests/fixtures/wire/expected.json`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use thinkbench::provider::decode::{
    DecodeInfo, SseParser, ThinkTags, WireFormat, parse_error_body,
};
use thinkbench::provider::{ApiError, StreamEvent, Transcript, Usage};

/// Fixture cases in `expected.json` (a `.json` error body and its `.status` file are one case).
/// Adding a fixture means updating this number, so none can be skipped silently.
const FIXTURE_CASES: usize = 20;

/// Keys of an `expected.json` entry that this test knows how to check (or, for `request` and
/// `notes`, knows to be informational). An unknown key fails the test instead of being ignored.
const KNOWN_KEYS: &[&str] = &[
    "protocol",
    "http_status",
    "request",
    "notes",
    "reasoning",
    "answer",
    "raw_content",
    "finish_reason",
    "usage",
    "error",
    "done_marker",
    "comments",
    "request_id",
    "event_ids",
    "last_event_id",
    "tool_calls",
    "retryable",
];

fn wire_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire")
}

fn expected() -> BTreeMap<String, Value> {
    let text = fs::read_to_string(wire_dir().join("expected.json")).expect("read expected.json");
    serde_json::from_str(&text).expect("expected.json is a JSON object")
}

fn read(name: &str) -> Vec<u8> {
    fs::read(wire_dir().join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

fn format_of(protocol: &str) -> WireFormat {
    match protocol {
        "openai-sse" | "openai-json-error" => WireFormat::OpenAiSse,
        "dashscope-native-sse" | "dashscope-native-json-error" => WireFormat::DashScopeSse,
        "ollama-ndjson" => WireFormat::OllamaNdjson,
        other => panic!("unknown protocol {other:?} in expected.json"),
    }
}

fn is_streaming(protocol: &str) -> bool {
    protocol.ends_with("-sse") || protocol.ends_with("-ndjson")
}

/// The think-tag mode a fixture is decoded with: the inline-think fixtures as for a generic
/// server when thinking was requested.
fn think_mode(name: &str) -> ThinkTags {
    if name.starts_with("inline-think") {
        ThinkTags::ForcedOpen
    } else {
        ThinkTags::Leading
    }
}

// ---- ways of cutting the bytes ---------------------------------------------------------------

/// xorshift64*: small, deterministic, good enough for chunk sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

const SEEDS: &[u64] = &[1, 2, 3, 42, 0x5EED, 0xDEAD_BEEF, 987_654_321];

fn random_chunks(bytes: &[u8], seed: u64, max: usize) -> Vec<&[u8]> {
    let mut rng = Rng(seed);
    let mut chunks = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (1 + (rng.next() % max as u64) as usize).min(rest.len());
        let (a, b) = rest.split_at(n);
        chunks.push(a);
        rest = b;
    }
    chunks
}

/// Every splitting of `bytes`, with a label for failure messages.
fn splittings(bytes: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
    let mut all = vec![
        ("whole".to_string(), vec![bytes]),
        ("one byte at a time".to_string(), bytes.chunks(1).collect()),
    ];
    for i in 0..=bytes.len() {
        let (a, b) = bytes.split_at(i);
        all.push((format!("split at {i}"), vec![a, b]));
    }
    for &seed in SEEDS {
        for max in [4, 17, 64] {
            all.push((
                format!("random chunks seed {seed} max {max}"),
                random_chunks(bytes, seed, max),
            ));
        }
    }
    all
}

fn decode_chunks(format: WireFormat, tags: ThinkTags, chunks: &[&[u8]]) -> Decoded {
    let (events, info) = common::decode(format, tags, chunks);
    let mut transcript = Transcript::default();
    transcript.extend(&events);
    Decoded {
        events,
        transcript,
        info,
    }
}

#[derive(Debug, PartialEq)]
struct Decoded {
    events: Vec<StreamEvent>,
    transcript: Transcript,
    info: DecodeInfo,
}

/// Decode `bytes` under every splitting; all must give the same events and info. Returns the
/// result of the whole-body decode.
fn decode_all_ways(name: &str, format: WireFormat, tags: ThinkTags, bytes: &[u8]) -> Decoded {
    let whole = decode_chunks(format, tags, &[bytes]);
    for (label, chunks) in splittings(bytes) {
        let got = decode_chunks(format, tags, &chunks);
        assert_eq!(got, whole, "{name} ({tags:?}): {label} differs from whole");
    }
    whole
}

// ---- assertions against expected.json ----------------------------------------------------------

fn str_of<'a>(v: &'a Value, key: &str, name: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: expected.json {key} is not a string"))
}

fn check_streaming(name: &str, exp: &Value, got: &Decoded) {
    let t = &got.transcript;
    let info = &got.info;
    assert_eq!(
        t.reasoning,
        str_of(exp, "reasoning", name),
        "{name}: reasoning"
    );
    assert_eq!(t.answer, str_of(exp, "answer", name), "{name}: answer");

    match &exp["finish_reason"] {
        Value::Null => assert_eq!(t.finish, None, "{name}: finish_reason"),
        Value::String(s) => {
            let f = t
                .finish
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no finish"));
            assert_eq!(f.as_str(), s, "{name}: finish_reason");
        }
        other => panic!("{name}: finish_reason {other}"),
    }
    assert_eq!(
        info.finished,
        !exp["finish_reason"].is_null(),
        "{name}: info.finished"
    );

    check_usage(name, &exp["usage"], t.usage.as_ref());

    match &exp["error"] {
        Value::Null => {
            assert_eq!(t.error, None, "{name}: unexpected error");
            assert!(!info.errored, "{name}: info.errored");
        }
        e => {
            let got_e = t
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no error decoded"));
            check_error(name, e, got_e);
            assert!(info.errored, "{name}: info.errored");
        }
    }

    match exp.get("tool_calls") {
        Some(calls) => check_tool_calls(name, calls, t),
        None => assert!(t.tool_calls.is_empty(), "{name}: unexpected tool calls"),
    }

    let done = exp["done_marker"]
        .as_bool()
        .unwrap_or_else(|| panic!("{name}: done_marker missing"));
    assert_eq!(info.done_marker, done, "{name}: done_marker");
    if let Some(c) = exp.get("comments") {
        assert_eq!(
            Some(u64::from(info.comments)),
            c.as_u64(),
            "{name}: comments"
        );
    }
    if let Some(id) = exp.get("request_id") {
        assert_eq!(
            info.request_id.as_deref(),
            id.as_str(),
            "{name}: request_id"
        );
    }
    if let Some(id) = exp.get("last_event_id") {
        assert_eq!(
            info.last_event_id.as_deref(),
            id.as_str(),
            "{name}: last_event_id"
        );
    }
    if let Some(ids) = exp.get("event_ids").and_then(Value::as_array) {
        let last = ids.last().and_then(Value::as_u64).map(|n| n.to_string());
        assert_eq!(info.last_event_id, last, "{name}: last event id");
    }
    assert!(info.complete(), "{name}: info.complete()");
    assert_eq!(info.malformed, 0, "{name}: malformed events");
    for e in &got.events {
        if let StreamEvent::Reasoning(s) | StreamEvent::Answer(s) = e {
            assert!(!s.is_empty(), "{name}: empty text event");
        }
    }
}

fn check_usage(name: &str, exp: &Value, got: Option<&Usage>) {
    let Some(exp) = exp.as_object() else {
        assert!(exp.is_null(), "{name}: usage must be an object or null");
        assert_eq!(got, None, "{name}: unexpected usage");
        return;
    };
    let u = got.unwrap_or_else(|| panic!("{name}: no usage decoded"));
    let known = [
        "prompt_tokens",
        "input_tokens",
        "prompt_eval_count",
        "completion_tokens",
        "output_tokens",
        "eval_count",
        "total_tokens",
        "reasoning_tokens",
        "prompt_cache_hit_tokens",
        "prompt_cache_miss_tokens",
        "cost",
    ];
    for k in exp.keys() {
        assert!(
            known.contains(&k.as_str()),
            "{name}: usage key {k} not checked"
        );
    }
    let first = |keys: &[&str]| keys.iter().find_map(|k| exp.get(*k));
    let input = first(&["prompt_tokens", "input_tokens", "prompt_eval_count"]);
    let output = first(&["completion_tokens", "output_tokens", "eval_count"]);
    let n = |v: Option<&Value>| v.and_then(Value::as_u64);
    assert_eq!(u.input_tokens, n(input), "{name}: input tokens");
    assert_eq!(u.output_tokens, n(output), "{name}: output tokens");
    match exp.get("total_tokens") {
        Some(total) => assert_eq!(u.total_tokens, total.as_u64(), "{name}: total"),
        // Ollama reports no total: it is the sum when both counts are known.
        None => assert_eq!(
            u.total_tokens,
            n(input).zip(n(output)).map(|(a, b)| a + b),
            "{name}: total as the sum"
        ),
    }
    if let Some(r) = exp.get("reasoning_tokens") {
        // null means "the server did not say": None, never Some(0).
        assert_eq!(u.reasoning_tokens, r.as_u64(), "{name}: reasoning tokens");
    }
    assert_eq!(
        u.cache_hit_tokens,
        n(exp.get("prompt_cache_hit_tokens")),
        "{name}: cache hit"
    );
    assert_eq!(
        u.cache_miss_tokens,
        n(exp.get("prompt_cache_miss_tokens")),
        "{name}: cache miss"
    );
    assert_eq!(
        u.cost,
        exp.get("cost").and_then(Value::as_f64),
        "{name}: cost"
    );
    assert!(u.raw.is_some(), "{name}: usage.raw");
}

fn check_error(name: &str, exp: &Value, got: &ApiError) {
    let exp = exp.as_object().expect("error is an object");
    for (k, v) in exp {
        match k.as_str() {
            "code" => {
                let want = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => panic!("{name}: error code {other}"),
                };
                assert_eq!(got.code.as_deref(), Some(want.as_str()), "{name}: code");
            }
            "type" => assert_eq!(got.kind.as_deref(), v.as_str(), "{name}: type"),
            "message" => assert_eq!(Some(got.message.as_str()), v.as_str(), "{name}: message"),
            "message_prefix" => {
                let p = v.as_str().expect("message_prefix");
                assert!(
                    got.message.starts_with(p),
                    "{name}: message {:?} does not start with {p:?}",
                    got.message
                );
            }
            "status" => assert_eq!(
                got.status.map(u64::from),
                v.as_u64(),
                "{name}: error status"
            ),
            "request_id" => assert_eq!(
                got.request_id.as_deref(),
                v.as_str(),
                "{name}: error request_id"
            ),
            other => panic!("{name}: error key {other} not checked"),
        }
    }
}

fn check_tool_calls(name: &str, exp: &Value, t: &Transcript) {
    let exp = exp.as_array().expect("tool_calls is an array");
    assert_eq!(t.tool_calls.len(), exp.len(), "{name}: tool call count");
    for (want, got) in exp.iter().zip(&t.tool_calls) {
        assert_eq!(
            Some(got.index as u64),
            want["index"].as_u64(),
            "{name}: index"
        );
        assert_eq!(Some(got.id.as_str()), want["id"].as_str(), "{name}: id");
        assert_eq!(
            Some(got.kind.as_str()),
            want["type"].as_str(),
            "{name}: type"
        );
        assert_eq!(
            Some(got.name.as_str()),
            want["name"].as_str(),
            "{name}: name"
        );
        assert_eq!(
            Some(got.arguments.as_str()),
            want["arguments"].as_str(),
            "{name}: arguments"
        );
        serde_json::from_str::<Value>(&got.arguments)
            .unwrap_or_else(|e| panic!("{name}: arguments are not JSON once complete: {e}"));
    }
}

// ---- the tests ---------------------------------------------------------------------------------

#[test]
fn fixture_set_matches_expected_json() {
    let expected = expected();
    assert_eq!(expected.len(), FIXTURE_CASES, "cases in expected.json");
    let mut files = Vec::new();
    for entry in fs::read_dir(wire_dir()).expect("fixture dir") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "README.md" || name == "expected.json" {
            continue;
        }
        if let Some(stem) = name.strip_suffix(".status") {
            let body = format!("{stem}.json");
            assert!(
                expected.contains_key(&body),
                "{name} accompanies {body}, which has no entry in expected.json"
            );
            continue;
        }
        assert!(
            expected.contains_key(&name),
            "fixture {name} has no entry in expected.json"
        );
        files.push(name);
    }
    assert_eq!(files.len(), FIXTURE_CASES, "fixture files");
    for (name, exp) in &expected {
        assert!(
            files.contains(name),
            "expected.json lists {name}, no such file"
        );
        let obj = exp.as_object().expect("entry is an object");
        for key in obj.keys() {
            assert!(
                KNOWN_KEYS.contains(&key.as_str()),
                "{name}: expected.json key {key} is not checked by this test"
            );
        }
        let protocol = str_of(exp, "protocol", name);
        format_of(protocol);
        if !is_streaming(protocol) {
            assert!(
                wire_dir().join(name.replace(".json", ".status")).exists(),
                "{name}: no .status file"
            );
        }
    }
}

#[test]
fn streaming_fixtures_under_every_splitting() {
    let mut checked = 0;
    for (name, exp) in expected() {
        let protocol = str_of(&exp, "protocol", &name);
        if !is_streaming(protocol) {
            continue;
        }
        let bytes = read(&name);
        let got = decode_all_ways(&name, format_of(protocol), think_mode(&name), &bytes);
        check_streaming(&name, &exp, &got);
        checked += 1;
    }
    assert_eq!(checked, FIXTURE_CASES - 2, "streaming fixtures checked");
}

#[test]
fn inline_think_tags_also_work_in_leading_mode() {
    let name = "inline-think-tags.sse";
    let exp = &expected()[name];
    let got = decode_all_ways(name, WireFormat::OpenAiSse, ThinkTags::Leading, &read(name));
    check_streaming(name, exp, &got);
}

#[test]
fn inline_think_raw_content_with_tags_off() {
    let mut checked = 0;
    for (name, exp) in expected() {
        let Some(raw) = exp.get("raw_content") else {
            continue;
        };
        let got = decode_chunks(WireFormat::OpenAiSse, ThinkTags::Off, &[&read(&name)]);
        assert_eq!(
            got.transcript.answer,
            raw.as_str().unwrap(),
            "{name}: raw content"
        );
        assert_eq!(
            got.transcript.reasoning, "",
            "{name}: no reasoning with tags off"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn forced_open_leaves_fixtures_with_reasoning_fields_unchanged() {
    for (name, exp) in expected() {
        let protocol = str_of(&exp, "protocol", &name);
        if !is_streaming(protocol) || name.starts_with("inline-think") {
            continue;
        }
        let bytes = read(&name);
        for mode in [ThinkTags::ForcedOpen, ThinkTags::Off] {
            for chunks in [vec![&bytes[..]], bytes.chunks(1).collect()] {
                let got = decode_chunks(format_of(protocol), mode, &chunks);
                check_streaming(&name, &exp, &got);
            }
        }
    }
}

#[test]
fn dashscope_native_event_ids() {
    let mut checked = 0;
    for (name, exp) in expected() {
        let Some(ids) = exp.get("event_ids") else {
            continue;
        };
        let want: Vec<u64> = ids
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let bytes = read(&name);
        for (label, chunks) in splittings(&bytes) {
            let mut parser = SseParser::per_data_line();
            let mut events = Vec::new();
            for c in &chunks {
                parser.feed(c, &mut events);
            }
            parser.finish();
            while let Some(e) = parser.next_event() {
                events.push(e);
            }
            let got: Vec<u64> = events
                .iter()
                .map(|e| e.id.as_deref().unwrap().parse().unwrap())
                .collect();
            assert_eq!(got, want, "{name}: event ids ({label})");
            assert!(
                events.iter().all(|e| e.status == Some(200)),
                "{name}: HTTP_STATUS comment on every event ({label})"
            );
            let last = want.last().unwrap().to_string();
            assert_eq!(parser.last_event_id(), Some(last.as_str()));
        }
        checked += 1;
    }
    assert!(checked >= 1);
}

/// The raw SSE framing of every SSE fixture is the same under every splitting (a CR ending one
/// chunk and an LF starting the next must not make an extra blank line, which would dispatch
/// early or reset the event type), and every comment line is counted, the first one too (after
/// the BOM). The comment count is checked against a naive line count of the whole file.
#[test]
fn sse_framing_is_independent_of_chunking() {
    for (name, exp) in expected() {
        let protocol = str_of(&exp, "protocol", &name);
        if !protocol.ends_with("-sse") {
            continue;
        }
        let make = || {
            if format_of(protocol) == WireFormat::DashScopeSse {
                SseParser::per_data_line()
            } else {
                SseParser::new()
            }
        };
        let bytes = read(&name);
        let run = |chunks: &[&[u8]]| {
            let mut parser = make();
            let mut events = Vec::new();
            for c in chunks {
                parser.feed(c, &mut events);
            }
            parser.finish();
            while let Some(e) = parser.next_event() {
                events.push(e);
            }
            (
                events,
                parser.comments(),
                parser.last_event_id().map(str::to_string),
            )
        };
        let whole = run(&[&bytes]);
        for (label, chunks) in splittings(&bytes) {
            assert_eq!(run(&chunks), whole, "{name}: SSE events ({label})");
        }
        let text = String::from_utf8(bytes.clone()).unwrap();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let naive_comments = text
            .split("\r\n")
            .flat_map(|l| l.split(['\r', '\n']))
            .filter(|l| l.starts_with(':'))
            .count();
        assert_eq!(whole.1 as usize, naive_comments, "{name}: comment lines");
        assert!(
            whole.0.iter().all(|e| !e.data.contains('\u{feff}')),
            "{name}: BOM in data"
        );
    }
}

fn status_line(name: &str) -> u16 {
    let text = String::from_utf8(read(name)).unwrap();
    text.lines()
        .find(|l| l.starts_with("HTTP/"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no status line"))
}

#[test]
fn error_bodies() {
    let mut checked = 0;
    for (name, exp) in expected() {
        let protocol = str_of(&exp, "protocol", &name);
        if is_streaming(protocol) {
            continue;
        }
        let status = status_line(&name.replace(".json", ".status"));
        assert_eq!(
            Some(u64::from(status)),
            exp["http_status"].as_u64(),
            "{name}: .status file and expected.json agree"
        );
        let error = parse_error_body(status, &read(&name), format_of(protocol));
        check_error(&name, &exp["error"], &error);
        assert_eq!(error.status, Some(status), "{name}: status");
        assert_eq!(
            Some(error.retryable()),
            exp["retryable"].as_bool(),
            "{name}: retryable"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// A streaming fixture served with a non-2xx status is an SSE-framed error body: the client
/// hands it to `parse_error_body`, which must find the same error.
#[test]
fn sse_framed_error_fixtures_through_parse_error_body() {
    let mut checked = 0;
    for (name, exp) in expected() {
        let protocol = str_of(&exp, "protocol", &name);
        let status = exp["http_status"].as_u64().unwrap() as u16;
        if !is_streaming(protocol) || (200..300).contains(&status) {
            continue;
        }
        let error = parse_error_body(status, &read(&name), format_of(protocol));
        check_error(&name, &exp["error"], &error);
        assert_eq!(error.status, Some(status), "{name}: status");
        checked += 1;
    }
    assert_eq!(checked, 1);
    // The mid-stream error fixtures also work as error bodies (if a server sent them with 4xx).
    for name in [
        "dashscope-native-error-midstream.sse",
        "llamacpp-error-midstream.sse",
    ] {
        let exp = &expected()[name];
        let format = format_of(str_of(exp, "protocol", name));
        let error = parse_error_body(400, &read(name), format);
        let mut want = exp["error"].clone();
        want["status"] = Value::from(400);
        check_error(name, &want, &error);
    }
}

#[test]
fn repo_fixtures_are_identical_to_shared_fixtures() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if !shared.is_dir() {
        println!(
            "note: {} is absent; skipping the byte-identity check",
            shared.display()
        );
        return;
    }
    let mut compared = 0;
    for entry in fs::read_dir(&shared).expect("shared fixtures") {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_file() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        let theirs = fs::read(entry.path()).unwrap();
        let ours = fs::read(wire_dir().join(&name))
            .unwrap_or_else(|_| panic!("{name} is in {} but not in the repo", shared.display()));
        assert!(theirs == ours, "{name} differs from {}", shared.display());
        compared += 1;
    }
    assert!(compared > 0, "no files in {}", shared.display());
}
