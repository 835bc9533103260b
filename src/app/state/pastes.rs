//! Large pastes, held beside the composer. A paste of more than [`COLLAPSE_LINES`] lines or
//! [`COLLAPSE_BYTES`] bytes goes into the editor as one short tag (`[pasted #1 · 117,818 lines
//! · 10.0 MB]`) while its text waits here; sending the message puts the text back in place of
//! the tag. So a 10 MB paste costs the editor one line, every key stays as cheap as in an
//! empty composer, and the message sent is exactly what was pasted.

use std::borrow::Cow;

use crate::text::{group, size};

/// Pastes with more lines than this are held as a tag.
pub const COLLAPSE_LINES: usize = 1_000;
/// Pastes larger than this are held as a tag.
pub const COLLAPSE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pastes {
    held: Vec<(String, String)>,
    next: u32,
}

impl Pastes {
    /// Whether `text` is large enough to be held as a tag.
    pub fn collapses(text: &str) -> bool {
        text.len() > COLLAPSE_BYTES || text.lines().count() > COLLAPSE_LINES
    }

    /// Hold `text`; returns the tag that stands for it in the composer. Pastes whose tags are
    /// no longer in `composer` (the user deleted them) are let go first.
    pub fn hold(&mut self, text: String, composer: &str) -> String {
        self.held.retain(|(tag, _)| composer.contains(tag.as_str()));
        self.next += 1;
        let tag = format!(
            "[pasted #{} · {} lines · {}]",
            self.next,
            group(text.lines().count() as u64),
            size(text.len())
        );
        self.held.push((tag.clone(), text));
        tag
    }

    /// `composer` with every tag of a held paste replaced by its text.
    pub fn expand<'a>(&self, composer: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(composer);
        for (tag, text) in &self.held {
            if out.contains(tag.as_str()) {
                out = Cow::Owned(out.replacen(tag.as_str(), text, 1));
            }
        }
        out
    }

    /// The message went out: nothing is held any more.
    pub fn clear(&mut self) {
        self.held.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_pastes_stay_inline_and_large_ones_collapse() {
        assert!(!Pastes::collapses("fn main() {}\n"));
        assert!(!Pastes::collapses(&"line\n".repeat(COLLAPSE_LINES)));
        assert!(Pastes::collapses(&"line\n".repeat(COLLAPSE_LINES + 1)));
        assert!(Pastes::collapses(&"x".repeat(COLLAPSE_BYTES + 1)));
    }

    #[test]
    fn the_tag_is_replaced_by_the_exact_text() {
        let mut p = Pastes::default();
        let big = "a [pasted #1 · 1 lines · 1 KB] b\n".repeat(2_000);
        let tag = p.hold(big.clone(), "");
        assert_eq!(tag, "[pasted #1 · 2,000 lines · 69 KB]");
        let composer = format!("Summarise this:\n{tag}\nThanks");
        assert_eq!(
            p.expand(&composer),
            format!("Summarise this:\n{big}\nThanks")
        );
        assert!(matches!(p.expand("no tag here"), Cow::Borrowed(_)));
    }

    #[test]
    fn deleted_tags_let_their_text_go_and_tags_count_on() {
        let mut p = Pastes::default();
        let one = p.hold("1\n".repeat(1_500), "");
        let two = p.hold("2\n".repeat(1_500), &one);
        assert_eq!(p.held.len(), 2);
        let three = p.hold("x".repeat(2 << 20), &two);
        assert_eq!(three, "[pasted #3 · 1 lines · 2.0 MB]");
        assert_eq!(p.held.len(), 2, "#1 was no longer in the composer");
        let composer = format!("{two} {three}");
        let sent = p.expand(&composer);
        assert!(sent.starts_with("2\n2\n") && sent.ends_with("xxx"));
        p.clear();
        assert!(p.is_empty());
        assert_eq!(p.expand(&two), two, "after sending, a tag is only text");
    }
}
