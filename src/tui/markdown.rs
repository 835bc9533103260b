//! Streaming Markdown → styled, wrapped lines.
//!
//! The answer text only grows while it streams. [`MarkdownView`] splits it into blocks as it
//! arrives: a block is finished by a blank line followed by an unindented line (outside a code
//! fence), or by the closing fence of a code block. Finished blocks are rendered once per
//! (width, theme) and kept; only the still-open last block is rendered again, and only when
//! the text changed. An open fenced code block at the start of a block is rendered line by
//! line, keeping the highlighter state, so a long streaming code block costs only its new
//! lines.
//!
//! Every piece of model text is made inert (control characters become visible stand-ins in
//! the theme's `inert` style) before it is put in a span.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::highlight::{CodeHighlighter, Highlighter, StyledLine};
use super::theme::Theme;
use unicode_segmentation::UnicodeSegmentation;

use super::wrap::{Growth, Mode, expand_tabs, grapheme_width, str_width, wrap_spans};
use crate::text::display;

/// A rendered row before it becomes a [`Line`].
type Row = Vec<Span<'static>>;

/// Renders an append-only Markdown text, caching finished blocks.
pub struct MarkdownView {
    seen: Growth,
    /// The width and theme that `out` was rendered for.
    key: Option<(u16, Theme)>,
    splitter: Splitter,
    out: Vec<Line<'static>>,
    /// Finished blocks rendered into `out`, and the number of lines they take.
    done_blocks: usize,
    done_lines: usize,
    open_code: Option<OpenCode>,
    /// `out` is up to date with the text seen.
    fresh: bool,
    #[cfg(test)]
    block_renders: usize,
}

/// A fenced code block still streaming, rendered a line at a time.
struct OpenCode {
    block_start: usize,
    highlighter: CodeHighlighter<'static>,
    /// Source up to here (whole lines) is rendered into `out[..stable_lines]`.
    consumed: usize,
    stable_lines: usize,
}

impl Default for MarkdownView {
    fn default() -> Self {
        Self::new()
    }
}

impl MarkdownView {
    pub fn new() -> Self {
        MarkdownView {
            seen: Growth::default(),
            key: None,
            splitter: Splitter::default(),
            out: Vec::new(),
            done_blocks: 0,
            done_lines: 0,
            open_code: None,
            fresh: false,
            #[cfg(test)]
            block_renders: 0,
        }
    }

    /// Lines for `text` at `width`. `text` has only grown since the last call (or is entirely
    /// different → start over). Finished blocks are rendered once per (width, theme); only the
    /// still-growing last block is rendered again, and only when the text changed.
    pub fn lines(&mut self, text: &str, width: u16, theme: &Theme) -> &[Line<'static>] {
        let width = width.max(1);
        if !self.seen.extends(text) {
            self.start_over();
        }
        if !matches!(&self.key, Some((w, t)) if *w == width && t == theme) {
            self.key = Some((width, theme.clone()));
            self.forget_rendering();
        } else if self.fresh && text.len() == self.seen.len() {
            return &self.out;
        }
        self.splitter.advance(text);
        self.render_finished(text, usize::from(width), theme);
        self.render_open(text, usize::from(width), theme);
        self.seen.record(text);
        self.fresh = true;
        &self.out
    }

    /// How many lines the last call to [`MarkdownView::lines`] produced (no rendering).
    pub fn cached_len(&self) -> usize {
        self.out.len()
    }

    /// Line `i` of the last call to [`MarkdownView::lines`] (no rendering).
    pub fn cached_line(&self, i: usize) -> Option<&Line<'static>> {
        self.out.get(i)
    }

    fn start_over(&mut self) {
        self.seen = Growth::default();
        self.splitter = Splitter::default();
        self.forget_rendering();
    }

    fn forget_rendering(&mut self) {
        self.out.clear();
        self.done_blocks = 0;
        self.done_lines = 0;
        self.open_code = None;
        self.fresh = false;
    }

    fn render_finished(&mut self, text: &str, width: usize, theme: &Theme) {
        while let Some(range) = self.splitter.blocks.get(self.done_blocks).cloned() {
            self.out.truncate(self.done_lines);
            self.open_code = None;
            let rows = self.render_block(&text[range], width, theme);
            self.append_block(rows);
            self.done_blocks += 1;
            self.done_lines = self.out.len();
        }
    }

    fn render_open(&mut self, text: &str, width: usize, theme: &Theme) {
        if let Some(fence) = self.splitter.open_code().cloned() {
            self.render_open_code(text, &fence, width, theme);
            return;
        }
        self.open_code = None;
        self.out.truncate(self.done_lines);
        let source = &text[self.splitter.block_start..];
        if !source.trim().is_empty() {
            let rows = self.render_block(source, width, theme);
            self.append_block(rows);
        }
    }

    /// The open block is the code `fence`: render the whole lines not rendered yet, then the
    /// line still being written (unless it is the closing fence).
    fn render_open_code(&mut self, text: &str, fence: &Fence, width: usize, theme: &Theme) {
        let block_start = self.splitter.block_start;
        if self.open_code.as_ref().map(|c| c.block_start) != Some(block_start) {
            self.out.truncate(self.done_lines);
            self.append_block(vec![code_header(&fence.lang, width, theme)]);
            self.open_code = Some(OpenCode {
                block_start,
                highlighter: Highlighter::get().start(&fence.lang, &theme.syntax, theme.no_color),
                consumed: fence.body_start,
                stable_lines: self.out.len(),
            });
        }
        let Some(code) = self.open_code.as_mut() else {
            return;
        };
        self.out.truncate(code.stable_lines);
        let scanned = self.splitter.scanned;
        for line in text[code.consumed..scanned].split_inclusive('\n') {
            let rows = code_rows(code.highlighter.line(line), width, theme);
            self.out.extend(rows.into_iter().map(Line::from));
        }
        code.consumed = scanned;
        code.stable_lines = self.out.len();
        let partial = &text[scanned..];
        if !partial.is_empty() && !fence.closed_by(partial) {
            let rows = code_rows(code.highlighter.peek(partial), width, theme);
            self.out.extend(rows.into_iter().map(Line::from));
        }
    }

    /// Append a block's rows, with a blank line between blocks.
    fn append_block(&mut self, rows: Vec<Row>) {
        if rows.is_empty() {
            return;
        }
        if !self.out.is_empty() {
            self.out.push(Line::default());
        }
        self.out.extend(rows.into_iter().map(Line::from));
    }

    fn render_block(&mut self, source: &str, width: usize, theme: &Theme) -> Vec<Row> {
        #[cfg(test)]
        {
            self.block_renders += 1;
        }
        render_block(source, width, theme)
    }
}

// ---------------------------------------------------------------------------------------------
// Block splitting

/// An open code fence found by the splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fence {
    ch: u8,
    len: usize,
    indent: usize,
    line_start: usize,
    /// Where the code starts (after the fence line).
    body_start: usize,
    lang: String,
}

impl Fence {
    /// The fence opened by `line` (without its line ending), which spans `start..end`.
    fn opened_by(line: &str, start: usize, end: usize) -> Option<Fence> {
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - rest.len();
        let ch = *rest.as_bytes().first()?;
        if ch != b'`' && ch != b'~' {
            return None;
        }
        let len = rest.bytes().take_while(|&b| b == ch).count();
        let info = &rest[len..];
        if len < 3 || (ch == b'`' && info.contains('`')) {
            return None;
        }
        Some(Fence {
            ch,
            len,
            indent,
            line_start: start,
            body_start: end,
            lang: lang_of(info),
        })
    }

    fn closed_by(&self, line: &str) -> bool {
        let rest = line.trim_start_matches(' ');
        let run = rest.bytes().take_while(|&b| b == self.ch).count();
        line.len() - rest.len() <= self.indent + 3
            && run >= self.len
            && rest[run..].trim().is_empty()
    }
}

/// The language token of a fence info string ("rust", "python {.x}" → "python").
fn lang_of(info: &str) -> String {
    info.split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

/// `line` starts a list item ("- x", "* x", "+ x", "1. x", "2) x").
fn is_list_item(line: &str) -> bool {
    let rest = line.trim_start_matches([' ', '\t']);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = match digits {
        0 => rest.strip_prefix(['-', '*', '+']),
        1..=9 => rest[digits..].strip_prefix(['.', ')']),
        _ => None,
    };
    after.is_some_and(|a| a.is_empty() || a.starts_with([' ', '\t']))
}

/// Finds block boundaries in the text incrementally, one whole line at a time.
#[derive(Debug, Default)]
struct Splitter {
    /// Whole lines up to here have been examined.
    scanned: usize,
    /// The open (last) block starts here.
    block_start: usize,
    /// A blank line ended the open block's content: the next line starts a new block unless
    /// it is indented under a list item.
    pending: bool,
    /// The open block has a list item (whose content may go on after a blank line).
    list: bool,
    fence: Option<Fence>,
    /// Finished blocks.
    blocks: Vec<Range<usize>>,
}

impl Splitter {
    fn advance(&mut self, text: &str) {
        while let Some(nl) = text[self.scanned..].find('\n') {
            let (start, end) = (self.scanned, self.scanned + nl + 1);
            self.line(&text[start..end], start, end);
            self.scanned = end;
        }
    }

    fn line(&mut self, line: &str, start: usize, end: usize) {
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(fence) = &self.fence {
            if fence.closed_by(line) {
                let top_level = fence.indent == 0;
                self.fence = None;
                if top_level {
                    self.finish(end);
                }
            }
            return;
        }
        if line.trim().is_empty() {
            if self.block_start == start {
                self.block_start = end;
            } else {
                self.pending = true;
            }
            return;
        }
        if self.pending && !(self.list && line.starts_with([' ', '\t'])) {
            self.finish(start);
        }
        self.pending = false;
        self.list |= is_list_item(line);
        self.fence = Fence::opened_by(line, start, end);
    }

    fn finish(&mut self, at: usize) {
        if at > self.block_start {
            self.blocks.push(self.block_start..at);
        }
        self.block_start = at;
        self.pending = false;
        self.list = false;
    }

    /// The open fence, if the open block is that fence and its code so far, at the margin.
    fn open_code(&self) -> Option<&Fence> {
        self.fence
            .as_ref()
            .filter(|f| f.indent == 0 && f.line_start == self.block_start)
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering one block

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Render one block of Markdown (any number of top-level elements) to rows at most `width`
/// columns wide.
fn render_block(source: &str, width: usize, theme: &Theme) -> Vec<Row> {
    let mut r = Renderer::new(theme, width);
    for event in Parser::new_ext(source, options()) {
        r.event(event);
    }
    r.flush_inline();
    r.out
}

enum Container {
    Quote,
    List(Option<u64>),
    Item { marker: String, first: bool },
}

#[derive(Default)]
struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Row>>,
    head_rows: usize,
}

/// Walks the pulldown-cmark events of one block and produces rows.
struct Renderer<'t> {
    theme: &'t Theme,
    width: usize,
    out: Vec<Row>,
    containers: Vec<Container>,
    /// Inline style patches (emphasis, links…), innermost last.
    styles: Vec<Style>,
    /// Logical lines of the leaf block being collected.
    inline: Vec<Row>,
    /// A blank line goes before the next leaf block.
    pending_blank: bool,
    heading: Option<HeadingLevel>,
    /// Language and text of the code block being collected.
    code: Option<(String, String)>,
    table: Option<Table>,
    /// URL and text so far of each open link or image.
    links: Vec<(String, String)>,
}

impl<'t> Renderer<'t> {
    fn new(theme: &'t Theme, width: usize) -> Self {
        Renderer {
            theme,
            width: width.max(1),
            out: Vec::new(),
            containers: Vec::new(),
            styles: Vec::new(),
            inline: Vec::new(),
            pending_blank: false,
            heading: None,
            code: None,
            table: None,
            links: Vec::new(),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t, self.style()),
            Event::Code(t) => self.text(&t, self.style().patch(self.theme.code)),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(&t, self.style().patch(self.theme.code))
            }
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t, self.style()),
            Event::FootnoteReference(t) => {
                self.text(&format!("[^{t}]"), self.style().patch(self.theme.link))
            }
            Event::SoftBreak => self.text(" ", self.style()),
            Event::HardBreak => self.inline.push(Vec::new()),
            Event::Rule => self.rule(),
            Event::TaskListMarker(done) => {
                let marker = if done { "[x] " } else { "[ ] " };
                self.text(marker, self.style().patch(self.theme.list_marker));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.flush_inline(),
            Tag::Heading { level, .. } => {
                self.flush_inline();
                self.heading = Some(level);
                if level > HeadingLevel::H2 {
                    let hashes = format!("{} ", "#".repeat(level as usize));
                    self.text(&hashes, self.style());
                }
            }
            Tag::BlockQuote(_) => {
                self.flush_inline();
                if self.pending_blank && !self.out.is_empty() {
                    self.blank();
                }
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.flush_inline();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => lang_of(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.flush_inline();
                self.containers.push(Container::List(start));
            }
            Tag::Item => {
                self.flush_inline();
                let marker = self.next_marker();
                self.containers.push(Container::Item {
                    marker,
                    first: true,
                });
            }
            Tag::Table(aligns) => {
                self.flush_inline();
                self.table = Some(Table {
                    aligns,
                    ..Table::default()
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
                if matches!(tag, Tag::TableHead) {
                    self.styles.push(self.theme.strong);
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => self.styles.push(self.theme.emphasis),
            Tag::Strong => self.styles.push(self.theme.strong),
            Tag::Strikethrough => self
                .styles
                .push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.styles.push(self.theme.link);
                self.links.push((dest_url.to_string(), String::new()));
            }
            Tag::Image { dest_url, .. } => {
                self.styles.push(self.theme.link);
                self.text("[image: ", self.style());
                self.links.push((dest_url.to_string(), String::new()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => {
                self.flush_inline();
                self.pending_blank = true;
            }
            TagEnd::Heading(level) => self.end_heading(level),
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.pending_blank = true;
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::List(_) => {
                self.flush_inline();
                self.containers.pop();
                if !self.in_item() {
                    self.pending_blank = true;
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                if matches!(
                    self.containers.last(),
                    Some(Container::Item { first: true, .. })
                ) {
                    self.emit(Vec::new()); // an empty item still shows its marker
                }
                self.containers.pop();
            }
            TagEnd::TableCell => {
                let cell: Row = std::mem::take(&mut self.inline)
                    .into_iter()
                    .flatten()
                    .collect();
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::TableHead => {
                self.styles.pop();
                if let Some(t) = &mut self.table {
                    t.head_rows = t.rows.len();
                }
            }
            TagEnd::Table => self.end_table(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                let url = self.end_link();
                self.show_url(url);
            }
            TagEnd::Image => {
                let url = self.end_link();
                self.text("]", self.style());
                self.styles.pop();
                self.show_url(url);
            }
            _ => {}
        }
    }

    // --- styles and text

    fn style(&self) -> Style {
        let t = self.theme;
        let mut style = t.text;
        if self
            .containers
            .iter()
            .any(|c| matches!(c, Container::Quote))
        {
            style = style.patch(t.quote);
        }
        if self.heading.is_some() {
            style = style.patch(t.heading);
        }
        self.styles.iter().fold(style, |s, p| s.patch(*p))
    }

    /// Add model text to the code block or the inline content being collected.
    fn text(&mut self, text: &str, style: Style) {
        if let Some((_, code)) = &mut self.code {
            code.push_str(text);
            return;
        }
        for (_, link_text) in &mut self.links {
            link_text.push_str(text);
        }
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                self.inline.push(Vec::new());
            }
            self.push_inert(piece, style);
        }
    }

    /// Push `piece`, made inert; the replaced characters get the `inert` style.
    fn push_inert(&mut self, piece: &str, style: Style) {
        let piece = expand_tabs(piece);
        if let Cow::Borrowed(_) = display(&piece) {
            self.push_span(&piece, style);
            return;
        }
        let mut buf = [0u8; 4];
        for c in piece.chars() {
            match display(c.encode_utf8(&mut buf)) {
                Cow::Borrowed(s) => self.push_span(s, style),
                Cow::Owned(s) => self.push_span(&s, style.patch(self.theme.inert)),
            }
        }
    }

    fn push_span(&mut self, s: &str, style: Style) {
        if s.is_empty() {
            return;
        }
        if self.inline.is_empty() {
            self.inline.push(Vec::new());
        }
        let Some(line) = self.inline.last_mut() else {
            return;
        };
        match line.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(s),
            _ => line.push(Span::styled(s.to_string(), style)),
        }
    }

    /// Close the innermost link or image: its URL, unless the text already shows it.
    fn end_link(&mut self) -> Option<String> {
        let (url, text) = self.links.pop()?;
        let shown = text.trim();
        let same = url.is_empty()
            || url == shown
            || url.strip_prefix("mailto:") == Some(shown)
            || url.trim_end_matches('/') == shown.trim_end_matches('/');
        (!same).then_some(url)
    }

    /// The URL after a link's text, dimmed, in parentheses.
    fn show_url(&mut self, url: Option<String>) {
        if let Some(url) = url {
            self.text(&format!(" ({url})"), self.style().patch(self.theme.dim));
        }
    }

    // --- containers and prefixes

    fn in_item(&self) -> bool {
        self.containers
            .iter()
            .any(|c| matches!(c, Container::Item { .. }))
    }

    fn next_marker(&mut self) -> String {
        let depth = self
            .containers
            .iter()
            .filter(|c| matches!(c, Container::List(_)))
            .count();
        match self.containers.last_mut() {
            Some(Container::List(Some(n))) => {
                let marker = format!("{n}. ");
                *n += 1;
                marker
            }
            _ => format!("{} ", ["•", "◦", "▪"][depth.saturating_sub(1) % 3]),
        }
    }

    /// The gutter and indentation for the next row; `consume` takes pending item markers.
    fn prefix(&mut self, consume: bool) -> Row {
        let (quote, marker) = (
            self.theme.text.patch(self.theme.quote),
            self.theme.list_marker,
        );
        let mut spans = Vec::new();
        for c in &mut self.containers {
            match c {
                Container::Quote => spans.push(Span::styled("│ ", quote)),
                Container::Item { marker: m, first } if *first && consume => {
                    spans.push(Span::styled(m.clone(), marker));
                    *first = false;
                }
                Container::Item { marker: m, .. } => {
                    spans.push(Span::raw(" ".repeat(str_width(m))))
                }
                Container::List(_) => {}
            }
        }
        spans
    }

    fn prefix_width(&self) -> usize {
        self.containers
            .iter()
            .map(|c| match c {
                Container::Quote => 2,
                Container::Item { marker, .. } => str_width(marker),
                Container::List(_) => 0,
            })
            .sum()
    }

    /// Columns left for content after the prefix (at least one).
    fn avail(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    /// Emit a content row behind the prefix; a prefix too wide for the width is cut.
    fn emit(&mut self, content: Row) {
        let mut row = self.prefix(true);
        let room = self.width.saturating_sub(str_width_of(&content));
        if str_width_of(&row) > room {
            row = cut(&row, room);
        }
        row.extend(content);
        self.out.push(row);
    }

    fn blank(&mut self) {
        let mut row = self.prefix(false);
        while let Some(last) = row.last_mut() {
            let trimmed = last.content.trim_end().to_string();
            if trimmed.is_empty() {
                row.pop();
            } else {
                last.content = trimmed.into();
                break;
            }
        }
        self.out.push(cut(&row, self.width));
        self.pending_blank = false;
    }

    /// Called before a leaf block's first row: the blank line between blocks.
    fn begin_leaf(&mut self) {
        if self.pending_blank && !self.out.is_empty() {
            self.blank();
        }
        self.pending_blank = false;
    }

    // --- leaf blocks

    /// Wrap and emit the inline content collected so far (a paragraph, a tight list item…).
    fn flush_inline(&mut self) {
        let lines = std::mem::take(&mut self.inline);
        if lines.iter().all(|l| l.is_empty()) {
            return;
        }
        self.begin_leaf();
        let avail = self.avail();
        for line in lines {
            for row in wrap_spans(&line, avail, Mode::Words) {
                self.emit(row);
            }
        }
    }

    fn end_heading(&mut self, level: HeadingLevel) {
        let lines = std::mem::take(&mut self.inline);
        self.begin_leaf();
        let avail = self.avail();
        let mut widest = 0;
        for line in lines {
            for row in wrap_spans(&line, avail, Mode::Words) {
                widest = widest.max(str_width_of(&row));
                self.emit(row);
            }
        }
        let underline = match level {
            HeadingLevel::H1 => "═",
            HeadingLevel::H2 => "─",
            _ => "",
        };
        if !underline.is_empty() && widest > 0 {
            let style = self.style();
            self.emit(vec![Span::styled(underline.repeat(widest), style)]);
        }
        self.heading = None;
        self.pending_blank = true;
    }

    fn rule(&mut self) {
        self.flush_inline();
        self.begin_leaf();
        let rule = Span::styled("─".repeat(self.avail()), self.theme.rule);
        self.emit(vec![rule]);
        self.pending_blank = true;
    }

    fn end_code(&mut self) {
        let Some((lang, code)) = self.code.take() else {
            return;
        };
        self.begin_leaf();
        let avail = self.avail();
        self.emit(code_header(&lang, avail, self.theme));
        let mut highlighter =
            Highlighter::get().start(&lang, &self.theme.syntax, self.theme.no_color);
        for line in code.split_inclusive('\n') {
            for row in code_rows(highlighter.line(line), avail, self.theme) {
                self.emit(row);
            }
        }
        self.pending_blank = true;
    }

    fn end_table(&mut self) {
        let Some(table) = self.table.take() else {
            return;
        };
        self.begin_leaf();
        for row in table_rows(table, self.avail(), self.theme) {
            self.emit(row);
        }
        self.pending_blank = true;
    }
}

fn str_width_of(row: &[Span<'_>]) -> usize {
    row.iter().map(|s| str_width(&s.content)).sum()
}

/// The first `width` columns of `row`.
fn cut(row: &[Span<'_>], width: usize) -> Row {
    if width == 0 {
        return Vec::new();
    }
    wrap_spans(row, width, Mode::Chars)
        .into_iter()
        .next()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Code blocks

/// Left (and right) padding inside a code block, when there is room for it.
fn code_padding(width: usize) -> usize {
    if width >= 4 { 1 } else { 0 }
}

/// The row above a code block: its language, on the block background.
fn code_header(lang: &str, width: usize, theme: &Theme) -> Row {
    let pad = code_padding(width);
    let label = Span::styled(
        display(lang).into_owned(),
        theme.code_block.patch(theme.dim),
    );
    let label = cut(&[label], width.saturating_sub(2 * pad));
    fill_row(label, width, theme.code_block)
}

/// The rows of one source line: hard-wrapped, with the block background across the width.
fn code_rows(line: StyledLine, width: usize, theme: &Theme) -> Vec<Row> {
    let base = theme.text.patch(theme.code_block);
    let spans: Row = line
        .into_iter()
        .map(|(style, text)| Span::styled(expand_tabs(&text).into_owned(), base.patch(style)))
        .collect();
    let inner = width.saturating_sub(2 * code_padding(width)).max(1);
    wrap_spans(&spans, inner, Mode::Chars)
        .into_iter()
        .map(|row| fill_row(row, width, theme.code_block))
        .collect()
}

/// `content` behind the left padding and followed by spaces up to `width`, in `bg`.
fn fill_row(content: Row, width: usize, bg: Style) -> Row {
    let pad = code_padding(width);
    let mut row = Vec::with_capacity(content.len() + 2);
    if pad > 0 {
        row.push(Span::styled(" ".repeat(pad), bg));
    }
    let used = pad + str_width_of(&content);
    row.extend(content);
    if used < width {
        row.push(Span::styled(" ".repeat(width - used), bg));
    }
    row
}

// ---------------------------------------------------------------------------------------------
// Tables

/// Rows of a table drawn with box-drawing borders, at most `width` columns wide. Columns
/// shrink (and their cells wrap) when the natural widths do not fit.
fn table_rows(table: Table, width: usize, theme: &Theme) -> Vec<Row> {
    let cols = table
        .rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(table.aligns.len());
    if cols == 0 {
        return Vec::new();
    }
    let column = |c: usize| table.rows.iter().filter_map(move |r| r.get(c));
    let natural: Vec<usize> = (0..cols)
        .map(|c| {
            column(c)
                .map(|cell| str_width_of(cell))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    // A column is never narrower than its widest character.
    let least: Vec<usize> = (0..cols)
        .map(|c| {
            column(c)
                .map(|cell| widest_grapheme(cell))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    let overhead = 3 * cols + 1;
    if width < overhead + least.iter().sum::<usize>() {
        return table_as_text(&table, width, theme);
    }
    let widths = fit_columns(&natural, &least, width - overhead);
    let border = |l: &str, m: &str, r: &str| {
        let mut s = String::from(l);
        for (i, w) in widths.iter().enumerate() {
            s.push_str(&"─".repeat(w + 2));
            s.push_str(if i + 1 == cols { r } else { m });
        }
        vec![Span::styled(s, theme.table)]
    };
    let mut out = vec![border("┌", "┬", "┐")];
    for (i, row) in table.rows.iter().enumerate() {
        if i > 0 && i == table.head_rows {
            out.push(border("├", "┼", "┤"));
        }
        out.extend(table_row(row, &widths, &table.aligns, theme));
    }
    out.push(border("└", "┴", "┘"));
    out
}

/// The display rows of one table row: every cell wrapped to its column, padded to align.
fn table_row(cells: &[Row], widths: &[usize], aligns: &[Alignment], theme: &Theme) -> Vec<Row> {
    let empty = Vec::new();
    let wrapped: Vec<Vec<Row>> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| wrap_spans(cells.get(c).unwrap_or(&empty), w, Mode::Words))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    (0..height)
        .map(|line| {
            let mut row = vec![Span::styled("│", theme.table)];
            for (c, &w) in widths.iter().enumerate() {
                let content = wrapped[c].get(line).cloned().unwrap_or_default();
                let align = aligns.get(c).copied().unwrap_or(Alignment::None);
                row.push(Span::raw(" "));
                row.extend(align_cell(content, w, align));
                row.push(Span::raw(" "));
                row.push(Span::styled("│", theme.table));
            }
            row
        })
        .collect()
}

fn align_cell(content: Row, width: usize, align: Alignment) -> Row {
    let free = width.saturating_sub(str_width_of(&content));
    let left = match align {
        Alignment::Right => free,
        Alignment::Center => free / 2,
        Alignment::Left | Alignment::None => 0,
    };
    let mut row = Vec::with_capacity(content.len() + 2);
    if left > 0 {
        row.push(Span::raw(" ".repeat(left)));
    }
    row.extend(content);
    if free > left {
        row.push(Span::raw(" ".repeat(free - left)));
    }
    row
}

fn widest_grapheme(cell: &[Span<'_>]) -> usize {
    cell.iter()
        .flat_map(|s| s.content.graphemes(true))
        .map(grapheme_width)
        .max()
        .unwrap_or(0)
}

/// Column widths summing to at most `budget` (which is at least the sum of `least`): the
/// natural widths if they fit, otherwise the widest columns are capped at a common width, no
/// column going below its `least`.
fn fit_columns(natural: &[usize], least: &[usize], budget: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let capped = |cap: usize| {
        natural
            .iter()
            .zip(least)
            .map(|(&n, &l)| n.min(cap).max(l))
            .collect::<Vec<_>>()
    };
    let (mut lo, mut hi) = (1, natural.iter().copied().max().unwrap_or(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if capped(mid).iter().sum::<usize>() <= budget {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    let mut widths = capped(lo);
    // The columns left (fewer than those still capped) go to the widest columns.
    let mut left = budget.saturating_sub(widths.iter().sum());
    let mut order: Vec<usize> = (0..natural.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(natural[c]));
    for c in order {
        if left > 0 && natural[c] > widths[c] {
            widths[c] += 1;
            left -= 1;
        }
    }
    widths
}

/// A table too wide for any layout: each row as one wrapped line of cells.
fn table_as_text(table: &Table, width: usize, theme: &Theme) -> Vec<Row> {
    let mut out = Vec::new();
    for row in &table.rows {
        let mut line: Row = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push(Span::styled(" │ ", theme.table));
            }
            line.extend(cell.iter().cloned());
        }
        out.extend(wrap_spans(&line, width, Mode::Words));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn theme() -> Theme {
        Theme::builtin("dark")
    }

    fn render(text: &str, width: u16) -> Vec<Line<'static>> {
        MarkdownView::new().lines(text, width, &theme()).to_vec()
    }

    fn text_of(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn texts(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(text_of).collect()
    }

    fn width_of(line: &Line<'_>) -> usize {
        str_width_of(&line.spans)
    }

    /// The span holding `needle` in the first line that has it.
    fn span_with<'a>(lines: &'a [Line<'static>], needle: &str) -> &'a Span<'static> {
        lines
            .iter()
            .flat_map(|l| l.spans.iter())
            .find(|s| s.content.contains(needle))
            .unwrap_or_else(|| panic!("no span contains {needle:?} in {:?}", texts(lines)))
    }

    const SAMPLE: &str = "# Title with *emphasis*\n\nA paragraph with **bold**, *italic*, ~~gone~~, `code` and a [link](https://example.com) \
that goes on long enough to need wrapping at most widths.\nSoft break here.  \nHard break above.\n\n\
## Lists\n\n- one\n- two with a longer text that wraps around the edge of a narrow pane\n  - nested\n  - [x] done task\n- three\n\n\
1. first\n2. second\n\n   second's paragraph\n\n3. third\n\n\
> Quoted **text** that is long enough to wrap in a narrow pane.\n>\n> > nested quote\n\n\
```rust\nfn main() {\n\tprintln!(\"hello, a very long line of code that must be hard wrapped somewhere\");\n}\n```\n\n\
| Name | 值 | Notes |\n|:-----|:--:|------:|\n| 你好 | 世界 | short |\n| a | b | a much longer cell that has to wrap when the pane is narrow |\n\n\
---\n\n### Third level\n\n~~~\nplain\n\n\nblock with blank lines\n~~~\n\nThe end: 中文字符和 emoji 😊👨‍👩‍👧 mixed in.\n";

    #[test]
    fn headings_use_the_heading_style() {
        let t = theme();
        let lines = render("# Big title\n\n## Smaller\n\n### Third", 40);
        assert_eq!(
            texts(&lines),
            [
                "Big title",
                "═════════",
                "",
                "Smaller",
                "───────",
                "",
                "### Third"
            ]
        );
        assert_eq!(lines[0].spans[0].style, t.text.patch(t.heading));
        assert_eq!(span_with(&lines, "Third").style, t.text.patch(t.heading));
    }

    #[test]
    fn inline_styles() {
        let t = theme();
        let lines = render("plain **bold** *it* ~~x~~ `code`", 80);
        assert_eq!(texts(&lines), ["plain bold it x code"]);
        assert_eq!(span_with(&lines, "plain").style, t.text);
        assert_eq!(span_with(&lines, "bold").style, t.text.patch(t.strong));
        assert_eq!(span_with(&lines, "it").style, t.text.patch(t.emphasis));
        assert!(
            span_with(&lines, "x")
                .style
                .add_modifier
                .contains(Modifier::CROSSED_OUT)
        );
        assert_eq!(span_with(&lines, "code").style, t.text.patch(t.code));
    }

    #[test]
    fn links_show_their_url_when_it_differs() {
        let t = theme();
        let lines = render("see [docs](https://d.rs/x) or <https://a.b/>", 80);
        assert_eq!(texts(&lines), ["see docs (https://d.rs/x) or https://a.b/"]);
        assert_eq!(span_with(&lines, "docs").style, t.text.patch(t.link));
        assert_eq!(
            span_with(&lines, "(https://d.rs/x)").style,
            t.text.patch(t.dim)
        );
        let lines = render("![a cat](cat.png)", 80);
        assert_eq!(texts(&lines), ["[image: a cat] (cat.png)"]);
    }

    #[test]
    fn soft_and_hard_breaks() {
        let lines = render("one\ntwo  \nthree\\\nfour", 80);
        assert_eq!(texts(&lines), ["one two", "three", "four"]);
    }

    #[test]
    fn lists_have_markers_and_hanging_indents() {
        let t = theme();
        let lines = render(
            "- alpha beta gamma\n  - inner\n- [ ] todo\n\n3. three\n4. four",
            12,
        );
        assert_eq!(
            texts(&lines),
            [
                "• alpha beta",
                "  gamma",
                "  ◦ inner",
                "• [ ] todo",
                "",
                "3. three",
                "4. four"
            ]
        );
        assert_eq!(lines[0].spans[0].style, t.list_marker);
        assert_eq!(span_with(&lines, "[ ]").style, t.text.patch(t.list_marker));
    }

    #[test]
    fn loose_lists_keep_paragraph_spacing() {
        let lines = render("1. first\n\n   more\n2. second", 40);
        assert_eq!(texts(&lines), ["1. first", "", "   more", "", "2. second"]);
    }

    #[test]
    fn block_quotes_have_a_gutter() {
        let t = theme();
        let lines = render("> quoted words here\n>\n> > inner", 12);
        assert_eq!(
            texts(&lines),
            ["│ quoted", "│ words here", "│", "│ │ inner"]
        );
        assert_eq!(lines[0].spans[0].style, t.text.patch(t.quote));
        assert_eq!(span_with(&lines, "quoted").style, t.text.patch(t.quote));
    }

    #[test]
    fn rules_span_the_width() {
        let t = theme();
        let lines = render("a\n\n---\n\nb", 9);
        assert_eq!(texts(&lines), ["a", "", "─────────", "", "b"]);
        assert_eq!(lines[2].spans[0].style, t.rule);
    }

    #[test]
    fn code_blocks_are_highlighted_on_the_block_background() {
        let t = theme();
        let bg = t.code_block.bg;
        assert!(bg.is_some());
        let lines = render(
            "```rust\nlet x = 1;\n\tlet long_name = 12345678901234567890;\n```",
            20,
        );
        assert_eq!(text_of(&lines[0]).trim(), "rust");
        assert_eq!(text_of(&lines[1]), " let x = 1;         ");
        assert!(
            lines.len() >= 4,
            "the long line is hard-wrapped: {:?}",
            texts(&lines)
        );
        for line in &lines {
            assert_eq!(width_of(line), 20);
            assert!(line.spans.iter().all(|s| s.style.bg == bg), "{line:?}");
        }
        let colours: Vec<Option<Color>> = lines[1].spans.iter().map(|s| s.style.fg).collect();
        assert!(
            colours.iter().flatten().count() >= 2,
            "highlighted: {:?}",
            lines[1]
        );
        // Hard wrap, not word wrap: the second row continues mid-word.
        assert_eq!(text_of(&lines[2]), "     let long_name  ");
        assert_eq!(text_of(&lines[3]), " = 1234567890123456 ");
    }

    #[test]
    fn an_unclosed_fence_renders_as_code() {
        let t = theme();
        for text in [
            "```python\nprint(1)\n# not a heading",
            "text\n\n```\nstill *code*",
        ] {
            let lines = render(text, 30);
            let last = lines.last().expect("lines");
            assert!(
                last.spans.iter().all(|s| s.style.bg == t.code_block.bg),
                "{:?}",
                texts(&lines)
            );
            assert!(!texts(&lines).iter().any(|l| l.trim() == "not a heading"));
        }
        let lines = render("text\n\n```\nstill *code*", 30);
        assert!(texts(&lines).iter().any(|l| l.contains("still *code*")));
    }

    #[test]
    fn tables_are_boxed_and_aligned_by_display_width() {
        let t = theme();
        let text = "| Name | 值 | Notes |\n|:--|:-:|--:|\n| 你好 | 世界 | short |\n| a | b | c |";
        let lines = render(text, 80);
        let rows = texts(&lines);
        assert_eq!(rows[0], "┌──────┬──────┬───────┐");
        assert_eq!(rows[1], "│ Name │  值  │ Notes │");
        assert_eq!(rows[2], "├──────┼──────┼───────┤");
        assert_eq!(rows[3], "│ 你好 │ 世界 │ short │");
        assert_eq!(rows[4], "│ a    │  b   │     c │");
        assert_eq!(lines[0].spans[0].style, t.table);
        assert_eq!(span_with(&lines, "Name").style, t.text.patch(t.strong));
        for l in &lines {
            assert_eq!(width_of(l), width_of(&lines[0]), "{rows:?}");
        }
    }

    #[test]
    fn narrow_tables_shrink_and_wrap_their_cells() {
        let text = "| key | description |\n|---|---|\n| 一 | 这是一个很长的描述，需要换行才能放得下 |\n| b | short words that wrap |";
        for width in [12u16, 16, 24, 30] {
            let lines = render(text, width);
            let w0 = width_of(&lines[0]);
            assert!(w0 <= usize::from(width), "{:?}", texts(&lines));
            for l in &lines {
                assert_eq!(width_of(l), w0, "width {width}: {:?}", texts(&lines));
            }
        }
        // Too narrow for borders around a two-column character: rows of text.
        let lines = render(text, 10);
        assert_eq!(text_of(&lines[0]), "key │");
        assert!(
            lines.iter().all(|l| width_of(l) <= 10),
            "{:?}",
            texts(&lines)
        );
        assert_eq!(fit_columns(&[3, 40], &[1, 1], 20), [3, 17]);
        assert_eq!(fit_columns(&[30, 40], &[1, 1], 21), [10, 11]);
        assert_eq!(fit_columns(&[30, 40], &[2, 2], 4), [2, 2]);
    }

    #[test]
    fn lines_never_exceed_the_width() {
        for width in [10u16, 13, 20, 33, 47, 80, 200] {
            let lines = render(SAMPLE, width);
            for l in &lines {
                assert!(
                    width_of(l) <= usize::from(width),
                    "width {width}: {:?}",
                    text_of(l)
                );
                assert!(
                    l.width() <= usize::from(width),
                    "width {width}: {:?}",
                    text_of(l)
                );
            }
        }
        for width in [1u16, 2, 3, 5] {
            for l in &render(
                "> - > 1. deep `nesting` with words\n\n```\ncode\n```",
                width,
            ) {
                assert!(
                    width_of(l) <= usize::from(width).max(2),
                    "width {width}: {:?}",
                    text_of(l)
                );
            }
        }
    }

    #[test]
    fn the_whole_sample_renders() {
        let rows = texts(&render(SAMPLE, 60));
        for expected in [
            "Title with emphasis",
            "Lists",
            "• one",
            "◦ nested",
            "◦ [x] done task",
            "3. third",
            "│ │ nested quote",
            " rust",
            "### Third level",
            "The end:",
        ] {
            assert!(
                rows.iter().any(|r| r.contains(expected)),
                "{expected:?} in {rows:#?}"
            );
        }
        // Blank lines inside a fenced block stay in the block.
        let plain = rows
            .iter()
            .position(|r| r.contains("plain"))
            .expect("plain");
        assert!(rows[plain + 1].trim().is_empty() && !rows[plain + 1].is_empty());
        assert!(rows[plain + 3].contains("block with blank lines"));
    }

    #[test]
    fn escape_sequences_come_out_inert() {
        let t = theme();
        let hostile = "# \x1b[2Jtitle\n\ntext \x1b]52;c;aGk=\x07 and \u{9b}31m\u{202e}\n\n```\n\x1b[31mred\n```\n\n| \x1b |\n|-|\n| \x07 |\n\n[\x1b](http://x/\x1b)";
        let lines = render(hostile, 40);
        for span in lines.iter().flat_map(|l| l.spans.iter()) {
            assert!(!span.content.chars().any(|c| c.is_control()), "{span:?}");
            assert!(!span.content.contains('\u{202e}'));
        }
        let esc = span_with(&lines, "␛");
        assert_eq!(esc.style, t.text.patch(t.heading).patch(t.inert));
    }

    fn feed(view: &mut MarkdownView, text: &str, step: usize, width: u16, theme: &Theme) {
        let mut end = 0;
        while end < text.len() {
            end = (end + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            view.lines(&text[..end], width, theme);
        }
    }

    #[test]
    fn streaming_in_pieces_equals_rendering_at_once() {
        let t = theme();
        let docs = [
            SAMPLE,
            "```\nunclosed code\nlines",
            "text\n\n```js\nx\n```",
            "a\n\n    indented code\n\nb\n```",
            "- a\r\n\r\n  b\r\n- c\r\n\r\nd ![img](u \"t\")\r\n",
        ];
        for doc in docs {
            for width in [10u16, 37, 80] {
                let fresh = render(doc, width);
                for step in [1, 7, 13] {
                    let mut view = MarkdownView::new();
                    feed(&mut view, doc, step, width, &t);
                    assert_eq!(
                        view.lines(doc, width, &t),
                        &fresh[..],
                        "{doc:?} width {width} step {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn views_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<MarkdownView>();
        send_sync::<super::super::wrap::Wrapped>();
    }

    #[test]
    fn finished_blocks_are_rendered_once() {
        let t = theme();
        let mut view = MarkdownView::new();
        let mut text = String::from("# One\n\npara one\n\n- a\n- b\n\n");
        view.lines(&text, 40, &t);
        let first = view.block_renders;
        // The list is still open: the next unindented line could continue it.
        assert_eq!(view.splitter.blocks.len(), 2);
        // Unchanged text: nothing rendered.
        view.lines(&text, 40, &t);
        assert_eq!(view.block_renders, first);
        // Appending to the open block re-renders that block only.
        for word in ["growing ", "paragraph ", "text"] {
            text.push_str(word);
            view.lines(&text, 40, &t);
        }
        assert_eq!(view.block_renders, first + 3);
        // Finishing it renders it once more as a finished block; the others are untouched.
        text.push_str("\n\nnext");
        view.lines(&text, 40, &t);
        assert_eq!(view.block_renders, first + 5);
        // A new width renders everything once again.
        let before = view.block_renders;
        view.lines(&text, 30, &t);
        assert_eq!(view.block_renders, before + view.splitter.blocks.len() + 1);
        // Something else entirely starts over.
        let lines = view.lines("fresh", 30, &t).to_vec();
        assert_eq!(texts(&lines), ["fresh"]);
    }

    #[test]
    fn a_streaming_code_block_renders_only_new_lines() {
        let t = theme();
        let mut view = MarkdownView::new();
        let mut text = String::from("intro\n\n```rust\n");
        view.lines(&text, 40, &t);
        let renders = view.block_renders;
        for i in 0..200 {
            text.push_str(&format!("let x{i} = {i};\n"));
            view.lines(&text, 40, &t);
        }
        assert_eq!(
            view.block_renders, renders,
            "no block re-render while the fence is open"
        );
        assert_eq!(view.lines(&text, 40, &t), &render(&text, 40)[..]);
        text.push_str("```\n\nafter");
        view.lines(&text, 40, &t);
        assert_eq!(view.lines(&text, 40, &t), &render(&text, 40)[..]);
    }

    #[test]
    fn blocks_are_split_at_blank_lines_outside_fences() {
        let mut s = Splitter::default();
        let text = "a\nb\n\n\nc\n  - x\n\n  cont\n```\n\n~~~\n```\nd\n\n    code\n\ne";
        s.advance(text);
        let blocks: Vec<&str> = s.blocks.iter().map(|r| &text[r.clone()]).collect();
        // A list item goes on after a blank line when the next line is indented; an indented
        // line after a paragraph is a code block of its own.
        let expected = [
            "a\nb\n\n\n",
            "c\n  - x\n\n  cont\n```\n\n~~~\n```\n",
            "d\n\n",
        ];
        assert_eq!(blocks, expected);
        // "    code" is finished only once the next line is whole.
        assert_eq!(&text[s.block_start..], "    code\n\ne");
        s.advance(&format!("{text}\n"));
        assert_eq!(s.blocks.len(), 4);
        // A closing fence at the margin finishes its block at once.
        let mut s = Splitter::default();
        s.advance("````\ncode\n\n```\n````\nnext");
        assert_eq!((s.blocks.len(), &s.blocks[0]), (1, &(0..20)));
        assert!(is_list_item("  12. x") && is_list_item("-") && is_list_item("+ y"));
        assert!(!is_list_item("-x") && !is_list_item("1.5 apples") && !is_list_item("**bold**"));
    }
}
