//! Multi-turn history through the real client and request builder against the simulator:
//! `preserve_thinking` sends earlier reasoning back (and it is billed as input); without it,
//! or on a model that does not support it, history carries answers only.

mod common;

use common::*;
use serde_json::json;
use thinkbench::catalog::{Catalog, MODEL_STUDIO};
use thinkbench::provider::Transcript;
use thinkbench::provider::client::{ApiKey, Client, NetworkSettings, RunEnd};
use thinkbench::provider::dialect::{Dialect, Protocol};
use thinkbench::provider::plan::{Capabilities, ThinkingSettings, resolve};
use thinkbench::provider::request::{ChatRequest, Message, Target, prepare};
use tokio_util::sync::CancellationToken;

async fn ask(
    client: &Client,
    target: &Target,
    model: &str,
    messages: Vec<Message>,
    preserve: bool,
) -> Transcript {
    let catalog = Catalog::builtin();
    let caps = Capabilities::of(Dialect::ModelStudio, catalog.lookup(model, MODEL_STUDIO));
    let settings = ThinkingSettings {
        thinking: Some(true),
        budget: None,
        preserve,
    };
    let resolved = resolve(Dialect::ModelStudio, model, &caps, &settings).expect("valid settings");
    let req = ChatRequest {
        model: model.into(),
        messages,
        thinking: resolved,
        max_tokens: None,
        temperature: None,
    };
    let prepared = prepare(target, &req);
    let mut t = Transcript::default();
    let out = client
        .run(
            &prepared,
            Some(&ApiKey::new(KEY)),
            &CancellationToken::new(),
            &mut |e| {
                if let thinkbench::provider::client::RunEvent::Stream(e) = e {
                    t.apply(&e);
                }
            },
        )
        .await;
    assert_eq!(out.end, RunEnd::Complete);
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preserved_reasoning_goes_back_and_counts_as_input() {
    let sim = sim(|_| {}).await;
    let client = Client::new(NetworkSettings::default()).unwrap();
    let catalog = Catalog::builtin();
    let model = "qwen3.7-plus";
    for protocol in [Protocol::Openai, Protocol::Dashscope] {
        let target = Target {
            dialect: Dialect::ModelStudio,
            protocol,
            base_url: if protocol == Protocol::Openai {
                sim.openai_base_url()
            } else {
                sim.native_base_url()
            },
            native: catalog.lookup(model, MODEL_STUDIO).unwrap().native,
            think_tags: None,
        };
        let first = ask(
            &client,
            &target,
            model,
            vec![Message::user("What is entropy?")],
            false,
        )
        .await;
        assert!(!first.reasoning.is_empty());
        let history = vec![
            Message::user("What is entropy?"),
            Message::assistant(first.answer.clone(), Some(first.reasoning.clone())),
            Message::user("And in information theory?"),
        ];
        let plain = ask(&client, &target, model, history.clone(), false).await;
        let plain_req = sim.requests().last().unwrap().clone();
        let kept = ask(&client, &target, model, history, true).await;
        let kept_req = sim.requests().last().unwrap().clone();

        let (plain_msgs, kept_msgs, params) = match protocol {
            Protocol::Openai => (
                &plain_req.body["messages"],
                &kept_req.body["messages"],
                &kept_req.body,
            ),
            _ => (
                &plain_req.body["input"]["messages"],
                &kept_req.body["input"]["messages"],
                &kept_req.body["parameters"],
            ),
        };
        assert!(
            plain_msgs[1].get("reasoning_content").is_none(),
            "{protocol:?}: answers only without preserve"
        );
        assert_eq!(
            kept_msgs[1]["reasoning_content"],
            json!(first.reasoning),
            "{protocol:?}"
        );
        assert_eq!(params["preserve_thinking"], json!(true), "{protocol:?}");
        let input = |t: &Transcript| t.usage.as_ref().and_then(|u| u.input_tokens).unwrap();
        assert!(
            input(&kept) > input(&plain),
            "{protocol:?}: preserved reasoning is billed as input ({} vs {})",
            input(&kept),
            input(&plain)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deepseek_style_history_always_carries_reasoning() {
    // The DeepSeek dialect round-trips reasoning_content on every assistant message, with an
    // empty placeholder where there was none; asserted on the body the builder produces.
    let target = Target {
        dialect: Dialect::DeepSeek,
        protocol: Protocol::Openai,
        base_url: "http://127.0.0.1:1/v1".into(),
        native: Default::default(),
        think_tags: None,
    };
    let caps = Capabilities::of(
        Dialect::DeepSeek,
        Catalog::builtin().lookup("deepseek-v4-pro", "deepseek"),
    );
    let resolved = resolve(
        Dialect::DeepSeek,
        "deepseek-v4-pro",
        &caps,
        &ThinkingSettings::default(),
    )
    .unwrap();
    let req = ChatRequest {
        model: "deepseek-v4-pro".into(),
        messages: vec![
            Message::user("a"),
            Message::assistant("b", Some("thought".into())),
            Message::user("c"),
            Message::assistant("d", None),
            Message::user("e"),
        ],
        thinking: resolved,
        max_tokens: None,
        temperature: None,
    };
    let body = prepare(&target, &req).body;
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled"}),
        "deepseek-v4-pro thinks by default on DeepSeek's API"
    );
    assert_eq!(body["messages"][1]["reasoning_content"], json!("thought"));
    assert_eq!(body["messages"][3]["reasoning_content"], json!(""));
}
