//! Full-text search over prompts, answers and reasoning (SQLite FTS5). The user's text is
//! never FTS syntax: each word becomes a quoted string (a trailing `*` still asks for words
//! that start with it), so quotes, `-`, `:`, `AND`, `NEAR(` … are searched for as written.

use rusqlite::Connection;
use serde::Serialize;

use super::StoreError;

/// Which text of a turn matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    Prompt,
    Answer,
    Reasoning,
}

impl Which {
    pub fn as_str(self) -> &'static str {
        match self {
            Which::Prompt => "prompt",
            Which::Answer => "answer",
            Which::Reasoning => "reasoning",
        }
    }
}

/// One match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub session: String,
    pub title: String,
    /// Index of the turn in its conversation.
    pub turn: usize,
    /// The compare column it is in, if any.
    pub column: Option<usize>,
    pub which: Which,
    /// The text around the match, the matched words between `[` and `]`, on one line.
    pub snippet: String,
}

/// The most hits returned.
pub const MAX_HITS: usize = 100;

/// `query` as an FTS5 query that means "all these words", or `None` when it has none.
pub fn fts_query(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split_whitespace()
        .filter_map(|word| {
            let (stem, prefix) = match word.strip_suffix('*') {
                Some(s) => (s.trim_end_matches('*'), true),
                None => (word, false),
            };
            // A word of punctuation alone matches nothing and would only confuse.
            if !stem.chars().any(char::is_alphanumeric) {
                return None;
            }
            let quoted = format!("\"{}\"", stem.replace('"', "\"\""));
            Some(if prefix { quoted + "*" } else { quoted })
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

pub fn search(conn: &Connection, query: &str) -> Result<Vec<Hit>, StoreError> {
    let Some(q) = fts_query(query) else {
        return Ok(Vec::new());
    };
    let mut st = conn.prepare_cached(
        "SELECT t.session, s.title, COALESCE(tu.position, 0), t.lane, t.which,
                snippet(texts_fts, 0, '[', ']', '…', 16)
         FROM texts_fts
         JOIN texts t ON t.id = texts_fts.rowid
         JOIN sessions s ON s.id = t.session
         LEFT JOIN turns tu ON tu.session = t.session AND tu.lane = t.lane AND tu.id = t.turn
         WHERE texts_fts MATCH ?1
         ORDER BY rank
         LIMIT ?2",
    )?;
    let rows = st.query_map(rusqlite::params![q, MAX_HITS as i64], |r| {
        let lane: i64 = r.get(3)?;
        let which: String = r.get(4)?;
        let snippet: String = r.get(5)?;
        Ok(Hit {
            session: r.get(0)?,
            title: r.get(1)?,
            turn: r.get::<_, i64>(2)?.max(0) as usize,
            column: (lane > 0).then(|| lane as usize - 1),
            which: match which.as_str() {
                "prompt" => Which::Prompt,
                "reasoning" => Which::Reasoning,
                _ => Which::Answer,
            },
            snippet: snippet.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_quoted() {
        assert_eq!(fts_query("sky blue").as_deref(), Some("\"sky\" \"blue\""));
        assert_eq!(
            fts_query("say \"hi\" -x photo*").as_deref(),
            Some("\"say\" \"\"\"hi\"\"\" \"-x\" \"photo\"*")
        );
        assert_eq!(fts_query("  - * \" ").as_deref(), None);
        assert_eq!(fts_query("NEAR(a b)").as_deref(), Some("\"NEAR(a\" \"b)\""));
    }
}
