//! The composer: a multi-line editor, with the next message's settings beside it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};

use super::draw_line;
use crate::app::keymap::Command;
use crate::app::state::State;
use crate::provider::plan::Switch;
use crate::tui::format::group;
use crate::tui::view::{View, pane_block};

const SETTINGS_WIDTH: u16 = 34;

/// The settings box: model, thinking, budget, preserve — each with its key and whether it
/// applies to the chosen model.
pub fn settings_lines(state: &State, view: &View) -> Vec<Line<'static>> {
    let t = &view.theme;
    let k = &state.keymap;
    let caps = state.next_capabilities();
    let s = &state.next.thinking;
    let thinks = caps.thinks(s);
    let key = |c: Command| Span::styled(format!(" {}", k.hint(c)), t.dim);
    let name = |n: &str| Span::styled(format!("{n:<9}"), t.label);

    let thinking = match caps.switch {
        Switch::AlwaysOn => Span::styled("on 🔒", t.locked),
        Switch::AlwaysOff => Span::styled("off 🔒", t.locked),
        Switch::Unavailable => Span::styled("n/a", t.na),
        Switch::Free { .. } | Switch::Unknown => match thinks {
            Some(true) => Span::styled("● on", t.on),
            Some(false) => Span::styled("○ off", t.off),
            None => Span::styled("default", t.value),
        },
    };
    let budget = if !caps.budget {
        Span::styled("n/a", t.na)
    } else if thinks == Some(false) {
        Span::styled(
            match s.budget {
                Some(b) => format!("({}) unused", group(b as u64)),
                None => "unused".to_string(),
            },
            t.na,
        )
    } else {
        match s.budget {
            Some(b) => Span::styled(group(b as u64), t.value),
            None => Span::styled("none", t.value),
        }
    };
    let preserve = if !caps.preserve {
        Span::styled("n/a", t.na)
    } else if s.preserve {
        Span::styled("● on", t.on)
    } else {
        Span::styled("○ off", t.off)
    };
    let mut model = state.next.model.clone();
    if model.chars().count() > 20 {
        model = model.chars().take(19).collect::<String>() + "…";
    }
    vec![
        Line::from(vec![
            name("model"),
            Span::styled(model, t.value),
            key(Command::PickModel),
        ]),
        Line::from(vec![name("think"), thinking, key(Command::ToggleThinking)]),
        Line::from(vec![name("budget"), budget, key(Command::EditBudget)]),
        Line::from(vec![
            name("preserve"),
            preserve,
            key(Command::TogglePreserve),
        ]),
    ]
}

/// Returns the editor's inner area.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &mut View,
    focused: bool,
) -> Rect {
    let theme = view.theme.clone();
    let k = &state.keymap;
    let settings_w = if area.width.saturating_sub(2) > SETTINGS_WIDTH + 20 {
        SETTINGS_WIDTH
    } else {
        0
    };
    let mut title = vec![Span::raw(" Message ")];
    if settings_w > 0 {
        title.push(Span::styled(
            format!(
                "· {} send · {} new line ",
                k.hint(Command::Send),
                k.hint(Command::Newline)
            ),
            theme.meta,
        ));
    } else {
        // No room for the settings box: the title carries them.
        for line in settings_lines(state, view) {
            let mut spans = line.spans;
            spans.pop();
            title.push(Span::styled("· ", theme.meta));
            title.extend(spans.into_iter().skip(1));
            title.push(Span::raw(" "));
        }
    }
    let block = pane_block(&theme, Line::from(title), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [editor, settings] = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Min(10), Constraint::Length(settings_w)])
        .areas(inner);
    if focused && state.overlays.is_empty() {
        view.composer
            .set_cursor_style(theme.text.add_modifier(ratatui::style::Modifier::REVERSED));
    } else {
        view.composer.set_cursor_style(theme.text);
    }
    frame.render_widget(&view.composer, editor);
    if settings_w > 0 {
        let buf = frame.buffer_mut();
        for y in 0..settings.height {
            buf.set_string(settings.x, settings.y + y, "│", theme.border);
        }
        let area = Rect {
            x: settings.x + 2,
            width: settings.width.saturating_sub(2),
            ..settings
        };
        for (i, l) in settings_lines(state, view).iter().enumerate() {
            draw_line(buf, area, i as u16, 0, l);
        }
    }
    editor
}
