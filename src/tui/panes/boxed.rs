//! The rounded frame around a pane, drawn straight into the buffer: its border cells and its
//! title, nothing else. (ratatui's `Block` also restyles every cell inside and merges border
//! symbols; on a full screen redrawn 30 times a second that was a tenth of the frame.) It
//! looks exactly like `Block::bordered().border_type(Rounded)`, which still draws the frames
//! too small to have an inside.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Widget};

/// A bordered pane frame with a title.
pub struct PaneBlock<'a> {
    title: Line<'a>,
    border: Style,
}

impl<'a> PaneBlock<'a> {
    pub fn new(title: Line<'a>, border: Style) -> PaneBlock<'a> {
        PaneBlock { title, border }
    }

    /// The area inside the border.
    pub fn inner(&self, area: Rect) -> Rect {
        Rect {
            x: area.x.saturating_add(1).min(area.right()),
            y: area.y.saturating_add(1).min(area.bottom()),
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        }
    }
}

impl Widget for PaneBlock<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.width < 2 || area.height < 2 {
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(self.border)
                .title(self.title)
                .render(area, buf);
            return;
        }
        let (left, right) = (area.left(), area.right() - 1);
        let (top, bottom) = (area.top(), area.bottom() - 1);
        let mut put = |x: u16, y: u16, symbol: &str| {
            buf[(x, y)].set_symbol(symbol).set_style(self.border);
        };
        for x in left + 1..right {
            put(x, top, "─");
            put(x, bottom, "─");
        }
        for y in top + 1..bottom {
            put(left, y, "│");
            put(right, y, "│");
        }
        put(left, top, "╭");
        put(right, top, "╮");
        put(left, bottom, "╰");
        put(right, bottom, "╯");
        self.title
            .render(Rect::new(left + 1, top, area.width - 2, 1), buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    /// Every size from nothing to a few cells, with a title that fits, one that does not, and
    /// styled spans: the same cells as ratatui's own block.
    #[test]
    fn draws_the_same_cells_as_a_rounded_block() {
        let border = Style::default().fg(Color::Cyan);
        let title = || {
            Line::from(vec![
                Span::raw(" Conversation "),
                Span::styled(
                    "· 3 messages ",
                    Style::default().add_modifier(Modifier::DIM),
                ),
            ])
            .style(Style::default().fg(Color::Yellow))
        };
        for w in 0..24 {
            for h in 0..5 {
                let area = Rect::new(1, 1, w, h);
                let mut ours = Buffer::empty(Rect::new(0, 0, 26, 7));
                let mut theirs = ours.clone();
                let b = PaneBlock::new(title(), border);
                let inner = b.inner(area);
                b.render(area, &mut ours);
                let block = Block::default()
                    .borders(Borders::ALL)
                    .border_type(BorderType::Rounded)
                    .border_style(border)
                    .title(title());
                assert_eq!(inner, block.inner(area), "{w}x{h}");
                block.render(area, &mut theirs);
                assert_eq!(ours, theirs, "{w}x{h}");
            }
        }
    }
}
