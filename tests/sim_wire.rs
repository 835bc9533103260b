//! The Model Studio simulator, seen from the wire: real HTTP on loopback, a plain reqwest
//! client, and a minimal SSE reader written here (not thinkbench's decoders).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use thinkbench::sim::{Fault, SimConfig, Simulator, count_tokens, script};

// ---------------------------------------------------------------------------------------------
// Plumbing

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().expect("reqwest client")
}

async fn start(cfg: SimConfig) -> Simulator {
    Simulator::start(cfg).await.expect("simulator starts")
}

async fn sim() -> Simulator {
    start(SimConfig::default()).await
}

/// Small scripts for tests that stream slowly.
fn short(cfg: SimConfig) -> SimConfig {
    SimConfig {
        reasoning_tokens: Some(9),
        answer_tokens: Some(6),
        ..cfg
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("whole body");
    Reply {
        status,
        headers,
        body,
    }
}

fn chat_url(sim: &Simulator) -> String {
    format!("{}/chat/completions", sim.openai_base_url())
}

fn native_url(sim: &Simulator, multimodal: bool) -> String {
    let kind = if multimodal { "multimodal" } else { "text" };
    format!(
        "{}/services/aigc/{kind}-generation/generation",
        sim.native_base_url()
    )
}

fn openai_req(sim: &Simulator, body: &Value) -> reqwest::RequestBuilder {
    client()
        .post(chat_url(sim))
        .bearer_auth("sk-test")
        .json(body)
}

fn native_req(sim: &Simulator, multimodal: bool, body: &Value) -> reqwest::RequestBuilder {
    client()
        .post(native_url(sim, multimodal))
        .bearer_auth("sk-test")
        .header("X-DashScope-SSE", "enable")
        .json(body)
}

async fn openai(sim: &Simulator, body: Value) -> Reply {
    send(openai_req(sim, &body)).await
}

async fn native(sim: &Simulator, multimodal: bool, body: Value) -> Reply {
    send(native_req(sim, multimodal, &body)).await
}

fn chat(model: &str, prompt: &str, extra: Value) -> Value {
    let mut body = json!({
        "model": model,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": prompt}
        ],
        "stream": true,
        "stream_options": {"include_usage": true}
    });
    merge(&mut body, extra);
    body
}

fn native_body(model: &str, prompt: &str, params: Value) -> Value {
    let mut parameters = json!({"incremental_output": true, "result_format": "message"});
    merge(&mut parameters, params);
    json!({
        "model": model,
        "input": {"messages": [{"role": "user", "content": prompt}]},
        "parameters": parameters
    })
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), extra) {
        for (k, v) in b {
            if v.is_null() {
                a.remove(&k);
            } else {
                a.insert(k, v);
            }
        }
    }
}

/// One SSE event, read minimally: field lines split on the first colon, one optional space
/// stripped from the value, comments kept.
#[derive(Debug, Default, Clone)]
struct Event {
    id: Option<String>,
    event: Option<String>,
    comments: Vec<String>,
    data: String,
}

fn sse(body: &str) -> Vec<Event> {
    body.split("\n\n")
        .filter(|block| !block.is_empty())
        .map(|block| {
            let mut ev = Event::default();
            for line in block.split('\n') {
                if let Some(c) = line.strip_prefix(':') {
                    ev.comments.push(c.to_string());
                    continue;
                }
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value).to_string();
                match field {
                    "id" => ev.id = Some(value),
                    "event" => ev.event = Some(value),
                    "data" => ev.data = value,
                    other => panic!("unexpected field {other:?} in {block:?}"),
                }
            }
            ev
        })
        .collect()
}

/// The JSON of every `data:` payload except `[DONE]`.
fn payloads(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| serde_json::from_str(&e.data).unwrap_or_else(|err| panic!("{err}: {}", e.data)))
        .collect()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn u64_at(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {v}"))
}

/// Reasoning and answer text of an OpenAI-compatible stream, plus the number of chunks of each.
struct OpenAiText {
    reasoning: String,
    answer: String,
    reasoning_chunks: usize,
    answer_chunks: usize,
}

fn openai_text(chunks: &[Value]) -> OpenAiText {
    let mut t = OpenAiText {
        reasoning: String::new(),
        answer: String::new(),
        reasoning_chunks: 0,
        answer_chunks: 0,
    };
    for c in chunks {
        let r = str_at(c, "/choices/0/delta/reasoning_content");
        let a = str_at(c, "/choices/0/delta/content");
        if !r.is_empty() {
            t.reasoning.push_str(r);
            t.reasoning_chunks += 1;
        }
        if !a.is_empty() {
            t.answer.push_str(a);
            t.answer_chunks += 1;
        }
    }
    t
}

/// The text of a native `content`, which is a string or an array of `{"text":…}` parts.
fn native_content(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

fn native_message(v: &Value) -> (String, String) {
    let msg = v.pointer("/output/choices/0/message");
    (
        msg.and_then(|m| m.get("reasoning_content"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        native_content(msg.and_then(|m| m.get("content"))),
    )
}

/// Read a body chunk by chunk until it ends, fails, or goes quiet for `idle`.
#[derive(Debug)]
enum End {
    Clean,
    Failed,
    Quiet,
}

async fn read_raw(resp: reqwest::Response, idle: Duration) -> (Vec<Vec<u8>>, End) {
    let mut stream = resp.bytes_stream();
    let mut chunks = Vec::new();
    loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => return (chunks, End::Quiet),
            Ok(None) => return (chunks, End::Clean),
            Ok(Some(Err(_))) => return (chunks, End::Failed),
            Ok(Some(Ok(b))) => chunks.push(b.to_vec()),
        }
    }
}

fn joined(chunks: &[Vec<u8>]) -> String {
    String::from_utf8(chunks.concat()).expect("body is UTF-8 as a whole")
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible shape

#[tokio::test]
async fn openai_thinking_stream_has_the_fixture_shape() {
    let sim = sim().await;
    let prompt = "How do Rust lifetimes work?";
    let r = openai(
        &sim,
        chat("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/event-stream;charset=UTF-8");
    let request_id = r.header("x-request-id").to_string();
    assert!(!request_id.is_empty());

    // Framing: `data: ` with a space, a blank line after every event, `[DONE]` last.
    for line in r.body.split("\n\n").filter(|l| !l.is_empty()) {
        assert!(line.starts_with("data: "), "{line:?}");
        assert!(!line.contains('\n'), "one line per event: {line:?}");
    }
    assert!(r.body.ends_with("data: [DONE]\n\n"));

    let events = sse(&r.body);
    let chunks = payloads(&events);
    assert_eq!(events.last().map(|e| e.data.as_str()), Some("[DONE]"));

    // Common envelope.
    for c in &chunks {
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "qwen-plus");
        assert_eq!(c["id"], format!("chatcmpl-{request_id}"));
        assert!(c["created"].as_u64().unwrap_or(0) > 1_700_000_000);
        assert!(c["system_fingerprint"].is_null());
    }
    // First chunk: role, content null, reasoning_content "".
    let first = &chunks[0]["choices"][0];
    assert_eq!(
        first["delta"],
        json!({"content": null, "role": "assistant", "reasoning_content": ""})
    );
    assert!(first["finish_reason"].is_null());
    assert!(
        r.body
            .starts_with(r#"data: {"choices":[{"delta":{"content":null,"role":"assistant","reasoning_content":""},"index":0,"logprobs":null,"finish_reason":null}],"object":"chat.completion.chunk","usage":null,"created":"#)
    );

    // Reasoning deltas, then content deltas with reasoning_content null; never interleaved.
    let n = chunks.len();
    let body_chunks = &chunks[1..n - 2];
    let mut seen_answer = false;
    for c in body_chunks {
        let d = &c["choices"][0]["delta"];
        assert!(d.get("role").is_none());
        if d["content"].is_null() {
            assert!(!seen_answer, "reasoning after content: {c}");
            assert!(!str_at(d, "/reasoning_content").is_empty());
        } else {
            seen_answer = true;
            assert!(d["reasoning_content"].is_null(), "{c}");
            assert!(
                d.get("reasoning_content").is_some(),
                "key kept as null: {c}"
            );
        }
        assert!(c["usage"].is_null());
    }
    assert!(seen_answer);

    // Finish chunk with an empty delta, then usage with choices [].
    let finish = &chunks[n - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        finish["choices"][0]["delta"],
        json!({"content": "", "reasoning_content": null})
    );
    let usage_chunk = &chunks[n - 1];
    assert_eq!(usage_chunk["choices"], json!([]));
    let text = openai_text(&chunks);
    let u = &usage_chunk["usage"];
    assert_eq!(
        u64_at(u, "/completion_tokens_details/reasoning_tokens"),
        text.reasoning_chunks as u64
    );
    assert_eq!(
        u64_at(u, "/completion_tokens"),
        (text.reasoning_chunks + text.answer_chunks) as u64
    );
    assert_eq!(
        u64_at(u, "/total_tokens"),
        u64_at(u, "/prompt_tokens") + u64_at(u, "/completion_tokens")
    );
    assert_eq!(u64_at(u, "/prompt_tokens_details/cached_tokens"), 0);
    assert!(u64_at(u, "/prompt_tokens") > 0);

    // The text is exactly the script.
    let s = script("qwen-plus", prompt, true, sim.config());
    assert_eq!(text.reasoning, s.reasoning_text());
    assert_eq!(text.answer, s.answer_text());
    assert_eq!(text.reasoning_chunks, s.reasoning.len());
    assert_eq!(text.answer_chunks, s.answer.len());
}

#[tokio::test]
async fn openai_without_include_usage_sends_no_usage_and_thinking_off_has_no_reasoning_key() {
    let sim = sim().await;
    let r = openai(
        &sim,
        chat("qwen-plus", "Say hello", json!({"stream_options": null})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("reasoning_content"), "{}", r.body);
    assert!(!r.body.contains("\"usage\":{"), "{}", r.body);
    assert!(!r.body.contains("\"choices\":[]"));
    let chunks = payloads(&sse(&r.body));
    assert_eq!(
        chunks[0]["choices"][0]["delta"],
        json!({"content": "", "role": "assistant"})
    );
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["choices"][0]["delta"], json!({"content": ""}));
    assert!(r.body.ends_with("data: [DONE]\n\n"));
    let s = script("qwen-plus", "Say hello", false, sim.config());
    assert_eq!(openai_text(&chunks).answer, s.answer_text());

    // With include_usage but thinking off: usage without completion_tokens_details.
    let r = openai(&sim, chat("qwen-plus", "Say hello", json!({}))).await;
    let chunks = payloads(&sse(&r.body));
    let u = &chunks.last().unwrap()["usage"];
    assert!(u.get("completion_tokens_details").is_none(), "{u}");
    assert_eq!(u64_at(u, "/completion_tokens"), s.answer.len() as u64);
}

#[tokio::test]
async fn hybrid_defaults_follow_the_catalog() {
    let sim = sim().await;
    let off = openai(&sim, chat("qwen-plus", "Define entropy", json!({}))).await;
    assert!(!off.body.contains("reasoning_content"));
    let on = openai(&sim, chat("qwen3.7-plus", "Define entropy", json!({}))).await;
    let text = openai_text(&payloads(&sse(&on.body)));
    assert!(text.reasoning_chunks > 0);
    assert_eq!(
        text.reasoning,
        script("qwen3.7-plus", "Define entropy", true, sim.config()).reasoning_text()
    );
    let switched = openai(
        &sim,
        chat(
            "qwen3.7-plus",
            "Define entropy",
            json!({"enable_thinking": false}),
        ),
    )
    .await;
    assert!(!switched.body.contains("reasoning_content"));
}

#[tokio::test]
async fn thinking_only_models_reject_enable_thinking_false() {
    let sim = sim().await;
    let r = openai(
        &sim,
        chat("qwq-plus", "hi", json!({"enable_thinking": false})),
    )
    .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid_parameter_error");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(
        str_at(&v, "/error/message")
            .contains("The value of the enable_thinking parameter is restricted to True.")
    );
    assert!(!str_at(&v, "/request_id").is_empty());

    let r = native(
        &sim,
        false,
        native_body("qwq-plus", "hi", json!({"enable_thinking": false})),
    )
    .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["code"], "InvalidParameter");
    assert_eq!(
        v["message"],
        "The value of the enable_thinking parameter is restricted to True."
    );

    // Left alone, it thinks.
    let r = openai(&sim, chat("qwq-plus", "hi", json!({}))).await;
    assert!(openai_text(&payloads(&sse(&r.body))).reasoning_chunks > 0);
}

#[tokio::test]
async fn thinking_budget_truncates_reasoning_and_still_stops() {
    let sim = sim().await;
    let prompt = "Plan a trip from Beijing to Shanghai";
    let r = openai(
        &sim,
        chat(
            "qwen-plus",
            prompt,
            json!({"enable_thinking": true, "thinking_budget": 20}),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    let chunks = payloads(&sse(&r.body));
    let text = openai_text(&chunks);
    let s = script("qwen-plus", prompt, true, sim.config());
    assert!(s.reasoning.len() > 20);
    assert_eq!(text.reasoning_chunks, 20);
    assert_eq!(text.reasoning, s.reasoning[..20].concat());
    assert_eq!(text.answer, s.answer_text(), "the answer is not cut");
    let n = chunks.len();
    assert_eq!(chunks[n - 2]["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        u64_at(
            &chunks[n - 1]["usage"],
            "/completion_tokens_details/reasoning_tokens"
        ),
        20
    );

    // Native: same budget, same truncation.
    let r = native(
        &sim,
        false,
        native_body(
            "qwen-plus",
            prompt,
            json!({"enable_thinking": true, "thinking_budget": 20}),
        ),
    )
    .await;
    let last = payloads(&sse(&r.body)).pop().unwrap();
    assert_eq!(
        u64_at(&last, "/usage/output_tokens_details/reasoning_tokens"),
        20
    );
    assert_eq!(str_at(&last, "/output/choices/0/finish_reason"), "stop");
}

#[tokio::test]
async fn invalid_thinking_budget_is_a_400() {
    let sim = sim().await;
    for bad in [json!(0), json!(-5), json!(2.5), json!("100")] {
        let r = openai(
            &sim,
            chat(
                "qwen-plus",
                "hi",
                json!({"enable_thinking": true, "thinking_budget": bad}),
            ),
        )
        .await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            str_at(&r.json(), "/error/message")
                .contains("The thinking_budget parameter must be a positive integer"),
            "{}",
            r.body
        );
    }
    // Above the model's maximum (kimi-k2.5: 81,920).
    let r = openai(
        &sim,
        chat(
            "kimi-k2.5",
            "hi",
            json!({"enable_thinking": true, "thinking_budget": 81921}),
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(str_at(&r.json(), "/error/message").ends_with(
        "The thinking_budget parameter must be a positive integer and not greater than 81920"
    ));
    let r = native(
        &sim,
        false,
        native_body(
            "kimi-k2.5",
            "hi",
            json!({"enable_thinking": true, "thinking_budget": 90000}),
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "The thinking_budget parameter must be a positive integer and not greater than 81920"
    );
    let ok = openai(
        &sim,
        chat(
            "kimi-k2.5",
            "hi",
            json!({"enable_thinking": true, "thinking_budget": 81920}),
        ),
    )
    .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn max_tokens_caps_the_answer_with_length() {
    let sim = sim().await;
    let prompt = "Write about tokio";
    let r = openai(
        &sim,
        chat("qwen3.7-plus", prompt, json!({"max_tokens": 12})),
    )
    .await;
    let chunks = payloads(&sse(&r.body));
    let text = openai_text(&chunks);
    let s = script("qwen3.7-plus", prompt, true, sim.config());
    assert_eq!(text.answer_chunks, 12);
    assert_eq!(text.answer, s.answer[..12].concat());
    assert_eq!(
        text.reasoning,
        s.reasoning_text(),
        "reasoning is not capped"
    );
    let n = chunks.len();
    assert_eq!(chunks[n - 2]["choices"][0]["finish_reason"], "length");
    assert_eq!(
        u64_at(&chunks[n - 1]["usage"], "/completion_tokens"),
        (s.reasoning.len() + 12) as u64
    );

    let r = native(
        &sim,
        true,
        native_body("qwen3.7-plus", prompt, json!({"max_tokens": 12})),
    )
    .await;
    let last = payloads(&sse(&r.body)).pop().unwrap();
    assert_eq!(str_at(&last, "/output/choices/0/finish_reason"), "length");
}

#[tokio::test]
async fn preserve_thinking_counts_reasoning_as_input_only_when_supported() {
    let sim = sim().await;
    let reasoning = "The user greets me politely, 所以我也礼貌回应 🙂";
    let history = |model: &str, preserve: bool| {
        json!({
            "model": model,
            "stream": true,
            "stream_options": {"include_usage": true},
            "preserve_thinking": preserve,
            "messages": [
                {"role": "user", "content": "Hi there"},
                {"role": "assistant", "content": "Hello!", "reasoning_content": reasoning},
                {"role": "user", "content": "Explain ownership"}
            ]
        })
    };
    let prompt_tokens = |r: &Reply| {
        let chunks = payloads(&sse(&r.body));
        u64_at(&chunks.last().unwrap()["usage"], "/prompt_tokens")
    };
    let off = prompt_tokens(&openai(&sim, history("qwen3.7-plus", false)).await);
    let on = prompt_tokens(&openai(&sim, history("qwen3.7-plus", true)).await);
    assert_eq!(on, off + count_tokens(reasoning));
    // qwen3.5-plus does not support it: accepted, not counted.
    let r = openai(&sim, history("qwen3.5-plus", true)).await;
    assert_eq!(r.status, 200);
    let unsupported_on = prompt_tokens(&r);
    let unsupported_off = prompt_tokens(&openai(&sim, history("qwen3.5-plus", false)).await);
    assert_eq!(unsupported_on, unsupported_off);
    assert_eq!(unsupported_off, off, "same messages, same count");
}

#[tokio::test]
async fn no_think_suffix_skips_reasoning_on_suffix_models() {
    let sim = sim().await;
    let r = openai(&sim, chat("qwen3-8b", "What is 2+2? /no_think", json!({}))).await;
    assert_eq!(r.status, 200);
    let chunks = payloads(&sse(&r.body));
    // Still thinking-mode shaped.
    assert_eq!(chunks[0]["choices"][0]["delta"]["reasoning_content"], "");
    let text = openai_text(&chunks);
    assert_eq!(text.reasoning_chunks, 0);
    assert_eq!(
        text.answer,
        script("qwen3-8b", "What is 2+2?", false, sim.config()).answer_text()
    );
    assert_eq!(
        u64_at(
            &chunks.last().unwrap()["usage"],
            "/completion_tokens_details/reasoning_tokens"
        ),
        0
    );
    // /think afterwards wins.
    let body = json!({
        "model": "qwen3-8b", "stream": true,
        "messages": [
            {"role": "user", "content": "What is 2+2? /no_think"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "And 3+3? /think"}
        ]
    });
    let r = openai(&sim, body).await;
    let text = openai_text(&payloads(&sse(&r.body)));
    assert_eq!(
        text.reasoning,
        script("qwen3-8b", "And 3+3?", true, sim.config()).reasoning_text()
    );
    // Models without suffix support ignore it.
    let r = openai(
        &sim,
        chat(
            "qwen-plus",
            "What is 2+2? /no_think",
            json!({"enable_thinking": true}),
        ),
    )
    .await;
    assert!(openai_text(&payloads(&sse(&r.body))).reasoning_chunks > 0);
}

#[tokio::test]
async fn non_streaming_calls() {
    let sim = sim().await;
    // Thinking on without streaming: the real 400.
    let r = openai(
        &sim,
        chat(
            "qwen3.7-plus",
            "hi",
            json!({"stream": false, "stream_options": null}),
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid_parameter_error");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(
        str_at(&v, "/error/message")
            .contains("parameter.enable_thinking must be set to false for non-streaming calls")
    );

    // Thinking off: a chat.completion body.
    let r = openai(
        &sim,
        chat(
            "qwen-plus",
            "Summarise Rust",
            json!({"stream": null, "stream_options": null}),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"));
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["id"], format!("chatcmpl-{}", r.header("x-request-id")));
    assert_eq!(v["choices"][0]["message"]["role"], "assistant");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let s = script("qwen-plus", "Summarise Rust", false, sim.config());
    assert_eq!(v["choices"][0]["message"]["content"], s.answer_text());
    assert_eq!(
        u64_at(&v, "/usage/completion_tokens"),
        s.answer.len() as u64
    );
    assert!(
        v["choices"][0]["message"]
            .get("reasoning_content")
            .is_none()
    );

    // Native without SSE.
    let body = native_body("qwen-plus", "Summarise Rust", json!({}));
    let r = send(
        client()
            .post(native_url(&sim, false))
            .bearer_auth("k")
            .json(&body),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["output"]["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        v["output"]["choices"][0]["message"]["content"],
        s.answer_text()
    );
    assert_eq!(v["request_id"], r.header("x-request-id"));
    let thinking = native_body("qwen-plus", "x", json!({"enable_thinking": true}));
    let r = send(
        client()
            .post(native_url(&sim, false))
            .bearer_auth("k")
            .json(&thinking),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "InvalidParameter");
    assert_eq!(
        r.json()["message"],
        "parameter.enable_thinking must be set to false for non-streaming calls"
    );
}

#[tokio::test]
async fn same_request_same_text() {
    let sim = sim().await;
    let body = chat("qwen3.6-plus", "为什么天空是蓝色的？", json!({}));
    let a = openai_text(&payloads(&sse(&openai(&sim, body.clone()).await.body)));
    let b = openai_text(&payloads(&sse(&openai(&sim, body).await.body)));
    assert_eq!(a.reasoning, b.reasoning);
    assert_eq!(a.answer, b.answer);
    let s = script("qwen3.6-plus", "为什么天空是蓝色的？", true, sim.config());
    assert_eq!(a.reasoning, s.reasoning_text());
    assert_eq!(a.answer, s.answer_text());
    // Multibyte text and Markdown are there to exercise the client.
    assert!(
        a.reasoning
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    );
    assert!(a.reasoning.chars().any(|c| c as u32 >= 0x1f300));
    assert!(a.answer.starts_with("## "));
    assert!(a.answer.contains("\n- "));
}

#[tokio::test]
async fn unknown_models_are_rejected_case_sensitively() {
    let sim = sim().await;
    let r = openai(&sim, chat("Qwen-Plus", "hi", json!({}))).await;
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["error"]["code"], "model_not_supported");
    assert_eq!(
        v["error"]["message"],
        "Unsupported model `Qwen-Plus` for OpenAI compatibility mode."
    );
    assert!(!str_at(&v, "/request_id").is_empty());
    let r = native(&sim, false, native_body("gpt-4o", "hi", json!({}))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], "ModelNotFound");
    assert!(!str_at(&r.json(), "/request_id").is_empty());
    // A model of another host is not on Model Studio.
    let r = openai(&sim, chat("deepseek-reasoner", "hi", json!({}))).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn models_lists_the_catalog() {
    let sim = sim().await;
    let r = send(
        client()
            .get(format!("{}/models", sim.openai_base_url()))
            .bearer_auth("k"),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["object"], "list");
    let data = v["data"].as_array().unwrap();
    let ids: Vec<&str> = data.iter().map(|m| str_at(m, "/id")).collect();
    for want in [
        "qwen-plus",
        "qwen3.7-plus",
        "qwq-plus",
        "qwen3.7-max-2026-06-08",
    ] {
        assert!(ids.contains(&want), "{want} missing");
    }
    assert!(!ids.contains(&"deepseek-reasoner"));
    assert!(
        data.iter()
            .all(|m| m["object"] == "model" && m["owned_by"] == "system")
    );
    let unauthorized = send(client().get(format!("{}/models", sim.openai_base_url()))).await;
    assert_eq!(unauthorized.status, 401);
}

// ---------------------------------------------------------------------------------------------
// Native shape

#[tokio::test]
async fn native_incremental_stream_has_the_fixture_shape() {
    let sim = sim().await;
    let prompt = "写一首关于猫的诗";
    let r = native(
        &sim,
        false,
        native_body("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/event-stream;charset=UTF-8");
    let request_id = r.header("x-request-id").to_string();
    assert!(!r.body.contains("[DONE]"));
    assert!(
        r.body
            .starts_with("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":")
    );
    assert!(r.body.ends_with("}\n\n"));
    assert!(!r.body.contains("data: "), "no space after data:");

    let events = sse(&r.body);
    let mut reasoning = String::new();
    let mut answer = String::new();
    let mut last_output = 0;
    for (i, ev) in events.iter().enumerate() {
        assert_eq!(ev.id.as_deref(), Some((i + 1).to_string().as_str()));
        assert_eq!(ev.event.as_deref(), Some("result"));
        assert_eq!(ev.comments, vec!["HTTP_STATUS/200".to_string()]);
        let v: Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(v["request_id"], request_id.as_str());
        let finish = str_at(&v, "/output/choices/0/finish_reason");
        let is_last = i + 1 == events.len();
        assert_eq!(finish, if is_last { "stop" } else { "null" });
        assert_eq!(v["output"]["choices"][0]["message"]["role"], "assistant");
        // Usage is cumulative and consistent on every event.
        let u = &v["usage"];
        let out = u64_at(u, "/output_tokens");
        assert!(out >= last_output);
        last_output = out;
        assert_eq!(u64_at(u, "/total_tokens"), u64_at(u, "/input_tokens") + out);
        let (r_text, a_text) = native_message(&v);
        if is_last {
            assert_eq!((r_text.as_str(), a_text.as_str()), ("", ""));
            assert_eq!(out, last_output);
        } else {
            assert!(
                r_text.is_empty() != a_text.is_empty(),
                "one field per event"
            );
        }
        reasoning.push_str(&r_text);
        answer.push_str(&a_text);
    }
    let s = script("qwen-plus", prompt, true, sim.config());
    assert_eq!(reasoning, s.reasoning_text());
    assert_eq!(answer, s.answer_text());
    assert_eq!(events.len(), s.reasoning.len() + s.answer.len() + 1);
    let last: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
    assert_eq!(
        u64_at(&last, "/usage/output_tokens_details/reasoning_tokens"),
        s.reasoning.len() as u64
    );
    assert_eq!(
        u64_at(&last, "/usage/output_tokens"),
        (s.reasoning.len() + s.answer.len()) as u64
    );
}

#[tokio::test]
async fn native_non_incremental_repeats_the_whole_text() {
    let sim = start(short(SimConfig::default())).await;
    for params in [
        json!({"enable_thinking": true, "incremental_output": false}),
        // Absent: the commercial default, false.
        json!({"enable_thinking": true, "incremental_output": null}),
    ] {
        let r = native(&sim, false, native_body("qwen-plus", "hello", params)).await;
        let events = payloads(&sse(&r.body));
        let s = script("qwen-plus", "hello", true, sim.config());
        let mut prev = (String::new(), String::new());
        for (i, v) in events.iter().enumerate() {
            let (r_text, a_text) = native_message(v);
            assert!(
                r_text.starts_with(&prev.0),
                "event {i} does not repeat the reasoning"
            );
            assert!(
                a_text.starts_with(&prev.1),
                "event {i} does not repeat the answer"
            );
            prev = (r_text, a_text);
        }
        assert_eq!(prev.0, s.reasoning_text());
        assert_eq!(prev.1, s.answer_text());
        // Every event up to the last repeats everything before it.
        let (r5, _) = native_message(&events[4]);
        assert_eq!(r5, s.reasoning[..5].concat());
    }
}

#[tokio::test]
async fn native_multimodal_path_uses_content_arrays() {
    let sim = sim().await;
    let body = json!({
        "model": "qwen3.7-plus",
        "input": {"messages": [
            {"role": "system", "content": [{"text": "Be brief."}]},
            {"role": "user", "content": [{"text": "Describe a sunset"}]}
        ]},
        "parameters": {"incremental_output": true}
    });
    let r = native(&sim, true, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = payloads(&sse(&r.body));
    let s = script("qwen3.7-plus", "Describe a sunset", true, sim.config());
    let mut reasoning = String::new();
    let mut answer = String::new();
    for (i, v) in events.iter().enumerate() {
        let content = &v["output"]["choices"][0]["message"]["content"];
        assert!(content.is_array(), "{v}");
        if i < s.reasoning.len() {
            assert_eq!(content, &json!([]));
        } else {
            assert_eq!(content.as_array().map(Vec::len), Some(1));
        }
        let (r_text, a_text) = native_message(v);
        reasoning.push_str(&r_text);
        answer.push_str(&a_text);
    }
    assert_eq!(reasoning, s.reasoning_text());
    assert_eq!(answer, s.answer_text());
    let last = events.last().unwrap();
    assert_eq!(str_at(last, "/output/choices/0/finish_reason"), "stop");
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|v| str_at(v, "/output/choices/0/finish_reason") == "null")
    );
    // String content is accepted on the multimodal path too.
    let r = native(
        &sim,
        true,
        native_body("qwen3.6-plus", "plain string", json!({})),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn native_text_path_rejects_multimodal_models_and_misplaced_messages() {
    let sim = sim().await;
    let r = native(&sim, false, native_body("qwen3.7-plus", "hi", json!({}))).await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["code"], "InvalidParameter");
    assert!(str_at(&v, "/message").starts_with("url error"));
    assert!(!str_at(&v, "/request_id").is_empty());

    let r = native(
        &sim,
        false,
        json!({"model": "qwen-plus", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "InvalidParameter");
    assert_eq!(
        r.json()["message"],
        "Either \"prompt\" or \"messages\" must exist and cannot both be none"
    );
}

#[tokio::test]
async fn native_result_format_text() {
    let sim = sim().await;
    let r = native(
        &sim,
        false,
        native_body("qwen-plus", "hi", json!({"result_format": "text"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let events = payloads(&sse(&r.body));
    let text: String = events
        .iter()
        .map(|v| str_at(v, "/output/text").to_string())
        .collect();
    assert_eq!(
        text,
        script("qwen-plus", "hi", false, sim.config()).answer_text()
    );
    assert_eq!(
        str_at(events.last().unwrap(), "/output/finish_reason"),
        "stop"
    );
    assert!(events.iter().all(|v| v["output"].get("choices").is_none()));
    // Thinking needs "message".
    let r = native(
        &sim,
        false,
        native_body(
            "qwen-plus",
            "hi",
            json!({"result_format": "text", "enable_thinking": true}),
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "InvalidParameter");
}

// ---------------------------------------------------------------------------------------------
// Auth, recording, bad input

#[tokio::test]
async fn api_key_is_enforced_in_both_shapes_and_requests_are_recorded() {
    let sim = start(SimConfig {
        api_key: Some("sk-right".into()),
        ..SimConfig::default()
    })
    .await;
    let body = chat("qwen-plus", "hi", json!({}));
    let wrong = send(
        client()
            .post(chat_url(&sim))
            .bearer_auth("sk-wrong")
            .json(&body),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("content-type").starts_with("application/json"));
    let v = wrong.json();
    // The shape of dashscope-openai-error.json.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["error", "request_id"]);
    assert_eq!(v["error"]["code"], "invalid_api_key");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(v["error"]["param"].is_null());
    assert!(str_at(&v, "/error/message").starts_with("Incorrect API key provided."));
    assert_eq!(v["request_id"], wrong.header("x-request-id"));
    // Byte for byte the recorded body, but for the request id.
    let fixture = include_str!("fixtures/wire/dashscope-openai-error.json").trim_end();
    let recorded_id = "a3a281e3-0610-974a-8fb2-47401f693b8b";
    assert_eq!(
        wrong.body,
        fixture.replace(recorded_id, wrong.header("x-request-id"))
    );

    let missing = send(client().post(native_url(&sim, false)).json(&native_body(
        "qwen-plus",
        "hi",
        json!({}),
    )))
    .await;
    assert_eq!(missing.status, 401);
    let v = missing.json();
    assert_eq!(v["code"], "InvalidApiKey");
    assert_eq!(v["message"], "Invalid API-key provided.");
    assert!(!str_at(&v, "/request_id").is_empty());

    let ok = send(
        client()
            .post(chat_url(&sim))
            .bearer_auth("sk-right")
            .json(&body),
    )
    .await;
    assert_eq!(ok.status, 200);

    let rec = sim.requests();
    assert_eq!(rec.len(), 3);
    assert_eq!(rec[0].method, "POST");
    assert_eq!(rec[0].path, "/compatible-mode/v1/chat/completions");
    assert_eq!(rec[0].header("authorization"), Some("Bearer ***"));
    assert!(!rec[0].authorized);
    assert_eq!(rec[0].body, body);
    assert_eq!(
        rec[1].path,
        "/api/v1/services/aigc/text-generation/generation"
    );
    assert_eq!(rec[1].header("authorization"), None);
    assert_eq!(rec[1].header("x-dashscope-sse"), None);
    assert!(!rec[1].authorized);
    assert!(rec[2].authorized);
    for r in &rec {
        for (name, value) in &r.headers {
            assert_eq!(name, &name.to_lowercase());
            assert!(!value.contains("sk-right") && !value.contains("sk-wrong"));
        }
    }
}

#[tokio::test]
async fn bad_input_is_a_400_not_a_crash() {
    let sim = sim().await;
    let r = send(
        client()
            .post(chat_url(&sim))
            .bearer_auth("k")
            .header("content-type", "application/json")
            .body("{\"model\": \"qwen-plus\", \"messages\": [tru"),
    )
    .await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid_parameter_error");
    assert!(!str_at(&v, "/request_id").is_empty());
    assert_eq!(sim.requests()[0].body, Value::Null);

    for body in [
        json!({"model": "qwen-plus", "messages": "hi"}),
        json!({"model": "qwen-plus", "messages": [{"role": "user", "content": ""}]}),
        json!({"model": "qwen-plus", "messages": [{"role": "wizard", "content": "x"}]}),
        json!({"model": "qwen-plus", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}),
        json!({"model": "qwen-plus", "messages": [{"role": "user", "content": "x"}], "temperature": 5}),
        json!({"messages": [{"role": "user", "content": "x"}]}),
        json!(42),
    ] {
        let r = openai(&sim, body.clone()).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.json()["error"]["code"].is_string());
    }
    let r = native(
        &sim,
        false,
        json!({"model": "qwen-plus", "input": {"messages": [{"content": "x"}]}}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "InvalidParameter");
    // Still serving.
    assert_eq!(
        openai(&sim, chat("qwen-plus", "hi", json!({})))
            .await
            .status,
        200
    );
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn status_faults_in_both_shapes() {
    let sim = start(SimConfig {
        retry_after_secs: 7,
        ..SimConfig::default()
    })
    .await;
    let body = chat("qwen-plus", "hi", json!({}));
    let nbody = native_body("qwen-plus", "hi", json!({}));
    let with = |fault: &str, native_path: bool| {
        let req = if native_path {
            native_req(&sim, false, &nbody)
        } else {
            openai_req(&sim, &body)
        };
        req.header("x-thinkbench-sim-fault", fault)
    };

    let r = send(with("429", false)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), "7");
    assert_eq!(
        r.json()["error"],
        json!({"message": "Requests rate limit exceeded, please try again later.", "type": "limit_requests", "param": null, "code": "limit_requests"})
    );
    let r = send(with("429", true)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), "7");
    assert_eq!(r.json()["code"], "Throttling.RateQuota");
    let fixture = include_str!("fixtures/wire/dashscope-native-error.json").trim_end();
    let recorded_id = "5e8a2f10-7c3b-9d4e-a1f2-b3c4d5e6f708";
    assert_eq!(
        r.body,
        fixture.replace(recorded_id, r.header("x-request-id"))
    );
    assert_eq!(
        r.json()["message"],
        "Requests rate limit exceeded, please try again later."
    );

    let r = send(with("401", false)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
    let r = send(with("401", true)).await;
    assert_eq!(r.json()["code"], "InvalidApiKey");

    let r = send(with("500", true)).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["code"], "InternalError");
    let r = send(with("500", false)).await;
    assert_eq!(r.status, 500);
    assert!(r.json()["error"]["code"].is_string());

    let r = send(with("503", true)).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["code"], "ModelUnavailable");
    let r = send(with("503", false)).await;
    assert_eq!(r.status, 503);
    assert!(!str_at(&r.json(), "/request_id").is_empty());

    let r = send(with("teapot", false)).await;
    assert_eq!(r.status, 400);
    let msg = str_at(&r.json(), "/error/message").to_string();
    for kind in Fault::NAMES {
        assert!(msg.contains(kind), "{msg}");
    }

    // Without the header the sim behaves.
    assert_eq!(send(openai_req(&sim, &body)).await.status, 200);
}

#[tokio::test]
async fn fault_times_counts_across_chat_routes() {
    let sim = start(SimConfig {
        fault: Some(Fault::Unavailable),
        fault_times: Some(2),
        ..SimConfig::default()
    })
    .await;
    let body = chat("qwen-plus", "hi", json!({}));
    let nbody = native_body("qwen-plus", "hi", json!({}));
    // The models list is not a chat route and does not use up the count.
    let models = send(
        client()
            .get(format!("{}/models", sim.openai_base_url()))
            .bearer_auth("k"),
    )
    .await;
    assert_eq!(models.status, 200);
    assert_eq!(openai(&sim, body.clone()).await.status, 503);
    // A forced fault does not use up the count either.
    let forced = send(openai_req(&sim, &body).header("x-thinkbench-sim-fault", "429")).await;
    assert_eq!(forced.status, 429);
    assert_eq!(native(&sim, false, nbody.clone()).await.status, 503);
    assert_eq!(native(&sim, false, nbody).await.status, 200);
    assert_eq!(openai(&sim, body).await.status, 200);
}

#[tokio::test]
async fn configured_401_fault_only_for_the_first_request() {
    let sim = start(SimConfig {
        fault: Some(Fault::Unauthorized),
        fault_times: Some(1),
        ..SimConfig::default()
    })
    .await;
    let body = chat("qwen-plus", "hi", json!({}));
    assert_eq!(openai(&sim, body.clone()).await.status, 401);
    assert_eq!(openai(&sim, body).await.status, 200);
}

#[tokio::test]
async fn drop_aborts_mid_stream_without_a_terminator() {
    let sim = start(SimConfig {
        fault: Some(Fault::Drop),
        ..SimConfig::default()
    })
    .await;
    let prompt = "Explain the borrow checker";
    let resp = openai_req(
        &sim,
        &chat("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let (chunks, end) = read_raw(resp, Duration::from_secs(5)).await;
    assert!(matches!(end, End::Failed), "{end:?}");
    let text = joined(&chunks);
    assert!(!text.contains("[DONE]"));
    assert!(!text.contains("finish_reason\":\"stop"));
    let got = openai_text(&payloads(&sse(&text)));
    let s = script("qwen-plus", prompt, true, sim.config());
    assert_eq!(got.reasoning_chunks, s.reasoning.len() / 3);
    assert!(s.reasoning_text().starts_with(&got.reasoning));

    // Native: no final event.
    let resp = native_req(
        &sim,
        false,
        &native_body("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .send()
    .await
    .unwrap();
    let (chunks, end) = read_raw(resp, Duration::from_secs(5)).await;
    assert!(matches!(end, End::Failed), "{end:?}");
    let text = joined(&chunks);
    assert!(!text.contains("\"finish_reason\":\"stop\""));
    assert!(text.contains("\"finish_reason\":\"null\""));
}

#[tokio::test]
async fn stall_goes_quiet_with_the_connection_open() {
    let sim = start(SimConfig {
        fault: Some(Fault::Stall),
        ..SimConfig::default()
    })
    .await;
    let resp = openai_req(
        &sim,
        &chat("qwen-plus", "hi", json!({"enable_thinking": true})),
    )
    .send()
    .await
    .unwrap();
    let (chunks, end) = read_raw(resp, Duration::from_millis(600)).await;
    assert!(matches!(end, End::Quiet), "{end:?}");
    let text = joined(&chunks);
    assert!(text.contains("reasoning_content"));
    assert!(!text.contains("[DONE]"));

    // Shutting the simulator down ends a stalled stream.
    let resp = native_req(
        &sim,
        false,
        &native_body("qwen-plus", "hi", json!({"enable_thinking": true})),
    )
    .send()
    .await
    .unwrap();
    let mut stream = resp.bytes_stream();
    assert!(stream.next().await.is_some_and(|c| c.is_ok()));
    sim.shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "stalled stream did not end on shutdown");
}

#[tokio::test]
async fn malformed_sends_one_broken_line_then_continues() {
    let sim = start(SimConfig {
        fault: Some(Fault::Malformed),
        ..SimConfig::default()
    })
    .await;
    let prompt = "Explain monads";
    let r = openai(
        &sim,
        chat("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .await;
    assert_eq!(r.status, 200);
    let events = sse(&r.body);
    let (good, bad): (Vec<&Event>, Vec<&Event>) = events
        .iter()
        .partition(|e| e.data == "[DONE]" || serde_json::from_str::<Value>(&e.data).is_ok());
    assert_eq!(bad.len(), 1, "exactly one broken line");
    assert!(bad[0].data.starts_with('{'));
    let chunks: Vec<Value> = good
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect();
    let text = openai_text(&chunks);
    let s = script("qwen-plus", prompt, true, sim.config());
    assert_eq!(text.reasoning, s.reasoning_text());
    assert_eq!(text.answer, s.answer_text());
    assert!(r.body.ends_with("data: [DONE]\n\n"));

    let r = native(
        &sim,
        false,
        native_body("qwen-plus", prompt, json!({"enable_thinking": true})),
    )
    .await;
    let broken = sse(&r.body)
        .iter()
        .filter(|e| serde_json::from_str::<Value>(&e.data).is_err())
        .count();
    assert_eq!(broken, 1);
    assert!(r.body.contains("\"finish_reason\":\"stop\""));
}

#[tokio::test]
async fn error_event_after_partial_output() {
    let sim = sim().await;
    let prompt = "Tell me a story";
    let r = send(
        openai_req(
            &sim,
            &chat("qwen-plus", prompt, json!({"enable_thinking": true})),
        )
        .header("x-thinkbench-sim-fault", "error-event"),
    )
    .await;
    assert_eq!(r.status, 200);
    let events = sse(&r.body);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let err: Value = serde_json::from_str(&events[events.len() - 2].data).unwrap();
    assert_eq!(
        err["error"],
        json!({"code": "data_inspection_failed", "param": null, "message": "Output data may contain inappropriate content.", "type": "data_inspection_failed"})
    );
    assert_eq!(err["request_id"], r.header("x-request-id"));
    assert_eq!(err["id"], format!("chatcmpl-{}", r.header("x-request-id")));
    assert!(err.get("choices").is_none());
    assert!(!r.body.contains("finish_reason\":\"stop"));
    let partial = openai_text(&payloads(&events[..events.len() - 2]));
    assert!(partial.reasoning_chunks > 0);

    let r = send(
        native_req(
            &sim,
            false,
            &native_body("qwen-plus", prompt, json!({"enable_thinking": true})),
        )
        .header("x-thinkbench-sim-fault", "error-event"),
    )
    .await;
    assert_eq!(r.status, 200);
    let events = sse(&r.body);
    let last = events.last().unwrap();
    assert_eq!(last.event.as_deref(), Some("error"));
    assert_eq!(last.comments, vec!["HTTP_STATUS/400".to_string()]);
    assert_eq!(last.id.as_deref(), Some(events.len().to_string().as_str()));
    let v: Value = serde_json::from_str(&last.data).unwrap();
    assert_eq!(v["code"], "DataInspectionFailed");
    assert_eq!(
        v["message"],
        "Output data may contain inappropriate content."
    );
    assert_eq!(v["request_id"], r.header("x-request-id"));
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| e.event.as_deref() == Some("result"))
    );
    assert!(events.len() > 2);
}

#[tokio::test]
async fn trickle_splits_mid_line_and_mid_character_and_completes() {
    let sim = start(short(SimConfig {
        fault: Some(Fault::Trickle),
        fault_times: Some(1),
        ..SimConfig::default()
    }))
    .await;
    let prompt = "用一句话解释 Rust";
    let body = chat("qwen-plus", prompt, json!({"enable_thinking": true}));
    let started = Instant::now();
    let resp = openai_req(&sim, &body).send().await.unwrap();
    let (chunks, end) = read_raw(resp, Duration::from_secs(5)).await;
    let elapsed = started.elapsed();
    assert!(matches!(end, End::Clean), "{end:?}");
    let events_expected = 1 + 9 + 6 + 2 + 1;
    assert!(
        chunks.len() > events_expected * 2,
        "{} chunks",
        chunks.len()
    );
    assert!(
        chunks.iter().any(|c| std::str::from_utf8(c).is_err()),
        "no mid-character split"
    );
    assert!(
        chunks
            .iter()
            .any(|c| c.starts_with(b"dat") && !c.starts_with(b"data")),
        "no mid-line split"
    );
    // At least 10 ms before every frame.
    assert!(
        elapsed >= Duration::from_millis(10 * events_expected as u64),
        "{elapsed:?}"
    );
    let text = joined(&chunks);
    // The reassembled stream equals a normal one (fault_times used up: the next is normal).
    let normal = openai(&sim, body).await;
    let strip = |s: &str| -> Vec<Value> {
        payloads(&sse(s))
            .into_iter()
            .map(|mut v| {
                v["id"] = Value::Null;
                v["created"] = Value::Null;
                v
            })
            .collect()
    };
    assert_eq!(strip(&text), strip(&normal.body));
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn rate_paces_token_chunks() {
    let sim = start(SimConfig {
        rate: Some(200.0),
        reasoning_tokens: Some(20),
        answer_tokens: Some(20),
        ..SimConfig::default()
    })
    .await;
    let started = Instant::now();
    let r = openai(
        &sim,
        chat("qwen-plus", "hi", json!({"enable_thinking": true})),
    )
    .await;
    let elapsed = started.elapsed();
    let text = openai_text(&payloads(&sse(&r.body)));
    assert_eq!(text.reasoning_chunks + text.answer_chunks, 40);
    // 40 tokens at 200/s: 39 gaps of 5 ms.
    assert!(elapsed >= Duration::from_millis(190), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    let fast = start(SimConfig {
        reasoning_tokens: Some(2000),
        answer_tokens: Some(2000),
        ..SimConfig::default()
    })
    .await;
    let started = Instant::now();
    let r = openai(
        &fast,
        chat("qwen-plus", "hi", json!({"enable_thinking": true})),
    )
    .await;
    let text = openai_text(&payloads(&sse(&r.body)));
    assert_eq!(text.reasoning_chunks, 2000);
    assert_eq!(text.answer_chunks, 2000);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn stream_faults_on_non_streaming_calls() {
    let sim = sim().await;
    let body = chat(
        "qwen-plus",
        "hi",
        json!({"stream": false, "stream_options": null}),
    );
    let resp = openai_req(&sim, &body)
        .header("x-thinkbench-sim-fault", "drop")
        .send()
        .await
        .unwrap();
    let (_, end) = read_raw(resp, Duration::from_secs(5)).await;
    assert!(matches!(end, End::Failed), "{end:?}");
    let r = send(openai_req(&sim, &body).header("x-thinkbench-sim-fault", "malformed")).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    let r = send(openai_req(&sim, &body).header("x-thinkbench-sim-fault", "error-event")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "data_inspection_failed");
}
