//! The conversation: prompts and answers (Markdown), each answer with a header that shows
//! the settings it was sent with and what it cost.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{draw_line, fill_row, pack, spinner, wrapped_lines};
use crate::app::keymap::Command;
use crate::app::state::State;
use crate::session::{BudgetTrouble, Status, Turn, Variant};
use crate::tui::format::{self, group};
use crate::tui::markdown::MarkdownView;
use crate::tui::theme::Theme;
use crate::tui::view::{TurnCache, TurnKey, View, pane_block};

/// What the pane measured.
pub struct Measured {
    pub total: usize,
    pub height: usize,
    pub turn_starts: Vec<usize>,
    pub inner: Rect,
}

/// Indentation of message bodies.
const INDENT: u16 = 2;

/// One run of lines in the pane; the lines live in the view's caches.
enum Seg {
    Blank,
    /// `▌ You  #n` (selectable).
    You,
    Prompt,
    /// The answer's header (selectable).
    Header,
    Answer(u64),
    Notes,
}

fn seg_len(seg: &Seg, cache: Option<&TurnCache>, view: &View) -> usize {
    match seg {
        Seg::Blank | Seg::You => 1,
        Seg::Prompt => cache.map_or(0, |c| c.prompt.len()),
        Seg::Header => cache.map_or(0, |c| c.header.len()),
        Seg::Notes => cache.map_or(0, |c| c.notes.len()),
        Seg::Answer(id) => view.answers.get(id).map_or(0, MarkdownView::cached_len),
    }
}

/// Bring the cached lines of turn `i` up to date. A settled turn (its shown answer is not
/// running) is rebuilt only when the width, the theme or the shown variant changes; a
/// running one every frame (its header has live timers).
fn refresh_turn(
    i: usize,
    turn: &Turn,
    state: &State,
    view: &mut View,
    full_width: u16,
    width: u16,
) {
    let v = turn.active();
    let key = TurnKey {
        width: full_width,
        theme: view.theme.name.clone(),
        variant: v.map(|v| v.id),
        variants: turn.variants.len(),
        settled: v.is_none_or(|v| !v.status.is_running()),
        total_ms: v.and_then(|v| v.timings.total),
    };
    let cache = view.turns.get(&turn.id);
    if cache.is_some_and(|c| c.key == key && key.settled) {
        return;
    }
    let theme = &view.theme;
    let prompt = match cache {
        Some(c) if c.key.width == key.width && c.key.theme == key.theme => c.prompt.clone(),
        _ => wrapped_lines(&turn.prompt, width, theme.text),
    };
    let you = Line::from(vec![
        Span::styled("▌ You", theme.user),
        Span::styled(format!("  #{}", i + 1), theme.meta),
    ]);
    let (header, notes) = match v {
        Some(v) => (
            header_lines(v, turn, state.now_ms, full_width, theme),
            body_notes(v, state, view, width),
        ),
        None => (Vec::new(), Vec::new()),
    };
    view.turns.insert(
        turn.id,
        TurnCache {
            key,
            you,
            prompt,
            header,
            notes,
        },
    );
}

fn header_lines(
    v: &Variant,
    turn: &Turn,
    now_ms: u64,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut parts: Vec<Span<'static>> = Vec::new();
    parts.push(Span::styled(
        format!("◆ {}", v.settings.model),
        theme.assistant,
    ));
    let header = format::variant_header(v, now_ms);
    for p in header.split(" · ").skip(1) {
        let style = match p {
            "think on" => theme.on,
            "think off" => theme.off,
            _ => theme.meta,
        };
        parts.push(Span::styled(p.to_string(), style));
    }
    if turn.variants.len() > 1 {
        parts.push(Span::styled(
            format!("variant {}/{}", turn.active + 1, turn.variants.len()),
            theme.key,
        ));
    }
    match &v.status {
        Status::Waiting | Status::Streaming => {
            parts.push(Span::styled(
                format!(
                    "{} {}",
                    spinner(now_ms),
                    format::status_word(&v.status).unwrap_or("")
                ),
                theme.info,
            ));
        }
        s => {
            if let Some(w) = format::status_word(s) {
                let style = match s {
                    Status::Cancelled => theme.dim,
                    Status::Interrupted(_) => theme.warn,
                    _ => theme.error,
                };
                parts.push(Span::styled(w.to_string(), style));
            }
        }
    }
    pack(parts, Span::styled(" · ", theme.meta), width, 2)
}

fn body_notes(v: &Variant, state: &State, view: &View, width: u16) -> Vec<Line<'static>> {
    let theme = &view.theme;
    let mut out = Vec::new();
    let wrap_styled = |text: &str, style, out: &mut Vec<Line<'static>>| {
        out.extend(wrapped_lines(text, width, style));
    };
    if v.reply.answer.is_empty() && v.reply.tool_calls.is_empty() {
        match &v.status {
            Status::Waiting => {
                let retry = if v.retries > 0 {
                    format!(" (attempt {})", v.retries + 1)
                } else {
                    String::new()
                };
                out.push(Line::styled(
                    format!("waiting for the server…{retry}"),
                    theme.dim,
                ));
            }
            Status::Streaming if !v.reply.reasoning.is_empty() => {
                let (n, exact) = v.reasoning_tokens();
                let approx = if exact { "" } else { "~" };
                out.push(Line::styled(
                    format!(
                        "thinking… {approx}{} tokens so far (see the reasoning pane)",
                        group(n)
                    ),
                    theme.dim,
                ));
            }
            _ => {}
        }
    }
    for call in &v.reply.tool_calls {
        wrap_styled(
            &format!("⚙ tool call {}({})", call.name, call.arguments),
            theme.code,
            &mut out,
        );
    }
    match &v.status {
        Status::Failed(m) => wrap_styled(&format!("✗ {m}"), theme.error, &mut out),
        Status::Interrupted(m) => wrap_styled(
            &format!("⚠ incomplete: {m}; the partial answer above is kept"),
            theme.warn,
            &mut out,
        ),
        Status::Cancelled => out.push(Line::styled(
            "⊘ cancelled; the partial answer above is kept",
            theme.dim,
        )),
        _ => {}
    }
    if let Some(trouble) = v.budget_trouble() {
        let k5 = state.keymap.hint(Command::RetryBiggerBudget);
        let k6 = state.keymap.hint(Command::RetryWithoutThinking);
        let text = match trouble {
            BudgetTrouble::BudgetSpent { budget } => format!(
                "⚠ the thinking budget ({}) ran out: {k5} retries with {} · {k6} retries without thinking",
                group(budget as u64),
                group(budget as u64 * 2)
            ),
            BudgetTrouble::LengthWithoutAnswer if state.capabilities(&v.settings.model).budget => {
                format!(
                    "⚠ the output limit was reached with little or no answer: {k5} retries with thinking capped at {} · {k6} without thinking",
                    group(v.roomier_budget() as u64)
                )
            }
            BudgetTrouble::LengthWithoutAnswer if v.settings.max_tokens.is_some() => format!(
                "⚠ the output limit was reached with little or no answer: {k5} retries with a higher output cap · {k6} without thinking"
            ),
            BudgetTrouble::LengthWithoutAnswer => format!(
                "⚠ the output limit was reached with little or no answer: {k6} retries without thinking"
            ),
        };
        wrap_styled(&text, theme.warn, &mut out);
    }
    if v.malformed > 0 {
        out.push(Line::styled(
            format!("⚠ {} malformed chunk(s) were skipped", v.malformed),
            theme.warn,
        ));
    }
    out
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &mut View,
    focused: bool,
) -> Measured {
    let theme = view.theme.clone();
    let n = state.conversation.turns.len();
    let title = Line::from(vec![
        Span::raw(" Conversation "),
        Span::styled(
            if n == 0 {
                String::new()
            } else {
                format!("· {n} message{} ", if n == 1 { "" } else { "s" })
            },
            theme.meta,
        ),
    ]);
    let block = pane_block(&theme, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.saturating_sub(INDENT).max(1);
    let selected = state.selected_turn();

    // Pass 1: bring caches up to date and measure.
    let mut segs: Vec<(usize, Seg)> = Vec::new();
    for (i, turn) in state.conversation.turns.iter().enumerate() {
        refresh_turn(i, turn, state, view, inner.width, width);
        segs.extend([(i, Seg::You), (i, Seg::Prompt), (i, Seg::Blank)]);
        if let Some(v) = turn.active() {
            view.answers
                .entry(v.id)
                .or_default()
                .lines(&v.reply.answer, width, &theme);
            segs.extend([(i, Seg::Header), (i, Seg::Answer(v.id)), (i, Seg::Notes)]);
        }
        segs.push((i, Seg::Blank));
    }
    let turns = &state.conversation.turns;
    let lens: Vec<usize> = segs
        .iter()
        .map(|(t, s)| seg_len(s, view.turns.get(&turns[*t].id), view))
        .collect();
    let total: usize = lens.iter().sum();
    let height = inner.height as usize;
    let mut turn_starts = Vec::with_capacity(n);
    {
        let mut line = 0;
        let mut last = usize::MAX;
        for ((turn, _), len) in segs.iter().zip(&lens) {
            if *turn != last {
                turn_starts.push(line);
                last = *turn;
            }
            line += len;
        }
    }

    if n == 0 {
        draw_empty(frame, inner, state, &theme);
        return Measured {
            total,
            height,
            turn_starts,
            inner,
        };
    }

    // Pass 2: draw the visible window.
    let top = state.conversation_scroll.top_for(total, height);
    let buf = frame.buffer_mut();
    let mut line = 0usize;
    for ((turn, seg), len) in segs.iter().zip(&lens) {
        let (start, end) = (line, line + len);
        line = end;
        if end <= top || start >= top + height {
            continue;
        }
        let Some(cache) = view.turns.get(&turns[*turn].id) else {
            continue;
        };
        let highlight = Some(*turn) == selected && n > 1;
        let from = top.saturating_sub(start);
        let to = (top + height - start).min(*len);
        for k in from..to {
            let y = (start + k - top) as u16;
            match seg {
                Seg::Blank => {}
                Seg::You | Seg::Header => {
                    if highlight {
                        fill_row(buf, inner, y, theme.selected);
                    }
                    let l = match seg {
                        Seg::You => &cache.you,
                        _ => &cache.header[k],
                    };
                    draw_line(buf, inner, y, 0, l);
                }
                Seg::Prompt => draw_line(buf, inner, y, INDENT, &cache.prompt[k]),
                Seg::Notes => draw_line(buf, inner, y, INDENT, &cache.notes[k]),
                Seg::Answer(id) => {
                    if let Some(l) = view.answers.get(id).and_then(|md| md.cached_line(k)) {
                        draw_line(buf, inner, y, INDENT, l);
                    }
                }
            }
        }
    }
    Measured {
        total,
        height,
        turn_starts,
        inner,
    }
}

fn draw_empty(frame: &mut Frame, inner: Rect, state: &State, theme: &Theme) {
    let k = &state.keymap;
    let mut lines = vec![
        Line::styled("Welcome to thinkbench.", theme.title),
        Line::default(),
        Line::styled(
            "Type a question below and press Enter. The model's reasoning streams into the pane on the right, its token use into the gauge below it.",
            theme.text,
        ),
        Line::default(),
        Line::from(vec![
            Span::styled(k.hint(Command::ToggleThinking), theme.key),
            Span::styled(" thinking on/off   ", theme.dim),
            Span::styled(k.hint(Command::EditBudget), theme.key),
            Span::styled(" budget   ", theme.dim),
            Span::styled(k.hint(Command::PickModel), theme.key),
            Span::styled(" model   ", theme.dim),
            Span::styled(k.hint(Command::Help), theme.key),
            Span::styled(" all keys", theme.dim),
        ]),
    ];
    if state.provider.demo {
        lines.push(Line::default());
        lines.push(Line::styled(
            "DEMO mode: no API key is set, so answers come from the built-in Model Studio simulator. Set DASHSCOPE_API_KEY to talk to the real service.",
            theme.warn,
        ));
    }
    let p = ratatui::widgets::Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true });
    let area = Rect {
        x: inner.x + 1,
        y: inner.y + 1,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(1),
    };
    frame.render_widget(p, area);
}
