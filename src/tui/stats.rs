//! What drawing costs, measured by the event loop and shown on request (the stats key): frames
//! drawn, the time of recent frames (p50 / p95), and the bytes written to the terminal per byte
//! of model text of the current stream. Terminal bytes are counted by [`Counted`], the writer
//! the terminal backend writes through.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bytes written to the terminal by this process (through [`Counted`]).
static TERMINAL_BYTES: AtomicU64 = AtomicU64::new(0);

/// A writer that counts what goes through it.
pub struct Counted<W>(pub W);

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.0.write(buf)?;
        TERMINAL_BYTES.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Bytes written to the terminal so far.
pub fn terminal_bytes() -> u64 {
    TERMINAL_BYTES.load(Ordering::Relaxed)
}

/// How many recent frame times are kept.
const WINDOW: usize = 240;

/// Frame times and terminal bytes, as the loop measured them.
#[derive(Debug, Default, Clone)]
pub struct RenderStats {
    pub frames: u64,
    /// The last [`WINDOW`] frame times, oldest overwritten first.
    times: Vec<Duration>,
    next: usize,
    /// The stream the byte ratio is about: its variant id, and the terminal byte count when
    /// it was first seen.
    stream: Option<(u64, u64)>,
}

impl RenderStats {
    /// One frame drawn in `took`.
    pub fn frame(&mut self, took: Duration) {
        self.frames += 1;
        if self.times.len() < WINDOW {
            self.times.push(took);
        } else {
            self.times[self.next] = took;
        }
        self.next = (self.next + 1) % WINDOW;
    }

    /// The `p`-th percentile (0–100) of the recent frame times.
    pub fn percentile(&self, p: usize) -> Option<Duration> {
        if self.times.is_empty() {
            return None;
        }
        let mut sorted = self.times.clone();
        sorted.sort_unstable();
        let i = (sorted.len() - 1) * p.min(100) / 100;
        Some(sorted[i])
    }

    /// Follow the stream of variant `id` (the latest one): terminal bytes are counted from
    /// when it is first seen.
    pub fn follow(&mut self, id: u64, bytes_now: u64) {
        if self.stream.is_none_or(|(v, _)| v != id) {
            self.stream = Some((id, bytes_now));
        }
    }

    /// Terminal bytes per byte of model text since the followed stream began, for
    /// `model_bytes` of its reasoning and answer.
    pub fn bytes_per_model_byte(&self, bytes_now: u64, model_bytes: usize) -> Option<f64> {
        let (_, start) = self.stream?;
        (model_bytes > 0).then(|| bytes_now.saturating_sub(start) as f64 / model_bytes as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_recent_frames() {
        let mut s = RenderStats::default();
        assert_eq!(s.percentile(50), None);
        for ms in 1..=100 {
            s.frame(Duration::from_millis(ms));
        }
        assert_eq!(s.percentile(50), Some(Duration::from_millis(50)));
        assert_eq!(s.percentile(95), Some(Duration::from_millis(95)));
        // Only the recent ones count: 240 slow frames push the fast ones out.
        for _ in 0..WINDOW {
            s.frame(Duration::from_millis(500));
        }
        assert_eq!(s.percentile(50), Some(Duration::from_millis(500)));
        assert_eq!(s.frames, 100 + WINDOW as u64);
    }

    #[test]
    fn bytes_are_counted_from_the_start_of_the_followed_stream() {
        let mut s = RenderStats::default();
        assert_eq!(s.bytes_per_model_byte(1_000, 10), None);
        s.follow(7, 1_000);
        s.follow(7, 5_000);
        assert_eq!(s.bytes_per_model_byte(3_000, 100), Some(20.0));
        assert_eq!(s.bytes_per_model_byte(3_000, 0), None);
        s.follow(8, 3_000);
        assert_eq!(s.bytes_per_model_byte(3_500, 50), Some(10.0));
        let mut w = Counted(Vec::new());
        let before = terminal_bytes();
        w.write_all(b"hello").unwrap();
        assert!(terminal_bytes() >= before + 5);
        assert_eq!(w.0, b"hello");
    }
}
