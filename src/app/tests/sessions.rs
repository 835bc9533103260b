//! Stored sessions in the app: the persister writing what changed into a real database file,
//! reading it back into a fresh state (conversation, compare columns, what a crash cut off),
//! and the session list popup.

use std::time::{Duration, Instant};

use super::*;
use crate::app::persist::Persister;
use crate::app::state::library::{HitPlace, Mode, Row, SessionRef};
use crate::app::update::resume;
use crate::session::store::{SessionSummary, Store};

fn stored(s: &mut State) {
    s.session = Some(SessionRef {
        id: "s1".into(),
        ..SessionRef::default()
    });
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sessions.db")).unwrap();
    (dir, store)
}

fn written(p: &Persister) {
    p.writer().unwrap().flush().wait().unwrap();
}

#[test]
fn a_streaming_answer_is_written_every_second_and_at_once_when_it_ends() {
    let (_dir, store) = store();
    let mut p = Persister::new(Some(store.writer()));
    let mut s = state();
    stored(&mut s);
    let t0 = Instant::now();
    let (id, _) = send(&mut s, "Why is the sky blue?");
    stream(&mut s, id, vec![StreamEvent::Reasoning("Rayleigh ".into())]);
    p.sync(&s, t0);
    let first = p.sent;
    assert!(first >= 3, "meta, turn and variant: {first}");
    written(&p);
    let saved = store.load("s1").unwrap();
    assert_eq!(saved.conversation.turns[0].prompt, "Why is the sky blue?");
    assert_eq!(saved.meta.title, "Why is the sky blue?");
    let r = saved
        .recovered
        .expect("a running answer reads back as cut off");
    assert_eq!(r.cut_off[0].reasoning_chars, "Rayleigh ".len());

    // More text 400 ms later waits; at 1.01 s it goes.
    stream(&mut s, id, vec![StreamEvent::Answer("Scattering.".into())]);
    p.sync(&s, t0 + Duration::from_millis(400));
    assert_eq!(p.sent, first, "not written before a second");
    assert!(p.behind(), "the loop is told to come back");
    p.sync(&s, t0 + Duration::from_millis(1010));
    assert_eq!(p.sent, first + 1);
    assert!(!p.behind());
    written(&p);
    let saved = store.load("s1").unwrap();
    assert_eq!(
        saved.conversation.turns[0].variants[0].reply.answer,
        "Scattering."
    );

    // The end is written at once, however soon.
    end(&mut s, id, RunEnd::Complete);
    p.sync(&s, t0 + Duration::from_millis(1020));
    assert_eq!(p.sent, first + 2);
    // Nothing changed: nothing sent.
    p.sync(&s, t0 + Duration::from_secs(5));
    assert_eq!(p.sent, first + 2);
    written(&p);
    let saved = store.load("s1").unwrap();
    assert!(saved.recovered.is_none());
    // Everything comes back but the request headers, which are never stored.
    let mut expected = s.conversation.clone();
    for v in expected
        .turns
        .iter_mut()
        .flat_map(|t| t.variants.iter_mut())
    {
        v.request.as_mut().unwrap().headers.clear();
    }
    assert_eq!(saved.conversation, expected);
}

#[test]
fn compare_columns_are_stored_and_come_back_as_a_comparison_kept_aside() {
    let (_dir, store) = store();
    let mut p = Persister::new(Some(store.writer()));
    let mut s = state();
    stored(&mut s);
    let (id, _) = send(&mut s, "first");
    finish(&mut s, id, Some(5), FinishReason::Stop);
    compare(&mut s, "qwen3.7-plus, qwen3.7-plus@think=off");
    p.sync(&s, Instant::now());
    let out = key(&mut s, KeyPress::plain(Key::Enter), "compared prompt");
    let runs = started(&out);
    assert_eq!(runs.len(), 2);
    for (v, _) in &runs {
        finish(&mut s, *v, Some(3), FinishReason::Stop);
    }
    p.sync(&s, Instant::now());
    written(&p);

    let saved = store.load("s1").unwrap();
    assert_eq!(saved.columns.len(), 2);
    assert_eq!(saved.columns[1].target, "qwen3.7-plus@think=off");
    assert_eq!(saved.columns[0].base, 1);
    assert_eq!(
        saved.columns[0].conversation.turns[1].prompt,
        "compared prompt"
    );

    // A new run of the app: the conversation and the comparison come back.
    let mut fresh = state();
    let (text, _) = resume(&mut fresh, saved);
    assert!(text.contains("1 message,"), "{text}");
    assert!(text.contains("a comparison of 2 columns"), "{text}");
    assert_eq!(fresh.conversation.turns.len(), 1);
    let c = fresh.compare.as_ref().expect("the comparison is restored");
    assert!(!c.shown, "kept aside until asked for");
    assert_eq!(c.columns[1].latest().unwrap().reply.answer, "the answer");
    assert_eq!(
        fresh
            .session
            .as_ref()
            .unwrap()
            .restored_compare
            .map(|r| r.1),
        Some(0)
    );

    // What is restored is not written again; a new prompt in the columns is, in place.
    let mut p2 = Persister::new(Some(store.writer()));
    p2.sync(&fresh, Instant::now());
    assert_eq!(p2.sent, 0, "nothing rewritten");
    press(&mut fresh, "f4");
    let out = key(&mut fresh, KeyPress::plain(Key::Enter), "again");
    let runs = started(&out);
    assert_eq!(runs.len(), 2);
    let ids: Vec<u64> = runs.iter().map(|r| r.0).collect();
    let known: Vec<u64> = store.load("s1").unwrap().columns[0]
        .conversation
        .turns
        .iter()
        .flat_map(|t| t.variants.iter().map(|v| v.id))
        .collect();
    assert!(ids.iter().all(|i| !known.contains(i)), "ids stay unique");
    for (v, _) in &runs {
        finish(&mut fresh, *v, None, FinishReason::Stop);
    }
    p2.sync(&fresh, Instant::now());
    written(&p2);
    let saved = store.load("s1").unwrap();
    assert_eq!(saved.columns.len(), 2, "the same columns, not new ones");
    assert_eq!(saved.columns[0].conversation.turns.len(), 3);
}

fn row(id: &str, title: &str) -> Row {
    Row {
        session: SessionSummary {
            id: id.into(),
            title: title.into(),
            created_ms: 0,
            updated_ms: 0,
            model: "qwen3.7-plus".into(),
            provider: "demo".into(),
            turns: 1,
            messages: 2,
            cost_usd: Some(0.001),
        },
        hit: None,
    }
}

fn rows(s: &mut State, query: &str, rows: Vec<Row>) {
    update(
        s,
        Action::SessionRows {
            query: query.into(),
            result: Ok(rows),
        },
    );
}

#[test]
fn the_session_list_searches_as_you_type_and_the_last_query_wins() {
    let mut s = state();
    stored(&mut s);
    let out = press(&mut s, "ctrl+s");
    assert_eq!(out.effects, vec![Effect::ListSessions(String::new())]);
    assert!(matches!(s.top_overlay(), Some(Overlay::Sessions)));
    rows(&mut s, "", vec![row("s1", "current"), row("s2", "older")]);
    assert_eq!(s.library.as_ref().unwrap().rows.len(), 2);

    let out = key(&mut s, KeyPress::plain(Key::Char('t')), "");
    assert_eq!(out.effects, vec![Effect::ListSessions("t".into())]);
    let out = key(&mut s, KeyPress::plain(Key::Char('i')), "");
    assert_eq!(out.effects, vec![Effect::ListSessions("ti".into())]);
    assert!(s.library.as_ref().unwrap().loading());
    // The rows for "t" come late: dropped.
    rows(&mut s, "t", vec![row("s9", "stale")]);
    assert_eq!(s.library.as_ref().unwrap().rows[0].session.id, "s1");
    let mut hit = row("s2", "older");
    hit.hit = Some(HitPlace {
        turn: 3,
        place: "answer".into(),
        snippet: "the [tides] rise".into(),
    });
    rows(&mut s, "ti", vec![hit]);
    let lib = s.library.as_ref().unwrap();
    assert!(!lib.loading());
    assert_eq!(lib.rows[0].session.id, "s2");

    // Enter opens it (read off the UI thread).
    let out = press(&mut s, "enter");
    assert_eq!(out.effects, vec![Effect::OpenSession("s2".into())]);
    assert!(s.overlays.is_empty() && s.library.is_none());
}

#[test]
fn rename_and_delete_ask_first_and_the_session_in_use_is_not_deleted() {
    let mut s = state();
    stored(&mut s);
    press(&mut s, "ctrl+s");
    rows(&mut s, "", vec![row("s1", "current"), row("s2", "older")]);

    // The one in use cannot be deleted.
    let out = press(&mut s, "delete");
    assert!(out.effects.is_empty());
    let lib = s.library.as_ref().unwrap();
    assert_eq!(lib.mode, Mode::Browse);
    assert!(lib.error.as_deref().unwrap().contains("in use"));

    // Another one: asked first; n keeps it, y deletes it.
    press(&mut s, "down");
    press(&mut s, "delete");
    assert_eq!(s.library.as_ref().unwrap().mode, Mode::ConfirmDelete);
    let out = key(&mut s, KeyPress::plain(Key::Char('n')), "");
    assert!(out.effects.is_empty());
    press(&mut s, "delete");
    let out = key(&mut s, KeyPress::plain(Key::Char('y')), "");
    assert_eq!(
        out.effects,
        vec![Effect::DeleteSession {
            id: "s2".into(),
            title: "older".into()
        }]
    );

    // Rename: the title is offered for editing.
    press(&mut s, "ctrl+r");
    assert_eq!(
        s.library.as_ref().unwrap().mode,
        Mode::Rename("older".into())
    );
    for _ in 0.."older".len() {
        press(&mut s, "backspace");
    }
    typed(&mut s, "Tides");
    let out = press(&mut s, "enter");
    assert_eq!(
        out.effects,
        vec![Effect::RenameSession {
            id: "s2".into(),
            title: "Tides".into()
        }]
    );
    let out = update(&mut s, Action::SessionChanged(Ok("renamed".into())));
    assert_eq!(out.effects, vec![Effect::ListSessions(String::new())]);
    press(&mut s, "esc");
    assert!(s.overlays.is_empty());
}

#[test]
fn new_session_and_store_trouble() {
    let mut s = state();
    // Not stored: the list says why.
    s.store_trouble = Some("the disk is full".into());
    press(&mut s, "ctrl+s");
    assert!(s.overlays.is_empty());
    assert!(s.notice.as_ref().unwrap().text.contains("the disk is full"));

    let mut s = state();
    stored(&mut s);
    let (id, _) = send(&mut s, "one");
    // Not while streaming.
    press(&mut s, "ctrl+n");
    assert_eq!(s.conversation.turns.len(), 1);
    finish(&mut s, id, None, FinishReason::Stop);
    press(&mut s, "ctrl+n");
    assert!(s.conversation.turns.is_empty());
    let new = s.session.as_ref().unwrap();
    assert_ne!(new.id, "s1");
    let (id2, _) = send(&mut s, "two");
    assert!(id2 > id, "ids stay unique across sessions");

    // A write failure warns once; working again is said too.
    update(
        &mut s,
        Action::StoreTrouble(Some("the disk is full".into())),
    );
    assert_eq!(s.notice.as_ref().unwrap().level, Level::Warn);
    s.notice = None;
    update(
        &mut s,
        Action::StoreTrouble(Some("the disk is full".into())),
    );
    assert!(s.notice.is_none(), "told once");
    update(&mut s, Action::StoreTrouble(None));
    assert!(s.notice.as_ref().unwrap().text.contains("saved again"));
}
