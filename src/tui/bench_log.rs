//! A record of what the workbench drew, for the side-by-side benchmark (`benches/run`): with
//! `THINKBENCH_BENCH_LOG=FILE` set, the loop notes every frame (when it ended and how long it
//! took), every key-to-frame latency, and the time from process start to the first frame, and
//! writes them to FILE as JSON when the workbench exits. Unset, nothing is recorded.
//!
//! Times are wall-clock microseconds since the Unix epoch, so the benchmark can cut the record
//! to the window it measures (from Enter until the last chunk was on screen).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The environment variable naming the file.
pub const ENV: &str = "THINKBENCH_BENCH_LOG";

/// Samples kept at most per kind (a day of frames at 60/s would not fit; a benchmark's do).
const MAX_SAMPLES: usize = 1_000_000;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Note the start of the process: `main` calls this first.
pub fn process_started() {
    STARTED.get_or_init(Instant::now);
}

fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// CPU time used by this process so far (user + system, every thread), in microseconds.
fn cpu_us() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0;
    }
    let us = |tv: libc::timeval| tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64;
    us(u.ru_utime) + us(u.ru_stime)
}

/// What the loop measured, as written to the file.
#[derive(Debug, Default, Serialize)]
pub struct BenchLog {
    #[serde(skip)]
    path: PathBuf,
    /// Microseconds from [`process_started`] to the end of the first frame.
    pub first_frame_us: Option<u64>,
    /// `[end, took, cpu]` of each frame, in microseconds; `cpu` is the CPU time (user +
    /// system, all threads) the process had used when the frame ended.
    pub frames: Vec<[u64; 3]>,
    /// `[end, latency]` of each frame drawn for a key: from the loop reading the key to the end
    /// of the frame that shows what it did.
    pub keys: Vec<[u64; 2]>,
}

impl BenchLog {
    /// A log when the environment asks for one.
    pub fn from_env() -> Option<BenchLog> {
        let path = std::env::var_os(ENV).filter(|p| !p.is_empty())?;
        Some(BenchLog {
            path: path.into(),
            ..BenchLog::default()
        })
    }

    /// A frame that took `took`, ending now; `key` is when the oldest key it shows was read.
    pub fn frame(&mut self, took: Duration, key: Option<Instant>) {
        let end = unix_us();
        if self.first_frame_us.is_none() {
            self.first_frame_us = STARTED.get().map(|s| s.elapsed().as_micros() as u64);
        }
        if self.frames.len() < MAX_SAMPLES {
            self.frames.push([end, took.as_micros() as u64, cpu_us()]);
        }
        if let Some(k) = key
            && self.keys.len() < MAX_SAMPLES
        {
            self.keys.push([end, k.elapsed().as_micros() as u64]);
        }
    }

    /// Write the record to its file (a failure is reported on stderr: this runs after the
    /// terminal is given back).
    pub fn write(&self) {
        let json = match serde_json::to_vec(self) {
            Ok(j) => j,
            Err(e) => return crate::logging::tell(format_args!("{ENV}: {e}")),
        };
        if let Err(e) = std::fs::write(&self.path, json) {
            crate::logging::tell(format_args!(
                "{ENV}: cannot write {}: {e}",
                self.path.display()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_keys_are_recorded_and_written() {
        process_started();
        let dir = tempfile::tempdir().unwrap();
        let mut log = BenchLog {
            path: dir.path().join("log.json"),
            ..BenchLog::default()
        };
        let key = Instant::now();
        log.frame(Duration::from_micros(800), None);
        log.frame(Duration::from_micros(1200), Some(key));
        assert_eq!(log.frames.len(), 2);
        assert_eq!(log.frames[1][1], 1200);
        assert!(log.frames[1][0] >= log.frames[0][0]);
        assert!(log.frames[1][2] >= log.frames[0][2] && log.frames[1][2] > 0);
        assert_eq!(log.keys.len(), 1);
        assert!(log.first_frame_us.is_some());
        log.write();
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("log.json")).unwrap()).unwrap();
        assert_eq!(back["frames"][1][1], 1200);
        assert_eq!(back["keys"].as_array().unwrap().len(), 1);
        assert!(back.get("path").is_none());
    }
}
