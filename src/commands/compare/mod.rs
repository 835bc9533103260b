//! `thinkbench compare`: one prompt to several targets at once (models, thinking settings,
//! providers), and a table — or JSON — of what came back from each. `setup` turns the command
//! line into checked, planned jobs; `run` runs them concurrently; `cells` says what each cell of a
//! result shows and `table` lays them out; `save` keeps it in a session (`--session`).

mod cells;
mod run;
mod save;
mod setup;
mod table;

use std::io::Write;

use serde_json::{Value, json};

use super::record::{self, Recording};
use super::report::{exit_code, json_result, note, or_usage};
use super::{cancel_on_ctrl_c, read_prompt};
use crate::cli::CompareCmdArgs;
use crate::config::{Config, ConfigError};
use crate::exit;
use crate::session::proof::Proof;
use run::Run;
use setup::Setup;

pub async fn run(args: CompareCmdArgs) -> u8 {
    or_usage(compare(args).await)
}

async fn compare(args: CompareCmdArgs) -> Result<u8, ConfigError> {
    let config = Config::load(args.connect.config.as_deref())?;
    let prompt = read_prompt(args.request.prompt.as_deref())?;
    let recording = match args.session.as_deref().map(Recording::open).transpose() {
        Ok(r) => r,
        Err(e) => {
            note(&e);
            return Ok(record::exit_code(&e));
        }
    };
    let setup = setup::prepare(&args, &config, prompt.clone()).await?;
    if let Some(r) = recording.as_ref().filter(|r| r.is_new) {
        let _ = writeln!(std::io::stderr(), "session: {}", r.id);
    }
    let cancel = cancel_on_ctrl_c();
    let results = run::run_all(&setup, args.repeat, &cancel).await;
    if let Some(r) = &recording {
        save::save(r, &setup, &results, &prompt, args.request.system.as_deref());
    }
    let printed = if args.json {
        let mut array = to_json(&setup, &results, args.repeat);
        if let (Some(r), Value::Array(objects)) = (&recording, &mut array) {
            for o in objects.iter_mut().filter_map(Value::as_object_mut) {
                o.insert("session".into(), json!(r.id));
            }
        }
        serde_json::to_string_pretty(&array).unwrap_or_default() + "\n"
    } else {
        let rows: Vec<table::Row> = setup
            .jobs
            .iter()
            .zip(&results)
            .map(|(job, runs)| table::Row {
                target: job.target.to_string(),
                runs: runs.iter().map(|r| &r.variant).collect(),
            })
            .collect();
        table::render(&rows, table::WIDTH)
    };
    // A closed pipe (`| head`) is not an error of the runs.
    let _ = std::io::stdout().write_all(printed.as_bytes());
    if cancel.is_cancelled() {
        return Ok(exit::CANCELLED);
    }
    Ok(overall(&results))
}

/// One exit code for all runs: an API error over a network error over success; a target whose
/// task crashed is a failure.
fn overall(results: &[Vec<Run>]) -> u8 {
    let codes: Vec<u8> = results
        .iter()
        .flat_map(|runs| runs.iter().map(|r| exit_code(&r.outcome.end)))
        .collect();
    let crashed = results.iter().any(Vec::is_empty);
    [exit::CANCELLED, exit::API, exit::NETWORK]
        .into_iter()
        .find(|c| codes.contains(c))
        .unwrap_or(if crashed { exit::FAILURE } else { exit::OK })
}

fn proof_json(p: &Proof) -> Value {
    json!({
        "holds": p.holds(),
        "findings": p.findings.iter().map(|f| json!({"ok": f.ok, "text": f.text})).collect::<Vec<_>>(),
        "answer_in_reasoning": p.answer_in_reasoning,
    })
}

/// The `ask --json` object of every run, with its target, its proof and (with `--repeat`) its
/// number.
fn to_json(setup: &Setup, results: &[Vec<Run>], repeat: u32) -> Value {
    let mut array = Vec::new();
    for (job, runs) in setup.jobs.iter().zip(results) {
        let conn = &setup.conns[job.conn];
        for r in runs {
            let result = json_result(
                conn,
                &job.target.model,
                &job.planned.chat,
                &r.variant.reply,
                &r.outcome,
            );
            let mut object = serde_json::Map::new();
            object.insert("target".into(), json!(job.target.to_string()));
            if repeat > 1 {
                object.insert("repeat".into(), json!(r.repeat));
            }
            if let Value::Object(fields) = result {
                object.extend(fields);
            }
            object.insert("proof".into(), proof_json(&Proof::of(&r.variant)));
            array.push(Value::Object(object));
        }
    }
    Value::Array(array)
}
