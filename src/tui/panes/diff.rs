//! The word diff of two compare columns' answers (or reasoning): words only in the first are
//! marked as removed, words only in the second as added. The diff is worked out once per pair
//! of texts, not per frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, centered, popup, scrolled};
use crate::app::state::State;
use crate::app::state::compare::Column;
use crate::compare::diff::{Side, word_diff};
use crate::text::display;
use crate::tui::wrap::{Mode, expand_tabs, wrap_spans};

/// What a diff was worked out for: the columns, which texts, their variants and lengths, the
/// width and the theme.
type DiffKey = (usize, usize, bool, [(u64, usize); 2], u16, u64);

/// The last diff drawn.
#[derive(Default)]
pub struct DiffCache {
    key: Option<DiffKey>,
    lines: Vec<Line<'static>>,
}

fn text_of(col: &Column, reasoning: bool) -> (u64, &str) {
    match col.latest() {
        Some(v) if reasoning => (v.id, v.reply.reasoning.as_str()),
        Some(v) => (v.id, v.reply.answer.as_str()),
        None => (0, ""),
    }
}

impl DiffCache {
    /// Draw the diff of columns `a` and `b`; returns how far it can scroll.
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
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
        let width = inner.width.saturating_sub(2).max(10);
        let ((ida, ta), (idb, tb)) = (text_of(ca, reasoning), text_of(cb, reasoning));
        let key = (
            a,
            b,
            reasoning,
            [(ida, ta.len()), (idb, tb.len())],
            width,
            t.generation,
        );
        if self.key != Some(key) {
            self.lines = lines(ca, cb, (a, b), (ta, tb), what, width, ctx);
            self.key = Some(key);
        }
        scrolled(frame, inner, &self.lines, scroll)
    }
}

fn lines(
    ca: &Column,
    cb: &Column,
    (a, b): (usize, usize),
    (ta, tb): (&str, &str),
    what: &str,
    width: u16,
    ctx: &Ctx,
) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let (runs, alike) = word_diff(ta, tb);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" − ", t.diff_removed),
            Span::styled(format!(" {} {}", a + 1, ca.target), t.text),
        ]),
        Line::from(vec![
            Span::styled(" + ", t.diff_added),
            Span::styled(format!(" {} {}", b + 1, cb.target), t.text),
        ]),
        Line::styled(format!("{:.0}% alike, word by word", alike * 100.0), t.dim),
        Line::default(),
    ];
    if ta.is_empty() && tb.is_empty() {
        lines.push(Line::styled(format!("no {what} to compare yet"), t.dim));
        return lines;
    }
    let spans: Vec<Span<'static>> = runs
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
        wrap_spans(&spans, width as usize, Mode::Words)
            .into_iter()
            .map(Line::from),
    );
    lines
}
