//! The compare screen's state: 2–4 columns, each a target (model, thinking settings,
//! provider) with a conversation of its own. A prompt goes to every column with that column's
//! own history; nothing of one column reaches another's.

use crate::compare::TargetSpec;
use crate::session::{Conversation, Variant};

use super::{ProviderInfo, Scroll};

/// One column.
#[derive(Debug, Clone)]
pub struct Column {
    pub target: TargetSpec,
    /// Where its requests go; `None` while its provider's connection is being opened.
    pub provider: Option<ProviderInfo>,
    /// Why its provider could not be used.
    pub error: Option<String>,
    /// Its own history: the main conversation as it was when the comparison started, then
    /// its own turns.
    pub conversation: Conversation,
    /// How many of those turns it began with (the shared start).
    pub base: usize,
    pub scroll: Scroll,
    pub reasoning_folded: bool,
}

impl Column {
    pub fn new(target: TargetSpec, provider: Option<ProviderInfo>, base: &Conversation) -> Column {
        Column {
            target,
            provider,
            error: None,
            conversation: base.clone(),
            base: base.turns.len(),
            scroll: Scroll::default(),
            reasoning_folded: false,
        }
    }

    /// The answer of its latest own turn (not one of the shared start).
    pub fn latest(&self) -> Option<&Variant> {
        self.conversation.turns.get(self.base..)?.last()?.active()
    }

    pub fn is_running(&self) -> bool {
        self.latest().is_some_and(|v| v.status.is_running())
    }

    /// Its running variants' ids.
    pub fn running(&self) -> impl Iterator<Item = u64> + '_ {
        self.conversation
            .turns
            .iter()
            .flat_map(|t| t.variants.iter())
            .filter(|v| v.status.is_running())
            .map(|v| v.id)
    }
}

/// A comparison.
#[derive(Debug, Clone)]
pub struct Compare {
    /// Unique per comparison (the renderer keeps column caches per comparison).
    pub id: u64,
    pub columns: Vec<Column>,
    /// The column keys act on (cancel, fold, adopt, diff).
    pub focus: usize,
    /// The compare screen is shown (else the normal view; the comparison is kept).
    pub shown: bool,
    /// Turns of the main conversation the columns began with.
    pub base_turns: usize,
}

impl Compare {
    pub fn new(id: u64, columns: Vec<Column>, base_turns: usize) -> Compare {
        Compare {
            id,
            columns,
            focus: 0,
            shown: true,
            base_turns,
        }
    }

    pub fn is_running(&self) -> bool {
        self.columns.iter().any(Column::is_running)
    }

    /// Ids of every variant still streaming, in every column.
    pub fn running(&self) -> Vec<u64> {
        self.columns.iter().flat_map(Column::running).collect()
    }

    /// The column and variant with id `id`.
    pub fn variant_mut(&mut self, id: u64) -> Option<(usize, &mut Variant)> {
        self.columns
            .iter_mut()
            .enumerate()
            .find_map(|(c, col)| col.conversation.variant_mut(id).map(|v| (c, v)))
    }

    pub fn variant(&self, id: u64) -> Option<(usize, &Variant)> {
        self.columns
            .iter()
            .enumerate()
            .find_map(|(c, col)| col.conversation.variant(id).map(|v| (c, v)))
    }

    /// The latest answer of every column, in order.
    pub fn latest(&self) -> Vec<Option<&Variant>> {
        self.columns.iter().map(Column::latest).collect()
    }

    /// The target texts, comma-separated (what the target picker shows).
    pub fn targets_text(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.target.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
