//! Syntax highlighting of code blocks with syntect (the syntaxes and themes bundled by
//! two-face, which include syntect's defaults). Only foreground colours and font styles are
//! produced: the code block background comes from the UI theme. Every piece of text is made
//! inert.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{
    self as sh, FontStyle, HighlightIterator, HighlightState, Theme as SyntaxTheme,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};
use two_face::theme::LazyThemeSet;

use crate::text::display;

/// The syntax theme used when the requested one does not exist.
pub const FALLBACK_THEME: &str = "base16-ocean.dark";

/// Lines longer than this are shown plain: regex-based highlighting of huge lines (minified
/// code) can take far longer than a frame.
const MAX_HIGHLIGHT_LINE: usize = 4096;

/// One highlighted source line: styled pieces of text.
pub type StyledLine = Vec<(Style, String)>;

/// The syntaxes and themes, loaded once.
pub struct Highlighter {
    syntaxes: SyntaxSet,
    themes: LazyThemeSet,
}

impl Highlighter {
    /// The shared highlighter, built on first use (that takes tens of milliseconds).
    pub fn get() -> &'static Highlighter {
        static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();
        HIGHLIGHTER.get_or_init(|| Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
            themes: LazyThemeSet::from(two_face::theme::extra()),
        })
    }

    /// Highlight `code` as language `lang` (a fence info token such as "rust" or "py"; unknown
    /// → plain) with syntax theme `theme_name` (unknown → [`FALLBACK_THEME`]); `no_color` →
    /// no styling at all. One entry per source line, without line endings.
    pub fn highlight(
        &self,
        code: &str,
        lang: &str,
        theme_name: &str,
        no_color: bool,
    ) -> Vec<StyledLine> {
        let mut lines = self.start(lang, theme_name, no_color);
        code.split_inclusive('\n')
            .map(|line| lines.line(line))
            .collect()
    }

    /// A line-by-line highlighter, for code that arrives a line at a time.
    pub fn start(&self, lang: &str, theme_name: &str, no_color: bool) -> CodeHighlighter<'_> {
        let active = match self.syntax(lang) {
            Some(syntax) if !no_color => {
                let highlighter = sh::Highlighter::new(self.theme(theme_name));
                let state = HighlightState::new(&highlighter, ScopeStack::new());
                Some(Active {
                    syntaxes: &self.syntaxes,
                    highlighter,
                    parse: ParseState::new(syntax),
                    state,
                })
            }
            _ => None,
        };
        CodeHighlighter { active }
    }

    /// Whether `lang` names a syntax this highlighter knows.
    pub fn knows(&self, lang: &str) -> bool {
        self.syntax(lang).is_some()
    }

    fn syntax(&self, lang: &str) -> Option<&SyntaxReference> {
        let token = lang.trim();
        if token.is_empty() {
            return None;
        }
        let token = match token.to_ascii_lowercase().as_str() {
            "shell" | "console" | "zsh" | "shellscript" => "sh".to_string(),
            "c++" => "cpp".to_string(),
            "c#" | "csharp" => "cs".to_string(),
            "golang" => "go".to_string(),
            "jsonc" | "json5" => "json".to_string(),
            "text" | "txt" | "plain" | "plaintext" => return None,
            other => other.to_string(),
        };
        self.syntaxes
            .find_syntax_by_token(&token)
            .or_else(|| self.syntaxes.find_syntax_by_token(lang.trim()))
    }

    fn theme(&self, name: &str) -> &SyntaxTheme {
        self.themes
            .get(name)
            .or_else(|| {
                let actual = self
                    .themes
                    .theme_names()
                    .find(|n| n.eq_ignore_ascii_case(name))?;
                self.themes.get(actual)
            })
            .or_else(|| self.themes.get(FALLBACK_THEME))
            .expect("two-face bundles the fallback syntax theme")
    }
}

struct Active<'a> {
    syntaxes: &'a SyntaxSet,
    highlighter: sh::Highlighter<'a>,
    parse: ParseState,
    state: HighlightState,
}

/// Highlights a code block one source line at a time, carrying the parser state from line to
/// line. Without a known syntax (or with colours off) lines come out plain.
pub struct CodeHighlighter<'a> {
    active: Option<Active<'a>>,
}

impl CodeHighlighter<'_> {
    /// Highlight the next source line (with or without its line ending, which is not part of
    /// the result) and advance the state past it.
    pub fn line(&mut self, line: &str) -> StyledLine {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        match &mut self.active {
            Some(a) if content.len() <= MAX_HIGHLIGHT_LINE => {
                let mut parse = a.parse.clone();
                let mut state = a.state.clone();
                let out = highlight_line(a, &mut parse, &mut state, content);
                if out.is_some() {
                    a.parse = parse;
                    a.state = state;
                }
                out.unwrap_or_else(|| plain(content))
            }
            _ => plain(content),
        }
    }

    /// Highlight `line` as the next source line without advancing (for a line still being
    /// written).
    pub fn peek(&self, line: &str) -> StyledLine {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        match &self.active {
            Some(a) if content.len() <= MAX_HIGHLIGHT_LINE => {
                let (mut parse, mut state) = (a.parse.clone(), a.state.clone());
                highlight_line(a, &mut parse, &mut state, content).unwrap_or_else(|| plain(content))
            }
            _ => plain(content),
        }
    }
}

/// Highlight one line (without its ending) from the given state; `None` if syntect fails.
fn highlight_line(
    a: &Active<'_>,
    parse: &mut ParseState,
    state: &mut HighlightState,
    content: &str,
) -> Option<StyledLine> {
    // The syntaxes expect each line to end in a newline.
    let with_nl = format!("{content}\n");
    let ops = parse.parse_line(&with_nl, a.syntaxes).ok()?;
    let mut out: StyledLine = Vec::new();
    for (style, piece) in HighlightIterator::new(state, &ops, &with_nl, &a.highlighter) {
        let piece = piece.strip_suffix('\n').unwrap_or(piece);
        if !piece.is_empty() {
            push_piece(&mut out, convert(style), piece);
        }
    }
    Some(out)
}

fn plain(content: &str) -> StyledLine {
    let mut out = Vec::new();
    if !content.is_empty() {
        push_piece(&mut out, Style::default(), content);
    }
    out
}

/// Append `text`, made inert, merging with the previous piece when the style is the same.
fn push_piece(out: &mut StyledLine, style: Style, text: &str) {
    let text = display(text);
    match out.last_mut() {
        Some((last, s)) if *last == style => s.push_str(&text),
        _ => out.push((style, text.into_owned())),
    }
}

/// A syntect style as a ratatui foreground style (no background).
fn convert(style: sh::Style) -> Style {
    let mut out = Style::default();
    if let Some(fg) = convert_color(style.foreground) {
        out = out.fg(fg);
    }
    for (font, modifier) in [
        (FontStyle::BOLD, Modifier::BOLD),
        (FontStyle::ITALIC, Modifier::ITALIC),
        (FontStyle::UNDERLINE, Modifier::UNDERLINED),
    ] {
        if style.font_style.contains(font) {
            out = out.add_modifier(modifier);
        }
    }
    out
}

/// Terminal-palette themes (two-face's "ansi", "base16"…) encode a palette index in `r` with
/// alpha 0, and "the terminal's default" with alpha 1.
fn convert_color(c: sh::Color) -> Option<Color> {
    match c.a {
        0 => Some(Color::Indexed(c.r)),
        1 => None,
        _ => Some(Color::Rgb(c.r, c.g, c.b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(lines: &[StyledLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|(_, s)| s.as_str()).collect())
            .collect()
    }

    #[test]
    fn rust_is_coloured_per_line() {
        let h = Highlighter::get();
        let code = "fn main() {\n    let x = \"hi\";\n}\n";
        let lines = h.highlight(code, "rust", "base16-ocean.dark", false);
        assert_eq!(text_of(&lines), ["fn main() {", "    let x = \"hi\";", "}"]);
        let colours: Vec<_> = lines[1].iter().filter_map(|(s, _)| s.fg).collect();
        assert!(
            colours.len() >= 2,
            "several colours on a line: {:?}",
            lines[1]
        );
        assert!(
            lines.iter().flatten().all(|(s, _)| s.bg.is_none()),
            "no backgrounds"
        );
    }

    #[test]
    fn common_tokens_are_known() {
        let h = Highlighter::get();
        for lang in [
            "rust", "rs", "python", "py", "js", "ts", "sh", "bash", "shell", "json", "toml", "go",
            "c", "cpp", "c++", "yaml", "html", "diff",
        ] {
            assert!(h.knows(lang), "{lang}");
        }
        assert!(!h.knows("no-such-language"));
        assert!(!h.knows(""));
    }

    #[test]
    fn unknown_language_or_no_color_is_plain() {
        let h = Highlighter::get();
        for lines in [
            h.highlight("let x = 1;\n", "klingon", "base16-ocean.dark", false),
            h.highlight("let x = 1;\n", "rust", "base16-ocean.dark", true),
        ] {
            assert_eq!(
                lines,
                vec![vec![(Style::default(), "let x = 1;".to_string())]]
            );
        }
    }

    #[test]
    fn unknown_theme_falls_back() {
        let h = Highlighter::get();
        let a = h.highlight("let x = 1;", "rust", "no such theme", false);
        let b = h.highlight("let x = 1;", "rust", FALLBACK_THEME, false);
        assert_eq!(a, b);
        let light = h.highlight("let x = 1;", "rust", "InspiredGitHub", false);
        assert_ne!(a, light);
    }

    #[test]
    fn output_is_inert() {
        let h = Highlighter::get();
        for no_color in [false, true] {
            let lines = h.highlight(
                "echo \"\x1b[2J\x07\"\n",
                "sh",
                "base16-ocean.dark",
                no_color,
            );
            let all: String = text_of(&lines).concat();
            assert!(!all.contains('\x1b') && !all.contains('\x07'), "{all:?}");
            assert!(all.contains('␛'));
        }
    }

    #[test]
    fn line_by_line_matches_peek_and_batch() {
        let h = Highlighter::get();
        let code = "/* a\n b */ let s = \"x\";\nfn f() {}";
        let batch = h.highlight(code, "rust", "base16-ocean.dark", false);
        let mut lines = h.start("rust", "base16-ocean.dark", false);
        for (i, src) in code.split_inclusive('\n').enumerate() {
            assert_eq!(lines.peek(src), batch[i]);
            assert_eq!(lines.line(src), batch[i]);
        }
    }
}
