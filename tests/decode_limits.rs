//! The decoders under sizes no property test reaches, with the memory they take counted by
//! this binary's allocator: a 100 MB line with no line break, one event of many data lines
//! joined past the limit, and a million empty events. One test, so nothing else allocates
//! while the peak is read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use thinkbench::provider::StreamEvent;
use thinkbench::provider::decode::{self, MAX_EVENT_BYTES, ThinkTags, WireFormat};

/// The system allocator, counting the bytes live now and the most ever live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most bytes live while `f` ran, above what was live before it.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

const MB: usize = 1 << 20;
const FORMATS: [WireFormat; 3] = [
    WireFormat::OpenAiSse,
    WireFormat::DashScopeSse,
    WireFormat::OllamaNdjson,
];

/// Feed `prefix`, then `total` bytes of `fill` in 64 KB network-sized chunks, then `suffix`:
/// the events and whether the decoder found a line or event too long.
fn feed_long(
    format: WireFormat,
    prefix: &[u8],
    fill: u8,
    total: usize,
    suffix: &[u8],
) -> (Vec<StreamEvent>, bool) {
    let mut d = decode::decoder(format, ThinkTags::Leading);
    let mut events = Vec::new();
    d.feed(prefix, &mut events);
    let chunk = vec![fill; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        d.feed(&chunk[..n], &mut events);
        left -= n;
    }
    d.feed(suffix, &mut events);
    d.finish(&mut events);
    (events, d.info().oversized)
}

#[test]
fn oversized_input_is_refused_within_bounded_memory() {
    // A 100 MB line with no break, after a valid first event: the event before it is kept,
    // the decoder says the line was too long, and it never holds much more than the limit.
    let first: &[&[u8]] = &[
        b"data: {\"choices\":[{\"delta\":{\"content\":\"kept\"}}]}\n\ndata: {\"x\":\"",
        b"id:1\nevent:result\ndata:{\"output\":{\"text\":\"kept\"}}\n\ndata:{\"x\":\"",
        b"{\"message\":{\"content\":\"kept\"},\"done\":false}\n{\"x\":\"",
    ];
    for (format, prefix) in FORMATS.into_iter().zip(first) {
        let mut out = (Vec::new(), false);
        let peak = peak_during(|| out = feed_long(format, prefix, b'a', 100 * MB, b"\"}\n\n"));
        let (events, oversized) = out;
        assert!(oversized, "{format:?}: a 100 MB line is reported");
        assert_eq!(
            events,
            vec![StreamEvent::Answer("kept".into())],
            "{format:?}: what came before the long line is kept, the line is not decoded"
        );
        assert!(
            peak < 3 * MAX_EVENT_BYTES,
            "{format:?}: {} MB live at the peak",
            peak / MB
        );
    }

    // A line under the limit is still an event.
    let (events, oversized) = feed_long(
        WireFormat::OpenAiSse,
        b"data: {\"choices\":[{\"delta\":{\"content\":\"",
        b'a',
        MAX_EVENT_BYTES - 4 * MB,
        b"\"}}]}\n\n",
    );
    assert!(!oversized, "a 4 MB event is within the limit");
    match &events[..] {
        [StreamEvent::Answer(a)] => assert_eq!(a.len(), MAX_EVENT_BYTES - 4 * MB),
        other => panic!("{} events", other.len()),
    }

    // Many short data lines joined into one event past the limit (no blank line ever comes).
    let peak = peak_during(|| {
        let mut d = decode::decoder(WireFormat::OpenAiSse, ThinkTags::Off);
        let mut events = Vec::new();
        let line = [b"data: ".as_slice(), &[b'x'; 1000], b"\n"].concat();
        let block: Vec<u8> = line.repeat(64);
        for _ in 0..(20 * MB / block.len()) {
            d.feed(&block, &mut events);
        }
        d.finish(&mut events);
        assert!(
            d.info().oversized,
            "an event of 20 MB of data lines is refused"
        );
        assert!(events.is_empty());
    });
    assert!(peak < 3 * MAX_EVENT_BYTES, "{} MB live", peak / MB);

    // A million empty events and a million keep-alives: nothing comes out, nothing piles up.
    for (format, unit) in [
        (WireFormat::OpenAiSse, b"data:\n\n".as_slice()),
        (WireFormat::OpenAiSse, b": keep-alive\n\n".as_slice()),
        (WireFormat::DashScopeSse, b"data:\n\n".as_slice()),
        (WireFormat::OllamaNdjson, b"\n".as_slice()),
    ] {
        let block = unit.repeat(10_000);
        let peak = peak_during(|| {
            let mut d = decode::decoder(format, ThinkTags::Leading);
            let mut events = Vec::new();
            for _ in 0..100 {
                d.feed(&block, &mut events);
            }
            d.finish(&mut events);
            assert!(events.is_empty(), "{format:?}: {} events", events.len());
            assert!(!d.info().oversized);
        });
        assert!(peak < MB, "{format:?}: {} KB live", peak / 1024);
    }
}
