//! Streaming Markdown → styled, wrapped lines.
//!
//! The answer text only grows while it streams. [`MarkdownView`] splits it into blocks as it
//! arrives: a block is finished by a blank line followed by an unindented line (outside a code
//! fence), or by the closing fence of a code block. Finished blocks are rendered once per
//! width and theme (a theme is known by its generation, not compared) and kept; only the
//! still-open last block is rendered again, and only when the text changed. An open fenced
//! code block at the start of a block is rendered line by line, keeping the highlighter
//! state, so a long streaming code block costs only its new lines.
//!
//! Every piece of model text is made inert (control characters become visible stand-ins in
//! the theme's `inert` style) before it is put in a span.

mod code;
mod render;
mod row;
mod split;
mod stream;
mod table;

pub use stream::MarkdownView;

#[cfg(test)]
mod testing;
