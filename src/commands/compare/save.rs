//! `compare --session`: a comparison kept as compare columns of a saved session, one per
//! target, numbered after the session's own. Each column begins after the conversation's
//! turns as they are now (its `base`) and holds one turn, the prompt, with one variant per
//! run. The prompt was sent without the session's history (a comparison is a fresh prompt);
//! the columns only keep it beside the conversation.

use super::run::Run;
use super::setup::Setup;
use crate::commands::record::{Recording, request_record};
use crate::session::store::title_from;

/// Queue the columns, their turn and their runs, and wait until they are written (a warning
/// says when they were not). `system` (of `--system`) becomes a new session's system prompt;
/// an existing session keeps its own.
pub fn save(
    recording: &Recording,
    setup: &Setup,
    results: &[Vec<Run>],
    prompt: &str,
    system: Option<&str>,
) {
    if recording.is_new
        && let (Some(job), Some(conn)) = (setup.jobs.first(), setup.conns.first())
    {
        // A new session is named after the prompt, and talked to the first target.
        recording.meta(
            Some(title_from(prompt)),
            &job.target.model,
            &conn.spec.name,
            system,
        );
    }
    let base = recording.conversation.turns.len();
    let mut next_id = recording.last_id;
    let mut id = || {
        next_id += 1;
        next_id
    };
    for (i, (job, runs)) in setup.jobs.iter().zip(results).enumerate() {
        let column = recording.columns + i;
        recording.send(crate::session::store::Op::Column {
            session: recording.id.clone(),
            column,
            target: job.target.to_string(),
            base,
        });
        let turn_id = id();
        let active = runs.len().saturating_sub(1);
        recording.turn(Some(column), base, turn_id, prompt, active);
        let conn = &setup.conns[job.conn];
        for r in runs {
            let mut v = r.variant.clone();
            v.id = id();
            v.request = Some(request_record(&job.planned.prepared, conn.key.is_some()));
            recording.variant(Some(column), turn_id, &v);
        }
    }
    recording.finish("the comparison");
}
