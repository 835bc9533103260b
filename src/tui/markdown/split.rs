//! Block splitting: where the blocks of a streaming Markdown text begin and end.

use std::ops::Range;

/// An open code fence found by the splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fence {
    ch: u8,
    len: usize,
    indent: usize,
    line_start: usize,
    /// Where the code starts (after the fence line).
    pub(super) body_start: usize,
    pub(super) lang: String,
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

    pub(super) fn closed_by(&self, line: &str) -> bool {
        let rest = line.trim_start_matches(' ');
        let run = rest.bytes().take_while(|&b| b == self.ch).count();
        line.len() - rest.len() <= self.indent + 3
            && run >= self.len
            && rest[run..].trim().is_empty()
    }
}

/// The language token of a fence info string ("rust", "python {.x}" → "python").
pub(super) fn lang_of(info: &str) -> String {
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
pub(super) struct Splitter {
    /// Whole lines up to here have been examined.
    pub(super) scanned: usize,
    /// The open (last) block starts here.
    pub(super) block_start: usize,
    /// A blank line ended the open block's content: the next line starts a new block unless
    /// it is indented under a list item.
    pending: bool,
    /// The open block has a list item (whose content may go on after a blank line).
    list: bool,
    fence: Option<Fence>,
    /// Finished blocks.
    pub(super) blocks: Vec<Range<usize>>,
}

impl Splitter {
    pub(super) fn advance(&mut self, text: &str) {
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
    pub(super) fn open_code(&self) -> Option<&Fence> {
        self.fence
            .as_ref()
            .filter(|f| f.indent == 0 && f.line_start == self.block_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
