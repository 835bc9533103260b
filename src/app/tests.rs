//! `update`, driven by real key events, for every control.

use std::time::Duration;

use serde_json::json;

use super::action::{Action, Effect, Outcome};
use super::input::{Input, Key, KeyPress, Mods, MouseInput, MouseKind};
use super::keymap::Keymap;
use super::state::{Level, Overlay, Pane, ProviderInfo, Scroll, State, Viewport};
use super::update::update;
use crate::catalog::Catalog;
use crate::provider::client::{Failure, RunEnd, RunEvent, RunOutcome, Timings};
use crate::provider::decode::DecodeInfo;
use crate::provider::dialect::{Dialect, Protocol};
use crate::provider::route::Route;
use crate::provider::{ApiError, FinishReason, StreamEvent, Usage};
use crate::session::Status;
use std::sync::Arc;

fn route(dialect: Dialect, protocol: Protocol, base_url: &str) -> Route {
    Route {
        dialect,
        protocol,
        base_url: base_url.into(),
        think_tags: None,
        catalog: Arc::new(Catalog::builtin()),
    }
}

fn state() -> State {
    let provider = ProviderInfo {
        name: "demo".into(),
        label: "DEMO".into(),
        route: route(
            Dialect::ModelStudio,
            Protocol::Openai,
            "http://127.0.0.1:9/compatible-mode/v1",
        ),
        demo: true,
        default_model: "qwen3.7-plus".into(),
        unauthorized_hint: "keys are bound to a region".into(),
        has_key: true,
    };
    let mut s = State::new(provider, "qwen3.7-plus".into(), Keymap::default());
    s.providers = vec!["demo".into(), "modelstudio".into()];
    s.viewport = Viewport {
        conversation_lines: 100,
        conversation_height: 20,
        reasoning_lines: 50,
        reasoning_height: 10,
        turn_starts: vec![0, 40],
        conversation_area: (0, 1, 80, 20),
        reasoning_area: (80, 1, 40, 10),
        composer_area: (0, 30, 80, 4),
        reasoning_top: 0,
        conversation_shift: 0,
        overlay_max_scroll: 3,
        columns: Vec::new(),
    };
    s
}

fn key(s: &mut State, k: KeyPress, composer: &str) -> Outcome {
    update(
        s,
        Action::Input {
            input: Input::Key(k),
            composer: composer.into(),
        },
    )
}

fn press(s: &mut State, spec: &str) -> Outcome {
    key(s, KeyPress::parse(spec).unwrap(), "")
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyPress::new(Key::Char(c), Mods::default()), "");
    }
}

/// Send `prompt` and return the new variant's id and the request body.
fn send(s: &mut State, prompt: &str) -> (u64, serde_json::Value) {
    let out = key(s, KeyPress::plain(Key::Enter), prompt);
    assert!(
        out.effects.contains(&Effect::ClearComposer),
        "{:?} / {:?}",
        out.effects,
        s.notice
    );
    out.effects
        .into_iter()
        .find_map(|e| match e {
            Effect::StartRun {
                variant, request, ..
            } => Some((variant, request.body)),
            _ => None,
        })
        .expect("a run starts")
}

/// Open the picker, filter for provider `name` and move to it (Enter not pressed).
fn highlight_provider(s: &mut State, name: &str) {
    press(s, "ctrl+o");
    typed(s, name);
    let items = s.picker_items(name);
    let idx = items
        .iter()
        .position(|i| matches!(i, super::state::PickItem::Provider(_)))
        .expect("the provider is listed");
    for _ in 0..idx {
        press(s, "down");
    }
}

fn stream(s: &mut State, id: u64, events: Vec<StreamEvent>) {
    for e in events {
        update(
            s,
            Action::Run {
                variant: id,
                event: RunEvent::Stream(e),
            },
        );
    }
}

fn end(s: &mut State, id: u64, end: RunEnd) {
    let outcome = RunOutcome {
        end,
        info: DecodeInfo::default(),
        http_status: Some(200),
        request_id: None,
        attempts: 1,
        timings: Timings {
            ttft: Some(Duration::from_millis(120)),
            reasoning: Some(Duration::from_millis(900)),
            answer: Some(Duration::from_millis(300)),
            total: Duration::from_millis(1320),
        },
    };
    update(
        s,
        Action::RunEnded {
            variant: id,
            outcome,
        },
    );
}

fn finish(s: &mut State, id: u64, reasoning_tokens: Option<u64>, finish: FinishReason) {
    stream(
        s,
        id,
        vec![
            StreamEvent::Reasoning("thinking about it".into()),
            StreamEvent::Answer("the answer".into()),
            StreamEvent::Finish(finish),
            StreamEvent::Usage(Usage {
                input_tokens: Some(10),
                output_tokens: Some(50),
                total_tokens: Some(60),
                reasoning_tokens,
                ..Usage::default()
            }),
        ],
    );
    end(s, id, RunEnd::Complete);
}

#[test]
fn enter_sends_with_the_settings_beside_the_composer() {
    let mut s = state();
    let (id, body) = send(&mut s, "hello there");
    assert_eq!(
        body["enable_thinking"],
        json!(true),
        "qwen3.7-plus thinks by default"
    );
    assert_eq!(
        body["messages"][0],
        json!({"role": "user", "content": "hello there"})
    );
    let v = s.conversation.variant(id).unwrap();
    assert_eq!(v.status, Status::Waiting);
    assert_eq!(
        v.request.as_ref().unwrap().body,
        body,
        "the inspector shows exactly what was sent"
    );
    // An empty composer sends nothing.
    let out = key(&mut s, KeyPress::plain(Key::Enter), "   ");
    assert!(out.effects.is_empty());
}

#[test]
fn toggling_thinking_changes_only_the_next_message() {
    let mut s = state();
    let (first, _) = send(&mut s, "one");
    finish(&mut s, first, Some(3), FinishReason::Stop);
    press(&mut s, "ctrl+t");
    assert_eq!(s.next.thinking.thinking, Some(false));
    let (second, body) = send(&mut s, "two");
    assert_eq!(body["enable_thinking"], json!(false));
    let c = &s.conversation;
    assert_eq!(
        c.variant(first).unwrap().settings.resolved.send_thinking,
        Some(true),
        "sent messages keep theirs"
    );
    assert_eq!(
        c.variant(second).unwrap().settings.resolved.send_thinking,
        Some(false)
    );
    press(&mut s, "ctrl+t");
    assert_eq!(s.next.thinking.thinking, Some(true));
}

#[test]
fn thinking_only_models_lock_the_toggle() {
    let mut s = state();
    s.next.model = "qwq-plus".into();
    press(&mut s, "ctrl+t");
    assert_eq!(s.next.thinking.thinking, None);
    let n = s.notice.clone().unwrap();
    assert_eq!(n.level, Level::Warn);
    assert!(n.text.contains("thinking-only"), "{}", n.text);
}

#[test]
fn budget_editor_takes_presets_and_typed_values() {
    let mut s = state();
    press(&mut s, "ctrl+b");
    assert!(matches!(s.top_overlay(), Some(Overlay::Budget { .. })));
    typed(&mut s, "3000");
    press(&mut s, "enter");
    assert!(s.overlays.is_empty());
    assert_eq!(s.next.thinking.budget, Some(3000));
    let (_, body) = send(&mut s, "q");
    assert_eq!(body["thinking_budget"], json!(3000));
    // Presets with the arrow keys; the first preset is "no budget".
    press(&mut s, "ctrl+b");
    press(&mut s, "down");
    press(&mut s, "down");
    press(&mut s, "enter");
    assert_eq!(s.next.thinking.budget, Some(256));
    // Bad values keep the editor open with an error.
    press(&mut s, "ctrl+b");
    for _ in 0..4 {
        press(&mut s, "backspace");
    }
    typed(&mut s, "0");
    press(&mut s, "enter");
    assert!(matches!(
        s.top_overlay(),
        Some(Overlay::Budget { error: Some(_), .. })
    ));
    press(&mut s, "esc");
    assert!(s.overlays.is_empty());
    assert_eq!(
        s.next.thinking.budget,
        Some(256),
        "Esc keeps the old budget"
    );
}

#[test]
fn budget_is_not_applicable_where_unsupported_and_not_sent_while_off() {
    let mut s = state();
    s.next.model = "deepseek-r1".into();
    press(&mut s, "ctrl+b");
    assert!(s.overlays.is_empty());
    assert!(s.notice.as_ref().unwrap().text.contains("not applicable"));
    s.next.model = "qwen3.7-plus".into();
    s.next.thinking.budget = Some(500);
    press(&mut s, "ctrl+t");
    let (_, body) = send(&mut s, "q");
    assert_eq!(body["enable_thinking"], json!(false));
    assert!(
        body.get("thinking_budget").is_none(),
        "no budget while thinking is off"
    );
    assert_eq!(
        s.next.thinking.budget,
        Some(500),
        "kept for when thinking is back on"
    );
}

#[test]
fn preserve_thinking_sends_earlier_reasoning_back() {
    let mut s = state();
    let (first, _) = send(&mut s, "one");
    finish(&mut s, first, Some(3), FinishReason::Stop);
    let (second, body) = send(&mut s, "two");
    finish(&mut s, second, Some(3), FinishReason::Stop);
    assert!(body["messages"][1].get("reasoning_content").is_none());
    press(&mut s, "ctrl+p");
    assert!(s.next.thinking.preserve);
    let (_, body) = send(&mut s, "three");
    assert_eq!(body["preserve_thinking"], json!(true));
    assert_eq!(
        body["messages"][1]["reasoning_content"],
        json!("thinking about it")
    );
    // Not offered where unsupported.
    s.next.model = "qwen-plus".into();
    s.next.thinking.preserve = false;
    press(&mut s, "ctrl+p");
    assert!(!s.next.thinking.preserve);
    assert!(s.notice.as_ref().unwrap().text.contains("not supported"));
}

#[test]
fn model_picker_filters_picks_and_drops_what_the_model_cannot_take() {
    let mut s = state();
    s.next.thinking.budget = Some(1000);
    s.next.thinking.preserve = true;
    let out = press(&mut s, "ctrl+o");
    assert!(out.effects.contains(&Effect::FetchModels));
    typed(&mut s, "qwq-pl");
    press(&mut s, "enter");
    assert_eq!(s.next.model, "qwq-plus");
    assert_eq!(s.next.thinking.budget, None);
    assert!(!s.next.thinking.preserve);
    assert!(s.notice.as_ref().unwrap().text.contains("dropped"));
    // Providers are in the list too.
    highlight_provider(&mut s, "modelstudio");
    let out = press(&mut s, "enter");
    assert!(
        out.effects
            .contains(&Effect::SwitchProvider("modelstudio".into()))
    );
    assert_eq!(s.switching.as_deref(), Some("modelstudio"));
    update(
        &mut s,
        Action::ProviderSwitched {
            name: "modelstudio".into(),
            result: Err("no API key".into()),
        },
    );
    assert!(s.switching.is_none());
    assert_eq!(s.notice.as_ref().unwrap().level, Level::Error);
}

#[test]
fn esc_cancels_and_the_partial_answer_is_kept() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    stream(
        &mut s,
        id,
        vec![StreamEvent::Reasoning("half a tho".into())],
    );
    let out = press(&mut s, "esc");
    assert_eq!(out.effects, vec![Effect::CancelRun(id)]);
    end(&mut s, id, RunEnd::Cancelled);
    let v = s.conversation.variant(id).unwrap();
    assert_eq!(v.status, Status::Cancelled);
    assert_eq!(v.reply.reasoning, "half a tho");
    // Ctrl+C cancels while running, quits when idle.
    let (id2, _) = send(&mut s, "again");
    let out = press(&mut s, "ctrl+c");
    assert_eq!(out.effects, vec![Effect::CancelRun(id2)]);
    end(&mut s, id2, RunEnd::Cancelled);
    let out = press(&mut s, "ctrl+c");
    assert!(out.effects.contains(&Effect::Quit) && s.quit);
}

#[test]
fn sending_while_streaming_is_refused_and_the_prompt_stays() {
    let mut s = state();
    send(&mut s, "first");
    let out = key(&mut s, KeyPress::plain(Key::Enter), "second");
    assert!(!out.effects.contains(&Effect::ClearComposer));
    assert_eq!(s.conversation.turns.len(), 1);
    assert!(s.notice.as_ref().unwrap().text.contains("still streaming"));
}

#[test]
fn a_send_clears_an_info_notice_but_a_warning_stays_its_time() {
    let mut s = state();
    for (level, kept) in [
        (Level::Info, false),
        (Level::Warn, true),
        (Level::Error, true),
    ] {
        s.notice = Some(super::state::Notice {
            text: "before".into(),
            level,
            until_ms: s.now_ms + 6_000,
        });
        let (v, _) = send(&mut s, "q");
        assert_eq!(s.notice.is_some(), kept, "{level:?}");
        finish(&mut s, v, Some(3), FinishReason::Stop);
    }
}

#[test]
fn regenerate_keeps_variants_browsable() {
    let mut s = state();
    let (a, _) = send(&mut s, "q");
    finish(&mut s, a, Some(3), FinishReason::Stop);
    press(&mut s, "ctrl+t");
    let out = press(&mut s, "ctrl+r");
    let b = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun {
                variant, request, ..
            } => Some((*variant, request.body.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        b.1["enable_thinking"],
        json!(false),
        "regenerated with the current settings"
    );
    assert_eq!(b.1["messages"], json!([{"role": "user", "content": "q"}]));
    finish(&mut s, b.0, None, FinishReason::Stop);
    assert_eq!(s.conversation.turns[0].variants.len(), 2);
    assert_eq!(s.conversation.turns[0].active, 1);
    s.focus = Pane::Conversation;
    press(&mut s, "alt+left");
    assert_eq!(s.conversation.turns[0].active, 0);
    press(&mut s, "l");
    assert_eq!(s.conversation.turns[0].active, 1);
    assert!(s.notice.as_ref().unwrap().text.contains("variant 2 of 2"));
}

#[test]
fn budget_trouble_offers_retries() {
    let mut s = state();
    s.next.thinking.budget = Some(100);
    let (id, _) = send(&mut s, "hard question");
    finish(&mut s, id, Some(100), FinishReason::Stop);
    assert!(s.selected_variant().unwrap().budget_trouble().is_some());
    let out = press(&mut s, "f5");
    let body = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun { request, .. } => Some(request.body.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(body["thinking_budget"], json!(200));
    let v = s.selected_variant().unwrap().id;
    end(&mut s, v, RunEnd::Complete);
    let out = press(&mut s, "f6");
    let body = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun { request, .. } => Some(request.body.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(body["enable_thinking"], json!(false));
    assert!(body.get("thinking_budget").is_none());
    assert_eq!(s.conversation.turns[0].variants.len(), 3);
}

#[test]
fn focus_moves_and_scrolling_follows_the_focused_pane() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Composer);
    press(&mut s, "tab");
    assert_eq!(s.focus, Pane::Conversation);
    press(&mut s, "tab");
    assert_eq!(s.focus, Pane::Reasoning);
    press(&mut s, "shift+tab");
    assert_eq!(s.focus, Pane::Conversation);
    assert!(s.conversation_scroll.follow);
    press(&mut s, "up");
    assert!(
        !s.conversation_scroll.follow,
        "scrolling up stops following the stream"
    );
    assert_eq!(s.conversation_scroll.top, 79);
    press(&mut s, "pageup");
    assert_eq!(s.conversation_scroll.top, 61);
    press(&mut s, "pagedown");
    assert_eq!(s.conversation_scroll.top, 79);
    assert!(!s.conversation_scroll.follow);
    press(&mut s, "pagedown");
    assert!(
        s.conversation_scroll.follow,
        "paging past the end follows again"
    );
    press(&mut s, "g");
    assert_eq!(s.conversation_scroll.top, 0);
    press(&mut s, "G");
    assert!(s.conversation_scroll.follow);
    press(&mut s, "tab");
    assert_eq!(s.focus, Pane::Reasoning);
    press(&mut s, "k");
    assert!(!s.reasoning_scroll.follow);
    assert_eq!(
        s.reasoning_scroll.top, 39,
        "50 lines in 10 rows: one up from the end"
    );
    press(&mut s, "j");
    assert!(
        s.reasoning_scroll.follow,
        "back at the end, following again"
    );
    // In the composer, plain keys type instead of scrolling; PgUp still scrolls.
    s.focus = Pane::Composer;
    assert!(!press(&mut s, "k").consumed);
    assert!(!press(&mut s, "up").consumed);
    s.conversation_scroll.follow = true;
    press(&mut s, "pageup");
    assert!(!s.conversation_scroll.follow);
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_the_pointer_and_clicks_select() {
    let mut s = state();
    let (a, _) = send(&mut s, "one");
    finish(&mut s, a, None, FinishReason::Stop);
    let (b, _) = send(&mut s, "two");
    finish(&mut s, b, None, FinishReason::Stop);
    let wheel = |s: &mut State, kind, column, row| {
        update(
            s,
            Action::Input {
                input: Input::Mouse(MouseInput { kind, column, row }),
                composer: String::new(),
            },
        )
    };
    wheel(&mut s, MouseKind::ScrollUp, 90, 5);
    assert!(!s.reasoning_scroll.follow);
    assert!(s.conversation_scroll.follow);
    wheel(&mut s, MouseKind::ScrollUp, 10, 5);
    assert_eq!(s.conversation_scroll.top, 77);
    s.conversation_scroll.top = 0;
    wheel(&mut s, MouseKind::Click, 10, 3);
    assert_eq!(s.focus, Pane::Conversation);
    assert_eq!(s.selected, Some(0), "a click selects the message under it");
}

#[test]
fn selecting_messages_shows_their_reasoning() {
    let mut s = state();
    let (a, _) = send(&mut s, "one");
    finish(&mut s, a, Some(1), FinishReason::Stop);
    let (b, _) = send(&mut s, "two");
    finish(&mut s, b, Some(1), FinishReason::Stop);
    assert_eq!(s.selected_variant().unwrap().id, b);
    press(&mut s, "ctrl+up");
    assert_eq!(s.selected_variant().unwrap().id, a);
    assert_eq!(s.conversation_scroll.top, 0);
    press(&mut s, "ctrl+down");
    assert_eq!(s.selected_variant().unwrap().id, b);
    assert_eq!(s.selected, None, "back to following the latest");
}

#[test]
fn search_types_a_query_and_jumps_between_matches() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    let text = "wait a moment. Wait — no, wait.";
    stream(&mut s, id, vec![StreamEvent::Reasoning(text.into())]);
    press(&mut s, "ctrl+f");
    assert_eq!(s.focus, Pane::Reasoning);
    typed(&mut s, "wait");
    assert_eq!(s.search.as_ref().unwrap().query, "wait");
    assert_eq!(s.search.as_ref().unwrap().matches.len(), 3);
    press(&mut s, "enter");
    assert!(!s.search.as_ref().unwrap().editing);
    assert_eq!(s.reasoning_scroll, Scroll::reveal(0));
    press(&mut s, "n");
    assert_eq!(s.reasoning_scroll, Scroll::reveal(15));
    press(&mut s, "N");
    assert_eq!(s.reasoning_scroll, Scroll::reveal(0));
    // Scrolling from a match goes on from the line the renderer drew it at.
    s.focus = Pane::Reasoning;
    s.viewport.reasoning_top = 12;
    press(&mut s, "down");
    assert_eq!(s.reasoning_scroll.top, 13);
    assert_eq!(s.reasoning_scroll.reveal, None);
    press(&mut s, "esc");
    assert!(s.search.is_none());
}

#[test]
fn search_keys_act_on_the_matches_of_the_moment() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    stream(&mut s, id, vec![StreamEvent::Reasoning("one apple".into())]);
    press(&mut s, "ctrl+f");
    typed(&mut s, "apple");
    assert_eq!(s.search.as_ref().unwrap().matches, vec![(4, 9)]);
    // More reasoning streams in while the query is still open: the very next key sees it.
    stream(
        &mut s,
        id,
        vec![StreamEvent::Reasoning(", two apples".into())],
    );
    assert_eq!(s.search.as_ref().unwrap().matches, vec![(4, 9), (15, 20)]);
    press(&mut s, "enter");
    press(&mut s, "n");
    assert_eq!(s.reasoning_scroll, Scroll::reveal(15));
    // A changed query is searched at once, before any frame is drawn.
    press(&mut s, "ctrl+f");
    typed(&mut s, "one");
    press(&mut s, "enter");
    assert_eq!(s.search.as_ref().unwrap().matches, vec![(0, 3)]);
    assert_eq!(s.reasoning_scroll, Scroll::reveal(0));
    press(&mut s, "n");
    assert_eq!(s.search.as_ref().unwrap().current, 0, "one match: n stays");
    // A query with no match says so.
    press(&mut s, "ctrl+f");
    typed(&mut s, "pear");
    press(&mut s, "enter");
    assert!(s.notice.as_ref().unwrap().text.contains("no match"));
}

#[test]
fn fold_help_inspector_and_quit() {
    let mut s = state();
    s.focus = Pane::Reasoning;
    press(&mut s, "f3");
    assert!(s.reasoning_folded);
    assert_eq!(s.focus, Pane::Conversation, "focus leaves a folded pane");
    press(&mut s, "z");
    assert!(!s.reasoning_folded);
    press(&mut s, "f1");
    assert!(matches!(s.top_overlay(), Some(Overlay::Help { .. })));
    press(&mut s, "down");
    assert!(matches!(s.top_overlay(), Some(Overlay::Help { scroll: 1 })));
    for _ in 0..5 {
        press(&mut s, "pagedown");
    }
    assert!(
        matches!(s.top_overlay(), Some(Overlay::Help { scroll: 3 })),
        "scrolling stops at the end"
    );
    press(&mut s, "up");
    assert!(
        matches!(s.top_overlay(), Some(Overlay::Help { scroll: 2 })),
        "and comes back at once"
    );
    press(&mut s, "esc");
    assert!(s.overlays.is_empty());
    press(&mut s, "f2");
    assert!(s.overlays.is_empty(), "nothing to inspect yet");
    let (id, _) = send(&mut s, "q");
    press(&mut s, "f2");
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Inspector {
            variant: id,
            scroll: 0
        })
    );
    press(&mut s, "esc");
    let out = press(&mut s, "ctrl+q");
    assert!(s.quit);
    assert!(
        out.effects.contains(&Effect::CancelRun(id)),
        "quitting cancels running streams"
    );
}

#[test]
fn newline_and_paste_go_to_the_composer() {
    let mut s = state();
    assert_eq!(
        press(&mut s, "alt+enter").effects,
        vec![Effect::ComposerNewline]
    );
    assert_eq!(
        press(&mut s, "ctrl+j").effects,
        vec![Effect::ComposerNewline]
    );
    s.focus = Pane::Conversation;
    let out = update(
        &mut s,
        Action::Input {
            input: Input::Paste("pasted".into()),
            composer: String::new(),
        },
    );
    assert_eq!(out.effects, vec![Effect::ComposerInsert("pasted".into())]);
    assert_eq!(s.focus, Pane::Composer);
    s.focus = Pane::Conversation;
    let out = press(&mut s, "w");
    assert_eq!(
        out.effects,
        vec![Effect::ComposerInsert("w".into())],
        "typing anywhere starts a message"
    );
}

#[test]
fn run_events_fill_the_variant_and_failures_keep_partial_text() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    update(
        &mut s,
        Action::Run {
            variant: id,
            event: RunEvent::Retrying {
                attempt: 1,
                max_attempts: 4,
                wait: Duration::from_secs(1),
                reason: "HTTP 429 Throttling.RateQuota".into(),
            },
        },
    );
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("retrying in 1.0 s")
    );
    stream(
        &mut s,
        id,
        vec![
            StreamEvent::Reasoning("abc".into()),
            StreamEvent::Answer("partial".into()),
        ],
    );
    assert_eq!(
        s.conversation.variant(id).unwrap().status,
        Status::Streaming
    );
    end(
        &mut s,
        id,
        RunEnd::Failed(Failure::Interrupted("the connection broke off".into())),
    );
    let v = s.conversation.variant(id).unwrap();
    assert!(matches!(v.status, Status::Interrupted(_)));
    assert_eq!(v.reply.answer, "partial");
    assert_eq!(v.timings.ttft, Some(120));
    let (id, _) = send(&mut s, "again");
    end(
        &mut s,
        id,
        RunEnd::Failed(Failure::Api(ApiError {
            status: Some(401),
            code: Some("InvalidApiKey".into()),
            message: "Invalid API-key provided.".into(),
            ..ApiError::default()
        })),
    );
    let n = s.notice.as_ref().unwrap();
    assert_eq!(n.level, Level::Error);
    assert!(n.text.contains("region"), "{}", n.text);
}

#[test]
fn cost_comes_from_catalog_prices() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    finish(&mut s, id, Some(20), FinishReason::Stop);
    let cost = s.conversation.variant(id).unwrap().cost_usd.unwrap();
    // qwen3.7-plus: $0.5 in, $3.0 out per million.
    assert!(
        (cost - (10.0 * 0.5 + 50.0 * 3.0) / 1e6).abs() < 1e-12,
        "{cost}"
    );
    let totals = s.conversation.totals();
    assert_eq!(
        (totals.input, totals.output, totals.reasoning),
        (10, 50, 20)
    );
}

#[test]
fn ticks_expire_notices_and_redraw_only_while_running() {
    let mut s = state();
    press(&mut s, "ctrl+t");
    assert!(s.notice.is_some());
    let out = update(&mut s, Action::Tick(1_000_000));
    assert!(s.notice.is_none() && out.dirty);
    let out = update(&mut s, Action::Tick(1_000_100));
    assert!(!out.dirty, "idle: nothing to redraw");
    send(&mut s, "q");
    assert!(
        update(&mut s, Action::Tick(1_000_200)).dirty,
        "running: live timers move"
    );
}

#[test]
fn regenerating_an_earlier_answer_sends_only_the_history_before_it() {
    let mut s = state();
    let (a, _) = send(&mut s, "first");
    finish(&mut s, a, Some(3), FinishReason::Stop);
    let (b, _) = send(&mut s, "second");
    finish(&mut s, b, Some(3), FinishReason::Stop);
    press(&mut s, "ctrl+up");
    assert_eq!(s.selected, Some(0));
    let out = press(&mut s, "ctrl+r");
    let body = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun { request, .. } => Some(request.body.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "first"}])
    );
    assert_eq!(s.conversation.turns[0].variants.len(), 2);
    assert_eq!(
        s.conversation.turns[1].variants.len(),
        1,
        "later turns are untouched"
    );
}

#[test]
fn length_without_answer_caps_thinking_instead_of_raising_it() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    stream(
        &mut s,
        id,
        vec![
            StreamEvent::Reasoning("x".repeat(4000)),
            StreamEvent::Finish(FinishReason::Length),
            StreamEvent::Usage(Usage {
                input_tokens: Some(5),
                output_tokens: Some(1000),
                reasoning_tokens: Some(1000),
                ..Usage::default()
            }),
        ],
    );
    end(&mut s, id, RunEnd::Complete);
    assert_eq!(
        s.selected_variant().unwrap().budget_trouble(),
        Some(crate::session::BudgetTrouble::LengthWithoutAnswer)
    );
    let out = press(&mut s, "f5");
    let body = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun { request, .. } => Some(request.body.clone()),
            _ => None,
        })
        .expect("a retry");
    assert_eq!(
        body["thinking_budget"],
        json!(500),
        "half of what the reasoning used"
    );
    assert!(s.notice.as_ref().unwrap().text.contains("capped at 500"));
}

#[test]
fn switching_provider_and_back_to_the_demo() {
    let mut s = state();
    s.providers = vec!["demo".into(), "ollama".into()];
    highlight_provider(&mut s, "ollama");
    let out = press(&mut s, "enter");
    assert!(
        out.effects
            .contains(&Effect::SwitchProvider("ollama".into()))
    );
    let ollama = ProviderInfo {
        name: "ollama".into(),
        label: "ollama (ollama)".into(),
        route: route(Dialect::Ollama, Protocol::Ollama, "http://localhost:11434"),
        demo: false,
        default_model: "qwen3:8b".into(),
        unauthorized_hint: String::new(),
        has_key: false,
    };
    let out = update(
        &mut s,
        Action::ProviderSwitched {
            name: "ollama".into(),
            result: Ok(ollama),
        },
    );
    assert!(out.effects.contains(&Effect::FetchModels));
    assert!(
        out.effects
            .contains(&Effect::AdoptConnection("ollama".into()))
    );
    assert_eq!(s.provider.name, "ollama");
    assert_eq!(s.next.model, "qwen3:8b", "a model the new provider knows");
    // An unknown local model sends what the user asks.
    let (_, body) = send(&mut s, "hi");
    assert!(body.get("think").is_none(), "server default until toggled");
    // While it streams, switching is refused.
    highlight_provider(&mut s, "demo");
    let out = press(&mut s, "enter");
    assert!(
        !out.effects
            .iter()
            .any(|e| matches!(e, Effect::SwitchProvider(_)))
    );
    assert!(s.notice.as_ref().unwrap().text.contains("still streaming"));
}

#[test]
fn ctrl_c_works_with_a_popup_open() {
    let mut s = state();
    let (id, _) = send(&mut s, "q");
    press(&mut s, "ctrl+b");
    let out = press(&mut s, "ctrl+c");
    assert_eq!(out.effects, vec![Effect::CancelRun(id)]);
    assert!(s.overlays.is_empty());
    assert_eq!(
        s.conversation.variant(id).unwrap().status,
        Status::Cancelled,
        "marked at once"
    );
    press(&mut s, "ctrl+o");
    let out = press(&mut s, "ctrl+c");
    assert!(out.effects.contains(&Effect::Quit));
}

#[test]
fn pasted_line_breaks_become_newlines() {
    let mut s = state();
    let out = update(
        &mut s,
        Action::Input {
            input: Input::Paste("one\r\ntwo\rthree".into()),
            composer: String::new(),
        },
    );
    assert_eq!(
        out.effects,
        vec![Effect::ComposerInsert("one\ntwo\nthree".into())]
    );
}

#[test]
fn a_large_paste_is_a_tag_in_the_composer_and_its_text_is_sent() {
    let mut s = state();
    let big: String = (0..150_000)
        .map(|i| format!("{i:7} let x = f(y);\r\n"))
        .collect();
    let paste = |s: &mut State, text: &str, composer: &str| {
        update(
            s,
            Action::Input {
                input: Input::Paste(text.into()),
                composer: composer.into(),
            },
        )
        .effects
    };
    let tag = match paste(&mut s, &big, "").as_slice() {
        [Effect::ComposerInsert(tag)] => tag.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(tag, "[pasted #1 · 150,000 lines · 3.1 MB]");
    assert!(s.notice.as_ref().unwrap().text.contains("delete the tag"));
    // A small paste next to it stays as it is.
    assert_eq!(
        paste(&mut s, "and this", &tag),
        vec![Effect::ComposerInsert("and this".into())]
    );
    let (_, body) = send(&mut s, &format!("Review:\n{tag}\nand this"));
    let expected = format!("Review:\n{}\nand this", big.replace("\r\n", "\n"));
    let prompt = &s.conversation.turns[0].prompt;
    // (Compared by length and ends: a failing assert_eq would print megabytes.)
    let ends = |t: &str| (t.len(), t[..40].to_string(), t[t.len() - 40..].to_string());
    assert_eq!(ends(prompt), ends(&expected));
    assert!(*prompt == expected);
    assert!(body["messages"][0]["content"] == expected.as_str());
    assert!(s.pastes.is_empty(), "sent pastes are let go");
}

#[test]
fn server_model_lists_are_filtered_of_control_characters() {
    let mut s = state();
    update(
        &mut s,
        Action::Models {
            provider: "demo".into(),
            result: Ok(vec![
                "good-model".into(),
                "evil\u{1b}[31m".into(),
                "rtl\u{202e}x".into(),
            ]),
        },
    );
    assert_eq!(s.remote_models, vec!["good-model".to_string()]);
}

#[test]
fn a_model_list_from_the_provider_used_before_a_switch_is_dropped() {
    let mut s = state();
    update(
        &mut s,
        Action::Models {
            provider: "modelstudio".into(),
            result: Ok(vec!["old-provider-model".into()]),
        },
    );
    assert!(s.remote_models.is_empty());
}

#[test]
fn nothing_is_sent_while_a_switch_is_under_way_and_only_the_awaited_result_counts() {
    let mut s = state();
    let (a, _) = send(&mut s, "one");
    finish(&mut s, a, None, FinishReason::Stop);
    highlight_provider(&mut s, "modelstudio");
    press(&mut s, "enter");
    assert_eq!(s.switching.as_deref(), Some("modelstudio"));
    // Neither a new message nor a retry of an old one: which provider would it go to?
    let out = key(&mut s, KeyPress::plain(Key::Enter), "two");
    assert!(out.effects.is_empty(), "{:?}", out.effects);
    assert!(press(&mut s, "f6").effects.is_empty());
    assert!(press(&mut s, "ctrl+r").effects.is_empty());
    assert!(s.notice.as_ref().unwrap().text.contains("still connecting"));
    // A result for another provider (an earlier, stopped switch) is not taken.
    let other = ProviderInfo {
        name: "ollama".into(),
        ..s.provider.clone()
    };
    let out = update(
        &mut s,
        Action::ProviderSwitched {
            name: "ollama".into(),
            result: Ok(other),
        },
    );
    assert!(out.effects.is_empty());
    assert_eq!(s.provider.name, "demo");
    assert_eq!(s.switching.as_deref(), Some("modelstudio"));
    // The cancel key stops waiting; a result that comes after that is not taken either.
    let out = press(&mut s, "esc");
    assert_eq!(out.effects, vec![Effect::CancelSwitch]);
    let late = ProviderInfo {
        name: "modelstudio".into(),
        ..s.provider.clone()
    };
    let out = update(
        &mut s,
        Action::ProviderSwitched {
            name: "modelstudio".into(),
            result: Ok(late),
        },
    );
    assert!(out.effects.is_empty(), "no connection is adopted");
    assert_eq!(s.provider.name, "demo");
}

/// Open the compare picker, type `targets`, press Enter.
fn compare(s: &mut State, targets: &str) -> Outcome {
    press(s, "f4");
    assert!(matches!(s.top_overlay(), Some(Overlay::Targets { .. })));
    // The picker is seeded; start from an empty field.
    while matches!(s.top_overlay(), Some(Overlay::Targets { input, .. }) if !input.is_empty()) {
        press(s, "backspace");
    }
    typed(s, targets);
    press(s, "enter")
}

/// The runs a key started: (variant, request body).
fn started(out: &Outcome) -> Vec<(u64, serde_json::Value)> {
    out.effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartRun {
                variant, request, ..
            } => Some((*variant, request.body.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_compare_picker_is_seeded_and_says_what_is_wrong() {
    let mut s = state();
    press(&mut s, "f4");
    match s.top_overlay() {
        Some(Overlay::Targets { input, .. }) => {
            assert_eq!(input, "qwen3.7-plus@think=on, qwen3.7-plus@think=off")
        }
        other => panic!("{other:?}"),
    }
    press(&mut s, "esc");
    for (bad, needle) in [
        ("qwen3.7-plus", "2 to 4"),
        ("qwen3.7-plus, qwq-plus@think=off", "thinking-only"),
        ("qwen3.7-plus, qwen3.7-plus@speed=9", "unknown setting"),
        (
            "qwen3.7-plus, qwen3.7-plus@provider=nowhere",
            "no provider named",
        ),
        ("sweep budget=1,2,3,4", "at most 4"),
    ] {
        compare(&mut s, bad);
        match s.top_overlay() {
            Some(Overlay::Targets { error: Some(e), .. }) => {
                assert!(e.contains(needle), "{bad}: {e}")
            }
            other => panic!("{bad}: {other:?}"),
        }
        press(&mut s, "esc");
        assert!(s.compare.is_none());
    }
}

#[test]
fn one_prompt_goes_to_every_column_with_its_own_history() {
    let mut s = state();
    let (a, _) = send(&mut s, "shared start");
    finish(&mut s, a, Some(3), FinishReason::Stop);
    compare(&mut s, "qwen3.7-plus@budget=500, qwen3.7-plus@think=off");
    let c = s.compare.as_ref().expect("comparing");
    assert!(c.shown && c.columns.len() == 2);
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("the next message goes to each")
    );
    // Enter sends to both columns; the notice about the next message has served and goes
    // with it, not on a timer later.
    let out = key(&mut s, KeyPress::plain(Key::Enter), "first question");
    assert_eq!(s.notice, None);
    let runs = started(&out);
    assert_eq!(runs.len(), 2);
    assert!(out.effects.contains(&Effect::ClearComposer));
    assert_eq!(runs[0].1["thinking_budget"], 500);
    assert_eq!(runs[0].1["enable_thinking"], true);
    assert_eq!(runs[1].1["enable_thinking"], false);
    assert_ne!(runs[0].0, runs[1].0, "run ids are unique");
    // Each column answers on its own.
    stream(
        &mut s,
        runs[0].0,
        vec![StreamEvent::Answer("answer one".into())],
    );
    end(&mut s, runs[0].0, RunEnd::Complete);
    stream(
        &mut s,
        runs[1].0,
        vec![StreamEvent::Answer("answer two".into())],
    );
    end(&mut s, runs[1].0, RunEnd::Complete);
    assert!(
        s.conversation.turns.len() == 1,
        "the conversation is untouched"
    );
    // A follow-up: each column's history is its own, after the shared start.
    let out = key(&mut s, KeyPress::plain(Key::Enter), "follow-up");
    let runs = started(&out);
    for (i, own) in ["answer one", "answer two"].iter().enumerate() {
        let m = &runs[i].1["messages"];
        assert_eq!(m[0]["content"], "shared start");
        assert_eq!(m[2]["content"], "first question");
        assert_eq!(m[3]["content"], *own, "column {i} sends its own answer");
        assert_eq!(m[4]["content"], "follow-up");
        let other = ["answer one", "answer two"][1 - i];
        assert!(!m.to_string().contains(other), "never another column's");
    }
}

#[test]
fn cancelling_one_column_leaves_the_others_running() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus, qwen3.7-plus@think=off");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    press(&mut s, "tab");
    press(&mut s, ">");
    assert_eq!(s.compare.as_ref().unwrap().focus, 1);
    let out = press(&mut s, "esc");
    assert_eq!(out.effects, vec![Effect::CancelRun(runs[1].0)]);
    let c = s.compare.as_ref().unwrap();
    assert!(c.columns[0].is_running());
    assert_eq!(c.columns[1].latest().unwrap().status, Status::Cancelled);
    // A failure in one column shows there; the other finishes.
    end(
        &mut s,
        runs[0].0,
        RunEnd::Failed(Failure::Network("connection refused".into())),
    );
    assert!(!s.is_running());
    let out = press(&mut s, "ctrl+c");
    assert!(
        out.effects.contains(&Effect::Quit),
        "nothing runs: Ctrl+C quits"
    );
}

#[test]
fn adopting_a_column_goes_on_with_its_target_and_keeps_the_others_as_variants() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus, qwen3.7-plus@think=off,budget=100");
    let e = match s.top_overlay() {
        Some(Overlay::Targets { error: Some(e), .. }) => e.clone(),
        _ => String::new(),
    };
    assert!(e.contains("only when thinking is on"), "{e}");
    press(&mut s, "esc");
    compare(&mut s, "qwen3.7-plus@budget=800, qwen3.7-plus@think=off");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    for (id, text) in [(runs[0].0, "with thinking"), (runs[1].0, "without")] {
        stream(&mut s, id, vec![StreamEvent::Answer(text.into())]);
        end(&mut s, id, RunEnd::Complete);
    }
    press(&mut s, "tab");
    press(&mut s, ">");
    press(&mut s, "f9");
    assert!(s.compare.is_none());
    assert_eq!(s.conversation.turns.len(), 1);
    let turn = &s.conversation.turns[0];
    assert_eq!(turn.active().unwrap().reply.answer, "without");
    assert_eq!(turn.variants.len(), 2, "the other column is a variant");
    assert_eq!(s.next.thinking.thinking, Some(false));
    // The conversation goes on with the adopted target's settings on the wire.
    let (_, body) = send(&mut s, "next");
    assert_eq!(body["enable_thinking"], false);
    assert_eq!(body["messages"][1]["content"], "without");
}

#[test]
fn an_answer_in_the_reasoning_channel_can_be_taken_as_the_answer() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus, qwen3.7-plus@think=off");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    stream(
        &mut s,
        runs[0].0,
        vec![StreamEvent::Reasoning("The answer is 42.".into())],
    );
    stream(
        &mut s,
        runs[0].0,
        vec![StreamEvent::Finish(FinishReason::Stop)],
    );
    end(&mut s, runs[0].0, RunEnd::Complete);
    press(&mut s, "tab");
    press(&mut s, "u");
    let v = s.compare.as_ref().unwrap().columns[0].latest().unwrap();
    assert_eq!(v.reply.answer, "The answer is 42.");
    assert!(v.reply.reasoning.is_empty());
}

#[test]
fn with_preserve_on_a_column_sends_back_its_own_reasoning_only() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus@preserve=on, qwen3.7-plus@think=on");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    for (i, (id, _)) in runs.iter().enumerate() {
        stream(
            &mut s,
            *id,
            vec![
                StreamEvent::Reasoning(format!("thought of column {i}")),
                StreamEvent::Answer(format!("answer of column {i}")),
            ],
        );
        end(&mut s, *id, RunEnd::Complete);
    }
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "again"));
    let kept = &runs[0].1["messages"][1];
    assert_eq!(kept["content"], "answer of column 0");
    assert_eq!(kept["reasoning_content"], "thought of column 0");
    assert_eq!(runs[0].1["preserve_thinking"], true);
    let plain = &runs[1].1["messages"][1];
    assert_eq!(plain["content"], "answer of column 1");
    assert!(plain.get("reasoning_content").is_none(), "{plain}");
}

#[test]
fn a_comparison_after_earlier_messages_starts_with_nothing_of_its_own() {
    let mut s = state();
    let (a, _) = send(&mut s, "earlier");
    finish(&mut s, a, Some(3), FinishReason::Stop);
    press(&mut s, "ctrl+f");
    typed(&mut s, "abc");
    compare(&mut s, "qwen3.7-plus@think=on, qwen3.7-plus@think=off");
    assert!(
        s.search.is_none(),
        "a search being typed does not follow into the columns"
    );
    let c = s.compare.as_ref().unwrap();
    assert!(c.columns.iter().all(|col| col.latest().is_none()));
    assert!(crate::compare::summarize(&c.latest()).is_none());
    press(&mut s, "tab");
    press(&mut s, "f9");
    assert!(s.compare.is_some(), "nothing to adopt yet");
    assert!(s.notice.as_ref().unwrap().text.contains("nothing to adopt"));
}

#[test]
fn adopting_matches_each_prompt_by_turn_not_by_text() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus@think=on, qwen3.7-plus@think=off");
    for round in 0..2 {
        // The same prompt twice.
        let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "again"));
        for (i, (id, _)) in runs.iter().enumerate() {
            stream(
                &mut s,
                *id,
                vec![StreamEvent::Answer(format!("round {round} column {i}"))],
            );
            end(&mut s, *id, RunEnd::Complete);
        }
    }
    press(&mut s, "tab");
    press(&mut s, "f9");
    assert!(s.compare.is_none());
    for (round, turn) in s.conversation.turns.iter().enumerate() {
        let answers: Vec<&str> = turn
            .variants
            .iter()
            .map(|v| v.reply.answer.as_str())
            .collect();
        assert_eq!(
            answers,
            [
                format!("round {round} column 0"),
                format!("round {round} column 1")
            ],
            "turn {round}"
        );
    }
}

#[test]
fn adopting_waits_for_the_conversation_and_keeps_what_it_gained() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus@think=on, qwen3.7-plus@think=off");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    for (id, _) in &runs {
        stream(&mut s, *id, vec![StreamEvent::Answer("a".into())]);
        end(&mut s, *id, RunEnd::Complete);
    }
    // Back to the conversation, which goes on meanwhile.
    press(&mut s, "f4");
    let (main, _) = send(&mut s, "meanwhile");
    press(&mut s, "f4");
    press(&mut s, "tab");
    press(&mut s, "f9");
    assert!(s.compare.is_some(), "not while the conversation streams");
    end(&mut s, main, RunEnd::Complete);
    press(&mut s, "f9");
    assert!(s.compare.is_some(), "not when it would drop a message");
    assert!(s.notice.as_ref().unwrap().text.contains("went on"));
    assert_eq!(s.conversation.turns.len(), 1);
}

#[test]
fn a_column_whose_provider_cannot_be_used_says_so_and_the_others_go_on() {
    let mut s = state();
    let out = compare(&mut s, "qwen3.7-plus, qwen3.7-plus@provider=modelstudio");
    assert!(
        out.effects
            .contains(&Effect::OpenConnection("modelstudio".into()))
    );
    let out = update(
        &mut s,
        Action::ConnectionOpened {
            name: "modelstudio".into(),
            result: Err("no API key".into()),
        },
    );
    assert_eq!(
        out.effects,
        vec![Effect::DropConnection("modelstudio".into())]
    );
    let c = s.compare.as_ref().unwrap();
    assert!(c.columns[1].error.as_ref().unwrap().contains("no API key"));
    // The message goes to the column that can take it.
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    assert_eq!(runs.len(), 1);
}

/// The copy a key asked for: (what, text).
fn copied(out: &Outcome) -> Option<(String, String)> {
    out.effects.iter().find_map(|e| match e {
        Effect::Copy { what, text } => Some((what.clone(), text.clone())),
        _ => None,
    })
}

#[test]
fn copy_keys_take_the_text_as_the_model_sent_it() {
    let mut s = state();
    assert!(copied(&press(&mut s, "ctrl+y")).is_none());
    assert!(s.notice.as_ref().unwrap().text.contains("nothing to copy"));
    let (id, _) = send(&mut s, "q");
    let answer =
        "Here:\n\n```rust\nfn a() {}\n```\n\nand \u{1b}[31mred\u{1b}[0m\n\n```sh\nls\n```\n";
    stream(
        &mut s,
        id,
        vec![
            StreamEvent::Reasoning("first \u{1b}]0;title\u{7} then".into()),
            StreamEvent::Answer(answer.into()),
        ],
    );
    end(&mut s, id, RunEnd::Complete);
    let (what, text) = copied(&press(&mut s, "ctrl+y")).unwrap();
    assert_eq!(
        (what.as_str(), text.as_str()),
        ("the answer", answer),
        "raw, escapes and all"
    );
    let (what, text) = copied(&press(&mut s, "alt+y")).unwrap();
    assert_eq!(what, "the reasoning");
    assert!(text.contains('\u{1b}'));
    // Two code blocks: a picker, the last one chosen; Enter copies it, ↑ the other.
    assert!(copied(&press(&mut s, "alt+c")).is_none());
    assert!(matches!(
        s.top_overlay(),
        Some(Overlay::Code { selected: 1, .. })
    ));
    let (what, text) = copied(&press(&mut s, "enter")).unwrap();
    assert_eq!((what.as_str(), text.as_str()), ("code block 2", "ls\n"));
    press(&mut s, "alt+c");
    press(&mut s, "up");
    assert_eq!(copied(&press(&mut s, "enter")).unwrap().1, "fn a() {}\n");
    let (what, md) = copied(&press(&mut s, "alt+m")).unwrap();
    assert_eq!(what, "the message");
    assert!(md.starts_with("**You:** q"));
    assert!(md.contains("<details><summary>Reasoning</summary>") && md.contains(answer.trim_end()));
    // The report comes back as a notice.
    update(
        &mut s,
        Action::Copied(crate::clipboard::CopyReport {
            what: "the answer".into(),
            chars: 3,
            result: Ok(crate::clipboard::Route::System),
            note: None,
            osc52: Vec::new(),
        }),
    );
    assert_eq!(
        s.notice.as_ref().unwrap().text,
        "copied the answer (3 characters) to the system clipboard"
    );
}

#[test]
fn in_the_compare_view_copy_takes_the_focused_column() {
    let mut s = state();
    compare(&mut s, "qwen3.7-plus@think=on, qwen3.7-plus@think=off");
    let runs = started(&key(&mut s, KeyPress::plain(Key::Enter), "q"));
    for (i, (id, _)) in runs.iter().enumerate() {
        stream(
            &mut s,
            *id,
            vec![StreamEvent::Answer(format!("column {i}"))],
        );
        end(&mut s, *id, RunEnd::Complete);
    }
    press(&mut s, "tab");
    press(&mut s, ">");
    assert_eq!(copied(&press(&mut s, "ctrl+y")).unwrap().1, "column 1");
    assert!(
        copied(&press(&mut s, "alt+m"))
            .unwrap()
            .1
            .contains("column 1")
    );
}

mod sessions;
