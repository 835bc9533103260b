//! The table `thinkbench compare` prints: one row per target, in the order given, with the
//! proof, the times, the tokens, the cost and how it ended; under each row, indented, what the
//! proof found and any error, wrapped to the width. With several runs per target a number is
//! their median and their range, `2.1 s (1.8–2.9)`.
//!
//! Everything from a model or a server is made inert and kept on one line per cell.

use unicode_width::UnicodeWidthStr;

use super::cells::{
    cost_cell, distinct, ending, one_line, proof_and_details, time_cell, tokens_cell,
};
use crate::session::Variant;

/// The width the table keeps to where it can.
pub const WIDTH: usize = 80;

const GAP: usize = 2;
/// Where the lines under a row start, and where their continuations do.
const INDENT: &str = "  ";
const HANGING: &str = "    ";

/// One target and its runs.
pub struct Row<'a> {
    pub target: String,
    pub runs: Vec<&'a Variant>,
}

/// The cells of one row; numbers in two lines each (median, range) when `split`.
fn cells(row: &Row, proof: &str, split: bool) -> Vec<Vec<String>> {
    let runs = &row.runs;
    vec![
        vec![one_line(&row.target)],
        vec![proof.to_string()],
        time_cell(runs, |v| v.timings.ttft, split),
        time_cell(runs, |v| v.timings.reasoning, split),
        time_cell(runs, |v| v.timings.total, split),
        tokens_cell(runs, split),
        cost_cell(runs, split),
        vec![distinct(runs.iter().map(|v| ending(v)))],
    ]
}

/// The columns: header, and whether it holds numbers (right-aligned). TOKENS R/A is reasoning
/// and answer tokens.
const COLUMNS: [(&str, bool); 8] = [
    ("TARGET", false),
    ("PROOF", false),
    ("TTFT", true),
    ("THINK", true),
    ("TOTAL", true),
    ("TOKENS R/A", true),
    ("COST", true),
    ("FINISH", false),
];

fn widths(table: &[Vec<Vec<String>>]) -> Vec<usize> {
    (0..COLUMNS.len())
        .map(|c| {
            table
                .iter()
                .flat_map(|row| row[c].iter())
                .map(|s| width(s))
                .chain([width(COLUMNS[c].0)])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn total(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + GAP * (widths.len() - 1)
}

/// Break a target's text before `@` and after `,` so that each line fits `max` where it can;
/// the lines after the first are indented by one space (a row's first line never is).
fn wrap_target(text: &str, max: usize) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c == '@' && !cur.is_empty() {
            pieces.push(std::mem::take(&mut cur));
        }
        cur.push(c);
        if c == ',' {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    let mut lines: Vec<String> = Vec::new();
    for p in pieces {
        match lines.last_mut() {
            Some(l) if width(l) + width(&p) <= max => l.push_str(&p),
            Some(_) => lines.push(format!(" {p}")),
            None => lines.push(p),
        }
    }
    lines
}

/// `text` wrapped at spaces to `max` columns (a longer word stands alone on its line).
fn wrap_words(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if width(l) + 1 + width(word) <= max => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn line(cells: &[&str], widths: &[usize]) -> String {
    let parts: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(c, s)| pad(s, widths[c], COLUMNS[c].1))
        .collect();
    parts.join(&" ".repeat(GAP)).trim_end().to_string()
}

/// The whole table, at most `max_width` wide where it can be.
pub fn render(rows: &[Row], max_width: usize) -> String {
    let proofs: Vec<(String, Vec<String>)> =
        rows.iter().map(|r| proof_and_details(&r.runs)).collect();
    let table_of = |split: bool| -> Vec<Vec<Vec<String>>> {
        rows.iter()
            .zip(&proofs)
            .map(|(r, (proof, _))| cells(r, proof, split))
            .collect()
    };
    let mut table = table_of(false);
    let mut w = widths(&table);
    if total(&w) > max_width {
        table = table_of(true);
        w = widths(&table);
    }
    if total(&w) > max_width {
        let rest = total(&w) - w[0];
        let room = max_width.saturating_sub(rest).max(width(COLUMNS[0].0));
        for (row, r) in table.iter_mut().zip(rows) {
            row[0] = wrap_target(&one_line(&r.target), room);
        }
        w = widths(&table);
    }
    let height = |row: &Vec<Vec<String>>| row.iter().map(Vec::len).max().unwrap_or(1);
    // Rows of more than one line each are set apart by a blank line.
    let spaced = table
        .iter()
        .zip(&proofs)
        .any(|(row, (_, details))| height(row) + details.len() > 1);
    let mut out = String::new();
    out.push_str(&line(&COLUMNS.map(|c| c.0), &w));
    out.push('\n');
    for (i, ((row, r), (_, details))) in table.iter().zip(rows).zip(proofs).enumerate() {
        if spaced && i > 0 {
            out.push('\n');
        }
        for i in 0..height(row) {
            let cells: Vec<&str> = row
                .iter()
                .map(|c| c.get(i).map_or("", String::as_str))
                .collect();
            out.push_str(&line(&cells, &w));
            out.push('\n');
        }
        if r.runs.is_empty() {
            out.push_str(INDENT);
            out.push_str("no run finished\n");
        }
        for d in details {
            let lines = wrap_words(&d, max_width.saturating_sub(HANGING.len()));
            for (i, l) in lines.iter().enumerate() {
                out.push_str(if i == 0 { INDENT } else { HANGING });
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::plan::{Resolved, ThinkingSettings};
    use crate::provider::{FinishReason, StreamEvent, Usage};
    use crate::session::{MessageSettings, Status, TimingsMs};

    /// A finished run of a thinking model: `total` ms, `reasoning` tokens of reasoning and 100
    /// of answer, costing `cost`.
    fn run(id: u64, total: u64, reasoning: u64, cost: f64) -> Variant {
        let settings = MessageSettings {
            provider: "p".into(),
            model: "m".into(),
            thinking: ThinkingSettings::default(),
            resolved: Resolved {
                send_thinking: Some(true),
                thinks: Some(true),
                budget: None,
                preserve: false,
            },
            max_tokens: None,
        };
        let mut v = Variant::new(id, settings, 0);
        v.apply(&StreamEvent::Reasoning("hmm".into()));
        v.apply(&StreamEvent::Answer("42".into()));
        v.apply(&StreamEvent::Usage(Usage {
            input_tokens: Some(10),
            output_tokens: Some(reasoning + 100),
            reasoning_tokens: Some(reasoning),
            total_tokens: Some(reasoning + 110),
            ..Usage::default()
        }));
        v.apply(&StreamEvent::Finish(FinishReason::Stop));
        v.status = Status::Complete;
        v.timings = TimingsMs {
            ttft: Some(400),
            reasoning: Some(total / 2),
            answer: Some(total / 2),
            total: Some(total),
        };
        v.cost_usd = Some(cost);
        v
    }

    #[test]
    fn one_run_shows_its_numbers_and_what_its_proof_found() {
        let v = run(1, 3200, 1412, 0.0041);
        let rows = [Row {
            target: "qwen3.7-plus@think=on".into(),
            runs: vec![&v],
        }];
        let table = render(&rows, WIDTH);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines,
            [
                "TARGET                 PROOF   TTFT  THINK  TOTAL  TOKENS R/A     COST  FINISH",
                "qwen3.7-plus@think=on  held   0.4 s  1.6 s  3.2 s   1,412/100  $0.0041  stop",
                "  ✓ thinking on, and it reasoned",
            ]
        );
    }

    #[test]
    fn repeats_show_medians_ranges_and_how_many_held() {
        let runs = [
            run(1, 2100, 500, 0.002),
            run(2, 1800, 480, 0.002),
            run(3, 2900, 520, 0.002),
        ];
        let mut failed = Variant::new(4, runs[0].settings.clone(), 0);
        failed.status = Status::Failed("HTTP 500: oops".into());
        failed.timings.total = Some(300);
        let rows = [
            Row {
                target: "m".into(),
                runs: runs.iter().collect(),
            },
            Row {
                target: "n".into(),
                runs: vec![&runs[0], &failed],
            },
        ];
        let table = render(&rows, 200);
        let first = table.lines().nth(1).unwrap();
        assert!(first.contains(" 3/3 held "), "{first}");
        assert!(first.contains(" 2.1 s (1.8–2.9) "), "{first}");
        assert!(first.contains(" 500/100 (480–520/100) "), "{first}");
        assert!(first.contains(" $0.0020 "), "{first}");
        let second = table.lines().find(|l| l.starts_with("n ")).unwrap();
        assert!(second.contains(" 1/2 held "), "{second}");
        assert!(second.contains(" 1.2 s (0.3–2.1) "), "{second}");
        assert!(
            second.contains(" 500/100 "),
            "only the run that had tokens: {second}"
        );
        assert!(table.contains("  error (run 4): HTTP 500: oops"), "{table}");
        assert!(table.contains("stop/failed"), "{table}");
        // At 80 columns the ranges go under their medians.
        let narrow = render(&rows[..1], WIDTH);
        assert!(narrow.lines().all(|l| width(l) <= WIDTH), "{narrow}");
        assert!(
            narrow.lines().nth(2).unwrap().contains("(1.8–2.9)"),
            "{narrow}"
        );
    }

    #[test]
    fn long_targets_wrap_at_their_settings_and_details_at_words() {
        assert_eq!(
            wrap_target("qwen3.7-plus@think=on,budget=2000,provider=x", 23),
            ["qwen3.7-plus@think=on,", " budget=2000,provider=x"]
        );
        assert_eq!(
            wrap_target("qwen3.7-plus@think=on", 12),
            ["qwen3.7-plus", " @think=on"]
        );
        assert_eq!(wrap_words("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(
            wrap_words("unbreakable-word x", 4),
            ["unbreakable-word", "x"]
        );
    }

    #[test]
    fn model_and_server_text_is_inert_and_on_one_line() {
        let mut v = run(1, 1000, 10, 0.0);
        v.reply.finish = Some(FinishReason::Other("\u{1b}[31mred".into()));
        v.status = Status::Complete;
        let mut bad = run(2, 1000, 10, 0.0);
        bad.status = Status::Interrupted("cut\u{1b}]52;c;x\u{7}\nshort".into());
        let rows = [
            Row {
                target: "m".into(),
                runs: vec![&v],
            },
            Row {
                target: "n".into(),
                runs: vec![&bad],
            },
        ];
        let table = render(&rows, WIDTH);
        assert!(
            !table.chars().any(|c| c.is_control() && c != '\n'),
            "{table:?}"
        );
        assert!(table.contains("␛[31mred"), "{table}");
        assert!(table.contains("error: cut␛]52;c;x␇ short"), "{table}");
    }
}
