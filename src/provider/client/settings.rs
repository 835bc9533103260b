//! What a [`Client`](super::Client) is set up with: the API key it sends and its timeouts and
//! retry limits.

use std::time::Duration;

/// An API key. It is never printed: `Debug` shows `ApiKey(***)`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Timeouts and retry limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkSettings {
    pub connect_timeout: Duration,
    /// No byte at all for this long: the stream is considered stalled.
    pub idle_timeout: Duration,
    /// Bytes but no content (only keep-alive comments) for this long: stalled too.
    pub progress_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The longest wait between attempts, whatever `Retry-After` says.
    pub max_retry_wait: Duration,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
            progress_timeout: Duration::from_secs(600),
            max_retries: 3,
            max_retry_wait: Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_never_debug_printed() {
        let k = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert!(!format!("{:?}", Some(&k)).contains("secret"));
    }
}
