//! The usage / thinking-budget gauge of the selected message, and the session totals.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Ctx, draw_line, pad, pane_block};
use crate::app::keymap::Command;
use crate::provider::route::Route;
use crate::session::{BudgetTrouble, Conversation, Variant};
use crate::tui::format::{group, secs, usd};
use crate::tui::theme::Theme;

/// What the gauge shows.
pub struct GaugeView<'a> {
    /// The variant measured, and the number of its turn.
    pub variant: Option<&'a Variant>,
    pub turn: Option<usize>,
    /// For the session totals.
    pub conversation: &'a Conversation,
    /// Prices come from the catalog.
    pub route: &'a Route,
}

const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/// A bar `width` cells wide made of `(fraction, style)` segments; the rest is empty.
pub fn bar(width: usize, segments: &[(f64, Style)], empty: Style) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut used_eighths = 0usize;
    let total_eighths = width * 8;
    let mut acc = 0.0;
    for &(frac, style) in segments {
        acc += frac.clamp(0.0, 1.0);
        let end = ((acc.min(1.0)) * total_eighths as f64).round() as usize;
        if end <= used_eighths {
            continue;
        }
        // Start on a cell boundary so segments do not share a cell.
        let start_cell = used_eighths.div_ceil(8);
        let full = end / 8;
        let mut s = String::new();
        for _ in start_cell..full {
            s.push('█');
        }
        let rem = end % 8;
        if rem > 0 && full < width {
            s.push_str(EIGHTHS[rem]);
        }
        if !s.is_empty() {
            spans.push(Span::styled(s, style));
        }
        used_eighths = end.div_ceil(8) * 8;
    }
    let used_cells = used_eighths / 8;
    if used_cells < width {
        spans.push(Span::styled("░".repeat(width - used_cells), empty));
    }
    spans
}

fn label(theme: &Theme, s: &str) -> Span<'static> {
    Span::styled(format!("{s:<10}"), theme.label)
}

/// Live or final timings of a variant: (ttft, thinking, answer) in ms.
fn phases(v: &Variant, now: u64) -> (Option<u64>, Option<u64>, Option<u64>) {
    if v.timings.total.is_some() {
        return (v.timings.ttft, v.timings.reasoning, v.timings.answer);
    }
    let ttft = v
        .first_token_at_ms
        .map(|t| t.saturating_sub(v.started_at_ms));
    let answer_start = v.first_answer_at_ms;
    let thinking = match (v.first_token_at_ms, answer_start) {
        (Some(f), Some(a)) if !v.reply.reasoning.is_empty() => Some(a.saturating_sub(f)),
        (Some(f), None) if !v.reply.reasoning.is_empty() => Some(now.saturating_sub(f)),
        _ => None,
    };
    let answer = answer_start.map(|a| now.saturating_sub(a));
    (ttft, thinking, answer)
}

fn variant_lines(v: &Variant, ctx: &Ctx, route: &Route, width: usize) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let mut lines = Vec::new();
    let bar_w = width.saturating_sub(10 + 22).clamp(6, 40);
    let (reasoning, exact) = v.reasoning_tokens();
    let approx = if exact { "" } else { "~" };
    let usage = v.reply.usage.as_ref();
    let (out_total, out_exact) = v.output_tokens();
    let answer = out_total.saturating_sub(reasoning);
    let answer_approx = if out_exact && exact { "" } else { "~" };
    let out_approx = if out_exact { "" } else { "~" };
    let estimate_note = if exact { "" } else { " (estimate)" };

    // Budget.
    match v.settings.resolved.budget {
        Some(b) => {
            let frac = reasoning as f64 / b.max(1) as f64;
            let style = if frac >= 1.0 {
                theme.gauge_over
            } else {
                theme.gauge_reasoning
            };
            let mut spans = vec![label(theme, "Budget")];
            spans.extend(bar(bar_w, &[(frac, style)], theme.gauge_empty));
            spans.push(Span::styled(
                format!(
                    " {approx}{} / {} ({:.0}%)",
                    group(reasoning),
                    group(b as u64),
                    frac * 100.0
                ),
                if frac >= 1.0 {
                    theme.gauge_over
                } else {
                    theme.value
                },
            ));
            lines.push(Line::from(spans));
        }
        None => {
            let text = match v.settings.resolved.thinks {
                Some(false) => "— (thinking off)",
                _ => "none (the model's maximum)",
            };
            lines.push(Line::from(vec![
                label(theme, "Budget"),
                Span::styled(text, theme.dim),
            ]));
        }
    }
    // Output split into reasoning and answer.
    let (fr, fa) = if out_total == 0 {
        (0.0, 0.0)
    } else {
        (
            reasoning as f64 / out_total as f64,
            answer as f64 / out_total as f64,
        )
    };
    let mut spans = vec![label(theme, "Output")];
    spans.extend(bar(
        bar_w,
        &[(fr, theme.gauge_reasoning), (fa, theme.gauge_answer)],
        theme.gauge_empty,
    ));
    spans.push(Span::styled(
        format!(" {out_approx}{}", group(out_total)),
        theme.value,
    ));
    lines.push(Line::from(spans));
    lines.push(Line::from(vec![
        label(theme, ""),
        Span::styled("█ ", theme.gauge_reasoning),
        Span::styled(
            format!("reasoning {approx}{}{estimate_note}  ", group(reasoning)),
            theme.text,
        ),
        Span::styled("█ ", theme.gauge_answer),
        Span::styled(
            format!("answer {answer_approx}{}", group(answer)),
            theme.text,
        ),
    ]));
    // Input.
    let mut spans = vec![label(theme, "Input")];
    match usage.and_then(|u| u.input_tokens) {
        Some(i) => spans.push(Span::styled(format!("{} tok", group(i)), theme.value)),
        None => spans.push(Span::styled("not reported yet", theme.dim)),
    }
    if let Some(p) = v.preserved_tokens {
        spans.push(Span::styled(
            format!("  incl. ~{} preserved reasoning", group(p)),
            theme.gauge_input,
        ));
    }
    if let Some(c) = usage.and_then(|u| u.cached_tokens).filter(|c| *c > 0) {
        spans.push(Span::styled(format!("  {} cached", group(c)), theme.dim));
    }
    lines.push(Line::from(spans));
    // Time.
    let (ttft, thinking, answer_ms) = phases(v, ctx.now_ms);
    let fmt = |ms: Option<u64>| ms.map(secs).unwrap_or_else(|| "—".into());
    lines.push(Line::from(vec![
        label(theme, "Time"),
        Span::styled("TTFT ", theme.label),
        Span::styled(fmt(ttft), theme.value),
        Span::styled(" · think ", theme.label),
        Span::styled(fmt(thinking), theme.value),
        Span::styled(" · answer ", theme.label),
        Span::styled(fmt(answer_ms), theme.value),
    ]));
    // Speed.
    let gen_ms = match (v.timings.ttft, v.timings.total) {
        (Some(t), Some(total)) => Some(total.saturating_sub(t)),
        _ => v.first_token_at_ms.map(|f| ctx.now_ms.saturating_sub(f)),
    };
    let speed = gen_ms
        .filter(|ms| *ms > 0)
        .map(|ms| out_total as f64 * 1000.0 / ms as f64);
    lines.push(Line::from(vec![
        label(theme, "Speed"),
        Span::styled(
            speed
                .map(|s| format!("{s:.0} tok/s"))
                .unwrap_or_else(|| "—".into()),
            theme.value,
        ),
    ]));
    // Cost.
    let price = route.model_info(&v.settings.model).and_then(|m| m.price);
    let mut spans = vec![label(theme, "Cost")];
    match (v.cost_usd, price) {
        (Some(c), Some(p)) => {
            spans.push(Span::styled(usd(c), theme.value));
            let out_price = if v.settings.resolved.thinks == Some(true) {
                p.thinking.unwrap_or(p.output)
            } else {
                p.output
            };
            spans.push(Span::styled(
                format!("  (${} in · ${} out per M)", p.input, out_price),
                theme.dim,
            ));
        }
        (None, Some(_)) if v.status.is_running() => {
            spans.push(Span::styled("when usage arrives", theme.dim))
        }
        (None, Some(_)) => spans.push(Span::styled("no usage was reported", theme.dim)),
        _ => spans.push(Span::styled("no price in the catalog", theme.dim)),
    }
    lines.push(Line::from(spans));
    if let Some(t) = v.budget_trouble() {
        let k5 = ctx.keymap.hint(Command::RetryBiggerBudget);
        let k6 = ctx.keymap.hint(Command::RetryWithoutThinking);
        let what = match t {
            BudgetTrouble::BudgetSpent { .. } => "budget spent while thinking",
            BudgetTrouble::LengthWithoutAnswer => "output limit hit with little answer",
        };
        lines.push(Line::from(vec![
            Span::styled(format!("⚠ {what}: "), theme.warn),
            Span::styled(k5, theme.key),
            Span::styled(" more room · ", theme.text),
            Span::styled(k6, theme.key),
            Span::styled(" no thinking", theme.text),
        ]));
    }
    lines
}

fn session_lines(conversation: &Conversation, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let t = conversation.totals();
    let mut parts = vec![
        Span::styled(
            format!(
                "{} answer{}",
                t.messages,
                if t.messages == 1 { "" } else { "s" }
            ),
            theme.value,
        ),
        Span::styled(format!("in {}", group(t.input)), theme.text),
        Span::styled(format!("out {}", group(t.output)), theme.text),
        Span::styled(
            format!("reasoning {}", group(t.reasoning)),
            theme.gauge_reasoning,
        ),
    ];
    if t.priced > 0 {
        parts.push(Span::styled(usd(t.cost), theme.value));
    }
    let mut lines = super::pack(
        parts,
        Span::styled(" · ", theme.meta),
        width.saturating_sub(10),
        0,
    );
    for (i, l) in lines.iter_mut().enumerate() {
        l.spans
            .insert(0, label(theme, if i == 0 { "Session" } else { "" }));
    }
    lines
}

/// The gauge pane. Nothing in it is worth a cache: a handful of lines, built from figures.
#[derive(Default)]
pub struct GaugePane;

impl GaugePane {
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx, view: GaugeView<'_>) {
        let theme = ctx.theme;
        let mut title = vec![Span::raw(" Usage ")];
        if let Some(v) = view.variant {
            title.push(Span::styled(format!("· {} ", v.settings.model), theme.meta));
            if let Some(t) = view.turn {
                title.push(Span::styled(format!("· #{} ", t + 1), theme.meta));
            }
        }
        let block = pane_block(theme, Line::from(title), false);
        let inner = pad(block.inner(area));
        frame.render_widget(block, area);
        let width = inner.width as usize;
        let mut lines = match view.variant {
            Some(v) => variant_lines(v, ctx, view.route, width),
            None => vec![
                Line::styled("Token use, thinking budget, timings and cost", theme.dim),
                Line::styled("of the selected message appear here.", theme.dim),
            ],
        };
        lines.push(Line::styled("─".repeat(width), theme.rule));
        lines.extend(session_lines(view.conversation, theme, inner.width));
        let buf = frame.buffer_mut();
        for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
            draw_line(buf, inner, i as u16, 0, l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    fn width(spans: &[Span]) -> usize {
        spans.iter().map(|s| s.content.width()).sum()
    }

    #[test]
    fn bars_always_fill_their_width() {
        let s = Style::default();
        for w in [6usize, 10, 23, 40] {
            for (a, b) in [
                (0.0, 0.0),
                (0.5, 0.5),
                (0.33, 0.2),
                (1.5, 0.0),
                (0.01, 0.99),
                (0.999, 0.0),
            ] {
                let spans = bar(w, &[(a, s), (b, s)], s);
                assert_eq!(width(&spans), w, "w={w} a={a} b={b}");
            }
        }
        let full = bar(10, &[(1.0, s)], s);
        assert_eq!(full[0].content, "██████████");
    }
}
