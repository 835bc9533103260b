//! Effects: the small layer that turns what `update` asked for into tasks, and their results
//! back into actions on the bus. It owns the connection (and so the API key).

use std::collections::HashMap;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::cli::ConnectArgs;
use crate::config::Config;
use crate::connect::Connection;
use crate::provider::client::{Failure, RunEnd, RunOutcome};

use super::action::{Action, Effect};
use super::state::ProviderInfo;

/// Effects for the terminal side (the composer lives there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEffect {
    ClearComposer,
    ComposerNewline,
    ComposerInsert(String),
}

pub struct Effects {
    conn: Connection,
    config: Config,
    args: ConnectArgs,
    tx: UnboundedSender<Action>,
    runs: HashMap<u64, CancellationToken>,
}

impl Effects {
    pub fn new(
        conn: Connection,
        config: Config,
        args: ConnectArgs,
        tx: UnboundedSender<Action>,
    ) -> Effects {
        Effects {
            conn,
            config,
            args,
            tx,
            runs: HashMap::new(),
        }
    }

    /// Carry out `effect`; effects for the terminal are handed back.
    pub async fn apply(&mut self, effect: Effect) -> Option<UiEffect> {
        match effect {
            Effect::StartRun { variant, request } => {
                let token = CancellationToken::new();
                self.runs.insert(variant, token.clone());
                let client = self.conn.client.clone();
                let key = self.conn.key.clone();
                let tx = self.tx.clone();
                let events = tx.clone();
                let run = tokio::spawn(async move {
                    client
                        .run(&request, key.as_ref(), &token, &mut |event| {
                            let _ = events.send(Action::Run { variant, event });
                        })
                        .await
                });
                // Whatever happens to the run, its message learns how it ended: a run that
                // panicked must not leave the message waiting forever.
                tokio::spawn(async move {
                    let outcome = match run.await {
                        Ok(outcome) => outcome,
                        Err(e) => crashed(if e.is_panic() {
                            "the request task crashed"
                        } else {
                            "the request task was stopped"
                        }),
                    };
                    let _ = tx.send(Action::RunEnded { variant, outcome });
                });
                None
            }
            Effect::CancelRun(variant) => {
                if let Some(t) = self.runs.remove(&variant) {
                    t.cancel();
                }
                None
            }
            Effect::SwitchProvider(name) => {
                // "demo" is the built-in simulator; anything else a provider by name.
                let demo = name == "demo";
                let args = ConnectArgs {
                    provider: (!demo).then_some(name),
                    base_url: None,
                    protocol: None,
                    api_key_env: None,
                    model: None,
                    demo,
                    ..self.args.clone()
                };
                let result = match Connection::open(&args, &self.config).await {
                    Ok(conn) => {
                        let info = provider_info(&conn);
                        self.conn = conn;
                        Ok(info)
                    }
                    Err(e) => Err(e.to_string()),
                };
                let _ = self.tx.send(Action::ProviderSwitched(result));
                None
            }
            Effect::FetchModels => {
                let client = self.conn.client.clone();
                let key = self.conn.key.clone();
                let base = self.conn.spec.base_url.clone();
                let protocol = self.conn.spec.protocol;
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let r = client.list_models(&base, protocol, key.as_ref()).await;
                    let _ = tx.send(Action::Models(r));
                });
                None
            }
            Effect::ClearComposer => Some(UiEffect::ClearComposer),
            Effect::ComposerNewline => Some(UiEffect::ComposerNewline),
            Effect::ComposerInsert(t) => Some(UiEffect::ComposerInsert(t)),
            Effect::Quit => {
                for (_, t) in self.runs.drain() {
                    t.cancel();
                }
                None
            }
        }
    }

    /// Forget a finished run.
    pub fn finished(&mut self, variant: u64) {
        self.runs.remove(&variant);
    }
}

fn crashed(why: &str) -> RunOutcome {
    RunOutcome {
        end: RunEnd::Failed(Failure::Interrupted(format!(
            "{why}; the log file has the details"
        ))),
        info: Default::default(),
        http_status: None,
        request_id: None,
        attempts: 0,
        timings: Default::default(),
    }
}

/// What the app state needs to know about a connection (never the key).
pub fn provider_info(conn: &Connection) -> ProviderInfo {
    ProviderInfo {
        name: conn.spec.name.clone(),
        label: conn.label(),
        dialect: conn.spec.dialect,
        protocol: conn.spec.protocol,
        base_url: conn.spec.base_url.clone(),
        think_tags: conn.spec.think_tags,
        demo: conn.is_demo(),
        default_model: conn.spec.model.clone(),
        unauthorized_hint: conn.spec.unauthorized_hint(),
        has_key: conn.key.is_some(),
    }
}
