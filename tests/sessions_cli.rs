//! Saved sessions from the command line, through the real binary against the simulator on
//! loopback: `ask --session` carrying the history on the wire and saving every turn (failed
//! ones too), `compare --session` saving columns, and `thinkbench sessions` listing,
//! searching, exporting, importing, renaming and deleting — with the key never on disk.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;
use thinkbench::sim::{Fault, RecordedRequest, Simulator};

const MODEL: &str = "qwen3.7-plus";

/// `ask` at `sim` (OpenAI protocol) with `--session session`, `extra` flags and `prompt`.
async fn ask(home: &Home, sim: &Simulator, session: &str, extra: &[&str], prompt: &str) -> Output {
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", MODEL);
    args.extend(["--session", session]);
    args.extend(extra);
    args.push(prompt);
    let out = thinkbench(home, &args).await;
    assert!(
        !out.stdout.contains(KEY) && !out.stderr.contains(KEY),
        "the key was printed"
    );
    out
}

/// `ask --json --session new`: the new session's id (from stderr) and the JSON result.
async fn ask_new(home: &Home, sim: &Simulator, extra: &[&str], prompt: &str) -> (String, Value) {
    let mut flags = vec!["--json"];
    flags.extend(extra);
    let out = ask(home, sim, "new", &flags, prompt).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("session: "))
        .unwrap_or_else(|| panic!("no `session: ID` line on stderr: {}", out.stderr))
        .to_string();
    let v = out.json();
    assert_eq!(v["session"], id.as_str(), "the JSON names the session");
    (id, v)
}

async fn sessions(home: &Home, args: &[&str]) -> Output {
    let mut all = vec!["sessions"];
    all.extend(args);
    thinkbench(home, &all).await
}

/// `sessions export ID --format FORMAT -o FILE`.
async fn export_to(home: &Home, id: &str, format: &str, file: &Path) -> Output {
    let file = file.to_str().unwrap();
    sessions(home, &["export", id, "--format", format, "-o", file]).await
}

async fn list(home: &Home) -> Vec<Value> {
    let out = sessions(home, &["list", "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().expect("an array").clone()
}

async fn export_json(home: &Home, id: &str) -> Value {
    let out = sessions(home, &["export", id, "--format", "json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

fn chats(sim: &Simulator) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

fn db_dir(home: &Home) -> PathBuf {
    home.dir.path().join("data").join("thinkbench")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A message's (role, text content) as it went on the wire.
fn message(m: &Value) -> (String, String) {
    let role = m["role"].as_str().unwrap_or_default().to_string();
    let content = match &m["content"] {
        Value::String(s) => s.clone(),
        // Content parts: their texts, joined.
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        other => other.to_string(),
    };
    (role, content)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_carries_its_history_and_system_prompt_on_the_wire() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, first) = ask_new(
        &home,
        &sim,
        &["--system", "Answer briefly."],
        "Name three primes.",
    )
    .await;
    assert_eq!(id.len(), 12, "{id}");
    // A prefix of the id will do; the system prompt is the session's.
    let second = ask(&home, &sim, &id[..6], &["--json"], "And their sum?").await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.json()["session"], id.as_str());

    let requests = chats(&sim);
    assert_eq!(requests.len(), 2);
    let wire: Vec<(String, String)> = requests[1].body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(message)
        .collect();
    let answer = first["content"].as_str().unwrap().to_string();
    assert!(!answer.trim().is_empty());
    assert_eq!(
        wire,
        vec![
            ("system".into(), "Answer briefly.".into()),
            ("user".into(), "Name three primes.".into()),
            ("assistant".into(), answer),
            ("user".into(), "And their sum?".into()),
        ],
        "the second request holds the first prompt and answer"
    );

    let all = list(&home).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let s = &all[0];
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["title"], "Name three primes.");
    assert_eq!(s["model"], MODEL);
    assert_eq!(s["turns"], 2);
    assert_eq!(s["messages"], 2);
    assert!(s["provider"].is_string(), "{s}");
    assert!(s["cost_usd"].as_f64().unwrap() > 0.0, "priced: {s}");
    let updated = s["updated"].as_str().unwrap();
    assert_eq!(updated.len(), "2026-12-02T18:25:00Z".len(), "{updated}");
    assert!(
        updated.ends_with('Z') && &updated[10..11] == "T",
        "{updated}"
    );
    assert!(s["updated_ms"].as_u64().unwrap() >= s["created_ms"].as_u64().unwrap());

    // The stored answer keeps what it was sent with: settings, the request (no headers),
    // usage, timings and status.
    let file = export_json(&home, &id).await;
    let v = &file["conversation"]["turns"][1]["variants"][0];
    assert_eq!(v["status"]["state"], "complete", "{v}");
    assert_eq!(v["settings"]["model"], MODEL);
    assert!(v["usage"]["output_tokens"].is_u64(), "{v}");
    assert!(v["timings"]["total"].is_u64(), "{v}");
    assert_eq!(v["request"]["headers"], serde_json::json!([]));
    assert_eq!(v["request"]["body"], requests[1].body);
    assert_eq!(file["conversation"]["system"], "Answer briefly.");

    // The table shows it too.
    let table = sessions(&home, &["list"]).await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    let row = table.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        row.starts_with(&id) && row.contains(MODEL),
        "{}",
        table.stdout
    );
    assert!(row.ends_with("Name three primes."), "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_is_saved_with_its_partial_text_and_status() {
    let sim = sim(|c| {
        c.fault = Some(Fault::Drop);
        c.fault_times = Some(1);
    })
    .await;
    let home = Home::new();
    let out = ask(&home, &sim, "new", &[], "Tell me about owls.").await;
    assert_eq!(out.code, 4, "an interrupted stream: {}", out.stderr);
    let id = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("session: "))
        .expect("the session id")
        .to_string();
    let file = export_json(&home, &id).await;
    let v = &file["conversation"]["turns"][0]["variants"][0];
    assert_eq!(v["status"]["state"], "interrupted", "{v}");
    let partial = format!(
        "{}{}",
        v["reasoning"].as_str().unwrap(),
        v["answer"].as_str().unwrap()
    );
    assert!(!partial.is_empty(), "the partial text is kept: {v}");
    assert_eq!(list(&home).await[0]["messages"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_session_is_a_usage_error_and_sends_nothing() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let out = ask(&home, &sim, "0123456789ab", &[], "Hello?").await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("thinkbench: no session \"0123456789ab\""),
        "{}",
        out.stderr
    );
    assert!(chats(&sim).is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_database_still_prints_the_answer_with_a_warning() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    // The database's directory is a file: nothing can be made there.
    let blocker = home.dir.path().join("blocker");
    std::fs::write(&blocker, "not a directory").unwrap();
    let db = blocker.join("sessions.db");
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", MODEL);
    args.extend(["--session", "new", "Why is the sky blue?"]);
    let out = thinkbench_with(&home, &args, &[("THINKBENCH_DB", db.to_str().unwrap())]).await;
    assert_eq!(out.code, 0, "the run's exit code: {}", out.stderr);
    assert!(!out.stdout.trim().is_empty(), "the answer is printed");
    assert!(
        out.stderr
            .contains("warning: this turn was not saved to session"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_prompts_and_answers_and_takes_any_text() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, v) = ask_new(&home, &sim, &[], "Tell me about \x1b]0;pwned\x07 kittens.").await;
    // A word of the answer that the prompt does not have.
    let answer = v["content"].as_str().unwrap();
    let word = answer
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() >= 6 && !"Tell me about kittens".contains(*w))
        .expect("a long word in the answer")
        .to_string();

    let out = sessions(&home, &["search", &word, "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let hits = out.json();
    let hit = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["which"] == "answer")
        .unwrap_or_else(|| panic!("no answer hit for {word}: {hits}"));
    assert_eq!(hit["session"], id.as_str());
    assert_eq!(hit["turn"], 1);
    assert_eq!(hit["column"], Value::Null);
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("[{word}]")),
        "{hit}"
    );

    let out = sessions(&home, &["search", "kittens"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("{id}  turn 1 prompt")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("[kittens]"), "{}", out.stdout);
    assert!(
        !out.stdout.contains('\x1b') && !out.stdout.contains('\x07'),
        "model and user text is made inert: {:?}",
        out.stdout
    );

    for query in [
        "\"",
        "*",
        "(",
        "kit*",
        "\"kittens",
        "NEAR(kittens",
        "a OR (b",
        "-x:y",
    ] {
        let out = sessions(&home, &["search", "--", query]).await;
        assert_eq!(out.code, 0, "{query}: {}", out.stderr);
    }
    let out = sessions(&home, &["search", "kit*", "--json"]).await;
    assert!(
        !out.json().as_array().unwrap().is_empty(),
        "a prefix matches"
    );
    let out = sessions(&home, &["search", "zebras"]).await;
    assert_eq!((out.code, out.stdout.trim()), (0, "Nothing found."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_markdown_and_json_and_import_again() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, _) = ask_new(&home, &sim, &["--budget", "40"], "Why is the sky blue?").await;
    let out = ask(&home, &sim, &id, &["--no-think"], "And sunsets?").await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    let md = sessions(&home, &["export", &id, "--format", "md"]).await;
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(
        md.stdout.starts_with("# Why is the sky blue?"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("<details>"),
        "reasoning folds: {}",
        md.stdout
    );
    assert!(
        md.stdout.contains(&format!("*{MODEL} · thinking on")),
        "the settings line: {}",
        md.stdout
    );
    assert!(
        md.stdout.contains(&format!("*{MODEL} · thinking off")),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("**You:** And sunsets?"), "{}", md.stdout);

    // Over a file that was readable by all: it becomes user-only.
    let file = home.dir.path().join("exported.json");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = export_to(&home, &id[..5], "json", &file).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("wrote session {id} to {}", file.display())),
        "{}",
        out.stderr
    );
    assert_eq!(mode(&file), 0o600);

    let out = sessions(&home, &["import", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let new_id = out.stdout.trim().to_string();
    assert_eq!(new_id.len(), 12, "{}", out.stdout);
    assert_ne!(new_id, id, "a taken id is replaced");

    let strip = |mut v: Value| {
        let meta = v["meta"].as_object_mut().unwrap();
        meta.remove("id");
        meta.remove("updated_ms");
        v
    };
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let imported = export_json(&home, &new_id).await;
    assert_eq!(imported["meta"]["id"], new_id.as_str());
    assert_eq!(strip(imported), strip(original));
    assert_eq!(list(&home).await.len(), 2);

    // From standard input too.
    let mut cmd = command(&home, &["sessions", "import", "-"], &[]);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let text = std::fs::read(&file).unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&text).await.unwrap();
    }
    let out = Output::from(child.wait_with_output().await.unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(list(&home).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_saves_its_runs_as_columns_of_the_session() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, _) = ask_new(&home, &sim, &[], "Why is the sky blue?").await;
    let base = sim.openai_base_url();
    let compare = |targets: &'static str, repeat: &'static str, session: String| {
        let base = base.clone();
        let home = &home;
        async move {
            let args = [
                "compare",
                "--base-url",
                &base,
                "--api-key-env",
                KEY_VAR,
                "--target",
                targets,
                "--repeat",
                repeat,
                "--session",
                &session,
                "Is it Rayleigh scattering?",
            ];
            thinkbench(home, &args).await
        }
    };
    let out = compare("qwen3.7-plus@think=off,qwen-plus", "1", id.clone()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = compare("qwq-plus", "2", id[..4].to_string()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("TARGET"),
        "the table as usual: {}",
        out.stdout
    );

    // A comparison is a fresh prompt: no history went with it.
    for r in chats(&sim).iter().skip(1) {
        assert_eq!(
            r.body["messages"].as_array().unwrap().len(),
            1,
            "{}",
            r.body
        );
    }

    let file = export_json(&home, &id).await;
    let columns = file["columns"].as_array().unwrap();
    let targets: Vec<&str> = columns
        .iter()
        .map(|c| c["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["qwen3.7-plus@think=off", "qwen-plus", "qwq-plus"]);
    for c in columns {
        assert_eq!(c["base"], 1, "after the conversation's one turn");
        let turns = c["conversation"]["turns"].as_array().unwrap();
        assert_eq!(turns.len(), 2, "the shared start, then its own turn");
        assert_eq!(turns[1]["prompt"], "Is it Rayleigh scattering?");
        for v in turns[1]["variants"].as_array().unwrap() {
            assert_eq!(v["status"]["state"], "complete", "{v}");
            assert!(!v["answer"].as_str().unwrap().is_empty());
        }
    }
    let runs = |c: usize| {
        columns[c]["conversation"]["turns"][1]["variants"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (runs(0), runs(1), runs(2)),
        (1, 1, 2),
        "one variant per run"
    );
    assert_eq!(
        columns[0]["conversation"]["turns"][1]["variants"][0]["settings"]["model"],
        "qwen3.7-plus"
    );
    assert_eq!(file["conversation"]["turns"].as_array().unwrap().len(), 1);
    let s = &list(&home).await[0];
    assert_eq!(
        (s["turns"].as_u64(), s["messages"].as_u64()),
        (Some(1), Some(5))
    );

    let md = sessions(&home, &["export", &id]).await;
    assert!(
        md.stdout.contains("## Compare column 3: `qwq-plus`"),
        "{}",
        md.stdout
    );

    // A new session from a comparison is named after its prompt; --json names it.
    let args = [
        "compare",
        "--base-url",
        &base,
        "--api-key-env",
        KEY_VAR,
        "--target",
        "qwen-plus",
        "--session",
        "new",
        "--json",
        "Is it Rayleigh scattering?",
    ];
    let out = thinkbench(&home, &args).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let new_id = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("session: "))
        .expect("the new session's id");
    assert_eq!(out.json()[0]["session"], new_id);
    let file = export_json(&home, new_id).await;
    assert_eq!(file["meta"]["title"], "Is it Rayleigh scattering?");
    assert_eq!(file["columns"][0]["base"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_and_delete() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, _) = ask_new(&home, &sim, &[], "Why is the sky blue?").await;
    let out = sessions(&home, &["rename", &id[..6], "Sky colours"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), format!("renamed {id}: Sky colours"));
    assert_eq!(list(&home).await[0]["title"], "Sky colours");
    let table = sessions(&home, &["list"]).await;
    assert!(table.stdout.contains("Sky colours"), "{}", table.stdout);

    // The title stays when the session goes on.
    let out = ask(&home, &sim, &id, &[], "More?").await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(list(&home).await[0]["title"], "Sky colours");

    let out = sessions(&home, &["delete", &id]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), format!("deleted {id} (Sky colours)"));
    assert!(list(&home).await.is_empty());
    let out = sessions(&home, &["list"]).await;
    assert!(
        out.stdout.contains("No saved sessions yet"),
        "{}",
        out.stdout
    );

    let out = sessions(&home, &["export", &id]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with(&format!("thinkbench: no session \"{id}\"")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    let out = sessions(&home, &["delete", &id]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let sent = chats(&sim).len();
    let out = ask(&home, &sim, &id, &[], "Still there?").await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        chats(&sim).len(),
        sent,
        "nothing sent for a deleted session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_prefix_is_a_usage_error() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, _) = ask_new(&home, &sim, &[], "Why is the sky blue?").await;
    let file = home.dir.path().join("s.json");
    let out = export_to(&home, &id, "json", &file).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // 17 sessions with random hex ids: two of them start with the same digit.
    for _ in 0..16 {
        let out = sessions(&home, &["import", file.to_str().unwrap()]).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let ids: Vec<String> = list(&home)
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 17);
    let digit = ids
        .iter()
        .map(|i| &i[..1])
        .find(|d| ids.iter().filter(|i| i.starts_with(d)).count() > 1)
        .unwrap();
    let out = sessions(&home, &["export", digit]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("\"{digit}\" matches")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("give more of the id"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_import_files_are_refused_clearly() {
    let home = Home::new();
    let dir = home.dir.path();
    let cases = [
        (
            "garbage.json",
            "this is not JSON",
            "not a thinkbench session file",
        ),
        (
            "other.json",
            r#"{"format": "something-else", "version": 1, "meta": {}, "conversation": {}}"#,
            "not a thinkbench session file",
        ),
        (
            "newer.json",
            r#"{"format": "thinkbench-session", "version": 99, "meta": {"id": "x", "title": "", "created_ms": 0, "updated_ms": 0, "model": "", "provider": "", "turns": 0, "messages": 0, "cost_usd": null}, "conversation": {"system": null, "turns": [], "next_id": 0}}"#,
            "newer than this thinkbench reads",
        ),
    ];
    for (name, text, says) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = sessions(&home, &["import", path.to_str().unwrap()]).await;
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.starts_with("thinkbench: "), "{}", out.stderr);
        assert!(out.stderr.contains(says), "{name}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    let out = sessions(
        &home,
        &["import", dir.join("missing.json").to_str().unwrap()],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("cannot read"), "{}", out.stderr);
    assert!(list(&home).await.is_empty(), "nothing was imported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_never_written_and_the_database_is_user_only() {
    let sim = sim(|_| {}).await;
    let home = Home::new();
    let (id, _) = ask_new(&home, &sim, &[], "Why is the sky blue?").await;
    assert!(ask(&home, &sim, &id, &[], "And sunsets?").await.code == 0);
    let base = sim.openai_base_url();
    let out = thinkbench(
        &home,
        &[
            "compare",
            "--base-url",
            &base,
            "--api-key-env",
            KEY_VAR,
            "--target",
            "qwen-plus,qwq-plus",
            "--session",
            &id,
            "Rayleigh?",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = home.dir.path();
    for (format, name) in [("json", "s.json"), ("md", "s.md")] {
        let path = dir.join(name);
        let out = export_to(&home, &id, format, &path).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(mode(&path), 0o600, "{name}");
    }
    // The requests did carry the key (so there was a key to leak).
    assert!(chats(&sim).iter().all(|r| r.authorized));

    let db = db_dir(&home).join("sessions.db");
    assert_eq!(mode(&db), 0o600);
    // While a reader holds it open the -wal and -shm files stay, so they are checked too.
    let reader = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    let mut files = Vec::new();
    walk(dir, &mut files);
    assert!(files.iter().any(|f| f.ends_with("sessions.db")));
    assert!(files.iter().any(|f| f.ends_with("s.json")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for needle in [KEY, "Authorization", "authorization"] {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{needle} found in {}",
                f.display()
            );
        }
        if f.to_string_lossy().contains("sessions.db") {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
    }
    drop(reader);
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_opened_is_a_failure_not_a_usage_error() {
    let home = Home::new();
    // A directory where the database file should be.
    let db = home.dir.path().join("a-directory.db");
    std::fs::create_dir(&db).unwrap();
    let env = [("THINKBENCH_DB", db.to_str().unwrap())];
    let out = thinkbench_with(&home, &["sessions", "list"], &env).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("thinkbench: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("a-directory.db"),
        "names the file: {}",
        out.stderr
    );
    let out = thinkbench_with(&home, &["ask", "--demo", "--session", "abc", "Hi?"], &env).await;
    assert_eq!(out.code, 1, "a session that cannot be read: {}", out.stderr);
    assert!(out.stdout.is_empty(), "nothing was asked: {}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_answer_is_saved_as_it_streams_and_a_cancelled_one_is_kept() {
    let sim = sim(|c| {
        c.rate = Some(40.0);
        c.reasoning_tokens = Some(400);
    })
    .await;
    let home = Home::new();
    let base = sim.openai_base_url();
    let mut args = ask_args(&base, "openai", MODEL);
    args.extend(["--session", "new", "Think long about owls."]);
    let child = command(&home, &args, &[]).spawn().expect("thinkbench runs");
    // Wait until some reasoning is on disk, read by another process while it streams.
    let mut seen = String::new();
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let Some(id) = list(&home)
            .await
            .first()
            .map(|s| s["id"].as_str().unwrap().to_string())
        else {
            continue;
        };
        let file = export_json(&home, &id).await;
        let v = &file["conversation"]["turns"][0]["variants"][0];
        if v["reasoning"].as_str().is_some_and(|r| r.len() > 20) {
            // Still running: a reader sees it as cut off (the database is not changed).
            assert_eq!(v["status"]["state"], "interrupted", "{v}");
            seen = id;
            break;
        }
    }
    assert!(!seen.is_empty(), "reasoning was saved while it streamed");
    let pid = child.id().expect("running") as i32;
    // SAFETY: sends SIGINT to the child we started.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("it ends")
        .expect("it ran");
    let out = Output::from(out);
    assert_eq!(out.code, 130, "{}", out.stderr);
    let file = export_json(&home, &seen).await;
    let v = &file["conversation"]["turns"][0]["variants"][0];
    assert_eq!(v["status"]["state"], "cancelled", "{v}");
    assert!(v["reasoning"].as_str().unwrap().len() > 20, "{v}");
    assert!(v["timings"]["total"].is_u64(), "{v}");
}
