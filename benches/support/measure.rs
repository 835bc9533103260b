//! `measure OUT CMD [ARGS…]`: run CMD, wait for it, and write what it cost to OUT as JSON:
//! CPU seconds (user + system of it and the children it waited for), peak resident memory and
//! wall time. Its pid is written to OUT.pid as soon as it runs.
//!
//! benches/run compiles this with plain `rustc` and starts every measured client through it:
//! a small process, so the peak memory it reports is the client's alone (a child forked from
//! the Python harness would carry the harness's own peak into its count).

use std::process::Command;
use std::time::Instant;

#[repr(C)]
struct Timeval {
    sec: i64,
    usec: i64,
}

#[repr(C)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, cmd) = match args.split_first() {
        Some((out, cmd)) if !cmd.is_empty() => (out.clone(), cmd.to_vec()),
        _ => {
            eprintln!("usage: measure OUT CMD [ARGS...]");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let child = match Command::new(&cmd[0]).args(&cmd[1..]).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("measure: cannot run {}: {e}", cmd[0]);
            std::process::exit(127);
        }
    };
    let pid = child.id() as i32;
    std::fs::write(format!("{out}.pid"), pid.to_string()).expect("write the pid file");
    let mut status = 0;
    let mut ru: Rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes the status and the usage structs it is given.
    let got = unsafe { wait4(pid, &mut status, 0, &mut ru) };
    let wall = start.elapsed().as_secs_f64();
    if got != pid {
        eprintln!("measure: wait4 failed");
        std::process::exit(1);
    }
    let secs = |t: &Timeval| t.sec as f64 + t.usec as f64 / 1e6;
    let code = if status & 0x7f == 0 { (status >> 8) & 0xff } else { 128 + (status & 0x7f) };
    let json = format!(
        "{{\"cpu\": {:.6}, \"rss_mb\": {:.3}, \"wall\": {wall:.6}, \"status\": {code}}}",
        secs(&ru.utime) + secs(&ru.stime),
        ru.maxrss as f64 / 1024.0,
    );
    let tmp = format!("{out}.tmp");
    std::fs::write(&tmp, json).expect("write the result");
    std::fs::rename(&tmp, &out).expect("move the result into place");
    std::process::exit(code);
}
