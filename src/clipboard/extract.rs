//! What can be copied out of a message: the answer, its reasoning, a code block, or the whole
//! message as Markdown. Always the text as the model sent it (the screen shows it made inert;
//! the clipboard gets the original).

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::session::{Turn, Variant};
use crate::text::group;

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

/// The whole message as Markdown: the prompt, the settings and usage, the reasoning in a
/// collapsible block, the answer.
pub fn message_markdown(turn: &Turn, v: &Variant) -> String {
    let mut md = format!("**You:** {}\n\n", turn.prompt.trim_end());
    let s = &v.settings;
    let mut line = vec![s.model.clone()];
    line.push(
        match s.resolved.thinks {
            Some(true) => "thinking on",
            Some(false) => "thinking off",
            None => "thinking: the server's default",
        }
        .to_string(),
    );
    if let Some(b) = s.resolved.budget {
        line.push(format!("budget {}", group(b as u64)));
    }
    let (reasoning, exact) = v.reasoning_tokens();
    line.push(format!(
        "{}{} reasoning tokens",
        if exact { "" } else { "~" },
        group(reasoning)
    ));
    if let Some(c) = v.cost_usd {
        line.push(format!("${c:.4}"));
    }
    md.push_str(&format!("*{}*\n\n", line.join(" · ")));
    if !v.reply.reasoning.is_empty() {
        md.push_str("<details><summary>Reasoning</summary>\n\n");
        md.push_str(v.reply.reasoning.trim_end());
        md.push_str("\n\n</details>\n\n");
    }
    md.push_str(v.reply.answer.trim_end());
    md.push('\n');
    md
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
