//! The app's state: plain data, changed only by `update`, read by the renderer.

use crate::provider::plan::{Capabilities, ThinkingSettings};
use crate::provider::route::Route;
use crate::session::{Conversation, Turn, Variant};

use super::keymap::Keymap;
use super::search::Search;

pub mod compare;
pub mod library;
pub mod pastes;

use compare::Compare;
use library::{Library, SessionRef};

/// The panes that can have focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Composer,
    Conversation,
    Reasoning,
}

impl Pane {
    pub fn next(self, folded: bool) -> Pane {
        match self {
            Pane::Composer => Pane::Conversation,
            Pane::Conversation if folded => Pane::Composer,
            Pane::Conversation => Pane::Reasoning,
            Pane::Reasoning => Pane::Composer,
        }
    }

    pub fn prev(self, folded: bool) -> Pane {
        match self {
            Pane::Composer if folded => Pane::Conversation,
            Pane::Composer => Pane::Reasoning,
            Pane::Conversation => Pane::Composer,
            Pane::Reasoning => Pane::Conversation,
        }
    }
}

/// The provider requests go to (the key stays with the effects layer).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderInfo {
    pub name: String,
    /// `modelstudio (Singapore, openai)`, `DEMO simulator (openai)`.
    pub label: String,
    /// How requests are built for it, and what its models can do.
    pub route: Route,
    pub demo: bool,
    pub default_model: String,
    /// What to tell the user on a 401 (keys are bound to a region, a workspace …).
    pub unauthorized_hint: String,
    /// Requests carry an API key.
    pub has_key: bool,
}

/// Settings for the next message. Changing them never touches sent messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSettings {
    pub model: String,
    pub thinking: ThinkingSettings,
    pub max_tokens: Option<u32>,
}

/// Scroll position of a pane: a top line, or following the end, or a place in the text to
/// bring into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub top: usize,
    pub follow: bool,
    /// Show the line holding this byte of the pane's text near the top (a search match). Only
    /// the renderer knows which line that is: it reports the line it drew at the top in the
    /// [`Viewport`], and the next scroll step starts from there.
    pub reveal: Option<usize>,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll {
            top: 0,
            follow: true,
            reveal: None,
        }
    }
}

impl Scroll {
    /// Bring byte `at` of the text into view.
    pub fn reveal(at: usize) -> Scroll {
        Scroll {
            top: 0,
            follow: false,
            reveal: Some(at),
        }
    }

    /// Turn a pending reveal into the line the renderer drew it at.
    pub fn settle(&mut self, drawn_top: usize) {
        if self.reveal.take().is_some() {
            self.top = drawn_top;
        }
    }

    /// The top line to draw for `total` lines in `height` rows.
    pub fn top_for(&self, total: usize, height: usize) -> usize {
        let max = total.saturating_sub(height);
        if self.follow { max } else { self.top.min(max) }
    }

    pub fn up(&mut self, n: usize, total: usize, height: usize) {
        self.top = self.top_for(total, height).saturating_sub(n);
        self.follow = false;
    }

    pub fn down(&mut self, n: usize, total: usize, height: usize) {
        let max = total.saturating_sub(height);
        self.top = (self.top_for(total, height) + n).min(max);
        self.follow = self.top >= max;
    }
}

/// What the renderer measured on the last frame; fed back through `update`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewport {
    pub conversation_lines: usize,
    pub conversation_height: usize,
    /// First line of each turn in the conversation pane (for clicks and selecting a turn);
    /// turns not laid out yet count with an estimated height.
    pub turn_starts: Vec<usize>,
    /// Lines the conversation was drawn below its scroll position's top, to keep the screen
    /// still while turns above it are laid out; the next scroll step starts from there.
    pub conversation_shift: isize,
    pub reasoning_lines: usize,
    pub reasoning_height: usize,
    /// Screen areas (x, y, width, height) of the panes, for mouse input.
    pub conversation_area: (u16, u16, u16, u16),
    pub reasoning_area: (u16, u16, u16, u16),
    pub composer_area: (u16, u16, u16, u16),
    /// The line drawn at the top of the reasoning pane.
    pub reasoning_top: usize,
    /// How far the top popup (help, inspector) can scroll.
    pub overlay_max_scroll: usize,
    /// The compare columns' answer panes: lines, height and area, per column shown.
    pub columns: Vec<ColumnMeasure>,
}

/// What the renderer measured of a compare column's answer pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnMeasure {
    pub column: usize,
    pub lines: usize,
    pub height: usize,
    pub area: (u16, u16, u16, u16),
}

/// An item of the model / provider picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickItem {
    Model(String),
    Provider(String),
}

/// Popups, top of the stack last. The top one gets keys first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Budget {
        input: String,
        /// Index into [`BUDGET_PRESETS`] when moving through presets.
        preset: Option<usize>,
        error: Option<String>,
    },
    Picker {
        query: String,
        selected: usize,
    },
    Inspector {
        variant: u64,
        scroll: usize,
    },
    /// The compare target picker: a list of targets (or `sweep …`) being typed.
    Targets {
        input: String,
        error: Option<String>,
    },
    /// A word diff of two compare columns' answers (or reasoning).
    Diff {
        a: usize,
        b: usize,
        reasoning: bool,
        scroll: usize,
    },
    /// Reasoning tokens, time and cost per compare column.
    Chart,
    /// Which code block of variant `variant` to copy.
    Code {
        variant: u64,
        selected: usize,
    },
    /// The stored sessions (its state is [`State::library`]).
    Sessions,
}

/// The budget presets offered by the budget editor (`None` = no budget).
pub const BUDGET_PRESETS: &[Option<u32>] = &[
    None,
    Some(256),
    Some(1_000),
    Some(2_000),
    Some(4_000),
    Some(8_000),
    Some(16_000),
    Some(32_000),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// A transient message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub level: Level,
    pub until_ms: u64,
}

/// The whole app state.
#[derive(Debug, Clone)]
pub struct State {
    pub conversation: Conversation,
    pub next: NextSettings,
    pub provider: ProviderInfo,
    pub keymap: Keymap,
    /// Provider names for the picker.
    pub providers: Vec<String>,
    /// Models the server listed (`GET /models`), if it offers that.
    pub remote_models: Vec<String>,
    pub focus: Pane,
    /// The selected turn; `None` follows the latest.
    pub selected: Option<usize>,
    pub conversation_scroll: Scroll,
    pub reasoning_scroll: Scroll,
    pub reasoning_folded: bool,
    pub search: Option<Search>,
    pub overlays: Vec<Overlay>,
    /// Large pastes held as tags in the composer until the message is sent.
    pub pastes: pastes::Pastes,
    pub notice: Option<Notice>,
    pub viewport: Viewport,
    /// Wall clock in Unix milliseconds, advanced by ticks.
    pub now_ms: u64,
    pub quit: bool,
    /// A provider switch is under way (its name).
    pub switching: Option<String>,
    /// The comparison, shown or kept aside.
    pub compare: Option<Compare>,
    /// The stored session this one is written to; `None` when sessions are not stored.
    pub session: Option<SessionRef>,
    /// The session list, while its popup is open.
    pub library: Option<Library>,
    /// Storing sessions failed and the user was told (told once until it works again).
    pub store_trouble: Option<String>,
    /// The render stats are shown.
    pub show_stats: bool,
}

impl State {
    pub fn new(provider: ProviderInfo, model: String, keymap: Keymap) -> State {
        State {
            conversation: Conversation::default(),
            next: NextSettings {
                model,
                thinking: ThinkingSettings::default(),
                max_tokens: None,
            },
            provider,
            keymap,
            providers: Vec::new(),
            remote_models: Vec::new(),
            focus: Pane::Composer,
            selected: None,
            conversation_scroll: Scroll::default(),
            reasoning_scroll: Scroll::default(),
            reasoning_folded: false,
            search: None,
            overlays: Vec::new(),
            pastes: Default::default(),
            notice: None,
            viewport: Viewport::default(),
            now_ms: 0,
            quit: false,
            switching: None,
            compare: None,
            session: None,
            library: None,
            store_trouble: None,
            show_stats: false,
        }
    }

    /// What the next message's model can do on the current provider.
    pub fn next_capabilities(&self) -> Capabilities {
        self.provider.route.capabilities(&self.next.model)
    }

    /// The index of the selected turn (the latest when following).
    pub fn selected_turn(&self) -> Option<usize> {
        match self.selected {
            Some(i) if i < self.conversation.turns.len() => Some(i),
            _ => self.conversation.turns.len().checked_sub(1),
        }
    }

    pub fn selected_turn_ref(&self) -> Option<&Turn> {
        self.conversation.turns.get(self.selected_turn()?)
    }

    /// The variant whose reasoning and gauge are shown.
    pub fn selected_variant(&self) -> Option<&Variant> {
        self.selected_turn_ref()?.active()
    }

    /// Ids of variants still streaming, in the conversation and in compare columns.
    pub fn running(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .conversation
            .turns
            .iter()
            .flat_map(|t| t.variants.iter())
            .filter(|v| v.status.is_running())
            .map(|v| v.id)
            .collect();
        if let Some(c) = &self.compare {
            ids.extend(c.running());
        }
        ids
    }

    pub fn is_running(&self) -> bool {
        self.conversation
            .turns
            .iter()
            .flat_map(|t| t.variants.iter())
            .any(|v| v.status.is_running())
            || self.compare.as_ref().is_some_and(Compare::is_running)
    }

    /// The variant with id `id`, in the conversation or a compare column.
    pub fn variant(&self, id: u64) -> Option<&Variant> {
        match self.conversation.variant(id) {
            Some(v) => Some(v),
            None => self.compare.as_ref()?.variant(id).map(|(_, v)| v),
        }
    }

    pub fn variant_mut(&mut self, id: u64) -> Option<&mut Variant> {
        if self.conversation.find_variant(id).is_some() {
            return self.conversation.variant_mut(id);
        }
        self.compare.as_mut()?.variant_mut(id).map(|(_, v)| v)
    }

    /// The provider variant `id` was sent to: its compare column's, or the conversation's.
    pub fn provider_of(&self, id: u64) -> &ProviderInfo {
        if self.conversation.find_variant(id).is_some() {
            return &self.provider;
        }
        self.compare
            .as_ref()
            .and_then(|c| c.variant(id))
            .and_then(|(col, _)| self.compare.as_ref()?.columns[col].provider.as_ref())
            .unwrap_or(&self.provider)
    }

    /// The variant copy keys and the inspector act on: the focused compare column's answer in
    /// the compare view, else the selected message's (the latest when none is).
    pub fn focused_variant(&self) -> Option<&Variant> {
        match self.comparing() {
            Some(c) => c.columns.get(c.focus)?.latest(),
            None => self.selected_variant(),
        }
    }

    /// The comparison, when its screen is shown.
    pub fn comparing(&self) -> Option<&Compare> {
        self.compare.as_ref().filter(|c| c.shown)
    }

    #[cfg(test)]
    pub fn top_overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    /// Items the picker shows for `query` (models first, then providers).
    pub fn picker_items(&self, query: &str) -> Vec<PickItem> {
        let q = query.to_lowercase();
        let mut models: Vec<String> = self
            .provider
            .route
            .catalog
            .names_on(self.provider.route.dialect.catalog_host())
            .into_iter()
            .map(str::to_string)
            .collect();
        for m in &self.remote_models {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        let mut items: Vec<PickItem> = models
            .into_iter()
            .filter(|m| m.to_lowercase().contains(&q))
            .map(PickItem::Model)
            .collect();
        // A name that is not in the list can still be used as typed.
        if !query.trim().is_empty()
            && !items
                .iter()
                .any(|i| matches!(i, PickItem::Model(m) if m == query.trim()))
            && !query.contains(' ')
        {
            items.push(PickItem::Model(query.trim().to_string()));
        }
        items.extend(
            self.providers
                .iter()
                .filter(|p| p.to_lowercase().contains(&q))
                .map(|p| PickItem::Provider(p.clone())),
        );
        items
    }
}
