//! The streaming cache: an append-only answer text split into blocks as it arrives, finished
//! blocks rendered once and kept, the open block rendered again when the text changed.

use ratatui::text::Line;

use super::code::{code_header, code_rows};
use super::render::render_block;
use super::row::Row;
use super::split::{Fence, Splitter};
use crate::tui::highlight::{CodeHighlighter, Highlighter};
use crate::tui::theme::Theme;
use crate::tui::wrap::Growth;

/// Renders an append-only Markdown text, caching finished blocks.
pub struct MarkdownView {
    seen: Growth,
    /// The width and theme generation that `out` was rendered for.
    key: Option<(u16, u64)>,
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
    /// different → start over). Finished blocks are rendered once per width and theme
    /// generation; only the still-growing last block is rendered again, and only when the text
    /// changed.
    pub fn lines(&mut self, text: &str, width: u16, theme: &Theme) -> &[Line<'static>] {
        let width = width.max(1);
        if !self.seen.extends(text) {
            self.start_over();
        }
        let key = (width, theme.generation);
        if self.key != Some(key) {
            self.key = Some(key);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::markdown::testing::*;

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

    /// Wrapped text can move between threads. A Markdown view cannot: it holds the live
    /// state of the code block's highlighter (Oniguruma match registers), and lives with the
    /// screen on the UI thread.
    #[test]
    fn wrapped_text_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<crate::tui::wrap::Wrapped>();
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
    fn a_new_theme_generation_renders_again() {
        let dark = theme();
        let text = "# One\n\npara one\n\n- a\n- b";
        let mut view = MarkdownView::new();
        view.lines(text, 40, &dark);
        let all = view.block_renders;
        // The same theme, or a clone of it (the same generation): nothing rendered.
        view.lines(text, 40, &dark);
        view.lines(text, 40, &dark.clone());
        assert_eq!(view.block_renders, all);
        // Another theme renders every block again, in its own styles.
        let light = Theme::builtin("light");
        assert_ne!(light.generation, dark.generation);
        assert_ne!(light.heading, dark.heading);
        let lines = view.lines(text, 40, &light).to_vec();
        assert_eq!(view.block_renders, 2 * all);
        assert_eq!(lines, MarkdownView::new().lines(text, 40, &light));
        assert_eq!(lines[0].spans[0].style, light.text.patch(light.heading));
        view.lines(text, 40, &light);
        assert_eq!(view.block_renders, 2 * all);
        // A theme loaded again is a new generation, even with the same styles.
        view.lines(text, 40, &theme());
        assert_eq!(view.block_renders, 3 * all);
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
}
