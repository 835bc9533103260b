//! Screenshots from the real render code: a ratatui [`Buffer`] (typically drawn into a
//! `TestBackend`) becomes an SVG, built as a plain string, and with the `png` feature a PNG
//! rendered by resvg. No terminal emulator or display is involved.
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

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthChar;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

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

/// The 16 named ANSI colours: xterm's defaults, except blue (xterm's `#0000ee` is unreadable
/// on a dark background).
const ANSI: [Rgb; 16] = [
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
fn mix(a: Rgb, b: Rgb, wa: f32) -> Rgb {
    let m = |x: u8, y: u8| (f32::from(x) * wa + f32::from(y) * (1.0 - wa)).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// `#rrggbb`.
struct Hex(Rgb);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, g, b) = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// A number with at most two decimals and no trailing zeros.
struct Num(f32);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 100.0).round() / 100.0;
        let s = format!("{v:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

/// XML-escapes text or an attribute value.
struct Esc<'a>(&'a str);

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
fn sanitize(symbol: &str) -> Cow<'_, str> {
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

/// A cell's colours and attributes after `Reset`, reverse and dim are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    fg: Rgb,
    bg: Rgb,
    underline: Option<Rgb>,
    strike: bool,
    bold: bool,
    italic: bool,
    hidden: bool,
}

fn look(cell: &Cell, opts: &SvgOptions) -> Look {
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

/// Shapes collected per colour, in order of first use (so output is deterministic).
#[derive(Default)]
struct Layer {
    index: HashMap<Rgb, usize>,
    items: Vec<(Rgb, Vec<[f32; 4]>, String)>,
}

impl Layer {
    fn entry(&mut self, color: Rgb) -> &mut (Rgb, Vec<[f32; 4]>, String) {
        let i = *self.index.entry(color).or_insert_with(|| {
            self.items.push((color, Vec::new(), String::new()));
            self.items.len() - 1
        });
        &mut self.items[i]
    }

    /// A filled rect; merged with the previous rect of this colour when they continue each
    /// other on the same line.
    fn rect(&mut self, color: Rgb, x: f32, y: f32, w: f32, h: f32) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let rects = &mut self.entry(color).1;
        if let Some(last) = rects.last_mut() {
            let close = |a: f32, b: f32| (a - b).abs() < 1e-3;
            if close(last[1], y) && close(last[3], h) && close(last[0] + last[2], x) {
                last[2] = x + w - last[0];
                return;
            }
        }
        rects.push([x, y, w, h]);
    }

    /// Raw path data (`d`) for this colour.
    fn path(&mut self, color: Rgb, d: fmt::Arguments<'_>) {
        let _ = self.entry(color).2.write_fmt(d);
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One `<path>` per colour; `paint` names the colour attribute (`fill` or `stroke`).
    fn write(&self, out: &mut String, paint: &str) {
        for (color, rects, d) in &self.items {
            let _ = write!(out, "<path {paint}=\"{}\" d=\"", Hex(*color));
            for r in rects {
                let _ = write!(
                    out,
                    "M{} {}h{}v{}h{}z",
                    Num(r[0]),
                    Num(r[1]),
                    Num(r[2]),
                    Num(r[3]),
                    Num(-r[2])
                );
            }
            out.push_str(d);
            out.push_str("\"/>\n");
        }
    }
}

/// The cell grid geometry.
struct Grid {
    ox: f32,
    oy: f32,
    cw: f32,
    lh: f32,
    /// Light line thickness.
    t: f32,
    /// Heavy line thickness.
    heavy: f32,
    /// Offset of each line of a double line from the centre.
    gap: f32,
}

/// The pixel box of a cell (or of several cells for a wide glyph).
#[derive(Clone, Copy)]
struct CellBox {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl CellBox {
    fn cx(self) -> f32 {
        self.x + self.w / 2.0
    }
    fn cy(self) -> f32 {
        self.y + self.h / 2.0
    }
}

/// Renders a buffer as an SVG document.
pub fn buffer_to_svg(buf: &Buffer, opts: &SvgOptions) -> String {
    let cols = usize::from(buf.area.width);
    let rows = usize::from(buf.area.height);
    let bar = if opts.title.is_some() {
        (opts.line_height * 1.8).round()
    } else {
        0.0
    };
    let width = (2.0 * opts.padding + cols as f32 * opts.cell_width).ceil();
    let height = (2.0 * opts.padding + bar + rows as f32 * opts.line_height).ceil();
    let t = (opts.font_size / 14.0).max(0.5);
    let grid = Grid {
        ox: opts.padding,
        oy: opts.padding + bar,
        cw: opts.cell_width,
        lh: opts.line_height,
        t,
        heavy: t * 2.5,
        gap: t * 1.5,
    };

    let mut backgrounds = String::new();
    let mut crisp = Layer::default(); // rects: box lines, blocks, underlines
    let mut strokes = Layer::default(); // arcs and diagonals
    let mut dots = Layer::default(); // braille
    let mut texts = String::new();
    let baseline = opts.line_height / 2.0 + opts.font_size * 0.32;

    for y in 0..rows {
        let row = &buf.content()[y * cols..(y + 1) * cols];
        let top = grid.oy + y as f32 * grid.lh;
        let mut bg_run: Option<(usize, usize, Rgb)> = None;
        let mut run = TextRun::default();
        let mut x = 0;
        while x < cols {
            let cell = &row[x];
            let symbol = sanitize(cell.symbol());
            let forced = match cell.diff_option {
                CellDiffOption::ForcedWidth(w) => Some(usize::from(w.get())),
                _ => None,
            };
            let span = forced
                .unwrap_or_else(|| usize::from(symbol.cell_width()))
                .clamp(1, cols - x);
            let lk = look(cell, opts);

            // Background: extend the current run or flush it.
            match &mut bg_run {
                Some((_, end, c)) if *c == lk.bg => *end = x + span,
                _ => {
                    if let Some(r) = bg_run.take() {
                        write_bg(&mut backgrounds, &grid, top, r, opts.default_bg);
                    }
                    bg_run = Some((x, x + span, lk.bg));
                }
            }

            let cells = CellBox {
                x: grid.ox + x as f32 * grid.cw,
                y: top,
                w: span as f32 * grid.cw,
                h: grid.lh,
            };
            if !lk.hidden {
                if let Some(color) = lk.underline {
                    let uy = top + baseline + opts.font_size * 0.15;
                    crisp.rect(color, cells.x, uy - t / 2.0, cells.w, t);
                }
                if lk.strike {
                    let sy = top + baseline - opts.font_size * 0.3;
                    crisp.rect(lk.fg, cells.x, sy - t / 2.0, cells.w, t);
                }
                // Glyphs: normally one per cell; a forced-width cell (e.g. a hyperlink) whose
                // text fits its cells exactly is spread over them.
                for (col, w, glyph) in glyphs(&symbol, x, span, forced.is_some()) {
                    if glyph.trim().is_empty() {
                        continue;
                    }
                    let b = CellBox {
                        x: grid.ox + col as f32 * grid.cw,
                        w: w as f32 * grid.cw,
                        ..cells
                    };
                    let mut chars = glyph.chars();
                    let single = match (chars.next(), chars.next()) {
                        (Some(c), None) => Some(c),
                        _ => None,
                    };
                    if let Some(c) = single
                        && w == 1
                        && draw_geometry(c, b, &lk, &grid, &mut crisp, &mut strokes, &mut dots)
                    {
                        continue;
                    }
                    let key = TextKey {
                        fg: lk.fg,
                        bold: lk.bold,
                        italic: lk.italic,
                    };
                    let cx = b.cx();
                    if single.is_some() {
                        if run.key != Some(key) {
                            run.flush(&mut texts, top + baseline, opts);
                            run.key = Some(key);
                        }
                        run.text.push_str(glyph);
                        run.xs.push(cx);
                    } else {
                        // A cluster of several characters gets one position for all of them.
                        let mut one = TextRun {
                            key: Some(key),
                            text: glyph.to_string(),
                            xs: vec![cx],
                        };
                        one.flush(&mut texts, top + baseline, opts);
                    }
                }
            }
            // Cells covered by a wide glyph are not drawn (a terminal would not either).
            x += span;
        }
        if let Some(r) = bg_run {
            write_bg(&mut backgrounds, &grid, top, r, opts.default_bg);
        }
        run.flush(&mut texts, top + baseline, opts);
    }

    let mut out =
        String::with_capacity(512 + backgrounds.len() + texts.len() + 64 * (crisp.items.len() + 1));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">",
        w = Num(width),
        h = Num(height)
    );
    let radius = if opts.title.is_some() {
        " rx=\"8\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<rect width=\"{}\" height=\"{}\"{radius} fill=\"{}\"/>",
        Num(width),
        Num(height),
        Hex(opts.default_bg)
    );
    let family = css_font_family(&opts.font_family);
    if let Some(title) = &opts.title {
        write_chrome(&mut out, title, width, bar, &family, opts);
    }
    if !backgrounds.is_empty() {
        out.push_str("<g shape-rendering=\"crispEdges\">\n");
        out.push_str(&backgrounds);
        out.push_str("</g>\n");
    }
    if !crisp.is_empty() {
        out.push_str("<g shape-rendering=\"crispEdges\">\n");
        crisp.write(&mut out, "fill");
        out.push_str("</g>\n");
    }
    if !strokes.is_empty() {
        let _ = writeln!(
            out,
            "<g fill=\"none\" stroke-width=\"{}\" stroke-linecap=\"butt\">",
            Num(t)
        );
        strokes.write(&mut out, "stroke");
        out.push_str("</g>\n");
    }
    dots.write(&mut out, "fill");
    if !texts.is_empty() {
        let _ = writeln!(
            out,
            "<g font-family=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{}\">",
            Esc(&family),
            Num(opts.font_size),
            Hex(opts.default_fg)
        );
        out.push_str(&texts);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The glyphs of one cell as `(column, width, text)`.
fn glyphs(symbol: &str, x: usize, span: usize, forced: bool) -> Vec<(usize, usize, &str)> {
    if forced {
        // Split into characters with their zero-width followers; spread them only when they
        // fill the forced width exactly.
        let mut parts: Vec<(usize, &str)> = Vec::new();
        let mut start = 0;
        for (i, c) in symbol.char_indices() {
            let w = c.width().unwrap_or(0);
            if w > 0 && i > 0 {
                let prev = &symbol[start..i];
                parts.push((prev.chars().map(|c| c.width().unwrap_or(0)).sum(), prev));
                start = i;
            }
        }
        if start < symbol.len() {
            let last = &symbol[start..];
            parts.push((last.chars().map(|c| c.width().unwrap_or(0)).sum(), last));
        }
        if parts.len() > 1 && parts.iter().map(|p| p.0).sum::<usize>() == span {
            let mut col = x;
            return parts
                .into_iter()
                .map(|(w, s)| {
                    let g = (col, w.max(1), s);
                    col += w;
                    g
                })
                .collect();
        }
    }
    vec![(x, span, symbol)]
}

fn write_bg(out: &mut String, grid: &Grid, top: f32, run: (usize, usize, Rgb), default: Rgb) {
    let (start, end, color) = run;
    if color == default {
        return;
    }
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
        Num(grid.ox + start as f32 * grid.cw),
        Num(top),
        Num((end - start) as f32 * grid.cw),
        Num(grid.lh),
        Hex(color)
    );
}

fn write_chrome(
    out: &mut String,
    title: &str,
    width: f32,
    bar: f32,
    family: &str,
    opts: &SvgOptions,
) {
    let bar_bg = mix(opts.default_fg, opts.default_bg, 0.08);
    let _ = writeln!(
        out,
        "<path fill=\"{}\" d=\"M0 {bar}V8a8 8 0 0 1 8-8H{r}a8 8 0 0 1 8 8V{bar}z\"/>",
        Hex(bar_bg),
        bar = Num(bar),
        r = Num(width - 8.0)
    );
    let r = bar * 0.2;
    let cy = bar / 2.0;
    for (i, color) in [(0xff, 0x5f, 0x57), (0xfe, 0xbc, 0x2e), (0x28, 0xc8, 0x40)]
        .into_iter()
        .enumerate()
    {
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>",
            Num(opts.padding.max(r * 2.0) + i as f32 * r * 3.2),
            Num(cy),
            Num(r),
            Hex(color)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-family=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
        Num(width / 2.0),
        Num(cy + opts.font_size * 0.32),
        Esc(family),
        Num(opts.font_size * 0.9),
        Hex(mix(opts.default_fg, opts.default_bg, 0.7)),
        Esc(title)
    );
}

/// Quotes the family names of a comma-separated list (generic names stay bare).
fn css_font_family(list: &str) -> String {
    let names: Vec<String> = list
        .split(',')
        .map(|n| n.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|n| !n.is_empty())
        .map(|n| match n {
            "serif" | "sans-serif" | "monospace" | "cursive" | "fantasy" => n.to_string(),
            _ => format!("'{}'", n.replace('\'', "")),
        })
        .collect();
    if names.is_empty() {
        "monospace".to_string()
    } else {
        names.join(", ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextKey {
    fg: Rgb,
    bold: bool,
    italic: bool,
}

/// Consecutive glyphs of one style on a row, each with its own `x` (the cell centre).
#[derive(Default)]
struct TextRun {
    key: Option<TextKey>,
    text: String,
    xs: Vec<f32>,
}

impl TextRun {
    fn flush(&mut self, out: &mut String, y: f32, opts: &SvgOptions) {
        let Some(key) = self.key.take() else {
            return;
        };
        if self.text.is_empty() {
            return;
        }
        out.push_str("<text x=\"");
        for (i, x) in self.xs.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{}", Num(*x));
        }
        let _ = write!(out, "\" y=\"{}\"", Num(y));
        if key.fg != opts.default_fg {
            let _ = write!(out, " fill=\"{}\"", Hex(key.fg));
        }
        if key.bold {
            out.push_str(" font-weight=\"bold\"");
        }
        if key.italic {
            out.push_str(" font-style=\"italic\"");
        }
        let _ = writeln!(out, ">{}</text>", Esc(&self.text));
        self.text.clear();
        self.xs.clear();
    }
}

/// Line weights of a box-drawing arm (`l` is light).
const NONE: u8 = b'.';
const HEAVY: u8 = b'h';
const DOUBLE: u8 = b'd';

/// Arms (up, right, down, left) of U+2500..=U+257F; dashes, arcs and diagonals are drawn
/// specially but still listed with their plain-line arms.
const BOX_ARMS: [&[u8; 4]; 128] = [
    b".l.l", b".h.h", b"l.l.", b"h.h.", b".l.l", b".h.h", b"l.l.", b"h.h.", // 2500
    b".l.l", b".h.h", b"l.l.", b"h.h.", b".ll.", b".hl.", b".lh.", b".hh.", // 2508
    b"..ll", b"..lh", b"..hl", b"..hh", b"ll..", b"lh..", b"hl..", b"hh..", // 2510
    b"l..l", b"l..h", b"h..l", b"h..h", b"lll.", b"lhl.", b"hll.", b"llh.", // 2518
    b"hlh.", b"hhl.", b"lhh.", b"hhh.", b"l.ll", b"l.lh", b"h.ll", b"l.hl", // 2520
    b"h.hl", b"h.lh", b"l.hh", b"h.hh", b".lll", b".llh", b".hll", b".hlh", // 2528
    b".lhl", b".lhh", b".hhl", b".hhh", b"ll.l", b"ll.h", b"lh.l", b"lh.h", // 2530
    b"hl.l", b"hl.h", b"hh.l", b"hh.h", b"llll", b"lllh", b"lhll", b"lhlh", // 2538
    b"hlll", b"llhl", b"hlhl", b"hllh", b"hhll", b"llhh", b"lhhl", b"hhlh", // 2540
    b"lhhh", b"hlhh", b"hhhl", b"hhhh", b".l.l", b".h.h", b"l.l.", b"h.h.", // 2548
    b".d.d", b"d.d.", b".dl.", b".ld.", b".dd.", b"..ld", b"..dl", b"..dd", // 2550
    b"ld..", b"dl..", b"dd..", b"l..d", b"d..l", b"d..d", b"ldl.", b"dld.", // 2558
    b"ddd.", b"l.ld", b"d.dl", b"d.dd", b".dld", b".ldl", b".ddd", b"ld.d", // 2560
    b"dl.l", b"dd.d", b"ldld", b"dldl", b"dddd", b".ll.", b"..ll", b"l..l", // 2568
    b"ll..", b"....", b"....", b"....", b"...l", b"l...", b".l..", b"..l.", // 2570
    b"...h", b"h...", b".h..", b"..h.", b".h.l", b"l.h.", b".l.h", b"h.l.", // 2578
];

/// Draws box-drawing, block-element and braille characters as geometry; false for anything
/// else (drawn as text).
fn draw_geometry(
    c: char,
    b: CellBox,
    lk: &Look,
    grid: &Grid,
    crisp: &mut Layer,
    strokes: &mut Layer,
    dots: &mut Layer,
) -> bool {
    let fg = lk.fg;
    let cp = u32::from(c);
    match cp {
        0x2500..=0x257f => {
            let i = (cp - 0x2500) as usize;
            match cp {
                0x2504..=0x250b | 0x254c..=0x254f => draw_dashes(cp, b, fg, grid, crisp),
                0x256d..=0x2570 => draw_arc(cp, b, fg, grid, crisp, strokes),
                0x2571..=0x2573 => {
                    let (x1, y1, x2, y2) = (b.x, b.y, b.x + b.w, b.y + b.h);
                    if cp != 0x2572 {
                        strokes.path(
                            fg,
                            format_args!("M{} {}L{} {}", Num(x1), Num(y2), Num(x2), Num(y1)),
                        );
                    }
                    if cp != 0x2571 {
                        strokes.path(
                            fg,
                            format_args!("M{} {}L{} {}", Num(x1), Num(y1), Num(x2), Num(y2)),
                        );
                    }
                }
                _ => draw_arms(BOX_ARMS[i], b, fg, grid, crisp),
            }
            true
        }
        0x2580..=0x259f => {
            draw_block(cp, b, lk, crisp);
            true
        }
        0x2801..=0x28ff => {
            let bits = cp - 0x2800;
            // Dot n (1..=8) is bit n-1: dots 1-3 and 7 form the left column, 4-6 and 8 the right.
            const POS: [(u8, u8); 8] = [
                (0, 0),
                (0, 1),
                (0, 2),
                (1, 0),
                (1, 1),
                (1, 2),
                (0, 3),
                (1, 3),
            ];
            let r = (b.w / 4.0).min(b.h / 8.0) * 0.7;
            for (bit, (col, row)) in POS.iter().enumerate() {
                if bits & (1 << bit) != 0 {
                    let x = b.x + b.w * (f32::from(*col) * 2.0 + 1.0) / 4.0;
                    let y = b.y + b.h * (f32::from(*row) * 2.0 + 1.0) / 8.0;
                    dots.path(
                        fg,
                        format_args!(
                            "M{} {}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0z",
                            Num(x - r),
                            Num(y),
                            r = Num(r),
                            d = Num(2.0 * r)
                        ),
                    );
                }
            }
            true
        }
        0x2800 => true,
        _ => false,
    }
}

fn thickness(weight: u8, grid: &Grid) -> f32 {
    match weight {
        HEAVY => grid.heavy,
        _ => grid.t,
    }
}

/// Draws the arms of a box-drawing character: each arm runs from the cell edge towards the
/// centre and ends so that corners and junctions close without gaps or overhangs.
fn draw_arms(arms: &[u8; 4], b: CellBox, fg: Rgb, grid: &Grid, crisp: &mut Layer) {
    let g = grid.gap;
    let t = grid.t;
    for d in 0..4 {
        let weight = arms[d];
        if weight == NONE {
            continue;
        }
        let opposite = arms[(d + 2) % 4];
        // The two perpendicular sides, each with its offset sign relative to the centre
        // (negative = towards up / left).
        let sides: [(usize, f32); 2] = if d % 2 == 0 {
            [(3, -1.0), (1, 1.0)] // vertical arm: left, right
        } else {
            [(0, -1.0), (2, 1.0)] // horizontal arm: up, down
        };
        let (pa, pb) = (arms[sides[0].0], arms[sides[1].0]);
        if weight == DOUBLE {
            for (k, &(side, sign)) in sides.iter().enumerate() {
                let near = arms[side];
                let far = arms[sides[1 - k].0];
                // How far past the centre (negative: short of it) the line reaches: up to the
                // near double line's inner edge; to the centre to meet a single line on this
                // side or the opposite arm; round an outer corner to the far line's outer edge.
                let reach = if near == DOUBLE {
                    -(g - t / 2.0)
                } else if near != NONE || opposite != NONE {
                    0.0
                } else if far == DOUBLE {
                    g + t / 2.0
                } else if far != NONE {
                    thickness(far, grid) / 2.0
                } else {
                    0.0
                };
                arm_rect(d, b, sign * g, t, reach, fg, crisp);
            }
        } else {
            let th = thickness(weight, grid);
            let any_double = pa == DOUBLE || pb == DOUBLE;
            let reach = if any_double {
                if opposite != NONE {
                    th / 2.0
                } else if pa != NONE && pb != NONE {
                    -(g - t / 2.0)
                } else {
                    g + t / 2.0
                }
            } else if pa != NONE || pb != NONE {
                let pt = [pa, pb]
                    .iter()
                    .filter(|&&w| w != NONE)
                    .map(|&w| thickness(w, grid))
                    .fold(0.0, f32::max);
                pt / 2.0
            } else {
                0.0
            };
            arm_rect(d, b, 0.0, th, reach, fg, crisp);
        }
    }
}

/// One line of an arm in direction `d` (0 up, 1 right, 2 down, 3 left), offset sideways by
/// `offset`, `th` thick, reaching `reach` past the cell centre.
fn arm_rect(d: usize, b: CellBox, offset: f32, th: f32, reach: f32, fg: Rgb, crisp: &mut Layer) {
    let (cx, cy) = (b.cx(), b.cy());
    match d {
        0 => crisp.rect(fg, cx + offset - th / 2.0, b.y, th, cy + reach - b.y),
        1 => crisp.rect(
            fg,
            cx - reach,
            cy + offset - th / 2.0,
            b.x + b.w - (cx - reach),
            th,
        ),
        2 => crisp.rect(
            fg,
            cx + offset - th / 2.0,
            cy - reach,
            th,
            b.y + b.h - (cy - reach),
        ),
        _ => crisp.rect(fg, b.x, cy + offset - th / 2.0, cx + reach - b.x, th),
    }
}

fn draw_dashes(cp: u32, b: CellBox, fg: Rgb, grid: &Grid, crisp: &mut Layer) {
    let (count, vertical, heavy) = match cp {
        0x2504 => (3, false, false),
        0x2505 => (3, false, true),
        0x2506 => (3, true, false),
        0x2507 => (3, true, true),
        0x2508 => (4, false, false),
        0x2509 => (4, false, true),
        0x250a => (4, true, false),
        0x250b => (4, true, true),
        0x254c => (2, false, false),
        0x254d => (2, false, true),
        0x254e => (2, true, false),
        _ => (2, true, true),
    };
    let th = if heavy { grid.heavy } else { grid.t };
    let len = if vertical { b.h } else { b.w };
    let seg = len / count as f32;
    for i in 0..count {
        let start = i as f32 * seg + seg * 0.2;
        let dash = seg * 0.6;
        if vertical {
            crisp.rect(fg, b.cx() - th / 2.0, b.y + start, th, dash);
        } else {
            crisp.rect(fg, b.x + start, b.cy() - th / 2.0, dash, th);
        }
    }
}

/// Rounded corners: straight parts as crisp rects, the quarter circle as a stroke.
fn draw_arc(cp: u32, b: CellBox, fg: Rgb, grid: &Grid, crisp: &mut Layer, strokes: &mut Layer) {
    let t = grid.t;
    let (cx, cy) = (b.cx(), b.cy());
    let r = (b.w.min(b.h) / 2.0).max(t);
    let (right, down) = match cp {
        0x256d => (true, true),   // ╭
        0x256e => (false, true),  // ╮
        0x256f => (false, false), // ╯
        _ => (true, false),       // ╰
    };
    // Straight part of the vertical arm (from the cell edge to where the curve starts).
    if down {
        crisp.rect(fg, cx - t / 2.0, cy + r, t, b.y + b.h - (cy + r));
    } else {
        crisp.rect(fg, cx - t / 2.0, b.y, t, cy - r - b.y);
    }
    // Straight part of the horizontal arm.
    if right {
        crisp.rect(fg, cx + r, cy - t / 2.0, b.x + b.w - (cx + r), t);
    } else {
        crisp.rect(fg, b.x, cy - t / 2.0, cx - r - b.x, t);
    }
    let (sx, sy) = (cx, if down { cy + r } else { cy - r });
    let (ex, ey) = (if right { cx + r } else { cx - r }, cy);
    // Sweep direction: clockwise for ╭ and ╯, counter-clockwise for ╮ and ╰ when going from
    // the vertical arm to the horizontal one.
    let sweep = u8::from(right == down);
    strokes.path(
        fg,
        format_args!(
            "M{} {}A{r} {r} 0 0 {sweep} {} {}",
            Num(sx),
            Num(sy),
            Num(ex),
            Num(ey),
            r = Num(r)
        ),
    );
}

/// Block elements U+2580..=U+259F.
fn draw_block(cp: u32, b: CellBox, lk: &Look, crisp: &mut Layer) {
    let fg = lk.fg;
    let eighth_w = b.w / 8.0;
    let eighth_h = b.h / 8.0;
    match cp {
        0x2580 => crisp.rect(fg, b.x, b.y, b.w, b.h / 2.0), // ▀
        0x2581..=0x2588 => {
            // ▁..█: lower n/8
            let h = (cp - 0x2580) as f32 * eighth_h;
            crisp.rect(fg, b.x, b.y + b.h - h, b.w, h);
        }
        0x2589..=0x258f => {
            // ▉..▏: left 7/8..1/8
            let w = (0x2590 - cp) as f32 * eighth_w;
            crisp.rect(fg, b.x, b.y, w, b.h);
        }
        0x2590 => crisp.rect(fg, b.cx(), b.y, b.w / 2.0, b.h), // ▐
        0x2591..=0x2593 => {
            // ░▒▓ as a solid blend of fg over bg.
            let share = (cp - 0x2590) as f32 * 0.25;
            crisp.rect(mix(fg, lk.bg, share), b.x, b.y, b.w, b.h);
        }
        0x2594 => crisp.rect(fg, b.x, b.y, b.w, eighth_h), // ▔
        0x2595 => crisp.rect(fg, b.x + b.w - eighth_w, b.y, eighth_w, b.h), // ▕
        _ => {
            // Quadrants ▖..▟ as bits: upper-left 1, upper-right 2, lower-left 4, lower-right 8.
            let bits: u8 = match cp {
                0x2596 => 4,
                0x2597 => 8,
                0x2598 => 1,
                0x2599 => 1 | 4 | 8,
                0x259a => 1 | 8,
                0x259b => 1 | 2 | 4,
                0x259c => 1 | 2 | 8,
                0x259d => 2,
                0x259e => 2 | 4,
                _ => 2 | 4 | 8,
            };
            let (hw, hh) = (b.w / 2.0, b.h / 2.0);
            for (bit, qx, qy) in [(1, 0.0, 0.0), (2, hw, 0.0), (4, 0.0, hh), (8, hw, hh)] {
                if bits & bit != 0 {
                    crisp.rect(fg, b.x + qx, b.y + qy, hw, hh);
                }
            }
        }
    }
}

/// Rasterises an SVG (as made by [`buffer_to_svg`]) to PNG bytes, `scale` pixels per SVG
/// unit. System fonts are loaded once per process; characters missing from the first font
/// fall back to the SVG's `font-family` list in order, then to any installed font.
#[cfg(feature = "png")]
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};

    if !(scale.is_finite() && scale > 0.0) {
        return Err(format!("invalid scale {scale}"));
    }
    let mut opt = usvg::Options {
        fontdb: png::system_fonts(),
        ..usvg::Options::default()
    };
    opt.font_resolver.select_fallback = png::fallback_selector(png::font_preferences(svg));
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("parsing the SVG: {e}"))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("cannot allocate a {w}×{h} image"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("encoding the PNG: {e}"))
}

#[cfg(feature = "png")]
mod png {
    use std::sync::{Arc, OnceLock};

    use resvg::usvg::fontdb::{Database, Family, Query};
    use resvg::usvg::{self, fontdb};

    pub(super) fn system_fonts() -> Arc<Database> {
        static FONTS: OnceLock<Arc<Database>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                let mut db = Database::new();
                db.load_system_fonts();
                Arc::new(db)
            })
            .clone()
    }

    /// The family names of the first `font-family` attribute of the SVG (ours are on the text
    /// group), unquoted.
    pub(super) fn font_preferences(svg: &str) -> Vec<String> {
        let Some(start) = svg.find("font-family=\"") else {
            return Vec::new();
        };
        let rest = &svg[start + "font-family=\"".len()..];
        let value = &rest[..rest.find('"').unwrap_or(rest.len())];
        let value = value
            .replace("&apos;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        value
            .split(',')
            .map(|n| n.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|n| !n.is_empty())
            .collect()
    }

    fn family(name: &str) -> Family<'_> {
        match name {
            "serif" => Family::Serif,
            "sans-serif" => Family::SansSerif,
            "monospace" => Family::Monospace,
            "cursive" => Family::Cursive,
            "fantasy" => Family::Fantasy,
            _ => Family::Name(name),
        }
    }

    /// Fallback in the order of the preferred families, then the installed font closest in
    /// style (deterministically: ties go by family name).
    pub(super) fn fallback_selector(prefs: Vec<String>) -> usvg::FallbackSelectionFn<'static> {
        Box::new(move |c, exclude: &[fontdb::ID], db: &mut Arc<Database>| {
            let db: &Database = db;
            let base = db.face(*exclude.first()?)?;
            let (weight, style, stretch) = (base.weight, base.style, base.stretch);
            let has = |id| {
                !exclude.contains(&id)
                    && db
                        .with_face_data(id, |data, index| glyph_index(data, index, c).is_some())
                        .unwrap_or(false)
            };
            for name in &prefs {
                let query = Query {
                    families: &[family(name)],
                    weight,
                    stretch,
                    style,
                };
                if let Some(id) = db.query(&query)
                    && has(id)
                {
                    return Some(id);
                }
            }
            db.faces()
                .filter(|f| has(f.id))
                .min_by_key(|f| {
                    (
                        f.style != style,
                        f.weight.0.abs_diff(weight.0),
                        !f.monospaced,
                        f.families.first().map(|f| f.0.clone()).unwrap_or_default(),
                        f.index,
                    )
                })
                .map(|f| f.id)
        })
    }

    fn be16(d: &[u8], at: usize) -> Option<u32> {
        Some(u32::from(u16::from_be_bytes(
            d.get(at..at + 2)?.try_into().ok()?,
        )))
    }

    fn be32(d: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
    }

    /// The glyph of `c` in face `index` of a TrueType/OpenType font or collection, from its
    /// Unicode `cmap` (format 12 or 4); `None` when the font has no glyph for it.
    pub(super) fn glyph_index(data: &[u8], index: u32, c: char) -> Option<u32> {
        let cp = u32::from(c);
        let mut dir = 0usize;
        if data.get(0..4)? == b"ttcf" {
            if index >= be32(data, 8)? {
                return None;
            }
            dir = be32(data, 12 + 4 * index as usize)? as usize;
        }
        let tables = be16(data, dir + 4)? as usize;
        let cmap = (0..tables).find_map(|i| {
            let rec = dir + 12 + 16 * i;
            (data.get(rec..rec + 4)? == b"cmap").then(|| be32(data, rec + 8))?
        })? as usize;
        let subtables = be16(data, cmap + 2)? as usize;
        let mut best: Option<(u32, usize)> = None;
        for i in 0..subtables {
            let rec = cmap + 4 + 8 * i;
            let (platform, encoding) = (be16(data, rec)?, be16(data, rec + 2)?);
            if !(platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))) {
                continue;
            }
            let sub = cmap + be32(data, rec + 4)? as usize;
            let rank = match be16(data, sub)? {
                12 => 0,
                4 => 1,
                _ => continue,
            };
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, sub));
            }
        }
        let (rank, sub) = best?;
        let glyph = if rank == 0 {
            let groups = be32(data, sub + 12)? as usize;
            (0..groups).find_map(|g| {
                let r = sub + 16 + 12 * g;
                let (start, end) = (be32(data, r)?, be32(data, r + 4)?);
                (start..=end)
                    .contains(&cp)
                    .then(|| Some(be32(data, r + 8)? + (cp - start)))?
            })?
        } else {
            if cp > 0xffff {
                return None;
            }
            let segs = be16(data, sub + 6)? as usize / 2;
            let ends = sub + 14;
            let starts = ends + 2 * segs + 2;
            let deltas = starts + 2 * segs;
            let ranges = deltas + 2 * segs;
            let i = (0..segs).find(|&i| be16(data, ends + 2 * i).is_some_and(|e| cp <= e))?;
            let start = be16(data, starts + 2 * i)?;
            if cp < start {
                return None;
            }
            let delta = be16(data, deltas + 2 * i)?;
            let range = be16(data, ranges + 2 * i)? as usize;
            if range == 0 {
                (cp + delta) & 0xffff
            } else {
                let at = ranges + 2 * i + range + 2 * (cp - start) as usize;
                match be16(data, at)? {
                    0 => 0,
                    g => (g + delta) & 0xffff,
                }
            }
        };
        (glyph != 0).then_some(glyph)
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::widgets::{Block, BorderType, Widget};

    use super::*;

    fn opts() -> SvgOptions {
        SvgOptions {
            padding: 0.0,
            cell_width: 10.0,
            line_height: 20.0,
            ..SvgOptions::default()
        }
    }

    /// A minimal well-formedness check: tags balance, attributes are quoted, `&` starts an
    /// entity, no `<` or `>` in text.
    fn assert_well_formed(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert!(!text.contains('>'), "stray > in {text:?}");
            check_entities(text);
            let close = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "< inside tag {tag:?}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag:?}"
            );
            check_entities(tag);
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[close + 1..];
        }
        assert!(rest.trim().is_empty());
        assert!(stack.is_empty(), "unclosed: {stack:?}");
    }

    fn check_entities(s: &str) {
        for (i, _) in s.match_indices('&') {
            let ent = &s[i..s[i..].find(';').map_or(s.len(), |e| i + e + 1)];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&ent),
                "bad entity {ent:?}"
            );
        }
    }

    /// The sample: styled text with XML specials, a wide char, reversed and bold cells, a
    /// rounded box.
    fn sample() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 5));
        buf.set_string(
            0,
            0,
            "a<&>",
            Style::new().fg(Color::Rgb(0xff, 0x00, 0x00)).bold(),
        );
        buf.set_string(5, 0, "中", Style::new());
        buf.set_string(7, 0, "R", Style::new().fg(Color::Indexed(196)).reversed());
        buf.set_string(8, 0, "i", Style::new().italic().underlined());
        buf.set_string(9, 0, "d", Style::new().fg(Color::White).dim());
        Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(Style::new().fg(Color::Green))
            .render(Rect::new(0, 1, 6, 4), &mut buf);
        buf.set_string(1, 2, "█▌", Style::new().fg(Color::Blue));
        buf
    }

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
        assert_eq!(Hex((0xab, 0x01, 0xff)).to_string(), "#ab01ff");
        assert_eq!(Num(8.400_001).to_string(), "8.4");
        assert_eq!(Num(-0.001).to_string(), "0");
        assert_eq!(Num(12.0).to_string(), "12");
        assert_eq!(Num(0.125).to_string(), "0.13");
    }

    #[test]
    fn text_runs_positions_and_styles() {
        let svg = buffer_to_svg(&sample(), &opts());
        assert_well_formed(&svg);
        assert!(
            svg.starts_with(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"100\""
            )
        );
        // One run for "a<&>": a glyph per cell centre, escaped, bold, red.
        assert!(
            svg.contains("<text x=\"5 15 25 35\" y=\"14.48\" fill=\"#ff0000\" font-weight=\"bold\">a&lt;&amp;&gt;</text>"),
            "{svg}"
        );
        // The wide char is centred on its two cells (5 and 6); the next glyph is at cell 7.
        assert!(
            svg.contains("<text x=\"60\" y=\"14.48\">中</text>"),
            "{svg}"
        );
        // Reversed: red background, default-bg text.
        assert!(
            svg.contains("<rect x=\"70\" y=\"0\" width=\"10\" height=\"20\" fill=\"#ff0000\"/>")
        );
        assert!(svg.contains("<text x=\"75\" y=\"14.48\" fill=\"#1c1f26\">R</text>"));
        // Italic and underlined (a rect under the cell), dimmed white blended toward the bg.
        assert!(svg.contains("<text x=\"85\" y=\"14.48\" font-style=\"italic\">i</text>"));
        assert!(svg.contains("M80 16.08h10v1h-10z"), "{svg}");
        let dim = Hex(mix((255, 255, 255), (0x1c, 0x1f, 0x26), 0.6)).to_string();
        assert!(svg.contains(&format!(
            "<text x=\"95\" y=\"14.48\" fill=\"{dim}\">d</text>"
        )));
        // Box and block characters are geometry, not text.
        for c in ['╭', '─', '╮', '│', '╰', '╯', '█', '▌'] {
            assert!(!svg.contains(c), "{c} drawn as text");
        }
        // Top border: straight parts of ╭ and ╮ plus ─ merged into one rect; ╭ arc stroke.
        let green = Hex(ANSI[2]).to_string();
        assert!(svg.contains(&format!("<path fill=\"{green}\" d=\"M")));
        assert!(svg.contains("M5 35A5 5 0 0 1 10 30"), "{svg}");
        // Full block fills its cell; the left half block fills half of the next.
        let blue = Hex(ANSI[4]).to_string();
        assert!(
            svg.contains(&format!("<path fill=\"{blue}\" d=\"M10 40h15v20h-15z\"/>")),
            "{svg}"
        );
    }

    #[test]
    fn backgrounds_merge_per_row() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 2));
        buf.set_string(0, 0, "abc", Style::new().bg(Color::Rgb(1, 2, 3)));
        buf.set_string(3, 0, "  ", Style::new().bg(Color::Rgb(1, 2, 3)));
        buf.set_string(0, 1, "x", Style::new().bg(Color::Indexed(232)));
        let svg = buffer_to_svg(&buf, &opts());
        assert_eq!(svg.matches("<rect x=").count(), 2, "{svg}");
        assert!(
            svg.contains("<rect x=\"0\" y=\"0\" width=\"50\" height=\"20\" fill=\"#010203\"/>")
        );
        assert!(
            svg.contains("<rect x=\"0\" y=\"20\" width=\"10\" height=\"20\" fill=\"#080808\"/>")
        );
    }

    #[test]
    fn deterministic_and_chrome() {
        let o = SvgOptions {
            title: Some("thinkbench — \"demo\" <1>".into()),
            ..SvgOptions::default()
        };
        let a = buffer_to_svg(&sample(), &o);
        let b = buffer_to_svg(&sample(), &o);
        assert_eq!(a, b);
        assert_well_formed(&a);
        assert_eq!(a.matches("<circle").count(), 3);
        assert!(a.contains(">thinkbench — &quot;demo&quot; &lt;1&gt;</text>"));
        assert!(a.contains(
            "font-family=\"&apos;DejaVu Sans Mono&apos;, &apos;Noto Sans Mono CJK SC&apos;, &apos;Noto Sans CJK SC&apos;, monospace\""
        ));
    }

    #[test]
    fn control_characters_and_hidden_are_dropped() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        buf[(0, 0)].set_symbol("\x1b[31mq");
        buf[(1, 0)].set_symbol("\u{7}");
        buf.set_string(2, 0, "h", Style::new().hidden());
        buf[(3, 0)].set_symbol("e\u{301}");
        let svg = buffer_to_svg(&buf, &opts());
        assert_well_formed(&svg);
        assert!(svg.contains("<text x=\"5\" y=\"14.48\">q</text>"), "{svg}");
        assert!(!svg.contains('\u{7}') && !svg.contains('\x1b') && !svg.contains(">h<"));
        // A combining sequence keeps one position for the whole cluster.
        assert!(
            svg.contains("<text x=\"35\" y=\"14.48\">e\u{301}</text>"),
            "{svg}"
        );
    }

    #[test]
    fn box_junctions_and_doubles_are_geometry() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 3));
        buf.set_string(0, 0, "┌┬┐╔╦╗━┃", Style::new());
        buf.set_string(0, 1, "├┼┤╠╬╣░⣿", Style::new());
        buf.set_string(0, 2, "└┴┘╚╩╝▀▟", Style::new());
        let svg = buffer_to_svg(&buf, &opts());
        assert_well_formed(&svg);
        assert!(!svg.contains("<text"), "{svg}");
        // ╬ is four corner pieces: eight line segments, none crossing the middle corridor.
        let cell = CellBox {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 20.0,
        };
        let mut layer = Layer::default();
        let grid = Grid {
            ox: 0.0,
            oy: 0.0,
            cw: 10.0,
            lh: 20.0,
            t: 1.0,
            heavy: 2.5,
            gap: 1.5,
        };
        draw_arms(BOX_ARMS[0x6c], cell, (0, 0, 0), &grid, &mut layer);
        let rects = &layer.items[0].1;
        assert_eq!(rects.len(), 8);
        for r in rects {
            let inside_x = r[0] < 5.0 - 1.0 && r[0] + r[2] > 5.0 + 1.0;
            let inside_y = r[1] < 10.0 - 1.0 && r[1] + r[3] > 10.0 + 1.0;
            assert!(!inside_x && !inside_y, "{r:?} crosses the corridor");
        }
    }

    #[cfg(feature = "png")]
    #[test]
    fn png_has_expected_size() {
        let o = SvgOptions {
            title: Some("demo".into()),
            ..SvgOptions::default()
        };
        let svg = buffer_to_svg(&sample(), &o);
        let w: f32 = svg
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let h: f32 = svg
            .split("height=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let png = svg_to_png(&svg, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let pw = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let ph = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((pw, ph), ((w * 2.0) as u32, (h * 2.0) as u32));
        assert!(svg_to_png(&svg, 0.0).is_err());
        assert!(svg_to_png("<svg", 1.0).is_err());
    }

    #[cfg(feature = "png")]
    #[test]
    fn usvg_parses_output() {
        let svg = buffer_to_svg(&sample(), &SvgOptions::default());
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
        assert!(tree.root().has_children());
    }

    #[cfg(feature = "png")]
    #[test]
    fn fallback_follows_the_font_family_list() {
        let svg = buffer_to_svg(&sample(), &SvgOptions::default());
        let prefs = png::font_preferences(&svg);
        assert_eq!(
            prefs,
            [
                "DejaVu Sans Mono",
                "Noto Sans Mono CJK SC",
                "Noto Sans CJK SC",
                "monospace"
            ]
        );
        let mut db = png::system_fonts();
        let named = |db: &resvg::usvg::fontdb::Database, name: &str| {
            db.faces()
                .find(|f| f.families.iter().any(|(n, _)| n == name))
                .map(|f| f.id)
        };
        let (Some(latin), Some(_)) = (
            named(&db, "DejaVu Sans Mono"),
            named(&db, "Noto Sans Mono CJK SC"),
        ) else {
            return; // fonts not installed: nothing to check
        };
        let pick = png::fallback_selector(prefs);
        let id = pick('中', &[latin], &mut db).expect("a CJK font");
        let face = db.face(id).unwrap();
        assert!(
            face.families
                .iter()
                .any(|(n, _)| n == "Noto Sans Mono CJK SC"),
            "{face:?}"
        );
    }

    #[cfg(feature = "png")]
    #[test]
    fn cmap_lookup_on_system_fonts() {
        let db = png::system_fonts();
        let Some(face) = db
            .faces()
            .find(|f| f.families.iter().any(|(n, _)| n == "DejaVu Sans Mono"))
        else {
            return; // font not installed: nothing to check
        };
        let found = |c| {
            db.with_face_data(face.id, |d, i| png::glyph_index(d, i, c))
                .flatten()
        };
        assert!(found('A').is_some());
        assert!(found('─').is_some());
        assert!(found('中').is_none());
    }
}
