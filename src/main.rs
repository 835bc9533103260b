use std::process::ExitCode;

use clap::Parser;
use thinkbench::cli::{Cli, Command};
use thinkbench::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `ask` is one stream printed as it comes: a single thread avoids a cross-thread wake-up
    // per chunk. The workbench and the simulator serve several things at once.
    let runtime = match &cli.command {
        Some(Command::Ask(_)) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("thinkbench: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Some(Command::Ask(args)) => commands::ask::run(args).await,
            Some(Command::Compare(args)) => commands::compare::run(args).await,
            Some(Command::Sim(args)) => commands::sim::run(args).await,
            Some(Command::Sessions(args)) => commands::sessions::run(args),
            Some(Command::Screenshots(args)) => commands::screenshots::run(args).await,
            None => {
                thinkbench::tui::run::run(cli.connect, cli.theme, cli.compare, cli.resume).await
            }
        }
    });
    // Do not wait for background tasks (a demo simulator, a stalled connection).
    runtime.shutdown_background();
    ExitCode::from(code)
}
