use std::process::ExitCode;

use clap::Parser;
use thinkbench::cli::{Cli, Command};
use thinkbench::commands;

fn main() -> ExitCode {
    thinkbench::tui::bench_log::process_started();
    let cli = Cli::parse();
    // `ask` and the workbench run on one thread: a stream chunk is read, decoded and handed to
    // the UI loop without a cross-thread wake-up (blocking work such as the session store
    // has its own threads). The simulator and `compare` serve several streams at once.
    let runtime = match &cli.command {
        Some(Command::Ask(_)) | None => tokio::runtime::Builder::new_current_thread()
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
