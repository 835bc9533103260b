//! Headless subcommands.

pub mod ask;
pub mod screenshots;
pub mod sim;
