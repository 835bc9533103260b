//! The cell grid and the shapes drawn on it: rects and path data collected per colour, each
//! colour written as one `<path>`.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use super::markup::{Hex, Num};
use super::palette::Rgb;

/// Shapes collected per colour, in order of first use (so output is deterministic).
#[derive(Default)]
pub(super) struct Layer {
    index: HashMap<Rgb, usize>,
    pub(super) items: Vec<(Rgb, Vec<[f32; 4]>, String)>,
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
    pub(super) fn rect(&mut self, color: Rgb, x: f32, y: f32, w: f32, h: f32) {
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
    pub(super) fn path(&mut self, color: Rgb, d: fmt::Arguments<'_>) {
        let _ = self.entry(color).2.write_fmt(d);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One `<path>` per colour; `paint` names the colour attribute (`fill` or `stroke`).
    pub(super) fn write(&self, out: &mut String, paint: &str) {
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
pub(super) struct Grid {
    pub(super) ox: f32,
    pub(super) oy: f32,
    pub(super) cw: f32,
    pub(super) lh: f32,
    /// Light line thickness.
    pub(super) t: f32,
    /// Heavy line thickness.
    pub(super) heavy: f32,
    /// Offset of each line of a double line from the centre.
    pub(super) gap: f32,
}

/// The pixel box of a cell (or of several cells for a wide glyph).
#[derive(Clone, Copy)]
pub(super) struct CellBox {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) w: f32,
    pub(super) h: f32,
}

impl CellBox {
    pub(super) fn cx(self) -> f32 {
        self.x + self.w / 2.0
    }
    pub(super) fn cy(self) -> f32 {
        self.y + self.h / 2.0
    }
}
