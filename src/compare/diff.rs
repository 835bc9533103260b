//! How two answers (or two reasonings) differ: a word-level diff, and a similarity ratio.

use similar::{ChangeTag, TextDiff};

/// A run of words: in both texts, only in the first, or only in the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Both,
    First,
    Second,
}

/// Texts longer than this are compared by lines, not words (a word diff of two long texts
/// costs more than a frame is worth).
const WORDS_UP_TO: usize = 64 * 1024;

fn text_diff<'a>(a: &'a str, b: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    if a.len() + b.len() <= WORDS_UP_TO {
        TextDiff::from_words(a, b)
    } else {
        TextDiff::from_lines(a, b)
    }
}

/// The word-level diff of `a` and `b`, as runs of text in order (whitespace kept, runs of the
/// same side merged), and how alike they are (see [`similarity`]).
pub fn word_diff(a: &str, b: &str) -> (Vec<(Side, String)>, f32) {
    let diff = text_diff(a, b);
    let mut out: Vec<(Side, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        let side = match change.tag() {
            ChangeTag::Equal => Side::Both,
            ChangeTag::Delete => Side::First,
            ChangeTag::Insert => Side::Second,
        };
        match out.last_mut() {
            Some((s, text)) if *s == side => text.push_str(change.value()),
            _ => out.push((side, change.value().to_string())),
        }
    }
    let ratio = if a.is_empty() && b.is_empty() {
        1.0
    } else {
        diff.ratio()
    };
    (out, ratio)
}

/// How alike `a` and `b` are, word by word (line by line above 64 KiB): 1.0 the same, 0.0
/// nothing in common.
pub fn similarity(a: &str, b: &str) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    text_diff(a, b).ratio()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_differ_are_marked_by_side() {
        let (d, ratio) = word_diff("the sky is blue today", "the sky is grey today");
        assert_eq!(
            ratio,
            similarity("the sky is blue today", "the sky is grey today")
        );
        assert_eq!(
            d,
            vec![
                (Side::Both, "the sky is ".to_string()),
                (Side::First, "blue".to_string()),
                (Side::Second, "grey".to_string()),
                (Side::Both, " today".to_string()),
            ]
        );
        // Put back together, each side is its text.
        let side = |keep: Side| -> String {
            d.iter()
                .filter(|(s, _)| *s == Side::Both || *s == keep)
                .map(|(_, t)| t.as_str())
                .collect()
        };
        assert_eq!(side(Side::First), "the sky is blue today");
        assert_eq!(side(Side::Second), "the sky is grey today");
    }

    #[test]
    fn similarity_runs_from_nothing_to_the_same() {
        assert_eq!(similarity("a b c", "a b c"), 1.0);
        assert_eq!(similarity("", ""), 1.0);
        assert!(similarity("alpha beta", "gamma delta") < 0.5);
        let s = similarity("the sky is blue today", "the sky is grey today");
        assert!(s > 0.6 && s < 1.0, "{s}");
    }
}
