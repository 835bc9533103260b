//! The conversation: prompts and answers (Markdown), each answer with a header that shows
//! the settings it was sent with and what it cost.
//!
//! Only what is visible is laid out. Each turn's lines are cached for (width, theme, shown
//! variant); a settled turn is laid out again only when one of those changes, a streaming one
//! every frame while it is on screen. A turn not laid out at the current width (after a
//! resize, or never seen) counts with an estimate of its height until it scrolls into view, so
//! a resize re-renders one screenful, not the whole history.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Ctx, draw_line, fill_row, pack, pane_block, spinner, wrapped_lines};
use crate::app::keymap::Command;
use crate::app::state::Scroll;
use crate::provider::route::Route;
use crate::session::{BudgetTrouble, Conversation, Status, Turn, Variant};
use crate::tui::format::{self, group};
use crate::tui::markdown::MarkdownView;
use crate::tui::theme::Theme;

/// What the pane shows.
pub struct ConversationView<'a> {
    pub conversation: &'a Conversation,
    /// The highlighted turn.
    pub selected: Option<usize>,
    pub scroll: Scroll,
    pub focused: bool,
    /// What the answers' models can do (for the retry hints).
    pub route: &'a Route,
    /// Demo mode (the welcome text says so).
    pub demo: bool,
    /// The pane's title instead of "Conversation · n messages" (a compare column's).
    pub title: Option<Line<'a>>,
    /// Offer the retry keys under an answer that ran out of room (not in compare columns,
    /// where they do not apply).
    pub retry_hints: bool,
}

/// What the pane measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub total: usize,
    pub height: usize,
    pub turn_starts: Vec<usize>,
    pub inner: Rect,
    /// Lines the drawn top is below the scroll position's top (see [`ConversationPane`]).
    pub shift: isize,
}

/// Indentation of message bodies.
const INDENT: u16 = 2;

/// What the cached lines of a turn were built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TurnKey {
    width: u16,
    theme: u64,
    /// The variant shown, and how many there are (the header says "variant 2/3").
    variant: Option<u64>,
    variants: usize,
    /// The shown variant is not running: its lines no longer change…
    settled: bool,
    /// …except when its final figures arrive after it stopped (a cancelled run reports its
    /// timings later).
    total_ms: Option<u64>,
}

impl TurnKey {
    fn of(turn: &Turn, width: u16, theme: u64) -> TurnKey {
        let v = turn.active();
        TurnKey {
            width,
            theme,
            variant: v.map(|v| v.id),
            variants: turn.variants.len(),
            settled: v.is_none_or(|v| !v.status.is_running()),
            total_ms: v.and_then(|v| v.timings.total),
        }
    }
}

/// The laid-out lines of one turn: `▌ You`, the prompt, a blank, then (with an answer) its
/// header, the answer's Markdown (kept in the pane's answer views) and notes, and a blank.
struct TurnCache {
    key: TurnKey,
    you: Line<'static>,
    prompt: Vec<Line<'static>>,
    header: Vec<Line<'static>>,
    notes: Vec<Line<'static>>,
    /// The answer's lines when laid out; `None` without an answer.
    answer: Option<(u64, usize)>,
}

impl TurnCache {
    fn height(&self) -> usize {
        let reply = self
            .answer
            .map_or(0, |(_, n)| self.header.len() + n + self.notes.len());
        1 + self.prompt.len() + 1 + reply + 1
    }
}

/// One row of a turn.
enum Row<'a> {
    Blank,
    /// `▌ You` and header lines: highlighted when the turn is selected.
    Head(&'a Line<'static>),
    Body(&'a Line<'static>),
}

/// The conversation pane.
#[derive(Default)]
pub struct ConversationPane {
    /// Per turn id.
    turns: HashMap<u64, TurnCache>,
    /// Per variant id.
    answers: HashMap<u64, MarkdownView>,
    /// When a turn above the top of the screen is laid out and its height was only an
    /// estimate, everything below it moves; the top moves with it by this many lines, so what
    /// is on screen stays put. Kept until the scroll position changes (`update` takes the
    /// shift into the new position: it is reported in the measurements).
    shift: isize,
    /// The scroll position `shift` belongs to.
    seen: Option<Scroll>,
    /// Turns laid out in the last frame (for tests of what is done per frame).
    #[cfg(test)]
    pub laid_out: usize,
}

impl ConversationPane {
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        view: ConversationView<'_>,
    ) -> Measured {
        let theme = ctx.theme;
        let turns = &view.conversation.turns;
        let n = turns.len();
        let title = view.title.clone().unwrap_or_else(|| {
            Line::from(vec![
                Span::raw(" Conversation "),
                Span::styled(
                    if n == 0 {
                        String::new()
                    } else {
                        format!("· {n} message{} ", if n == 1 { "" } else { "s" })
                    },
                    theme.meta,
                ),
            ])
        });
        let block = pane_block(theme, title, view.focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let height = inner.height as usize;
        if n == 0 && view.title.is_some() {
            let hint = Line::styled("The next message goes to every column.", theme.dim);
            draw_line(frame.buffer_mut(), inner, 0, 1, &hint);
            return Measured {
                height,
                inner,
                ..Measured::default()
            };
        }
        if n == 0 {
            draw_empty(frame, inner, ctx, view.demo);
            return Measured {
                height,
                inner,
                ..Measured::default()
            };
        }
        #[cfg(test)]
        {
            self.laid_out = 0;
        }
        if self.seen != Some(view.scroll) || view.scroll.follow {
            self.shift = 0;
            self.seen = Some(view.scroll);
        }

        // Heights: exact for turns laid out for this frame's key, estimated for the rest.
        let keys: Vec<TurnKey> = turns
            .iter()
            .map(|t| TurnKey::of(t, inner.width, theme.generation))
            .collect();
        let mut exact: Vec<bool> = turns
            .iter()
            .zip(&keys)
            .map(|(t, k)| k.settled && self.turns.get(&t.id).is_some_and(|c| c.key == *k))
            .collect();
        let mut heights: Vec<usize> = turns
            .iter()
            .zip(&exact)
            .map(|(t, &ok)| match self.turns.get(&t.id) {
                Some(c) if ok => c.height(),
                Some(c) => reflowed(c.height(), c.key.width, inner.width),
                None => estimate(t, inner.width),
            })
            .collect();

        // Lay out the turns in view until nothing in view is stale. Each pass lays out at
        // least one turn, and only turns on screen.
        let mut starts = Vec::with_capacity(n);
        let (mut total, mut top);
        loop {
            starts.clear();
            total = 0;
            for h in &heights {
                starts.push(total);
                total += h;
            }
            top = view.scroll.top_for(total, height);
            if !view.scroll.follow {
                let max = total.saturating_sub(height);
                top = (top as isize + self.shift).clamp(0, max as isize) as usize;
            }
            let stale: Vec<usize> = (0..n)
                .filter(|&i| !exact[i] && starts[i] < top + height && starts[i] + heights[i] > top)
                .collect();
            if stale.is_empty() {
                break;
            }
            for i in stale {
                let estimated = heights[i];
                heights[i] = self.lay_out(i, &turns[i], keys[i], ctx, &view);
                exact[i] = true;
                if !view.scroll.follow && starts[i] < top {
                    self.shift += heights[i] as isize - estimated as isize;
                }
            }
        }

        let buf = frame.buffer_mut();
        for (i, turn) in turns.iter().enumerate() {
            let (start, end) = (starts[i], starts[i] + heights[i]);
            if end <= top || start >= top + height {
                continue;
            }
            let Some(cache) = self.turns.get(&turn.id) else {
                continue;
            };
            let highlight = view.selected == Some(i) && n > 1;
            for k in top.saturating_sub(start)..(top + height - start).min(heights[i]) {
                let y = (start + k - top) as u16;
                match row(cache, &self.answers, k) {
                    Row::Blank => {}
                    Row::Head(l) => {
                        if highlight {
                            fill_row(buf, inner, y, theme.selected);
                        }
                        draw_line(buf, inner, y, 0, l);
                    }
                    Row::Body(l) => draw_line(buf, inner, y, INDENT, l),
                }
            }
        }
        Measured {
            total,
            height,
            turn_starts: starts,
            inner,
            shift: self.shift,
        }
    }

    /// Bring the cached lines of turn `i` up to date for `key`; returns its height.
    fn lay_out(
        &mut self,
        i: usize,
        turn: &Turn,
        key: TurnKey,
        ctx: &Ctx,
        view: &ConversationView<'_>,
    ) -> usize {
        #[cfg(test)]
        {
            self.laid_out += 1;
        }
        let theme = ctx.theme;
        let width = key.width.saturating_sub(INDENT).max(1);
        let old = self.turns.remove(&turn.id);
        let prompt = match old {
            Some(c) if c.key.width == key.width && c.key.theme == key.theme => c.prompt,
            _ => prompt_lines(&turn.prompt, width, ctx),
        };
        let you = Line::from(vec![
            Span::styled("▌ You", theme.user),
            Span::styled(format!("  #{}", i + 1), theme.meta),
        ]);
        let (header, notes, answer) = match turn.active() {
            Some(v) => {
                let md = self.answers.entry(v.id).or_default();
                let lines = md.lines(&v.reply.answer, width, theme).len();
                (
                    header_lines(v, turn, ctx.now_ms, key.width, theme),
                    body_notes(v, ctx, view.route, view.retry_hints, width),
                    Some((v.id, lines)),
                )
            }
            None => (Vec::new(), Vec::new(), None),
        };
        let cache = TurnCache {
            key,
            you,
            prompt,
            header,
            notes,
            answer,
        };
        let h = cache.height();
        self.turns.insert(turn.id, cache);
        h
    }
}

/// A prompt of more rows than this is folded to its first [`PROMPT_HEAD`] rows and a line
/// that says how long it is (a pasted file of 100,000 lines is not scrolled through in the
/// conversation; it was sent whole, and copying the message copies it whole).
const PROMPT_FOLD: usize = 40;
const PROMPT_HEAD: usize = 12;

/// The rows of prompt `text` at `width`: all of them, or folded. Only the head of a long
/// prompt is wrapped, so a 10 MB prompt costs what a short one does.
fn prompt_lines(text: &str, width: u16, ctx: &Ctx) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    // Enough text for one row more than the fold: PROMPT_FOLD + 1 source lines, each at most
    // that many rows of four bytes a column.
    let rows = PROMPT_FOLD + 1;
    let whole = text;
    let text = text.trim_end_matches(['\n', '\r']);
    let mut end = text
        .match_indices('\n')
        .nth(rows - 1)
        .map_or(text.len(), |(i, _)| i);
    end = end.min(rows * width as usize * 4);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut lines = wrapped_lines(&text[..end], width, theme.text);
    if end == text.len() && lines.len() <= PROMPT_FOLD {
        return lines;
    }
    lines.truncate(PROMPT_HEAD);
    let note = format!(
        "⋯ {} lines, {} in all: the whole prompt was sent ({} copies the message)",
        group(whole.lines().count() as u64),
        crate::text::size(whole.len()),
        ctx.keymap.hint(Command::CopyMessage)
    );
    lines.extend(wrapped_lines(&note, width, theme.meta));
    lines
}

/// Row `k` of a laid-out turn.
fn row<'a>(c: &'a TurnCache, answers: &'a HashMap<u64, MarkdownView>, k: usize) -> Row<'a> {
    let mut k = k;
    if k == 0 {
        return Row::Head(&c.you);
    }
    k -= 1;
    if k < c.prompt.len() {
        return Row::Body(&c.prompt[k]);
    }
    k -= c.prompt.len();
    if k == 0 {
        return Row::Blank;
    }
    k -= 1;
    let Some((id, answer_len)) = c.answer else {
        return Row::Blank;
    };
    if k < c.header.len() {
        return Row::Head(&c.header[k]);
    }
    k -= c.header.len();
    if k < answer_len {
        return match answers.get(&id).and_then(|md| md.cached_line(k)) {
            Some(l) => Row::Body(l),
            None => Row::Blank,
        };
    }
    k -= answer_len;
    match c.notes.get(k) {
        Some(l) => Row::Body(l),
        None => Row::Blank,
    }
}

/// A height laid out at `from` columns, as it may be at `to` columns.
fn reflowed(height: usize, from: u16, to: u16) -> usize {
    if from == to || to == 0 {
        return height;
    }
    (height * from as usize).div_ceil(to as usize).max(4)
}

/// A rough height for a turn never laid out: its text as if it were one paragraph.
fn estimate(turn: &Turn, width: u16) -> usize {
    let w = (width.saturating_sub(INDENT) as usize).max(1);
    let prompt = turn.prompt.len().div_ceil(w).clamp(1, PROMPT_FOLD);
    let answer = turn
        .active()
        .map_or(0, |v| 1 + v.reply.answer.len().div_ceil(w));
    3 + prompt + answer
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

fn body_notes(
    v: &Variant,
    ctx: &Ctx,
    route: &Route,
    retry_hints: bool,
    width: u16,
) -> Vec<Line<'static>> {
    let theme = ctx.theme;
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
                wrap_styled(
                    &format!(
                        "thinking… {approx}{} tokens so far (see the reasoning pane)",
                        group(n)
                    ),
                    theme.dim,
                    &mut out,
                );
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
    if let Some(trouble) = v.budget_trouble().filter(|_| retry_hints) {
        let k5 = ctx.keymap.hint(Command::RetryBiggerBudget);
        let k6 = ctx.keymap.hint(Command::RetryWithoutThinking);
        let text = match trouble {
            BudgetTrouble::BudgetSpent { budget } => format!(
                "⚠ the thinking budget ({}) ran out: {k5} retries with {} · {k6} retries without thinking",
                group(budget as u64),
                group(budget as u64 * 2)
            ),
            BudgetTrouble::LengthWithoutAnswer if route.capabilities(&v.settings.model).budget => {
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

fn draw_empty(frame: &mut Frame, inner: Rect, ctx: &Ctx, demo: bool) {
    let (k, theme) = (ctx.keymap, ctx.theme);
    let mut lines = vec![
        Line::styled("Welcome to thinkbench.", theme.title),
        Line::default(),
        Line::styled(
            format!(
                "Type a question below and press {}. The model's reasoning streams into the pane on the right, its token use into the gauge below it.",
                k.hint(Command::Send)
            ),
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
    if demo {
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
