//! The store against a real database file: what is written is read back whole.

use super::*;
use crate::provider::StreamEvent;
use crate::session::{MessageSettings, Status, ThinkingSettings};

fn settings() -> MessageSettings {
    MessageSettings {
        provider: "demo".into(),
        model: "qwen3.7-plus".into(),
        thinking: ThinkingSettings::default(),
        resolved: Default::default(),
        max_tokens: None,
    }
}

/// A conversation of two turns; the second answer is still streaming.
fn conversation() -> Conversation {
    let mut c = Conversation::default();
    let t0 = c.push_turn("Why is the sky blue?".into());
    let v0 = c.push_variant(t0, settings(), 1_000);
    let v = c.variant_mut(v0).unwrap();
    v.apply(&StreamEvent::Reasoning(
        "Rayleigh scattering of sunlight".into(),
    ));
    v.apply(&StreamEvent::Answer(
        "Short wavelengths scatter more.".into(),
    ));
    v.status = Status::Complete;
    let t1 = c.push_turn("And sunsets?".into());
    let v1 = c.push_variant(t1, settings(), 2_000);
    let v = c.variant_mut(v1).unwrap();
    v.apply(&StreamEvent::Answer("The light travels furth".into()));
    c
}

fn write(store: &Store, id: &str, c: &Conversation) {
    let saved = SavedSession {
        meta: SessionSummary {
            id: id.into(),
            title: String::new(),
            created_ms: 1_000,
            updated_ms: 1_000,
            model: "qwen3.7-plus".into(),
            provider: "demo".into(),
            turns: 0,
            messages: 0,
            cost_usd: None,
        },
        conversation: c.clone(),
        columns: vec![],
        recovered: None,
    };
    let w = store.writer();
    for op in write::ops_for(&saved) {
        w.send(op);
    }
    w.flush().wait().unwrap();
}

#[test]
fn a_session_is_read_back_whole_and_a_running_answer_as_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let c = conversation();
    {
        let store = Store::open(&path).unwrap();
        write(&store, "abc123def456", &c);
    }
    let store = Store::open(&path).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "Why is the sky blue?");
    assert_eq!(list[0].turns, 2);

    assert_eq!(store.resolve("abc1").unwrap(), "abc123def456");
    let back = store.load("abc123def456").unwrap();
    assert_eq!(back.conversation.turns.len(), 2);
    assert_eq!(back.conversation.turns[0], c.turns[0]);
    let cut = back.conversation.turns[1].active().unwrap();
    assert_eq!(cut.reply.answer, "The light travels furth");
    assert!(
        matches!(cut.status, Status::Interrupted(_)),
        "{:?}",
        cut.status
    );
    let rec = back.recovered.expect("the running answer is reported");
    assert_eq!(rec.cut_off.len(), 1);
    assert_eq!(rec.cut_off[0].answer_chars, 23);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn search_finds_prompts_answers_and_reasoning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    write(&store, "aaaaaaaaaaaa", &conversation());
    let hits = store.search("rayleigh").unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].turn, 0);
    assert!(
        hits[0].snippet.contains("[Rayleigh]"),
        "{}",
        hits[0].snippet
    );
    assert!(store.search("sunsets").unwrap().len() == 1);
    assert!(store.search("nothing-like-this").unwrap().is_empty());
    // Query syntax the user types by accident is not an error.
    assert!(store.search("\"unbalanced AND (").is_ok());
}

#[test]
fn export_json_imports_back_and_markdown_has_the_reasoning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    write(&store, "bbbbbbbbbbbb", &conversation());
    let json = store.export_json("bbbbbbbbbbbb").unwrap();
    assert!(!json.contains("Authorization"));
    let id = store.import(&json).unwrap();
    assert_ne!(id, "bbbbbbbbbbbb", "a taken id gets a new one");
    let a = store.load("bbbbbbbbbbbb").unwrap();
    let b = store.load(&id).unwrap();
    assert_eq!(a.conversation.turns, b.conversation.turns);
    let md = store.export_markdown(&id).unwrap();
    assert!(md.contains("Rayleigh scattering"), "{md}");
    assert!(md.contains("Why is the sky blue?"), "{md}");
    assert!(matches!(
        store.import("{\"format\":\"other\"}"),
        Err(StoreError::BadFile(_))
    ));
}
