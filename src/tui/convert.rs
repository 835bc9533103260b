//! crossterm events → the app's own input type.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::app::input::{Input, Key, KeyPress, Mods, MouseInput, MouseKind};

pub fn key_press(k: &KeyEvent) -> Option<KeyPress> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    let key = match k.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    let mods = Mods {
        ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
        alt: k.modifiers.contains(KeyModifiers::ALT),
        shift: k.modifiers.contains(KeyModifiers::SHIFT),
    };
    Some(KeyPress::new(key, mods))
}

fn mouse(m: &MouseEvent) -> Option<MouseInput> {
    let kind = match m.kind {
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        _ => return None,
    };
    Some(MouseInput {
        kind,
        column: m.column,
        row: m.row,
    })
}

/// The app input for a terminal event (`None` for events the app does not use; resizes are
/// handled by the loop).
pub fn input(event: &Event) -> Option<Input> {
    match event {
        Event::Key(k) => key_press(k).map(Input::Key),
        Event::Mouse(m) => mouse(m).map(Input::Mouse),
        Event::Paste(s) => Some(Input::Paste(s.clone())),
        _ => None,
    }
}
