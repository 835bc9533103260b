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
