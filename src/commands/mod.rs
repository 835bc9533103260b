//! Headless subcommands.

pub mod ask;
pub mod sim;

/// Process exit codes shared by the headless commands.
pub mod exit {
    pub const OK: u8 = 0;
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
    /// The API reported an error.
    pub const API: u8 = 3;
    /// Network error or interrupted stream (partial text is still printed).
    pub const NETWORK: u8 = 4;
    /// The user interrupted (Ctrl-C).
    pub const CANCELLED: u8 = 130;
}
