//! A compare column: its live reasoning (foldable), its answers as Markdown, and a metrics
//! strip with the proof that its settings took effect. Made of the same reasoning and
//! conversation components as the main screen, one set per column.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::conversation::{self, ConversationPane, ConversationView};
use super::reasoning::{ReasoningPane, ReasoningView};
use super::{Ctx, draw_line, pane_block, spinner, wrapped_lines};
use crate::app::state::compare::Column;
use crate::session::proof::Proof;
use crate::session::{Status, Variant};
use crate::text::group;
use crate::tui::format::{secs, usd};
use crate::tui::theme::Theme;

/// What a column shows.
pub struct ColumnView<'a> {
    /// Its place, from 0.
    pub index: usize,
    pub column: &'a Column,
    pub focused: bool,
    /// What the summary gave it: "fastest", "cheapest" …
    pub marks: Vec<&'static str>,
    /// What its models can do (its provider's route, or the main one while it connects).
    pub route: &'a crate::provider::route::Route,
    /// The metrics strip's lines (see [`strip_lines`]), and its height: the same in every
    /// column, so the panes line up.
    pub strip: Vec<Line<'static>>,
    pub strip_rows: u16,
}

/// The components of one column, with their caches.
#[derive(Default)]
pub struct ColumnPane {
    reasoning: ReasoningPane,
    answers: ConversationPane,
}

/// Rows of the metrics strip at most, with its border.
const STRIP_MAX: u16 = 8;

impl ColumnPane {
    /// Draws the column; returns what its answer pane measured.
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        view: ColumnView<'_>,
    ) -> conversation::Measured {
        let col = view.column;
        let latest = col.latest();
        let strip_h = view.strip_rows;
        let reasoning_h = if col.reasoning_folded {
            3
        } else {
            (area.height.saturating_sub(strip_h + 1) * 2 / 5).max(5)
        };
        let [header, reasoning, answers, strip] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(reasoning_h),
            Constraint::Min(3),
            Constraint::Length(strip_h),
        ])
        .areas(area);
        draw_header(frame, header, ctx, &view);
        self.reasoning.render(
            frame,
            reasoning,
            ctx,
            ReasoningView {
                variant: latest,
                scroll: Default::default(),
                search: None,
                folded: col.reasoning_folded,
                focused: false,
            },
        );
        let measured = self.answers.render(
            frame,
            answers,
            ctx,
            ConversationView {
                conversation: &col.conversation,
                selected: None,
                scroll: col.scroll,
                focused: view.focused,
                route: view.route,
                demo: false,
                title: Some(Line::raw(" Answer ")),
                retry_hints: false,
            },
        );
        draw_strip(frame, strip, ctx.theme, &view.strip);
        measured
    }
}

/// Rows of a metrics strip of `lines`, with its border.
pub fn strip_rows(lines: &[Line<'static>]) -> u16 {
    (lines.len() as u16 + 2).clamp(3, STRIP_MAX)
}

/// The column's number and target, marked when it has the focus, and whether it streams.
fn draw_header(frame: &mut Frame, area: Rect, ctx: &Ctx, view: &ColumnView<'_>) {
    let t = ctx.theme;
    let col = view.column;
    let style = if view.focused {
        t.popup_selected
    } else {
        t.title
    };
    let mut spans = vec![
        Span::styled(format!(" {} ", view.index + 1), t.key),
        Span::styled(format!(" {} ", col.target), style),
    ];
    if col.is_running() {
        spans.push(Span::styled(
            format!(" {} streaming", spinner(ctx.now_ms)),
            t.info,
        ));
    }
    if !view.marks.is_empty() {
        spans.push(Span::styled(
            format!(" ★ {}", view.marks.join(" · ")),
            t.best,
        ));
    }
    frame
        .buffer_mut()
        .set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// Live or final milliseconds from the start to the first reasoning and first answer text.
fn firsts(v: &Variant) -> (Option<u64>, Option<u64>) {
    let since = |t: Option<u64>| t.map(|t| t.saturating_sub(v.started_at_ms));
    let first_reasoning = (!v.reply.reasoning.is_empty())
        .then_some(since(v.first_token_at_ms))
        .flatten();
    (first_reasoning, since(v.first_answer_at_ms))
}

/// The metrics of `v`, packed into lines of `width`.
fn metrics(v: &Variant, now_ms: u64, t: &Theme, width: u16) -> Vec<Line<'static>> {
    let fmt = |ms: Option<u64>| ms.map(secs).unwrap_or_else(|| "—".into());
    let (first_r, first_a) = firsts(v);
    let thinking = match (v.first_token_at_ms, v.first_answer_at_ms) {
        _ if v.reply.reasoning.is_empty() => None,
        (Some(f), Some(a)) => Some(a.saturating_sub(f)),
        (Some(f), None) if v.status.is_running() => Some(now_ms.saturating_sub(f)),
        _ => v.timings.reasoning,
    };
    let total = v.timings.total.or_else(|| {
        v.status
            .is_running()
            .then(|| now_ms.saturating_sub(v.started_at_ms))
    });
    let (reasoning, exact) = v.reasoning_tokens();
    let approx = if exact { "" } else { "~" };
    let (out, _) = v.output_tokens();
    let budget = v
        .settings
        .resolved
        .budget
        .map(|b| format!(" / {}", group(b as u64)))
        .unwrap_or_default();
    let speed = match (v.timings.ttft, v.timings.total) {
        (Some(a), Some(b)) if b > a => Some(out as f64 * 1000.0 / (b - a) as f64),
        _ => None,
    };
    let item = |label: &str, value: String, style| Span::styled(format!("{label} {value}"), style);
    let mut parts = vec![
        item("first reasoning", fmt(first_r), t.value),
        item("first answer", fmt(first_a), t.value),
        item("thinking", fmt(thinking), t.value),
        item("total", fmt(total), t.value),
        item(
            "reasoning",
            format!("{approx}{}{budget}", group(reasoning)),
            t.gauge_reasoning,
        ),
        item(
            "answer",
            group(out.saturating_sub(reasoning)),
            t.gauge_answer,
        ),
    ];
    if let Some(s) = speed {
        parts.push(Span::styled(format!("{s:.0} tok/s"), t.value));
    }
    if let Some(c) = v.cost_usd {
        parts.push(Span::styled(usd(c), t.value));
    }
    super::pack(parts, Span::styled(" · ", t.meta), width, 0)
}

/// What the strip says: why the column cannot run, or its metrics and proof, for `width`
/// columns of strip.
pub fn strip_lines(
    ctx: &Ctx,
    col: &Column,
    latest: Option<&Variant>,
    width: u16,
) -> Vec<Line<'static>> {
    let t = ctx.theme;
    if let Some(e) = &col.error {
        return wrapped_lines(&format!("✗ {e}"), width, t.error);
    }
    if col.provider.is_none() {
        return vec![Line::styled(
            format!(
                "{} connecting to {}…",
                spinner(ctx.now_ms),
                col.target.provider.as_deref().unwrap_or("")
            ),
            t.info,
        )];
    }
    match latest {
        Some(v) => {
            let mut lines = metrics(v, ctx.now_ms, t, width);
            lines.extend(proof_lines(v, ctx, width));
            lines
        }
        None => vec![Line::styled("nothing sent yet", t.dim)],
    }
}

fn draw_strip(frame: &mut Frame, area: Rect, t: &Theme, lines: &[Line<'static>]) {
    let block = pane_block(t, Line::raw(" Metrics "), false);
    let inner = super::pad(block.inner(area));
    frame.render_widget(block, area);
    let buf = frame.buffer_mut();
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        draw_line(buf, inner, i as u16, 0, l);
    }
}

/// The proof, or where the run stands, in at most two lines.
fn proof_lines(v: &Variant, ctx: &Ctx, width: u16) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let (text, style) = match &v.status {
        Status::Waiting | Status::Streaming => {
            (format!("{} streaming…", spinner(ctx.now_ms)), t.info)
        }
        Status::Failed(e) | Status::Interrupted(e) => (format!("✗ {e}"), t.error),
        Status::Cancelled => ("⊘ cancelled; the partial answer is kept".to_string(), t.dim),
        Status::Complete => {
            let p = Proof::of(v);
            let mut text = p.summary();
            if p.answer_in_reasoning {
                text.push_str(&format!(
                    " ({} takes it as the answer)",
                    ctx.keymap.hint(crate::app::keymap::Command::AsAnswer)
                ));
            }
            if p.holds() {
                (format!("✓ {text}"), t.on)
            } else {
                (format!("⚠ {text}"), t.warn)
            }
        }
    };
    let mut lines = wrapped_lines(&text, width, style);
    if lines.len() > 2 {
        lines.truncate(2);
        if let Some(last) = lines.last_mut() {
            last.spans.push(Span::styled("…", style));
        }
    }
    lines
}
