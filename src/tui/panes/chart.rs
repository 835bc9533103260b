//! The compare chart: reasoning tokens, total time and cost per column, as bars, so the cost
//! of thinking is seen, not read.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, Block};

use super::{Ctx, centered, popup};
use crate::app::state::State;
use crate::session::Variant;
use crate::text::group;
use crate::tui::format::{secs, usd};

/// One chart: a bar per column.
struct Series {
    title: &'static str,
    /// The bar's length and its label, per column (`None`: nothing to show).
    values: Vec<Option<(u64, String)>>,
}

fn series(latest: &[Option<&Variant>]) -> [Series; 3] {
    let each = |f: &dyn Fn(&Variant) -> Option<(u64, String)>| -> Vec<Option<(u64, String)>> {
        latest.iter().map(|v| v.and_then(f)).collect()
    };
    [
        Series {
            title: "reasoning tokens",
            values: each(&|v| {
                let (n, exact) = v.reasoning_tokens();
                Some((n, format!("{}{}", if exact { "" } else { "~" }, group(n))))
            }),
        },
        Series {
            title: "total time",
            values: each(&|v| v.timings.total.map(|ms| (ms, secs(ms)))),
        },
        Series {
            title: "cost",
            // In millionths of a dollar, to draw; labelled in dollars.
            values: each(&|v| v.cost_usd.map(|c| ((c * 1e6).round() as u64, usd(c)))),
        },
    ]
}

pub fn render(frame: &mut Frame, full: Rect, ctx: &Ctx, state: &State) {
    let t = ctx.theme;
    let Some(c) = &state.compare else { return };
    let latest = c.latest();
    let n = latest.len() as u16;
    let area = centered(full, 100, 3 * (n + 3) + 2);
    let inner = popup(frame, area, "Reasoning, time and cost", "any key closes", t);
    let rows = Layout::vertical([Constraint::Fill(1); 3]).split(inner);
    let labels: Vec<String> = c
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let mut s = format!("{} {}", i + 1, col.target);
            if s.chars().count() > 36 {
                s = s.chars().take(35).collect::<String>() + "…";
            }
            s
        })
        .collect();
    for (chart, area) in series(&latest).into_iter().zip(rows.iter()) {
        let bars: Vec<Bar> = chart
            .values
            .iter()
            .zip(&labels)
            .map(|(v, label)| {
                let (value, text) = v.clone().unwrap_or((0, "—".to_string()));
                Bar::default()
                    .value(value)
                    .text_value(text)
                    .label(Line::from(label.clone()))
                    .style(t.gauge_reasoning)
                    .value_style(t.value)
            })
            .collect();
        let widget = BarChart::horizontal(bars)
            .block(Block::default().title(Line::styled(chart.title, t.heading)))
            .bar_width(1)
            .bar_gap(0)
            .label_style(t.label);
        frame.render_widget(widget, *area);
    }
}
