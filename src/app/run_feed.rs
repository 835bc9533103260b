//! A run's events on their way to the UI loop. The request task adds them as it decodes them,
//! merging consecutive pieces of text, and puts one [`Action::RunFeed`](super::Action) on the
//! bus only when the feed was empty; the loop takes everything that gathered in one go.
//!
//! So a burst of a million chunks is one bus message per frame, not a million queued messages:
//! what waits between two frames is the text itself, never a backlog of per-chunk messages
//! (a 5 MB answer at full speed used to queue 150 MB of them).

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::provider::StreamEvent;
use crate::provider::client::RunEvent;

/// A shared queue of one run's events (cloning shares it).
#[derive(Clone, Default)]
pub struct RunFeed(Arc<Mutex<Vec<RunEvent>>>);

impl RunFeed {
    pub fn new() -> RunFeed {
        RunFeed::default()
    }

    /// Add `event`; a piece of reasoning or answer joins the piece before it when that is of
    /// the same kind. Returns true when the feed was empty: the caller then wakes the loop.
    pub fn push(&self, event: RunEvent) -> bool {
        let mut q = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let was_empty = q.is_empty();
        match (q.last_mut(), event) {
            (
                Some(RunEvent::Stream(StreamEvent::Answer(text))),
                RunEvent::Stream(StreamEvent::Answer(more)),
            )
            | (
                Some(RunEvent::Stream(StreamEvent::Reasoning(text))),
                RunEvent::Stream(StreamEvent::Reasoning(more)),
            ) => text.push_str(&more),
            (_, event) => q.push(event),
        }
        was_empty
    }

    /// Everything gathered so far, in order.
    pub fn take(&self) -> Vec<RunEvent> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl fmt::Debug for RunFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.lock().map(|q| q.len()).unwrap_or(0);
        write!(f, "RunFeed({n} waiting)")
    }
}

/// Two feeds are equal when they are the same queue.
impl PartialEq for RunFeed {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(s: &str) -> RunEvent {
        RunEvent::Stream(StreamEvent::Answer(s.into()))
    }
    fn reasoning(s: &str) -> RunEvent {
        RunEvent::Stream(StreamEvent::Reasoning(s.into()))
    }

    #[test]
    fn text_of_one_kind_is_joined_and_the_order_of_kinds_is_kept() {
        let feed = RunFeed::new();
        assert!(
            feed.push(RunEvent::Attempt(1)),
            "the first event wakes the loop"
        );
        assert!(!feed.push(reasoning("Let me ")));
        assert!(!feed.push(reasoning("think.")));
        assert!(!feed.push(answer("The ")));
        assert!(!feed.push(answer("answer")));
        assert!(!feed.push(reasoning("more")));
        assert_eq!(
            feed.take(),
            vec![
                RunEvent::Attempt(1),
                reasoning("Let me think."),
                answer("The answer"),
                reasoning("more"),
            ]
        );
        assert!(feed.take().is_empty());
        assert!(
            feed.push(answer("again")),
            "a taken feed wakes the loop anew"
        );
    }

    #[test]
    fn clones_share_one_queue() {
        let feed = RunFeed::new();
        let other = feed.clone();
        assert_eq!(feed, other);
        assert_ne!(feed, RunFeed::new());
        other.push(answer("x"));
        assert_eq!(feed.take(), vec![answer("x")]);
    }
}
