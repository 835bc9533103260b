//! Colours: the ANSI and 256-colour palettes, ratatui colours as RGB, blending, and a cell's
//! resolved look (colours and attributes after `Reset`, reverse and dim).

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};

use super::SvgOptions;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// The 16 named ANSI colours: xterm's defaults, except blue (xterm's `#0000ee` is unreadable
/// on a dark background).
pub(super) const ANSI: [Rgb; 16] = [
    (0x00, 0x00, 0x00), // black
    (0xcd, 0x00, 0x00), // red
    (0x00, 0xcd, 0x00), // green
    (0xcd, 0xcd, 0x00), // yellow
    (0x3b, 0x78, 0xff), // blue
    (0xcd, 0x00, 0xcd), // magenta
    (0x00, 0xcd, 0xcd), // cyan
    (0xe5, 0xe5, 0xe5), // gray (ANSI "white")
    (0x7f, 0x7f, 0x7f), // dark gray (bright black)
    (0xff, 0x00, 0x00), // light red
    (0x00, 0xff, 0x00), // light green
    (0xff, 0xff, 0x00), // light yellow
    (0x5c, 0x5c, 0xff), // light blue
    (0xff, 0x00, 0xff), // light magenta
    (0x00, 0xff, 0xff), // light cyan
    (0xff, 0xff, 0xff), // white
];

/// Resolves a ratatui colour; `Reset` becomes `default`.
pub fn color_to_rgb(color: Color, default: Rgb) -> Rgb {
    match color {
        Color::Reset => default,
        Color::Black => ANSI[0],
        Color::Red => ANSI[1],
        Color::Green => ANSI[2],
        Color::Yellow => ANSI[3],
        Color::Blue => ANSI[4],
        Color::Magenta => ANSI[5],
        Color::Cyan => ANSI[6],
        Color::Gray => ANSI[7],
        Color::DarkGray => ANSI[8],
        Color::LightRed => ANSI[9],
        Color::LightGreen => ANSI[10],
        Color::LightYellow => ANSI[11],
        Color::LightBlue => ANSI[12],
        Color::LightMagenta => ANSI[13],
        Color::LightCyan => ANSI[14],
        Color::White => ANSI[15],
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(n) => indexed(n),
    }
}

fn indexed(n: u8) -> Rgb {
    match n {
        0..=15 => ANSI[usize::from(n)],
        16..=231 => {
            const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
            let i = n - 16;
            (
                LEVELS[usize::from(i / 36)],
                LEVELS[usize::from(i / 6 % 6)],
                LEVELS[usize::from(i % 6)],
            )
        }
        232..=255 => {
            let v = 8 + 10 * (n - 232);
            (v, v, v)
        }
    }
}

/// `a` weighted by `wa` (0..=1) over `b`.
pub(super) fn mix(a: Rgb, b: Rgb, wa: f32) -> Rgb {
    let m = |x: u8, y: u8| (f32::from(x) * wa + f32::from(y) * (1.0 - wa)).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// A cell's colours and attributes after `Reset`, reverse and dim are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Look {
    pub(super) fg: Rgb,
    pub(super) bg: Rgb,
    pub(super) underline: Option<Rgb>,
    pub(super) strike: bool,
    pub(super) bold: bool,
    pub(super) italic: bool,
    pub(super) hidden: bool,
}

pub(super) fn look(cell: &Cell, opts: &SvgOptions) -> Look {
    let m = cell.modifier;
    let mut fg = color_to_rgb(cell.fg, opts.default_fg);
    let mut bg = color_to_rgb(cell.bg, opts.default_bg);
    if m.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    if m.contains(Modifier::DIM) {
        // Blend instead of opacity: overlapping shapes stay one colour.
        fg = mix(fg, bg, 0.6);
    }
    let underline = m
        .contains(Modifier::UNDERLINED)
        .then(|| match cell.underline_color {
            Color::Reset => fg,
            c => color_to_rgb(c, fg),
        });
    Look {
        fg,
        bg,
        underline,
        strike: m.contains(Modifier::CROSSED_OUT),
        bold: m.contains(Modifier::BOLD),
        italic: m.contains(Modifier::ITALIC),
        hidden: m.contains(Modifier::HIDDEN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(indexed(16), (0, 0, 0));
        assert_eq!(indexed(196), (255, 0, 0));
        assert_eq!(indexed(231), (255, 255, 255));
        assert_eq!(indexed(232), (8, 8, 8));
        assert_eq!(indexed(255), (238, 238, 238));
        assert_eq!(indexed(1), color_to_rgb(Color::Red, (1, 2, 3)));
        assert_eq!(color_to_rgb(Color::Reset, (1, 2, 3)), (1, 2, 3));
        assert_eq!(color_to_rgb(Color::Rgb(9, 8, 7), (1, 2, 3)), (9, 8, 7));
    }
}
