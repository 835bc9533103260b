//! The model names a server lists: `GET {base}/models` (OpenAI style) or `GET {base}/api/tags`
//! (Ollama native). DashScope native has no such list.

use std::time::Duration;

use super::outcome::describe;
use super::settings::ApiKey;
use crate::provider::dialect::Protocol;

pub(super) async fn list_models(
    http: &reqwest::Client,
    timeout: Duration,
    base_url: &str,
    protocol: Protocol,
    key: Option<&ApiKey>,
) -> Result<Vec<String>, String> {
    let url = match protocol {
        Protocol::Openai => format!("{}/models", base_url.trim_end_matches('/')),
        Protocol::Ollama => format!("{}/api/tags", base_url.trim_end_matches('/')),
        Protocol::Dashscope => return Err("the native protocol has no model list".into()),
    };
    let mut req = http.get(&url);
    if let Some(k) = key {
        req = req.bearer_auth(k.expose());
    }
    let resp = tokio::time::timeout(timeout, req.send())
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| describe(&e))?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status().as_u16()));
    }
    let v: serde_json::Value = resp.json().await.map_err(|e| describe(&e))?;
    let (list, field) = match protocol {
        Protocol::Ollama => (&v["models"], "name"),
        _ => (&v["data"], "id"),
    };
    Ok(list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}
