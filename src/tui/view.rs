//! The screen: layout, the caches behind each pane, and `render`, which reads the state and
//! reports what it measured.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui_textarea::{TextArea, WrapMode};

use super::markdown::MarkdownView;
use super::panes;
use super::theme::Theme;
use super::wrap::Wrapped;
use crate::app::state::{Pane, State, Viewport};

/// What the cached lines of a turn were built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnKey {
    pub width: u16,
    pub theme: String,
    /// The variant shown, and how many there are (the header says "variant 2/3").
    pub variant: Option<u64>,
    pub variants: usize,
    /// The shown variant is not running: its lines no longer change…
    pub settled: bool,
    /// …except when its final figures arrive after it stopped (a cancelled run reports its
    /// timings later).
    pub total_ms: Option<u64>,
}

/// The rendered lines of one turn, apart from the answer's Markdown.
pub struct TurnCache {
    pub key: TurnKey,
    pub you: Line<'static>,
    pub prompt: Vec<Line<'static>>,
    pub header: Vec<Line<'static>>,
    pub notes: Vec<Line<'static>>,
}

/// Reasoning wrapped for the pane, for one variant.
pub struct ReasoningCache {
    pub variant: u64,
    pub wrapped: Wrapped,
    /// Search matches for (variant, text length, query, width): their byte ranges, and the
    /// lines where they start.
    pub matches_key: Option<(u64, usize, String, u16)>,
    pub matches: Vec<(usize, usize)>,
    pub match_lines: Vec<usize>,
}

/// View state: the composer's editor and the render caches. Not domain state.
pub struct View {
    pub theme: Theme,
    pub composer: TextArea<'static>,
    pub answers: HashMap<u64, MarkdownView>,
    /// Per turn id.
    pub turns: HashMap<u64, TurnCache>,
    pub reasoning: Option<ReasoningCache>,
    /// Frames drawn (for the benchmark).
    pub frames: u64,
}

impl View {
    pub fn new(theme: Theme) -> View {
        let mut view = View {
            theme,
            composer: TextArea::default(),
            answers: HashMap::new(),
            turns: HashMap::new(),
            reasoning: None,
            frames: 0,
        };
        view.style_composer();
        view
    }

    fn style_composer(&mut self) {
        let t = &self.theme;
        self.composer.set_wrap_mode(WrapMode::WordOrGlyph);
        self.composer.set_style(t.text);
        self.composer.set_cursor_line_style(Style::default());
        self.composer.set_placeholder_text("Ask something…");
        self.composer.set_placeholder_style(t.dim);
    }

    /// The composer's text.
    pub fn composer_text(&self) -> String {
        self.composer.lines().join("\n")
    }

    pub fn clear_composer(&mut self) {
        self.composer = TextArea::default();
        self.style_composer();
    }
}

/// The areas of the screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub conversation: Rect,
    pub composer: Rect,
    pub reasoning: Rect,
    pub gauge: Rect,
    pub status: Rect,
}

const GAUGE_HEIGHT: u16 = 16;
/// Below this size only a "too small" note is drawn.
pub const MIN_WIDTH: u16 = 30;
pub const MIN_HEIGHT: u16 = 8;

pub fn areas(full: Rect, state: &State, composer_lines: usize) -> Areas {
    let [main, status] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(3), Constraint::Length(1)])
        .areas(full);
    let right_width = if main.width >= 120 {
        main.width * 2 / 5
    } else {
        (main.width / 2).max(30).min(main.width / 2 + 10)
    };
    let [left, right] = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Min(20), Constraint::Length(right_width)])
        .areas(main);
    let composer_height = (composer_lines as u16 + 2).clamp(6, (left.height / 3).max(6));
    let [conversation, composer] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(3), Constraint::Length(composer_height)])
        .areas(left);
    let (reasoning, gauge) = if state.reasoning_folded {
        let [r, g] = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(3), Constraint::Min(3)])
            .areas(right);
        (r, g)
    } else {
        let gauge_h = GAUGE_HEIGHT.min(right.height / 2);
        let [r, g] = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Min(3), Constraint::Length(gauge_h)])
            .areas(right);
        (r, g)
    };
    Areas {
        conversation,
        composer,
        reasoning,
        gauge,
        status,
    }
}

/// A bordered block whose look says whether it has focus.
pub fn pane_block<'a>(theme: &Theme, title: Line<'a>, focused: bool) -> Block<'a> {
    let (border, title_style) = if focused {
        (theme.border_focus, theme.title_focus)
    } else {
        (theme.border, theme.title)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(title.style(title_style))
}

fn rect_tuple(r: Rect) -> (u16, u16, u16, u16) {
    (r.x, r.y, r.width, r.height)
}

/// Draw the whole screen from `state`. Returns what was measured, for `update`.
pub fn render(frame: &mut Frame, state: &State, view: &mut View) -> Viewport {
    view.frames += 1;
    let full = frame.area();
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        let msg = format!("thinkbench needs at least {MIN_WIDTH}×{MIN_HEIGHT}");
        let p = ratatui::widgets::Paragraph::new(msg)
            .style(view.theme.warn)
            .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(p, full);
        return Viewport::default();
    }
    let a = areas(full, state, view.composer.lines().len());
    let mut vp = Viewport::default();

    let conv = panes::conversation::render(
        frame,
        a.conversation,
        state,
        view,
        state.focus == Pane::Conversation,
    );
    vp.conversation_lines = conv.total;
    vp.conversation_height = conv.height;
    vp.turn_starts = conv.turn_starts;
    vp.conversation_area = rect_tuple(conv.inner);

    let reason = panes::reasoning::render(
        frame,
        a.reasoning,
        state,
        view,
        state.focus == Pane::Reasoning,
    );
    vp.reasoning_lines = reason.total;
    vp.reasoning_height = reason.height;
    vp.match_lines = reason.match_lines;
    vp.reasoning_area = rect_tuple(reason.inner);

    panes::gauge::render(frame, a.gauge, state, view);
    let composer_inner = panes::composer::render(
        frame,
        a.composer,
        state,
        view,
        state.focus == Pane::Composer,
    );
    vp.composer_area = rect_tuple(composer_inner);
    panes::status::render(frame, a.status, state, view);
    vp.overlay_max_scroll = panes::overlays::render(frame, full, state, view);
    vp
}
