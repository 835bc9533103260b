//! Helpers shared by the Markdown tests.

use ratatui::text::{Line, Span};

use super::MarkdownView;
use super::row::str_width_of;
use crate::tui::theme::Theme;

pub(super) fn theme() -> Theme {
    Theme::builtin("dark")
}

pub(super) fn render(text: &str, width: u16) -> Vec<Line<'static>> {
    MarkdownView::new().lines(text, width, &theme()).to_vec()
}

pub(super) fn text_of(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

pub(super) fn texts(lines: &[Line<'_>]) -> Vec<String> {
    lines.iter().map(text_of).collect()
}

pub(super) fn width_of(line: &Line<'_>) -> usize {
    str_width_of(&line.spans)
}

/// The span holding `needle` in the first line that has it.
pub(super) fn span_with<'a>(lines: &'a [Line<'static>], needle: &str) -> &'a Span<'static> {
    lines
        .iter()
        .flat_map(|l| l.spans.iter())
        .find(|s| s.content.contains(needle))
        .unwrap_or_else(|| panic!("no span contains {needle:?} in {:?}", texts(lines)))
}

pub(super) const SAMPLE: &str = "# Title with *emphasis*\n\nA paragraph with **bold**, *italic*, ~~gone~~, `code` and a [link](https://example.com) \
that goes on long enough to need wrapping at most widths.\nSoft break here.  \nHard break above.\n\n\
## Lists\n\n- one\n- two with a longer text that wraps around the edge of a narrow pane\n  - nested\n  - [x] done task\n- three\n\n\
1. first\n2. second\n\n   second's paragraph\n\n3. third\n\n\
> Quoted **text** that is long enough to wrap in a narrow pane.\n>\n> > nested quote\n\n\
```rust\nfn main() {\n\tprintln!(\"hello, a very long line of code that must be hard wrapped somewhere\");\n}\n```\n\n\
| Name | 值 | Notes |\n|:-----|:--:|------:|\n| 你好 | 世界 | short |\n| a | b | a much longer cell that has to wrap when the pane is narrow |\n\n\
---\n\n### Third level\n\n~~~\nplain\n\n\nblock with blank lines\n~~~\n\nThe end: 中文字符和 emoji 😊👨‍👩‍👧 mixed in.\n";
