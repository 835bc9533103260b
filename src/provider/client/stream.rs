//! Reading a response body: a 2xx stream decoded as it arrives, guarded by the idle and
//! progress timeouts and timed by the phase clock; an error body, bounded in size and time.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::outcome::{
    Failure, RunEnd, RunEvent, RunOutcome, STALLED, Timings, describe, inert_error,
};
use super::settings::NetworkSettings;
use crate::provider::decode::{self, DecodeInfo};
use crate::provider::request::PreparedRequest;
use crate::provider::{ApiError, StreamEvent};

/// Decode a 2xx response body to its end, reporting events through `on` and filling in what
/// the decoder learnt and the timings in `outcome`.
pub(super) async fn read_stream(
    net: &NetworkSettings,
    req: &PreparedRequest,
    resp: reqwest::Response,
    cancel: &CancellationToken,
    on: &mut (dyn FnMut(RunEvent) + Send),
    outcome: &mut RunOutcome,
    attempt_start: Instant,
) -> RunEnd {
    let mut decoder = decode::decoder(req.format, req.think_tags);
    let mut stream = resp.bytes_stream();
    let mut events = Vec::new();
    let mut clock = PhaseClock::new(attempt_start);
    let mut last_error: Option<ApiError> = None;
    let end = loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => break RunEnd::Cancelled,
            n = tokio::time::timeout(net.idle_timeout, stream.next()) => n,
        };
        match next {
            Ok(Some(Ok(bytes))) => {
                // Progress is data, not just bytes: keep-alive comments do not count,
                // but text a think-tag splitter holds back does.
                let before = decoder.info().data_events;
                decoder.feed(&bytes, &mut events);
                if !events.is_empty() || decoder.info().data_events != before {
                    clock.progress();
                }
                deliver(&mut events, &mut clock, &mut last_error, on);
                // The stream said it is over: do not wait for the server to close the
                // connection (it may keep it open for reuse).
                if let Some(err) = last_error.take() {
                    break RunEnd::Failed(Failure::Api(err));
                }
                if decoder.info().oversized {
                    break RunEnd::Failed(Failure::Interrupted(format!(
                        "the server sent a line or event of more than {} MiB, which no stream \
                         of this dialect holds: stopped reading (what arrived before it is kept)",
                        decode::MAX_EVENT_BYTES >> 20
                    )));
                }
                if ended(decoder.info(), req.format) {
                    decoder.finish(&mut events);
                    deliver(&mut events, &mut clock, &mut last_error, on);
                    break RunEnd::Complete;
                }
                if clock.since_progress() > net.progress_timeout {
                    break RunEnd::Failed(Failure::Interrupted(format!(
                        "no content for {} s (only keep-alives)",
                        net.progress_timeout.as_secs()
                    )));
                }
            }
            Ok(Some(Err(e))) => {
                decoder.finish(&mut events);
                deliver(&mut events, &mut clock, &mut last_error, on);
                break match last_error.take() {
                    Some(err) => RunEnd::Failed(Failure::Api(err)),
                    None => RunEnd::Failed(Failure::Interrupted(format!(
                        "the connection broke off mid-stream ({})",
                        describe(&e)
                    ))),
                };
            }
            Ok(None) => {
                decoder.finish(&mut events);
                deliver(&mut events, &mut clock, &mut last_error, on);
                break match last_error.take() {
                    Some(err) => RunEnd::Failed(Failure::Api(err)),
                    None if decoder.info().complete() => RunEnd::Complete,
                    None => RunEnd::Failed(Failure::Interrupted(
                        "the stream ended before the model finished (no end marker)".into(),
                    )),
                };
            }
            Err(_) => {
                decoder.finish(&mut events);
                deliver(&mut events, &mut clock, &mut last_error, on);
                break match last_error.take() {
                    Some(err) => RunEnd::Failed(Failure::Api(err)),
                    // The model finished; only the end marker (and perhaps usage) is
                    // missing.
                    None if decoder.info().finished => RunEnd::Complete,
                    None => RunEnd::Failed(Failure::Interrupted(format!(
                        "no data for {} from {} after {} chunk(s): {STALLED} \
                         (the wait is [network] idle_timeout_secs)",
                        seconds(net.idle_timeout),
                        req.body["model"].as_str().unwrap_or("the model"),
                        decoder.info().data_events,
                    ))),
                };
            }
        }
    };
    outcome.info = decoder.info().clone();
    if outcome.request_id.is_none() {
        outcome.request_id = outcome.info.request_id.clone();
    }
    outcome.timings = clock.finish();
    end
}

/// `1.5 s`, `90 s`.
pub(super) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Whether the stream has said all it will: the `[DONE]` / `done:true` marker, or for
/// DashScope native (which has no marker) the event with a finish reason. OpenAI-style streams
/// send usage after the finish reason, so for them only the marker counts.
fn ended(info: &DecodeInfo, format: decode::WireFormat) -> bool {
    info.done_marker || (format == decode::WireFormat::DashScopeSse && info.finished)
}

fn deliver(
    events: &mut Vec<StreamEvent>,
    clock: &mut PhaseClock,
    last_error: &mut Option<ApiError>,
    on: &mut (dyn FnMut(RunEvent) + Send),
) {
    for mut e in events.drain(..) {
        match &mut e {
            StreamEvent::Reasoning(_) => clock.reasoning(),
            StreamEvent::Answer(_) | StreamEvent::ToolCall(_) => clock.answer(),
            StreamEvent::Error(err) => {
                *err = inert_error(std::mem::take(err));
                *last_error = Some(err.clone());
            }
            _ => {}
        }
        on(RunEvent::Stream(e));
    }
}

/// Tracks when reasoning and answer started.
struct PhaseClock {
    start: Instant,
    first_reasoning: Option<Instant>,
    first_answer: Option<Instant>,
    last_progress: Instant,
}

impl PhaseClock {
    fn new(start: Instant) -> Self {
        PhaseClock {
            start,
            first_reasoning: None,
            first_answer: None,
            last_progress: start,
        }
    }

    fn progress(&mut self) {
        self.last_progress = Instant::now();
    }

    fn since_progress(&self) -> Duration {
        self.last_progress.elapsed()
    }

    fn reasoning(&mut self) {
        self.first_reasoning.get_or_insert_with(Instant::now);
    }

    fn answer(&mut self) {
        self.first_answer.get_or_insert_with(Instant::now);
    }

    fn finish(&self) -> Timings {
        let end = Instant::now();
        let first = match (self.first_reasoning, self.first_answer) {
            (Some(r), Some(a)) => Some(r.min(a)),
            (r, a) => r.or(a),
        };
        Timings {
            ttft: first.map(|t| t - self.start),
            reasoning: self
                .first_reasoning
                .map(|r| self.first_answer.unwrap_or(end).max(r) - r),
            answer: self.first_answer.map(|a| end - a),
            total: Duration::ZERO,
        }
    }
}

/// The body of an error response, bounded in size and time. `None` when cancelled.
pub(super) async fn read_error_body(
    resp: reqwest::Response,
    idle_timeout: Duration,
    cancel: &CancellationToken,
) -> Option<Vec<u8>> {
    const LIMIT: usize = 64 * 1024;
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return None,
            next = tokio::time::timeout(idle_timeout, stream.next()) => match next {
                Ok(Some(Ok(bytes))) => {
                    body.extend_from_slice(&bytes);
                    if body.len() >= LIMIT {
                        body.truncate(LIMIT);
                        return Some(body);
                    }
                }
                _ => return Some(body),
            }
        }
    }
}
