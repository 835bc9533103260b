//! The composer: a multi-line editor, with the next message's settings beside it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui_textarea::{TextArea, WrapMode};

use super::{Ctx, draw_line, pane_block};
use crate::app::keymap::Command;
use crate::app::state::NextSettings;
use crate::provider::plan::{Capabilities, Switch};
use crate::tui::format::group;
use crate::tui::theme::Theme;

const SETTINGS_WIDTH: u16 = 34;

/// What the composer shows besides the editor.
pub struct ComposerView<'a> {
    pub next: &'a NextSettings,
    /// What the next message's model can do.
    pub caps: Capabilities,
    pub focused: bool,
    /// A popup is open (the editor shows no cursor).
    pub popup: bool,
    /// In the compare view: the number of columns the message goes to (the settings box gives
    /// way to that).
    pub compare: Option<usize>,
}

/// The composer pane: it owns the editor (view state, not app state).
pub struct ComposerPane {
    editor: TextArea<'static>,
    /// The theme generation the editor was styled for.
    styled_for: Option<u64>,
}

impl Default for ComposerPane {
    fn default() -> Self {
        ComposerPane {
            editor: new_editor(),
            styled_for: None,
        }
    }
}

fn new_editor() -> TextArea<'static> {
    let mut editor = TextArea::default();
    editor.set_wrap_mode(WrapMode::WordOrGlyph);
    editor.set_cursor_line_style(Style::default());
    editor.set_placeholder_text("Ask something…");
    editor
}

impl ComposerPane {
    /// The editor's text.
    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// Lines in the editor (the composer grows with them).
    pub fn line_count(&self) -> usize {
        self.editor.lines().len()
    }

    /// Empty the editor (the message was sent).
    pub fn clear(&mut self) {
        self.editor = new_editor();
        self.styled_for = None;
    }

    pub fn newline(&mut self) {
        self.editor.insert_newline();
    }

    pub fn insert(&mut self, text: &str) {
        self.editor.insert_str(text);
    }

    /// A key the app did not take: the editor's own (typing, moving, deleting).
    pub fn input(&mut self, key: KeyEvent) {
        self.editor.input(key);
    }

    fn style(&mut self, theme: &Theme) {
        if self.styled_for != Some(theme.generation) {
            self.editor.set_style(theme.text);
            self.editor.set_placeholder_style(theme.dim);
            self.styled_for = Some(theme.generation);
        }
    }

    /// Draws the pane; returns the editor's area.
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        view: ComposerView<'_>,
    ) -> Rect {
        let (theme, k) = (ctx.theme, ctx.keymap);
        self.style(theme);
        let settings_w =
            if view.compare.is_none() && area.width.saturating_sub(2) > SETTINGS_WIDTH + 20 {
                SETTINGS_WIDTH
            } else {
                0
            };
        let mut title = vec![Span::raw(" Message ")];
        if let Some(n) = view.compare {
            title.push(Span::styled(
                format!(
                    "· {} sends to all {n} columns · {} back to the conversation ",
                    k.hint(Command::Send),
                    k.hint(Command::Compare)
                ),
                theme.meta,
            ));
        } else if settings_w > 0 {
            title.push(Span::styled(
                format!(
                    "· {} send · {} new line ",
                    k.hint(Command::Send),
                    k.hint(Command::Newline)
                ),
                theme.meta,
            ));
        } else {
            // No room for the settings box: the title carries them.
            for line in settings_lines(ctx, &view) {
                let mut spans = line.spans;
                spans.pop();
                title.push(Span::styled("· ", theme.meta));
                title.extend(spans.into_iter().skip(1));
                title.push(Span::raw(" "));
            }
        }
        let block = pane_block(theme, Line::from(title), view.focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [editor, settings] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Min(10), Constraint::Length(settings_w)])
            .areas(inner);
        let cursor = if view.focused && !view.popup {
            theme.text.add_modifier(Modifier::REVERSED)
        } else {
            theme.text
        };
        self.editor.set_cursor_style(cursor);
        frame.render_widget(&self.editor, editor);
        if settings_w > 0 {
            let buf = frame.buffer_mut();
            for y in 0..settings.height {
                buf.set_string(settings.x, settings.y + y, "│", theme.border);
            }
            let area = Rect {
                x: settings.x + 2,
                width: settings.width.saturating_sub(2),
                ..settings
            };
            for (i, l) in settings_lines(ctx, &view).iter().enumerate() {
                draw_line(buf, area, i as u16, 0, l);
            }
        }
        editor
    }
}

/// The settings box: model, thinking, budget, preserve — each with its key and whether it
/// applies to the chosen model.
fn settings_lines(ctx: &Ctx, view: &ComposerView<'_>) -> Vec<Line<'static>> {
    let (t, k) = (ctx.theme, ctx.keymap);
    let caps = view.caps;
    let s = &view.next.thinking;
    let thinks = caps.thinks(s);
    let key = |c: Command| Span::styled(format!(" {}", k.hint(c)), t.dim);
    let name = |n: &str| Span::styled(format!("{n:<9}"), t.label);

    let thinking = match caps.switch {
        Switch::AlwaysOn => Span::styled("on 🔒", t.locked),
        Switch::AlwaysOff => Span::styled("off 🔒", t.locked),
        Switch::Unavailable => Span::styled("n/a", t.na),
        Switch::Free { .. } | Switch::Unknown => match thinks {
            Some(true) => Span::styled("● on", t.on),
            Some(false) => Span::styled("○ off", t.off),
            None => Span::styled("default", t.value),
        },
    };
    let budget = if !caps.budget {
        Span::styled("n/a", t.na)
    } else if thinks == Some(false) {
        Span::styled(
            match s.budget {
                Some(b) => format!("({}) unused", group(b as u64)),
                None => "unused".to_string(),
            },
            t.na,
        )
    } else {
        match s.budget {
            Some(b) => Span::styled(group(b as u64), t.value),
            None => Span::styled("none", t.value),
        }
    };
    let preserve = if !caps.preserve {
        Span::styled("n/a", t.na)
    } else if s.preserve {
        Span::styled("● on", t.on)
    } else {
        Span::styled("○ off", t.off)
    };
    let mut model = view.next.model.clone();
    if model.chars().count() > 20 {
        model = model.chars().take(19).collect::<String>() + "…";
    }
    vec![
        Line::from(vec![
            name("model"),
            Span::styled(model, t.value),
            key(Command::PickModel),
        ]),
        Line::from(vec![name("think"), thinking, key(Command::ToggleThinking)]),
        Line::from(vec![name("budget"), budget, key(Command::EditBudget)]),
        Line::from(vec![
            name("preserve"),
            preserve,
            key(Command::TogglePreserve),
        ]),
    ]
}
