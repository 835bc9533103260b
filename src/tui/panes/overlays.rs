//! Popups: help, budget editor, model / provider picker, inspector.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, centered, chart, diff, draw_line, fill_row, popup, scrolled, sessions, targets};
use crate::app::keymap::{Command, Keymap};
use crate::app::state::{BUDGET_PRESETS, Overlay, PickItem, State};
use crate::clipboard::extract::code_blocks;
use crate::provider::plan::{Capabilities, Switch};
use crate::session::proof::Proof;
use crate::session::{Status, Variant};
use crate::text::display;
use crate::tui::format::{group, secs, usd};
use crate::tui::theme::Theme;

/// The popup layer, drawn over the panes. Only the diff keeps a cache: it is costly to work
/// out; the other popups are cheap and drawn while open only.
#[derive(Default)]
pub struct Overlays {
    diff: diff::DiffCache,
}

impl Overlays {
    /// Draw the popups; returns how far the top one can scroll (for `update` to clamp to).
    pub fn render(&mut self, frame: &mut Frame, full: Rect, ctx: &Ctx, state: &State) -> usize {
        let mut max_scroll = 0;
        for overlay in &state.overlays {
            max_scroll = 0;
            match overlay {
                Overlay::Help { scroll } => max_scroll = help(frame, full, ctx, *scroll),
                Overlay::Budget {
                    input,
                    preset,
                    error,
                } => budget(frame, full, ctx, state, input, *preset, error.as_deref()),
                Overlay::Picker { query, selected } => {
                    picker(frame, full, ctx, state, query, *selected)
                }
                Overlay::Inspector { variant, scroll } => {
                    max_scroll = inspector(frame, full, ctx, state, *variant, *scroll)
                }
                Overlay::Targets { input, error } => {
                    targets::render(frame, full, ctx, state, input, error.as_deref())
                }
                Overlay::Diff {
                    a,
                    b,
                    reasoning,
                    scroll,
                } => {
                    max_scroll =
                        self.diff
                            .render(frame, full, ctx, state, (*a, *b), *reasoning, *scroll)
                }
                Overlay::Chart => chart::render(frame, full, ctx, state),
                Overlay::Code { variant, selected } => {
                    code_picker(frame, full, ctx, state, *variant, *selected)
                }
                Overlay::Sessions => sessions::render(frame, full, ctx, state),
            }
        }
        max_scroll
    }
}

/// Which code block to copy.
fn code_picker(
    frame: &mut Frame,
    full: Rect,
    ctx: &Ctx,
    state: &State,
    variant: u64,
    selected: usize,
) {
    let t = ctx.theme;
    let blocks = state
        .variant(variant)
        .map(|v| code_blocks(&v.reply.answer))
        .unwrap_or_default();
    let area = centered(full, 90, blocks.len() as u16 + 4);
    let inner = popup(
        frame,
        area,
        "Copy a code block",
        "↑↓ choose · Enter copy · Esc close",
        t,
    );
    let lines: Vec<Line<'static>> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let style = if i == selected {
                t.popup_selected
            } else {
                t.text
            };
            Line::styled(format!(" {} {}", i + 1, display(&b.label())), style)
        })
        .collect();
    scrolled(
        frame,
        inner,
        &lines,
        selected.saturating_sub(inner.height.saturating_sub(1) as usize),
    );
}

/// The help text: every command with its keys.
pub fn help_lines(keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let groups: &[(&str, &[Command])] = &[
        (
            "Messages",
            &[
                Command::Send,
                Command::Newline,
                Command::Cancel,
                Command::Interrupt,
                Command::Regenerate,
                Command::VariantPrev,
                Command::VariantNext,
                Command::RetryBiggerBudget,
                Command::RetryWithoutThinking,
            ],
        ),
        (
            "Next message settings",
            &[
                Command::ToggleThinking,
                Command::EditBudget,
                Command::TogglePreserve,
                Command::PickModel,
            ],
        ),
        (
            "Moving around",
            &[
                Command::FocusNext,
                Command::FocusPrev,
                Command::SelectPrev,
                Command::SelectNext,
                Command::ScrollUp,
                Command::ScrollDown,
                Command::PageUp,
                Command::PageDown,
                Command::ScrollTop,
                Command::ScrollBottom,
            ],
        ),
        (
            "Reasoning",
            &[
                Command::Search,
                Command::SearchNext,
                Command::SearchPrev,
                Command::ToggleFold,
            ],
        ),
        (
            "Compare",
            &[
                Command::Compare,
                Command::ColumnNext,
                Command::ColumnPrev,
                Command::FoldAll,
                Command::Diff,
                Command::Chart,
                Command::Adopt,
                Command::AsAnswer,
            ],
        ),
        (
            "Copy",
            &[
                Command::CopyAnswer,
                Command::CopyReasoning,
                Command::CopyCode,
                Command::CopyMessage,
            ],
        ),
        ("Sessions", &[Command::Sessions, Command::NewSession]),
        (
            "Other",
            &[
                Command::Inspect,
                Command::Stats,
                Command::Help,
                Command::Quit,
            ],
        ),
    ];
    let mut lines = Vec::new();
    for (title, cmds) in groups {
        lines.push(Line::styled(title.to_string(), theme.heading));
        for c in *cmds {
            let keys: Vec<String> = keymap.keys(*c).iter().map(|k| k.to_string()).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<32}", keys.join(", ")), theme.key),
                Span::styled(c.help().to_string(), theme.text),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(
        "Plain letters act only when the message editor does not have focus.",
        theme.dim,
    ));
    lines.push(Line::styled(
        "The mouse wheel scrolls the pane under the pointer; a click selects a message.",
        theme.dim,
    ));
    lines.push(Line::styled(
        "Keys can be changed in the config file under [keys] (see the README).",
        theme.dim,
    ));
    lines
}

fn help(frame: &mut Frame, full: Rect, ctx: &Ctx, scroll: usize) -> usize {
    let lines = help_lines(ctx.keymap, ctx.theme);
    let area = centered(full, 100, lines.len() as u16 + 2);
    let inner = popup(
        frame,
        area,
        "Keys",
        "↑↓ scroll · any other key closes",
        ctx.theme,
    );
    scrolled(frame, inner, &lines, scroll)
}

fn budget(
    frame: &mut Frame,
    full: Rect,
    ctx: &Ctx,
    state: &State,
    input: &str,
    preset: Option<usize>,
    error: Option<&str>,
) {
    let t = ctx.theme;
    let caps = state.next_capabilities();
    let max = caps
        .max_budget
        .map(|m| format!(" (max {})", group(m as u64)))
        .unwrap_or_default();
    let area = centered(full, 52, BUDGET_PRESETS.len() as u16 + 8);
    let inner = popup(
        frame,
        area,
        &format!("Thinking budget · {}{max}", state.next.model),
        "Enter apply · Esc cancel · ↑↓ presets",
        t,
    );
    let mut lines = vec![
        Line::from(vec![
            Span::styled("tokens: ", t.label),
            Span::styled(format!("{input}▏"), t.value),
        ]),
        Line::styled("empty = no budget (the model's own maximum)", t.dim),
        Line::default(),
    ];
    for (i, p) in BUDGET_PRESETS.iter().enumerate() {
        let text = p
            .map(|b| group(b as u64))
            .unwrap_or_else(|| "no budget".into());
        let style = if preset == Some(i) {
            t.popup_selected
        } else {
            t.text
        };
        lines.push(Line::styled(format!(" {text:<20}"), style));
    }
    if let Some(e) = error {
        lines.push(Line::default());
        lines.push(Line::styled(e.to_string(), t.error));
    }
    if caps.thinks(&state.next.thinking) == Some(false) {
        lines.push(Line::styled(
            "thinking is off for the next message: the budget applies once it is on",
            t.warn,
        ));
    }
    scrolled(frame, inner, &lines, 0);
}

fn caps_summary(caps: &Capabilities, price: Option<crate::catalog::Price>) -> String {
    let think = match caps.switch {
        Switch::Free { default_on: true } => "hybrid, on by default",
        Switch::Free { default_on: false } => "hybrid, off by default",
        Switch::AlwaysOn => "thinking-only",
        Switch::AlwaysOff => "no thinking",
        Switch::Unknown => "not in catalog",
        Switch::Unavailable => "no thinking switch",
    };
    let mut s = think.to_string();
    if caps.budget {
        s.push_str(" · budget");
    }
    if caps.preserve {
        s.push_str(" · preserve");
    }
    if let Some(p) = price {
        s.push_str(&format!(
            " · ${}/${} per M",
            p.input,
            p.thinking.unwrap_or(p.output)
        ));
    }
    s
}

fn picker(frame: &mut Frame, full: Rect, ctx: &Ctx, state: &State, query: &str, selected: usize) {
    let t = ctx.theme;
    let items = state.picker_items(query);
    let area = centered(full, 90, (full.height * 3 / 4).max(12));
    let inner = popup(
        frame,
        area,
        "Model and provider",
        "type to filter · ↑↓ move · Enter pick · Esc close",
        t,
    );
    let buf = frame.buffer_mut();
    draw_line(
        buf,
        inner,
        0,
        1,
        &Line::from(vec![
            Span::styled("filter: ", t.label),
            Span::styled(format!("{}▏", display(query)), t.value),
            Span::styled(format!("   provider: {}", state.provider.label), t.dim),
        ]),
    );
    let list = Rect {
        y: inner.y + 2,
        height: inner.height.saturating_sub(2),
        ..inner
    };
    let h = list.height as usize;
    let top = selected.saturating_sub(h.saturating_sub(1));
    for (row, (i, item)) in items.iter().enumerate().skip(top).take(h).enumerate() {
        let row = row as u16;
        let line = match item {
            PickItem::Model(m) => {
                let current = *m == state.next.model;
                let route = &state.provider.route;
                let caps = route.capabilities(m);
                let price = route.model_info(m).and_then(|i| i.price);
                Line::from(vec![
                    Span::styled(if current { "● " } else { "  " }, t.on),
                    Span::styled(format!("{:<32}", m), t.value),
                    Span::styled(caps_summary(&caps, price), t.dim),
                ])
            }
            PickItem::Provider(p) => {
                let current = *p == state.provider.name;
                Line::from(vec![
                    Span::styled(if current { "● " } else { "  " }, t.on),
                    Span::styled("provider ", t.label),
                    Span::styled(p.clone(), t.value),
                ])
            }
        };
        if i == selected {
            fill_row(buf, list, row, t.popup_selected);
            draw_line(buf, list, row, 1, &line.style(t.popup_selected));
        } else {
            draw_line(buf, list, row, 1, &line);
        }
    }
    if items.is_empty() {
        draw_line(buf, list, 0, 1, &Line::styled("nothing matches", t.dim));
    }
}

/// Checks that flag a mismatch between what was asked and what came back: the warnings of
/// the message's proof, and what is wrong with the stream itself.
pub fn checks(v: &Variant) -> Vec<String> {
    let mut out: Vec<String> = Proof::of(v).warnings().map(str::to_string).collect();
    // With a budget, the proof has said so already.
    if v.reply.usage.is_none()
        && matches!(v.status, Status::Complete)
        && v.settings.resolved.budget.is_none()
    {
        out.push("no usage was reported".into());
    }
    if v.malformed > 0 {
        out.push(format!("{} malformed chunk(s) were skipped", v.malformed));
    }
    out
}

/// The inspector's text for a variant.
pub fn inspector_lines(v: &Variant, t: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let head = |s: &str| Line::styled(s.to_string(), t.heading);
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<14}"), t.label),
            Span::styled(v, t.text),
        ])
    };
    lines.push(head("Message"));
    lines.push(kv("model", v.settings.model.clone()));
    lines.push(kv("provider", v.settings.provider.clone()));
    lines.push(kv("status", format!("{:?}", v.status)));
    if let Some(f) = &v.reply.finish {
        lines.push(kv("finish_reason", f.to_string()));
    }
    if let Some(e) = &v.reply.error {
        lines.push(kv("error", e.to_string()));
    }
    if v.retries > 0 {
        lines.push(kv("retries", v.retries.to_string()));
    }
    if let Some(ms) = v.timings.total {
        lines.push(kv("time", secs(ms)));
    }
    if let Some(c) = v.cost_usd {
        lines.push(kv("cost", usd(c)));
    }
    let checks = checks(v);
    lines.push(Line::default());
    lines.push(head("Checks"));
    if checks.is_empty() {
        lines.push(Line::styled(
            "✓ what came back matches what was asked",
            t.on,
        ));
    }
    for c in checks {
        lines.push(Line::styled(format!("⚠ {c}"), t.warn));
    }
    let mut block = |title: &str, text: String| {
        lines.push(Line::default());
        lines.push(head(title));
        lines.extend(super::wrapped_lines(
            &text,
            width.saturating_sub(2).max(10),
            t.code,
        ));
    };
    match &v.request {
        Some(r) => {
            let mut text = format!("POST {}\n", r.url);
            for (k, val) in &r.headers {
                text.push_str(&format!("{k}: {val}\n"));
            }
            if r.authorized {
                text.push_str("Authorization: Bearer *** (redacted)\n");
            }
            text.push('\n');
            text.push_str(&serde_json::to_string_pretty(&r.body).unwrap_or_default());
            block("Request sent", text);
        }
        None => block("Request sent", "(none)".into()),
    }
    let usage = v
        .reply
        .usage
        .as_ref()
        .and_then(|u| u.raw.clone())
        .map(|raw| serde_json::to_string_pretty(&raw).unwrap_or_default())
        .unwrap_or_else(|| "(none received)".into());
    block("Usage received (raw)", usage);
    lines
}

fn inspector(
    frame: &mut Frame,
    full: Rect,
    ctx: &Ctx,
    state: &State,
    variant: u64,
    scroll: usize,
) -> usize {
    let area = centered(
        full,
        full.width.saturating_sub(8).min(110),
        full.height.saturating_sub(4),
    );
    let inner = popup(
        frame,
        area,
        "Inspector",
        "↑↓ PgUp PgDn scroll · any other key closes",
        ctx.theme,
    );
    let Some(v) = state.variant(variant) else {
        return 0;
    };
    let lines = inspector_lines(v, ctx.theme, inner.width.saturating_sub(2));
    scrolled(frame, inner, &lines, scroll)
}
