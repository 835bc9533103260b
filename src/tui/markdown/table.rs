//! Tables: box-drawn, columns fitted to the width and aligned by display width, or rows of
//! text when no layout fits.

use pulldown_cmark::Alignment;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;

use super::row::{Row, str_width_of};
use crate::tui::theme::Theme;
use crate::tui::wrap::{Mode, grapheme_width, wrap_spans};

/// A table being collected: its column alignments and rows of cells, the head rows first.
#[derive(Default)]
pub(super) struct Table {
    pub(super) aligns: Vec<Alignment>,
    pub(super) rows: Vec<Vec<Row>>,
    pub(super) head_rows: usize,
}

/// Rows of a table drawn with box-drawing borders, at most `width` columns wide. Columns
/// shrink (and their cells wrap) when the natural widths do not fit.
pub(super) fn table_rows(table: Table, width: usize, theme: &Theme) -> Vec<Row> {
    let cols = table
        .rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(table.aligns.len());
    if cols == 0 {
        return Vec::new();
    }
    // The largest `measure` of each column's cells, at least 1.
    let per_column = |measure: fn(&[Span<'_>]) -> usize| -> Vec<usize> {
        (0..cols)
            .map(|c| {
                let cells = table.rows.iter().filter_map(|r| r.get(c));
                cells.map(|cell| measure(cell)).max().unwrap_or(0).max(1)
            })
            .collect()
    };
    let natural = per_column(str_width_of);
    // A column is never narrower than its widest character.
    let least = per_column(widest_grapheme);
    let overhead = 3 * cols + 1;
    if width < overhead + least.iter().sum::<usize>() {
        return table_as_text(&table, width, theme);
    }
    let widths = fit_columns(&natural, &least, width - overhead);
    let border = |l: &str, m: &str, r: &str| {
        let mut s = String::from(l);
        for (i, w) in widths.iter().enumerate() {
            s.push_str(&"─".repeat(w + 2));
            s.push_str(if i + 1 == cols { r } else { m });
        }
        vec![Span::styled(s, theme.table)]
    };
    let mut out = vec![border("┌", "┬", "┐")];
    for (i, row) in table.rows.iter().enumerate() {
        if i > 0 && i == table.head_rows {
            out.push(border("├", "┼", "┤"));
        }
        out.extend(table_row(row, &widths, &table.aligns, theme));
    }
    out.push(border("└", "┴", "┘"));
    out
}

/// The display rows of one table row: every cell wrapped to its column, padded to align.
fn table_row(cells: &[Row], widths: &[usize], aligns: &[Alignment], theme: &Theme) -> Vec<Row> {
    let empty = Vec::new();
    let wrapped: Vec<Vec<Row>> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| wrap_spans(cells.get(c).unwrap_or(&empty), w, Mode::Words))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    (0..height)
        .map(|line| {
            let mut row = vec![Span::styled("│", theme.table)];
            for (c, &w) in widths.iter().enumerate() {
                let content = wrapped[c].get(line).cloned().unwrap_or_default();
                let align = aligns.get(c).copied().unwrap_or(Alignment::None);
                row.push(Span::raw(" "));
                row.extend(align_cell(content, w, align));
                row.push(Span::raw(" "));
                row.push(Span::styled("│", theme.table));
            }
            row
        })
        .collect()
}

fn align_cell(content: Row, width: usize, align: Alignment) -> Row {
    let free = width.saturating_sub(str_width_of(&content));
    let left = match align {
        Alignment::Right => free,
        Alignment::Center => free / 2,
        Alignment::Left | Alignment::None => 0,
    };
    let mut row = Vec::with_capacity(content.len() + 2);
    if left > 0 {
        row.push(Span::raw(" ".repeat(left)));
    }
    row.extend(content);
    if free > left {
        row.push(Span::raw(" ".repeat(free - left)));
    }
    row
}

fn widest_grapheme(cell: &[Span<'_>]) -> usize {
    cell.iter()
        .flat_map(|s| s.content.graphemes(true))
        .map(grapheme_width)
        .max()
        .unwrap_or(0)
}

/// Column widths summing to at most `budget` (which is at least the sum of `least`): the
/// natural widths if they fit, otherwise the widest columns are capped at a common width, no
/// column going below its `least`.
fn fit_columns(natural: &[usize], least: &[usize], budget: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let capped = |cap: usize| {
        natural
            .iter()
            .zip(least)
            .map(|(&n, &l)| n.min(cap).max(l))
            .collect::<Vec<_>>()
    };
    let (mut lo, mut hi) = (1, natural.iter().copied().max().unwrap_or(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if capped(mid).iter().sum::<usize>() <= budget {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    let mut widths = capped(lo);
    // The columns left (fewer than those still capped) go to the widest columns.
    let mut left = budget.saturating_sub(widths.iter().sum());
    let mut order: Vec<usize> = (0..natural.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(natural[c]));
    for c in order {
        if left > 0 && natural[c] > widths[c] {
            widths[c] += 1;
            left -= 1;
        }
    }
    widths
}

/// A table too wide for any layout: each row as one wrapped line of cells.
fn table_as_text(table: &Table, width: usize, theme: &Theme) -> Vec<Row> {
    let mut out = Vec::new();
    for row in &table.rows {
        let mut line: Row = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push(Span::styled(" │ ", theme.table));
            }
            line.extend(cell.iter().cloned());
        }
        out.extend(wrap_spans(&line, width, Mode::Words));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::markdown::testing::*;

    #[test]
    fn tables_are_boxed_and_aligned_by_display_width() {
        let t = theme();
        let text = "| Name | 值 | Notes |\n|:--|:-:|--:|\n| 你好 | 世界 | short |\n| a | b | c |";
        let lines = render(text, 80);
        let rows = texts(&lines);
        assert_eq!(rows[0], "┌──────┬──────┬───────┐");
        assert_eq!(rows[1], "│ Name │  值  │ Notes │");
        assert_eq!(rows[2], "├──────┼──────┼───────┤");
        assert_eq!(rows[3], "│ 你好 │ 世界 │ short │");
        assert_eq!(rows[4], "│ a    │  b   │     c │");
        assert_eq!(lines[0].spans[0].style, t.table);
        assert_eq!(span_with(&lines, "Name").style, t.text.patch(t.strong));
        for l in &lines {
            assert_eq!(width_of(l), width_of(&lines[0]), "{rows:?}");
        }
    }

    #[test]
    fn narrow_tables_shrink_and_wrap_their_cells() {
        let text = "| key | description |\n|---|---|\n| 一 | 这是一个很长的描述，需要换行才能放得下 |\n| b | short words that wrap |";
        for width in [12u16, 16, 24, 30] {
            let lines = render(text, width);
            let w0 = width_of(&lines[0]);
            assert!(w0 <= usize::from(width), "{:?}", texts(&lines));
            for l in &lines {
                assert_eq!(width_of(l), w0, "width {width}: {:?}", texts(&lines));
            }
        }
        // Too narrow for borders around a two-column character: rows of text.
        let lines = render(text, 10);
        assert_eq!(text_of(&lines[0]), "key │");
        assert!(
            lines.iter().all(|l| width_of(l) <= 10),
            "{:?}",
            texts(&lines)
        );
        assert_eq!(fit_columns(&[3, 40], &[1, 1], 20), [3, 17]);
        assert_eq!(fit_columns(&[30, 40], &[1, 1], 21), [10, 11]);
        assert_eq!(fit_columns(&[30, 40], &[2, 2], 4), [2, 2]);
    }
}
