//! A byte-level Server-Sent Events framer.
//!
//! Follows WHATWG "Interpreting an event stream" with the departures LLM streams need
//! (protocols.md §8):
//!
//! * lines are split on bytes (CR, LF or CRLF; a CR ending one chunk and an LF starting the next
//!   are one break) and only complete lines are decoded as UTF-8, so a chunk boundary inside a
//!   multi-byte character cannot corrupt text;
//! * the DashScope `:HTTP_STATUS/NNN` comment is parsed and attached to the next event;
//! * llama.cpp's non-standard `error:` field becomes an event of type `error`;
//! * at end of input a pending event is dispatched, not discarded (a final `data: [DONE]` with
//!   no newline is accepted);
//! * in [`SseParser::per_data_line`] mode every `data:` line is an event of its own (DashScope
//!   native streams that never send a blank line).
//!
//! * a line, or an event's joined data, longer than [`MAX_EVENT_BYTES`] stops the framer: it
//!   reports [`SseParser::oversized`], frees what it held and ignores the rest of the body, so a
//!   hostile or broken server cannot make the client buffer without bound.
//!
//! Usage is pull-based: [`SseParser::push`] bytes, then call [`SseParser::next_event`] until it
//! returns `None`; at end of body call [`SseParser::finish`] and drain again.

use std::borrow::Cow;

pub use super::MAX_EVENT_BYTES;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field given for this event (`None` means the default type, `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `id:` field given within this event, if any. The persistent "last event ID" of the
    /// stream is [`SseParser::last_event_id`].
    pub id: Option<String>,
    /// The status from a DashScope `:HTTP_STATUS/NNN` comment seen since the previous event.
    pub status: Option<u16>,
}

impl SseEvent {
    /// Whether this event's type is `name` (an absent type is `message`).
    pub fn is(&self, name: &str) -> bool {
        self.event.as_deref().unwrap_or("message") == name
    }
}

/// Splits a byte stream into lines without decoding it.
///
/// Amortised: bytes are appended to one buffer, consumed lines advance an offset, and the unread
/// tail is moved to the front only when new bytes arrive (each byte moves at most once). The
/// search for a line break resumes where the last search stopped, so a long line arriving in
/// many small chunks is scanned once.
#[derive(Debug, Default)]
pub(crate) struct LineReader {
    buf: Vec<u8>,
    /// Start of the unconsumed bytes.
    pos: usize,
    /// Everything in `pos..scan` is known to hold no line break.
    scan: usize,
    /// The last line ended with a CR at the very end of the buffered bytes: an LF that starts
    /// the next bytes belongs to the same break.
    skip_lf: bool,
    /// A lone CR ends a line (SSE); otherwise only LF does (NDJSON).
    cr_breaks: bool,
    /// The stream may still start with a (possibly incomplete) byte order mark.
    bom_pending: bool,
    eof: bool,
    /// A line longer than [`MAX_EVENT_BYTES`] arrived: nothing more is read.
    oversized: bool,
}

impl LineReader {
    /// A reader for SSE: CR, LF and CRLF all end a line.
    pub(crate) fn sse() -> Self {
        LineReader {
            cr_breaks: true,
            bom_pending: true,
            ..LineReader::default()
        }
    }

    /// A reader for NDJSON: only LF ends a line (a CR before it stays in the line; JSON treats it
    /// as whitespace).
    pub(crate) fn ndjson() -> Self {
        LineReader {
            cr_breaks: false,
            bom_pending: true,
            ..LineReader::default()
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.oversized {
            return;
        }
        if self.pos > 0 {
            if self.pos == self.buf.len() {
                self.buf.clear();
            } else {
                self.buf.drain(..self.pos);
            }
            self.scan -= self.pos;
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// No more bytes will come: the unterminated tail becomes the last line.
    pub(crate) fn finish(&mut self) {
        self.eof = true;
    }

    /// A line longer than [`MAX_EVENT_BYTES`] arrived (complete or not); the reader has let go
    /// of its bytes and reads no more.
    pub(crate) fn oversized(&self) -> bool {
        self.oversized
    }

    fn overflow(&mut self) -> Option<&[u8]> {
        self.oversized = true;
        self.buf = Vec::new();
        (self.pos, self.scan) = (0, 0);
        None
    }

    /// The next complete line, without its line break.
    pub(crate) fn next_line(&mut self) -> Option<&[u8]> {
        if self.oversized {
            return None;
        }
        if self.bom_pending {
            let avail = &self.buf[self.pos..];
            if avail.len() >= BOM.len() {
                if avail.starts_with(BOM) {
                    self.pos += BOM.len();
                }
                self.bom_pending = false;
            } else if !BOM.starts_with(avail) || self.eof {
                self.bom_pending = false;
            } else {
                // Too few bytes to know whether this is a BOM.
                return None;
            }
        }
        if self.skip_lf && self.pos < self.buf.len() {
            if self.buf[self.pos] == b'\n' {
                self.pos += 1;
            }
            self.skip_lf = false;
        }
        let start = self.pos;
        let from = self.scan.max(start);
        let cr_breaks = self.cr_breaks;
        let found = self.buf[from..]
            .iter()
            .position(|&b| b == b'\n' || (cr_breaks && b == b'\r'));
        match found {
            Some(off) if from + off - start > MAX_EVENT_BYTES => self.overflow(),
            Some(off) => {
                let end = from + off;
                let mut next = end + 1;
                if self.buf[end] == b'\r' {
                    match self.buf.get(next) {
                        Some(b'\n') => next += 1,
                        Some(_) => {}
                        None => self.skip_lf = true,
                    }
                }
                self.pos = next;
                self.scan = next;
                Some(&self.buf[start..end])
            }
            None if self.buf.len() - start > MAX_EVENT_BYTES => self.overflow(),
            None if self.eof && start < self.buf.len() => {
                let end = self.buf.len();
                self.pos = end;
                self.scan = end;
                Some(&self.buf[start..end])
            }
            None => {
                self.scan = self.buf.len();
                None
            }
        }
    }
}

/// Decode a complete line. Valid UTF-8 (the normal case) is borrowed; invalid bytes in a whole
/// line are replaced, as the SSE spec's UTF-8 decode does.
pub(crate) fn line_str(line: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(line) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(line),
    }
}

/// Field state of the event being assembled.
#[derive(Debug, Default)]
struct Pending {
    per_data_line: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    id: Option<String>,
    status: Option<u16>,
    last_event_id: Option<String>,
    retry: Option<u64>,
    comments: u32,
    /// The data lines of one event joined up to more than [`MAX_EVENT_BYTES`].
    oversized: bool,
}

impl Pending {
    /// Interpret one line; returns an event when the line dispatches one.
    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if let Some(comment) = line.strip_prefix(':') {
            self.comments = self.comments.saturating_add(1);
            if let Some(rest) = comment.strip_prefix("HTTP_STATUS/") {
                let digits = rest.trim();
                if let Ok(code) = digits.parse::<u16>() {
                    self.status = Some(code);
                }
            }
            return None;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.per_data_line {
                    let ev = SseEvent {
                        event: self.event.take(),
                        data: value.to_string(),
                        id: self.id.take(),
                        status: self.status.take(),
                    };
                    return Some(ev);
                }
                if self.data.len() + value.len() >= MAX_EVENT_BYTES {
                    self.oversized = true;
                    self.data = String::new();
                    self.has_data = false;
                    return None;
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => {
                self.event = (!value.is_empty()).then(|| value.to_string());
            }
            // An id containing NUL is ignored (the spec).
            "id" if !value.contains('\0') => {
                self.id = Some(value.to_string());
                self.last_event_id = Some(value.to_string());
            }
            // Digits only; anything else is ignored.
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            // llama.cpp sends mid-stream errors as `error: {json}`; a strict parser would drop
            // them and the stream would look like a clean end.
            "error" => {
                return Some(SseEvent {
                    event: Some("error".to_string()),
                    data: value.to_string(),
                    id: self.id.clone(),
                    status: self.status.take(),
                });
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        if !self.has_data {
            // Nothing to dispatch: reset the event type (the spec) and the block's id.
            self.event = None;
            self.id = None;
            return None;
        }
        self.has_data = false;
        Some(SseEvent {
            event: self.event.take(),
            data: std::mem::take(&mut self.data),
            id: self.id.take(),
            status: self.status.take(),
        })
    }
}

/// The SSE framer. See the module documentation.
#[derive(Debug)]
pub struct SseParser {
    lines: LineReader,
    pending: Pending,
    /// `finish` was called and the pending event has been handled.
    drained: bool,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::new()
    }
}

impl SseParser {
    /// A framer that dispatches on blank lines (and at end of input).
    pub fn new() -> Self {
        SseParser {
            lines: LineReader::sse(),
            pending: Pending::default(),
            drained: false,
        }
    }

    /// A framer where every `data:` line is an event of its own; the `event:`, `id:` and
    /// `:HTTP_STATUS/` lines seen before it apply to it and are reset after it.
    pub fn per_data_line() -> Self {
        let mut p = SseParser::new();
        p.pending.per_data_line = true;
        p
    }

    /// Append the next bytes of the body.
    pub fn push(&mut self, bytes: &[u8]) {
        self.lines.push(bytes);
    }

    /// The body ended: the unterminated last line is processed, and an event still pending is
    /// dispatched by [`next_event`](Self::next_event).
    pub fn finish(&mut self) {
        self.lines.finish();
    }

    /// A line or an event of more than [`MAX_EVENT_BYTES`] arrived: no more events come.
    pub fn oversized(&self) -> bool {
        self.lines.oversized() || self.pending.oversized
    }

    /// The next complete event, if the bytes pushed so far hold one.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        if self.pending.oversized {
            return None;
        }
        while let Some(line) = self.lines.next_line() {
            let text = line_str(line);
            if let Some(ev) = self.pending.line(&text) {
                return Some(ev);
            }
            if self.pending.oversized {
                return None;
            }
        }
        if self.lines.eof && !self.drained && !self.oversized() {
            self.drained = true;
            return self.pending.dispatch();
        }
        None
    }

    /// Convenience: push `bytes` and append every event they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        self.push(bytes);
        while let Some(ev) = self.next_event() {
            out.push(ev);
        }
    }

    /// Comment lines seen so far (`: keep-alive`, `:HTTP_STATUS/200`, bare `:` …).
    /// Copy what the framer learnt (comment count, last event id) into `info`.
    pub fn report(&self, info: &mut super::DecodeInfo) {
        info.oversized = self.oversized();
        info.comments = self.comments();
        if info.last_event_id.as_deref() != self.last_event_id() {
            info.last_event_id = self.last_event_id().map(str::to_string);
        }
    }

    pub fn comments(&self) -> u32 {
        self.pending.comments
    }

    /// The stream's last event ID (the most recent `id:` field; persists across events).
    pub fn last_event_id(&self) -> Option<&str> {
        self.pending.last_event_id.as_deref()
    }

    /// The reconnection time from the last valid `retry:` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.pending.retry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(mut parser: SseParser, chunks: &[&[u8]]) -> (Vec<SseEvent>, SseParser) {
        let mut out = Vec::new();
        for c in chunks {
            parser.feed(c, &mut out);
        }
        parser.finish();
        while let Some(ev) = parser.next_event() {
            out.push(ev);
        }
        (out, parser)
    }

    fn parse_all_splits(input: &[u8], per_data_line: bool) -> Vec<SseEvent> {
        let make = || {
            if per_data_line {
                SseParser::per_data_line()
            } else {
                SseParser::new()
            }
        };
        let (whole, _) = parse_chunks(make(), &[input]);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(parse_chunks(make(), &bytes).0, whole, "byte at a time");
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            assert_eq!(parse_chunks(make(), &[a, b]).0, whole, "split at {i}");
        }
        whole
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn cr_at_chunk_end_and_lf_at_next_start_is_one_break() {
        let (events, _) = parse_chunks(SseParser::new(), &[b"data: a\r", b"\ndata: b\r\n\r\n"]);
        // Had the CR and LF counted as two breaks, "a" would have been dispatched alone.
        assert_eq!(data(&events), ["a\nb"]);
    }

    #[test]
    fn lone_cr_line_endings() {
        let events = parse_all_splits(b"data: one\r\rdata: two\r\r", false);
        assert_eq!(data(&events), ["one", "two"]);
    }

    #[test]
    fn bom_is_stripped_once_even_when_split() {
        let input = b"\xEF\xBB\xBFdata: x\n\n";
        let events = parse_all_splits(input, false);
        assert_eq!(data(&events), ["x"]);
        // A second BOM later is not special: the line is an unknown field and is ignored.
        let (events, _) = parse_chunks(
            SseParser::new(),
            &[b"\xEF\xBB", b"\xBF", b"data: y\n\n\xEF\xBB\xBFdata: z\n\n"],
        );
        assert_eq!(data(&events), ["y"]);
    }

    #[test]
    fn partial_bom_prefix_that_is_not_a_bom() {
        let events = parse_all_splits(b"\xEFdata: x\n\ndata: y\n\n", false);
        // The first line is garbage (an unknown field); the rest parses.
        assert_eq!(data(&events), ["y"]);
    }

    #[test]
    fn multibyte_text_split_anywhere() {
        let input = "data: 你好😊\n\n".as_bytes();
        let events = parse_all_splits(input, false);
        assert_eq!(data(&events), ["你好😊"]);
    }

    #[test]
    fn exactly_one_leading_space_removed_and_no_colon_means_empty_value() {
        let events = parse_all_splits(b"data:  two\n\ndata:none\n\ndata\n\n", false);
        assert_eq!(data(&events), [" two", "none", ""]);
    }

    #[test]
    fn comments_fields_and_status() {
        let input = b": keep-alive\nretry: 1500\nretry: 1x\nid: 7\nevent: result\n:HTTP_STATUS/400\nfoo: bar\ndata: {}\n\n";
        let (events, parser) = parse_chunks(SseParser::new(), &[input]);
        assert_eq!(
            events,
            [SseEvent {
                event: Some("result".into()),
                data: "{}".into(),
                id: Some("7".into()),
                status: Some(400),
            }]
        );
        assert_eq!(parser.comments(), 2);
        assert_eq!(parser.retry(), Some(1500));
        assert_eq!(parser.last_event_id(), Some("7"));
    }

    #[test]
    fn event_type_resets_on_empty_block_and_id_persists() {
        let (events, parser) = parse_chunks(
            SseParser::new(),
            &[b"event: x\n\ndata: a\n\nid: 3\ndata: b\n\ndata: c\n\n"],
        );
        assert_eq!(events[0].event, None);
        assert_eq!(events[1].id.as_deref(), Some("3"));
        assert_eq!(events[2].id, None);
        assert_eq!(parser.last_event_id(), Some("3"));
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let (_, parser) = parse_chunks(SseParser::new(), &[b"id: 1\n\nid: a\0b\ndata: x\n\n"]);
        assert_eq!(parser.last_event_id(), Some("1"));
    }

    #[test]
    fn pending_event_dispatched_at_end_of_input() {
        let events = parse_all_splits(b"data: a\n\ndata: [DONE]", false);
        assert_eq!(data(&events), ["a", "[DONE]"]);
        let events = parse_all_splits(b"data: a\n\ndata: [DONE]\r", false);
        assert_eq!(data(&events), ["a", "[DONE]"]);
    }

    #[test]
    fn llama_cpp_error_field_becomes_error_event() {
        let events = parse_all_splits(b"data: a\n\nerror: {\"code\":400}\n\n", false);
        assert_eq!(events.len(), 2);
        assert!(events[1].is("error"));
        assert_eq!(events[1].data, "{\"code\":400}");
        assert!(events[0].is("message"));
    }

    #[test]
    fn per_data_line_mode_needs_no_blank_lines() {
        let input = b"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"a\":1}\nid:2\nevent:error\n:HTTP_STATUS/400\ndata:{\"b\":2}\ndata:{\"c\":3}";
        let events = parse_all_splits(input, true);
        assert_eq!(
            events,
            [
                SseEvent {
                    event: Some("result".into()),
                    data: "{\"a\":1}".into(),
                    id: Some("1".into()),
                    status: Some(200),
                },
                SseEvent {
                    event: Some("error".into()),
                    data: "{\"b\":2}".into(),
                    id: Some("2".into()),
                    status: Some(400),
                },
                SseEvent {
                    event: None,
                    data: "{\"c\":3}".into(),
                    id: None,
                    status: None,
                },
            ]
        );
    }

    #[test]
    fn strict_mode_joins_lines_without_blank_separators() {
        let (events, _) = parse_chunks(SseParser::new(), &[b"data:a\ndata:b\n"]);
        assert_eq!(data(&events), ["a\nb"]);
    }

    #[test]
    fn invalid_utf8_in_a_whole_line_is_replaced_not_fatal() {
        let (events, _) = parse_chunks(SseParser::new(), &[b"data: a\xFFb\n\ndata: ok\n\n"]);
        assert_eq!(data(&events), ["a\u{FFFD}b", "ok"]);
    }

    #[test]
    fn line_reader_compacts_without_losing_bytes() {
        let mut r = LineReader::ndjson();
        let mut lines = Vec::new();
        let text = "line one\nline two is longer\r\n\nlast";
        for b in text.as_bytes().chunks(3) {
            r.push(b);
            while let Some(l) = r.next_line() {
                lines.push(String::from_utf8(l.to_vec()).unwrap());
            }
        }
        r.finish();
        while let Some(l) = r.next_line() {
            lines.push(String::from_utf8(l.to_vec()).unwrap());
        }
        assert_eq!(lines, ["line one", "line two is longer\r", "", "last"]);
        assert!(r.buf.len() <= text.len());
    }
}
