//! What flows into `update` (actions) and out of it (effects).

use crate::provider::client::{RunEvent, RunOutcome};
use crate::provider::request::PreparedRequest;

use super::input::Input;
use super::run_feed::RunFeed;
use super::state::library::Row;
use super::state::{ProviderInfo, Viewport};
use crate::clipboard::CopyReport;
use crate::session::store::SavedSession;

/// Something that happened: user input, a run's progress, a finished background job.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// User input. `composer` is the text in the composer at that moment.
    Input { input: Input, composer: String },
    /// Progress of the run that fills variant `variant`.
    Run { variant: u64, event: RunEvent },
    /// Events of the run that fills `variant` are waiting in `feed` (taken all at once; the
    /// request task sends this only when the feed was empty).
    RunFeed { variant: u64, feed: RunFeed },
    /// The run that fills `variant` ended.
    RunEnded { variant: u64, outcome: RunOutcome },
    /// The switch to provider `name` finished.
    ProviderSwitched {
        name: String,
        result: Result<ProviderInfo, String>,
    },
    /// A connection for compare columns that go to provider `name` was opened (or not).
    ConnectionOpened {
        name: String,
        result: Result<ProviderInfo, String>,
    },
    /// The models provider `provider` lists.
    Models {
        provider: String,
        result: Result<Vec<String>, String>,
    },
    /// What the renderer measured.
    Viewport(Viewport),
    /// The clock, in Unix milliseconds.
    Tick(u64),
    /// The terminal went away or the process was asked to stop: end as on quit.
    Hangup,
    /// What became of a copy to the clipboard.
    Copied(CopyReport),
    /// The session list for `query` (every session when empty, else search hits).
    SessionRows {
        query: String,
        result: Result<Vec<Row>, String>,
    },
    /// A stored session was read back to be opened.
    SessionLoaded(Result<Box<SavedSession>, String>),
    /// A session was renamed or deleted (what to say), or could not be.
    SessionChanged(Result<String, String>),
    /// Writing sessions failed (or works again: `None`).
    StoreTrouble(Option<String>),
}

/// Something `update` wants done outside the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send `request` and report its progress as [`Action::RunFeed`] / [`Action::RunEnded`].
    StartRun {
        variant: u64,
        /// Whose connection carries it.
        provider: String,
        request: PreparedRequest,
    },
    CancelRun(u64),
    /// The message was sent: empty the composer. (This and the next two are carried out by
    /// the terminal side, which owns the editor.)
    ClearComposer,
    /// Insert a line break in the composer.
    ComposerNewline,
    /// Insert text in the composer (paste, or a key typed while another pane had focus).
    ComposerInsert(String),
    /// Put `text` on the clipboard (carried out by the terminal side, which owns the terminal
    /// OSC 52 goes to); answer with [`Action::Copied`]. `what` names it for the notice.
    Copy {
        what: String,
        text: String,
    },
    /// Connect to another provider; answer with [`Action::ProviderSwitched`].
    SwitchProvider(String),
    /// Stop connecting: its result is not wanted any more.
    CancelSwitch,
    /// The switch to this provider was accepted: the conversation's requests go through its
    /// connection from now on.
    AdoptConnection(String),
    /// Open a connection to a provider for compare columns; answer with
    /// [`Action::ConnectionOpened`].
    OpenConnection(String),
    /// The connection just opened is used (by compare columns).
    KeepConnection(String),
    /// The connection just opened is not wanted (its columns are gone, or cannot use it).
    DropConnection(String),
    /// Ask the server for its models; answer with [`Action::Models`].
    FetchModels,
    /// Read the session list (or search it); answer with [`Action::SessionRows`].
    ListSessions(String),
    /// Read a stored session; answer with [`Action::SessionLoaded`].
    OpenSession(String),
    /// Rename or delete a stored session; answer with [`Action::SessionChanged`].
    RenameSession {
        id: String,
        title: String,
    },
    DeleteSession {
        id: String,
        title: String,
    },
    /// The app ends: stop background work that is not a run (runs get their own
    /// [`Effect::CancelRun`]).
    Quit,
}

/// The result of one `update` call.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// The input was used (when false, a key goes on to the composer's editor).
    pub consumed: bool,
    /// The screen needs a redraw.
    pub dirty: bool,
    pub effects: Vec<Effect>,
}
