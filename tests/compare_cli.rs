//! `thinkbench compare` as a user runs it, against simulators on loopback: the table and the
//! JSON, what went on the wire per target, sweeps, a failing provider beside a working one,
//! targets running at once, Ctrl+C, usage errors, and the key never shown.

mod common;

use common::*;
use serde_json::{Value, json};
use thinkbench::sim::{Fault, RecordedRequest, Simulator};

const PROMPT: &str = "Why is the sky blue?";

/// `compare` pointed at `sim` (OpenAI protocol) with `args` and the prompt; the key must not
/// show anywhere.
async fn compare(sim: &Simulator, args: &[&str]) -> Output {
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut all = vec!["compare", "--base-url", &base, "--api-key-env", KEY_VAR];
    all.extend(args);
    all.push(PROMPT);
    let out = thinkbench(&home, &all).await;
    no_key(&out);
    out
}

fn no_key(out: &Output) {
    assert!(
        !out.stdout.contains(KEY) && !out.stderr.contains(KEY),
        "the API key leaked"
    );
}

/// The table's rows after the header: a row starts at a line that does not start with a space
/// (the target's own continuation lines and the lines under a row do); blank lines part rows.
fn rows(stdout: &str) -> Vec<String> {
    let (header, rest) = stdout.split_once('\n').unwrap_or_default();
    assert!(header.starts_with("TARGET"), "{stdout}");
    let mut rows: Vec<String> = Vec::new();
    for line in rest.lines().filter(|l| !l.is_empty()) {
        match rows.last_mut() {
            Some(row) if line.starts_with(' ') => {
                row.push('\n');
                row.push_str(line);
            }
            _ => rows.push(line.to_string()),
        }
    }
    rows
}

/// The chat requests `sim` received, by what matters here.
fn chats(sim: &Simulator) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

fn find<'a>(requests: &'a [RecordedRequest], model: &str, thinking: Value) -> &'a RecordedRequest {
    requests
        .iter()
        .find(|r| r.body["model"] == model && r.body["enable_thinking"] == thinking)
        .unwrap_or_else(|| panic!("no request for {model} with enable_thinking {thinking}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_models_and_thinking_on_vs_off_make_a_row_each_in_order_with_their_proof() {
    let sim = sim(|_| {}).await;
    let out = compare(
        &sim,
        &[
            "--target",
            "qwen3.7-plus@think=on,budget=40",
            "--target",
            "qwen3.7-plus@think=off,qwq-plus",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    // The budget target is wider than its column: it wraps after its comma.
    assert!(rows[0].starts_with("qwen3.7-plus@think=on,"), "{}", rows[0]);
    assert!(rows[0].contains("\n budget=40"), "{}", rows[0]);
    assert!(
        rows[0].contains("✓ thinking on, and it reasoned"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].contains("✓ budget 40 honoured (40 reasoning tokens)"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with("qwen3.7-plus@think=off "),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains("✓ thinking off, and no reasoning arrived"),
        "{}",
        rows[1]
    );
    assert!(rows[2].starts_with("qwq-plus "), "{}", rows[2]);
    assert!(
        rows[2].contains("✓ thinking on, and it reasoned"),
        "{}",
        rows[2]
    );
    for row in &rows {
        let first = row.lines().next().unwrap();
        assert!(first.contains(" held "), "{first}");
        assert!(first.ends_with(" stop"), "{first}");
    }
    // What went on the wire, per target.
    let requests = chats(&sim);
    assert_eq!(requests.len(), 3);
    let on = find(&requests, "qwen3.7-plus", json!(true));
    assert_eq!(on.body["thinking_budget"], 40);
    let off = find(&requests, "qwen3.7-plus", json!(false));
    assert!(off.body.get("thinking_budget").is_none(), "{}", off.body);
    let qwq = requests
        .iter()
        .find(|r| r.body["model"] == "qwq-plus")
        .unwrap();
    assert_ne!(
        qwq.body["enable_thinking"], false,
        "thinking-only: never off"
    );
    for r in &requests {
        assert_eq!(r.body["messages"][0]["content"], PROMPT);
    }
    // A line on stderr for each finished run.
    for t in [
        "qwen3.7-plus@think=on,budget=40",
        "qwen3.7-plus@think=off",
        "qwq-plus",
    ] {
        assert!(
            out.stderr
                .contains(&format!("thinkbench: {t} finished in ")),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_is_an_array_of_ask_objects_with_target_and_proof() {
    let sim = sim(|_| {}).await;
    let targets = ["qwen3.7-plus@think=on,budget=30", "qwen-plus"];
    let mut args = vec!["--json"];
    for t in targets {
        args.extend(["-t", t]);
    }
    let out = compare(&sim, &args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let array = v.as_array().expect("an array");
    assert_eq!(array.len(), 2);
    for (o, target) in array.iter().zip(targets) {
        assert_eq!(o["target"], target);
        assert!(o.get("repeat").is_none(), "no repeat without --repeat");
        for key in [
            "model",
            "provider",
            "reasoning",
            "content",
            "tool_calls",
            "finish_reason",
            "usage",
            "cost_usd",
            "thinking",
            "timings",
            "complete",
            "error",
        ] {
            assert!(o.get(key).is_some(), "missing {key}: {o}");
        }
        assert_eq!(o["complete"], true);
        assert_eq!(o["proof"]["holds"], true, "{o}");
        assert_eq!(o["proof"]["answer_in_reasoning"], false);
        assert!(o["proof"]["findings"][0]["ok"].as_bool().unwrap());
    }
    assert_eq!(array[0]["thinking"]["thinking_budget"], 30);
    assert_eq!(array[0]["usage"]["reasoning_tokens"], 30);
    assert_eq!(
        array[0]["proof"]["findings"][1]["text"],
        "budget 30 honoured (30 reasoning tokens)"
    );
    assert_eq!(array[1]["model"], "qwen-plus");
    assert_eq!(array[1]["thinking"]["enable_thinking"], false);
    assert_eq!(
        array[1]["proof"]["findings"][0]["text"],
        "thinking off, and no reasoning arrived"
    );

    // --repeat 2: every target twice, in the order given, numbered.
    args.extend(["--repeat", "2"]);
    let out = compare(&sim, &args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let got: Vec<(String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["target"].as_str().unwrap().to_string(),
                o["repeat"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = targets
        .iter()
        .flat_map(|t| [(t.to_string(), 1), (t.to_string(), 2)])
        .collect();
    assert_eq!(got, want);
    assert_eq!(chats(&sim).len(), 2 + 4);
    assert!(
        out.stderr.contains("(run 2 of 2) finished in"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_show_how_many_runs_held() {
    let sim = sim(|_| {}).await;
    let out = compare(&sim, &["--repeat", "3", "-t", "qwen3.7-plus@think=off"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 1, "{}", out.stdout);
    assert!(rows[0].contains(" 3/3 held "), "{}", rows[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_sweep_has_a_thinking_off_baseline_and_a_column_per_budget() {
    let sim = sim(|_| {}).await;
    let out = compare(
        &sim,
        &["--model", "qwen3.7-plus", "--sweep", "budget=20,50,80"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 4, "{}", out.stdout);
    assert!(
        rows[0].starts_with("qwen3.7-plus@think=off "),
        "{}",
        rows[0]
    );
    for (row, b) in rows[1..].iter().zip([20, 50, 80]) {
        assert!(row.contains(&format!("budget={b}")), "{row}");
        assert!(
            row.contains(&format!("✓ budget {b} honoured ({b} reasoning tokens)")),
            "{row}"
        );
    }
    let requests = chats(&sim);
    assert_eq!(requests.len(), 4);
    let off = find(&requests, "qwen3.7-plus", json!(false));
    assert!(off.body.get("thinking_budget").is_none());
    let mut budgets: Vec<u64> = requests
        .iter()
        .filter(|r| r.body["enable_thinking"] == true)
        .map(|r| r.body["thinking_budget"].as_u64().unwrap())
        .collect();
    budgets.sort();
    assert_eq!(budgets, [20, 50, 80]);
}

/// A config with a provider per simulator, named as given, each with the test key.
fn providers(home: &Home, sims: &[(&str, &Simulator)], extra: &str) -> String {
    let mut text = String::from(extra);
    for (name, sim) in sims {
        text.push_str(&format!(
            "\n[providers.{name}]\nkind = \"modelstudio\"\nbase_url = \"{}\"\napi_key_env = \"{KEY_VAR}\"\n",
            sim.openai_base_url()
        ));
    }
    home.config(&text).to_str().unwrap().to_string()
}

const NO_RETRIES: &str = "[network]\nidle_timeout_secs = 2\nmax_retries = 0\n";

async fn good_and_bad(fault: Fault, json: bool) -> (Output, Simulator, Simulator) {
    let good = sim(|_| {}).await;
    let bad = sim(|c| {
        c.fault = Some(fault);
        c.reasoning_tokens = Some(60);
        c.answer_tokens = Some(30);
    })
    .await;
    let home = Home::new();
    let config = providers(&home, &[("good", &good), ("bad", &bad)], NO_RETRIES);
    let mut args = vec![
        "compare",
        "--config",
        &config,
        "-t",
        "qwen3.7-plus@provider=bad",
        "-t",
        "qwen3.7-plus@provider=good",
    ];
    if json {
        args.push("--json");
    }
    args.push(PROMPT);
    let out = thinkbench(&home, &args).await;
    no_key(&out);
    (out, good, bad)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_error_on_one_provider_is_shown_while_the_other_finishes() {
    let (out, good, bad) = good_and_bad(Fault::ServerError, false).await;
    assert_eq!(out.code, 3, "an API error: {}", out.stderr);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 2, "{}", out.stdout);
    assert!(rows[0].starts_with("qwen3.7-plus"), "{}", rows[0]);
    assert!(rows[0].contains("provider=bad"), "{}", rows[0]);
    assert!(rows[0].contains(" failed"), "{}", rows[0]);
    assert!(
        rows[0].contains("error: ") && rows[0].contains("500"),
        "{}",
        rows[0]
    );
    assert!(rows[1].contains("provider=good"), "{}", rows[1]);
    assert!(rows[1].contains(" held "), "{}", rows[1]);
    assert!(
        out.stderr
            .contains("thinkbench: qwen3.7-plus@provider=bad failed after"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("thinkbench: qwen3.7-plus@provider=good finished in"),
        "{}",
        out.stderr
    );
    assert_eq!(chats(&good).len(), 1);
    assert_eq!(chats(&bad).len(), 1, "no retries configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_keeps_its_partial_output_and_exits_4() {
    let (out, _good, _bad) = good_and_bad(Fault::Drop, true).await;
    assert_eq!(out.code, 4, "a network failure: {}", out.stderr);
    let v = out.json();
    let (bad, good) = (&v[0], &v[1]);
    assert_eq!(bad["target"], "qwen3.7-plus@provider=bad");
    assert_eq!(bad["provider"], "bad");
    assert_eq!(bad["complete"], false);
    assert_eq!(bad["error"]["code"], "stream_interrupted");
    assert!(
        !bad["reasoning"].as_str().unwrap().is_empty(),
        "partial text kept"
    );
    assert_eq!(good["provider"], "good");
    assert_eq!(good["complete"], true);
    assert_eq!(good["error"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_target_does_not_hold_up_a_fast_one() {
    let slow = sim(|c| {
        c.rate = Some(20.0);
        c.reasoning_tokens = Some(20);
        c.answer_tokens = Some(20);
    })
    .await;
    let fast = sim(|_| {}).await;
    let home = Home::new();
    let config = providers(&home, &[("slow", &slow), ("fast", &fast)], "");
    let out = thinkbench_with(
        &home,
        &[
            "compare",
            "--config",
            &config,
            "-t",
            "qwen3.7-plus@provider=slow",
            "-t",
            "qwen3.7-plus@provider=fast",
            "-t",
            "qwen3.7-plus@provider=demo",
            PROMPT,
        ],
        &[("THINKBENCH_SIM_RATE", "0")],
    )
    .await;
    no_key(&out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let finished: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(" finished in "))
        .collect();
    assert_eq!(finished.len(), 3, "{}", out.stderr);
    assert!(
        finished[2].starts_with("thinkbench: qwen3.7-plus@provider=slow finished"),
        "the slow target finishes last: {}",
        out.stderr
    );
    // The table keeps the order given.
    let rows = rows(&out.stdout);
    let order: Vec<bool> = ["slow", "fast", "demo"]
        .iter()
        .zip(&rows)
        .map(|(p, row)| row.contains(&format!("provider={p}")))
        .collect();
    assert_eq!(order, [true, true, true], "{}", out.stdout);
    assert_eq!(chats(&slow).len(), 1);
    assert_eq!(chats(&fast).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_every_run_and_prints_what_arrived() {
    let sim = sim(|c| {
        c.rate = Some(5.0);
        c.reasoning_tokens = Some(200);
    })
    .await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let args = [
        "compare",
        "--base-url",
        &base,
        "--api-key-env",
        KEY_VAR,
        "-t",
        "qwen3.7-plus",
        "-t",
        "qwen-plus@think=on",
        PROMPT,
    ];
    let child = command(&home, &args, &[]).spawn().expect("thinkbench runs");
    // Both requests are under way: press Ctrl+C.
    while chats(&sim).len() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pid = child.id().expect("running") as i32;
    // SAFETY: sends SIGINT to the child we started.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("it ends")
        .expect("it ran");
    let out = Output::from(out);
    no_key(&out);
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.code, 130, "{stderr}");
    let rows = rows(stdout);
    assert_eq!(rows.len(), 2, "{stdout}");
    for row in &rows {
        assert!(row.lines().next().unwrap().ends_with(" cancelled"), "{row}");
    }
    assert!(stderr.contains("qwen3.7-plus cancelled after"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_name_the_target() {
    let home = Home::new();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["-t", "qwen 3"],
            "target \"qwen 3\"",
            "not a model name",
        ),
        (
            vec!["-t", "qwen3.7-plus@speed=fast"],
            "target \"qwen3.7-plus@speed=fast\"",
            "unknown setting \"speed\"",
        ),
        (
            vec!["-t", "qwen-plus", "-t", "qwen3.7-plus@budget=0"],
            "target \"qwen3.7-plus@budget=0\"",
            "positive",
        ),
        (
            vec!["-t", "qwen3.7-plus,qwq-plus@think=off"],
            "target \"qwq-plus@think=off\"",
            "thinking-only",
        ),
        (
            vec!["--sweep", "budget=100", "-t", "qwq-plus"],
            "target \"qwq-plus\"",
            "no thinking budget",
        ),
        (
            vec!["--sweep", "budget=100", "--model", "deepseek-v4-flash"],
            "target \"deepseek-v4-flash\"",
            "no thinking budget",
        ),
        (
            vec!["--sweep", "think", "-t", "qwen-plus", "-t", "qwen3.7-plus"],
            "\"qwen-plus\", \"qwen3.7-plus\"",
            "--sweep",
        ),
        (
            vec!["-t", "qwen-plus@provider=nosuch"],
            "target \"qwen-plus@provider=nosuch\"",
            "unknown provider",
        ),
        (vec!["-t", "a,b,c,d,e,f,g,h,i"], "9 targets", "at most 8"),
        (vec!["--repeat", "0", "-t", "qwen-plus"], "--repeat", "0"),
    ];
    for (args, target, needle) in cases {
        let mut all = vec!["compare", "--demo"];
        all.extend(&args);
        all.push("q");
        let out = thinkbench(&home, &all).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        no_key(&out);
        for n in [target, needle] {
            assert!(
                out.stderr.contains(n),
                "{args:?}: expected {n:?} in {}",
                out.stderr
            );
        }
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
