//! `thinkbench sessions`: the saved sessions from a script or a shell — list, search, export
//! (Markdown or JSON), import, rename and delete. Everything from a model or a user that is
//! printed to a terminal is made inert first.

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::record::{exit_code, open_store};
use super::report::note;
use crate::cli::{ExportFormat, SessionsArgs, SessionsCommand};
use crate::exit;
use crate::session::store::{Hit, Op, SessionSummary, Store, StoreError, iso_utc, utc};
use crate::text::{inert, usd};
use crate::tui::wrap::fitting_prefix;

/// Why a sessions command failed, and its exit code.
struct Failed {
    code: u8,
    message: String,
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Failed {
        Failed {
            code: exit_code(&e),
            message: e.to_string(),
        }
    }
}

impl Failed {
    fn new(code: u8, message: impl Into<String>) -> Failed {
        Failed {
            code,
            message: message.into(),
        }
    }
}

pub fn run(args: SessionsArgs) -> u8 {
    match sessions(args.command) {
        Ok(()) => exit::OK,
        Err(f) => {
            note(&f.message);
            f.code
        }
    }
}

fn sessions(command: SessionsCommand) -> Result<(), Failed> {
    let store = open_store()?;
    match command {
        SessionsCommand::List { json } => list(&store, json),
        SessionsCommand::Search { query, json } => search(&store, &query.join(" "), json),
        SessionsCommand::Export { id, format, output } => {
            export(&store, &id, format, output.as_deref())
        }
        SessionsCommand::Import { file } => import(&store, &file),
        SessionsCommand::Delete { id } => {
            let summary = summary(&store, &id)?;
            write(
                &store,
                Op::Delete {
                    session: summary.id.clone(),
                },
            )?;
            say(&format!(
                "deleted {} ({})\n",
                summary.id,
                title_or_untitled(&summary.title)
            ))
        }
        SessionsCommand::Rename { id, title } => {
            let id = store.resolve(&id)?;
            write(
                &store,
                Op::Rename {
                    session: id.clone(),
                    title: title.clone(),
                },
            )?;
            say(&format!("renamed {id}: {title}\n"))
        }
    }
}

/// The summary of the session `id` names.
fn summary(store: &Store, id: &str) -> Result<SessionSummary, Failed> {
    let id = store.resolve(id)?;
    Ok(store.load(&id)?.meta)
}

/// Write one op and wait until it is on disk.
fn write(store: &Store, op: Op) -> Result<(), Failed> {
    let writer = store.writer();
    writer.send(op);
    writer.flush().wait()?;
    Ok(())
}

/// `text` on standard output, made inert when that is a terminal. A closed pipe is not an
/// error.
fn say(text: &str) -> Result<(), Failed> {
    let mut out = std::io::stdout().lock();
    let text: Cow<str> = if out.is_terminal() {
        inert(text)
    } else {
        Cow::Borrowed(text)
    };
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(())
}

fn title_or_untitled(title: &str) -> &str {
    if title.trim().is_empty() {
        "untitled"
    } else {
        title
    }
}

/// `s` cut to `width` columns (with `…` when cut), on one line.
fn fit(s: &str, width: usize) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.width() <= width {
        return line;
    }
    format!("{}…", fitting_prefix(&line, width.saturating_sub(1)))
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

fn list(store: &Store, json: bool) -> Result<(), Failed> {
    let sessions = store.list()?;
    if json {
        let array: Vec<Value> = sessions.iter().map(summary_json).collect();
        return say(&(serde_json::to_string_pretty(&array).unwrap_or_default() + "\n"));
    }
    if sessions.is_empty() {
        return say("No saved sessions yet; `thinkbench ask --session new PROMPT` starts one.\n");
    }
    say(&table(&sessions))
}

fn summary_json(s: &SessionSummary) -> Value {
    json!({
        "id": s.id,
        "title": s.title,
        "created": iso_utc(s.created_ms),
        "created_ms": s.created_ms,
        "updated": iso_utc(s.updated_ms),
        "updated_ms": s.updated_ms,
        "model": s.model,
        "provider": s.provider,
        "turns": s.turns,
        "messages": s.messages,
        "cost_usd": s.cost_usd,
    })
}

/// The list as a table: id, when last updated, model, answers, cost, and the title last (it
/// takes what is left of 100 columns, at least 24).
fn table(sessions: &[SessionSummary]) -> String {
    let rows: Vec<[String; 5]> = sessions
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                utc(s.updated_ms),
                fit(&inert(&s.model), 28),
                s.messages.to_string(),
                s.cost_usd.map(usd).unwrap_or_else(|| "–".into()),
            ]
        })
        .collect();
    let header = ["ID", "UPDATED", "MODEL", "MSGS", "COST"];
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let used: usize = widths.iter().map(|w| w + 2).sum();
    let title_width = 100usize.saturating_sub(used).max(24);
    let line = |cells: [&str; 5], title: &str| {
        let mut l = String::new();
        for (cell, w) in cells.iter().zip(widths) {
            l.push_str(&pad(cell, w));
            l.push_str("  ");
        }
        l.push_str(title);
        l.trim_end().to_string() + "\n"
    };
    let mut out = line(header, "TITLE");
    for (row, s) in rows.iter().zip(sessions) {
        let cells = [0, 1, 2, 3, 4].map(|i| row[i].as_str());
        let title = fit(&inert(title_or_untitled(&s.title)), title_width);
        out.push_str(&line(cells, &title));
    }
    out
}

fn search(store: &Store, query: &str, json: bool) -> Result<(), Failed> {
    let hits = store.search(query)?;
    if json {
        let array: Vec<Value> = hits.iter().map(hit_json).collect();
        return say(&(serde_json::to_string_pretty(&array).unwrap_or_default() + "\n"));
    }
    if hits.is_empty() {
        return say("Nothing found.\n");
    }
    let mut out = String::new();
    for h in &hits {
        let column = h
            .column
            .map(|c| format!(", compare column {}", c + 1))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  turn {} {}{column}  {}\n    {}\n",
            h.session,
            h.turn + 1,
            h.which.as_str(),
            fit(&inert(title_or_untitled(&h.title)), 60),
            inert(&h.snippet)
        ));
    }
    say(&out)
}

fn hit_json(h: &Hit) -> Value {
    json!({
        "session": h.session,
        "title": h.title,
        "turn": h.turn + 1,
        "column": h.column.map(|c| c + 1),
        "which": h.which.as_str(),
        "snippet": h.snippet,
    })
}

fn export(
    store: &Store,
    id: &str,
    format: ExportFormat,
    output: Option<&Path>,
) -> Result<(), Failed> {
    let id = store.resolve(id)?;
    let text = match format {
        ExportFormat::Md => store.export_markdown(&id)?,
        ExportFormat::Json => store.export_json(&id)? + "\n",
    };
    let Some(path) = output else {
        return say(&text);
    };
    let cannot = |e: std::io::Error| {
        Failed::new(
            exit::FAILURE,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(cannot)?;
    // A file that was there keeps its permissions on open: make it user-only too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(cannot)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(cannot)?;
    note(format_args!("wrote session {id} to {}", path.display()));
    Ok(())
}

fn import(store: &Store, file: &Path) -> Result<(), Failed> {
    let mut text = String::new();
    let read = if file.as_os_str() == "-" {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text))
    };
    let name = if file.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    read.map_err(|e| Failed::new(exit::USAGE, format!("cannot read {name}: {e}")))?;
    let id = store.import(&text).map_err(|e| match e {
        StoreError::BadFile(why) => Failed::new(
            exit::USAGE,
            format!("{name} is not a thinkbench session file (made by `thinkbench sessions export --format json`): {why}"),
        ),
        e => e.into(),
    })?;
    say(&format!("{id}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_cut_to_their_width() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a  b\nc", 10), "a b c");
        assert_eq!(fit("abcdefghijkl", 5), "abcd…");
        assert_eq!(fit("日本語のタイトル", 5), "日本…");
    }

    #[test]
    fn the_table_puts_the_title_last() {
        let s = SessionSummary {
            id: "abc123def456".into(),
            title: "Why is the sky blue?".into(),
            created_ms: 0,
            updated_ms: 1_709_210_096_000,
            model: "qwen3.7-plus".into(),
            provider: "demo".into(),
            turns: 2,
            messages: 3,
            cost_usd: None,
        };
        let t = table(&[s]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(
            lines[0].starts_with("ID") && lines[0].ends_with("TITLE"),
            "{t}"
        );
        assert!(
            lines[1].starts_with("abc123def456  2024-02-29 12:34 UTC"),
            "{t}"
        );
        assert!(lines[1].ends_with("Why is the sky blue?"), "{t}");
        assert!(lines[1].contains("  3  "), "{t}");
    }
}
