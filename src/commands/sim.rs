//! `thinkbench sim`: the built-in Model Studio simulator as a standalone server.

use crate::cli::SimArgs;
use crate::exit;
use crate::sim::{Fault, SimConfig, Simulator};

pub async fn run(args: SimArgs) -> u8 {
    let fault = match args.fault.as_deref().map(str::parse::<Fault>) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            eprintln!("thinkbench sim: --fault: {e}");
            return exit::USAGE;
        }
    };
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        eprintln!("thinkbench sim: --rate must be a number of tokens per second (0 = unlimited)");
        return exit::USAGE;
    }
    let config = SimConfig {
        port: args.port,
        rate: (args.rate > 0.0).then_some(args.rate),
        fault,
        fault_times: args.fault_times,
        api_key: args.api_key,
        reasoning_tokens: args.reasoning_tokens,
        answer_tokens: args.answer_tokens,
        markers: args.markers,
        hostile: args.hostile,
        ..SimConfig::default()
    };
    let sim = match Simulator::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "thinkbench sim: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return exit::USAGE;
        }
    };
    println!("thinkbench simulator listening on http://{}", sim.addr());
    println!("  OpenAI-compatible base URL: {}", sim.openai_base_url());
    println!("  DashScope native base URL:  {}", sim.native_base_url());
    println!(
        "Try: thinkbench ask --base-url {} --api-key-env ANY_SET_VAR \"hello\"",
        sim.openai_base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    exit::OK
}
