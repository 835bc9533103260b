//! The live reasoning trace of the selected message: wrapped once per width and appended to
//! as it streams, scrollable, searchable, foldable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, draw_line, pane_block, spinner};
use crate::app::keymap::Command;
use crate::app::search::Search;
use crate::app::state::Scroll;
use crate::session::{Status, Variant};
use crate::text::display;
use crate::tui::format::group;
use crate::tui::theme::Theme;
use crate::tui::wrap::{Wrapped, expand_tabs};

/// What the pane shows.
pub struct ReasoningView<'a> {
    /// The variant whose reasoning is shown.
    pub variant: Option<&'a Variant>,
    pub scroll: Scroll,
    pub search: Option<&'a Search>,
    pub folded: bool,
    pub focused: bool,
}

/// What the pane measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    pub total: usize,
    pub height: usize,
    /// The line drawn at the top.
    pub top: usize,
    pub inner: Rect,
}

/// The reasoning pane: the shown variant's reasoning, wrapped once per width and appended
/// to as it streams.
#[derive(Default)]
pub struct ReasoningPane {
    wrapped: Option<(u64, Wrapped)>,
}

/// Text made inert, tabs expanded as the wrapper counted them.
fn clean(s: &str) -> String {
    display(&expand_tabs(s)).into_owned()
}

fn styled_line(
    text: &str,
    range: std::ops::Range<usize>,
    matches: &[(usize, usize)],
    current: Option<(usize, usize)>,
    theme: &Theme,
) -> Line<'static> {
    let (base, hit, cur): (Style, Style, Style) =
        (theme.reasoning, theme.search_match, theme.search_current);
    let line = &text[range.clone()];
    let mut spans = Vec::new();
    let mut pos = range.start;
    let first = matches.partition_point(|m| m.1 <= range.start);
    for &(s, e) in &matches[first..] {
        if s >= range.end {
            break;
        }
        let (s, e) = (s.max(range.start), e.min(range.end));
        if s > pos {
            spans.push(Span::styled(clean(&text[pos..s]), base));
        }
        let style = if current.is_some_and(|c| c.0 <= s && s < c.1.max(c.0 + 1)) {
            cur
        } else {
            hit
        };
        spans.push(Span::styled(clean(&text[s..e]), style));
        pos = e;
    }
    if pos < range.end {
        spans.push(Span::styled(clean(&text[pos..range.end]), base));
    }
    if spans.is_empty() {
        spans.push(Span::styled(clean(line), base));
    }
    Line::from(spans)
}

impl ReasoningPane {
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        view: ReasoningView<'_>,
    ) -> Measured {
        let theme = ctx.theme;
        let v = view.variant;
        let mut title = vec![Span::raw(" Reasoning ")];
        if let Some(v) = v {
            let (n, exact) = v.reasoning_tokens();
            let approx = if exact { "" } else { "~" };
            title.push(Span::styled(
                format!("· {approx}{} tok ", group(n)),
                theme.meta,
            ));
            if v.status.is_running() && !v.reply.reasoning.is_empty() && v.reply.answer.is_empty() {
                title.push(Span::styled(
                    format!("{} live ", spinner(ctx.now_ms)),
                    theme.info,
                ));
            }
        }
        if view.folded {
            title.push(Span::styled(
                format!(
                    "· folded ({} unfolds) ",
                    ctx.keymap.hint(Command::ToggleFold)
                ),
                theme.dim,
            ));
        }
        let block = pane_block(theme, Line::from(title), view.focused);
        let inner = super::pad(block.inner(area));
        frame.render_widget(block, area);
        let empty = Measured {
            height: inner.height as usize,
            inner,
            ..Measured::default()
        };
        if view.folded || inner.height == 0 {
            return empty;
        }
        let Some(v) = v else {
            let p = Paragraph::new(Line::styled(
                "The reasoning of the selected message appears here as it streams.",
                theme.dim,
            ))
            .wrap(Wrap { trim: true });
            frame.render_widget(p, inner);
            return empty;
        };
        let search_rows = u16::from(view.search.is_some());
        let text_area = Rect {
            height: inner.height.saturating_sub(search_rows),
            ..inner
        };
        if v.reply.reasoning.is_empty() {
            let msg = match (&v.status, v.settings.resolved.thinks) {
                (Status::Waiting, _) => "waiting for the first tokens…",
                (_, Some(false)) => "thinking was off for this message",
                (Status::Streaming, _) => "no reasoning (yet)",
                _ => "no reasoning was returned for this message",
            };
            frame.render_widget(
                Paragraph::new(Line::styled(msg, theme.dim)).wrap(Wrap { trim: true }),
                text_area,
            );
            draw_search(frame, inner, ctx, view.search);
            return empty;
        }

        let width = text_area.width.saturating_sub(1).max(1);
        let wrapped = match &mut self.wrapped {
            Some((id, w)) if *id == v.id => w,
            slot => &mut slot.insert((v.id, Wrapped::new())).1,
        };
        let text = &v.reply.reasoning;
        wrapped.update(text, width);
        let total = wrapped.len();
        let height = text_area.height as usize;
        let top = match view.scroll.reveal {
            // A search match: a couple of lines of context above it.
            Some(at) => wrapped
                .line_of(at.min(text.len()))
                .saturating_sub(2)
                .min(total.saturating_sub(height)),
            None => view.scroll.top_for(total, height),
        };

        let (matches, current) = match view.search {
            Some(s) => (s.matches.as_slice(), s.current_match()),
            None => (&[][..], None),
        };
        let buf = frame.buffer_mut();
        for row in 0..height.min(total.saturating_sub(top)) {
            let line = styled_line(text, wrapped.line_range(top + row), matches, current, theme);
            draw_line(buf, text_area, row as u16, 0, &line);
        }
        // A scroll indicator when not at the end.
        if total > height && top + height < total {
            let pct = (top + height) * 100 / total;
            let label = format!(" {pct}% ");
            let x = inner.x + inner.width.saturating_sub(label.len() as u16);
            frame
                .buffer_mut()
                .set_string(x, area.y + area.height - 1, label, theme.dim);
        }
        draw_search(frame, inner, ctx, view.search);
        Measured {
            total,
            height,
            top,
            inner,
        }
    }
}

fn draw_search(frame: &mut Frame, inner: Rect, ctx: &Ctx, search: Option<&Search>) {
    let Some(s) = search else { return };
    if inner.height == 0 {
        return;
    }
    let theme = ctx.theme;
    let y = inner.y + inner.height - 1;
    let n = s.matches.len();
    let status = if s.query.is_empty() {
        String::new()
    } else if n == 0 {
        "  no match".to_string()
    } else {
        format!(
            "  {}/{n} · {}/{}",
            (s.current + 1).min(n),
            ctx.keymap.hint(Command::SearchNext),
            ctx.keymap.hint(Command::SearchPrev)
        )
    };
    let cursor = if s.editing { "▏" } else { "" };
    let line = Line::from(vec![
        Span::styled("/", theme.key),
        Span::styled(format!("{}{cursor}", display(&s.query)), theme.text),
        Span::styled(status, theme.dim),
    ]);
    frame
        .buffer_mut()
        .set_style(Rect::new(inner.x, y, inner.width, 1), theme.status);
    frame.buffer_mut().set_line(inner.x, y, &line, inner.width);
}
