//! The built-in simulator of the Alibaba Cloud Model Studio (DashScope) API.
//!
//! It is the product's demo mode, the peer of the integration tests and the load generator of
//! the benchmarks. It speaks both wire protocols over real HTTP on loopback:
//!
//! * OpenAI-compatible: `POST /compatible-mode/v1/chat/completions`, `GET /compatible-mode/v1/models`;
//! * native: `POST /api/v1/services/aigc/{text,multimodal}-generation/generation`.
//!
//! The simulator is a *peer*, not a mirror of the client: it shares the model catalog but writes
//! its own wire JSON from the protocol reference and the recorded fixtures, so a bug in the
//! client's request builder or decoder cannot hide on both sides.
//!
//! What it says is deterministic: [`script`] returns exactly the reasoning and answer pieces a
//! request will stream (before `thinking_budget` and `max_tokens` truncation).
//!
//! Rules worth knowing when testing against it:
//!
//! * The script's prompt is the last user message, trimmed, with a trailing `/think` or
//!   `/no_think` removed. The model name is the one sent (an alias gives its own text).
//! * One token is one [`tokenize`] piece and goes out as one chunk. Input tokens are
//!   `3 + tokens(text)` per message plus 3, plus the `reasoning_content` of assistant messages
//!   when `preserve_thinking` is sent and the model honours it.
//! * Order of checks on a chat request: recorded, then authenticated (a 401 does not use up
//!   `fault_times`), then the fault is chosen (the [`FAULT_HEADER`] wins and does not use up
//!   the count either), then the body is validated. Status faults (401, 429, 500, 503) replace
//!   the response; `drop`, `stall`, `malformed` and `error-event` strike after about a third of
//!   the reasoning (of the answer when there is none); `trickle` slows the whole body.

mod conns;
mod faults;
mod generate;
mod gzip;
mod hostile;
mod ids;
mod native_wire;
mod openai_wire;
mod plan;
mod request;
mod server;
mod stream;
mod wire_error;

use crate::catalog::Catalog;

pub use faults::{Fault, ParseFaultError};
pub use generate::{Script, count_tokens, script, tokenize};
pub use hostile::{ANSWER as HOSTILE_ANSWER, HOSTILE_END, Hostile};
pub use server::{RecordedRequest, Simulator};

/// The request header that forces a fault on one request (tests only; real clients never send it).
pub const FAULT_HEADER: &str = "x-thinkbench-sim-fault";

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port to bind on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// Tokens per second per stream; `None` sends as fast as the socket takes it.
    pub rate: Option<f64>,
    /// A fault to inject into chat requests.
    pub fault: Option<Fault>,
    /// Apply `fault` to the first N chat requests only; `None` means every request.
    pub fault_times: Option<u32>,
    /// `Some(k)`: only `Bearer k` is accepted. `None`: any non-empty bearer token.
    pub api_key: Option<String>,
    /// Exact number of reasoning tokens to generate (benchmarks).
    pub reasoning_tokens: Option<usize>,
    /// Exact number of answer tokens to generate (benchmarks).
    pub answer_tokens: Option<usize>,
    /// End the reasoning and the answer with fixed markers ([`generate::REASONING_MARKER`],
    /// [`generate::ANSWER_MARKER`]) that a benchmark can look for on screen.
    pub markers: bool,
    /// Hostile text instead of the generated text ([`Hostile`]).
    pub hostile: Hostile,
    /// The `Retry-After` value sent with 429 responses.
    pub retry_after_secs: u64,
    /// The models the simulator serves (its Model Studio entries).
    pub catalog: Catalog,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            rate: None,
            fault: None,
            fault_times: None,
            api_key: None,
            reasoning_tokens: None,
            answer_tokens: None,
            markers: false,
            hostile: Hostile::Off,
            retry_after_secs: 1,
            catalog: Catalog::builtin(),
        }
    }
}

/// The configuration for demo mode: a human-readable pace, no faults.
pub fn demo_config() -> SimConfig {
    SimConfig {
        rate: Some(DEMO_RATE),
        ..SimConfig::default()
    }
}

/// Tokens per second in demo mode: fast enough to feel live, slow enough to watch reasoning.
pub const DEMO_RATE: f64 = 110.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_is_human_paced() {
        let c = demo_config();
        let rate = c.rate.unwrap_or(0.0);
        assert!((80.0..=150.0).contains(&rate));
        assert!(c.fault.is_none());
    }
}
