//! Rendering one block of Markdown: the pulldown-cmark events become styled, wrapped rows.

use std::borrow::Cow;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;

use super::code::{code_header, code_rows};
use super::row::{Row, cut, str_width_of};
use super::split::lang_of;
use super::table::{Table, table_rows};
use crate::text::display;
use crate::tui::highlight::Highlighter;
use crate::tui::theme::Theme;
use crate::tui::wrap::{Mode, expand_tabs, str_width, wrap_spans};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Render one block of Markdown (any number of top-level elements) to rows at most `width`
/// columns wide.
pub(super) fn render_block(source: &str, width: usize, theme: &Theme) -> Vec<Row> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::markdown::testing::*;

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
}
