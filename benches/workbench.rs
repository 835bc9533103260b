//! Workbench benchmark: the real event loop and renderer, fed by the simulator at full speed.
//!
//! The simulator runs as a separate process (`thinkbench sim --rate 0`), so the CPU measured
//! here is the workbench's own: HTTP client, decoder, event bus, `update`, rendering and
//! terminal output (a crossterm backend writing real escape sequences to /dev/null).
//!
//! Reports CPU seconds per 1,000 chunks, frames drawn, peak memory, idle CPU, and — as a
//! yardstick — the CPU that `thinkbench ask` (a plain printer of the same stream) needs.
//!
//!     cargo bench --bench workbench
//!     cargo bench --bench workbench -- --chunks 20000 --width 200 --height 60 --rate 2000
//!     cargo bench --bench workbench -- --rate 2000 --chunks 6000 --history 200
//!
//! `--history N` puts N finished messages (Markdown with a table and a code block) in the
//! conversation first: the cost of a frame should not grow with the history.
//!
//!     cargo bench --bench workbench -- --compare 4
//!
//! `--compare N` streams the prompt to N compare columns at once (thinking on with
//! different budgets, and off); chunks are counted over all columns.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use thinkbench::app::state::State;
use thinkbench::cli::ConnectArgs;
use thinkbench::tui::harness::typed;
use thinkbench::tui::run::{event_loop, prepare};

#[path = "support/history.rs"]
mod history;
use history::fill_history;

const BIN: &str = env!("CARGO_BIN_EXE_thinkbench");

fn cpu(who: i32) -> Duration {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(u.ru_utime) + t(u.ru_stime)
}

/// Peak resident memory of this process. (`getrusage`'s `ru_maxrss` would include the
/// memory of the process that forked us, `cargo`.)
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

struct Sim {
    child: Child,
    base: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(rate: usize, reasoning: usize, answer: usize) -> Sim {
    let mut child = Command::new(BIN)
        .args([
            "sim",
            "--rate",
            &rate.to_string(),
            "--reasoning-tokens",
            &reasoning.to_string(),
            "--answer-tokens",
            &answer.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the simulator");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.trim().strip_prefix("OpenAI-compatible base URL:") {
            base = url.trim().to_string();
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(!base.is_empty(), "the simulator printed its base URL");
    Sim { child, base }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore the harness flags we do not use.
    let chunks = arg("--chunks", 12_000);
    let (width, height) = (arg("--width", 160) as u16, arg("--height", 48) as u16);
    let reasoning = chunks * 2 / 3;
    let answer = chunks - reasoning;
    // Tokens per second per stream; 0 = as fast as the simulator can go.
    let rate = arg("--rate", 0);
    let history = arg("--history", 0);
    let compare = arg("--compare", 0);
    let sim = start_sim(rate, reasoning, answer);
    let home = tempfile_dir();
    let config = format!("{home}/config.toml");
    std::fs::write(
        &config,
        format!("[providers.bench]\nkind = \"modelstudio\"\nbase_url = \"{}\"\napi_key_cmd = \"echo sk-bench\"\n", sim.base),
    )
    .unwrap();
    let args = ConnectArgs {
        provider: Some("bench".into()),
        config: Some(config.clone().into()),
        model: Some("qwen3.7-plus".into()),
        ..ConnectArgs::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let prompt = "Write a long explanation of how B-trees work.";

    // 1. The workbench: type the prompt, stream to the end.
    let (stats, wall, cpu_used, streamed, idle_cpu, frames_total) = rt.block_on(async {
        let mut wb = prepare(&args, Some("dark")).await.expect("workbench");
        fill_history(&mut wb.state, history);
        if compare > 0 {
            let targets = [
                "qwen3.7-plus",
                "qwen3.7-plus@budget=1000000",
                "qwen3.7-plus@budget=2000000",
                "qwen3.7-plus@budget=3000000",
            ];
            let list = targets[..compare.clamp(2, 4)].join(",");
            thinkbench::app::update::start_compare(&mut wb.state, Some(&list), None)
                .expect("compare targets");
        }
        // A fixed size: with no terminal to ask, crossterm would run `tput` for the size on
        // every frame, and the benchmark would measure that.
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(std::io::sink()),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, width, height)),
            },
        )
        .unwrap();
        let events = futures_util::stream::iter(typed(prompt).into_iter().map(Ok))
            .chain(futures_util::stream::pending());
        let done = move |s: &State| {
            !s.is_running()
                && match &s.compare {
                    Some(c) => c.columns.iter().all(|col| col.latest().is_some()),
                    None => s.conversation.turns.len() == history + 1,
                }
        };
        let (c0, t0) = (cpu(libc::RUSAGE_SELF), Instant::now());
        let stats = event_loop(
            &mut terminal,
            Box::pin(events),
            &mut wb,
            Some(Box::new(done)),
        )
        .await
        .unwrap();
        let (wall, cpu_used) = (t0.elapsed(), cpu(libc::RUSAGE_SELF) - c0);
        let answers: Vec<&thinkbench::session::Variant> = match &wb.state.compare {
            Some(c) => c.columns.iter().filter_map(|col| col.latest()).collect(),
            None => wb.state.selected_variant().into_iter().collect(),
        };
        let mut streamed = 0;
        for v in answers {
            assert!(
                matches!(v.status, thinkbench::session::Status::Complete),
                "{:?}",
                v.status
            );
            streamed += v
                .reply
                .usage
                .as_ref()
                .and_then(|u| u.output_tokens)
                .unwrap_or(0);
        }
        // 2. Idle: nothing happens for 3 s; the loop should not wake at all.
        let idle_events = futures_util::stream::pending::<std::io::Result<Event>>();
        let c1 = cpu(libc::RUSAGE_SELF);
        let idle = tokio::time::timeout(
            Duration::from_secs(3),
            event_loop(&mut terminal, Box::pin(idle_events), &mut wb, None),
        )
        .await;
        assert!(idle.is_err(), "the idle loop runs until the timeout");
        let idle_cpu = cpu(libc::RUSAGE_SELF) - c1;
        (stats, wall, cpu_used, streamed, idle_cpu, wb.view.frames)
    });
    let rss = peak_rss_mb();

    // 3. The yardstick: `thinkbench ask` printing the same stream.
    let c0 = cpu(libc::RUSAGE_CHILDREN);
    let t0 = Instant::now();
    let out = Command::new(BIN)
        .args([
            "ask",
            "--config",
            &config,
            "--provider",
            "bench",
            "--model",
            "qwen3.7-plus",
            prompt,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run ask");
    assert!(out.success());
    let ask_wall = t0.elapsed();
    let ask_cpu = cpu(libc::RUSAGE_CHILDREN) - c0;

    let per_k = |d: Duration| d.as_secs_f64() * 1000.0 / (streamed.max(1) as f64 / 1000.0);
    println!("thinkbench workbench benchmark");
    println!(
        "  screen                    {width}x{height}, crossterm backend writing to /dev/null"
    );
    let speed = if rate == 0 {
        "full speed".to_string()
    } else {
        format!("{rate} tokens/s")
    };
    println!("  simulator                 separate process, {speed}");
    println!("  history                   {history} finished messages before the stream");
    if compare > 0 {
        println!(
            "  compare                   {} columns streaming at once",
            compare.clamp(2, 4)
        );
    }
    println!(
        "  chunks streamed           {streamed} ({reasoning} reasoning + {answer} answer tokens, one per chunk)"
    );
    println!("  wall time                 {:.2} s", wall.as_secs_f64());
    println!(
        "  CPU time                  {:.3} s = {:.1} ms per 1,000 chunks",
        cpu_used.as_secs_f64(),
        per_k(cpu_used)
    );
    println!(
        "  frames drawn              {} ({} loop wake-ups, {} actions)",
        stats.frames, stats.wakeups, stats.actions
    );
    println!("  peak memory (RSS)         {rss:.1} MB");
    println!(
        "  idle CPU over 3 s         {:.4} s ({} frames drawn while idle)",
        idle_cpu.as_secs_f64(),
        frames_total - stats.frames
    );
    println!(
        "  `thinkbench ask`, same stream: {:.3} s CPU = {:.1} ms per 1,000 chunks ({:.2} s wall)",
        ask_cpu.as_secs_f64(),
        per_k(ask_cpu),
        ask_wall.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&home);
}

fn tempfile_dir() -> String {
    let dir = std::env::temp_dir().join(format!("thinkbench-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_string_lossy().into_owned()
}
