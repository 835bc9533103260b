//! Screenshots from the real render code: a ratatui [`Buffer`](ratatui::buffer::Buffer)
//! (typically drawn into a `TestBackend`) becomes an SVG, built as a plain string, and with the
//! `png` feature a PNG rendered by resvg. No terminal emulator or display is involved.
//!
//! Layout rules:
//! * every cell sits on an exact grid (`cell_width` × `line_height`); each glyph gets its own
//!   absolute `x` (one per character, `text-anchor="middle"` on the cell centre), so font
//!   advance widths never push text off the grid;
//! * a wide character (CJK, emoji) covers two cells: ratatui keeps it in the first cell and
//!   blanks the next one, which is skipped here as a terminal would;
//! * box-drawing lines, block elements (gauges, sparklines) and braille (canvas) are drawn as
//!   geometry filling the cell exactly, so borders and bars have no gaps between cells;
//! * backgrounds are merged into one rect per run of equal colour on a row; underline and
//!   strike-through are rects spanning the cells, not font decorations.
//!
//! The output is deterministic: the same buffer and options give the same bytes.
//!
//! The parts: `palette` resolves colours, `markup` formats numbers and escapes text, `layer`
//! collects shapes per colour on the cell grid, `geometry` draws box-drawing, block and
//! braille characters, `writer` assembles the document, and `png` (with the feature)
//! rasterises it.

mod geometry;
mod layer;
mod markup;
mod palette;
#[cfg(feature = "png")]
mod png;
mod writer;

pub use palette::{Rgb, color_to_rgb};
#[cfg(feature = "png")]
pub use png::svg_to_png;
pub use writer::buffer_to_svg;

/// The font list used by [`SvgOptions::default`]: a monospace Latin font first, then CJK.
pub const DEFAULT_FONT_FAMILY: &str =
    "DejaVu Sans Mono, Noto Sans Mono CJK SC, Noto Sans CJK SC, monospace";

/// How [`buffer_to_svg`] lays out and colours a buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct SvgOptions {
    /// A CSS font-family list (comma separated; names with spaces need no quotes).
    pub font_family: String,
    /// Font size in SVG units (pixels at scale 1).
    pub font_size: f32,
    /// Width of one terminal cell.
    pub cell_width: f32,
    /// Height of one terminal row.
    pub line_height: f32,
    /// Foreground for `Color::Reset`.
    pub default_fg: Rgb,
    /// Background for `Color::Reset`, and of the whole canvas.
    pub default_bg: Rgb,
    /// Space around the cell grid.
    pub padding: f32,
    /// With a title, a window-chrome bar (three dots and the title) is drawn above the grid.
    pub title: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        let font_size = 14.0;
        Self {
            font_family: DEFAULT_FONT_FAMILY.to_string(),
            font_size,
            cell_width: font_size * 0.6,
            line_height: font_size * 1.25,
            default_fg: (0xd8, 0xde, 0xe9),
            default_bg: (0x1c, 0x1f, 0x26),
            padding: 12.0,
            title: None,
        }
    }
}

#[cfg(test)]
mod testkit;
