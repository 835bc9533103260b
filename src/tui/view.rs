//! The screen: the layout, the pane components that draw into it, and `render`, which reads
//! the state and reports what it measured (pane sizes and line counts, for scrolling and the
//! mouse). The panes own their caches; the view only composes them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::panes::Ctx;
use ratatui::text::{Line, Span};

use super::panes::column::{ColumnPane, ColumnView, strip_lines, strip_rows};
use super::panes::composer::{ComposerPane, ComposerView};
use super::panes::conversation::{ConversationPane, ConversationView};
use super::panes::gauge::{GaugePane, GaugeView};
use super::panes::overlays::Overlays;
use super::panes::reasoning::{ReasoningPane, ReasoningView};
use super::panes::stats;
use super::panes::status::StatusLine;
use super::stats::RenderStats;
use super::theme::Theme;
use crate::app::keymap::Command;
use crate::app::state::compare::Compare;
use crate::app::state::{ColumnMeasure, Pane, State, Viewport};
use crate::compare::{Summary, summarize};

/// View state: the theme, the composer's editor and the panes with their caches. Not domain
/// state.
pub struct View {
    pub theme: Theme,
    pub composer: ComposerPane,
    conversation: ConversationPane,
    reasoning: ReasoningPane,
    gauge: GaugePane,
    status: StatusLine,
    overlays: Overlays,
    /// The compare columns' components, for comparison `columns.0`.
    columns: (u64, Vec<ColumnPane>),
    /// The summary of the columns' latest answers, and what it was worked out for (their ids,
    /// total times and answer lengths): diffing the answers is not for every frame.
    summary: (Vec<AnswerKey>, Option<Summary>),
    /// Frames drawn (for the benchmark).
    pub frames: u64,
    /// What drawing costs, as the loop measures it (shown with the stats key).
    pub stats: RenderStats,
}

impl View {
    pub fn new(theme: Theme) -> View {
        View {
            theme,
            composer: ComposerPane::default(),
            conversation: ConversationPane::default(),
            reasoning: ReasoningPane::default(),
            gauge: GaugePane,
            status: StatusLine,
            overlays: Overlays::default(),
            columns: (0, Vec::new()),
            summary: (Vec::new(), None),
            frames: 0,
            stats: RenderStats::default(),
        }
    }

    /// Draw the whole screen from `state`. Returns what was measured, for `update`.
    pub fn render(&mut self, frame: &mut Frame, state: &State) -> Viewport {
        let vp = self.render_screen(frame, state);
        // The byte count of a stream starts with its first frame, whether or not the stats
        // are shown yet.
        if let Some(v) = state.focused_variant() {
            self.stats.follow(v.id, super::stats::terminal_bytes());
        }
        if state.show_stats {
            stats::render(frame, &self.theme, &mut self.stats, state);
        }
        vp
    }

    fn render_screen(&mut self, frame: &mut Frame, state: &State) -> Viewport {
        self.frames += 1;
        let full = frame.area();
        let ctx = Ctx {
            theme: &self.theme,
            keymap: &state.keymap,
            now_ms: state.now_ms,
        };
        if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
            let msg = format!("thinkbench needs at least {MIN_WIDTH}×{MIN_HEIGHT}");
            let p = ratatui::widgets::Paragraph::new(msg)
                .style(ctx.theme.warn)
                .wrap(ratatui::widgets::Wrap { trim: true });
            frame.render_widget(p, full);
            return Viewport::default();
        }
        if let Some(c) = state.comparing() {
            return self.render_compare(frame, state, c);
        }
        let a = areas(full, state, self.composer.line_count());
        let route = &state.provider.route;
        let variant = state.selected_variant();

        let conv = self.conversation.render(
            frame,
            a.conversation,
            &ctx,
            ConversationView {
                conversation: &state.conversation,
                selected: state.selected_turn(),
                scroll: state.conversation_scroll,
                focused: state.focus == Pane::Conversation,
                route,
                demo: state.provider.demo,
                title: None,
                retry_hints: true,
            },
        );
        let reason = self.reasoning.render(
            frame,
            a.reasoning,
            &ctx,
            ReasoningView {
                variant,
                scroll: state.reasoning_scroll,
                search: state.search.as_ref(),
                folded: state.reasoning_folded,
                focused: state.focus == Pane::Reasoning,
            },
        );
        self.gauge.render(
            frame,
            a.gauge,
            &ctx,
            GaugeView {
                variant,
                turn: state.selected_turn(),
                conversation: &state.conversation,
                route,
            },
        );
        let composer = self
            .composer
            .render(frame, a.composer, &ctx, composer_view(state, None));
        self.status.render(frame, a.status, &ctx, state);
        let overlay_max_scroll = self.overlays.render(frame, full, &ctx, state);
        Viewport {
            conversation_lines: conv.total,
            conversation_height: conv.height,
            turn_starts: conv.turn_starts,
            conversation_shift: conv.shift,
            reasoning_lines: reason.total,
            reasoning_height: reason.height,
            reasoning_top: reason.top,
            conversation_area: rect_tuple(conv.inner),
            reasoning_area: rect_tuple(reason.inner),
            composer_area: rect_tuple(composer),
            overlay_max_scroll,
            columns: Vec::new(),
        }
    }
}

/// What the message editor shows beside the text (`compare`: the columns it sends to).
fn composer_view(state: &State, compare: Option<usize>) -> ComposerView<'_> {
    ComposerView {
        next: &state.next,
        caps: state.next_capabilities(),
        focused: state.focus == Pane::Composer,
        popup: !state.overlays.is_empty(),
        compare,
    }
}

/// What a summary is worked out for, per column: the answer's variant, its total time and its
/// length.
type AnswerKey = (u64, Option<u64>, usize);

/// Columns narrower than this are shown one at a time, with a tab strip.
const MIN_COLUMN_WIDTH: u16 = 40;

impl View {
    /// The compare screen: 2–4 columns side by side (or one at a time on a narrow screen),
    /// the summary once all have finished, the message editor and the status line.
    fn render_compare(&mut self, frame: &mut Frame, state: &State, c: &Compare) -> Viewport {
        let summary = self.summary(c);
        let ctx = Ctx {
            theme: &self.theme,
            keymap: &state.keymap,
            now_ms: state.now_ms,
        };
        if self.columns.0 != c.id {
            self.columns = (c.id, Vec::new());
        }
        self.columns
            .1
            .resize_with(c.columns.len(), ColumnPane::default);
        let full = frame.area();
        let composer_height =
            (self.composer.line_count() as u16 + 2).clamp(4, (full.height / 4).max(4));
        let summary_lines = summary
            .as_ref()
            .map(|s| summary_lines(&ctx, s, full.width))
            .unwrap_or_default();
        let n = c.columns.len() as u16;
        let side_by_side = full.width / n.max(1) >= MIN_COLUMN_WIDTH;
        let [top, main, summary_row, composer, status] = Layout::vertical([
            Constraint::Length(u16::from(!side_by_side)),
            Constraint::Min(6),
            Constraint::Length(summary_lines.len() as u16),
            Constraint::Length(composer_height),
            Constraint::Length(1),
        ])
        .areas(full);
        let shown: Vec<usize> = if side_by_side {
            (0..c.columns.len()).collect()
        } else {
            draw_tabs(frame, top, &ctx, c);
            vec![c.focus]
        };
        let rects = Layout::horizontal(vec![Constraint::Fill(1); shown.len()]).split(main);
        let strips: Vec<Vec<Line<'static>>> = shown
            .iter()
            .zip(rects.iter())
            .map(|(&i, r)| {
                let col = &c.columns[i];
                strip_lines(&ctx, col, col.latest(), r.width.saturating_sub(4))
            })
            .collect();
        let strip_height = strips.iter().map(|l| strip_rows(l)).max().unwrap_or(3);
        let mut columns = Vec::new();
        for ((&i, area), strip) in shown.iter().zip(rects.iter()).zip(strips) {
            let col = &c.columns[i];
            let focused = state.focus == Pane::Conversation && c.focus == i;
            let marks = summary.as_ref().map(|s| marks(s, i)).unwrap_or_default();
            let route = col
                .provider
                .as_ref()
                .map_or(&state.provider.route, |p| &p.route);
            let m = self.columns.1[i].render(
                frame,
                *area,
                &ctx,
                ColumnView {
                    index: i,
                    column: col,
                    focused,
                    marks,
                    route,
                    strip,
                    strip_rows: strip_height,
                },
            );
            columns.push(ColumnMeasure {
                column: i,
                lines: m.total,
                height: m.height,
                area: rect_tuple(m.inner),
            });
        }
        let buf = frame.buffer_mut();
        for (k, l) in summary_lines.iter().enumerate() {
            buf.set_line(
                summary_row.x,
                summary_row.y + k as u16,
                l,
                summary_row.width,
            );
        }
        let composer_inner = self.composer.render(
            frame,
            composer,
            &ctx,
            composer_view(state, Some(c.columns.len())),
        );
        self.status.render(frame, status, &ctx, state);
        let overlay_max_scroll = self.overlays.render(frame, full, &ctx, state);
        Viewport {
            composer_area: rect_tuple(composer_inner),
            overlay_max_scroll,
            columns,
            ..Viewport::default()
        }
    }
}

impl View {
    /// The summary of `c`, worked out again only when an answer changed.
    fn summary(&mut self, c: &Compare) -> Option<Summary> {
        let latest = c.latest();
        let key: Vec<AnswerKey> = latest
            .iter()
            .map(|v| {
                v.map_or((0, None, 0), |v| {
                    (v.id, v.timings.total, v.reply.answer.len())
                })
            })
            .collect();
        if self.summary.0 != key || key.is_empty() {
            self.summary = (key, summarize(&latest));
        }
        self.summary.1.clone()
    }
}

/// What the summary says about column `i`.
fn marks(s: &Summary, i: usize) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.first_token == Some(i) {
        out.push("first token");
    }
    if s.fastest == Some(i) {
        out.push("fastest");
    }
    if s.cheapest == Some(i) {
        out.push("cheapest");
    }
    if s.most_reasoning == Some(i) {
        out.push("most reasoning");
    }
    out
}

/// Under the columns once all have finished: who was best at what, how alike the answers
/// are, and the keys that go further (packed into the width, at most two lines).
fn summary_lines(ctx: &Ctx, s: &Summary, width: u16) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut parts = vec![Span::styled("Summary", t.title)];
    for (label, col) in [
        ("first token", s.first_token),
        ("fastest", s.fastest),
        ("cheapest", s.cheapest),
        ("most reasoning", s.most_reasoning),
    ] {
        if let Some(i) = col {
            parts.push(Span::styled(format!("{label} {}", i + 1), t.best));
        }
    }
    if let Some(sim) = s.similarity {
        parts.push(Span::styled(
            format!("answers {:.0}% alike", sim * 100.0),
            t.label,
        ));
    }
    for (cmd, what) in [
        (Command::Diff, "diff"),
        (Command::Chart, "chart"),
        (Command::Adopt, "adopt"),
    ] {
        parts.push(Span::styled(
            format!("{} {what}", ctx.keymap.hint(cmd)),
            t.dim,
        ));
    }
    let mut lines = super::panes::pack(parts, Span::styled(" · ", t.meta), width, 1);
    lines.truncate(2);
    lines
}

/// On a narrow screen: a tab per column, the focused one shown.
fn draw_tabs(frame: &mut Frame, area: Rect, ctx: &Ctx, c: &Compare) {
    let t = ctx.theme;
    let mut spans = Vec::new();
    for (i, col) in c.columns.iter().enumerate() {
        let style = if i == c.focus {
            t.popup_selected
        } else {
            t.dim
        };
        let running = if col.is_running() {
            format!(" {}", super::panes::spinner(ctx.now_ms))
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!(" {} {}{running} ", i + 1, col.target),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(
        format!(
            "{}/{} column",
            ctx.keymap.hint(Command::ColumnPrev),
            ctx.keymap.hint(Command::ColumnNext)
        ),
        t.dim,
    ));
    frame
        .buffer_mut()
        .set_line(area.x, area.y, &Line::from(spans), area.width);
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

fn rect_tuple(r: Rect) -> (u16, u16, u16, u16) {
    (r.x, r.y, r.width, r.height)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::app::keymap::Keymap;
    use crate::app::search::Search;
    use crate::app::state::{Overlay, ProviderInfo, Scroll};
    use crate::catalog::Catalog;
    use crate::provider::StreamEvent;
    use crate::provider::dialect::{Dialect, Protocol};
    use crate::provider::plan::ThinkingSettings;
    use crate::provider::route::Route;
    use crate::session::{MessageSettings, Status};
    use crate::tui::theme::clones;

    /// A state with `turns` finished answers, each with a heading, a list and a code block.
    fn state(turns: usize) -> State {
        let route = Route {
            dialect: Dialect::ModelStudio,
            protocol: Protocol::Openai,
            base_url: "http://127.0.0.1:9/compatible-mode/v1".into(),
            think_tags: None,
            catalog: Arc::new(Catalog::builtin()),
        };
        let provider = ProviderInfo {
            name: "demo".into(),
            label: "DEMO".into(),
            route,
            demo: true,
            default_model: "qwen3.7-plus".into(),
            unauthorized_hint: String::new(),
            has_key: true,
        };
        let mut s = State::new(provider, "qwen3.7-plus".into(), Keymap::default());
        for i in 0..turns {
            let t = s.conversation.push_turn(format!("Question number {i}?"));
            let settings = MessageSettings {
                provider: "demo".into(),
                model: "qwen3.7-plus".into(),
                thinking: ThinkingSettings::default(),
                resolved: Default::default(),
                max_tokens: None,
            };
            let id = s.conversation.push_variant(t, settings, 0);
            let v = s.conversation.variant_mut(id).unwrap();
            v.apply(&StreamEvent::Reasoning(format!("Let me think about {i}. ")));
            v.apply(&StreamEvent::Answer(format!(
                "## Answer {i}\n\n- one\n- two\n\n```rust\nfn f() -> u32 {{ {i} }}\n```\n"
            )));
            v.status = Status::Complete;
            v.timings.total = Some(1_000);
        }
        s
    }

    fn draw(term: &mut Terminal<TestBackend>, view: &mut View, state: &State) -> Viewport {
        let mut vp = Viewport::default();
        term.draw(|f| vp = view.render(f, state)).unwrap();
        vp
    }

    #[test]
    fn rendering_clones_no_theme() {
        let mut s = state(5);
        let mut search = Search::typing();
        search.query = "think".into();
        search.refresh(s.selected_variant().map(|v| v.id), "Let me think about 4. ");
        s.search = Some(search);
        let mut view = View::new(Theme::builtin("dark"));
        let mut term = Terminal::new(TestBackend::new(140, 40)).unwrap();
        let before = clones::so_far();
        for _ in 0..3 {
            draw(&mut term, &mut view, &s);
        }
        s.overlays.push(Overlay::Help { scroll: 0 });
        s.reasoning_folded = true;
        draw(&mut term, &mut view, &s);
        assert_eq!(clones::so_far(), before, "a frame clones no theme");
    }

    #[test]
    fn only_turns_in_view_are_laid_out() {
        let mut s = state(200);
        let mut view = View::new(Theme::builtin("dark"));
        let mut term = Terminal::new(TestBackend::new(140, 40)).unwrap();
        let first = draw(&mut term, &mut view, &s);
        let in_view = view.conversation.laid_out;
        assert!(
            (1..=8).contains(&in_view),
            "following the end lays out the last screenful: {in_view}"
        );
        assert_eq!(first.turn_starts.len(), 200);
        draw(&mut term, &mut view, &s);
        assert_eq!(
            view.conversation.laid_out, 0,
            "nothing changed, nothing laid out"
        );
        // A resize lays out one screenful again, not the history.
        term.backend_mut().resize(100, 40);
        draw(&mut term, &mut view, &s);
        let after_resize = view.conversation.laid_out;
        assert!(
            (1..=10).contains(&after_resize),
            "a resize lays out what is in view: {after_resize}"
        );
        // Scrolling to the top lays out the turns there, and they are drawn.
        s.conversation_scroll = Scroll {
            top: 0,
            follow: false,
            reveal: None,
        };
        draw(&mut term, &mut view, &s);
        assert!((1..=10).contains(&view.conversation.laid_out));
        let screen = format!("{:?}", term.backend().buffer());
        assert!(screen.contains("Question number 0?"));
        assert!(screen.contains("Answer 0"));
    }

    #[test]
    fn a_long_prompt_is_folded_to_its_head_and_a_line_that_says_how_long_it_is() {
        let mut s = state(2);
        s.conversation.turns[0].prompt = (0..100_000).map(|i| format!("row {i}\n")).collect();
        s.conversation.turns[1].prompt = (0..40).map(|i| format!("short {i}\n")).collect();
        s.conversation_scroll = Scroll {
            top: 0,
            follow: false,
            reveal: None,
        };
        let mut view = View::new(Theme::builtin("dark"));
        let mut term = Terminal::new(TestBackend::new(140, 120)).unwrap();
        let vp = draw(&mut term, &mut view, &s);
        let buf = term.backend().buffer();
        let screen: String = (0..buf.area.height)
            .map(|y| {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                row + "\n"
            })
            .collect();
        assert!(screen.contains("row 11 "), "{screen}");
        assert!(!screen.contains("row 12 "), "{screen}");
        assert!(
            screen.contains("⋯ 100,000 lines, 966 KB in all: the whole prompt was sent"),
            "{screen}"
        );
        // The second prompt has 40 rows: shown whole, and right below the first answer.
        assert!(
            screen.contains("short 0 ") && screen.contains("short 39 "),
            "{screen}"
        );
        assert!(vp.turn_starts[1] < 40, "{:?}", vp.turn_starts);
    }

    #[test]
    fn a_long_notice_takes_the_status_line_and_ends_with_an_ellipsis() {
        use crate::app::state::{Level, Notice};
        let mut s = state(0);
        let mut view = View::new(Theme::builtin("dark"));
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let status = |term: &Terminal<TestBackend>| -> String {
            let buf = term.backend().buffer();
            (0..80).map(|x| buf[(x, 23)].symbol().to_string()).collect()
        };
        s.notice = Some(Notice {
            text: "short".into(),
            level: Level::Info,
            until_ms: u64::MAX,
        });
        draw(&mut term, &mut view, &s);
        assert!(status(&term).contains("short") && status(&term).contains("help"));
        s.notice.as_mut().unwrap().text = format!("{} the end", "a long notice ".repeat(8));
        draw(&mut term, &mut view, &s);
        let line = status(&term);
        assert!(!line.contains("help"), "{line}");
        assert!(
            !line.contains("DEMO ("),
            "the provider's name gives way: {line}"
        );
        assert!(line.trim_end().ends_with('…'), "{line}");
        assert!(line.contains("a long notice a long notice"), "{line}");
    }

    /// The conversation pane's rows as text.
    fn rows(term: &Terminal<TestBackend>, vp: &Viewport) -> Vec<String> {
        let (x, y, w, h) = vp.conversation_area;
        let buf = term.backend().buffer();
        (y..y + h)
            .map(|row| (x..x + w).map(|col| buf[(col, row)].symbol()).collect())
            .collect()
    }

    #[test]
    fn scrolling_up_into_turns_not_laid_out_yet_moves_one_line_at_a_time() {
        use crate::app::input::{Input, Key, KeyPress};
        use crate::app::{Action, update};
        let mut s = state(120);
        s.focus = Pane::Conversation;
        let mut view = View::new(Theme::builtin("dark"));
        let mut term = Terminal::new(TestBackend::new(140, 40)).unwrap();
        draw(&mut term, &mut view, &s);
        // A resize: every turn's height is only an estimate now; then jump into the middle.
        term.backend_mut().resize(90, 40);
        let mut vp = draw(&mut term, &mut view, &s);
        s.viewport = vp.clone();
        s.conversation_scroll = Scroll {
            top: vp.turn_starts[60],
            follow: false,
            reveal: None,
        };
        vp = draw(&mut term, &mut view, &s);
        let mut before = rows(&term, &vp);
        for step in 0..80 {
            update(&mut s, Action::Viewport(vp.clone()));
            update(
                &mut s,
                Action::Input {
                    input: Input::Key(KeyPress::plain(Key::Up)),
                    composer: String::new(),
                },
            );
            vp = draw(&mut term, &mut view, &s);
            let after = rows(&term, &vp);
            assert_eq!(
                after[1..],
                before[..before.len() - 1],
                "step {step}: the screen moved by exactly one line"
            );
            before = after;
        }
    }
}
