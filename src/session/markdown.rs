//! A message as Markdown, for the clipboard and for session exports.

use crate::session::{Turn, Variant};
use crate::text::group;

/// The whole message as Markdown: the prompt, the settings and usage, the reasoning in a
/// collapsible block, the answer.
pub fn message_markdown(turn: &Turn, v: &Variant) -> String {
    let mut md = format!("**You:** {}\n\n", turn.prompt.trim_end());
    let s = &v.settings;
    let mut line = vec![s.model.clone()];
    line.push(
        match s.resolved.thinks {
            Some(true) => "thinking on",
            Some(false) => "thinking off",
            None => "thinking: the server's default",
        }
        .to_string(),
    );
    if let Some(b) = s.resolved.budget {
        line.push(format!("budget {}", group(b as u64)));
    }
    let (reasoning, exact) = v.reasoning_tokens();
    line.push(format!(
        "{}{} reasoning tokens",
        if exact { "" } else { "~" },
        group(reasoning)
    ));
    if let Some(c) = v.cost_usd {
        line.push(format!("${c:.4}"));
    }
    md.push_str(&format!("*{}*\n\n", line.join(" · ")));
    if !v.reply.reasoning.is_empty() {
        md.push_str("<details><summary>Reasoning</summary>\n\n");
        md.push_str(v.reply.reasoning.trim_end());
        md.push_str("\n\n</details>\n\n");
    }
    md.push_str(v.reply.answer.trim_end());
    md.push('\n');
    md
}
