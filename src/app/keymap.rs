//! Key bindings: commands by name, defaults embedded, overridable from the config file.

use std::collections::HashMap;

use super::input::KeyPress;

const DEFAULTS: &str = include_str!("keymap.toml");

macro_rules! commands {
    ($($variant:ident = $name:literal : $help:literal,)*) => {
        /// Everything a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command { $($variant,)* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in the config file.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }

            /// What it does, for the help overlay.
            pub fn help(self) -> &'static str {
                match self { $(Command::$variant => $help,)* }
            }

            pub fn from_name(s: &str) -> Option<Command> {
                match s { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Send = "send": "send the message",
    Newline = "newline": "new line in the message",
    Cancel = "cancel": "cancel the running stream or provider switch / close a popup",
    Interrupt = "interrupt": "cancel the running stream, or quit when nothing runs",
    Quit = "quit": "quit",
    ToggleThinking = "toggle_thinking": "thinking on/off for the next message",
    EditBudget = "edit_budget": "thinking budget for the next message",
    TogglePreserve = "toggle_preserve": "preserve_thinking for the next message",
    PickModel = "pick_model": "choose model and provider",
    FocusNext = "focus_next": "next pane",
    FocusPrev = "focus_prev": "previous pane",
    Help = "help": "this help",
    Regenerate = "regenerate": "regenerate the selected answer with the current settings",
    VariantPrev = "variant_prev": "previous variant of the selected answer",
    VariantNext = "variant_next": "next variant of the selected answer",
    SelectPrev = "select_prev": "select the previous message",
    SelectNext = "select_next": "select the next message",
    ScrollUp = "scroll_up": "scroll up",
    ScrollDown = "scroll_down": "scroll down",
    PageUp = "page_up": "page up",
    PageDown = "page_down": "page down",
    ScrollTop = "scroll_top": "go to the top",
    ScrollBottom = "scroll_bottom": "go to the end and follow the stream",
    Search = "search": "search the reasoning",
    SearchNext = "search_next": "next search match",
    SearchPrev = "search_prev": "previous search match",
    ToggleFold = "toggle_fold": "fold / unfold the reasoning pane",
    Inspect = "inspect": "inspect the selected message: request sent, usage received",
    RetryBiggerBudget = "retry_bigger_budget": "retry the selected message with twice the budget",
    RetryWithoutThinking = "retry_without_thinking": "retry the selected message with thinking off",
    CopyAnswer = "copy_answer": "copy the answer (of the selected message, or the latest)",
    CopyReasoning = "copy_reasoning": "copy its reasoning",
    CopyCode = "copy_code": "copy a code block of the answer (a picker when there are several)",
    CopyMessage = "copy_message": "copy the whole message as Markdown",
    Compare = "compare": "compare targets side by side (opens the target picker), or go back",
    ColumnNext = "column_next": "compare: the next column",
    ColumnPrev = "column_prev": "compare: the previous column",
    FoldAll = "fold_all": "compare: fold / unfold the reasoning of every column",
    Diff = "diff": "compare: word diff of two columns' answers (Tab: their reasoning)",
    Chart = "chart": "compare: chart of reasoning tokens, time and cost per column",
    Adopt = "adopt": "compare: go on in the conversation with this column's target",
    AsAnswer = "as_answer": "compare: take the reasoning as the answer (when the answer arrived there)",
    Sessions = "sessions": "stored sessions: search, open, rename, delete",
    NewSession = "new_session": "start a new session (this one stays stored)",
    Stats = "stats": "render stats: frames, frame time, terminal bytes per model byte",
}

/// Key → command, and command → keys (for help and hints).
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<KeyPress, Command>,
    by_command: HashMap<Command, Vec<KeyPress>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&toml::Table::new()).expect("embedded keymap is valid")
    }
}

fn keys_of(name: &str, value: &toml::Value) -> Result<Vec<KeyPress>, String> {
    let list: Vec<&str> = match value {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| format!("[keys] {name}: keys are strings"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(format!("[keys] {name}: expected a key or a list of keys")),
    };
    list.into_iter()
        .map(|k| KeyPress::parse(k).map_err(|e| format!("[keys] {name}: {e}")))
        .collect()
}

impl Keymap {
    /// The defaults with `overrides` (the config's `[keys]` table) applied. A command named in
    /// `overrides` loses its default keys.
    pub fn with_overrides(overrides: &toml::Table) -> Result<Keymap, String> {
        let defaults: toml::Table = toml::from_str(DEFAULTS).map_err(|e| e.to_string())?;
        let mut by_command: HashMap<Command, Vec<KeyPress>> = HashMap::new();
        for (table, is_user) in [(&defaults, false), (overrides, true)] {
            for (name, value) in table {
                let cmd = Command::from_name(name).ok_or_else(|| {
                    format!("[keys] {name}: no such command (see the README's key reference)")
                })?;
                let keys = keys_of(name, value)?;
                if is_user {
                    by_command.insert(cmd, keys);
                } else {
                    by_command.entry(cmd).or_default().extend(keys);
                }
            }
        }
        let mut by_key = HashMap::new();
        // User bindings win over defaults bound to the same key.
        let mut order: Vec<Command> = Command::ALL.to_vec();
        order.sort_by_key(|c| overrides.contains_key(c.name()));
        for cmd in order {
            for k in by_command.get(&cmd).into_iter().flatten() {
                by_key.insert(*k, cmd);
            }
        }
        for (cmd, keys) in by_command.iter_mut() {
            keys.retain(|k| by_key.get(k) == Some(cmd));
        }
        Ok(Keymap { by_key, by_command })
    }

    pub fn lookup(&self, key: &KeyPress) -> Option<Command> {
        self.by_key.get(key).copied()
    }

    pub fn keys(&self, cmd: Command) -> &[KeyPress] {
        self.by_command.get(&cmd).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key bound to `cmd`, as text (`Ctrl+T`), or `unbound`.
    pub fn hint(&self, cmd: Command) -> String {
        self.keys(cmd)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "unbound".into())
    }
}

impl Command {
    /// Commands of the compare view only.
    pub fn compare_only(self) -> bool {
        matches!(
            self,
            Command::ColumnNext
                | Command::ColumnPrev
                | Command::FoldAll
                | Command::Diff
                | Command::Chart
                | Command::Adopt
                | Command::AsAnswer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::input::Key;

    #[test]
    fn defaults_bind_the_documented_keys() {
        let k = Keymap::default();
        assert_eq!(k.lookup(&KeyPress::plain(Key::Enter)), Some(Command::Send));
        assert_eq!(k.lookup(&KeyPress::alt(Key::Enter)), Some(Command::Newline));
        assert_eq!(k.lookup(&KeyPress::plain(Key::Esc)), Some(Command::Cancel));
        assert_eq!(
            k.lookup(&KeyPress::ctrl('t')),
            Some(Command::ToggleThinking)
        );
        assert_eq!(k.lookup(&KeyPress::ctrl('b')), Some(Command::EditBudget));
        assert_eq!(
            k.lookup(&KeyPress::ctrl('p')),
            Some(Command::TogglePreserve)
        );
        assert_eq!(k.lookup(&KeyPress::ctrl('o')), Some(Command::PickModel));
        assert_eq!(
            k.lookup(&KeyPress::plain(Key::Tab)),
            Some(Command::FocusNext)
        );
        assert_eq!(k.lookup(&KeyPress::plain(Key::F(1))), Some(Command::Help));
        assert_eq!(k.lookup(&KeyPress::ctrl('q')), Some(Command::Quit));
        assert_eq!(k.lookup(&KeyPress::ctrl('c')), Some(Command::Interrupt));
        for cmd in Command::ALL {
            assert!(
                !k.keys(*cmd).is_empty(),
                "{} has no default key",
                cmd.name()
            );
        }
    }

    #[test]
    fn overrides_replace_defaults_and_bad_names_are_errors() {
        let t: toml::Table =
            toml::from_str("toggle_thinking = \"ctrl+k\"\nquit = [\"ctrl+t\"]").unwrap();
        let k = Keymap::with_overrides(&t).unwrap();
        assert_eq!(
            k.lookup(&KeyPress::ctrl('k')),
            Some(Command::ToggleThinking)
        );
        assert_eq!(k.lookup(&KeyPress::ctrl('t')), Some(Command::Quit));
        assert_eq!(k.hint(Command::ToggleThinking), "Ctrl+K");
        let bad: toml::Table = toml::from_str("toggle_thinkin = \"ctrl+k\"").unwrap();
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("toggle_thinkin")
        );
        let bad: toml::Table = toml::from_str("quit = \"ctrl+\"").unwrap();
        assert!(Keymap::with_overrides(&bad).is_err());
    }
}
