//! The system clipboard (X11, Wayland, macOS, Windows) through one long-lived `arboard`
//! clipboard, owned by a thread of its own: on X11 and Wayland the owner of a copy must stay
//! alive to hand it out, and setting it must never hold up the UI.

use std::sync::mpsc::{Sender, channel};

/// Something that can set the system clipboard.
pub trait Backend {
    fn set(&mut self, text: &str) -> Result<(), String>;
}

/// Opens the backend (on the clipboard's thread, once).
pub type Opener = fn() -> Result<Box<dyn Backend>, String>;

struct Arboard(arboard::Clipboard);

impl Backend for Arboard {
    fn set(&mut self, text: &str) -> Result<(), String> {
        self.0.set_text(text.to_string()).map_err(|e| e.to_string())
    }
}

/// The real system clipboard.
pub fn arboard() -> Result<Box<dyn Backend>, String> {
    arboard::Clipboard::new()
        .map(|c| Box::new(Arboard(c)) as Box<dyn Backend>)
        .map_err(|e| e.to_string())
}

/// A request to the clipboard's thread: the text, and what to do with the result.
pub struct Job {
    pub text: String,
    pub done: Box<dyn FnOnce(Result<(), String>) + Send>,
}

/// The clipboard's thread.
pub struct System {
    jobs: Sender<Job>,
}

impl System {
    /// Start the thread; the backend is opened at the first copy (and again after a failure).
    pub fn start(open: Opener) -> System {
        let (jobs, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("clipboard".into())
            .spawn(move || {
                let mut backend: Option<Box<dyn Backend>> = None;
                for job in rx {
                    let result = match &mut backend {
                        Some(b) => b.set(&job.text),
                        None => match open() {
                            Ok(mut b) => {
                                let r = b.set(&job.text);
                                backend = Some(b);
                                r
                            }
                            Err(e) => Err(e),
                        },
                    };
                    if result.is_err() {
                        backend = None;
                    }
                    (job.done)(result);
                }
            })
            .ok();
        System { jobs }
    }

    /// Hand `job` to the thread. If the thread is gone, the job is answered at once.
    pub fn send(&self, job: Job) {
        if let Err(e) = self.jobs.send(job) {
            (e.0.done)(Err("the clipboard thread has stopped".into()));
        }
    }
}
