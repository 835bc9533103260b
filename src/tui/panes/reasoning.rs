//! The live reasoning trace of the selected message: wrapped once per width and appended to
//! as it streams, scrollable, searchable, foldable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{draw_line, spinner};
use crate::app::keymap::Command;
use crate::app::state::State;
use crate::session::Status;
use crate::text::display;
use crate::tui::format::group;
use crate::tui::view::{ReasoningCache, View, pane_block};
use crate::tui::wrap::{Wrapped, expand_tabs};

pub struct Measured {
    pub total: usize,
    pub height: usize,
    pub match_lines: Vec<usize>,
    pub inner: Rect,
}

/// Byte offsets of case-insensitive matches of `query` in `text`.
pub fn find_matches(text: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let mut j = 0;
        let mut k = i;
        while j < q.len() && k < chars.len() {
            let mut lower = chars[k].1.to_lowercase();
            let Some(c) = lower.next() else { break };
            if c != q[j] || lower.next().is_some() {
                break;
            }
            j += 1;
            k += 1;
        }
        if j == q.len() {
            let end = chars.get(k).map_or(text.len(), |(b, _)| *b);
            out.push((chars[i].0, end));
            i = k.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
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
    base: Style,
    hit: Style,
    cur: Style,
) -> Line<'static> {
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

pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &mut View,
    focused: bool,
) -> Measured {
    let theme = view.theme.clone();
    let v = state.selected_variant();
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
                format!("{} live ", spinner(state.now_ms)),
                theme.info,
            ));
        }
    }
    if state.reasoning_folded {
        title.push(Span::styled(
            format!(
                "· folded ({} unfolds) ",
                state.keymap.hint(Command::ToggleFold)
            ),
            theme.dim,
        ));
    }
    let block = pane_block(&theme, Line::from(title), focused);
    let inner = super::pad(block.inner(area));
    frame.render_widget(block, area);
    let empty = Measured {
        total: 0,
        height: inner.height as usize,
        match_lines: Vec::new(),
        inner,
    };
    if state.reasoning_folded || inner.height == 0 {
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
    let search_rows = u16::from(state.search.is_some());
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
        draw_search(frame, inner, state, &theme, 0);
        return empty;
    }

    let width = text_area.width.saturating_sub(1).max(1);
    let cache = match &mut view.reasoning {
        Some(c) if c.variant == v.id => c,
        slot => slot.insert(ReasoningCache {
            variant: v.id,
            wrapped: Wrapped::new(),
            matches_key: None,
            matches: Vec::new(),
            match_lines: Vec::new(),
        }),
    };
    cache.wrapped.update(&v.reply.reasoning, width);
    let total = cache.wrapped.len();
    let height = text_area.height as usize;

    // Search matches: recomputed only when the text, the query or the width changed.
    let query = state
        .search
        .as_ref()
        .map(|s| s.query.clone())
        .unwrap_or_default();
    let key = (v.id, v.reply.reasoning.len(), query, width);
    if cache.matches_key.as_ref() != Some(&key) {
        cache.matches = find_matches(&v.reply.reasoning, &key.2);
        let mut lines: Vec<usize> = cache
            .matches
            .iter()
            .map(|m| cache.wrapped.line_of(m.0))
            .collect();
        lines.dedup();
        cache.match_lines = lines;
        cache.matches_key = Some(key);
    }
    let matches = &cache.matches;
    let current = state.search.as_ref().and_then(|s| {
        let line = *cache.match_lines.get(s.current)?;
        matches
            .iter()
            .copied()
            .find(|m| cache.wrapped.line_of(m.0) == line)
    });

    let top = state.reasoning_scroll.top_for(total, height);
    let buf = frame.buffer_mut();
    for row in 0..height.min(total.saturating_sub(top)) {
        let i = top + row;
        let range = cache.wrapped.line_range(i);
        let line = styled_line(
            &v.reply.reasoning,
            range,
            matches,
            current,
            theme.reasoning,
            theme.search_match,
            theme.search_current,
        );
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
    let match_lines = cache.match_lines.clone();
    draw_search(frame, inner, state, &theme, match_lines.len());
    Measured {
        total,
        height,
        match_lines,
        inner,
    }
}

fn draw_search(
    frame: &mut Frame,
    inner: Rect,
    state: &State,
    theme: &crate::tui::theme::Theme,
    n: usize,
) {
    let Some(s) = &state.search else { return };
    if inner.height == 0 {
        return;
    }
    let y = inner.y + inner.height - 1;
    let status = if s.query.is_empty() {
        String::new()
    } else if n == 0 {
        "  no match".to_string()
    } else {
        format!("  {}/{n} lines · n/N", (s.current + 1).min(n))
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

#[cfg(test)]
mod tests {
    use super::find_matches;

    #[test]
    fn matches_are_case_insensitive_and_unicode_safe() {
        let t = "Wait, wait. 等等 WAIT";
        let m = find_matches(t, "wait");
        assert_eq!(m.len(), 3);
        assert_eq!(&t[m[2].0..m[2].1], "WAIT");
        assert_eq!(find_matches(t, "等等").len(), 1);
        assert!(find_matches(t, "").is_empty());
    }
}
