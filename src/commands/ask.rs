//! `thinkbench ask`: one question, reasoning streamed to stderr, the answer to stdout. With
//! `--session` the question continues a saved session (its conversation goes on the wire
//! first) and the new turn is saved to it, finished or not.

use std::io::{IsTerminal, Write};

use tokio_util::sync::CancellationToken;

use super::record::{self, Recording};
use super::report::{exit_code, hint, json_result, note, note_retry, or_usage};
use super::{cancel_on_ctrl_c, read_prompt};
use crate::cli::AskArgs;
use crate::config::{Config, ConfigError};
use crate::connect::Connection;
use crate::exit;
use crate::provider::client::{RunEnd, RunEvent, RunOutcome};
use crate::provider::plan::ThinkingSettings;
use crate::provider::route::{Ask, Planned};
use crate::provider::{StreamEvent, Transcript};
use crate::session::store::now_ms;
use crate::session::{MessageSettings, Variant};
use crate::text::inert;

pub async fn run(args: AskArgs) -> u8 {
    or_usage(ask(args).await)
}

async fn ask(args: AskArgs) -> Result<u8, ConfigError> {
    let config = Config::load(args.connect.config.as_deref())?;
    let prompt = read_prompt(args.request.prompt.as_deref())?;
    let mut recording = match args.session.as_deref().map(Recording::open).transpose() {
        Ok(r) => r,
        Err(e) => {
            note(&e);
            return Ok(record::exit_code(&e));
        }
    };
    let conn = Connection::open(&args.connect, &config).await?;
    if let Some(n) = &conn.notice {
        note(n);
    }
    let settings = ThinkingSettings {
        thinking: match (args.think, args.no_think) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        budget: args.budget,
        preserve: args.preserve_thinking,
    };
    let model = conn.model.clone();
    // The session's conversation (none without --session), its system prompt unless
    // --system replaces it, and the new prompt as its next turn.
    let mut conversation = recording
        .as_ref()
        .map(|r| r.conversation.clone())
        .unwrap_or_default();
    if let Some(s) = &args.request.system {
        conversation.system = Some(s.clone());
    }
    let t = conversation.push_turn(prompt);
    let messages = conversation.history_for(t);
    let ask = Ask {
        model: &model,
        settings: &settings,
        max_tokens: args.request.max_tokens,
        temperature: args.request.temperature,
    };
    let Planned {
        chat,
        prepared,
        resolved,
    } = conn
        .route
        .plan(ask, messages)
        .map_err(|e| ConfigError::new(e.to_string()))?;

    let mut variant = Variant::new(
        conversation.next_id(),
        MessageSettings {
            provider: conn.spec.name.clone(),
            model: model.clone(),
            thinking: settings.clone(),
            resolved,
            max_tokens: chat.max_tokens,
        },
        now_ms(),
    );
    variant.preserved_tokens = resolved.preserve.then(|| {
        chat.messages
            .iter()
            .filter_map(|m| m.reasoning.as_deref())
            .map(crate::session::tokens::estimate)
            .sum()
    });
    variant.request = Some(record::request_record(&prepared, conn.key.is_some()));
    let turn = &conversation.turns[t];
    if let Some(r) = &recording {
        if r.is_new {
            let _ = writeln!(std::io::stderr(), "session: {}", r.id);
        }
        r.meta(
            None,
            &model,
            &conn.spec.name,
            conversation.system.as_deref(),
        );
        r.turn(None, t, turn.id, &turn.prompt, turn.variants.len());
        r.variant(None, turn.id, &variant);
    }

    let cancel = cancel_on_ctrl_c();

    let mut out = Printer::new(args.json, cancel.clone());
    let outcome = conn
        .client
        .run(&prepared, conn.key.as_ref(), &cancel, &mut |ev| {
            follow(&mut variant, &ev);
            if let Some(r) = &mut recording {
                r.snapshot(None, turn.id, &variant);
            }
            out.event(&ev);
        })
        .await;
    out.end();
    variant.retries = outcome.attempts.saturating_sub(1);
    let price = conn.route.model_info(&model).and_then(|m| m.price);
    variant.finish(&outcome, price, &conn.spec.unauthorized_hint());
    if let Some(r) = &recording {
        r.variant(None, turn.id, &variant);
        r.finish("this turn");
    }
    if out.closed {
        // Whoever read our output stopped (`| head`): nothing more to say.
        return Ok(exit::OK);
    }

    let code = exit_code(&outcome.end);
    if args.json {
        let mut v = json_result(&conn, &model, &chat, &variant.reply, &outcome);
        if let (Some(r), Some(object)) = (&recording, v.as_object_mut()) {
            object.insert("session".into(), r.id.clone().into());
        }
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    } else {
        report(&conn, &variant.reply, &outcome);
    }
    Ok(code)
}

/// Fold a run's progress into its variant, as the workbench does for a message.
fn follow(v: &mut Variant, ev: &RunEvent) {
    match ev {
        RunEvent::Attempt(n) => v.retries = n.saturating_sub(1),
        RunEvent::Stream(e) => v.apply_at(e, now_ms()),
        _ => {}
    }
}

/// Streams text to the terminal: reasoning dimmed on stderr, the answer on stdout.
struct Printer {
    quiet: bool,
    dim: bool,
    in_reasoning: bool,
    answer_ends_with_newline: bool,
    answer_shown: bool,
    /// Standard output was closed by its reader; the run is cancelled.
    closed: bool,
    cancel: CancellationToken,
}

impl Printer {
    fn new(quiet: bool, cancel: CancellationToken) -> Printer {
        Printer {
            quiet,
            dim: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            in_reasoning: false,
            answer_ends_with_newline: true,
            answer_shown: false,
            closed: false,
            cancel,
        }
    }

    fn event(&mut self, ev: &RunEvent) {
        match ev {
            RunEvent::Retrying { .. } => note_retry("", ev),
            RunEvent::Stream(StreamEvent::Reasoning(t)) if !self.quiet => {
                let mut err = std::io::stderr().lock();
                if !self.in_reasoning && self.dim {
                    let _ = err.write_all(b"\x1b[2m");
                }
                self.in_reasoning = true;
                let _ = err.write_all(inert(t).as_bytes());
                let _ = err.flush();
            }
            RunEvent::Stream(StreamEvent::Answer(t)) if !self.quiet && !self.closed => {
                self.close_reasoning();
                let text = inert(t);
                if !text.is_empty() {
                    self.answer_shown = true;
                    self.answer_ends_with_newline = text.ends_with('\n');
                }
                let mut out = std::io::stdout().lock();
                if out
                    .write_all(text.as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    self.closed = true;
                    self.cancel.cancel();
                }
            }
            _ => {}
        }
    }

    fn close_reasoning(&mut self) {
        if self.in_reasoning {
            let mut err = std::io::stderr().lock();
            if self.dim {
                let _ = err.write_all(b"\x1b[22m");
            }
            let _ = err.write_all(b"\n\n");
            let _ = err.flush();
            self.in_reasoning = false;
        }
    }

    fn end(&mut self) {
        if self.quiet || self.closed {
            return;
        }
        self.close_reasoning();
        if self.answer_shown && !self.answer_ends_with_newline {
            let _ = writeln!(std::io::stdout());
        }
    }
}

/// Explain how the run ended, on stderr.
fn report(conn: &Connection, t: &Transcript, outcome: &RunOutcome) {
    if outcome.info.malformed > 0 {
        note(format_args!(
            "warning: {} malformed chunk(s) in the stream were skipped",
            outcome.info.malformed
        ));
    }
    match &outcome.end {
        RunEnd::Complete => {
            if let Some(crate::provider::FinishReason::Length) = &t.finish
                && t.answer.trim().is_empty()
            {
                note(format_args!(
                    "the output limit was reached before any answer (finish_reason length): raise --max-tokens, set a smaller --budget, or use --no-think"
                ));
            }
        }
        RunEnd::Cancelled => note("cancelled; the partial output is above"),
        RunEnd::Failed(f) => {
            let partial = !t.answer.is_empty() || !t.reasoning.is_empty();
            note(format_args!("error: {f}"));
            if let Some(h) = hint(conn, &outcome.end) {
                note(h);
            }
            if partial {
                note("the answer is incomplete; the partial output is above");
            }
        }
    }
}
