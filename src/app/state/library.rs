//! The stored sessions as the app sees them: which one it writes to, and the session list
//! popup (its query, the rows last loaded for it, what is being typed or confirmed). The rows
//! come from the effects layer, which reads the database off the UI thread.

use crate::session::store::SessionSummary;

/// The session the workbench is writing to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionRef {
    pub id: String,
    /// Compare columns already stored for it (new ones are numbered after them).
    pub stored_columns: usize,
    /// The comparison restored from storage, if any: its id and the stored number of its
    /// first column.
    pub restored_compare: Option<(u64, usize)>,
    /// Its conversation was read back from storage (so it is stored already).
    pub loaded: bool,
}

/// One row of the session list: a session, or a search hit in one.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub session: SessionSummary,
    /// For a search hit: where the match is and its text, `[match]` marking the words.
    pub hit: Option<HitPlace>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitPlace {
    /// 1-based turn.
    pub turn: usize,
    /// `prompt`, `answer` or `reasoning`, with the compare column when in one.
    pub place: String,
    pub snippet: String,
}

/// What the list is doing besides browsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Browse,
    /// A new title being typed for the selected session.
    Rename(String),
    /// Waiting for y / n before deleting the selected session.
    ConfirmDelete,
}

/// The session list popup.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    /// Full-text query; empty lists every session.
    pub query: String,
    pub selected: usize,
    pub rows: Vec<Row>,
    /// The query `rows` answer (they are being loaded while it differs from `query`).
    pub loaded: Option<String>,
    pub error: Option<String>,
    pub mode: Mode,
}

impl Library {
    pub fn new() -> Library {
        Library {
            query: String::new(),
            selected: 0,
            rows: Vec::new(),
            loaded: None,
            error: None,
            mode: Mode::Browse,
        }
    }

    pub fn loading(&self) -> bool {
        self.loaded.as_deref() != Some(self.query.as_str())
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }
}

impl Default for Library {
    fn default() -> Self {
        Library::new()
    }
}
