//! The panes of the workbench. Each is a component: a type that owns the caches behind what
//! it draws, and a `render` that reads the state (never changes it), borrows the theme, and
//! lays out only what is visible and what changed. The screen ([`super::view`]) composes
//! them. A pane takes the data it shows as arguments rather than the whole state, so a
//! compare column can be another set of the same components.

pub mod boxed;
pub mod chart;
pub mod column;
pub mod composer;
pub mod conversation;
pub mod diff;
pub mod gauge;
pub mod overlays;
pub mod reasoning;
pub mod sessions;
pub mod stats;
pub mod status;
pub mod targets;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::app::keymap::Keymap;
use boxed::PaneBlock;

/// What every pane reads besides its own data.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    /// Wall clock in Unix milliseconds (live timers, spinners).
    pub now_ms: u64,
}

/// A bordered block whose look says whether it has focus.
pub fn pane_block<'a>(theme: &Theme, title: Line<'a>, focused: bool) -> PaneBlock<'a> {
    let (border, title_style) = if focused {
        (theme.border_focus, theme.title_focus)
    } else {
        (theme.border, theme.title)
    };
    PaneBlock::new(title.style(title_style), border)
}

/// Pack `parts` into lines no wider than `width`, separated by `sep`; a part that does not fit
/// on the current line starts a new one (indented by `indent`).
pub fn pack(
    parts: Vec<Span<'static>>,
    sep: Span<'static>,
    width: u16,
    indent: usize,
) -> Vec<Line<'static>> {
    let width = width as usize;
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for part in parts {
        let w = part.content.width();
        let sep_w = sep.content.width();
        if !cur.is_empty() && used + sep_w + w > width {
            lines.push(Line::from(std::mem::take(&mut cur)));
            cur.push(Span::raw(" ".repeat(indent)));
            used = indent;
        } else if !cur.is_empty() && used > indent {
            cur.push(sep.clone());
            used += sep_w;
        }
        used += w;
        cur.push(part);
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

/// Draw `line` at row `y` of `area`, offset by `indent` columns.
pub fn draw_line(buf: &mut Buffer, area: Rect, y: u16, indent: u16, line: &Line<'_>) {
    if y >= area.height || indent >= area.width {
        return;
    }
    buf.set_line(area.x + indent, area.y + y, line, area.width - indent);
}

/// Fill row `y` of `area` with `style`.
pub fn fill_row(buf: &mut Buffer, area: Rect, y: u16, style: Style) {
    if y < area.height {
        buf.set_style(Rect::new(area.x, area.y + y, area.width, 1), style);
    }
}

/// Untrusted `text` as display lines of at most `width` columns: made inert, tabs expanded
/// (as the wrapper counts them), word-wrapped.
pub fn wrapped_lines(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    let safe = crate::text::display(&crate::tui::wrap::expand_tabs(text)).into_owned();
    let mut w = crate::tui::wrap::Wrapped::new();
    w.update(&safe, width);
    (0..w.len())
        .map(|i| Line::styled(w.line(&safe, i).to_string(), style))
        .collect()
}

/// `area` with one column of padding on each side.
pub fn pad(area: Rect) -> Rect {
    Rect {
        x: area.x + 1.min(area.width),
        width: area.width.saturating_sub(2),
        ..area
    }
}

/// A spinner frame for running things.
pub fn spinner(now_ms: u64) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[((now_ms / 120) % FRAMES.len() as u64) as usize]
}

/// A popup `w`×`h` in the middle of `full` (smaller on a small screen).
pub fn centered(full: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(full.width.saturating_sub(2)).max(10.min(full.width));
    let h = h.min(full.height.saturating_sub(2)).max(3.min(full.height));
    Rect {
        x: full.x + (full.width - w) / 2,
        y: full.y + (full.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Draw a popup frame and return its inner area.
pub fn popup(frame: &mut Frame, area: Rect, title: &str, footer: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .style(theme.popup)
        .title(Line::styled(format!(" {title} "), theme.title_focus))
        .title_bottom(Line::styled(format!(" {footer} "), theme.dim));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Draw `lines` from `scroll` on; returns the largest useful scroll.
pub fn scrolled(frame: &mut Frame, inner: Rect, lines: &[Line<'static>], scroll: usize) -> usize {
    let max = lines.len().saturating_sub(inner.height as usize);
    let top = scroll.min(max);
    let buf = frame.buffer_mut();
    for (i, l) in lines
        .iter()
        .skip(top)
        .take(inner.height as usize)
        .enumerate()
    {
        draw_line(buf, inner, i as u16, 1, l);
    }
    max
}
