//! The real event loop and effects, without a terminal: what the user does while background
//! work runs. A provider switch waits for its key command in the background; the loop keeps
//! taking keys and drawing meanwhile, and the cancel key stops the wait.

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thinkbench::app::state::State;
use thinkbench::cli::ConnectArgs;
use thinkbench::connect::Opening;
use thinkbench::sim::{SimConfig, Simulator};
use thinkbench::tui::harness::{chars, drive, frame, key};
use thinkbench::tui::run::{Workbench, prepare_with};

/// A demo workbench whose config has a provider `slow`, whose key command waits until the
/// file `go` exists in the returned directory.
async fn bench(sim: &Simulator) -> (Terminal<TestBackend>, Workbench, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[providers.slow]\nkind = \"modelstudio\"\nmodel = \"qwen3.7-plus\"\nbase_url = \"{}\"\napi_key_cmd = \"while [ ! -e '{}' ]; do sleep 0.02; done; echo sk-slow\"\n",
            sim.openai_base_url(),
            dir.path().join("go").display()
        ),
    )
    .unwrap();
    let args = ConnectArgs {
        demo: true,
        config: Some(config),
        ..ConnectArgs::default()
    };
    let wb = prepare_with(&args, Some("dark"), Opening::default())
        .await
        .expect("workbench");
    (Terminal::new(TestBackend::new(120, 36)).unwrap(), wb, dir)
}

/// Ctrl+O, filter for `slow`, move past the typed-name entry to the provider, pick it.
fn pick_slow() -> Vec<crossterm::event::Event> {
    let mut events = vec![key(KeyCode::Char('o'), KeyModifiers::CONTROL)];
    events.extend(chars("slow"));
    events.push(key(KeyCode::Down, KeyModifiers::NONE));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    events
}

/// Let the `slow` key command print its key, and wait until the switch is done: both the app
/// and the effects layer are on `slow` then.
async fn let_the_key_command_finish(
    dir: &tempfile::TempDir,
    term: &mut Terminal<TestBackend>,
    wb: &mut Workbench,
) {
    std::fs::write(dir.path().join("go"), "").unwrap();
    drive(term, wb, vec![], |s: &State| s.switching.is_none())
        .await
        .unwrap();
    assert_eq!(wb.state.provider.name, "slow");
    assert_eq!(wb.effects.provider(), "slow");
}

fn chats(sim: &Simulator) -> Vec<thinkbench::sim::RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_taken_and_drawn_while_a_key_command_runs() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (mut term, mut wb, dir) = bench(&sim).await;
    // The first frame, before any key.
    drive(&mut term, &mut wb, vec![], |_: &State| true)
        .await
        .unwrap();
    let frames = wb.view.frames;
    let mut events = pick_slow();
    events.extend(chars("hello"));
    // Runs until every key was handled: the key command is still waiting for `go`.
    drive(&mut term, &mut wb, events, |_: &State| true)
        .await
        .unwrap();
    assert_eq!(wb.state.switching.as_deref(), Some("slow"));
    assert_eq!(
        wb.view.composer.text(),
        "hello",
        "keys typed meanwhile arrived"
    );
    assert!(wb.view.frames > frames, "and were drawn");
    let screen = format!("{:?}", frame(&mut term, &mut wb));
    assert!(screen.contains("connecting to slow…"), "{screen}");
    assert!(screen.contains("hello"), "{screen}");
    assert_eq!(
        wb.effects.provider(),
        "demo",
        "the old connection until the new one is there"
    );
    let_the_key_command_finish(&dir, &mut term, &mut wb).await;
    // The new connection is the one requests go to, with its key.
    let mut events = chars(" world");
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, |s: &State| {
        s.conversation.turns.len() == 1 && !s.is_running()
    })
    .await
    .unwrap();
    let chats = chats(&sim);
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].body["messages"][0]["content"], "hello world");
    assert!(chats[0].authorized, "with the key from the command");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cancel_key_stops_waiting_for_a_switch() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (mut term, mut wb, dir) = bench(&sim).await;
    let mut events = pick_slow();
    events.push(key(KeyCode::Esc, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, |s: &State| {
        s.switching.is_none()
    })
    .await
    .unwrap();
    assert!(wb.state.provider.demo, "still on the old provider");
    assert_eq!(wb.effects.provider(), "demo");
    assert!(
        wb.state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("stopped connecting to slow")),
        "{:?}",
        wb.state.notice
    );
    // While a switch is under way nothing is sent (to which provider?): the prompt stays.
    let mut events = pick_slow();
    events.extend(chars("hi"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, |_: &State| true)
        .await
        .unwrap();
    assert!(wb.state.conversation.turns.is_empty());
    assert_eq!(wb.view.composer.text(), "hi");
    assert!(
        wb.state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("still connecting to slow")),
        "{:?}",
        wb.state.notice
    );
    let_the_key_command_finish(&dir, &mut term, &mut wb).await;
    assert!(chats(&sim).is_empty());
}

/// Three simulators: one answers at once, one stalls mid-stream, one fails mid-stream; and a
/// workbench on the first whose config names all three.
async fn three_providers() -> (
    Terminal<TestBackend>,
    Workbench,
    [Simulator; 3],
    tempfile::TempDir,
) {
    let fast = SimConfig {
        rate: None,
        reasoning_tokens: Some(40),
        answer_tokens: Some(60),
        ..SimConfig::default()
    };
    let sims = [
        Simulator::start(fast.clone()).await.unwrap(),
        Simulator::start(SimConfig {
            fault: Some(thinkbench::sim::Fault::Stall),
            ..fast.clone()
        })
        .await
        .unwrap(),
        Simulator::start(SimConfig {
            fault: Some(thinkbench::sim::Fault::ErrorEvent),
            ..fast
        })
        .await
        .unwrap(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (name, sim) in ["fast", "slow", "broken"].iter().zip(&sims) {
        config.push_str(&format!(
            "[providers.{name}]\nkind = \"modelstudio\"\nmodel = \"qwen3.7-plus\"\nbase_url = \"{}\"\napi_key_cmd = \"echo sk-{name}\"\n\n",
            sim.openai_base_url()
        ));
    }
    config.push_str(&format!(
        "[providers.nokey]\nkind = \"modelstudio\"\nmodel = \"qwen3.7-plus\"\nbase_url = \"{}\"\napi_key_cmd = \"exit 3\"\n",
        sims[0].openai_base_url()
    ));
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let args = ConnectArgs {
        provider: Some("fast".into()),
        config: Some(path),
        ..ConnectArgs::default()
    };
    let wb = prepare_with(&args, Some("dark"), Opening::default())
        .await
        .expect("workbench");
    (
        Terminal::new(TestBackend::new(160, 48)).unwrap(),
        wb,
        sims,
        dir,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_columns_run_apart_a_stalled_or_failing_one_disturbs_no_other() {
    let (mut term, mut wb, sims, _dir) = three_providers().await;
    let mut events = vec![key(KeyCode::F(4), KeyModifiers::NONE)];
    events.extend((0..80).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
    events.extend(chars(
        "qwen3.7-plus, qwen3.7-plus@think=off,provider=slow, qwen3.7-plus@budget=300,provider=broken",
    ));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    // The other providers' connections open in the background.
    drive(&mut term, &mut wb, events, |s: &State| {
        s.compare
            .as_ref()
            .is_some_and(|c| c.columns.iter().all(|col| col.provider.is_some()))
    })
    .await
    .unwrap();
    assert!(wb.effects.connected_to("slow") && wb.effects.connected_to("broken"));
    let mut events = chars("Why is the sea salty?");
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    // The fast column finishes and the failing one fails while the stalled one still runs.
    drive(&mut term, &mut wb, events, |s: &State| {
        let c = s.compare.as_ref().unwrap();
        let status = |i: usize| c.columns[i].latest().map(|v| v.status.clone());
        status(0) == Some(thinkbench::session::Status::Complete)
            && status(2).is_some_and(|s| !s.is_running())
    })
    .await
    .unwrap();
    let c = wb.state.compare.as_ref().unwrap();
    assert!(
        c.columns[1].is_running(),
        "the stalled column is still waiting"
    );
    assert!(matches!(
        c.columns[2].latest().unwrap().status,
        thinkbench::session::Status::Failed(_)
    ));
    let screen = format!("{:?}", frame(&mut term, &mut wb));
    assert!(screen.contains("thinking on, and it reasoned"), "{screen}");
    assert!(
        screen.contains("✗"),
        "the failure is shown in its column:\n{screen}"
    );
    // Each request went to its own provider, with its own settings.
    let body = |i: usize| chats(&sims[i])[0].body.clone();
    assert_eq!(body(0)["enable_thinking"], true);
    assert_eq!(body(1)["enable_thinking"], false);
    assert_eq!(body(2)["thinking_budget"], 300);
    // Esc on the stalled column cancels it alone.
    let events = vec![
        key(KeyCode::Tab, KeyModifiers::NONE),
        key(KeyCode::Char('>'), KeyModifiers::NONE),
        key(KeyCode::Esc, KeyModifiers::NONE),
    ];
    drive(&mut term, &mut wb, events, |s: &State| !s.is_running())
        .await
        .unwrap();
    let c = wb.state.compare.as_ref().unwrap();
    assert_eq!(
        c.columns[1].latest().unwrap().status,
        thinkbench::session::Status::Cancelled
    );
    assert_eq!(
        c.columns[0].latest().unwrap().status,
        thinkbench::session::Status::Complete
    );
    // Another comparison on a provider already connected gets it at once.
    let mut events = vec![key(KeyCode::Char('o'), KeyModifiers::CONTROL)];
    events.extend((0..120).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
    events.extend(chars("qwen3.7-plus@budget=20, qwen3.7-plus@provider=slow"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    let ready = drive(&mut term, &mut wb, events, |s: &State| {
        s.compare.as_ref().is_some_and(|c| {
            c.columns.len() == 2 && c.columns.iter().all(|col| col.provider.is_some())
        })
    });
    tokio::time::timeout(std::time::Duration::from_secs(30), ready)
        .await
        .expect("the second comparison is not left connecting")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_whose_key_command_fails_shows_in_its_column_every_time() {
    let (mut term, mut wb, _sims, _dir) = three_providers().await;
    for round in 0..2 {
        let mut events = vec![key(KeyCode::F(4), KeyModifiers::NONE)];
        if round == 1 {
            // In the compare view already: the picker comes with Ctrl+O.
            events = vec![key(KeyCode::Char('o'), KeyModifiers::CONTROL)];
        }
        events.extend((0..120).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
        events.extend(chars("qwen3.7-plus, qwen3.7-plus@provider=nokey"));
        events.push(key(KeyCode::Enter, KeyModifiers::NONE));
        let failed = drive(&mut term, &mut wb, events, |s: &State| {
            s.compare
                .as_ref()
                .is_some_and(|c| c.columns.len() == 2 && c.columns[1].error.is_some())
        });
        tokio::time::timeout(std::time::Duration::from_secs(30), failed)
            .await
            .expect("the failure is reported")
            .unwrap();
        let e = wb.state.compare.as_ref().unwrap().columns[1]
            .error
            .clone()
            .unwrap();
        assert!(e.contains("api_key_cmd") && e.contains("nokey"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_column_sends_its_own_history_and_adopting_goes_on_with_its_target() {
    let (mut term, mut wb, sims, _dir) = three_providers().await;
    let all_done = |s: &State| {
        s.compare.as_ref().is_some_and(|c| {
            c.columns
                .iter()
                .all(|col| col.latest().is_some_and(|v| !v.status.is_running()))
        })
    };
    let mut events = vec![key(KeyCode::F(4), KeyModifiers::NONE)];
    events.extend((0..80).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
    events.extend(chars("qwen3.7-plus@budget=30, qwen3.7-plus@think=off"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    events.extend(chars("What is a monad?"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, all_done).await.unwrap();
    let mut events = chars("And a functor?");
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, move |s: &State| {
        all_done(s)
            && s.compare.as_ref().unwrap().columns[0]
                .conversation
                .turns
                .len()
                == 2
    })
    .await
    .unwrap();
    // What each column answered the first time, as the simulator sent it.
    let answers: Vec<String> = wb
        .state
        .compare
        .as_ref()
        .unwrap()
        .columns
        .iter()
        .map(|c| {
            c.conversation.turns[0]
                .active()
                .unwrap()
                .reply
                .answer
                .clone()
        })
        .collect();
    assert_ne!(answers[0], answers[1]);
    let chats = chats(&sims[0]);
    assert_eq!(chats.len(), 4);
    for follow_up in &chats[2..] {
        let m = &follow_up.body["messages"];
        assert_eq!(m[2]["content"], "And a functor?");
        let own = if follow_up.body["enable_thinking"] == true {
            0
        } else {
            1
        };
        assert_eq!(
            m[1]["content"],
            answers[own].as_str(),
            "its own first answer"
        );
        assert!(
            !m.to_string()
                .contains(&answers[1 - own].chars().take(40).collect::<String>()),
            "never the other column's"
        );
    }
    // Adopt the second column: the conversation goes on with thinking off.
    let mut events = vec![
        key(KeyCode::Tab, KeyModifiers::NONE),
        key(KeyCode::Char('>'), KeyModifiers::NONE),
        key(KeyCode::F(9), KeyModifiers::NONE),
    ];
    events.extend(chars("And an applicative?"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    drive(&mut term, &mut wb, events, |s: &State| {
        s.compare.is_none() && s.conversation.turns.len() == 3 && !s.is_running()
    })
    .await
    .unwrap();
    let chats = self::chats(&sims[0]);
    let last = &chats[4].body;
    assert_eq!(
        last["enable_thinking"], false,
        "the adopted target's settings"
    );
    assert_eq!(last["messages"][1]["content"], answers[1].as_str());
    assert_eq!(last["messages"][4]["content"], "And an applicative?");
    assert_eq!(
        wb.state.conversation.turns[0].variants.len(),
        2,
        "the other column's answer is a variant"
    );
}

/// While text streams, chunks wait on the bus between frames: the loop wakes about twice per
/// frame (the frame deadline, then what queued), not once per chunk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_wakes_the_loop_per_frame_not_per_chunk() {
    use futures_util::StreamExt;
    let (mut term, mut wb) = thinkbench::tui::harness::demo_bench("dark", Some(2000.0))
        .await
        .unwrap();
    let events = futures_util::stream::iter(
        thinkbench::tui::harness::typed("Why is the sky blue?")
            .into_iter()
            .map(Ok),
    )
    .chain(futures_util::stream::pending());
    let stats = thinkbench::tui::run::event_loop(
        &mut term,
        Box::pin(events),
        &mut wb,
        Some(Box::new(thinkbench::tui::harness::idle_after(1))),
    )
    .await
    .unwrap();
    let v = wb.state.selected_variant().expect("an answer");
    let chunks = v
        .reply
        .usage
        .as_ref()
        .and_then(|u| u.output_tokens)
        .unwrap_or(0);
    assert!(chunks > 100, "a real stream: {chunks} chunks");
    assert!(
        stats.wakeups * 4 < chunks,
        "{} wake-ups for {chunks} chunks ({} frames)",
        stats.wakeups,
        stats.frames
    );
    assert!(stats.frames >= 2);
}

/// The terminal bytes of a stream are counted from its first frame, also when the stats are
/// opened only after it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_bytes_are_counted_before_the_stats_are_shown() {
    let (mut term, mut wb) = thinkbench::tui::harness::demo_bench("dark", Some(2000.0))
        .await
        .unwrap();
    let now = thinkbench::tui::stats::terminal_bytes;
    assert_eq!(wb.view.stats.bytes_per_model_byte(now(), 10), None);
    drive(
        &mut term,
        &mut wb,
        thinkbench::tui::harness::typed("Why is the sky blue?"),
        thinkbench::tui::harness::idle_after(1),
    )
    .await
    .unwrap();
    assert!(!wb.state.show_stats);
    assert!(
        wb.view.stats.bytes_per_model_byte(now(), 10).is_some(),
        "the stream was followed while the stats were hidden"
    );
}

/// The stats key shows what drawing costs: frames drawn and frame times measured by the loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stats_key_shows_frames_and_frame_times() {
    let (mut term, mut wb) = thinkbench::tui::harness::demo_bench("dark", Some(2000.0))
        .await
        .unwrap();
    let mut events = vec![key(KeyCode::F(12), KeyModifiers::NONE)];
    events.extend(thinkbench::tui::harness::typed("Why is the sky blue?"));
    drive(
        &mut term,
        &mut wb,
        events,
        thinkbench::tui::harness::idle_after(1),
    )
    .await
    .unwrap();
    assert!(wb.state.show_stats);
    let frames = wb.view.stats.frames;
    assert!(frames >= 2, "the loop counted its frames: {frames}");
    let p50 = wb.view.stats.percentile(50).expect("frame times");
    assert!(p50 <= wb.view.stats.percentile(95).unwrap());
    let text: String = frame(&mut term, &mut wb)
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("frames"), "{text}");
    assert!(text.contains("p95"));
    assert!(text.contains("terminal bytes per model byte"));
    // The key hides it again.
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(12), KeyModifiers::NONE)],
        |s: &State| !s.show_stats,
    )
    .await
    .unwrap();
    let text: String = frame(&mut term, &mut wb)
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(!text.contains("p95"));
}
