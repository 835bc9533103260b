//! Process exit codes, shared by the headless commands and the workbench.

pub const OK: u8 = 0;
/// Something went wrong that is not one of the cases below (the terminal failed, a file could
/// not be written).
pub const FAILURE: u8 = 1;
/// Usage or configuration error.
pub const USAGE: u8 = 2;
/// The API reported an error.
pub const API: u8 = 3;
/// Network error or interrupted stream (partial text is still printed).
pub const NETWORK: u8 = 4;
/// The user interrupted (Ctrl-C).
pub const CANCELLED: u8 = 130;
