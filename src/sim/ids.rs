//! Request ids in the shape Model Studio uses (`8-4-4-4-12` hex, like a UUID).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Hands out unique request ids for one simulator.
pub(crate) struct IdSource {
    seed: u64,
    next: AtomicU64,
}

impl IdSource {
    pub(crate) fn new(salt: u64) -> IdSource {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        IdSource {
            seed: mix(nanos ^ salt.rotate_left(32)),
            next: AtomicU64::new(0),
        }
    }

    /// A new request id such as `7c0e3b1a-2d4f-9a8b-b6c5-1e2f3a4b5c6d`.
    pub(crate) fn request_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let a = mix(self.seed ^ n);
        let b = mix(a ^ 0x5bd1_e995);
        format!(
            "{:08x}-{:04x}-9{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Seconds since the Unix epoch, for `created`.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_unique() {
        let ids = IdSource::new(7);
        let a = ids.request_id();
        let b = ids.request_id();
        assert_ne!(a, b);
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }
}
