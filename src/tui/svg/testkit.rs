//! Shared test inputs and checks for the SVG writer and its parts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, BorderType, Widget};

use super::SvgOptions;

/// Options with a 10 × 20 cell and no padding, so positions are easy to read.
pub(super) fn opts() -> SvgOptions {
    SvgOptions {
        padding: 0.0,
        cell_width: 10.0,
        line_height: 20.0,
        ..SvgOptions::default()
    }
}

/// The default options with window chrome titled `title`.
pub(super) fn titled(title: &str) -> SvgOptions {
    SvgOptions {
        title: Some(title.to_string()),
        ..SvgOptions::default()
    }
}

/// A minimal well-formedness check: tags balance, attributes are quoted, `&` starts an
/// entity, no `<` or `>` in text.
pub(super) fn assert_well_formed(svg: &str) {
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
pub(super) fn sample() -> Buffer {
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
