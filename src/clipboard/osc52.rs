//! OSC 52: asking the terminal to set its clipboard, which works over SSH and wherever the
//! terminal allows it. Inside tmux the sequence is passed through to the outer terminal (DCS
//! passthrough; tmux also needs `set -g allow-passthrough on`, or `set -g set-clipboard on`
//! to take OSC 52 itself), inside GNU screen in DCS chunks screen forwards.

/// How the sequence reaches the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// Straight to the terminal.
    Plain,
    /// Through tmux.
    Tmux,
    /// Through GNU screen.
    Screen,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Screen forwards DCS strings of at most this many bytes.
const SCREEN_CHUNK: usize = 768;

/// The bytes that ask the terminal to put `text` on the clipboard.
pub fn sequence(text: &str, wrap: Wrap) -> Vec<u8> {
    let osc = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    match wrap {
        Wrap::Plain => osc.into_bytes(),
        Wrap::Tmux => {
            // Every ESC inside the passthrough is doubled.
            let mut out = b"\x1bPtmux;".to_vec();
            for b in osc.bytes() {
                if b == 0x1b {
                    out.push(0x1b);
                }
                out.push(b);
            }
            out.extend_from_slice(b"\x1b\\");
            out
        }
        Wrap::Screen => {
            let mut out = Vec::with_capacity(osc.len() + osc.len() / SCREEN_CHUNK * 4 + 4);
            for chunk in osc.as_bytes().chunks(SCREEN_CHUNK) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\x1b\\");
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        for (text, b64) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
            ("日本", "5pel5pys"),
        ] {
            assert_eq!(base64(text.as_bytes()), b64, "{text}");
        }
    }

    #[test]
    fn plain_tmux_and_screen_sequences() {
        assert_eq!(sequence("hi", Wrap::Plain), b"\x1b]52;c;aGk=\x07");
        assert_eq!(
            sequence("hi", Wrap::Tmux),
            b"\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(
            sequence("hi", Wrap::Screen),
            b"\x1bP\x1b]52;c;aGk=\x07\x1b\\"
        );
        // Screen gets it in chunks it can forward.
        let long = "x".repeat(2000);
        let s = sequence(&long, Wrap::Screen);
        let chunks = s.windows(2).filter(|w| w == b"\x1bP").count();
        assert_eq!(
            chunks,
            sequence(&long, Wrap::Plain).len().div_ceil(SCREEN_CHUNK)
        );
    }

    #[test]
    fn escapes_in_the_text_travel_encoded_never_raw() {
        let hostile = "before\x1b]52;c;evil\x07\x1b[2Jafter";
        let seq = sequence(hostile, Wrap::Plain);
        // The only ESC and BEL are the sequence's own.
        assert_eq!(seq.iter().filter(|b| **b == 0x1b).count(), 1);
        assert_eq!(seq.iter().filter(|b| **b == 0x07).count(), 1);
        assert!(String::from_utf8_lossy(&seq).contains(&base64(hostile.as_bytes())));
    }
}
