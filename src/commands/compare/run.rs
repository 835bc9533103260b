//! Running a comparison: one task per target, all at once; `--repeat N` runs a target N times
//! one after another inside its task. Each run fills a [`Variant`], as a message in the
//! workbench is filled, and a line on stderr says when it finished.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use super::setup::{Job, Setup};
use crate::catalog::Price;
use crate::commands::report::{note, note_retry};
use crate::provider::client::{ApiKey, Client, RunEnd, RunEvent, RunOutcome};
use crate::provider::request::PreparedRequest;
use crate::session::{MessageSettings, Status, Variant};
use crate::text::{inert, secs};

/// One run of a target.
pub struct Run {
    /// 1-based.
    pub repeat: u32,
    pub variant: Variant,
    pub outcome: RunOutcome,
}

/// What one target's task needs, owned.
struct Lane {
    label: String,
    client: Client,
    key: Option<ApiKey>,
    request: PreparedRequest,
    settings: MessageSettings,
    price: Option<Price>,
    unauthorized_hint: String,
}

impl Lane {
    fn new(setup: &Setup, job: &Job) -> Lane {
        let conn = &setup.conns[job.conn];
        Lane {
            label: inert(&job.target.to_string()).into_owned(),
            client: conn.client.clone(),
            key: conn.key.clone(),
            request: job.planned.prepared.clone(),
            settings: MessageSettings {
                provider: conn.spec.name.clone(),
                model: job.target.model.clone(),
                thinking: job.target.settings.clone(),
                resolved: job.planned.resolved,
                max_tokens: job.planned.chat.max_tokens,
            },
            price: conn
                .route
                .model_info(&job.target.model)
                .and_then(|m| m.price),
            unauthorized_hint: conn.spec.unauthorized_hint(),
        }
    }

    /// Run `repeat` times, or until cancelled.
    async fn run(self, repeat: u32, cancel: CancellationToken) -> Vec<Run> {
        let mut runs = Vec::new();
        for n in 1..=repeat {
            if cancel.is_cancelled() {
                break;
            }
            let mut v = Variant::new(u64::from(n), self.settings.clone(), now_ms());
            let label = &self.label;
            let outcome = self
                .client
                .run(
                    &self.request,
                    self.key.as_ref(),
                    &cancel,
                    &mut |ev| match ev {
                        RunEvent::Stream(e) => v.apply(&e),
                        ev @ RunEvent::Retrying { .. } => note_retry(&format!("{label}: "), &ev),
                        _ => {}
                    },
                )
                .await;
            self.finish(&mut v, &outcome);
            let run = if repeat > 1 {
                format!(" (run {n} of {repeat})")
            } else {
                String::new()
            };
            let took = secs(v.timings.total.unwrap_or(0));
            match &v.status {
                Status::Failed(why) | Status::Interrupted(why) => note(format_args!(
                    "{label}{run} failed after {took}: {}",
                    inert(why)
                )),
                Status::Cancelled => note(format_args!("{label}{run} cancelled after {took}")),
                _ => note(format_args!("{label}{run} finished in {took}")),
            }
            let cancelled = outcome.end == RunEnd::Cancelled;
            runs.push(Run {
                repeat: n,
                variant: v,
                outcome,
            });
            if cancelled {
                break;
            }
        }
        runs
    }

    /// Fold how the run ended into its variant, as the workbench does for a message.
    fn finish(&self, v: &mut Variant, outcome: &RunOutcome) {
        v.retries = outcome.attempts.saturating_sub(1);
        v.finish(outcome, self.price, &self.unauthorized_hint);
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Run every job at once, each `repeat` times; the runs of each job, in the order of the jobs.
/// A job whose task crashed has none (and says so on stderr).
pub async fn run_all(setup: &Setup, repeat: u32, cancel: &CancellationToken) -> Vec<Vec<Run>> {
    let tasks: Vec<_> = setup
        .jobs
        .iter()
        .map(|job| tokio::spawn(Lane::new(setup, job).run(repeat, cancel.clone())))
        .collect();
    let mut all = Vec::with_capacity(tasks.len());
    for (task, job) in tasks.into_iter().zip(&setup.jobs) {
        all.push(task.await.unwrap_or_else(|e| {
            note(format_args!(
                "{}: the run task {}; the log file has the details",
                inert(&job.target.to_string()),
                if e.is_panic() {
                    "crashed"
                } else {
                    "was stopped"
                }
            ));
            Vec::new()
        }));
    }
    all
}
