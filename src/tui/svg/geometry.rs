//! Box-drawing lines (U+2500..=U+257F), block elements (U+2580..=U+259F) and braille
//! (U+2800..=U+28FF) as geometry filling the cell exactly, so borders, gauges and canvas dots
//! have no gaps between cells and do not depend on a font.

use super::layer::{CellBox, Grid, Layer};
use super::markup::Num;
use super::palette::{Look, Rgb, mix};

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
pub(super) fn draw_geometry(
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

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::super::buffer_to_svg;
    use super::super::testkit::{assert_well_formed, opts};
    use super::*;

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
}
