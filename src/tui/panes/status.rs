//! The status line: DEMO badge, provider, next model, notices, running streams, help key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, spinner};
use crate::app::keymap::Command;
use crate::app::state::{Level, State};
use crate::text::display;
use crate::tui::wrap::fitting_prefix;

/// The status line (no cache: one line from a few fields).
#[derive(Default)]
pub struct StatusLine;

impl StatusLine {
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx, state: &State) {
        draw(frame, area, ctx, state);
    }
}

fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, state: &State) {
    let t = ctx.theme;
    if area.height == 0 || area.width == 0 {
        return;
    }
    let buf = frame.buffer_mut();
    buf.set_style(area, t.status);
    let mut left = Vec::new();
    if state.provider.demo {
        left.push(Span::styled(" DEMO ", t.badge));
        left.push(Span::raw(" "));
    }
    let label_at = left.len();
    left.push(Span::styled(format!("{} ", state.provider.label), t.status));
    left.push(Span::styled(
        format!("→ {} ", state.next.model),
        t.status.patch(t.value),
    ));
    let running = state.running().len();
    if running > 0 {
        left.push(Span::styled(
            format!(
                "{} streaming{} ",
                spinner(ctx.now_ms),
                if running > 1 {
                    format!(" ×{running}")
                } else {
                    String::new()
                }
            ),
            t.status.patch(t.info),
        ));
    }
    if let Some(name) = &state.switching {
        left.push(Span::styled(
            format!(
                "{} connecting to {name}… ({} stops) ",
                spinner(ctx.now_ms),
                ctx.keymap.hint(Command::Cancel)
            ),
            t.status.patch(t.info),
        ));
    }
    if let Some(n) = &state.notice {
        let style = match n.level {
            Level::Info => t.info,
            Level::Warn => t.warn,
            Level::Error => t.error,
        };
        left.push(Span::styled(
            format!("│ {}", display(&n.text)),
            t.status.patch(style),
        ));
    }
    let right = Line::from(vec![
        Span::styled(state.keymap.hint(Command::Help), t.status.patch(t.key)),
        Span::styled(" help · ", t.status),
        Span::styled(state.keymap.hint(Command::Quit), t.status.patch(t.key)),
        Span::styled(" quit ", t.status),
    ]);
    let right_w = right.width() as u16;
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>() as u16;
    if width(&left) + right_w < area.width {
        buf.set_line(area.x, area.y, &Line::from(left), area.width);
        buf.set_line(area.x + area.width - right_w, area.y, &right, right_w);
        return;
    }
    // No room for everything: a notice matters more than the keys for help and quit (they are
    // in help), and more than the provider's name (it was said when it was chosen).
    if state.notice.is_some() && width(&left) > area.width {
        left.remove(label_at);
    }
    if width(&left) > area.width && !left.is_empty() {
        let before = width(&left[..left.len() - 1]) as usize;
        let keep = (area.width as usize).saturating_sub(before + 1);
        if let Some(last) = left.last_mut() {
            let text = format!("{}…", fitting_prefix(&last.content, keep));
            *last = Span::styled(text, last.style);
        }
    }
    buf.set_line(area.x, area.y, &Line::from(left), area.width);
}
