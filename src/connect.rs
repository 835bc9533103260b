//! From command-line flags and the config file to a live connection: provider, key, model,
//! HTTP client, and in demo mode the in-process simulator.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::cli::ConnectArgs;
use crate::config::{Config, ConfigError, KeySource, KeyWait, ProviderSpec};
use crate::provider::client::{ApiKey, Client};
use crate::provider::dialect::{Dialect, Protocol};
use crate::provider::route::Route;
use crate::sim::{SimConfig, Simulator};

/// Environment variable that sets the demo simulator's speed in tokens per second
/// (`0` = as fast as possible).
pub const DEMO_RATE_ENV: &str = "THINKBENCH_SIM_RATE";

/// How to open a connection.
#[derive(Debug, Clone, Default)]
pub struct Opening {
    /// In demo mode, the simulator's speed in tokens per second (`Some(None)`: as fast as
    /// possible); `None` reads [`DEMO_RATE_ENV`].
    pub demo_rate: Option<Option<f64>>,
    /// How long a key command may take.
    pub key_wait: KeyWait,
}

/// Everything needed to send requests.
pub struct Connection {
    pub spec: ProviderSpec,
    pub key: Option<ApiKey>,
    pub model: String,
    /// The provider as requests see it (with the catalog).
    pub route: Route,
    pub client: Client,
    /// Why demo mode was chosen, when it was chosen without `--demo`.
    pub notice: Option<String>,
    /// The in-process simulator (demo mode); kept alive as long as the connection.
    pub demo: Option<Simulator>,
}

impl Connection {
    /// Resolve the provider and key; start the simulator in demo mode.
    pub async fn open(args: &ConnectArgs, config: &Config) -> Result<Connection, ConfigError> {
        Connection::open_with(args, config, Opening::default()).await
    }

    /// As [`Connection::open`], with the demo speed and key-command time limit of `how`. A key
    /// command runs on a blocking thread, never on the caller's.
    pub async fn open_with(
        args: &ConnectArgs,
        config: &Config,
        how: Opening,
    ) -> Result<Connection, ConfigError> {
        let catalog = Arc::new(config.catalog());
        let client = Client::new(config.network()).map_err(ConfigError::new)?;
        // Naming a provider, a URL or a key variable means "talk to that": a missing key is
        // then an error, never a quiet switch to the simulator.
        let explicit =
            args.provider.is_some() || args.base_url.is_some() || args.api_key_env.is_some();
        let mut notice = None;
        let spec = if args.demo {
            None
        } else {
            let name = args
                .provider
                .clone()
                .unwrap_or_else(|| config.default_provider().to_string());
            let mut spec = config.provider(&name)?;
            if let Some(p) = &args.protocol {
                spec = spec.with_protocol(parse_protocol(p)?)?;
            }
            if let Some(url) = &args.base_url {
                spec.base_url = url.clone();
            }
            if let Some(var) = &args.api_key_env {
                if !looks_like_env_name(var) {
                    // Most likely a key pasted where its variable's name belongs: never echo it.
                    return Err(ConfigError::new(
                        "--api-key-env takes the NAME of an environment variable (like DASHSCOPE_API_KEY), not the key itself",
                    ));
                }
                spec.key.env = Some(var.clone());
                spec.key.cmd = None;
            }
            if args.base_url.is_some() {
                // The preset's region says nothing about another host.
                spec.region = None;
                spec.workspace = false;
            }
            if spec.key.required && !spec.key.configured() && !explicit && config.provider.is_none()
            {
                notice = Some(format!(
                    "no API key ({} is not set): using the built-in simulator (demo mode)",
                    spec.key.env.as_deref().unwrap_or("api_key_env")
                ));
                None
            } else {
                Some(spec)
            }
        };
        if let Some(spec) = &spec
            && let Some(host) = public_plain_http(&spec.base_url)
        {
            let allowed = args.allow_http
                || config
                    .providers
                    .get(&spec.name)
                    .and_then(|p| p.allow_http)
                    .unwrap_or(false);
            if !allowed {
                return Err(ConfigError::new(format!(
                    "provider \"{}\": {} is plain HTTP to a public host ({host}): the API key \
                     and every prompt would cross the network unencrypted. Use https://, or \
                     accept it with --allow-http (allow_http = true under [providers.{}])",
                    spec.name, spec.base_url, spec.name
                )));
            }
        }
        let (spec, key, demo) = match spec {
            Some(spec) => {
                let (source, name) = (spec.key.clone(), spec.name.clone());
                let wait = how.key_wait.clone();
                let key = tokio::task::spawn_blocking(move || source.read(&name, &wait))
                    .await
                    .map_err(|e| ConfigError::new(format!("reading the API key failed: {e}")))??;
                (spec, key, None)
            }
            None => {
                let protocol = match &args.protocol {
                    Some(p) => parse_protocol(p)?,
                    None => Protocol::Openai,
                };
                let sim = start_demo(Catalog::clone(&catalog), how.demo_rate).await?;
                let base_url = match protocol {
                    Protocol::Dashscope => sim.native_base_url(),
                    _ => sim.openai_base_url(),
                };
                let spec = ProviderSpec {
                    name: "demo".into(),
                    dialect: Dialect::ModelStudio,
                    protocol,
                    base_url,
                    region: None,
                    workspace: false,
                    key: KeySource::default(),
                    model: "qwen3.7-plus".into(),
                    think_tags: None,
                };
                (spec, Some(ApiKey::new("demo")), Some(sim))
            }
        };
        let model = args
            .model
            .clone()
            .or_else(|| config.model.clone().filter(|_| demo.is_none()))
            .unwrap_or_else(|| spec.model.clone());
        if model.trim().is_empty() {
            return Err(ConfigError::new(format!(
                "no model for provider \"{}\": pass --model or set model under [providers.{}]",
                spec.name, spec.name
            )));
        }
        let route = Route {
            dialect: spec.dialect,
            protocol: spec.protocol,
            base_url: spec.base_url.clone(),
            think_tags: spec.think_tags,
            catalog,
        };
        Ok(Connection {
            spec,
            key,
            model,
            route,
            client,
            notice,
            demo,
        })
    }

    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }

    /// A short label for status lines: `modelstudio (Singapore, openai)` or `DEMO`.
    pub fn label(&self) -> String {
        if self.is_demo() {
            return format!("DEMO simulator ({})", self.spec.protocol.as_str());
        }
        let mut label = match self.spec.region {
            Some(r) => format!(
                "{} ({}, {})",
                self.spec.name,
                r.label(),
                self.spec.protocol.as_str()
            ),
            None => format!("{} ({})", self.spec.name, self.spec.protocol.as_str()),
        };
        if public_plain_http(&self.spec.base_url).is_some() {
            label.push_str(" · ⚠ plain HTTP");
        }
        label
    }
}

/// The host of `url` when it is plain `http://` to a host that is neither loopback nor on a
/// private network: where a key sent in the clear could be read on the way.
pub fn public_plain_http(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let local = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
        // A name: localhost, a bare LAN name, or a name under a private-use suffix.
        Err(_) => {
            host == "localhost"
                || !host.contains('.')
                || [
                    ".localhost",
                    ".local",
                    ".lan",
                    ".internal",
                    ".home.arpa",
                    ".test",
                ]
                .iter()
                .any(|s| host.ends_with(s))
        }
    };
    (!local && !host.is_empty()).then_some(host)
}

fn parse_protocol(s: &str) -> Result<Protocol, ConfigError> {
    Protocol::parse(s).ok_or_else(|| {
        ConfigError::new(format!(
            "--protocol {s}: expected openai, dashscope or ollama"
        ))
    })
}

async fn start_demo(catalog: Catalog, rate: Option<Option<f64>>) -> Result<Simulator, ConfigError> {
    let mut cfg = crate::sim::demo_config();
    cfg.catalog = catalog;
    if let Some(rate) = rate {
        cfg.rate = rate;
        return start_sim(cfg).await;
    }
    if let Ok(v) = std::env::var(DEMO_RATE_ENV) {
        let rate: f64 = v.trim().parse().map_err(|_| {
            ConfigError::new(format!("{DEMO_RATE_ENV}={v}: expected tokens per second"))
        })?;
        cfg.rate = (rate > 0.0).then_some(rate);
    }
    start_sim(cfg).await
}

async fn start_sim(cfg: SimConfig) -> Result<Simulator, ConfigError> {
    Simulator::start(cfg)
        .await
        .map_err(|e| ConfigError::new(format!("cannot start the built-in simulator: {e}")))
}

fn looks_like_env_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && !s.starts_with("sk-")
}

#[cfg(test)]
mod plain_http_tests {
    use super::public_plain_http;

    #[test]
    fn plain_http_is_public_only_off_the_local_and_private_networks() {
        for local in [
            "http://127.0.0.1:8000/v1",
            "http://localhost:11434",
            "http://[::1]:8080/v1",
            "http://10.1.2.3/v1",
            "http://172.20.0.5:8000",
            "http://192.168.1.9:8080/v1",
            "http://169.254.1.1",
            "http://[fd00::1]:8000",
            "http://gpu-box:8000/v1",
            "http://llm.internal/v1",
            "http://mac.local:1234",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        ] {
            assert_eq!(public_plain_http(local), None, "{local}");
        }
        for (public, host) in [
            (
                "http://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                "dashscope-intl.aliyuncs.com",
            ),
            ("http://user:pw@8.8.8.8:80/v1", "8.8.8.8"),
            ("http://[2001:db8::1]/v1", "2001:db8::1"),
            ("http://Example.COM.", "example.com"),
        ] {
            assert_eq!(public_plain_http(public).as_deref(), Some(host), "{public}");
        }
    }
}
