//! A session as a file: Markdown to read, JSON to read back with [`super::Store::import`].

use serde::{Deserialize, Serialize};

use super::{SavedSession, SessionSummary, StoreError};
use crate::session::markdown::message_markdown;
use crate::session::{ColumnRecord, Conversation};

/// The mark that tells a thinkbench session file from any other JSON.
const FORMAT: &str = "thinkbench-session";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    meta: SessionSummary,
    conversation: Conversation,
    #[serde(default)]
    columns: Vec<ColumnRecord>,
}

pub fn json(s: &SavedSession) -> String {
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        meta: s.meta.clone(),
        conversation: s.conversation.clone(),
        columns: s.columns.clone(),
    };
    serde_json::to_string_pretty(&file).expect("a session always serializes")
}

pub fn parse(text: &str) -> Result<SavedSession, StoreError> {
    let file: File = serde_json::from_str(text).map_err(|e| StoreError::BadFile(format!("{e}")))?;
    if file.format != FORMAT {
        return Err(StoreError::BadFile(format!(
            "\"format\" is \"{}\", not \"{FORMAT}\"",
            file.format
        )));
    }
    if file.version > VERSION {
        return Err(StoreError::BadFile(format!(
            "version {} is newer than this thinkbench reads ({VERSION}); update thinkbench",
            file.version
        )));
    }
    Ok(SavedSession {
        meta: file.meta,
        conversation: file.conversation,
        columns: file.columns,
        recovered: None,
    })
}

pub fn markdown(s: &SavedSession) -> String {
    let title = if s.meta.title.is_empty() {
        "Untitled session"
    } else {
        s.meta.title.as_str()
    };
    let mut md = format!("# {}\n\n", title.trim());
    md.push_str(&format!(
        "Session `{}`, {} on {}, begun {}.\n\n",
        s.meta.id,
        s.meta.model,
        s.meta.provider,
        super::utc(s.meta.created_ms)
    ));
    if let Some(system) = &s.conversation.system {
        md.push_str(&format!("**System:** {}\n\n", system.trim_end()));
    }
    conversation(&mut md, &s.conversation, 0, "##");
    for (c, col) in s.columns.iter().enumerate() {
        md.push_str(&format!(
            "## Compare column {}: `{}`\n\n(after turn {} of the conversation)\n\n",
            c + 1,
            col.target,
            col.base
        ));
        conversation(&mut md, &col.conversation, col.base, "###");
    }
    md
}

fn conversation(md: &mut String, conv: &Conversation, from: usize, level: &str) {
    for (i, turn) in conv.turns.iter().enumerate().skip(from) {
        md.push_str(&format!("{level} Turn {}\n\n", i + 1));
        let many = turn.variants.len() > 1;
        for (k, v) in turn.variants.iter().enumerate() {
            if many {
                let shown = if k == turn.active { " (shown)" } else { "" };
                md.push_str(&format!("*Variant {}{shown}*\n\n", k + 1));
            }
            md.push_str(&message_markdown(turn, v));
            if !md.ends_with("\n\n") {
                md.push('\n');
            }
        }
    }
}
