//! What each cell of a compare row says, over the runs of one target: the median and range of
//! each number, how the runs ended, what their proofs found and what went wrong. Everything
//! from a model or a server is made inert and kept on one line.

use crate::provider::ApiError;
use crate::session::proof::Proof;
use crate::session::{Status, Variant};
use crate::text::{group, inert, secs, usd};

/// `text` inert, on one line.
pub(super) fn one_line(text: &str) -> String {
    inert(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A number of tokens, `~` when estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Count {
    n: u64,
    exact: bool,
}

fn reasoning(v: &Variant) -> Option<Count> {
    let (n, exact) = v.reasoning_tokens();
    (exact || !v.reply.reasoning.is_empty()).then_some(Count { n, exact })
}

fn answer(v: &Variant) -> Option<Count> {
    let (out, out_exact) = v.output_tokens();
    let (r, r_exact) = v.reasoning_tokens();
    let exact = out_exact && r_exact;
    (exact || !v.reply.answer.is_empty()).then_some(Count {
        n: out.saturating_sub(r),
        exact,
    })
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The median of `values` formatted, and their range (`1.8–2.9`) when the runs differ. Seconds
/// drop their unit inside the range.
fn stat(values: &[f64], fmt: impl Fn(f64) -> String) -> (String, Option<String>) {
    let Some(mid) = median(values) else {
        return ("—".into(), None);
    };
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (fmt(lo), fmt(hi));
    if lo == hi {
        return (fmt(mid), None);
    }
    let short = |s: &str| -> String {
        match s.strip_suffix(" s") {
            Some(n) if !n.contains(' ') => n.to_string(),
            _ => s.to_string(),
        }
    };
    (fmt(mid), Some(format!("{}–{}", short(&lo), short(&hi))))
}

/// A number cell: `2.1 s (1.8–2.9)`, or the median over the range in two lines when `split`.
fn cell((mid, range): (String, Option<String>), split: bool) -> Vec<String> {
    match range {
        None => vec![mid],
        Some(r) if split => vec![mid, format!("({r})")],
        Some(r) => vec![format!("{mid} ({r})")],
    }
}

pub(super) fn time_cell(
    runs: &[&Variant],
    f: impl Fn(&Variant) -> Option<u64>,
    split: bool,
) -> Vec<String> {
    let values: Vec<f64> = runs.iter().filter_map(|v| f(v)).map(|n| n as f64).collect();
    cell(stat(&values, |ms| secs(ms.round() as u64)), split)
}

fn count_stat(
    runs: &[&Variant],
    f: impl Fn(&Variant) -> Option<Count>,
) -> (String, Option<String>) {
    let counts: Vec<Count> = runs.iter().filter_map(|v| f(v)).collect();
    let approx = if counts.iter().all(|c| c.exact) {
        ""
    } else {
        "~"
    };
    let values: Vec<f64> = counts.iter().map(|c| c.n as f64).collect();
    stat(&values, |n| format!("{approx}{}", group(n.round() as u64)))
}

/// Reasoning and answer tokens: `1,412/305`, with their ranges `(1,380–1,460/305)`.
pub(super) fn tokens_cell(runs: &[&Variant], split: bool) -> Vec<String> {
    let (r, r_range) = count_stat(runs, reasoning);
    let (a, a_range) = count_stat(runs, answer);
    let range = match (r_range, a_range) {
        (None, None) => None,
        (rr, ar) => Some(format!(
            "{}/{}",
            rr.unwrap_or_else(|| r.clone()),
            ar.unwrap_or_else(|| a.clone())
        )),
    };
    cell((format!("{r}/{a}"), range), split)
}

pub(super) fn cost_cell(runs: &[&Variant], split: bool) -> Vec<String> {
    let values: Vec<f64> = runs.iter().filter_map(|v| v.cost_usd).collect();
    cell(stat(&values, usd), split)
}

/// How a run ended, in a word: the finish reason when it completed.
pub(super) fn ending(v: &Variant) -> String {
    match &v.status {
        Status::Complete => v
            .reply
            .finish
            .as_ref()
            .map_or("—".to_string(), |f| one_line(f.as_str())),
        Status::Cancelled => "cancelled".into(),
        Status::Failed(_) => "failed".into(),
        Status::Interrupted(_) => "incomplete".into(),
        Status::Waiting | Status::Streaming => "running".into(),
    }
}

/// Distinct values in order of first appearance, joined with `/`.
pub(super) fn distinct(values: impl IntoIterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    if seen.is_empty() {
        "—".into()
    } else {
        seen.join("/")
    }
}

/// The proof column, and the lines under the row.
pub(super) fn proof_and_details(runs: &[&Variant]) -> (String, Vec<String>) {
    let proofs: Vec<Proof> = runs.iter().map(|v| Proof::of(v)).collect();
    let held = |(v, p): (&&Variant, &Proof)| v.status == Status::Complete && p.holds();
    let mut details = Vec::new();
    let column = if runs.is_empty() {
        "—".to_string()
    } else if let [v] = runs {
        let p = &proofs[0];
        // What held is worth saying only of a run that completed; what did not, always.
        let complete = v.status == Status::Complete;
        for f in p.findings.iter().filter(|f| complete || !f.ok) {
            details.push(format!("{} {}", if f.ok { "✓" } else { "!" }, f.text));
        }
        let warnings = p.warnings().count();
        match (held((v, p)), warnings) {
            (true, _) => "held".to_string(),
            (false, 0) => "—".to_string(),
            (false, 1) => "1 warning".to_string(),
            (false, n) => format!("{n} warnings"),
        }
    } else {
        let mut warnings: Vec<(&str, usize)> = Vec::new();
        for w in proofs.iter().flat_map(Proof::warnings) {
            match warnings.iter_mut().find(|(t, _)| *t == w) {
                Some((_, n)) => *n += 1,
                None => warnings.push((w, 1)),
            }
        }
        for (w, n) in warnings {
            details.push(format!("! {w} ({n} of {} runs)", runs.len()));
        }
        let n = runs.iter().zip(&proofs).filter(|r| held(*r)).count();
        format!("{n}/{} held", runs.len())
    };
    // Errors, each once, with the runs it happened in.
    let mut errors: Vec<(String, Vec<u64>)> = Vec::new();
    for v in runs {
        let mut text = error_text(v, runs.len() == 1);
        if v.malformed > 0 {
            let skipped = format!(
                "{} malformed chunk(s) in the stream were skipped",
                v.malformed
            );
            text = if text.is_empty() {
                skipped
            } else {
                format!("{text}; {skipped}")
            };
        }
        if text.is_empty() {
            continue;
        }
        match errors.iter_mut().find(|(t, _)| *t == text) {
            Some((_, ids)) => ids.push(v.id),
            None => errors.push((text, vec![v.id])),
        }
    }
    for (text, ids) in errors {
        let which = match ids.as_slice() {
            _ if runs.len() == 1 => String::new(),
            [one] => format!(" (run {one})"),
            many => {
                let list: Vec<String> = many.iter().map(u64::to_string).collect();
                format!(" (runs {})", list.join(", "))
            }
        };
        details.push(format!("error{which}: {text}"));
    }
    (column, details.iter().map(|d| one_line(d)).collect())
}

/// What went wrong in run `v`, if anything; without the server's request id unless `with_id`
/// (the same error in several runs is then said once).
fn error_text(v: &Variant, with_id: bool) -> String {
    let text = match &v.status {
        Status::Failed(why) | Status::Interrupted(why) => why.clone(),
        _ => return String::new(),
    };
    match &v.reply.error {
        Some(e) if !with_id && e.request_id.is_some() => {
            let without = ApiError {
                request_id: None,
                ..e.clone()
            };
            text.replacen(&e.to_string(), &without.to_string(), 1)
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[2900.0, 1800.0, 2100.0]), Some(2100.0));
        assert_eq!(median(&[1.0, 4.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn numbers_show_the_median_and_the_range_when_runs_differ() {
        let s = |ms: f64| secs(ms as u64);
        assert_eq!(
            stat(&[2100.0, 1800.0, 2900.0], s),
            ("2.1 s".into(), Some("1.8–2.9".into()))
        );
        assert_eq!(stat(&[2100.0, 2100.0], s), ("2.1 s".into(), None));
        // Seconds keep their unit inside the range only where it is not plain seconds.
        assert_eq!(
            stat(&[50_000.0, 70_000.0], s).1.as_deref(),
            Some("50–1 m 10 s")
        );
        assert_eq!(stat(&[], s), ("—".into(), None));
        let range = ("2.1 s".to_string(), Some("1.8–2.9".to_string()));
        assert_eq!(cell(range.clone(), false), ["2.1 s (1.8–2.9)"]);
        assert_eq!(cell(range, true), ["2.1 s", "(1.8–2.9)"]);
    }
}
