//! Small formatting helpers shared by the panes.

use crate::session::{Status, Variant};

pub use crate::text::{group, secs, usd};

/// `think on`, `think off`, `think default`.
pub fn thinking_label(v: &Variant) -> &'static str {
    match v.settings.resolved.thinks {
        Some(true) => "think on",
        Some(false) => "think off",
        None => "think default",
    }
}

/// Elapsed milliseconds of a variant: final when it ended, live while it runs.
pub fn elapsed_ms(v: &Variant, now_ms: u64) -> u64 {
    match v.timings.total {
        Some(t) => t,
        None => now_ms.saturating_sub(v.started_at_ms),
    }
}

/// The header of an answer: its settings and its result, e.g.
/// `qwen3.7-plus · think on · budget 2,000 · 1,412 reasoning tok · 3.2 s · $0.0041`.
pub fn variant_header(v: &Variant, now_ms: u64) -> String {
    let mut parts = vec![v.settings.model.clone(), thinking_label(v).to_string()];
    if let Some(b) = v.settings.resolved.budget {
        parts.push(format!("budget {}", group(b as u64)));
    }
    if v.settings.resolved.preserve {
        parts.push("preserve".into());
    }
    let (tokens, exact) = v.reasoning_tokens();
    if tokens > 0 || (exact && v.settings.resolved.thinks != Some(false)) {
        let approx = if exact { "" } else { "~" };
        parts.push(format!("{approx}{} reasoning tok", group(tokens)));
    }
    parts.push(secs(elapsed_ms(v, now_ms)));
    if let Some(c) = v.cost_usd {
        parts.push(usd(c));
    }
    parts.join(" · ")
}

/// A one-word status for headers.
pub fn status_word(s: &Status) -> Option<&'static str> {
    match s {
        Status::Waiting => Some("waiting"),
        Status::Streaming => Some("streaming"),
        Status::Complete => None,
        Status::Cancelled => Some("cancelled"),
        Status::Failed(_) => Some("failed"),
        Status::Interrupted(_) => Some("incomplete"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(group(1_412), "1,412");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(secs(3_200), "3.2 s");
        assert_eq!(secs(42_000), "42 s");
        assert_eq!(secs(125_000), "2 m 05 s");
        assert_eq!(usd(0.0041), "$0.0041");
        assert_eq!(usd(1.234), "$1.234");
    }
}
