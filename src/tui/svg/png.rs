//! PNG rasterisation with resvg: system fonts loaded once per process, and a font fallback
//! that follows the SVG's `font-family` list, checking each font's `cmap` table for the
//! missing character.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::fontdb::{Database, Family, Query};
use resvg::usvg::{self, fontdb};

/// Rasterises an SVG (as made by [`buffer_to_svg`](super::buffer_to_svg)) to PNG bytes,
/// `scale` pixels per SVG unit. System fonts are loaded once per process; characters missing
/// from the first font fall back to the SVG's `font-family` list in order, then to any
/// installed font.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(format!("invalid scale {scale}"));
    }
    let mut opt = usvg::Options {
        fontdb: system_fonts(),
        ..usvg::Options::default()
    };
    opt.font_resolver.select_fallback = fallback_selector(font_preferences(svg));
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

fn system_fonts() -> Arc<Database> {
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
fn font_preferences(svg: &str) -> Vec<String> {
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
fn fallback_selector(prefs: Vec<String>) -> usvg::FallbackSelectionFn<'static> {
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
fn glyph_index(data: &[u8], index: u32, c: char) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{sample, titled};
    use super::super::{SvgOptions, buffer_to_svg};
    use super::*;

    #[test]
    fn png_has_expected_size() {
        let svg = buffer_to_svg(&sample(), &titled("demo"));
        // The first value of an attribute: the root element's size.
        let attr = |name: &str| -> f32 {
            let rest = svg.split(&format!("{name}=\"")).nth(1).unwrap();
            rest.split('"').next().unwrap().parse().unwrap()
        };
        let (w, h) = (attr("width"), attr("height"));
        let png = svg_to_png(&svg, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let pw = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let ph = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((pw, ph), ((w * 2.0) as u32, (h * 2.0) as u32));
        assert!(svg_to_png(&svg, 0.0).is_err());
        assert!(svg_to_png("<svg", 1.0).is_err());
    }

    #[test]
    fn usvg_parses_output() {
        let svg = buffer_to_svg(&sample(), &SvgOptions::default());
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
        assert!(tree.root().has_children());
    }

    #[test]
    fn fallback_follows_the_font_family_list() {
        let svg = buffer_to_svg(&sample(), &SvgOptions::default());
        let prefs = font_preferences(&svg);
        assert_eq!(
            prefs,
            [
                "DejaVu Sans Mono",
                "Noto Sans Mono CJK SC",
                "Noto Sans CJK SC",
                "monospace"
            ]
        );
        let mut db = system_fonts();
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
        let pick = fallback_selector(prefs);
        let id = pick('中', &[latin], &mut db).expect("a CJK font");
        let face = db.face(id).unwrap();
        assert!(
            face.families
                .iter()
                .any(|(n, _)| n == "Noto Sans Mono CJK SC"),
            "{face:?}"
        );
    }

    #[test]
    fn cmap_lookup_on_system_fonts() {
        let db = system_fonts();
        let Some(face) = db
            .faces()
            .find(|f| f.families.iter().any(|(n, _)| n == "DejaVu Sans Mono"))
        else {
            return; // font not installed: nothing to check
        };
        let found = |c| {
            db.with_face_data(face.id, |d, i| glyph_index(d, i, c))
                .flatten()
        };
        assert!(found('A').is_some());
        assert!(found('─').is_some());
        assert!(found('中').is_none());
    }
}
