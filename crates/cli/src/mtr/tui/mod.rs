//! The live view of `icmpkit mtr`: mtr's curses table drawn with ratatui
//! over crossterm.
//!
//! The lead's run loop owns the network: it drives the `Mtr` machine on a
//! thread of its own and sends every resolved probe here as an
//! [`Update`]. [`run`] owns the terminal: it applies the updates to the
//! [`Path`], draws it at most [`REDRAWS_PER_SECOND`] times a second, and
//! turns keys into [`Signals`] the driver reads (`q` and Ctrl-C stop,
//! `p` pauses and resumes).
//!
//! - `terminal`: raw mode and the alternate screen, restored on every way
//!   out (return, error, panic).
//! - `view`: what one frame shows ([`View`]), changed by updates and keys.
//! - `keys`: what each key does.
//! - `draw`: a frame as a pure function of a [`View`].
//! - `names`: reverse lookups on a thread of their own, so that a slow
//!   resolver never holds up a frame.

mod draw;
mod keys;
mod names;
mod terminal;
mod view;

#[cfg(test)]
mod tests;

use std::io;
use std::net::IpAddr;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use crossterm::event::{self, Event};
use icmpkit_driver::Signals;
use icmpkit_proto::mtr::{Path, ProbeResult};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};

use crate::mtr::columns::Column;
use keys::Command;
use names::Resolver;
use view::{Hosts, View};

/// Frames drawn per second at most.
pub const REDRAWS_PER_SECOND: u32 = 5;

/// How long the loop waits for a key before it looks at the updates
/// again (a frame is drawn at least this often while anything changes).
const TICK: Duration = Duration::from_millis(1000 / REDRAWS_PER_SECOND as u64);

/// What the live view shows besides the path: given by the run loop.
#[derive(Debug, Clone)]
pub struct Session {
    /// The target as typed (a name or an address).
    pub target: String,
    /// The address probed.
    pub destination: IpAddr,
    /// This machine's name, for the header (mtr: `LocalHostname`).
    pub local_host: String,
    /// When the run began.
    pub started: SystemTime,
    /// The local time zone's offset from UTC, in seconds east, for the
    /// header's clock (`icmpkit_net::utc_offset`).
    pub utc_offset: i32,
    /// The table's columns, in order (`--order`, else
    /// [`crate::mtr::columns::DEFAULT`]).
    pub columns: Vec<Column>,
    /// Addresses only (`-n`); `n` turns names on and off while it runs.
    pub numeric: bool,
}

/// What the network thread tells the live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// A probe was answered or given up.
    Probe(ProbeResult),
    /// The run is over: all its rounds are done or a signal stopped it
    /// (`None`), or it failed (the failure, as the user should read it).
    Ended(Option<String>),
}

/// Shows `path` live until the user quits (`q`, Ctrl-C) or the run ends
/// ([`Update::Ended`], or the sender is dropped), then gives the path
/// back with every update applied.
///
/// Takes over the terminal (raw mode, alternate screen) and restores it on
/// every way out: a return, an error, a panic (a hook restores it before
/// the panic message is printed, then calls the hook that was there).
/// Quitting raises [`Signal::Stop`](icmpkit_proto::machine::Signal::Stop);
/// `p` raises `Pause` and `Resume` in turn: the driver reads them from
/// `signals`. A run that failed is an error after the terminal is back.
pub fn run(
    session: Session,
    path: Path,
    updates: &Receiver<Update>,
    signals: &Signals,
) -> anyhow::Result<Path> {
    let _restore =
        terminal::Raw::enter().context("cannot set up the terminal for the live view")?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let mut events = |timeout: Duration| -> io::Result<Option<Event>> {
        // The panic hook gave the terminal back (a thread of the run
        // panicked): drawing on would scribble over the message.
        if !terminal::taken() {
            return Err(io::Error::other(
                "the terminal was given back after a panic",
            ));
        }
        if event::poll(timeout)? {
            event::read().map(Some)
        } else {
            Ok(None)
        }
    };
    let mut resolver = Resolver::new(names::lookup());
    drive(
        &mut terminal,
        View::new(session, path),
        updates,
        signals,
        &mut events,
        &mut resolver,
        SystemTime::now,
    )
}

/// The loop of [`run`], over any backend and any source of terminal
/// events (tests: a `TestBackend` and scripted keys). `events` waits up to
/// its argument for one event; `clock` tells the time for the header.
fn drive<B>(
    terminal: &mut Terminal<B>,
    mut view: View,
    updates: &Receiver<Update>,
    signals: &Signals,
    events: &mut dyn FnMut(Duration) -> io::Result<Option<Event>>,
    resolver: &mut Resolver,
    clock: fn() -> SystemTime,
) -> anyhow::Result<Path>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let mut drawn: Option<Instant> = None;
    let mut changed = true;
    loop {
        loop {
            match updates.try_recv() {
                Ok(Update::Probe(result)) => {
                    view.record(&result);
                    changed = true;
                }
                Ok(Update::Ended(None)) | Err(TryRecvError::Disconnected) => {
                    return Ok(view.into_path());
                }
                Ok(Update::Ended(Some(failure))) => bail!("{failure}"),
                Err(TryRecvError::Empty) => break,
            }
        }
        if view.hosts == Hosts::Names {
            resolver.ask(view.addresses());
        }
        for (address, name) in resolver.answers() {
            view.names.insert(address, name);
            changed = true;
        }
        // The clock in the header moves once a second.
        let stale = drawn.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        let due = drawn.is_none_or(|at| at.elapsed() >= TICK);
        if (changed || stale) && due {
            view.now = clock();
            view.path.assess();
            terminal.draw(|frame| draw::draw(frame, &view))?;
            drawn = Some(Instant::now());
            changed = false;
        }
        // Changes wait for the next frame that is due; otherwise the
        // updates are looked at again a tick from now.
        let wait = match drawn {
            Some(at) if changed => TICK.saturating_sub(at.elapsed()),
            _ => TICK,
        };
        let Some(event) = events(wait)? else {
            continue;
        };
        match event {
            Event::Key(key) => match keys::press(&mut view, key) {
                Command::None => {}
                Command::Redraw => changed = true,
                Command::Raise(signal) => {
                    signals.raise(signal);
                    changed = true;
                }
                Command::Quit => {
                    signals.raise(icmpkit_proto::machine::Signal::Stop);
                    return Ok(view.into_path());
                }
            },
            Event::Resize(..) => {
                terminal.autoresize()?;
                changed = true;
            }
            _ => {}
        }
    }
}
