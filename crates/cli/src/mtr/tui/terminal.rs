//! Raw mode and the alternate screen, restored on every way out.

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{cursor, execute, terminal};

/// Whether the terminal is in the live view's state now: the panic hook
/// restores it only then.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The panic hook is installed once per process.
static HOOK: Once = Once::new();

/// The terminal in raw mode on the alternate screen, the cursor hidden,
/// until dropped.
#[derive(Debug)]
pub struct Raw(());

impl Raw {
    /// Takes the terminal over. A failure half-way leaves it as it was.
    pub fn enter() -> io::Result<Self> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        TAKEN.store(true, Ordering::SeqCst);
        // From here on, dropping `raw` (a `?` below) restores.
        let raw = Self(());
        terminal::enable_raw_mode()?;
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        Ok(raw)
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether the live view has the terminal now: a panic on any thread
/// gives it back.
pub fn taken() -> bool {
    TAKEN.load(Ordering::SeqCst)
}

/// Gives the terminal back as it was, once, if the live view has it.
/// Best effort: a terminal that is gone cannot be restored.
fn restore() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = terminal::disable_raw_mode();
        let _ = out.flush();
    }
}
