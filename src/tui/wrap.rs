//! Wrapping text to a width in terminal columns.
//!
//! Widths are measured per grapheme cluster the way the terminal buffer draws them: a CJK
//! character or an emoji takes two columns, a control character takes the one column of its
//! visible stand-in (see [`crate::text::inert`]), a tab takes [`TAB_WIDTH`] columns (render it
//! as that many spaces, e.g. with [`expand_tabs`]). A grapheme cluster is never split, and a
//! two-column character never straddles the right edge.
//!
//! [`Wrapped`] wraps append-only plain text incrementally (the reasoning pane);
//! [`wrap_spans`] wraps one styled logical line (the Markdown renderer).

use std::borrow::Cow;
use std::ops::Range;

use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::text::display;

/// Columns a tab stands for.
pub const TAB_WIDTH: usize = 4;

/// Display width of one grapheme cluster, as the terminal buffer draws it once made inert.
pub fn grapheme_width(g: &str) -> usize {
    match g.as_bytes() {
        b"\t" => TAB_WIDTH,
        [_] => 1,
        _ => {
            let shown = display(g);
            // Halfwidth (han)dakuten are zero-width to unicode-width but take a cell on screen.
            let marks = shown
                .chars()
                .filter(|c| matches!(c, '\u{FF9E}' | '\u{FF9F}'))
                .count();
            UnicodeWidthStr::width(shown.as_ref()) + marks
        }
    }
}

/// Display width of `s` (the sum of its grapheme widths).
pub fn str_width(s: &str) -> usize {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.len();
    }
    s.graphemes(true).map(grapheme_width).sum()
}

/// `s` with every tab replaced by [`TAB_WIDTH`] spaces.
pub fn expand_tabs(s: &str) -> Cow<'_, str> {
    if s.contains('\t') {
        Cow::Owned(s.replace('\t', &" ".repeat(TAB_WIDTH)))
    } else {
        Cow::Borrowed(s)
    }
}

/// How lines are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At spaces where possible; a word longer than the width is broken hard. Spaces at a
    /// soft break are dropped.
    Words,
    /// Anywhere, keeping every space (code).
    Chars,
}

fn is_space(g: &str) -> bool {
    g == " " || g == "\t"
}

fn is_newline(g: &str) -> bool {
    g == "\n" || g == "\r\n"
}

/// A place where the open line may be broken: after the content ending at `end`, with the next
/// line starting at `next` (after the spaces), which is at column `col_at_next` of the open line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Break {
    end: usize,
    next: usize,
    col_at_next: usize,
}

/// The greedy line-breaking state machine. It is fed one grapheme at a time and emits the byte
/// range of each finished line; what it emits depends only on what it has been fed, so it can
/// be suspended and resumed when more text arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Breaker {
    width: usize,
    mode: Mode,
    /// The open line starts here.
    start: usize,
    /// End of the last grapheme that fit on the open line.
    end: usize,
    /// Columns used on the open line.
    col: usize,
    brk: Option<Break>,
    /// Spaces went past the right edge; the next word goes on a new line.
    hanging: bool,
    /// The last grapheme fed was a space.
    in_spaces: bool,
}

impl Breaker {
    fn new(width: usize, mode: Mode) -> Self {
        Breaker {
            width: width.max(1),
            mode,
            start: 0,
            end: 0,
            col: 0,
            brk: None,
            hanging: false,
            in_spaces: false,
        }
    }

    fn open_line(&self) -> Range<usize> {
        self.start..self.end
    }

    fn feed(&mut self, pos: usize, g: &str, out: &mut Vec<Range<usize>>) {
        if is_newline(g) {
            out.push(self.open_line());
            *self = Breaker {
                start: pos + g.len(),
                end: pos + g.len(),
                ..Breaker::new(self.width, self.mode)
            };
        } else if self.mode == Mode::Words && is_space(g) {
            self.space(pos, g);
        } else {
            self.visible(pos, g, out);
        }
    }

    fn space(&mut self, pos: usize, g: &str) {
        let content_end = match (self.in_spaces, self.brk) {
            (true, Some(b)) => b.end,
            _ => self.end,
        };
        let w = grapheme_width(g);
        if !self.hanging && self.col + w <= self.width {
            self.col += w;
            self.end = pos + g.len();
        } else {
            self.hanging = true;
        }
        self.in_spaces = true;
        self.brk = Some(Break {
            end: content_end,
            next: pos + g.len(),
            col_at_next: self.col,
        });
    }

    fn visible(&mut self, pos: usize, g: &str, out: &mut Vec<Range<usize>>) {
        let w = grapheme_width(g);
        self.in_spaces = false;
        if self.hanging || (self.col > 0 && self.col + w > self.width) {
            match self.brk {
                Some(b) if b.end > self.start => {
                    out.push(self.start..b.end);
                    self.start = b.next;
                    self.col -= b.col_at_next;
                }
                _ => {
                    out.push(self.open_line());
                    self.start = pos;
                    self.col = 0;
                }
            }
            self.brk = None;
            self.hanging = false;
            // The carried-over fragment plus this grapheme may still not fit.
            if self.col > 0 && self.col + w > self.width {
                out.push(self.start..pos);
                self.start = pos;
                self.col = 0;
            }
        }
        self.col += w;
        self.end = pos + g.len();
    }
}

/// The longest start of `s` that fits in `width` columns (grapheme clusters kept whole).
pub fn fitting_prefix(s: &str, width: usize) -> &str {
    let mut used = 0;
    for (pos, g) in s.grapheme_indices(true) {
        used += grapheme_width(g);
        if used > width {
            return &s[..pos];
        }
    }
    s
}

/// Byte ranges of the display lines of `text` wrapped at `width` (at least one line).
pub fn wrap_ranges(text: &str, width: usize, mode: Mode) -> Vec<Range<usize>> {
    let mut breaker = Breaker::new(width, mode);
    let mut out = Vec::new();
    for (pos, g) in text.grapheme_indices(true) {
        breaker.feed(pos, g, &mut out);
    }
    out.push(breaker.open_line());
    out
}

/// Wrap one styled logical line to `width` columns. `\n` inside the spans starts a new line.
/// An empty input gives one empty line.
pub fn wrap_spans(spans: &[Span<'_>], width: usize, mode: Mode) -> Vec<Vec<Span<'static>>> {
    let mut joined = String::new();
    let mut ends = Vec::with_capacity(spans.len());
    for span in spans {
        joined.push_str(&span.content);
        ends.push(joined.len());
    }
    let mut first = 0;
    wrap_ranges(&joined, width, mode)
        .into_iter()
        .map(|range| {
            while first < spans.len() && ends[first] <= range.start {
                first += 1;
            }
            slice_spans(spans, &ends, &joined, first, range)
        })
        .collect()
}

/// The parts of `spans` (starting at index `first`) that fall in `range` of their concatenation.
fn slice_spans(
    spans: &[Span<'_>],
    ends: &[usize],
    joined: &str,
    first: usize,
    range: Range<usize>,
) -> Vec<Span<'static>> {
    let mut line = Vec::new();
    for i in first..spans.len() {
        let span_start = if i == 0 { 0 } else { ends[i - 1] };
        if span_start >= range.end {
            break;
        }
        let (a, b) = (span_start.max(range.start), ends[i].min(range.end));
        if a < b {
            let piece = joined.get(a..b).unwrap_or_default();
            line.push(Span::styled(piece.to_string(), spans[i].style));
        }
    }
    line
}

/// Detects whether a text is the one seen before with bytes appended, in O(1): it compares the
/// length, the first and the last bytes seen. (A text edited in the middle is not noticed;
/// callers that replace a text entirely are.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Growth {
    len: usize,
    head: Vec<u8>,
    tail: Vec<u8>,
}

const SAMPLE: usize = 32;

impl Growth {
    /// The length seen last.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `text` is the text seen last, possibly with more appended.
    pub(crate) fn extends(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        text.len() >= self.len
            && text.is_char_boundary(self.len)
            && bytes.starts_with(&self.head)
            && bytes[self.len - self.tail.len()..self.len] == self.tail[..]
    }

    pub(crate) fn record(&mut self, text: &str) {
        let bytes = text.as_bytes();
        self.len = bytes.len();
        self.head.clear();
        self.head
            .extend_from_slice(&bytes[..bytes.len().min(SAMPLE)]);
        self.tail.clear();
        self.tail
            .extend_from_slice(&bytes[bytes.len().saturating_sub(SAMPLE)..]);
    }
}

/// Incremental wrap of an append-only plain text: the byte range of every display line.
///
/// The breaking state is kept just before the last grapheme cluster of the text (which more
/// text may still extend), so an update with appended text only examines that cluster and the
/// new bytes.
#[derive(Debug, Clone)]
pub struct Wrapped {
    seen: Growth,
    width: usize,
    /// Where the held-back last grapheme cluster starts; everything before it has been fed.
    stable: usize,
    breaker: Breaker,
    /// Lines finished before `stable`.
    lines: Vec<Range<usize>>,
    /// Lines finished by the held-back cluster, then the open line.
    tail: Vec<Range<usize>>,
    /// Grapheme clusters fed so far (a measure of work done).
    work: usize,
}

impl Default for Wrapped {
    fn default() -> Self {
        Self::new()
    }
}

impl Wrapped {
    pub fn new() -> Self {
        Wrapped {
            seen: Growth::default(),
            width: 0,
            stable: 0,
            breaker: Breaker::new(1, Mode::Words),
            lines: Vec::new(),
            tail: Vec::new(),
            work: 0,
        }
    }

    /// Bring the wrap up to date with `text` (the same text as before plus appended bytes, or
    /// something else entirely → start over) at `width` (a new width → re-wrap once).
    pub fn update(&mut self, text: &str, width: u16) {
        let width = usize::from(width.max(1));
        if width != self.width || !self.seen.extends(text) {
            *self = Wrapped {
                width,
                breaker: Breaker::new(width, Mode::Words),
                work: self.work,
                ..Wrapped::new()
            };
        } else if text.len() == self.seen.len() {
            return;
        }
        let mut held: Option<(usize, &str)> = None;
        for (i, g) in text[self.stable..].grapheme_indices(true) {
            if let Some((pos, prev)) = held {
                self.breaker.feed(pos, prev, &mut self.lines);
                self.work += 1;
            }
            held = Some((self.stable + i, g));
        }
        self.tail.clear();
        if let Some((pos, g)) = held {
            self.stable = pos;
            let mut open = self.breaker;
            open.feed(pos, g, &mut self.tail);
            self.tail.push(open.open_line());
        }
        self.seen.record(text);
    }

    /// Number of display lines (0 for an empty text).
    pub fn len(&self) -> usize {
        self.lines.len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The byte range in the text of display line `i` (empty past the end).
    pub fn line_range(&self, i: usize) -> Range<usize> {
        match i.checked_sub(self.lines.len()) {
            None => self.lines[i].clone(),
            Some(j) => self
                .tail
                .get(j)
                .cloned()
                .unwrap_or(self.seen.len()..self.seen.len()),
        }
    }

    /// Display line `i` of `text` (the text last passed to `update`), without its newline.
    pub fn line<'a>(&self, text: &'a str, i: usize) -> &'a str {
        text.get(self.line_range(i)).unwrap_or_default()
    }

    /// The display line holding byte offset `byte` (a byte dropped at a soft break belongs to
    /// the line before it; past the end → the last line).
    pub fn line_of(&self, byte: usize) -> usize {
        let in_lines = self.lines.partition_point(|r| r.start <= byte);
        let in_tail = if in_lines == self.lines.len() {
            self.tail.partition_point(|r| r.start <= byte)
        } else {
            0
        };
        (in_lines + in_tail).saturating_sub(1)
    }

    /// Grapheme clusters examined since creation (for tests of incrementality).
    #[cfg(test)]
    fn work(&self) -> usize {
        self.work
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn wrap(text: &str, width: u16) -> Vec<String> {
        let mut w = Wrapped::new();
        w.update(text, width);
        (0..w.len()).map(|i| w.line(text, i).to_string()).collect()
    }

    fn assert_fits(lines: &[String], width: usize) {
        for l in lines {
            assert!(str_width(l) <= width, "{l:?} is wider than {width}");
        }
    }

    #[test]
    fn words_wrap_at_spaces_and_long_words_break_hard() {
        assert_eq!(wrap("hello world foo", 11), ["hello world", "foo"]);
        assert_eq!(wrap("hello world", 5), ["hello", "world"]);
        assert_eq!(wrap("hello   world", 7), ["hello", "world"]);
        assert_eq!(
            wrap("ab abcdefghijkl cd", 5),
            ["ab", "abcde", "fghij", "kl cd"]
        );
        assert_eq!(wrap("    indented", 6), ["    in", "dented"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn newlines_and_blank_lines_are_kept() {
        assert_eq!(wrap("a\n\nb\n", 10), ["a", "", "b", ""]);
        assert_eq!(wrap("a\r\nb", 10), ["a", "b"]);
        assert_eq!(wrap("one two\nthree", 3), ["one", "two", "thr", "ee"]);
    }

    #[test]
    fn wide_characters_never_straddle_the_edge() {
        let lines = wrap("你好世界和平", 5);
        assert_eq!(lines, ["你好", "世界", "和平"]);
        let lines = wrap("ab😊😊😊 家族👨‍👩‍👧 é", 5);
        assert_fits(&lines, 5);
        assert!(
            lines.iter().any(|l| l.contains("👨‍👩‍👧")),
            "ZWJ family kept whole: {lines:?}"
        );
        assert_eq!(lines.concat().replace(' ', ""), "ab😊😊😊家族👨‍👩‍👧é");
        // A combining mark stays with its letter.
        assert_eq!(wrap("abcde\u{301}f", 5), ["abcde\u{301}", "f"]);
    }

    #[test]
    fn controls_take_one_column() {
        assert_eq!(grapheme_width("\x1b"), 1);
        assert_eq!(grapheme_width("\u{202e}"), 1);
        assert_eq!(wrap("\x1b[2Jabc", 3), ["\x1b[2", "Jab", "c"]);
    }

    fn incremental(text: &str, width: u16, step: usize) -> Wrapped {
        let mut w = Wrapped::new();
        let mut end = 0;
        while end < text.len() {
            end = (end + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            w.update(&text[..end], width);
        }
        w
    }

    #[test]
    fn appending_in_pieces_equals_wrapping_at_once() {
        let texts = [
            "The quick brown fox jumps over the lazy dog.  Again   and again\n\nand again.",
            "你好，世界！这是一个很长的句子 with mixed 中文 and English wörds.\r\nnext line",
            "a\u{301}b\u{301} 👍🏽👍🏽 🇫🇷🇩🇪 👨‍👩‍👧 verylongwordwithoutanyspaces   trailing   ",
            "   \n \n\n  x  \n",
        ];
        for text in texts {
            for width in [1, 2, 5, 9, 17, 80] {
                let mut whole = Wrapped::new();
                whole.update(text, width);
                for step in [1, 2, 3, 7] {
                    let w = incremental(text, width, step);
                    assert_eq!(w.len(), whole.len(), "{text:?} width {width} step {step}");
                    for i in 0..w.len() {
                        assert_eq!(
                            w.line_range(i),
                            whole.line_range(i),
                            "{text:?} w{width} s{step} line {i}"
                        );
                    }
                }
                if width >= 2 {
                    let lines: Vec<String> = (0..whole.len())
                        .map(|i| whole.line(text, i).into())
                        .collect();
                    assert_fits(&lines, usize::from(width));
                }
            }
        }
    }

    #[test]
    fn width_change_rewraps_and_new_text_starts_over() {
        let mut w = Wrapped::new();
        let text = "aaa bbb ccc";
        w.update(text, 3);
        assert_eq!(w.len(), 3);
        w.update(text, 7);
        assert_eq!(w.len(), 2);
        assert_eq!(w.line(text, 0), "aaa bbb");
        w.update("zz", 7);
        assert_eq!(w.len(), 1);
        assert_eq!(w.line("zz", 0), "zz");
    }

    #[test]
    fn update_with_appended_text_is_proportional_to_the_new_text() {
        let big = "lorem ipsum dolor sit amet ".repeat(4000);
        let mut w = Wrapped::new();
        w.update(&big, 40);
        let before = w.work();
        let mut text = big.clone();
        text.push_str("tail!");
        w.update(&text, 40);
        assert!(
            w.work() - before <= 6,
            "examined {} clusters",
            w.work() - before
        );
        // Unchanged text costs nothing.
        w.update(&text, 40);
        assert!(w.work() - before <= 6);
    }

    #[test]
    fn line_of_finds_the_display_line() {
        let text = "hello world\nfoo";
        let mut w = Wrapped::new();
        w.update(text, 5);
        assert_eq!(w.len(), 3);
        assert_eq!(w.line_of(0), 0);
        assert_eq!(w.line_of(5), 0); // the dropped space
        assert_eq!(w.line_of(6), 1);
        assert_eq!(w.line_of(12), 2);
        assert_eq!(w.line_of(999), 2);
    }

    #[test]
    fn spans_keep_their_styles_across_breaks() {
        let spans = [
            Span::raw("plain te"),
            Span::styled("xt bold", Style::new().bold()),
        ];
        let lines = wrap_spans(&spans, 7, Mode::Words);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["plain", "text", "bold"]);
        assert_eq!(lines[1][1].content, "xt");
        assert_eq!(lines[1][1].style, Style::new().bold());
        assert_eq!(wrap_spans(&[], 5, Mode::Words).len(), 1);
        let code = wrap_spans(&[Span::raw("a  b  c")], 3, Mode::Chars);
        assert_eq!(code.len(), 3);
        assert_eq!(code[0][0].content, "a  ");
    }
}
