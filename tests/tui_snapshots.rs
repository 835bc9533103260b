//! Snapshots of the main screens, drawn by the real render code into a `TestBackend`, with the
//! workbench driven by real key events through the real event loop against the simulator.
//! Times and speeds vary from run to run and are masked; everything else is exact.

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use thinkbench::app::state::State;
use thinkbench::cli::ConnectArgs;
use thinkbench::connect::Opening;
use thinkbench::sim::{Fault, SimConfig, Simulator};
use thinkbench::tui::harness::{chars, drive, frame, idle_after, key, typed};
use thinkbench::tui::run::{Workbench, prepare_with};
use unicode_width::UnicodeWidthStr;

/// The screen as text, one line per row (wide characters take their two columns).
fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        let mut line = String::new();
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            x += sym.width().max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

macro_rules! snapshot {
    ($name:expr, $buf:expr) => {
        insta::with_settings!({
            filters => vec![
                                (r"\d+ m \d\d s *", "[time] "),
                (r"\d+(\.\d)? s\b *", "[time] "),
                (r"Speed +(\d+ tok/s|—) *", "Speed [speed] "),
                (r"[⠋⠙⠹⠸⠼⠴⠦⠧]", "*"),
                (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
                (r"\d+%\s*$", "[pct]"),
            ],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, text(&$buf));
        });
    };
}

async fn bench(
    sim: SimConfig,
    w: u16,
    h: u16,
) -> (
    Terminal<TestBackend>,
    Workbench,
    Simulator,
    tempfile::TempDir,
) {
    let sim = Simulator::start(sim).await.expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[providers.sim]\nkind = \"modelstudio\"\nbase_url = \"{}\"\napi_key_cmd = \"echo sk-snapshot\"\n",
            sim.openai_base_url()
        ),
    )
    .unwrap();
    let args = ConnectArgs {
        provider: Some("sim".into()),
        config: Some(config),
        model: Some("qwen3.7-plus".into()),
        ..ConnectArgs::default()
    };
    let wb = prepare_with(&args, Some("dark"), Opening::default())
        .await
        .expect("workbench");
    let term = Terminal::new(TestBackend::new(w, h)).unwrap();
    (term, wb, sim, dir)
}

fn fast() -> SimConfig {
    SimConfig {
        rate: None,
        reasoning_tokens: Some(80),
        answer_tokens: Some(120),
        ..SimConfig::default()
    }
}

fn ctrl(c: char) -> crossterm::event::Event {
    key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_screen() {
    let (mut term, mut wb, _sim, _dir) = bench(fast(), 120, 32).await;
    drive(&mut term, &mut wb, vec![], |_: &State| true)
        .await
        .unwrap();
    snapshot!("welcome", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_exchange_then_thinking_off() {
    let (mut term, mut wb, sim, _dir) = bench(fast(), 140, 44).await;
    drive(
        &mut term,
        &mut wb,
        typed("How do rainbows form?"),
        idle_after(1),
    )
    .await
    .unwrap();
    snapshot!("finished_one", frame(&mut term, &mut wb));
    let mut events = vec![ctrl('t')];
    events.extend(typed("And double rainbows?"));
    drive(&mut term, &mut wb, events, idle_after(2))
        .await
        .unwrap();
    snapshot!("finished_two_thinking_off", frame(&mut term, &mut wb));
    let reqs = sim.requests();
    assert_eq!(reqs[0].body["enable_thinking"], true);
    assert_eq!(reqs[1].body["enable_thinking"], false);
    // The inspector shows exactly what was sent, the key redacted.
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(2), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .unwrap();
    let screen = frame(&mut term, &mut wb);
    assert!(text(&screen).contains("Bearer *** (redacted)"));
    assert!(!text(&screen).contains("sk-snapshot"));
    snapshot!("inspector", screen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mid_stream_with_reasoning_and_gauge() {
    // The stream stalls at a fixed point, so the partial screen is the same every run.
    let sim = SimConfig {
        fault: Some(Fault::Stall),
        reasoning_tokens: Some(300),
        ..fast()
    };
    let (mut term, mut wb, _sim, _dir) = bench(sim, 140, 40).await;
    let mut events = vec![ctrl('b')];
    events.extend(chars("500"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    events.extend(typed("Plan a three-day trip to Kyoto."));
    let mut last = (0, std::time::Instant::now());
    drive(&mut term, &mut wb, events, move |s: &State| {
        // Stop once the text has not grown for a while.
        let n = s
            .selected_variant()
            .map_or(0, |v| v.reply.reasoning.len() + v.reply.answer.len());
        if n != last.0 {
            last = (n, std::time::Instant::now());
        }
        n > 0 && last.1.elapsed() > std::time::Duration::from_millis(400)
    })
    .await
    .unwrap();
    let v = wb.state.selected_variant().unwrap();
    assert!(v.status.is_running(), "still streaming");
    assert!(!v.reply.reasoning.is_empty());
    snapshot!("mid_stream", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn popups_help_budget_and_picker() {
    let (mut term, mut wb, _sim, _dir) = bench(fast(), 120, 40).await;
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(1), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .unwrap();
    snapshot!("help", frame(&mut term, &mut wb));
    let mut events = vec![key(KeyCode::Esc, KeyModifiers::NONE), ctrl('b')];
    events.extend(chars("15000"));
    drive(&mut term, &mut wb, events, |s: &State| {
        !s.overlays.is_empty()
    })
    .await
    .unwrap();
    snapshot!("budget_editor", frame(&mut term, &mut wb));
    let mut events = vec![key(KeyCode::Esc, KeyModifiers::NONE), ctrl('o')];
    events.extend(chars("qwq"));
    drive(&mut term, &mut wb, events, |s: &State| {
        !s.overlays.is_empty()
    })
    .await
    .unwrap();
    snapshot!("model_picker", frame(&mut term, &mut wb));
    // Picking the thinking-only model locks the toggle.
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::Enter, KeyModifiers::NONE)],
        |s: &State| s.overlays.is_empty(),
    )
    .await
    .unwrap();
    assert_eq!(wb.state.next.model, "qwq-plus");
    snapshot!("thinking_only_locked", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spent_budget_offers_retries() {
    let (mut term, mut wb, sim, _dir) = bench(fast(), 140, 40).await;
    let mut events = vec![ctrl('b')];
    events.extend(chars("20"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    events.extend(typed("Prove that there are infinitely many primes."));
    drive(&mut term, &mut wb, events, idle_after(1))
        .await
        .unwrap();
    snapshot!("budget_spent", frame(&mut term, &mut wb));
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(5), KeyModifiers::NONE)],
        |s: &State| s.conversation.turns[0].variants.len() == 2 && !s.is_running(),
    )
    .await
    .unwrap();
    assert_eq!(sim.requests()[1].body["thinking_budget"], 40);
    snapshot!("budget_retried", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_terminal_still_fits() {
    let (mut term, mut wb, _sim, _dir) = bench(fast(), 80, 24).await;
    drive(&mut term, &mut wb, typed("hi"), idle_after(1))
        .await
        .unwrap();
    snapshot!("small_80x24", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_and_odd_terminal_sizes_never_panic() {
    let (mut term, mut wb, _sim, _dir) = bench(fast(), 120, 40).await;
    drive(&mut term, &mut wb, typed("Draw at any size"), idle_after(1))
        .await
        .unwrap();
    for (w, h) in [
        (200, 3),
        (200, 2),
        (50, 3),
        (10, 2),
        (1, 1),
        (29, 7),
        (30, 8),
        (31, 9),
        (40, 12),
        (300, 100),
    ] {
        term.backend_mut().resize(w, h);
        let screen = frame(&mut term, &mut wb);
        assert_eq!((screen.area.width, screen.area.height), (w, h));
        if w >= 30 && h >= 8 {
            assert!(
                text(&screen).contains("Conversation"),
                "{w}x{h}:\n{}",
                text(&screen)
            );
        }
    }
}

/// Give each compare column's answer fixed timings (column i took i + 1 seconds), so which
/// was fastest, the speeds and the chart are the same every run.
fn steady(wb: &mut Workbench) {
    let c = wb.state.compare.as_mut().expect("comparing");
    for (i, col) in c.columns.iter_mut().enumerate() {
        let v = col
            .conversation
            .turns
            .last_mut()
            .and_then(|t| t.variants.last_mut())
            .expect("an answer");
        let i = i as u64;
        v.first_token_at_ms = Some(v.started_at_ms + 100 + 50 * i);
        v.first_answer_at_ms = Some(v.started_at_ms + 300 + 100 * i);
        v.timings.ttft = Some(100 + 50 * i);
        v.timings.reasoning = Some(200 + 50 * i);
        v.timings.total = Some(1000 * (i + 1));
    }
}

/// `Idle` when no compare column runs any more.
fn compare_done(s: &State) -> bool {
    s.compare.as_ref().is_some_and(|c| {
        c.columns
            .iter()
            .all(|col| col.latest().is_some_and(|v| !v.status.is_running()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_side_by_side_at_160_one_at_a_time_at_80_and_the_chart() {
    let (mut term, mut wb, sim, _dir) = bench(fast(), 160, 48).await;
    // F4 opens the picker seeded with the model thinking on and off; Enter compares them.
    let mut events = vec![
        key(KeyCode::F(4), KeyModifiers::NONE),
        key(KeyCode::Enter, KeyModifiers::NONE),
    ];
    events.extend(typed("How do rainbows form?"));
    drive(&mut term, &mut wb, events, compare_done)
        .await
        .unwrap();
    steady(&mut wb);
    let screen = frame(&mut term, &mut wb);
    assert!(text(&screen).contains("thinking off, and no reasoning arrived"));
    assert!(text(&screen).contains("thinking on, and it reasoned"));
    snapshot!("compare_160", screen);
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 2);
    let thinking: Vec<_> = reqs
        .iter()
        .map(|r| r.body["enable_thinking"].clone())
        .collect();
    assert!(
        thinking.contains(&serde_json::json!(true)) && thinking.contains(&serde_json::json!(false))
    );
    term.backend_mut().resize(80, 32);
    snapshot!("compare_80", frame(&mut term, &mut wb));
    term.backend_mut().resize(160, 48);
    // The word diff of the two answers.
    drive(
        &mut term,
        &mut wb,
        vec![
            key(KeyCode::Tab, KeyModifiers::NONE),
            key(KeyCode::F(7), KeyModifiers::NONE),
        ],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .unwrap();
    let diff = text(&frame(&mut term, &mut wb));
    assert!(diff.contains("Diff of the answers"), "{diff}");
    assert!(diff.contains("% alike, word by word"), "{diff}");
    assert!(
        diff.contains("−  1 qwen3.7-plus@think=on") && diff.contains("+  2 qwen3.7-plus@think=off"),
        "{diff}"
    );
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::Tab, KeyModifiers::NONE)],
        |s: &State| {
            matches!(
                s.overlays.last(),
                Some(thinkbench::app::state::Overlay::Diff {
                    reasoning: true,
                    ..
                })
            )
        },
    )
    .await
    .unwrap();
    assert!(text(&frame(&mut term, &mut wb)).contains("Diff of the reasoning"));
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::Esc, KeyModifiers::NONE)],
        |s: &State| s.overlays.is_empty(),
    )
    .await
    .unwrap();
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(8), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .unwrap();
    snapshot!("compare_chart", frame(&mut term, &mut wb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_sweep_and_its_chart() {
    let (mut term, mut wb, sim, _dir) = bench(fast(), 160, 48).await;
    let mut events = vec![key(KeyCode::F(4), KeyModifiers::NONE)];
    events.extend((0..60).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
    events.extend(typed("sweep budget=40,200"));
    events.extend(typed("Why do leaves fall?"));
    drive(&mut term, &mut wb, events, compare_done)
        .await
        .unwrap();
    steady(&mut wb);
    let budgets: Vec<_> = sim
        .requests()
        .iter()
        .map(|r| r.body["thinking_budget"].clone())
        .collect();
    assert_eq!(budgets.len(), 3);
    assert!(budgets.contains(&serde_json::json!(40)) && budgets.contains(&serde_json::json!(200)));
    let screen = text(&frame(&mut term, &mut wb));
    assert!(
        screen.contains("honoured (80 reasoning tokens)"),
        "{screen}"
    );
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(8), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .unwrap();
    snapshot!("sweep_chart", frame(&mut term, &mut wb));
}
