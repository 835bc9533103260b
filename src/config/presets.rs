//! Built-in providers: Model Studio in every region, the vendors' own APIs, local servers.

use crate::provider::dialect::{Dialect, Protocol};

/// A Model Studio region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Singapore,
    UsVirginia,
    Beijing,
    HongKong,
    Frankfurt,
    Tokyo,
}

impl Region {
    pub const ALL: [Region; 6] = [
        Region::Singapore,
        Region::UsVirginia,
        Region::Beijing,
        Region::HongKong,
        Region::Frankfurt,
        Region::Tokyo,
    ];

    pub fn parse(s: &str) -> Option<Region> {
        let s = s.to_ascii_lowercase();
        Region::ALL
            .into_iter()
            .find(|r| r.names().contains(&s.as_str()) || r.id() == s)
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Region::Singapore => &["singapore", "sg", "intl"],
            Region::UsVirginia => &["us", "virginia", "us-virginia"],
            Region::Beijing => &["beijing", "cn", "china"],
            Region::HongKong => &["hongkong", "hong-kong", "hk"],
            Region::Frankfurt => &["frankfurt", "eu", "germany"],
            Region::Tokyo => &["tokyo", "jp", "japan"],
        }
    }

    /// The region id used in workspace domains.
    pub fn id(self) -> &'static str {
        match self {
            Region::Singapore => "ap-southeast-1",
            Region::UsVirginia => "us-east-1",
            Region::Beijing => "cn-beijing",
            Region::HongKong => "cn-hongkong",
            Region::Frankfurt => "eu-central-1",
            Region::Tokyo => "ap-northeast-1",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Region::Singapore => "Singapore",
            Region::UsVirginia => "US (Virginia)",
            Region::Beijing => "China (Beijing)",
            Region::HongKong => "China (Hong Kong)",
            Region::Frankfurt => "Frankfurt",
            Region::Tokyo => "Tokyo",
        }
    }

    /// The shared (legacy) DashScope domain, where the region has one.
    pub fn legacy_root(self) -> Option<&'static str> {
        match self {
            Region::Singapore => Some("https://dashscope-intl.aliyuncs.com"),
            Region::UsVirginia => Some("https://dashscope-us.aliyuncs.com"),
            Region::Beijing => Some("https://dashscope.aliyuncs.com"),
            Region::HongKong => Some("https://cn-hongkong.dashscope.aliyuncs.com"),
            Region::Frankfurt | Region::Tokyo => None,
        }
    }

    /// The workspace-dedicated domain.
    pub fn workspace_root(self, workspace_id: &str) -> String {
        format!("https://{workspace_id}.{}.maas.aliyuncs.com", self.id())
    }
}

/// The path to append to a Model Studio domain for each protocol.
pub fn model_studio_path(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Dashscope => "/api/v1",
        _ => "/compatible-mode/v1",
    }
}

/// A built-in provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub dialect: Dialect,
    pub region: Option<Region>,
    /// For providers other than Model Studio: the base URL for the default protocol.
    pub base_url: Option<&'static str>,
    pub key_env: Option<&'static str>,
    pub key_required: bool,
    pub model: &'static str,
    pub about: &'static str,
}

const fn model_studio(name: &'static str, region: Region, about: &'static str) -> Preset {
    Preset {
        name,
        dialect: Dialect::ModelStudio,
        region: Some(region),
        base_url: None,
        key_env: Some("DASHSCOPE_API_KEY"),
        key_required: true,
        model: "qwen3.7-plus",
        about,
    }
}

const fn other(
    name: &'static str,
    dialect: Dialect,
    base_url: &'static str,
    key_env: Option<&'static str>,
    key_required: bool,
    model: &'static str,
    about: &'static str,
) -> Preset {
    Preset {
        name,
        dialect,
        region: None,
        base_url: Some(base_url),
        key_env,
        key_required,
        model,
        about,
    }
}

pub const PRESETS: &[Preset] = &[
    model_studio("modelstudio", Region::Singapore, "Model Studio, Singapore"),
    model_studio(
        "modelstudio-us",
        Region::UsVirginia,
        "Model Studio, US (Virginia)",
    ),
    model_studio(
        "modelstudio-cn",
        Region::Beijing,
        "Model Studio, China (Beijing)",
    ),
    model_studio(
        "modelstudio-hk",
        Region::HongKong,
        "Model Studio, China (Hong Kong)",
    ),
    model_studio(
        "modelstudio-eu",
        Region::Frankfurt,
        "Model Studio, Frankfurt (workspace domain)",
    ),
    model_studio(
        "modelstudio-jp",
        Region::Tokyo,
        "Model Studio, Tokyo (workspace domain)",
    ),
    other(
        "deepseek",
        Dialect::DeepSeek,
        "https://api.deepseek.com",
        Some("DEEPSEEK_API_KEY"),
        true,
        "deepseek-v4-flash",
        "DeepSeek API",
    ),
    other(
        "openrouter",
        Dialect::OpenRouter,
        "https://openrouter.ai/api/v1",
        Some("OPENROUTER_API_KEY"),
        true,
        "qwen/qwen3-max",
        "OpenRouter",
    ),
    other(
        "moonshot",
        Dialect::Moonshot,
        "https://api.moonshot.ai/v1",
        Some("MOONSHOT_API_KEY"),
        true,
        "kimi-k2.6",
        "Moonshot (Kimi) API",
    ),
    other(
        "zhipu",
        Dialect::Zhipu,
        "https://open.bigmodel.cn/api/paas/v4",
        Some("ZHIPU_API_KEY"),
        true,
        "glm-5.1",
        "Zhipu GLM API",
    ),
    other(
        "ollama",
        Dialect::Ollama,
        "http://localhost:11434",
        None,
        false,
        "qwen3:8b",
        "local Ollama (native /api/chat)",
    ),
    other(
        "vllm",
        Dialect::Vllm,
        "http://localhost:8000/v1",
        Some("VLLM_API_KEY"),
        false,
        "Qwen/Qwen3-8B",
        "local vLLM server",
    ),
    other(
        "llamacpp",
        Dialect::LlamaCpp,
        "http://localhost:8080/v1",
        Some("LLAMA_API_KEY"),
        false,
        "default",
        "local llama.cpp llama-server",
    ),
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
