//! Effects: the small layer that turns what `update` asked for into tasks, and their results
//! back into actions on the bus. It owns the connections (and so the API keys): the main one,
//! and those of compare columns that go to other providers.
//!
//! Nothing here waits: every effect returns at once, having at most spawned a task. That is
//! what keeps the UI loop live while a request runs, a key command asks for a passphrase or a
//! server is slow to list its models.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cli::ConnectArgs;
use crate::config::{Config, KeyWait};
use crate::connect::{Connection, Opening};
use crate::provider::client::{Failure, RunEnd, RunOutcome};

use super::action::{Action, Effect};
use super::run_feed::RunFeed;
use super::session_tasks::SessionTasks;
use super::state::ProviderInfo;
use crate::session::store::Store;

/// A connection being opened: its task, and the token that stops its key command.
struct Pending {
    task: JoinHandle<()>,
    stop: CancellationToken,
}

impl Pending {
    fn stop(self) {
        self.stop.cancel();
        self.task.abort();
    }
}

/// Why a connection is opened: to switch to it, or for a compare column.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Purpose {
    Switch,
    Column,
}

pub struct Effects {
    /// Connections in use, by provider name.
    conns: HashMap<String, Connection>,
    /// The provider the conversation talks to.
    main: String,
    config: Config,
    args: ConnectArgs,
    tx: UnboundedSender<Action>,
    runs: HashMap<u64, CancellationToken>,
    /// The provider switch under way (one at a time).
    switch: Option<(String, Pending)>,
    /// Connections being opened for compare columns.
    opening: HashMap<String, Pending>,
    /// Connections opened by those tasks, waiting to be taken into use
    /// ([`Effect::AdoptConnection`], [`Effect::KeepConnection`]) or dropped.
    opened: UnboundedReceiver<(Purpose, Connection)>,
    opened_tx: UnboundedSender<(Purpose, Connection)>,
    waiting: HashMap<(String, Purpose), Connection>,
    /// Reading and changing stored sessions.
    sessions: SessionTasks,
}

impl Effects {
    pub fn new(
        conn: Connection,
        config: Config,
        args: ConnectArgs,
        tx: UnboundedSender<Action>,
    ) -> Effects {
        let (opened_tx, opened) = unbounded_channel();
        let main = conn.spec.name.clone();
        Effects {
            conns: HashMap::from([(main.clone(), conn)]),
            main,
            config,
            args,
            sessions: SessionTasks::new(None, tx.clone()),
            tx,
            runs: HashMap::new(),
            switch: None,
            opening: HashMap::new(),
            opened,
            opened_tx,
            waiting: HashMap::new(),
        }
    }

    fn main(&self) -> &Connection {
        &self.conns[&self.main]
    }

    /// Carry out `effect`. The composer's effects belong to the terminal side and are not
    /// handled here.
    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::StartRun {
                variant,
                provider,
                request,
            } => self.start_run(variant, &provider, request),
            Effect::CancelRun(variant) => {
                if let Some(t) = self.runs.remove(&variant) {
                    t.cancel();
                }
            }
            Effect::SwitchProvider(name) => {
                self.stop_switch();
                let pending = self.open(name.clone(), Purpose::Switch);
                self.switch = Some((name, pending));
            }
            Effect::CancelSwitch => self.stop_switch(),
            Effect::AdoptConnection(name) => {
                self.keep(&name, Purpose::Switch);
                if self.conns.contains_key(&name) {
                    self.main = name.clone();
                }
                if self.switch.as_ref().is_some_and(|(n, _)| *n == name) {
                    self.switch = None;
                }
            }
            Effect::OpenConnection(name) => {
                if let Some(conn) = self.conns.get(&name) {
                    // In use already: the columns can have it at once.
                    let result = Ok(provider_info(conn));
                    let _ = self.tx.send(Action::ConnectionOpened { name, result });
                } else if !self.opening.contains_key(&name) {
                    let pending = self.open(name.clone(), Purpose::Column);
                    self.opening.insert(name, pending);
                }
            }
            Effect::KeepConnection(name) => self.keep(&name, Purpose::Column),
            Effect::DropConnection(name) => {
                self.collect();
                self.waiting.remove(&(name, Purpose::Column));
            }
            Effect::FetchModels => {
                let conn = self.main();
                let client = conn.client.clone();
                let key = conn.key.clone();
                let (base, protocol) = (conn.route.base_url.clone(), conn.route.protocol);
                let provider = self.main.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = client.list_models(&base, protocol, key.as_ref()).await;
                    let _ = tx.send(Action::Models { provider, result });
                });
            }
            Effect::ListSessions(_)
            | Effect::OpenSession(_)
            | Effect::RenameSession { .. }
            | Effect::DeleteSession { .. } => self.sessions.apply(effect),
            Effect::ClearComposer
            | Effect::ComposerNewline
            | Effect::ComposerInsert(_)
            | Effect::Copy { .. } => {}
            // Runs were cancelled by their own effects; what is left is connections being
            // opened.
            Effect::Quit => {
                self.stop_switch();
                for (_, p) in self.opening.drain() {
                    p.stop();
                }
            }
        }
    }

    fn start_run(
        &mut self,
        variant: u64,
        provider: &str,
        request: crate::provider::request::PreparedRequest,
    ) {
        let tx = self.tx.clone();
        let Some(conn) = self.conns.get(provider) else {
            // Not reachable from `update`, which sends only where a connection is known.
            let outcome = crashed(&format!("no connection to provider {provider}"));
            let _ = tx.send(Action::RunEnded { variant, outcome });
            return;
        };
        let token = CancellationToken::new();
        self.runs.insert(variant, token.clone());
        let client = conn.client.clone();
        let key = conn.key.clone();
        let events = tx.clone();
        let feed = RunFeed::new();
        let run = tokio::spawn(async move {
            client
                .run(&request, key.as_ref(), &token, &mut |event| {
                    if feed.push(event) {
                        let feed = feed.clone();
                        let _ = events.send(Action::RunFeed { variant, feed });
                    }
                })
                .await
        });
        // Whatever happens to the run, its message learns how it ended: a run that panicked
        // must not leave the message waiting forever.
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

    /// Stop the switch under way, if any, and drop a connection it opened that nobody took.
    fn stop_switch(&mut self) {
        if let Some((name, p)) = self.switch.take() {
            p.stop();
            self.collect();
            self.waiting.remove(&(name, Purpose::Switch));
        }
    }

    /// Take what the open tasks have sent so far.
    fn collect(&mut self) {
        while let Ok((purpose, conn)) = self.opened.try_recv() {
            self.waiting.insert((conn.spec.name.clone(), purpose), conn);
        }
    }

    /// Take the connection to `name` opened for `purpose` into use (one in use already
    /// stays).
    fn keep(&mut self, name: &str, purpose: Purpose) {
        self.collect();
        if let Some(conn) = self.waiting.remove(&(name.to_string(), purpose)) {
            self.conns.insert(name.to_string(), conn);
        }
    }

    /// Open a connection to provider `name` in a task of its own (a key command may take
    /// long); the result comes back as [`Action::ProviderSwitched`] or
    /// [`Action::ConnectionOpened`].
    fn open(&self, name: String, purpose: Purpose) -> Pending {
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
        let task = tokio::spawn(async move {
            let result = match Connection::open_with(&args, &config, how).await {
                Ok(conn) => {
                    let info = provider_info(&conn);
                    // The connection first, so it is there when its action is taken.
                    let _ = opened.send((purpose, conn));
                    Ok(info)
                }
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(match purpose {
                Purpose::Switch => Action::ProviderSwitched { name, result },
                Purpose::Column => Action::ConnectionOpened { name, result },
            });
        });
        Pending { task, stop }
    }

    /// Look at an action on its way to `update`: a finished run or open is forgotten.
    pub fn observe(&mut self, action: &Action) {
        match action {
            Action::RunEnded { variant, .. } => {
                self.runs.remove(variant);
            }
            Action::ConnectionOpened { name, .. } => {
                self.opening.remove(name);
            }
            _ => {}
        }
    }

    /// Read and change stored sessions in `store`.
    pub fn use_store(&mut self, store: Arc<Store>) {
        self.sessions.set_store(store);
    }

    /// A sender onto the bus (for background work that reports to the loop).
    pub fn bus(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    /// The provider requests go to (for tests of which connection is in use).
    pub fn provider(&self) -> &str {
        &self.main
    }

    /// Whether a connection to `name` is in use (for tests).
    pub fn connected_to(&self, name: &str) -> bool {
        self.conns.contains_key(name)
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
