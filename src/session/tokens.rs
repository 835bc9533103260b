//! A quick token estimate for text whose exact count the server has not reported yet.
//!
//! Roughly one token per CJK character or emoji, and one per four other characters (word
//! pieces). It only has to be good enough for a live gauge; the server's figure replaces it.

/// Estimated token count of `text`.
pub fn estimate(text: &str) -> u64 {
    let mut wide = 0u64;
    let mut other = 0u64;
    for c in text.chars() {
        if (c as u32) >= 0x2E80 {
            wide += 1;
        } else if !c.is_whitespace() {
            // Whitespace is folded into neighbouring word pieces.
            other += 1;
        }
    }
    wide + other.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::estimate;

    #[test]
    fn estimates_grow_with_text() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("你好"), 2);
        assert_eq!(estimate("abcd efgh"), 2);
        assert!(estimate(&"word ".repeat(100)) >= 90);
    }
}
