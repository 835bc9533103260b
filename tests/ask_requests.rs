//! What `thinkbench ask` puts on the wire, for both Model Studio protocols, across hybrid,
//! thinking-only, default-on and default-off models, thinking on/off/default, budget and
//! preserve_thinking — asserted from the simulator's record of the requests it received.

mod common;

use common::*;
use serde_json::{Value, json};
use thinkbench::catalog::{Catalog, MODEL_STUDIO, ThinkingKind};

/// The expectation, stated from the rules rather than from the code under test.
fn expected_exit(model: &str, think: Option<bool>, budget: bool, preserve: bool) -> i32 {
    let c = Catalog::builtin();
    let m = c.lookup(model, MODEL_STUDIO).unwrap();
    let thinks = match m.thinking {
        ThinkingKind::Always => {
            if think == Some(false) {
                return 2; // "off" is not possible for a thinking-only model
            }
            true
        }
        ThinkingKind::Never => false,
        ThinkingKind::Hybrid => think.unwrap_or(m.default_on),
    };
    if budget && (!thinks || !m.budget) {
        return 2;
    }
    if preserve && !m.preserve {
        return 2;
    }
    0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_follow_the_catalog_on_both_protocols() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let catalog = Catalog::builtin();
    // qwen3.7-plus: hybrid, on by default, budget, preserve, multimodal native path.
    // qwen-plus: hybrid, off by default, budget, no preserve, text path.
    // qwq-plus: thinking-only, no budget. deepseek-v4-flash: hybrid, off, no budget.
    let models = ["qwen3.7-plus", "qwen-plus", "qwq-plus", "deepseek-v4-flash"];
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut rejected = 0;
    for protocol in ["openai", "dashscope"] {
        let base = match protocol {
            "openai" => sim.openai_base_url(),
            _ => sim.native_base_url(),
        };
        for model in models {
            let info = catalog.lookup(model, MODEL_STUDIO).unwrap();
            for think in [None, Some(true), Some(false)] {
                for budget in [false, true] {
                    for preserve in [false, true] {
                        let mut args = ask_args(&base, protocol, model);
                        match think {
                            Some(true) => args.push("--think"),
                            Some(false) => args.push("--no-think"),
                            None => {}
                        }
                        if budget {
                            args.extend(["--budget", "64"]);
                        }
                        if preserve {
                            args.push("--preserve-thinking");
                        }
                        args.extend(["--json", "What is 2+2?"]);
                        let before = sim.requests().len();
                        let out = thinkbench(&home, &args).await;
                        let want = expected_exit(model, think, budget, preserve);
                        let case = format!(
                            "{protocol} {model} think={think:?} budget={budget} preserve={preserve}"
                        );
                        assert_eq!(out.code, want, "{case}\nstderr: {}", out.stderr);
                        let reqs = sim.requests();
                        if want != 0 {
                            assert_eq!(reqs.len(), before, "{case}: nothing may be sent");
                            assert!(!out.stderr.trim().is_empty(), "{case}: the reason is shown");
                            rejected += 1;
                            continue;
                        }
                        assert_eq!(reqs.len(), before + 1, "{case}");
                        let req = reqs.last().unwrap();
                        let (params, path_ok): (&Value, bool) = if protocol == "openai" {
                            assert_eq!(req.body["stream"], json!(true), "{case}");
                            assert_eq!(
                                req.body["stream_options"]["include_usage"],
                                json!(true),
                                "{case}"
                            );
                            (
                                &req.body,
                                req.path == "/compatible-mode/v1/chat/completions",
                            )
                        } else {
                            let p = &req.body["parameters"];
                            assert_eq!(p["incremental_output"], json!(true), "{case}");
                            assert_eq!(p["result_format"], json!("message"), "{case}");
                            assert!(req.body["input"]["messages"].is_array(), "{case}");
                            assert!(
                                req.headers
                                    .iter()
                                    .any(|(k, v)| k == "x-dashscope-sse" && v == "enable"),
                                "{case}"
                            );
                            let want_path = match info.native {
                                thinkbench::catalog::NativeEndpoint::Multimodal => {
                                    "/api/v1/services/aigc/multimodal-generation/generation"
                                }
                                thinkbench::catalog::NativeEndpoint::Text => {
                                    "/api/v1/services/aigc/text-generation/generation"
                                }
                            };
                            (p, req.path == want_path)
                        };
                        assert!(path_ok, "{case}: path {}", req.path);
                        // Hybrid models always get enable_thinking; thinking-only never get false.
                        let sent = params.get("enable_thinking").cloned();
                        match info.thinking {
                            ThinkingKind::Hybrid => {
                                let on = think.unwrap_or(info.default_on);
                                assert_eq!(sent, Some(json!(on)), "{case}");
                            }
                            _ => assert_ne!(sent, Some(json!(false)), "{case}"),
                        }
                        assert_eq!(
                            params.get("thinking_budget").cloned(),
                            budget.then(|| json!(64)),
                            "{case}"
                        );
                        assert_eq!(
                            params.get("preserve_thinking").cloned(),
                            preserve.then_some(json!(true)),
                            "{case}"
                        );
                        // What came back agrees with what was asked.
                        let v = out.json();
                        let thinks = params.get("enable_thinking") != Some(&json!(false));
                        assert_eq!(
                            !v["reasoning"].as_str().unwrap().is_empty(),
                            thinks,
                            "{case}"
                        );
                        assert!(!v["content"].as_str().unwrap().is_empty(), "{case}");
                        if thinks {
                            let r = v["usage"]["reasoning_tokens"]
                                .as_u64()
                                .expect("reasoning tokens reported");
                            if budget {
                                assert!(
                                    r <= 64,
                                    "{case}: {r} reasoning tokens over a budget of 64"
                                );
                            }
                        } else {
                            assert_eq!(
                                v["usage"]["reasoning_tokens"],
                                Value::Null,
                                "{case}: unknown is null, not 0"
                            );
                        }
                        *checked.entry(format!("{protocol} {model}")).or_default() += 1;
                    }
                }
            }
        }
    }
    // Every model was exercised on both protocols, and some combinations were refused.
    assert_eq!(checked.len(), 2 * models.len(), "{checked:?}");
    assert!(rejected > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_prompt_and_sampling_reach_the_wire() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", "qwen-plus");
    args.extend([
        "--system",
        "Answer in haiku.",
        "--max-tokens",
        "40",
        "--temperature",
        "0.3",
        "--no-think",
        "hi",
    ]);
    let out = thinkbench(&home, &args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = &sim.requests()[0].body;
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "Answer in haiku."})
    );
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "hi"})
    );
    assert_eq!(body["max_tokens"], json!(40));
    assert!((body["temperature"].as_f64().unwrap() - 0.3).abs() < 1e-6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn think_suffixes_pass_through_to_models_that_honour_them() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let base = sim.openai_base_url();
    for (model, prompt, reasons) in [
        ("qwen3-8b", "Is 91 prime? /no_think", false),
        ("qwen3-8b", "Is 91 prime? /no_think then /think", true),
        ("qwen3-8b", "Is 91 prime?", true),
        // qwen-plus does not honour the suffixes: it thinks when asked to.
        ("qwen-plus", "Is 91 prime? /no_think", true),
    ] {
        let mut args = ask_args(&base, "openai", model);
        args.extend(["--think", "--json", prompt]);
        let out = thinkbench(&home, &args).await;
        assert_eq!(out.code, 0, "{model} {prompt}: {}", out.stderr);
        let body = sim.requests().last().unwrap().body.clone();
        assert_eq!(body["enable_thinking"], json!(true));
        assert_eq!(
            body["messages"][0]["content"],
            json!(prompt),
            "the prompt goes out unchanged"
        );
        let v = out.json();
        assert_eq!(
            !v["reasoning"].as_str().unwrap().is_empty(),
            reasons,
            "{model} {prompt}"
        );
    }
}
