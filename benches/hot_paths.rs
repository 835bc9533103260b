//! The hot paths on their own: decoding (SSE and NDJSON, MB/s), incremental Markdown of a
//! growing answer, wrapping, and one frame of each screen (normal, compare, long history).
//!
//!     cargo bench --bench hot_paths
//!     cargo bench --bench hot_paths -- --quick     # fewer repetitions
//!
//! The streams come from the built-in simulator (in this process, over loopback HTTP), so the
//! bytes decoded are the bytes the workbench decodes. Each figure is the median of several
//! repetitions.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thinkbench::app::state::State;
use thinkbench::cli::ConnectArgs;
use thinkbench::provider::decode::{ThinkTags, WireFormat, decoder};
use thinkbench::sim::{SimConfig, Simulator};
use thinkbench::tui::harness::{drive, idle_after, typed};
use thinkbench::tui::markdown::MarkdownView;
use thinkbench::tui::run::{Workbench, prepare};
use thinkbench::tui::theme::Theme;
use thinkbench::tui::wrap::{Mode, Wrapped, wrap_ranges};

#[path = "support/history.rs"]
mod history;

const PROMPT: &str = "Explain Rust lifetimes with an example";

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs[runs.len() / 2]
}

/// The median time of `reps` runs of `f`.
fn time(reps: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..reps.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn report(name: &str, took: Duration, what: String) {
    println!(
        "  {name:<44} {:>10.3} ms   {what}",
        took.as_secs_f64() * 1e3
    );
}

/// One streamed body from the simulator: `path` under its base, with a chat request.
async fn body(sim: &Simulator, native: bool) -> Vec<u8> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let (url, json) = if native {
        (
            format!(
                "{}/services/aigc/multimodal-generation/generation",
                sim.native_base_url()
            ),
            serde_json::json!({
                "model": "qwen3.7-plus",
                "input": {"messages": [{"role": "user", "content": [{"text": PROMPT}]}]},
                "parameters": {"incremental_output": true, "enable_thinking": true},
            }),
        )
    } else {
        (
            format!("{}/chat/completions", sim.openai_base_url()),
            serde_json::json!({
                "model": "qwen3.7-plus", "stream": true, "enable_thinking": true,
                "messages": [{"role": "user", "content": PROMPT}],
            }),
        )
    };
    let mut req = client.post(url).bearer_auth("bench").json(&json);
    if native {
        req = req.header("X-DashScope-SSE", "enable");
    }
    let resp = req.send().await.expect("the simulator answers");
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.bytes().await.expect("the whole body").to_vec()
}

/// The same stream as Ollama's native NDJSON: one line per piece, then the final line.
fn ndjson(pieces: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        let line = serde_json::json!({"model": "qwen3", "message": {"role": "assistant", "content": p}, "done": false});
        out.extend(serde_json::to_vec(&line).unwrap());
        out.push(b'\n');
    }
    out.extend(br#"{"model":"qwen3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":8000}"#);
    out.push(b'\n');
    out
}

fn decode_bench(name: &str, format: WireFormat, bytes: &[u8], reps: usize) {
    let mut events = 0;
    let took = time(reps, || {
        let mut d = decoder(format, ThinkTags::Leading);
        let mut out = Vec::with_capacity(16_384);
        for piece in bytes.chunks(4096) {
            d.feed(piece, &mut out);
        }
        d.finish(&mut out);
        events = out.len();
    });
    let mbs = bytes.len() as f64 / 1e6 / took.as_secs_f64();
    report(
        name,
        took,
        format!("{mbs:.0} MB/s ({} KB, {events} events)", bytes.len() / 1024),
    );
}

/// A workbench on the simulator, with `turns` finished messages streamed through the real loop
/// (or `compare` columns) and a 160x48 test terminal.
async fn screen(
    sim: &Simulator,
    dir: &std::path::Path,
    compare: Option<&str>,
) -> (Workbench, Terminal<TestBackend>) {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[providers.bench]\nkind = \"modelstudio\"\nbase_url = \"{}\"\napi_key_cmd = \"echo sk-bench\"\n", sim.openai_base_url()),
    )
    .unwrap();
    let args = ConnectArgs {
        provider: Some("bench".into()),
        config: Some(config),
        model: Some("qwen3.7-plus".into()),
        ..ConnectArgs::default()
    };
    let mut wb = prepare(&args, Some("dark")).await.expect("workbench");
    if let Some(list) = compare {
        thinkbench::app::update::start_compare(&mut wb.state, Some(list), None).expect("targets");
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut keys = typed(PROMPT);
    keys.push(thinkbench::tui::harness::key(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    let done: Box<dyn FnMut(&State) -> bool + Send> = match compare {
        Some(_) => Box::new(|s: &State| {
            !s.is_running()
                && s.compare
                    .as_ref()
                    .is_some_and(|c| c.columns.iter().all(|col| col.latest().is_some()))
        }),
        None => Box::new(idle_after(1)),
    };
    drive(&mut terminal, &mut wb, keys, done).await.unwrap();
    (wb, terminal)
}

/// One frame of what is on screen: the render of every pane, and the diff against the last
/// frame (nothing changed, as between two frames of a settled screen).
fn frame_bench(name: &str, wb: &mut Workbench, terminal: &mut Terminal<TestBackend>, reps: usize) {
    let took = time(reps, || {
        terminal
            .draw(|f| {
                wb.view.render(f, &wb.state);
            })
            .unwrap();
    });
    report(name, took, String::new());
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 3 } else { 15 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            reasoning_tokens: Some(200),
            answer_tokens: Some(8000),
            ..SimConfig::default()
        }))
        .expect("simulator");
    println!("thinkbench hot paths (median of {reps})");

    // Decoding.
    let (openai, native) = rt.block_on(async { (body(&sim, false).await, body(&sim, true).await) });
    let script = thinkbench::sim::script("qwen3.7-plus", PROMPT, true, sim.config());
    let answer_pieces = script.answer.clone();
    decode_bench(
        "decode OpenAI-compatible SSE",
        WireFormat::OpenAiSse,
        &openai,
        reps,
    );
    decode_bench(
        "decode DashScope native SSE",
        WireFormat::DashScopeSse,
        &native,
        reps,
    );
    decode_bench(
        "decode Ollama NDJSON",
        WireFormat::OllamaNdjson,
        &ndjson(&answer_pieces),
        reps,
    );

    // Incremental Markdown: the answer grows a piece at a time; the view is asked for its
    // lines every 25 pieces (a frame at 100 tokens/s and 30 frames/s takes about 3; a burst more).
    let theme = Theme::builtin("dark");
    let answer = script.answer_text();
    let mut calls = 0;
    let took = time(reps.min(5), || {
        let mut view = MarkdownView::new();
        let mut text = String::new();
        calls = 0;
        for (i, p) in answer_pieces.iter().enumerate() {
            text.push_str(p);
            if i % 25 == 0 {
                std::hint::black_box(view.lines(&text, 94, &theme).len());
                calls += 1;
            }
        }
        std::hint::black_box(view.lines(&text, 94, &theme).len());
    });
    report(
        "Markdown, growing 8,000-piece answer",
        took,
        format!(
            "{calls} updates, {:.1} µs each",
            took.as_secs_f64() * 1e6 / calls as f64
        ),
    );
    let took = time(reps, || {
        let mut view = MarkdownView::new();
        std::hint::black_box(view.lines(&answer, 94, &theme).len());
    });
    report(
        "Markdown, whole answer at once",
        took,
        format!("{:.1} MB/s", answer.len() as f64 / 1e6 / took.as_secs_f64()),
    );

    // Wrapping.
    let reasoning = script.reasoning_text().repeat(20);
    let took = time(reps, || {
        std::hint::black_box(wrap_ranges(&reasoning, 60, Mode::Words).len());
    });
    report(
        "wrap 60 columns, words",
        took,
        format!(
            "{:.1} MB/s ({} KB)",
            reasoning.len() as f64 / 1e6 / took.as_secs_f64(),
            reasoning.len() / 1024
        ),
    );
    let took = time(reps.min(5), || {
        let mut w = Wrapped::new();
        let mut text = String::new();
        for p in &script.reasoning {
            text.push_str(p);
            w.update(&text, 60);
        }
        std::hint::black_box(w.len());
    });
    report(
        "wrap, growing reasoning (one update per piece)",
        took,
        format!("{} updates", script.reasoning.len()),
    );

    // One frame of each screen.
    let dir = tempfile::tempdir().unwrap();
    let small = rt
        .block_on(Simulator::start(SimConfig::default()))
        .expect("simulator");
    let (mut wb, mut term) = rt.block_on(screen(&small, dir.path(), None));
    frame_bench(
        "frame: normal screen, one answer",
        &mut wb,
        &mut term,
        reps * 10,
    );
    history::fill_history(&mut wb.state, 200);
    // The first frame after the history arrives lays it out; the next ones are what scrolling
    // and streaming cost.
    frame_bench(
        "frame: long history (200 messages)",
        &mut wb,
        &mut term,
        reps * 10,
    );
    let (mut wb, mut term) = rt.block_on(screen(
        &small,
        dir.path(),
        Some("qwen3.7-plus@budget=4000,qwen3.7-plus@budget=8000,qwen3.7-max@budget=4000,qwen3.7-max@budget=8000"),
    ));
    frame_bench(
        "frame: compare, four columns",
        &mut wb,
        &mut term,
        reps * 10,
    );
    drop((wb, term));
    rt.block_on(async {
        drop(sim);
        drop(small);
    });
}
