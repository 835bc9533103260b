//! Copying: the focused message's answer, reasoning, a code block or the whole message, as
//! the model sent it. The terminal side carries the copy out and reports back.

use super::notice;
use crate::app::action::{Effect, Outcome};
use crate::app::keymap::Command;
use crate::app::state::{Level, Overlay, State};
use crate::clipboard::CopyReport;
use crate::clipboard::extract::code_blocks;
use crate::session::markdown::message_markdown;

fn copy(out: &mut Outcome, what: &str, text: String) {
    out.effects.push(Effect::Copy {
        what: what.to_string(),
        text,
    });
}

/// The copy commands.
pub fn command(state: &mut State, cmd: Command, out: &mut Outcome) {
    let Some(v) = state.focused_variant() else {
        notice(state, Level::Info, "nothing to copy yet");
        return;
    };
    let id = v.id;
    match cmd {
        Command::CopyAnswer if v.reply.answer.is_empty() => notice(
            state,
            Level::Info,
            "this message has no answer to copy (yet)",
        ),
        Command::CopyAnswer => copy(out, "the answer", v.reply.answer.clone()),
        Command::CopyReasoning if v.reply.reasoning.is_empty() => {
            notice(state, Level::Info, "this message has no reasoning to copy")
        }
        Command::CopyReasoning => copy(out, "the reasoning", v.reply.reasoning.clone()),
        Command::CopyCode => {
            let blocks = code_blocks(&v.reply.answer);
            match blocks.len() {
                0 => notice(state, Level::Info, "no code block in this answer"),
                1 => copy(out, "the code block", blocks[0].code.clone()),
                n => state.overlays.push(Overlay::Code {
                    variant: id,
                    selected: n - 1,
                }),
            }
        }
        Command::CopyMessage => {
            let turn = state
                .conversation
                .turns
                .iter()
                .chain(state.compare.iter().flat_map(|c| {
                    c.columns
                        .iter()
                        .flat_map(|col| col.conversation.turns.iter())
                }))
                .find(|t| t.variants.iter().any(|x| x.id == id));
            if let (Some(turn), Some(v)) = (turn, state.variant(id)) {
                copy(out, "the message", message_markdown(turn, v));
            }
        }
        _ => {}
    }
}

/// Copy code block `i` of variant `variant`.
pub fn code_block(state: &mut State, variant: u64, i: usize, out: &mut Outcome) {
    if let Some(b) = state
        .variant(variant)
        .and_then(|v| code_blocks(&v.reply.answer).into_iter().nth(i))
    {
        copy(out, &format!("code block {}", i + 1), b.code);
    }
}

/// The copy was carried out (or not): say how.
pub fn copied(state: &mut State, report: CopyReport) {
    let level = if report.result.is_ok() {
        Level::Info
    } else {
        Level::Error
    };
    notice(state, level, report.message());
}
