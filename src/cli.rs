//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "thinkbench",
    version,
    about = "A terminal workbench for deep-thinking LLMs: live reasoning, per-message thinking controls, usage and budget gauges.",
    after_help = "With no API key configured, thinkbench runs against its built-in Model Studio simulator (demo mode)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Theme: dark, light, high-contrast, or a file name in the user themes directory.
    #[arg(long, global = false)]
    pub theme: Option<String>,
    #[command(flatten)]
    pub compare: CompareArgs,
    #[command(flatten)]
    pub resume: ResumeArgs,
}

/// Which stored session the workbench opens.
#[derive(Debug, Clone, Default, Args)]
pub struct ResumeArgs {
    /// Reopen the last session (the most recently changed one).
    #[arg(long = "continue", short = 'c', conflicts_with = "session")]
    pub continue_last: bool,
    /// Reopen session ID (or the one session whose id starts with it); see `thinkbench
    /// sessions list`.
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Do not store this session (nothing is written to the session database).
    #[arg(long, conflicts_with_all = ["continue_last", "session"])]
    pub no_store: bool,
}

/// Open the workbench comparing targets side by side.
#[derive(Debug, Clone, Default, Args)]
pub struct CompareArgs {
    /// Compare 2–4 targets: MODEL[@think=on|off][,budget=N][,preserve=on|off][,provider=NAME],
    /// separated by commas.
    #[arg(long, value_name = "T1,T2[,T3,T4]")]
    pub compare: Option<String>,
    /// Compare the model (of --model, or the one target of --compare) under several thinking
    /// settings: `think` (on vs off) or `budget=N[,N…]` (plus thinking off where the model is
    /// hybrid).
    #[arg(long, value_name = "think|budget=N,…")]
    pub sweep: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask one question and stream the reasoning (stderr) and answer (stdout).
    Ask(AskArgs),
    /// Send one prompt to several targets at once and compare what came back (a table, or
    /// JSON).
    Compare(CompareCmdArgs),
    /// Run the built-in Model Studio simulator as an HTTP server on 127.0.0.1.
    Sim(SimArgs),
    /// Saved sessions: list, search, export, import, rename, delete.
    Sessions(SessionsArgs),
    /// Render the README screenshots from the real render code (SVG, and PNG with --png).
    #[command(hide = true)]
    Screenshots(ScreenshotArgs),
}

/// Which server to talk to, and how.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectArgs {
    /// Provider name: a built-in preset (modelstudio, modelstudio-us, modelstudio-cn,
    /// modelstudio-hk, modelstudio-eu, modelstudio-jp, deepseek, openrouter, moonshot, zhipu,
    /// ollama, vllm, llamacpp) or one defined in the config file.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Override the provider's base URL (OpenAI style base, or the DashScope API base for
    /// --protocol dashscope).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Wire protocol: openai (compatible mode), dashscope (native) or ollama (native).
    #[arg(long, value_name = "openai|dashscope|ollama")]
    pub protocol: Option<String>,
    /// Read the API key from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Accept a plain http:// base URL on a public host (the key and every prompt then cross
    /// the network unencrypted). Loopback and private hosts never need it.
    #[arg(long)]
    pub allow_http: bool,
    /// Model name (case-sensitive, as on the wire).
    #[arg(long, short = 'm', value_name = "M")]
    pub model: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/thinkbench/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use the built-in simulator instead of a real server.
    #[arg(long)]
    pub demo: bool,
}

impl ConnectArgs {
    /// These flags for provider `name` (`demo`: the built-in simulator): only the config file
    /// is kept, since the other flags named another server.
    pub fn for_provider(&self, name: &str) -> ConnectArgs {
        let demo = name == "demo";
        ConnectArgs {
            provider: (!demo).then(|| name.to_string()),
            base_url: None,
            protocol: None,
            api_key_env: None,
            allow_http: false,
            model: None,
            config: self.config.clone(),
            demo,
        }
    }
}

#[derive(Debug, Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Ask the model to think.
    #[arg(long, conflicts_with = "no_think")]
    pub think: bool,
    /// Ask the model not to think.
    #[arg(long)]
    pub no_think: bool,
    /// Thinking budget in tokens (thinking_budget).
    #[arg(long, value_name = "N", value_parser = parse_budget, allow_negative_numbers = true)]
    pub budget: Option<u32>,
    /// Send earlier reasoning back (preserve_thinking; only for models that support it).
    #[arg(long)]
    pub preserve_thinking: bool,
    /// Print one JSON object at the end instead of streaming text.
    #[arg(long)]
    pub json: bool,
    /// Continue saved session ID (a unique prefix will do): its conversation goes on the wire
    /// before the prompt, and the new turn is saved to it. `new` starts a session.
    #[arg(long, value_name = "ID|new")]
    pub session: Option<String>,
    #[command(flatten)]
    pub request: RequestArgs,
}

/// What a headless command sends besides the model and its thinking settings.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Cap the answer length in tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[arg(long, value_name = "T")]
    pub temperature: Option<f32>,
    /// System prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// The prompt; `-` or nothing reads it from standard input.
    #[arg(value_name = "PROMPT")]
    pub prompt: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareCmdArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// A target: MODEL[@think=on|off][,budget=N][,preserve=on|off][,provider=NAME]. Give it
    /// once per target, or several separated by commas (1 to 8 in all).
    #[arg(
        long = "target",
        short = 't',
        value_name = "TARGET",
        conflicts_with = "model"
    )]
    pub targets: Vec<String>,
    /// Compare one model (the one --target, or --model, or the provider's default) under
    /// several thinking settings: `think` (on vs off) or `budget=N[,N…]` (plus thinking off
    /// where the model is hybrid).
    #[arg(long, value_name = "think|budget=N,…")]
    pub sweep: Option<String>,
    /// Run each target N times, one after another (the table shows medians and ranges).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Print a JSON array (one object per target and run) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Save the prompt and the runs as compare columns of session ID (a unique prefix will
    /// do), or of a `new` one. The prompt is still sent without the session's history.
    #[arg(long, value_name = "ID|new")]
    pub session: Option<String>,
    #[command(flatten)]
    pub request: RequestArgs,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(subcommand)]
    pub command: SessionsCommand,
}

/// What `thinkbench sessions` does. An ID may be given as a unique prefix of one.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// The saved sessions, the most recently updated first.
    List {
        /// Print a JSON array instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Search prompts, answers and reasoning (words, "a phrase", word*).
    Search {
        /// What to look for; several words must all match.
        #[arg(value_name = "QUERY", required = true)]
        query: Vec<String>,
        /// Print a JSON array instead of text (turn and column count from 1).
        #[arg(long)]
        json: bool,
    },
    /// Write a session as Markdown (to read) or JSON (to import again).
    Export {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to FILE (made readable by you only) instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Store a session exported as JSON (`-` reads standard input); prints its new id.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Delete a session.
    Delete {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Give a session a title (kept from then on).
    Rename {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(value_name = "TITLE")]
        title: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Markdown.
    #[value(alias = "markdown")]
    Md,
    /// JSON, complete enough for `sessions import`.
    Json,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Tokens per second per stream (0: as fast as possible).
    #[arg(long, value_name = "TOKENS_PER_S", default_value_t = 60.0)]
    pub rate: f64,
    /// Fault to inject: 401, 403, 429, 429-bare, 429-ms, 500, 502, 503, reset, hang, drop,
    /// stall, malformed, error-event, no-finish, html, gzip, huge-line, trickle.
    #[arg(long, value_name = "KIND")]
    pub fault: Option<String>,
    /// Inject the fault into the first N requests only (default: every request).
    #[arg(long, value_name = "N")]
    pub fault_times: Option<u32>,
    /// Reasoning length of every answer in tokens (default: varies with the prompt).
    #[arg(long, value_name = "N")]
    pub reasoning_tokens: Option<usize>,
    /// Answer length of every answer in tokens (default: varies with the prompt).
    #[arg(long, value_name = "N")]
    pub answer_tokens: Option<usize>,
    /// End every reasoning with "RSN-END-QZ" and every answer with a line "ANS-END-QZ"
    /// (benchmarks look for them on screen; the lengths stay as set).
    #[arg(long)]
    pub markers: bool,
    /// Hostile text instead of generated text: "escapes" (terminal escape and control
    /// sequences, bidi overrides, zero-width characters) or "huge" (a line of a million
    /// characters, then 50,000 lines).
    #[arg(long, value_name = "KIND", default_value = "off")]
    pub hostile: crate::sim::Hostile,
    /// Accept only this API key (default: any non-empty key).
    #[arg(
        long,
        value_name = "KEY",
        env = "THINKBENCH_SIM_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScreenshotArgs {
    /// Output directory.
    #[arg(long, default_value = "screenshots")]
    pub out: PathBuf,
    /// Also rasterise to PNG (needs the `png` feature).
    #[arg(long)]
    pub png: bool,
}

fn parse_budget(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n > 0 && n <= u32::MAX as i64 => Ok(n as u32),
        Ok(_) => Err("the thinking budget must be a positive number of tokens".into()),
        Err(_) => Err(format!(
            "\"{s}\" is not a number; the thinking budget is a positive number of tokens"
        )),
    }
}
