//! The word diff of two compare columns' answers (or reasoning): words only in the first are
//! marked as removed, words only in the second as added.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, centered, popup, scrolled};
use crate::app::state::State;
use crate::compare::diff::{Side, similarity, word_diff};
use crate::text::display;
use crate::tui::wrap::{Mode, expand_tabs, wrap_spans};

/// Draw the diff of columns `a` and `b`; returns how far it can scroll.
pub fn render(
    frame: &mut Frame,
    full: Rect,
    ctx: &Ctx,
    state: &State,
    (a, b): (usize, usize),
    reasoning: bool,
    scroll: usize,
) -> usize {
    let t = ctx.theme;
    let Some(c) = &state.compare else { return 0 };
    let (Some(ca), Some(cb)) = (c.columns.get(a), c.columns.get(b)) else {
        return 0;
    };
    let text = |col: &crate::app::state::compare::Column| -> String {
        col.latest()
            .map(|v| {
                if reasoning {
                    v.reply.reasoning.clone()
                } else {
                    v.reply.answer.clone()
                }
            })
            .unwrap_or_default()
    };
    let (ta, tb) = (text(ca), text(cb));
    let what = if reasoning { "reasoning" } else { "answers" };
    let area = centered(
        full,
        full.width.saturating_sub(6).min(120),
        full.height.saturating_sub(4),
    );
    let inner = popup(
        frame,
        area,
        &format!("Diff of the {what}"),
        "←→ other column · Tab answers/reasoning · ↑↓ scroll · any other key closes",
        t,
    );
    let width = inner.width.saturating_sub(2).max(10) as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" − ", t.diff_removed),
            Span::styled(format!(" {} {}", a + 1, ca.target), t.text),
        ]),
        Line::from(vec![
            Span::styled(" + ", t.diff_added),
            Span::styled(format!(" {} {}", b + 1, cb.target), t.text),
        ]),
        Line::styled(
            format!("{:.0}% alike, word by word", similarity(&ta, &tb) * 100.0),
            t.dim,
        ),
        Line::default(),
    ];
    if ta.is_empty() && tb.is_empty() {
        lines.push(Line::styled(format!("no {what} to compare yet"), t.dim));
    } else {
        let spans: Vec<Span<'static>> = word_diff(&ta, &tb)
            .into_iter()
            .map(|(side, s)| {
                let style = match side {
                    Side::Both => t.text,
                    Side::First => t.diff_removed,
                    Side::Second => t.diff_added,
                };
                Span::styled(display(&expand_tabs(&s)).into_owned(), style)
            })
            .collect();
        lines.extend(
            wrap_spans(&spans, width, Mode::Words)
                .into_iter()
                .map(Line::from),
        );
    }
    scrolled(frame, inner, &lines, scroll)
}
