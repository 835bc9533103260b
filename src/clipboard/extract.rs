//! What can be copied out of a message: the answer, its reasoning, a code block, or the whole
//! message as Markdown. Always the text as the model sent it (the screen shows it made inert;
//! the clipboard gets the original).

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A code block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The fence's language (`rust`), empty when none was given.
    pub lang: String,
    pub code: String,
}

impl CodeBlock {
    /// `rust · fn main() {` — for a picker.
    pub fn label(&self) -> String {
        let first = self
            .code
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let lang = if self.lang.is_empty() {
            "code"
        } else {
            &self.lang
        };
        format!(
            "{lang} · {} line(s) · {}",
            self.code.lines().count(),
            first.trim()
        )
    }
}

/// The code blocks of `markdown`, fenced and indented, in order.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    let mut out = Vec::new();
    let mut current: Option<CodeBlock> = None;
    for event in Parser::new_ext(markdown, Options::empty()) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                current = Some(CodeBlock {
                    lang,
                    code: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(c) = &mut current {
                    c.code.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
            _ => {}
        }
    }
    // A block still open (the answer was cut off) counts as it stands.
    out.extend(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_in_order_with_their_languages() {
        let md = "Intro\n\n```rust\nfn main() {}\n```\n\ntext\n\n    indented\n\n```py title\nprint(1)\n";
        let blocks = code_blocks(md);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].lang, "rust");
        assert_eq!(blocks[0].code, "fn main() {}\n");
        assert_eq!(blocks[1].lang, "");
        assert_eq!(blocks[1].code, "indented\n");
        assert_eq!(blocks[2].lang, "py", "an unfinished block counts");
        assert_eq!(blocks[2].code, "print(1)\n");
        assert!(blocks[0].label().starts_with("rust · 1 line(s) · fn main"));
        assert!(code_blocks("no code here").is_empty());
    }
}
