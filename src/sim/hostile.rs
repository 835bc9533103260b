//! Hostile model output, on demand (`thinkbench sim --hostile escapes|huge`): text a model
//! could write that would drive a terminal if it reached one unfiltered, or that is simply
//! enormous. The pieces are cut small, so every escape sequence is split across chunks.

use std::fmt;
use std::str::FromStr;

/// What hostile text the simulator writes instead of its generated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hostile {
    #[default]
    Off,
    /// Escape and control sequences of every family, bidi overrides and zero-width
    /// characters, in both the reasoning and the answer.
    Escapes,
    /// A line of a million characters, then 50,000 short lines.
    Huge,
}

/// The last words of every hostile answer, for a test to wait on.
pub const HOSTILE_END: &str = "HOSTILE-END";
/// Lines after the long line of [`Hostile::Huge`].
pub const HUGE_LINES: usize = 50_000;
/// Characters in the long line of [`Hostile::Huge`].
pub const HUGE_LINE_CHARS: usize = 1_000_000;

/// The reasoning of [`Hostile::Escapes`].
pub const REASONING: &str = "Thinking \u{1b}]0;pwned-title\u{7} about \u{1b}[2J\u{1b}[H the \
question \u{9b}31mC1-CSI \u{1b}Ppwned-dcs\u{1b}\\ and \u{1b}[?1049l more \u{1b}c done.";

/// The answer of [`Hostile::Escapes`].
pub const ANSWER: &str = "Here \u{1b}]52;c;cHduZWQ=\u{7} is the answer, with \
\u{1b}]8;;http://evil.example/\u{7}a link\u{1b}]8;;\u{7}, \u{202E}desrever\u{202C} text, \
zero\u{200B}width, a bell\u{7}, \u{1b}[5;5Hpwned-move, \u{9d}0;c1-title\u{9c} and \
\u{1b}[31mred\u{1b}[0m.\n\nHOSTILE-END";

/// (reasoning, answer) pieces for `kind`, `None` when off.
pub fn pieces(kind: Hostile, thinking: bool) -> Option<(Vec<String>, Vec<String>)> {
    let (reasoning, answer) = match kind {
        Hostile::Off => return None,
        Hostile::Escapes => (cut(REASONING, 5), cut(ANSWER, 5)),
        Hostile::Huge => {
            let mut text = "x".repeat(HUGE_LINE_CHARS);
            text.push('\n');
            for i in 0..HUGE_LINES {
                text.push_str(&format!("line {i}\n"));
            }
            text.push_str(HOSTILE_END);
            (cut("A long one.", 4), cut(&text, 16 * 1024))
        }
    };
    Some((if thinking { reasoning } else { Vec::new() }, answer))
}

/// `text` in pieces of at most `n` characters.
fn cut(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n).map(|c| c.iter().collect()).collect()
}

impl FromStr for Hostile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" => Ok(Hostile::Off),
            "escapes" => Ok(Hostile::Escapes),
            "huge" => Ok(Hostile::Huge),
            other => Err(format!(
                "unknown hostile output `{other}`: off, escapes or huge"
            )),
        }
    }
}

impl fmt::Display for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hostile::Off => "off",
            Hostile::Escapes => "escapes",
            Hostile::Huge => "huge",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_join_to_the_text_and_split_its_sequences() {
        let (r, a) = pieces(Hostile::Escapes, true).unwrap();
        assert_eq!(r.concat(), REASONING);
        assert_eq!(a.concat(), ANSWER);
        assert!(
            a.iter().all(|p| !p.contains("\u{1b}]52;c;cHduZWQ=")),
            "sequences are cut across pieces"
        );
        let (r, a) = pieces(Hostile::Huge, false).unwrap();
        assert!(r.is_empty());
        let text = a.concat();
        assert_eq!(text.lines().count(), HUGE_LINES + 2);
        assert_eq!(text.lines().next().unwrap().len(), HUGE_LINE_CHARS);
        assert_eq!(pieces(Hostile::Off, true), None);
        assert_eq!("huge".parse(), Ok(Hostile::Huge));
        assert!("loud".parse::<Hostile>().is_err());
    }
}
