//! `thinkbench screenshots`: the README screenshots, rendered from the real render code. The
//! workbench runs against the built-in simulator with scripted key presses, and the last frame
//! of each scene is turned into SVG (and PNG with the `png` feature).

use std::io;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::buffer::Buffer;

use crate::app::state::State;
use crate::app::{Action, update};
use crate::cli::ScreenshotArgs;
use crate::exit;
use crate::session::store::Store;
use crate::tui::harness::{chars, demo_bench, drive, frame, idle_after, key, typed};
use crate::tui::run::{Workbench, now_ms};
use crate::tui::storage::{self, Resume};
use crate::tui::svg::{SvgOptions, buffer_to_svg};
use crate::tui::theme::Theme;

/// Render every scene into `args.out` and list the files written.
pub async fn run(args: ScreenshotArgs) -> u8 {
    match write_all(&args).await {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("thinkbench screenshots: {e}");
            exit::FAILURE
        }
    }
}

fn svg_options(theme: &Theme, title: &str) -> SvgOptions {
    let bg = match theme.name.as_str() {
        "light" => (0xff, 0xff, 0xff),
        "high-contrast" => (0, 0, 0),
        _ => (0x1c, 0x1f, 0x26),
    };
    let fg = crate::tui::svg::color_to_rgb(
        theme.text.fg.unwrap_or(ratatui::style::Color::Reset),
        (0xd8, 0xde, 0xe9),
    );
    SvgOptions {
        default_bg: bg,
        default_fg: fg,
        title: Some(title.to_string()),
        font_family: format!("{}, Symbola", crate::tui::svg::DEFAULT_FONT_FAMILY),
        ..SvgOptions::default()
    }
}

fn write(
    out: &Path,
    name: &str,
    buf: &Buffer,
    theme: &Theme,
    png: bool,
    files: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let svg = buffer_to_svg(buf, &svg_options(theme, &format!("thinkbench — {name}")));
    let path = out.join(format!("{name}.svg"));
    std::fs::write(&path, &svg).map_err(|e| format!("{}: {e}", path.display()))?;
    files.push(path);
    if png {
        #[cfg(feature = "png")]
        {
            let bytes = crate::tui::svg::svg_to_png(&svg, 1.0)?;
            let path = out.join(format!("{name}.png"));
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push(path);
        }
        #[cfg(not(feature = "png"))]
        return Err("PNG output needs the `png` feature: cargo run --release --features png -- screenshots --png".into());
    }
    Ok(())
}

/// Let notices expire, so a screenshot shows the settled screen.
fn settle(wb: &mut Workbench) {
    update(&mut wb.state, Action::Tick(now_ms() + 60_000));
}

/// Render every scene into `args.out`.
async fn write_all(args: &ScreenshotArgs) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut files = Vec::new();
    let io = |e: io::Error| e.to_string();

    // 1. Mid-stream: reasoning streaming, budget gauge filling, answer beginning.
    let (mut term, mut wb) = demo_bench("dark", Some(400.0)).await?;
    drive(
        &mut term,
        &mut wb,
        typed("Why do leaves change colour in autumn? Show me a small table."),
        idle_after(1),
    )
    .await
    .map_err(io)?;
    settle(&mut wb);
    let mut events = vec![key(KeyCode::Char('b'), KeyModifiers::CONTROL)];
    events.extend(chars("2000"));
    events.push(key(KeyCode::Enter, KeyModifiers::NONE));
    events.extend(typed("Now compare quicksort and mergesort, with code."));
    drive(&mut term, &mut wb, events, |s: &State| {
        s.conversation.turns.len() == 2
            && s.selected_variant()
                .is_some_and(|v| v.reply.answer.len() > 400 && v.status.is_running())
    })
    .await
    .map_err(io)?;
    let buf = frame(&mut term, &mut wb);
    write(
        &args.out,
        "workbench-streaming",
        &buf,
        &wb.view.theme,
        args.png,
        &mut files,
    )?;

    // 2. The help overlay over the same conversation, once the stream has finished.
    drive(&mut term, &mut wb, vec![], idle_after(2))
        .await
        .map_err(io)?;
    settle(&mut wb);
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(1), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .map_err(io)?;
    let buf = frame(&mut term, &mut wb);
    write(
        &args.out,
        "help",
        &buf,
        &wb.view.theme,
        args.png,
        &mut files,
    )?;
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::Esc, KeyModifiers::NONE)],
        |s: &State| s.overlays.is_empty(),
    )
    .await
    .map_err(io)?;

    // 3. A finished conversation (thinking on, then off for a second message) in each theme.
    let (mut term, mut wb) = demo_bench("dark", Some(300.0)).await?;
    drive(
        &mut term,
        &mut wb,
        typed("What is the capital of Australia, and why not Sydney?"),
        idle_after(1),
    )
    .await
    .map_err(io)?;
    let mut events = vec![key(KeyCode::Char('t'), KeyModifiers::CONTROL)];
    events.extend(typed("Summarise that in one sentence."));
    drive(&mut term, &mut wb, events, idle_after(2))
        .await
        .map_err(io)?;
    // Select the first answer so the reasoning pane shows its trace.
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::Up, KeyModifiers::CONTROL)],
        |s: &State| s.selected == Some(0),
    )
    .await
    .map_err(io)?;
    settle(&mut wb);
    for name in Theme::builtin_names() {
        wb.view.theme = Theme::builtin(name);
        let buf = frame(&mut term, &mut wb);
        write(
            &args.out,
            &format!("finished-{name}"),
            &buf,
            &wb.view.theme,
            args.png,
            &mut files,
        )?;
    }
    // 4. Compare: one prompt to the model with thinking on and off, side by side.
    let (mut term, mut wb) = demo_bench("dark", Some(400.0)).await?;
    let mut events = vec![
        key(KeyCode::F(4), KeyModifiers::NONE),
        key(KeyCode::Enter, KeyModifiers::NONE),
    ];
    events.extend(typed("Why is the sky blue? Keep it short."));
    drive(&mut term, &mut wb, events, compare_done)
        .await
        .map_err(io)?;
    settle(&mut wb);
    let buf = frame(&mut term, &mut wb);
    write(
        &args.out,
        "compare",
        &buf,
        &wb.view.theme,
        args.png,
        &mut files,
    )?;

    // 5. A budget sweep, with its chart.
    let (mut term, mut wb) = demo_bench("dark", Some(400.0)).await?;
    let mut events = vec![key(KeyCode::F(4), KeyModifiers::NONE)];
    events.extend((0..80).map(|_| key(KeyCode::Backspace, KeyModifiers::NONE)));
    events.extend(typed("sweep budget=100,400,1600"));
    events.extend(typed("Prove that there are infinitely many primes."));
    drive(&mut term, &mut wb, events, compare_done)
        .await
        .map_err(io)?;
    settle(&mut wb);
    drive(
        &mut term,
        &mut wb,
        vec![key(KeyCode::F(8), KeyModifiers::NONE)],
        |s: &State| !s.overlays.is_empty(),
    )
    .await
    .map_err(io)?;
    let buf = frame(&mut term, &mut wb);
    write(
        &args.out,
        "sweep",
        &buf,
        &wb.view.theme,
        args.png,
        &mut files,
    )?;
    sessions_scene(args, &mut files).await?;
    Ok(files)
}

/// 6. The session list searching three stored sessions (in a scratch database).
async fn sessions_scene(args: &ScreenshotArgs, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let io = |e: io::Error| e.to_string();
    let dir = std::env::temp_dir().join(format!("thinkbench-shots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(dir.join("sessions.db")).map_err(|e| e.to_string())?;
    let (mut term, mut wb) = demo_bench("dark", Some(2000.0)).await?;
    wb.persist = storage::attach(&mut wb.state, &mut wb.effects, Ok(store), Resume::New)?;
    let prompts = [
        &["Why is the sky blue?", "And why are sunsets red?"][..],
        &["Explain Rust lifetimes with a small example."][..],
        &["What makes the tides rise twice a day?"][..],
    ];
    for (i, session) in prompts.iter().enumerate() {
        if i > 0 {
            let events = vec![key(KeyCode::Char('n'), KeyModifiers::CONTROL)];
            drive(&mut term, &mut wb, events, |s: &State| {
                s.conversation.turns.is_empty()
            })
            .await
            .map_err(io)?;
        }
        for (j, p) in session.iter().enumerate() {
            drive(&mut term, &mut wb, typed(p), idle_after(j + 1))
                .await
                .map_err(io)?;
        }
    }
    if let Some(w) = wb.persist.writer() {
        w.flush().wait().map_err(|e| e.to_string())?;
    }
    let mut events = vec![key(KeyCode::Char('s'), KeyModifiers::CONTROL)];
    events.extend(chars("sky"));
    drive(&mut term, &mut wb, events, |s: &State| {
        s.library
            .as_ref()
            .is_some_and(|l| l.query == "sky" && !l.loading())
    })
    .await
    .map_err(io)?;
    settle(&mut wb);
    let buf = frame(&mut term, &mut wb);
    let _ = std::fs::remove_dir_all(&dir);
    write(&args.out, "sessions", &buf, &wb.view.theme, args.png, files)
}

/// Whether every compare column has an answer and none runs any more.
fn compare_done(s: &State) -> bool {
    s.compare.as_ref().is_some_and(|c| {
        c.columns
            .iter()
            .all(|col| col.latest().is_some_and(|v| !v.status.is_running()))
    })
}
