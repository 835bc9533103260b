//! Folds a stream of [`StreamEvent`]s into the state of one response.

use super::{ApiError, FinishReason, StreamEvent, ToolCall, Usage};

/// Everything a response has delivered so far.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    #[serde(default)]
    pub reasoning: String,
    #[serde(default)]
    pub answer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub finish: Option<FinishReason>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

impl Transcript {
    pub fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::Reasoning(t) => self.reasoning.push_str(t),
            StreamEvent::Answer(t) => self.answer.push_str(t),
            StreamEvent::ToolCall(d) => {
                let call = match self.tool_calls.iter_mut().position(|c| c.index == d.index) {
                    Some(i) => &mut self.tool_calls[i],
                    None => {
                        self.tool_calls.push(ToolCall {
                            index: d.index,
                            ..ToolCall::default()
                        });
                        self.tool_calls.sort_by_key(|c| c.index);
                        let i = self
                            .tool_calls
                            .iter()
                            .position(|c| c.index == d.index)
                            .expect("just inserted");
                        &mut self.tool_calls[i]
                    }
                };
                // A continuation fragment carries `"id":""` and no name: never let it erase
                // what the first fragment said.
                for (slot, value) in [
                    (&mut call.id, &d.id),
                    (&mut call.kind, &d.kind),
                    (&mut call.name, &d.name),
                ] {
                    if let Some(v) = value
                        && !v.is_empty()
                    {
                        *slot = v.clone();
                    }
                }
                call.arguments.push_str(&d.arguments);
            }
            StreamEvent::Usage(u) => self.usage = Some(u.clone()),
            StreamEvent::Finish(f) => self.finish = Some(f.clone()),
            StreamEvent::Error(e) => self.error = Some(e.clone()),
        }
    }

    pub fn extend<'a>(&mut self, events: impl IntoIterator<Item = &'a StreamEvent>) {
        for e in events {
            self.apply(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ToolCallDelta;

    #[test]
    fn tool_call_fragments_keep_first_id_and_name() {
        let mut t = Transcript::default();
        t.apply(&StreamEvent::ToolCall(ToolCallDelta {
            index: 0,
            id: Some("call_1".into()),
            kind: Some("function".into()),
            name: Some("get_weather".into()),
            arguments: String::new(),
        }));
        t.apply(&StreamEvent::ToolCall(ToolCallDelta {
            index: 0,
            id: Some(String::new()),
            kind: None,
            name: None,
            arguments: "{\"a\":".into(),
        }));
        t.apply(&StreamEvent::ToolCall(ToolCallDelta {
            index: 1,
            id: Some("call_2".into()),
            name: Some("other".into()),
            ..Default::default()
        }));
        t.apply(&StreamEvent::ToolCall(ToolCallDelta {
            index: 0,
            arguments: "1}".into(),
            ..Default::default()
        }));
        assert_eq!(t.tool_calls.len(), 2);
        assert_eq!(t.tool_calls[0].id, "call_1");
        assert_eq!(t.tool_calls[0].name, "get_weather");
        assert_eq!(t.tool_calls[0].arguments, "{\"a\":1}");
        assert_eq!(t.tool_calls[1].name, "other");
    }
}
