//! PNG rasterisation with resvg: system fonts loaded once per process, and a font fallback
//! that follows the SVG's `font-family` list, checking each font's character map (read with
//! skrifa) for the missing character.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::fontdb::{Database, Family, Query};
use resvg::usvg::{self, fontdb};
use skrifa::{FontRef, GlyphId, MetadataProvider};

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

/// The glyph of `c` in face `index` of a TrueType/OpenType font or collection, from its
/// Unicode character map; `None` when the font has no glyph for it or cannot be read.
fn glyph_index(data: &[u8], index: u32, c: char) -> Option<GlyphId> {
    FontRef::from_index(data, index).ok()?.charmap().map(c)
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

    /// A `cmap` table with one Windows subtable mapping `first..=last` to glyphs 1, 2, …:
    /// format 12 (full Unicode) with `full`, else format 4 (the Basic Multilingual Plane).
    fn cmap(first: u32, last: u32, full: bool) -> Vec<u8> {
        let mut sub = Vec::new();
        if full {
            for v in [12u16, 0] {
                sub.extend(v.to_be_bytes());
            }
            for v in [28u32, 0, 1, first, last, 1] {
                sub.extend(v.to_be_bytes());
            }
        } else {
            let (first, last) = (first as u16, last as u16);
            let delta = 1u16.wrapping_sub(first);
            // Two segments: the range, and the closing 0xFFFF segment the format requires.
            for v in [
                4u16, 32, 0, 4, 4, 1, 0, last, 0xffff, 0, first, 0xffff, delta, 1, 0, 0,
            ] {
                sub.extend(v.to_be_bytes());
            }
        }
        let mut table = Vec::new();
        for v in [0u16, 1, 3, if full { 10 } else { 1 }] {
            table.extend(v.to_be_bytes());
        }
        table.extend(12u32.to_be_bytes());
        table.extend(sub);
        table
    }

    /// A font whose only table is `cmap`, placed `at` bytes into its file.
    fn font_at(at: usize, cmap: &[u8]) -> Vec<u8> {
        let mut font = Vec::new();
        font.extend(0x0001_0000u32.to_be_bytes());
        for v in [1u16, 16, 0, 0] {
            font.extend(v.to_be_bytes());
        }
        font.extend(b"cmap");
        for v in [0, at as u32 + 28, cmap.len() as u32] {
            font.extend(v.to_be_bytes());
        }
        font.extend(cmap);
        font
    }

    /// A font collection (`.ttc`) of fonts with the given `cmap` tables.
    fn collection(cmaps: &[Vec<u8>]) -> Vec<u8> {
        let mut at = 12 + 4 * cmaps.len();
        let mut header = b"ttcf".to_vec();
        header.extend(0x0001_0000u32.to_be_bytes());
        header.extend((cmaps.len() as u32).to_be_bytes());
        let mut faces = Vec::new();
        for cmap in cmaps {
            header.extend((at as u32).to_be_bytes());
            let face = font_at(at, cmap);
            at += face.len();
            faces.extend(face);
        }
        header.extend(faces);
        header
    }

    #[test]
    fn glyph_lookup_in_fonts_and_collections() {
        let latin = cmap(u32::from('A'), u32::from('C'), false);
        let cjk = cmap(u32::from('中'), u32::from('中'), true);

        let single = font_at(0, &latin);
        assert_eq!(glyph_index(&single, 0, 'A'), Some(GlyphId::new(1)));
        assert_eq!(glyph_index(&single, 0, 'C'), Some(GlyphId::new(3)));
        assert_eq!(glyph_index(&single, 0, 'D'), None);
        assert_eq!(glyph_index(&single, 0, '中'), None);
        assert_eq!(
            glyph_index(&single, 1, 'A'),
            None,
            "a single font has one face"
        );

        let ttc = collection(&[latin, cjk]);
        assert_eq!(glyph_index(&ttc, 0, 'B'), Some(GlyphId::new(2)));
        assert_eq!(glyph_index(&ttc, 0, '中'), None);
        assert_eq!(glyph_index(&ttc, 1, '中'), Some(GlyphId::new(1)));
        assert_eq!(glyph_index(&ttc, 1, 'B'), None);
        assert_eq!(
            glyph_index(&ttc, 2, 'B'),
            None,
            "the collection has two faces"
        );

        assert_eq!(glyph_index(b"not a font", 0, 'A'), None);
        assert_eq!(glyph_index(&single[..20], 0, 'A'), None, "truncated");
    }
}
