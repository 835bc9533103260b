//! Code blocks: a language header and hard-wrapped, highlighted lines on the block background.

use ratatui::style::Style;
use ratatui::text::Span;

use super::row::{Row, cut, str_width_of};
use crate::text::display;
use crate::tui::highlight::StyledLine;
use crate::tui::theme::Theme;
use crate::tui::wrap::{Mode, expand_tabs, wrap_spans};

/// Left (and right) padding inside a code block, when there is room for it.
fn code_padding(width: usize) -> usize {
    if width >= 4 { 1 } else { 0 }
}

/// The row above a code block: its language, on the block background.
pub(super) fn code_header(lang: &str, width: usize, theme: &Theme) -> Row {
    let pad = code_padding(width);
    let label = Span::styled(
        display(lang).into_owned(),
        theme.code_block.patch(theme.dim),
    );
    let label = cut(&[label], width.saturating_sub(2 * pad));
    fill_row(label, width, theme.code_block)
}

/// The rows of one source line: hard-wrapped, with the block background across the width.
pub(super) fn code_rows(line: StyledLine, width: usize, theme: &Theme) -> Vec<Row> {
    let base = theme.text.patch(theme.code_block);
    let spans: Row = line
        .into_iter()
        .map(|(style, text)| Span::styled(expand_tabs(&text).into_owned(), base.patch(style)))
        .collect();
    let inner = width.saturating_sub(2 * code_padding(width)).max(1);
    wrap_spans(&spans, inner, Mode::Chars)
        .into_iter()
        .map(|row| fill_row(row, width, theme.code_block))
        .collect()
}

/// `content` behind the left padding and followed by spaces up to `width`, in `bg`.
fn fill_row(content: Row, width: usize, bg: Style) -> Row {
    let pad = code_padding(width);
    let mut row = Vec::with_capacity(content.len() + 2);
    if pad > 0 {
        row.push(Span::styled(" ".repeat(pad), bg));
    }
    let used = pad + str_width_of(&content);
    row.extend(content);
    if used < width {
        row.push(Span::styled(" ".repeat(width - used), bg));
    }
    row
}

#[cfg(test)]
mod tests {
    use crate::tui::markdown::testing::*;
    use ratatui::style::Color;

    #[test]
    fn code_blocks_are_highlighted_on_the_block_background() {
        let t = theme();
        let bg = t.code_block.bg;
        assert!(bg.is_some());
        let lines = render(
            "```rust\nlet x = 1;\n\tlet long_name = 12345678901234567890;\n```",
            20,
        );
        assert_eq!(text_of(&lines[0]).trim(), "rust");
        assert_eq!(text_of(&lines[1]), " let x = 1;         ");
        assert!(
            lines.len() >= 4,
            "the long line is hard-wrapped: {:?}",
            texts(&lines)
        );
        for line in &lines {
            assert_eq!(width_of(line), 20);
            assert!(line.spans.iter().all(|s| s.style.bg == bg), "{line:?}");
        }
        let colours: Vec<Option<Color>> = lines[1].spans.iter().map(|s| s.style.fg).collect();
        assert!(
            colours.iter().flatten().count() >= 2,
            "highlighted: {:?}",
            lines[1]
        );
        // Hard wrap, not word wrap: the second row continues mid-word.
        assert_eq!(text_of(&lines[2]), "     let long_name  ");
        assert_eq!(text_of(&lines[3]), " = 1234567890123456 ");
    }
}
