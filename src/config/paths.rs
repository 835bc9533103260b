//! Where thinkbench keeps its files (XDG base directories; `~/.config/thinkbench` on macOS too).

use std::path::PathBuf;

use etcetera::BaseStrategy;

pub const APP: &str = "thinkbench";

fn strategy() -> Option<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new().ok()
}

/// `$XDG_CONFIG_HOME/thinkbench`.
pub fn config_dir() -> Option<PathBuf> {
    Some(strategy()?.config_dir().join(APP))
}

/// `$XDG_CONFIG_HOME/thinkbench/config.toml`.
pub fn config_file() -> Option<PathBuf> {
    Some(config_dir()?.join("config.toml"))
}

/// User themes: `$XDG_CONFIG_HOME/thinkbench/themes`.
pub fn themes_dir() -> Option<PathBuf> {
    Some(config_dir()?.join("themes"))
}

/// Logs: `$XDG_STATE_HOME/thinkbench`.
pub fn state_dir() -> Option<PathBuf> {
    let s = strategy()?;
    Some(s.state_dir().unwrap_or_else(|| s.data_dir()).join(APP))
}

/// Sessions and other data: `$XDG_DATA_HOME/thinkbench`.
pub fn data_dir() -> Option<PathBuf> {
    Some(strategy()?.data_dir().join(APP))
}
