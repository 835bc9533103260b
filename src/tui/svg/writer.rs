//! The SVG document: cells become text runs (one absolute `x` per glyph), backgrounds merged
//! per row, underline and strike-through rects, geometry for line and block characters, and
//! the optional window chrome.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use unicode_width::UnicodeWidthChar;

use super::SvgOptions;
use super::geometry::draw_geometry;
use super::layer::{CellBox, Grid, Layer};
use super::markup::{Esc, Hex, Num, sanitize};
use super::palette::{Rgb, look, mix};

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

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    use super::super::palette::ANSI;
    use super::super::testkit::{assert_well_formed, opts, sample, titled};
    use super::*;

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
        let o = titled("thinkbench — \"demo\" <1>");
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
}
