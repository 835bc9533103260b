//! From frames to an HTTP body: pacing, fault injection and trickling.
//!
//! An [`Encoder`] produces the frames of one protocol lazily (a native non-incremental stream
//! repeats the whole text in every event, so precomputing it would be quadratic in memory).
//! [`Injector`] applies a stream fault at the right place, and [`body_stream`] turns the
//! result into the `Stream` hyper writes, one frame per body chunk.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::time::{Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::Fault;
use super::generate::Rng;
use super::wire_error::WireError;

/// What kind of frame comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// Carries one token piece: paced by `rate` and counted by faults.
    pub token: bool,
    /// Comes after (or completes) the generated text: finish, usage, `[DONE]`, the final event.
    /// A stream fault that has not struck yet strikes before it.
    pub tail: bool,
}

impl Kind {
    pub const HEAD: Kind = Kind {
        token: false,
        tail: false,
    };
    pub const TOKEN: Kind = Kind {
        token: true,
        tail: false,
    };
    pub const TAIL: Kind = Kind {
        token: false,
        tail: true,
    };
    /// The last token, in the event that also finishes the stream.
    pub const LAST_TOKEN: Kind = Kind {
        token: true,
        tail: true,
    };
}

/// The frames (SSE events) of one streamed response, in one protocol's shape.
pub(crate) trait Encoder: Send {
    /// The kind of the next frame without producing it; `None` after the last.
    fn upcoming(&mut self) -> Option<Kind>;
    /// The next frame, `None` after the last.
    fn next_frame(&mut self) -> Option<Bytes>;
    /// A frame in the stream's framing whose JSON is cut short.
    fn malformed_frame(&mut self) -> Bytes;
    /// The frames that end the stream with an in-stream error.
    fn error_frames(&mut self, err: &WireError) -> Vec<Bytes>;
}

/// What the body writer does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Emit {
    /// Bytes paced by `rate`.
    Token(Bytes),
    /// Bytes sent at once.
    Control(Bytes),
    /// Abort the connection.
    Abort,
    /// Send nothing more, keep the connection open.
    Stall,
}

/// The `huge-line` fault's line: 64 MB with no line break, sent in 64 KB pieces of one
/// static buffer.
const HUGE_LINE_BYTES: usize = 64 << 20;
static HUGE_FILL: [u8; 64 * 1024] = [b'a'; 64 * 1024];

/// Applies a stream fault (drop, stall, malformed, error-event, no-finish, huge-line) to an
/// encoder's frames.
pub(crate) struct Injector {
    encoder: Box<dyn Encoder>,
    fault: Option<Fault>,
    cut: usize,
    tokens_sent: usize,
    pending: VecDeque<Emit>,
    done: bool,
}

impl Injector {
    /// `cut`: how many token frames go out before the fault strikes.
    pub fn new(encoder: Box<dyn Encoder>, fault: Option<Fault>, cut: usize) -> Injector {
        let fault = fault.filter(|f| {
            matches!(
                f,
                Fault::Drop
                    | Fault::Stall
                    | Fault::Malformed
                    | Fault::ErrorEvent
                    | Fault::NoFinish
                    | Fault::HugeLine
            )
        });
        Injector {
            encoder,
            fault,
            cut,
            tokens_sent: 0,
            pending: VecDeque::new(),
            done: false,
        }
    }

    /// What the fault does when it strikes, before the frame it is due at.
    fn strike(&mut self, fault: Fault) -> Option<Emit> {
        match fault {
            Fault::Drop => {
                self.done = true;
                Some(Emit::Abort)
            }
            Fault::Stall => {
                self.done = true;
                Some(Emit::Stall)
            }
            // The real frame follows on the next call.
            Fault::Malformed => Some(Emit::Control(self.encoder.malformed_frame())),
            Fault::NoFinish => {
                self.done = true;
                None
            }
            Fault::HugeLine => {
                self.done = true;
                let fill = Bytes::from_static(&HUGE_FILL);
                self.pending.extend(
                    std::iter::repeat_n(fill, HUGE_LINE_BYTES / HUGE_FILL.len()).map(Emit::Control),
                );
                Some(Emit::Control(Bytes::from_static(
                    b"data: {\"choices\":[{\"delta\":{\"content\":\"",
                )))
            }
            _ => {
                let frames = self.encoder.error_frames(&WireError::output_inspection());
                self.pending.extend(frames.into_iter().map(Emit::Control));
                self.done = true;
                self.pending.pop_front()
            }
        }
    }
}

impl Iterator for Injector {
    type Item = Emit;

    fn next(&mut self) -> Option<Emit> {
        if let Some(e) = self.pending.pop_front() {
            return Some(e);
        }
        if self.done {
            return None;
        }
        let Some(kind) = self.encoder.upcoming() else {
            self.done = true;
            return None;
        };
        let due = (kind.token && self.tokens_sent >= self.cut) || kind.tail;
        if let Some(fault) = self.fault.filter(|_| due) {
            self.fault = None;
            return self.strike(fault);
        }
        let bytes = self.encoder.next_frame()?;
        if kind.token {
            self.tokens_sent += 1;
            Some(Emit::Token(bytes))
        } else {
            Some(Emit::Control(bytes))
        }
    }
}

/// How the bytes are written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pacing {
    /// Token frames per second; `None` = as fast as the socket takes them.
    pub rate: Option<f64>,
    /// Split every frame into tiny pieces: a pause before each frame, and short pauses
    /// between its pieces so they travel separately.
    pub trickle: bool,
}

/// The longest piece a trickled frame is cut into.
const TRICKLE_MAX_PIECE: usize = 48;
/// The pause before each trickled frame: a slow server, well below any idle timeout. Short
/// enough that a default-length answer (a few hundred frames) still completes in seconds.
const TRICKLE_FRAME_GAP_MS: (u64, u64) = (10, 25);
/// The pause between the pieces of one frame, so each travels in its own TCP segment.
const TRICKLE_PIECE_GAP: Duration = Duration::from_millis(1);
/// The pause before a dropped connection is cut, so the bytes before it reach the client.
const ABORT_DELAY: Duration = Duration::from_millis(20);

struct Writer {
    source: Box<dyn Iterator<Item = Emit> + Send>,
    pacing: Pacing,
    interval: Option<Interval>,
    /// Body chunks, each with the pause before it.
    queue: VecDeque<(Bytes, Duration)>,
    rng: Rng,
    cancel: CancellationToken,
    finished: bool,
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "simulated connection drop",
    )
}

impl Writer {
    async fn tick(&mut self) {
        let Some(rate) = self.pacing.rate.filter(|r| r.is_finite() && *r > 0.0) else {
            return;
        };
        let interval = self.interval.get_or_insert_with(|| {
            let period = Duration::from_secs_f64(1.0 / rate).max(Duration::from_nanos(1));
            let mut i = tokio::time::interval(period);
            i.set_missed_tick_behavior(MissedTickBehavior::Burst);
            i
        });
        interval.tick().await;
    }

    fn enqueue(&mut self, bytes: Bytes) {
        if self.pacing.trickle {
            let (lo, hi) = TRICKLE_FRAME_GAP_MS;
            let gap = Duration::from_millis(lo + self.rng.below(hi - lo + 1));
            for (i, piece) in trickle_pieces(&bytes, &mut self.rng)
                .into_iter()
                .enumerate()
            {
                let pause = if i == 0 { gap } else { TRICKLE_PIECE_GAP };
                self.queue.push_back((piece, pause));
            }
        } else {
            self.queue.push_back((bytes, Duration::ZERO));
        }
    }

    /// The next body chunk; `None` ends the body cleanly, `Some(Err)` aborts the connection.
    async fn next_chunk(&mut self) -> Option<io::Result<Bytes>> {
        loop {
            if let Some((bytes, pause)) = self.queue.pop_front() {
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                return Some(Ok(bytes));
            }
            if self.finished {
                return None;
            }
            match self.source.next() {
                None => self.finished = true,
                Some(Emit::Token(b)) => {
                    self.tick().await;
                    self.enqueue(b);
                }
                Some(Emit::Control(b)) => self.enqueue(b),
                Some(Emit::Abort) => {
                    // Let hyper flush what was written, then cut the connection.
                    tokio::time::sleep(ABORT_DELAY).await;
                    self.finished = true;
                    return Some(Err(aborted()));
                }
                Some(Emit::Stall) => {
                    self.cancel.cancelled().await;
                    self.finished = true;
                    return Some(Err(aborted()));
                }
            }
        }
    }
}

/// Cut a frame into tiny pieces: inside its first field name (mid-line), after the first byte
/// of its first multi-byte character (mid-UTF-8), before its final newline, and elsewhere so
/// that no piece is longer than [`TRICKLE_MAX_PIECE`].
pub(crate) fn trickle_pieces(bytes: &Bytes, rng: &mut Rng) -> Vec<Bytes> {
    let len = bytes.len();
    let mut cuts = vec![3.min(len), len.saturating_sub(1)];
    if let Some(i) = bytes.iter().position(|b| *b >= 0xc0) {
        cuts.push(i + 1);
    }
    let mut at = 0;
    while at + TRICKLE_MAX_PIECE < len {
        at += 16 + rng.below((TRICKLE_MAX_PIECE - 16) as u64) as usize;
        cuts.push(at.min(len));
    }
    cuts.retain(|c| *c > 0 && *c < len);
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for c in cuts.into_iter().chain(std::iter::once(len)) {
        if c > start {
            pieces.push(bytes.slice(start..c));
            start = c;
        }
    }
    // Keep every piece within the limit even where the random cuts landed far apart.
    pieces
        .into_iter()
        .flat_map(|p| {
            (0..p.len())
                .step_by(TRICKLE_MAX_PIECE)
                .map(move |i| p.slice(i..(i + TRICKLE_MAX_PIECE).min(p.len())))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The HTTP body for `source`. Shutting the simulator down (`cancel`) aborts it.
pub(crate) fn body_stream(
    source: Box<dyn Iterator<Item = Emit> + Send>,
    pacing: Pacing,
    seed: &str,
    cancel: CancellationToken,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let writer = Writer {
        source,
        pacing,
        interval: None,
        queue: VecDeque::new(),
        rng: Rng::seeded(&["trickle", seed]),
        cancel,
        finished: false,
    };
    futures_util::stream::unfold(writer, |mut w| async move {
        let cancel = w.cancel.clone();
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            item = w.next_chunk() => Some(item),
        };
        let item = match next {
            Some(item) => item,
            // Shut down: abort whatever is still being written.
            None if w.finished && w.queue.is_empty() => None,
            None => {
                w.finished = true;
                w.queue.clear();
                Some(Err(aborted()))
            }
        };
        item.map(|i| (i, w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed {
        frames: VecDeque<(Kind, &'static str)>,
    }

    impl Encoder for Fixed {
        fn upcoming(&mut self) -> Option<Kind> {
            self.frames.front().map(|f| f.0)
        }
        fn next_frame(&mut self) -> Option<Bytes> {
            self.frames
                .pop_front()
                .map(|f| Bytes::from_static(f.1.as_bytes()))
        }
        fn malformed_frame(&mut self) -> Bytes {
            Bytes::from_static(b"BROKEN")
        }
        fn error_frames(&mut self, _: &WireError) -> Vec<Bytes> {
            vec![Bytes::from_static(b"ERR"), Bytes::from_static(b"END")]
        }
    }

    fn frames() -> Box<dyn Encoder> {
        let mut f = VecDeque::new();
        f.push_back((Kind::HEAD, "H"));
        for t in ["a", "b", "c", "d"] {
            f.push_back((Kind::TOKEN, t));
        }
        f.push_back((Kind::TAIL, "T"));
        Box::new(Fixed { frames: f })
    }

    fn bytes_of(e: &Emit) -> &str {
        match e {
            Emit::Token(b) | Emit::Control(b) => std::str::from_utf8(b).unwrap(),
            Emit::Abort => "<abort>",
            Emit::Stall => "<stall>",
        }
    }

    fn run(fault: Option<Fault>, cut: usize) -> String {
        Injector::new(frames(), fault, cut)
            .map(|e| bytes_of(&e).to_string())
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn faults_strike_after_the_cut() {
        assert_eq!(run(None, 1), "H|a|b|c|d|T");
        assert_eq!(run(Some(Fault::Drop), 2), "H|a|b|<abort>");
        assert_eq!(run(Some(Fault::Stall), 1), "H|a|<stall>");
        assert_eq!(run(Some(Fault::Malformed), 3), "H|a|b|c|BROKEN|d|T");
        assert_eq!(run(Some(Fault::ErrorEvent), 2), "H|a|b|ERR|END");
        // A cut beyond the text strikes before the tail.
        assert_eq!(run(Some(Fault::Drop), 99), "H|a|b|c|d|<abort>");
        // Status faults and trickle do not touch the frames.
        assert_eq!(run(Some(Fault::Trickle), 1), "H|a|b|c|d|T");
    }

    #[test]
    fn trickle_cuts_mid_line_and_mid_character() {
        let frame = Bytes::from("data: {\"content\":\"你好 🐱\"}\n\n".repeat(4));
        let pieces = trickle_pieces(&frame, &mut Rng::seeded(&["t"]));
        assert_eq!(pieces.concat(), frame.to_vec());
        assert!(
            pieces
                .iter()
                .all(|p| !p.is_empty() && p.len() <= TRICKLE_MAX_PIECE)
        );
        assert_eq!(&pieces[0][..], b"dat");
        assert!(pieces.iter().any(|p| std::str::from_utf8(p).is_err()));
        assert_eq!(&pieces[pieces.len() - 1][..], b"\n");
    }

    #[tokio::test]
    async fn rate_spaces_token_chunks() {
        use futures_util::StreamExt;
        let src = Injector::new(frames(), None, 1);
        let pacing = Pacing {
            rate: Some(50.0),
            trickle: false,
        };
        let start = tokio::time::Instant::now();
        let chunks: Vec<_> = body_stream(Box::new(src), pacing, "s", CancellationToken::new())
            .collect()
            .await;
        assert_eq!(chunks.len(), 6);
        // Four tokens at 50/s: the first at once, then three 20 ms gaps.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(58), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }

    #[tokio::test]
    async fn cancel_ends_a_stall_with_an_error() {
        use futures_util::StreamExt;
        let cancel = CancellationToken::new();
        let src = Injector::new(frames(), Some(Fault::Stall), 1);
        let mut body = Box::pin(body_stream(
            Box::new(src),
            Pacing::default(),
            "s",
            cancel.clone(),
        ));
        assert!(body.next().await.unwrap().is_ok());
        assert!(body.next().await.unwrap().is_ok());
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            c.cancel();
        });
        assert!(body.next().await.unwrap().is_err());
        assert!(body.next().await.is_none());
    }
}
