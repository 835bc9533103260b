//! Property-based fuzzing of every stream decoder (OpenAI-style SSE, DashScope native SSE,
//! Ollama NDJSON, each with the `<think>` tag splitter where it applies), through the public
//! decoder API the client uses.
//!
//! * random bytes and SSE-shaped noise in random chunks: no panic, and no more text out than
//!   the bytes allow;
//! * every wire fixture mutated (bytes flipped, cut out, inserted, repeated) or truncated: no
//!   panic; a truncated stream's text is a prefix of the whole stream's;
//! * every valid fixture cut at random points: exactly the events of the whole body.
//!
//! `cargo test` runs a few thousand cases in all. A long campaign:
//! `FUZZ_CASES=1000000 cargo test --release --test decode_fuzz`. Sizes that are too large
//! for a property (a 100 MB line, a million events) are in `tests/decode_limits.rs`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::Config;
use thinkbench::provider::StreamEvent;
use thinkbench::provider::decode::{DecodeInfo, ThinkTags, WireFormat};

const FORMATS: [WireFormat; 3] = [
    WireFormat::OpenAiSse,
    WireFormat::DashScopeSse,
    WireFormat::OllamaNdjson,
];
const TAGS: [ThinkTags; 3] = [ThinkTags::Off, ThinkTags::Leading, ThinkTags::ForcedOpen];

/// Cases per property: `FUZZ_CASES`, or enough for a normal test run to stay quick.
fn config(default: u32) -> Config {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn wire_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire")
}

/// Every streaming fixture with the format it is decoded with.
fn fixtures() -> Vec<(String, WireFormat, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(wire_dir()).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let format = if name.ends_with(".ndjson") {
            WireFormat::OllamaNdjson
        } else if name.starts_with("dashscope-native") && name.ends_with(".sse") {
            WireFormat::DashScopeSse
        } else if name.ends_with(".sse") {
            WireFormat::OpenAiSse
        } else {
            continue;
        };
        out.push((name, format, fs::read(&path).expect("read fixture")));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 15, "the wire fixtures are there");
    out
}

#[derive(Debug, PartialEq)]
struct Decoded {
    events: Vec<StreamEvent>,
    info: DecodeInfo,
}

impl Decoded {
    fn text(&self) -> (String, String) {
        let (mut reasoning, mut answer) = (String::new(), String::new());
        for e in &self.events {
            match e {
                StreamEvent::Reasoning(t) => reasoning.push_str(t),
                StreamEvent::Answer(t) => answer.push_str(t),
                _ => {}
            }
        }
        (reasoning, answer)
    }

    fn text_len(&self) -> usize {
        let (r, a) = self.text();
        r.len() + a.len()
    }
}

fn decode_chunks(format: WireFormat, tags: ThinkTags, chunks: &[&[u8]]) -> Decoded {
    let (events, info) = common::decode(format, tags, chunks);
    Decoded { events, info }
}

/// `bytes` cut at `cuts` (positions taken modulo the length, in any order).
fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|c| c % (bytes.len() + 1))
        .chain([0, bytes.len()])
        .collect();
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

/// Text can grow only by replacement characters (3 bytes for each invalid byte) and by
/// JSON escapes turning into characters, which never makes text longer than its source.
fn check_bounded(input: &[u8], got: &Decoded) {
    assert!(
        got.text_len() <= 3 * input.len(),
        "{} bytes of text from {} bytes",
        got.text_len(),
        input.len()
    );
}

/// Pieces SSE and NDJSON streams are made of, so noise reaches the decoders' inner paths
/// (JSON fields, think tags, status comments) instead of failing at the first byte.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<&'static [u8]> = vec![
        b"data: ",
        b"data:",
        b"\n",
        b"\r",
        b"\r\n",
        b"\n\n",
        b"event: error\n",
        b"event:result\n",
        b"id: 7\n",
        b"retry: 10\n",
        b": keep-alive\n",
        b":HTTP_STATUS/200\n",
        b"error: {\"message\":\"x\"}\n",
        b"[DONE]",
        b"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"",
        b"{\"choices\":[{\"delta\":{\"reasoning_content\":\"",
        b"\"}}]}",
        b"\"},\"finish_reason\":\"stop\"}]}",
        b"{\"output\":{\"choices\":[{\"message\":{\"content\":\"",
        b"{\"message\":{\"thinking\":\"",
        b"{\"message\":{\"content\":\"",
        b"\"},\"done\":false}",
        b"\"},\"done\":true,\"done_reason\":\"stop\"}",
        b"{\"error\":{\"message\":\"boom\",\"code\":\"x\"}}",
        b"\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}",
        b"<think>",
        b"</think>",
        b"<thi",
        b"\\u00e9\\n\\\"",
        b"\\ud83d\\ude00",
        b"\\ud800",
        b"\xEF\xBB\xBF",
        b"\xff\xfe",
        b"\xe4\xb8",
        "中文 ✓ 😀".as_bytes(),
        b"\x1b[2J\x1b]52;c;aGk=\x07",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(|b| b.to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
        1 => "[a-z {}\":,]{0,12}".prop_map(String::into_bytes),
    ]
}

fn sse_noise() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..60).prop_map(|p| p.concat())
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1..80usize).prop_map(|(i, n)| Mutation::Repeat(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| i % (len + 1);
    match m {
        Mutation::Flip(i, b) if !bytes.is_empty() => {
            let i = i % bytes.len();
            bytes[i] ^= b | 1;
        }
        Mutation::Flip(..) => {}
        Mutation::Delete(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Insert(i, b) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Repeat(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate(i) => {
            let i = at(*i, bytes.len());
            bytes.truncate(i);
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn random_bytes_in_random_chunks(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        f in 0..3usize,
        t in 0..3usize,
    ) {
        let got = decode_chunks(FORMATS[f], TAGS[t], &cut(&bytes, &cuts));
        check_bounded(&bytes, &got);
        prop_assert!(!got.info.oversized);
    }

    #[test]
    fn stream_shaped_noise_decodes_the_same_however_it_is_cut(
        bytes in sse_noise(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        f in 0..3usize,
        t in 0..3usize,
    ) {
        let whole = decode_chunks(FORMATS[f], TAGS[t], &[&bytes]);
        check_bounded(&bytes, &whole);
        let parts = decode_chunks(FORMATS[f], TAGS[t], &cut(&bytes, &cuts));
        prop_assert_eq!(parts, whole);
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        t in 0..3usize,
    ) {
        let all = fixtures();
        let (_, format, bytes) = &all[which % all.len()];
        let mut bytes = bytes.clone();
        for m in &mutations {
            mutate(&mut bytes, m);
        }
        let got = decode_chunks(*format, TAGS[t], &cut(&bytes, &cuts));
        check_bounded(&bytes, &got);
    }

    #[test]
    fn valid_fixtures_cut_anywhere_give_the_events_of_the_whole(
        which in any::<usize>(),
        cuts in proptest::collection::vec(any::<usize>(), 1..24),
        t in 0..3usize,
    ) {
        let all = fixtures();
        let (name, format, bytes) = &all[which % all.len()];
        let whole = decode_chunks(*format, TAGS[t], &[bytes]);
        let parts = decode_chunks(*format, TAGS[t], &cut(bytes, &cuts));
        prop_assert_eq!(parts, whole, "{}", name);
    }

    #[test]
    fn a_truncated_stream_keeps_a_prefix_of_the_text(
        which in any::<usize>(),
        at in any::<usize>(),
    ) {
        let all = fixtures();
        let (name, format, bytes) = &all[which % all.len()];
        let (reasoning, answer) = decode_chunks(*format, ThinkTags::Off, &[bytes]).text();
        let short = &bytes[..at % (bytes.len() + 1)];
        let (r, a) = decode_chunks(*format, ThinkTags::Off, &[short]).text();
        prop_assert!(reasoning.starts_with(&r), "{}: reasoning {:?} vs {:?}", name, r, reasoning);
        prop_assert!(answer.starts_with(&a), "{}: answer {:?} vs {:?}", name, a, answer);
    }
}
