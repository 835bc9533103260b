//! Rows: the spans of one rendered line, before it becomes a `Line`.

use ratatui::text::Span;

use crate::tui::wrap::{Mode, str_width, wrap_spans};

/// A rendered row before it becomes a [`Line`](ratatui::text::Line).
pub(super) type Row = Vec<Span<'static>>;

/// The display width of `row`.
pub(super) fn str_width_of(row: &[Span<'_>]) -> usize {
    row.iter().map(|s| str_width(&s.content)).sum()
}

/// The first `width` columns of `row`.
pub(super) fn cut(row: &[Span<'_>], width: usize) -> Row {
    if width == 0 {
        return Vec::new();
    }
    wrap_spans(row, width, Mode::Chars)
        .into_iter()
        .next()
        .unwrap_or_default()
}
