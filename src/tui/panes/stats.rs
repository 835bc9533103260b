//! The render stats box (the stats key): frames drawn, recent frame times, and terminal bytes
//! per byte of model text for the current stream, in the top right corner over the panes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{draw_line, popup};
use crate::app::keymap::Command;
use crate::app::state::State;
use crate::text::group;
use crate::tui::stats::{RenderStats, terminal_bytes};
use crate::tui::theme::Theme;

fn ms(d: Option<std::time::Duration>) -> String {
    d.map_or("—".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
}

/// The stats as one line of text parts (label, value).
pub fn parts(stats: &mut RenderStats, state: &State) -> Vec<(&'static str, String)> {
    let now = terminal_bytes();
    let latest = state.focused_variant();
    if let Some(v) = latest {
        stats.follow(v.id, now);
    }
    let model = latest.map_or(0, |v| v.reply.reasoning.len() + v.reply.answer.len());
    let ratio = stats
        .bytes_per_model_byte(now, model)
        .map_or("—".into(), |r| format!("{r:.1}"));
    vec![
        ("frames ", group(stats.frames)),
        (" · p50 ", ms(stats.percentile(50))),
        (" · p95 ", ms(stats.percentile(95))),
        (" · terminal bytes per model byte ", ratio),
    ]
}

pub fn render(frame: &mut Frame, theme: &Theme, stats: &mut RenderStats, state: &State) {
    let full = frame.area();
    let spans: Vec<Span> = parts(stats, state)
        .into_iter()
        .flat_map(|(label, value)| {
            [
                Span::styled(label, theme.label),
                Span::styled(value, theme.value),
            ]
        })
        .collect();
    let line = Line::from(spans);
    let width = (line.width() as u16 + 4).min(full.width);
    if full.height < 3 {
        return;
    }
    let area = Rect {
        x: full.x + full.width - width,
        y: full.y,
        width,
        height: 3,
    };
    let hide = format!("{} hides", state.keymap.hint(Command::Stats));
    let inner = popup(frame, area, "Render", &hide, theme);
    draw_line(frame.buffer_mut(), inner, 0, 1, &line);
}
