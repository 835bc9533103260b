//! When every column has finished: which was first to a token, fastest overall, cheapest,
//! which reasoned most, and how alike the answers are.

use super::diff::similarity;
use crate::session::{Status, Variant};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Column indices.
    pub first_token: Option<usize>,
    pub fastest: Option<usize>,
    pub cheapest: Option<usize>,
    pub most_reasoning: Option<usize>,
    /// The mean word similarity of every pair of complete answers (0 to 1).
    pub similarity: Option<f32>,
}

/// The column whose `key` is least, among those that have one.
fn least<T: PartialOrd + Copy>(items: &[Option<T>]) -> Option<usize> {
    let mut best: Option<(usize, T)> = None;
    for (i, v) in items.iter().enumerate() {
        if let Some(v) = *v
            && best.is_none_or(|(_, b)| v < b)
        {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// The summary of the latest answer of each column (`None`: a column with nothing to show,
/// such as one whose provider failed), once none is running and two or more have answered.
pub fn summarize(latest: &[Option<&Variant>]) -> Option<Summary> {
    let answered = latest.iter().flatten();
    if answered.clone().any(|v| v.status.is_running()) || answered.count() < 2 {
        return None;
    }
    let complete: Vec<Option<&Variant>> = latest
        .iter()
        .map(|v| v.filter(|v| v.status == Status::Complete))
        .collect();
    let pick = |f: &dyn Fn(&Variant) -> Option<f64>| -> Vec<Option<f64>> {
        complete.iter().map(|v| v.and_then(f)).collect()
    };
    let most: Vec<Option<i64>> = complete
        .iter()
        .map(|v| {
            v.map(|v| -(v.reasoning_tokens().0 as i64))
                .filter(|n| *n < 0)
        })
        .collect();
    let answers: Vec<&str> = complete
        .iter()
        .flatten()
        .map(|v| v.reply.answer.as_str())
        .collect();
    let mut pairs = Vec::new();
    for i in 0..answers.len() {
        for j in i + 1..answers.len() {
            pairs.push(similarity(answers[i], answers[j]));
        }
    }
    Some(Summary {
        first_token: least(&pick(&|v| v.timings.ttft.map(|t| t as f64))),
        fastest: least(&pick(&|v| v.timings.total.map(|t| t as f64))),
        cheapest: least(&pick(&|v| v.cost_usd)),
        most_reasoning: least(&most),
        similarity: (!pairs.is_empty()).then(|| pairs.iter().sum::<f32>() / pairs.len() as f32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::StreamEvent;
    use crate::session::MessageSettings;

    fn v(ttft: u64, total: u64, cost: f64, reasoning: &str, answer: &str) -> Variant {
        let settings = MessageSettings {
            provider: "p".into(),
            model: "m".into(),
            thinking: Default::default(),
            resolved: Default::default(),
            max_tokens: None,
        };
        let mut v = Variant::new(1, settings, 0);
        if !reasoning.is_empty() {
            v.apply(&StreamEvent::Reasoning(reasoning.into()));
        }
        v.apply(&StreamEvent::Answer(answer.into()));
        v.status = Status::Complete;
        v.timings.ttft = Some(ttft);
        v.timings.total = Some(total);
        v.cost_usd = Some(cost);
        v
    }

    #[test]
    fn the_best_of_each_and_how_alike_the_answers_are() {
        let a = v(300, 4000, 0.004, &"think ".repeat(200), "the sky is blue");
        let b = v(100, 5000, 0.001, "", "the sky is blue");
        let c = v(500, 2000, 0.002, "think think", "the sky is blue");
        let s = summarize(&[Some(&a), Some(&b), Some(&c)]).unwrap();
        assert_eq!(s.first_token, Some(1));
        assert_eq!(s.fastest, Some(2));
        assert_eq!(s.cheapest, Some(1));
        assert_eq!(s.most_reasoning, Some(0));
        assert_eq!(s.similarity, Some(1.0));
    }

    #[test]
    fn no_summary_while_a_column_runs_and_failed_columns_do_not_win() {
        let a = v(300, 4000, 0.004, "x", "one");
        let mut b = v(100, 1000, 0.0001, "x", "two");
        b.status = Status::Streaming;
        assert!(summarize(&[Some(&a), Some(&b)]).is_none());
        b.status = Status::Failed("boom".into());
        let s = summarize(&[Some(&a), Some(&b)]).unwrap();
        assert_eq!(s.fastest, Some(0));
        assert_eq!(
            s.similarity, None,
            "one complete answer: nothing to compare"
        );
        assert!(
            summarize(&[Some(&a)]).is_none(),
            "one column is no comparison"
        );
    }
}
