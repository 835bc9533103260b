//! Searching the reasoning of the selected message. The matches are state: `update` keeps
//! them current as the query is typed and as the reasoning streams in, so Enter, `n` and `N`
//! always act on the text as it is now. The renderer only maps them to lines.

/// Reasoning search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// The query is still being typed.
    pub editing: bool,
    /// Index into `matches` of the match moved to last.
    pub current: usize,
    /// Byte ranges of the case-insensitive matches of `query` in the searched text.
    pub matches: Vec<(usize, usize)>,
    /// What `matches` were found in: the variant, the text's length, and the query.
    scanned: Option<(u64, usize, String)>,
}

impl Search {
    /// A search whose query is being typed.
    pub fn typing() -> Search {
        Search {
            editing: true,
            ..Search::default()
        }
    }

    /// Bring the matches up to date with `text` (the reasoning of variant `variant`). Text that
    /// only grew is scanned from where new matches can start, not from the beginning.
    pub fn refresh(&mut self, variant: Option<u64>, text: &str) {
        let Some(id) = variant else {
            if self.scanned.is_some() {
                self.matches.clear();
                self.scanned = None;
            }
            return;
        };
        let from = match &self.scanned {
            Some((v, len, q)) if *v == id && *q == self.query => {
                if *len == text.len() {
                    return;
                }
                if *len < text.len() && text.is_char_boundary(*len) {
                    // A new match ends after the old end, so it starts at most one query
                    // length (in bytes, at most four per character) before it, and after the
                    // last match found (matches do not overlap).
                    let reach = self.query.chars().count() * 4;
                    let mut from = len.saturating_sub(reach);
                    while !text.is_char_boundary(from) {
                        from -= 1;
                    }
                    let from = from.max(self.matches.last().map_or(0, |m| m.1));
                    self.matches.retain(|m| m.0 < from);
                    from
                } else {
                    self.matches.clear();
                    0
                }
            }
            _ => {
                self.matches.clear();
                0
            }
        };
        self.matches.extend(
            find_matches(&text[from..], &self.query)
                .into_iter()
                .map(|(s, e)| (s + from, e + from)),
        );
        if self.current >= self.matches.len() {
            self.current = 0;
        }
        self.scanned = Some((id, text.len(), self.query.clone()));
    }

    /// The match moved to last, if any.
    pub fn current_match(&self) -> Option<(usize, usize)> {
        self.matches.get(self.current).copied()
    }
}

/// Byte offsets of case-insensitive matches of `query` in `text`, left to right, not
/// overlapping.
pub fn find_matches(text: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let mut j = 0;
        let mut k = i;
        while j < q.len() && k < chars.len() {
            let mut lower = chars[k].1.to_lowercase();
            let Some(c) = lower.next() else { break };
            if c != q[j] || lower.next().is_some() {
                break;
            }
            j += 1;
            k += 1;
        }
        if j == q.len() {
            let end = chars.get(k).map_or(text.len(), |(b, _)| *b);
            out.push((chars[i].0, end));
            i = k.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_case_insensitive_and_unicode_safe() {
        let t = "Wait, wait. 等等 WAIT";
        let m = find_matches(t, "wait");
        assert_eq!(m.len(), 3);
        assert_eq!(&t[m[2].0..m[2].1], "WAIT");
        assert_eq!(find_matches(t, "等等").len(), 1);
        assert!(find_matches(t, "").is_empty());
    }

    #[test]
    fn growing_text_finds_the_same_matches_as_a_fresh_scan() {
        let text = "Hmm, wait. Wait — wa it, waiting… 等待 wait等wait ÄwaitÄ WAITwait";
        for query in ["wait", "WAIT", "a", "待", "wait等", "itw", "ä"] {
            let mut grown = Search {
                query: query.to_string(),
                ..Search::default()
            };
            // Every way of growing the text, one character at a time.
            for (end, _) in text.char_indices().skip(1).chain([(text.len(), ' ')]) {
                grown.refresh(Some(7), &text[..end]);
                assert_eq!(
                    grown.matches,
                    find_matches(&text[..end], query),
                    "query {query:?} at {end}"
                );
            }
        }
    }

    #[test]
    fn a_new_query_or_another_variant_scans_again() {
        let mut s = Search {
            query: "ab".into(),
            ..Search::default()
        };
        s.refresh(Some(1), "ab ab ab");
        assert_eq!(s.matches.len(), 3);
        s.current = 2;
        s.query = "ab a".into();
        s.refresh(Some(1), "ab ab ab");
        assert_eq!(s.matches, vec![(0, 4)]);
        assert_eq!(s.current, 0, "the old index is out of range");
        s.refresh(Some(2), "nothing here");
        assert!(s.matches.is_empty());
        s.refresh(None, "");
        assert!(s.current_match().is_none());
    }
}
