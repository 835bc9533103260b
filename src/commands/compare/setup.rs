//! From the command line to the jobs of a comparison: the targets (as given, or made by a
//! sweep), one connection per provider they name, and each target checked against its
//! provider's route and planned into the exact request, before anything is sent.

use crate::cli::{CompareCmdArgs, ConnectArgs};
use crate::commands::report::note;
use crate::compare::{Sweep, TargetError, TargetSpec};
use crate::config::{Config, ConfigError};
use crate::connect::Connection;
use crate::provider::request::Message;
use crate::provider::route::{Ask, Planned};

/// The most targets `thinkbench compare` runs at once.
pub const MAX_TARGETS: usize = 8;

/// One target, ready to send.
pub struct Job {
    pub target: TargetSpec,
    /// Index of its connection in [`Setup::conns`].
    pub conn: usize,
    pub planned: Planned,
}

/// Everything a comparison needs: the connections (kept alive, demo simulators included, until
/// it is over) and the jobs, in the order the targets were given.
pub struct Setup {
    pub conns: Vec<Connection>,
    pub jobs: Vec<Job>,
}

/// The connections of a comparison, one per provider name (`None`: the one the flags and the
/// config choose).
struct Conns<'a> {
    args: &'a ConnectArgs,
    config: &'a Config,
    names: Vec<Option<String>>,
    conns: Vec<Connection>,
}

impl Conns<'_> {
    /// The index of the connection for `target`'s provider, opened on first use.
    async fn of(&mut self, target: &TargetSpec) -> Result<usize, ConfigError> {
        self.open(&target.provider, Some(&target.model))
            .await
            .map_err(|e| match &target.provider {
                Some(_) => usage(TargetError::new(target.to_string(), e.to_string())),
                None => e,
            })
    }

    /// The connection for `provider`, opened on first use. `model` (a target's) stands in
    /// for a model the provider does not name; requests name their own.
    async fn open(
        &mut self,
        provider: &Option<String>,
        model: Option<&str>,
    ) -> Result<usize, ConfigError> {
        if let Some(i) = self.names.iter().position(|n| n == provider) {
            return Ok(i);
        }
        let base = match provider {
            None => self.args.clone(),
            // As a provider switch in the workbench does.
            Some(name) => self.args.for_provider(name),
        };
        let args = ConnectArgs {
            model: self.args.model.clone().or(model.map(str::to_string)),
            ..base
        };
        let conn = Connection::open(&args, self.config).await?;
        if let Some(n) = &conn.notice {
            note(n);
        }
        self.names.push(provider.clone());
        self.conns.push(conn);
        Ok(self.conns.len() - 1)
    }
}

fn usage(e: impl ToString) -> ConfigError {
    ConfigError::new(e.to_string())
}

/// The targets as given on the command line, and the sweep; only their syntax is checked.
fn parse(args: &CompareCmdArgs) -> Result<(Vec<TargetSpec>, Option<Sweep>), ConfigError> {
    let mut targets = Vec::new();
    for t in &args.targets {
        targets.extend(TargetSpec::parse_list(t).map_err(usage)?);
    }
    let sweep = args
        .sweep
        .as_deref()
        .map(Sweep::parse)
        .transpose()
        .map_err(usage)?;
    if let Some(s) = &args.sweep
        && targets.len() > 1
    {
        let names: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
        return Err(usage(format!(
            "--sweep {s} compares one model under several settings, but {} targets were given ({}): give one --target, or leave out --sweep",
            targets.len(),
            names.join(", ")
        )));
    }
    if targets.len() > MAX_TARGETS {
        return Err(usage(format!(
            "{} targets were given; at most {MAX_TARGETS} are compared at once",
            targets.len()
        )));
    }
    Ok((targets, sweep))
}

/// Parse, connect, check and plan. Every error here is a usage or config error, and one about
/// a target names it.
pub async fn prepare(
    args: &CompareCmdArgs,
    config: &Config,
    prompt: String,
) -> Result<Setup, ConfigError> {
    let (mut targets, sweep) = parse(args)?;
    let mut conns = Conns {
        args: &args.connect,
        config,
        names: Vec::new(),
        conns: Vec::new(),
    };
    if targets.is_empty() {
        // The model of --model, the config or the provider's default.
        let i = conns.open(&None, None).await?;
        targets.push(TargetSpec::model(conns.conns[i].model.clone()));
    }
    if let Some(sweep) = sweep {
        let i = conns.of(&targets[0]).await?;
        targets = sweep
            .targets(&targets[0], &conns.conns[i].route)
            .map_err(usage)?;
    }
    let mut messages = Vec::new();
    if let Some(s) = &args.request.system {
        messages.push(Message::system(s.clone()));
    }
    messages.push(Message::user(prompt));
    let mut jobs = Vec::new();
    for target in targets {
        let conn = conns.of(&target).await?;
        let route = &conns.conns[conn].route;
        target.check(route).map_err(usage)?;
        let ask = Ask {
            model: &target.model,
            settings: &target.settings,
            max_tokens: args.request.max_tokens,
            temperature: args.request.temperature,
        };
        let planned = route
            .plan(ask, messages.clone())
            .map_err(|e| usage(TargetError::new(target.to_string(), e.to_string())))?;
        jobs.push(Job {
            target,
            conn,
            planned,
        });
    }
    Ok(Setup {
        conns: conns.conns,
        jobs,
    })
}
