//! Text for people. Model output is untrusted text. Before any of it reaches a terminal, control characters and
//! escape sequences are made inert: an ESC becomes the visible `␛`, other C0/C1 controls become
//! their Unicode "control picture" or `�`. Newlines and tabs survive.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as-is.
fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidi overrides and isolates can reorder what the user sees.
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn replacement(c: char) -> char {
    match c {
        // C0 controls and DEL have visible "control pictures" (U+2400 block).
        '\0'..='\u{1F}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\u{7F}' => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

/// Emoji presentation selector: terminals disagree on the width it gives a text-style
/// symbol (✍️ is one column in some, two in others), so the full-screen UI drops it.
const VS16: char = '\u{FE0F}';

/// `text` with every control character except `\n` and `\t` replaced by a visible stand-in.
/// A CR LF pair becomes a plain LF.
pub fn inert(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// [`inert`], and without emoji presentation selectors: for a screen laid out by display
/// width, where every cell must be where the layout thinks it is.
pub fn display(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

fn clean(text: &str, drop_vs16: bool) -> Cow<'_, str> {
    let drop = |c: char| drop_vs16 && c == VS16;
    if !text.chars().any(|c| is_dangerous(c) || drop(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if (c == '\r' && chars.peek() == Some(&'\n')) || drop(c) {
            continue;
        }
        if is_dangerous(c) {
            out.push(replacement(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A count for people: `1234567` → `1,234,567`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size for people: `12 KB`, `10.0 MB`.
pub fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A duration for people: `0.4 s`, `12 s`, `2 m 05 s`.
pub fn secs(ms: u64) -> String {
    if ms < 10_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 60_000 {
        format!("{} s", ms / 1000)
    } else {
        format!("{} m {:02} s", ms / 60_000, (ms / 1000) % 60)
    }
}

/// An amount in US dollars: `$0.0041`, `$1.23`.
pub fn usd(v: f64) -> String {
    if v == 0.0 {
        "$0".into()
    } else if v < 0.01 {
        format!("${v:.4}")
    } else if v < 10.0 {
        format!("${v:.3}")
    } else {
        format!("${v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_made_visible() {
        let hostile = "ok\x1b[2J\x1b]52;c;aGk=\x07 done\r\nnext\u{9b}31m\u{202e}txt";
        let safe = inert(hostile);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'));
        assert!(safe.contains("␛[2J"));
        assert!(safe.contains("done\nnext"));
        assert!(!safe.contains('\u{202e}'));
    }

    #[test]
    fn emoji_presentation_selector_is_dropped() {
        assert_eq!(display("write ✍\u{FE0F} now"), "write ✍ now");
        assert_eq!(
            inert("write ✍\u{FE0F} now"),
            "write ✍\u{FE0F} now",
            "kept for output that is not laid out"
        );
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(inert("你好 😊\n\tcode"), Cow::Borrowed(_)));
    }
}
