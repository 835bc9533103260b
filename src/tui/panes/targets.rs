//! The compare target picker: the targets being typed, what is wrong with them, and how to
//! write them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, centered, popup, scrolled, wrapped_lines};
use crate::app::state::State;
use crate::compare::MAX_COLUMNS;
use crate::text::display;

pub fn render(
    frame: &mut Frame,
    full: Rect,
    ctx: &Ctx,
    state: &State,
    input: &str,
    error: Option<&str>,
) {
    let t = ctx.theme;
    let area = centered(full, 96, 20);
    let inner = popup(frame, area, "Compare", "Enter compare · Esc close", t);
    let width = inner.width.saturating_sub(2).max(10);
    let mut lines = vec![Line::from(vec![
        Span::styled("targets: ", t.label),
        Span::styled(format!("{}▏", display(input)), t.value),
    ])];
    match error {
        Some(e) => lines.extend(wrapped_lines(e, width, t.error)),
        None => lines.push(Line::default()),
    }
    lines.push(Line::default());
    let example = |code: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {code:<44}"), t.code),
            Span::styled(what.to_string(), t.dim),
        ])
    };
    lines.push(Line::styled(
        format!("2 to {MAX_COLUMNS} targets, separated by commas:"),
        t.text,
    ));
    lines.push(example(
        "MODEL[@think=on|off][,budget=N][,preserve=on|off][,provider=NAME]",
        "",
    ));
    lines.push(example(
        "qwen3.7-plus, qwen3.7-plus@think=off",
        "one model, thinking on and off",
    ));
    lines.push(example(
        "qwen3.7-plus@budget=500, deepseek-v3.2@think=on",
        "two models",
    ));
    lines.push(example(
        "qwen-plus@think=on,provider=modelstudio-us, qwen-plus",
        "two regions",
    ));
    lines.push(Line::default());
    lines.push(Line::styled(
        format!("or a sweep over {}:", state.next.model),
        t.text,
    ));
    lines.push(example("sweep think", "thinking on vs off"));
    lines.push(example(
        "sweep budget=500,2000,8000",
        "one column per budget, and thinking off",
    ));
    lines.push(Line::default());
    lines.push(Line::styled(
        format!("providers: {}", state.providers.join(", ")),
        t.dim,
    ));
    scrolled(frame, inner, &lines, 0);
}
