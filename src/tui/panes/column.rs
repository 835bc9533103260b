//! A compare column: its live reasoning (foldable), its answers as Markdown, and a metrics
//! strip with the proof that its settings took effect. Made of the same reasoning and
//! conversation components as the main screen, one set per column.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::conversation::{self, ConversationPane, ConversationView};
use super::reasoning::{ReasoningPane, ReasoningView};
use super::{Ctx, draw_line, pane_block, spinner, wrapped_lines};
use crate::app::search::Search;
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
    pub search: Option<&'a Search>,
    /// What its models can do (its provider's route, or the main one while it connects).
    pub route: &'a crate::provider::route::Route,
}

/// The components of one column, with their caches.
#[derive(Default)]
pub struct ColumnPane {
    reasoning: ReasoningPane,
    answers: ConversationPane,
}

/// Rows of the metrics strip, with its border.
const STRIP: u16 = 5;

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
        let reasoning_h = if col.reasoning_folded {
            3
        } else {
            (area.height.saturating_sub(STRIP) * 2 / 5).max(5)
        };
        let [reasoning, answers, strip] = Layout::vertical([
            Constraint::Length(reasoning_h),
            Constraint::Min(3),
            Constraint::Length(STRIP),
        ])
        .areas(area);
        self.reasoning.render(
            frame,
            reasoning,
            ctx,
            ReasoningView {
                variant: latest,
                scroll: Default::default(),
                search: view.search,
                folded: col.reasoning_folded,
                focused: false,
            },
        );
        let theme = ctx.theme;
        let title = Line::from(vec![
            Span::styled(format!(" {} ", view.index + 1), theme.key),
            Span::raw(format!("{} ", col.target)),
        ]);
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
                title: Some(title),
            },
        );
        draw_strip(frame, strip, ctx, col, latest, &view.marks);
        measured
    }
}

/// Live or final milliseconds from the start to the first reasoning and first answer text.
fn firsts(v: &Variant) -> (Option<u64>, Option<u64>) {
    let since = |t: Option<u64>| t.map(|t| t.saturating_sub(v.started_at_ms));
    let first_reasoning = (!v.reply.reasoning.is_empty())
        .then_some(since(v.first_token_at_ms))
        .flatten();
    (first_reasoning, since(v.first_answer_at_ms))
}

fn metrics(v: &Variant, now_ms: u64, t: &Theme) -> [Line<'static>; 2] {
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
    let label = |s: &str| Span::styled(s.to_string(), t.label);
    let value = |s: String| Span::styled(s, t.value);
    let first = Line::from(vec![
        label("first "),
        value(format!("r {} a {}", fmt(first_r), fmt(first_a))),
        label(" · think "),
        value(fmt(thinking)),
        label(" · total "),
        value(fmt(total)),
    ]);
    let (reasoning, exact) = v.reasoning_tokens();
    let approx = if exact { "" } else { "~" };
    let (out, _) = v.output_tokens();
    let answer = out.saturating_sub(reasoning);
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
    let mut second = vec![
        label("reasoning "),
        Span::styled(
            format!("{approx}{}{budget}", group(reasoning)),
            t.gauge_reasoning,
        ),
        label(" · answer "),
        value(group(answer)),
    ];
    if let Some(s) = speed {
        second.push(label(" · "));
        second.push(value(format!("{s:.0} tok/s")));
    }
    if let Some(c) = v.cost_usd {
        second.push(label(" · "));
        second.push(value(usd(c)));
    }
    [first, Line::from(second)]
}

fn draw_strip(
    frame: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    col: &Column,
    latest: Option<&Variant>,
    marks: &[&'static str],
) {
    let t = ctx.theme;
    let mut title = vec![Span::raw(" Metrics ")];
    for m in marks {
        title.push(Span::styled(format!("{m} "), t.best));
    }
    let block = pane_block(t, Line::from(title), false);
    let inner = super::pad(block.inner(area));
    frame.render_widget(block, area);
    let buf = frame.buffer_mut();
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(e) = &col.error {
        lines.extend(wrapped_lines(&format!("✗ {e}"), inner.width, t.error));
    } else if col.provider.is_none() {
        lines.push(Line::styled(
            format!(
                "{} connecting to {}…",
                spinner(ctx.now_ms),
                col.target.provider.as_deref().unwrap_or("")
            ),
            t.info,
        ));
    } else if let Some(v) = latest {
        lines.extend(metrics(v, ctx.now_ms, t));
        lines.push(proof_line(v, ctx, inner.width));
    } else {
        lines.push(Line::styled("nothing sent yet", t.dim));
    }
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        draw_line(buf, inner, i as u16, 0, l);
    }
}

/// The proof, or where the run stands.
fn proof_line(v: &Variant, ctx: &Ctx, width: u16) -> Line<'static> {
    let t = ctx.theme;
    let line = match &v.status {
        Status::Waiting | Status::Streaming => {
            Line::styled(format!("{} streaming…", spinner(ctx.now_ms)), t.info)
        }
        Status::Failed(e) | Status::Interrupted(e) => Line::styled(format!("✗ {e}"), t.error),
        Status::Cancelled => Line::styled("⊘ cancelled; the partial answer is kept", t.dim),
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
                Line::styled(format!("✓ {text}"), t.on)
            } else {
                Line::styled(format!("⚠ {text}"), t.warn)
            }
        }
    };
    // One line: the strip has no room for more; the inspector has it all.
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let style = line.spans.first().map(|s| s.style).unwrap_or(t.text);
    let shown = crate::text::display(&text);
    let mut out = String::new();
    let mut used = 0;
    for c in shown.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > (width as usize).saturating_sub(1) {
            out.push('…');
            break;
        }
        used += w;
        out.push(c);
    }
    Line::styled(out, style)
}
