//! A long session for the benchmarks: finished turns with a table and a code block each.

use thinkbench::app::state::State;

/// N finished turns, as a long session leaves them.
pub fn fill_history(state: &mut State, n: usize) {
    use thinkbench::provider::StreamEvent;
    use thinkbench::session::{MessageSettings, Status};
    for i in 0..n {
        let t = state
            .conversation
            .push_turn(format!("Earlier question {i}: how do B-tree splits work?"));
        let settings = MessageSettings {
            provider: "bench".into(),
            model: "qwen3.7-plus".into(),
            thinking: Default::default(),
            resolved: Default::default(),
            max_tokens: None,
        };
        let id = state.conversation.push_variant(t, settings, 0);
        let v = state.conversation.variant_mut(id).unwrap();
        v.apply(&StreamEvent::Reasoning(
            format!("Thinking about question {i}. ").repeat(20),
        ));
        v.apply(&StreamEvent::Answer(format!(
            "## Answer {i}\n\nA node splits when it is full:\n\n| keys | children |\n|---|---|\n| {i} | {} |\n\n```rust\nfn split(node: &mut Node) -> Node {{\n    let mid = node.keys.len() / 2;\n    node.split_off(mid)\n}}\n```\n\nThat keeps the tree balanced.\n",
            i + 1
        )));
        v.status = Status::Complete;
        v.timings.total = Some(1_000);
    }
}
