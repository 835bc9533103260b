//! Input as the app sees it: keys, mouse and paste, independent of any terminal library.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// A key with its modifiers. Letters are stored lowercase with `shift` set for capitals, so
/// `G` and `shift+g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    pub key: Key,
    pub mods: Mods,
}

impl KeyPress {
    pub fn new(key: Key, mods: Mods) -> KeyPress {
        let (key, mods) = match key {
            Key::Char(c) if c.is_uppercase() => (
                Key::Char(c.to_lowercase().next().unwrap_or(c)),
                Mods {
                    shift: true,
                    ..mods
                },
            ),
            // A shifted symbol arrives as the symbol itself: `?` is not `shift+/`.
            Key::Char(c) if !c.is_alphabetic() => (
                Key::Char(c),
                Mods {
                    shift: false,
                    ..mods
                },
            ),
            Key::BackTab => (
                Key::BackTab,
                Mods {
                    shift: false,
                    ..mods
                },
            ),
            k => (k, mods),
        };
        KeyPress { key, mods }
    }

    pub fn plain(key: Key) -> KeyPress {
        KeyPress::new(key, Mods::default())
    }

    pub fn ctrl(c: char) -> KeyPress {
        KeyPress::new(
            Key::Char(c),
            Mods {
                ctrl: true,
                ..Mods::default()
            },
        )
    }

    pub fn alt(key: Key) -> KeyPress {
        KeyPress::new(
            key,
            Mods {
                alt: true,
                ..Mods::default()
            },
        )
    }

    /// The character this key types into a text field, if any.
    pub fn text(&self) -> Option<char> {
        match self.key {
            Key::Char(c) if !self.mods.ctrl && !self.mods.alt => Some(if self.mods.shift {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            }),
            _ => None,
        }
    }

    /// Keys that fire commands even while the composer has focus. Plain characters and
    /// cursor keys belong to the text being typed.
    pub fn is_command_key(&self) -> bool {
        self.mods.ctrl
            || self.mods.alt
            || matches!(
                self.key,
                Key::F(_)
                    | Key::Enter
                    | Key::Esc
                    | Key::Tab
                    | Key::BackTab
                    | Key::PageUp
                    | Key::PageDown
            )
    }

    /// Parse `ctrl+t`, `alt+enter`, `shift+tab`, `f1`, `?`, `G`, `pageup`.
    pub fn parse(s: &str) -> Result<KeyPress, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty key".into());
        }
        let mut mods = Mods::default();
        let parts: Vec<&str> = if s == "+" {
            vec!["+"]
        } else {
            s.split('+').collect()
        };
        let (last, prefix) = parts.split_last().ok_or("empty key")?;
        for m in prefix {
            match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => mods.ctrl = true,
                "alt" | "meta" | "option" | "m" => mods.alt = true,
                "shift" | "s" => mods.shift = true,
                other => return Err(format!("unknown modifier \"{other}\" in \"{s}\"")),
            }
        }
        let lower = last.to_ascii_lowercase();
        let key = match lower.as_str() {
            "enter" | "return" | "cr" => Key::Enter,
            "esc" | "escape" => Key::Esc,
            "tab" => Key::Tab,
            "backtab" => Key::BackTab,
            "backspace" | "bs" => Key::Backspace,
            "delete" | "del" => Key::Delete,
            "up" => Key::Up,
            "down" => Key::Down,
            "left" => Key::Left,
            "right" => Key::Right,
            "home" => Key::Home,
            "end" => Key::End,
            "pageup" | "pgup" => Key::PageUp,
            "pagedown" | "pgdn" => Key::PageDown,
            "space" => Key::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().unwrap_or(0);
                if !(1..=24).contains(&n) {
                    return Err(format!("no such function key \"{last}\""));
                }
                Key::F(n)
            }
            _ => {
                let mut chars = last.chars();
                match (chars.next(), chars.next()) {
                    // `Ctrl+T` means ctrl+t; only a bare capital (`G`) implies shift.
                    (Some(c), None) if (mods.ctrl || mods.alt) && c.is_uppercase() => {
                        Key::Char(c.to_lowercase().next().unwrap_or(c))
                    }
                    (Some(c), None) => Key::Char(c),
                    _ => return Err(format!("unknown key \"{last}\" in \"{s}\"")),
                }
            }
        };
        if key == Key::Tab && mods.shift {
            return Ok(KeyPress::plain(Key::BackTab));
        }
        Ok(KeyPress::new(key, mods))
    }
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.mods.alt {
            f.write_str("Alt+")?;
        }
        let shift_letter = matches!(self.key, Key::Char(c) if c.is_alphabetic()) && self.mods.shift;
        if self.mods.shift && !shift_letter {
            f.write_str("Shift+")?;
        }
        match self.key {
            Key::Char(' ') => f.write_str("Space"),
            Key::Char(c) if shift_letter => write!(f, "{}", c.to_uppercase()),
            Key::Char(c) if self.mods.ctrl || self.mods.alt => write!(f, "{}", c.to_uppercase()),
            Key::Char(c) => write!(f, "{c}"),
            Key::Enter => f.write_str("Enter"),
            Key::Esc => f.write_str("Esc"),
            Key::Tab => f.write_str("Tab"),
            Key::BackTab => f.write_str("Shift+Tab"),
            Key::Backspace => f.write_str("Backspace"),
            Key::Delete => f.write_str("Delete"),
            Key::Up => f.write_str("↑"),
            Key::Down => f.write_str("↓"),
            Key::Left => f.write_str("←"),
            Key::Right => f.write_str("→"),
            Key::Home => f.write_str("Home"),
            Key::End => f.write_str("End"),
            Key::PageUp => f.write_str("PgUp"),
            Key::PageDown => f.write_str("PgDn"),
            Key::F(n) => write!(f, "F{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    ScrollUp,
    ScrollDown,
    Click,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseInput {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

/// Everything the user can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(KeyPress),
    Paste(String),
    Mouse(MouseInput),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_keys() {
        assert_eq!(KeyPress::parse("ctrl+t").unwrap(), KeyPress::ctrl('t'));
        assert_eq!(KeyPress::parse("Ctrl+T").unwrap(), KeyPress::ctrl('t'));
        assert_eq!(
            KeyPress::parse("alt+enter").unwrap(),
            KeyPress::alt(Key::Enter)
        );
        assert_eq!(
            KeyPress::parse("shift+tab").unwrap(),
            KeyPress::plain(Key::BackTab)
        );
        assert_eq!(
            KeyPress::parse("G").unwrap(),
            KeyPress::parse("shift+g").unwrap()
        );
        assert_eq!(KeyPress::parse("f12").unwrap(), KeyPress::plain(Key::F(12)));
        assert_eq!(
            KeyPress::parse("?").unwrap(),
            KeyPress::plain(Key::Char('?'))
        );
        assert!(KeyPress::parse("hyper+x").is_err());
        assert!(KeyPress::parse("f99").is_err());
        assert_eq!(KeyPress::ctrl('t').to_string(), "Ctrl+T");
        assert_eq!(KeyPress::parse("G").unwrap().to_string(), "G");
        assert_eq!(KeyPress::alt(Key::Enter).to_string(), "Alt+Enter");
    }

    #[test]
    fn typed_text_keeps_case() {
        let k = KeyPress::new(Key::Char('Q'), Mods::default());
        assert_eq!(k.text(), Some('Q'));
        assert_eq!(KeyPress::ctrl('q').text(), None);
        assert!(!KeyPress::plain(Key::Char('j')).is_command_key());
        assert!(KeyPress::ctrl('j').is_command_key());
    }
}
