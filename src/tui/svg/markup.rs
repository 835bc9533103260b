//! Text-level SVG markup: colours as `#rrggbb`, compact numbers, XML escaping, and dropping
//! terminal escape sequences and control characters from cell text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::palette::Rgb;

/// `#rrggbb`.
pub(super) struct Hex(pub(super) Rgb);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, g, b) = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// A number with at most two decimals and no trailing zeros.
pub(super) struct Num(pub(super) f32);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 100.0).round() / 100.0;
        let s = format!("{v:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

/// XML-escapes text or an attribute value.
pub(super) struct Esc<'a>(pub(super) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                c if xml_char(c) => f.write_char(c)?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Characters allowed in XML 1.0 text, minus all control characters.
fn xml_char(c: char) -> bool {
    !c.is_control() && c != '\u{fffe}' && c != '\u{ffff}'
}

/// Drops terminal escape sequences (CSI, OSC/DCS/APC/PM up to BEL or ST, two-byte escapes)
/// and every other control character.
pub(super) fn sanitize(symbol: &str) -> Cow<'_, str> {
    if symbol.chars().all(xml_char) {
        return Cow::Borrowed(symbol);
    }
    let mut out = String::new();
    let mut chars = symbol.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']' | 'P' | '_' | '^') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            }
        } else if xml_char(c) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_numbers() {
        assert_eq!(Hex((0xab, 0x01, 0xff)).to_string(), "#ab01ff");
        assert_eq!(Num(8.400_001).to_string(), "8.4");
        assert_eq!(Num(-0.001).to_string(), "0");
        assert_eq!(Num(12.0).to_string(), "12");
        assert_eq!(Num(0.125).to_string(), "0.13");
    }
}
