//! The session list popup: a search field, one row per session (or per search hit) with its
//! title, model, date, message count and cost, and a line for renaming, confirming a delete,
//! or what went wrong.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Ctx, centered, draw_line, fill_row, popup};
use crate::app::state::State;
use crate::app::state::library::{Library, Mode, Row};
use crate::session::store::utc;
use crate::text::{display, group, usd};
use crate::tui::wrap::fitting_prefix;

/// `text` cut to `width` columns, with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    let text = display(text);
    let prefix = fitting_prefix(&text, width);
    if prefix.len() == text.len() {
        return prefix.to_string();
    }
    format!("{}…", fitting_prefix(&text, width.saturating_sub(1)))
}

pub fn render(frame: &mut Frame, full: Rect, ctx: &Ctx, state: &State) {
    let Some(lib) = &state.library else { return };
    let t = ctx.theme;
    let area = centered(full, 120, (full.height * 4 / 5).max(12));
    let footer = match lib.mode {
        Mode::Browse => {
            "type to search · ↑↓ move · Enter open · Ctrl+R rename · Del delete · Esc close"
        }
        Mode::Rename(_) => "Enter save · Esc keep the title",
        Mode::ConfirmDelete => "y delete · any other key keeps it",
    };
    let inner = popup(frame, area, "Sessions", footer, t);
    let buf = frame.buffer_mut();
    let current = state.session.as_ref().map(|s| s.id.as_str());
    let count = if lib.loading() {
        "searching…".to_string()
    } else {
        let n = lib.rows.len();
        let noun = match (lib.query.is_empty(), n == 1) {
            (true, true) => "session",
            (true, false) => "sessions",
            (false, true) => "match",
            (false, false) => "matches",
        };
        format!("{} {noun}", group(n as u64))
    };
    draw_line(
        buf,
        inner,
        0,
        1,
        &Line::from(vec![
            Span::styled("search: ", t.label),
            Span::styled(format!("{}▏", display(&lib.query)), t.value),
            Span::styled(format!("   {count}"), t.dim),
        ]),
    );
    draw_line(buf, inner, 1, 1, &status_line(lib, ctx));
    let list = Rect {
        y: inner.y + 3,
        height: inner.height.saturating_sub(3),
        ..inner
    };
    let per_row = if lib.query.is_empty() { 1 } else { 2 };
    let h = (list.height / per_row) as usize;
    let top = lib.selected.saturating_sub(h.saturating_sub(1));
    for (n, (i, row)) in lib.rows.iter().enumerate().skip(top).take(h).enumerate() {
        let y = n as u16 * per_row;
        let selected = i == lib.selected;
        let line = row_line(
            row,
            current == Some(row.session.id.as_str()),
            list.width,
            ctx,
        );
        if selected {
            fill_row(buf, list, y, t.popup_selected);
            draw_line(buf, list, y, 1, &line.style(t.popup_selected));
        } else {
            draw_line(buf, list, y, 1, &line);
        }
        if let Some(hit) = &row.hit {
            let width = list.width.saturating_sub(6) as usize;
            let head = format!("turn {}, {}: ", hit.turn, hit.place);
            let snippet = fit(&hit.snippet, width.saturating_sub(head.chars().count()));
            draw_line(
                buf,
                list,
                y + 1,
                5,
                &Line::from(snippet_spans(&head, &snippet, t.dim, t.value)),
            );
        }
    }
    if lib.rows.is_empty() && !lib.loading() {
        let empty = if lib.query.is_empty() {
            "no stored sessions yet"
        } else {
            "nothing matches"
        };
        draw_line(buf, list, 0, 1, &Line::styled(empty, t.dim));
    }
}

/// The line under the search field: the rename being typed, the delete to confirm, or an
/// error.
fn status_line(lib: &Library, ctx: &Ctx) -> Line<'static> {
    let t = ctx.theme;
    match (&lib.mode, lib.selected_row(), &lib.error) {
        (Mode::Rename(title), _, _) => Line::from(vec![
            Span::styled("new title: ", t.label),
            Span::styled(format!("{}▏", display(title)), t.value),
        ]),
        (Mode::ConfirmDelete, Some(row), _) => Line::styled(
            format!("delete \"{}\" for good? y / n", fit(&row.session.title, 60)),
            t.warn,
        ),
        (_, _, Some(e)) => Line::styled(display(e).into_owned(), t.error),
        _ => Line::default(),
    }
}

fn row_line(row: &Row, current: bool, width: u16, ctx: &Ctx) -> Line<'static> {
    let t = ctx.theme;
    let cost = row.session.cost_usd.map(usd).unwrap_or_default();
    let right = format!(
        "{:<22} {:>5} msg {:>9}  {}",
        fit(&row.session.model, 22),
        group(row.session.messages),
        cost,
        utc(row.session.updated_ms)
    );
    let title_width = (width as usize)
        .saturating_sub(right.chars().count() + 6)
        .max(8);
    let title = if row.session.title.is_empty() {
        "(untitled)".to_string()
    } else {
        row.session.title.clone()
    };
    let title = fit(&title, title_width);
    let pad = title_width.saturating_sub(unicode_width::UnicodeWidthStr::width(title.as_str()));
    Line::from(vec![
        Span::styled(if current { "● " } else { "  " }, t.on),
        Span::styled(format!("{title}{}", " ".repeat(pad)), t.value),
        Span::styled(format!("  {right}"), t.dim),
    ])
}

/// The snippet with its `[match]` words highlighted.
fn snippet_spans(head: &str, snippet: &str, dim: Style, hit: Style) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(head.to_string(), dim)];
    let mut rest = snippet;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        spans.push(Span::styled(rest[..open].to_string(), dim));
        spans.push(Span::styled(rest[open + 1..open + close].to_string(), hit));
        rest = &rest[open + close + 1..];
    }
    spans.push(Span::styled(rest.to_string(), dim));
    spans
}
