//! Effects: the small layer that turns what `update` asked for into tasks, and their results
//! back into actions on the bus. It owns the connection (and so the API key).
//!
//! Nothing here waits: every effect returns at once, having at most spawned a task. That is
//! what keeps the UI loop live while a request runs, a key command asks for a passphrase or a
//! server is slow to list its models.

use std::collections::HashMap;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cli::ConnectArgs;
use crate::config::{Config, KeyWait};
use crate::connect::{Connection, Opening};
use crate::provider::client::{Failure, RunEnd, RunOutcome};

use super::action::{Action, Effect};
use super::state::ProviderInfo;

/// A provider switch under way: its name, its task, and the token that stops its key command.
struct Switching {
    name: String,
    task: JoinHandle<()>,
    stop: CancellationToken,
}

impl Switching {
    fn stop(self) {
        self.stop.cancel();
        self.task.abort();
    }
}

pub struct Effects {
    conn: Connection,
    config: Config,
    args: ConnectArgs,
    tx: UnboundedSender<Action>,
    runs: HashMap<u64, CancellationToken>,
    /// The provider switch under way.
    switch: Option<Switching>,
    /// Connections opened by switch tasks. One is taken into use only when `update` accepts
    /// its switch ([`Effect::AdoptConnection`]); the others are dropped.
    opened: UnboundedReceiver<Connection>,
    opened_tx: UnboundedSender<Connection>,
}

impl Effects {
    pub fn new(
        conn: Connection,
        config: Config,
        args: ConnectArgs,
        tx: UnboundedSender<Action>,
    ) -> Effects {
        let (opened_tx, opened) = unbounded_channel();
        Effects {
            conn,
            config,
            args,
            tx,
            runs: HashMap::new(),
            switch: None,
            opened,
            opened_tx,
        }
    }

    /// Carry out `effect`. The composer's effects belong to the terminal side and are not
    /// handled here.
    pub fn apply(&mut self, effect: Effect) {
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
            }
            Effect::CancelRun(variant) => {
                if let Some(t) = self.runs.remove(&variant) {
                    t.cancel();
                }
            }
            Effect::SwitchProvider(name) => self.switch_provider(name),
            Effect::CancelSwitch => self.stop_switch(),
            Effect::AdoptConnection(name) => {
                let mut adopted = None;
                while let Ok(conn) = self.opened.try_recv() {
                    if conn.spec.name == name {
                        adopted = Some(conn);
                    }
                }
                if let Some(conn) = adopted {
                    self.conn = conn;
                }
                if self.switch.as_ref().is_some_and(|s| s.name == name) {
                    self.switch = None;
                }
            }
            Effect::FetchModels => {
                let client = self.conn.client.clone();
                let key = self.conn.key.clone();
                let route = &self.conn.route;
                let (base, protocol) = (route.base_url.clone(), route.protocol);
                let provider = self.conn.spec.name.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = client.list_models(&base, protocol, key.as_ref()).await;
                    let _ = tx.send(Action::Models { provider, result });
                });
            }
            Effect::ClearComposer | Effect::ComposerNewline | Effect::ComposerInsert(_) => {}
            // Runs were cancelled by their own effects; what is left is a switch.
            Effect::Quit => self.stop_switch(),
        }
    }

    /// Stop the switch under way, if any, and drop connections nobody took.
    fn stop_switch(&mut self) {
        if let Some(s) = self.switch.take() {
            s.stop();
        }
        while self.opened.try_recv().is_ok() {}
    }

    /// Connect to provider `name` in a task of its own (a key command may take long); the
    /// result comes back as [`Action::ProviderSwitched`].
    fn switch_provider(&mut self, name: String) {
        self.stop_switch();
        // "demo" is the built-in simulator; anything else a provider by name.
        let args = self.args.for_provider(&name);
        let config = self.config.clone();
        let tx = self.tx.clone();
        let opened = self.opened_tx.clone();
        let stop = CancellationToken::new();
        let how = Opening {
            key_wait: KeyWait::in_app(stop.clone()),
            ..Opening::default()
        };
        let switched = name.clone();
        let task = tokio::spawn(async move {
            let result = match Connection::open_with(&args, &config, how).await {
                Ok(conn) => {
                    let info = provider_info(&conn);
                    // The connection first, so it is there when its action is observed.
                    let _ = opened.send(conn);
                    Ok(info)
                }
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(Action::ProviderSwitched {
                name: switched,
                result,
            });
        });
        self.switch = Some(Switching { name, task, stop });
    }

    /// Look at an action on its way to `update`: a finished run is forgotten.
    pub fn observe(&mut self, action: &Action) {
        if let Action::RunEnded { variant, .. } = action {
            self.runs.remove(variant);
        }
    }

    /// The provider requests go to (for tests of which connection is in use).
    pub fn provider(&self) -> &str {
        &self.conn.spec.name
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
        route: conn.route.clone(),
        demo: conn.is_demo(),
        default_model: conn.spec.model.clone(),
        unauthorized_hint: conn.spec.unauthorized_hint(),
        has_key: conn.key.is_some(),
    }
}
