//! Sessions end to end: the real workbench in a pseudo-terminal against the simulator, its
//! database read back by the store. Killed with SIGKILL mid-stream and started again with
//! `--continue`; two windows on one database; a full disk; a place where no database can be
//! made; a damaged database file.

mod common;

use common::{contains, files};

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::pty::{Pty, squash};
use thinkbench::session::Status;
use thinkbench::session::store::{MAX_PAGES_TEST_ENV, READ_ONLY_TEST_ENV, Store};
use thinkbench::sim::{SimConfig, Simulator, script};

const COLS: u16 = 170;
const ROWS: u16 = 44;
const KEY: &str = "sk-session-CANARY-8812";
const LONG: Duration = Duration::from_secs(40);

struct Sim {
    _rt: tokio::runtime::Runtime,
    sim: Simulator,
    cfg: SimConfig,
}

fn sim(rate: f64, answer_tokens: usize) -> Sim {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = SimConfig {
        rate: Some(rate),
        reasoning_tokens: Some(30),
        answer_tokens: Some(answer_tokens),
        api_key: Some(KEY.into()),
        ..SimConfig::default()
    };
    let sim = rt.block_on(Simulator::start(cfg.clone())).unwrap();
    Sim { _rt: rt, sim, cfg }
}

impl Sim {
    fn args(&self) -> Vec<String> {
        [
            "--base-url",
            &self.sim.openai_base_url(),
            "--api-key-env",
            "TB_SESSION_KEY",
            "--model",
            "qwen3.7-plus",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

fn start(dir: &Path, args: &[String], extra: &[&str], env: &[(&str, &str)]) -> Pty {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    let mut vars = vec![("TB_SESSION_KEY".to_string(), KEY.to_string())];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pty = Pty::spawn_in(dir, ROWS, COLS, &all, vars);
    pty.screen
        .wait_for("the workbench", LONG, |s| s.text().contains("Message"));
    pty
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("data/thinkbench/sessions.db")
}

/// No file the app wrote holds the key or an Authorization header.
fn no_secrets_in(dir: &Path) {
    let all = files(dir);
    assert!(!all.is_empty());
    for f in all {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!contains(&bytes, KEY.as_bytes()), "the key is in {f:?}");
        for h in ["Authorization", "authorization"] {
            assert!(!contains(&bytes, h.as_bytes()), "{h} is in {f:?}");
        }
    }
}

/// Send a second message and wait for its answer to finish.
fn second_message(pty: &mut Pty, s: &Sim, prompt: &str) {
    pty.send(format!("{prompt}\r").as_bytes());
    pty.screen
        .wait_for("the second request", LONG, |_| s.sim.requests().len() == 2);
    pty.screen.wait_for("the second answer", LONG, |sc| {
        let t = sc.text();
        t.contains("#2") && !t.contains("streaming")
    });
}

fn kill9(pty: &mut Pty) {
    let pid = pty.child.process_id().expect("a pid") as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let st = pty.wait_exit(LONG);
    assert!(!st.success());
}

#[test]
fn killed_mid_stream_then_continue_finds_the_prompt_and_the_partial_answer() {
    let s = sim(60.0, 2_000);
    let dir = tempfile::tempdir().unwrap();
    let mut pty = start(dir.path(), &s.args(), &[], &[]);
    let prompt = "Explain the tides to me";
    pty.send(prompt.as_bytes());
    pty.send(b"\r");
    let expected = script("qwen3.7-plus", prompt, true, &s.cfg);
    // The words of the answer's first line (a heading: its marks are not on screen).
    let answer = expected.answer_text();
    let first = answer.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let opening: String = first
        .trim_start_matches(['#', ' '])
        .chars()
        .take(12)
        .collect();
    pty.screen.wait_for("the stream to start", LONG, |sc| {
        sc.text().contains("streaming")
    });
    // The reasoning (half a second), some of the answer, and more than one write interval.
    std::thread::sleep(Duration::from_millis(1_800));
    kill9(&mut pty);

    // What the database holds: the prompt, part of the answer, still marked running.
    let store = Store::open(db_path(dir.path())).unwrap();
    let saved = store.latest().unwrap().expect("the session was stored");
    assert_eq!(saved.conversation.turns[0].prompt, prompt);
    let v = &saved.conversation.turns[0].variants[0];
    let stored = v.reply.answer.chars().count();
    assert!(stored > 0, "part of the answer was stored");
    assert!(
        stored < expected.answer_text().chars().count(),
        "only part of it"
    );
    assert!(matches!(v.status, Status::Interrupted(_)));
    let cut = saved.recovered.as_ref().expect("the cut-off is found");
    assert_eq!(cut.cut_off[0].answer_chars, stored);
    drop(store);
    let mode = std::fs::metadata(db_path(dir.path()))
        .unwrap()
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );

    // Started again: it says what it recovered, and shows it.
    let mut pty = start(dir.path(), &s.args(), &["--continue"], &[]);
    let n = thinkbench::text::group(stored as u64);
    pty.screen.wait_for("the recovery notice", LONG, |sc| {
        let t = sc.text();
        t.contains("resumed") && t.contains(&format!("cut off at {n} characters"))
    });
    let text = squash(&pty.screen.text());
    assert!(
        text.contains("thinkbench stopped while this answer was streaming"),
        "the answer says it was cut off:\n{text}"
    );
    // At the top of the conversation: the prompt and the start of the answer.
    pty.send(b"\t");
    pty.send(b"g");
    pty.screen
        .wait_for("the top of the conversation", LONG, |sc| {
            let t = squash(&sc.text());
            t.contains(prompt) && t.contains(opening.trim())
        });

    // The conversation goes on: the next request carries the partial answer as history.
    pty.send(b"And in one line?\r");
    pty.screen
        .wait_for("the second request", LONG, |_| s.sim.requests().len() == 2);
    let body = &s.sim.requests()[1].body;
    assert_eq!(body["messages"][0]["content"], prompt);
    pty.send(b"\x1b");
    pty.screen.wait_for("the cancellation", LONG, |sc| {
        sc.text().contains("cancelled")
    });
    pty.send(b"\x11");
    assert!(pty.wait_exit(LONG).success());
    let raw = String::from_utf8_lossy(&pty.screen.raw.lock().unwrap()).into_owned();
    assert!(raw.contains("saved;"), "the exit says the session is saved");

    let store = Store::open(db_path(dir.path())).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1, "the same session went on");
    assert_eq!(list[0].turns, 2);
    no_secrets_in(dir.path());
}

#[test]
fn two_windows_write_one_database_at_once() {
    let s = sim(400.0, 300);
    let dir = tempfile::tempdir().unwrap();
    let mut a = start(dir.path(), &s.args(), &[], &[]);
    let mut b = start(dir.path(), &s.args(), &[], &[]);
    for round in 0..3 {
        a.send(format!("window one, question {round}\r").as_bytes());
        b.send(format!("window two, question {round}\r").as_bytes());
        a.screen.wait_for("both requests", LONG, |_| {
            s.sim.requests().len() == 2 * (round + 1)
        });
        for p in [&a, &b] {
            p.screen.wait_for("both answers", LONG, |sc| {
                let t = sc.text();
                t.contains(&format!("#{}", round + 1)) && !t.contains("streaming")
            });
        }
    }
    a.send(b"\x11");
    b.send(b"\x11");
    assert!(a.wait_exit(LONG).success());
    assert!(b.wait_exit(LONG).success());
    let store = Store::open(db_path(dir.path())).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 2);
    for summary in &list {
        let saved = store.load(&summary.id).unwrap();
        assert_eq!(saved.conversation.turns.len(), 3, "{}", summary.title);
        assert!(saved.recovered.is_none());
        for t in &saved.conversation.turns {
            assert_eq!(t.variants[0].status, Status::Complete);
            assert!(!t.variants[0].reply.answer.is_empty());
        }
    }
    let titles: Vec<&str> = list.iter().map(|s| s.title.as_str()).collect();
    assert!(titles.contains(&"window one, question 0"));
    assert!(titles.contains(&"window two, question 0"));
}

#[test]
fn a_full_disk_warns_keeps_working_and_the_next_start_stores_what_was_kept() {
    let s = sim(400.0, 800);
    let dir = tempfile::tempdir().unwrap();
    // The schema fits, the first answer does not.
    let db = db_path(dir.path());
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    drop(Store::open(&db).unwrap());
    let pages: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let cap = pages.to_string();
    let mut pty = start(dir.path(), &s.args(), &[], &[(MAX_PAGES_TEST_ENV, &cap)]);
    pty.send(b"Write a long answer about the moon\r");
    pty.screen.wait_for("the warning", LONG, |sc| {
        sc.text().contains("not being saved")
    });
    pty.screen.wait_for("the answer, all of it", LONG, |sc| {
        !sc.text().contains("streaming")
    });
    // The app goes on working.
    second_message(&mut pty, &s, "And the sun?");
    pty.send(b"\x11");
    pty.wait_exit(LONG);
    let raw = String::from_utf8_lossy(&pty.screen.raw.lock().unwrap()).into_owned();
    let raw = squash(&raw);
    assert!(raw.contains("could not be saved"), "{raw}");
    assert!(raw.contains("the next start stores it"), "{raw}");
    let kept = files(&dir.path().join("state/thinkbench/unsaved"));
    assert_eq!(kept.len(), 1, "the session is kept in a file");
    let mode = std::fs::metadata(&kept[0]).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    no_secrets_in(dir.path());

    // Room again: the next start stores it and says so.
    let mut pty = start(dir.path(), &s.args(), &[], &[]);
    pty.screen.wait_for("the rescue notice", LONG, |sc| {
        sc.text().contains("is stored now")
    });
    pty.send(b"\x11");
    assert!(pty.wait_exit(LONG).success());
    assert!(files(&dir.path().join("state/thinkbench/unsaved")).is_empty());
    let store = Store::open(&db).unwrap();
    let rescued = store
        .list()
        .unwrap()
        .into_iter()
        .find(|s| s.title.ends_with("(recovered)"))
        .expect("the kept session is stored");
    let saved = store.load(&rescued.id).unwrap();
    assert_eq!(saved.conversation.turns.len(), 2);
    assert_eq!(saved.conversation.turns[1].prompt, "And the sun?");
    assert!(
        !saved.conversation.turns[1].variants[0]
            .reply
            .answer
            .is_empty()
    );
}

#[test]
fn no_place_for_a_database_runs_in_memory_and_a_damaged_one_is_moved_aside() {
    let s = sim(400.0, 100);
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "not a directory").unwrap();
    let bad = blocker.join("sessions.db");
    let bad = bad.to_str().unwrap();
    let mut pty = start(dir.path(), &s.args(), &[], &[("THINKBENCH_DB", bad)]);
    pty.screen.wait_for("the warning", LONG, |sc| {
        sc.text().contains("sessions are not saved")
    });
    pty.send(b"Still works?\r");
    pty.screen.wait_for("the answer", LONG, |sc| {
        let t = sc.text();
        t.contains("reasoning tok") && !t.contains("streaming")
    });
    pty.send(b"\x13");
    pty.screen.wait_for("why there is no list", LONG, |sc| {
        sc.text().contains("sessions are not stored")
    });
    pty.send(b"\x11");
    assert!(pty.wait_exit(LONG).success());

    // A damaged file: moved aside (its bytes kept), a new one made, the user told.
    let db = db_path(dir.path());
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let garbage = b"this is not an SQLite database, but it is someone's file".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let mut pty = start(dir.path(), &s.args(), &[], &[]);
    pty.screen.wait_for("the notice", LONG, |sc| {
        sc.text().contains("database was damaged")
    });
    pty.send(b"\x11");
    assert!(pty.wait_exit(LONG).success());
    let aside: Vec<PathBuf> = files(db.parent().unwrap())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), garbage);
    assert!(Store::open(&db).unwrap().list().unwrap().is_empty());
}

#[test]
fn a_read_only_database_warns_and_the_app_keeps_working() {
    let s = sim(400.0, 100);
    let dir = tempfile::tempdir().unwrap();
    let mut pty = start(dir.path(), &s.args(), &[], &[(READ_ONLY_TEST_ENV, "1")]);
    pty.send(b"First question\r");
    pty.screen.wait_for("the warning", LONG, |sc| {
        let t = sc.text();
        t.contains("not being saved") && t.contains("read-only")
    });
    pty.screen.wait_for("the answer", LONG, |sc| {
        let t = sc.text();
        t.contains("reasoning tok") && !t.contains("streaming")
    });
    second_message(&mut pty, &s, "Second question");
    pty.send(b"\x11");
    pty.wait_exit(LONG);
    let raw = squash(&String::from_utf8_lossy(&pty.screen.raw.lock().unwrap()));
    assert!(raw.contains("could not be saved"), "{raw}");
    assert_eq!(files(&dir.path().join("state/thinkbench/unsaved")).len(), 1);
}
