//! What each key does (mtr's keys where mtr has one).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use icmpkit_proto::machine::Signal;

use super::view::{Display, Hosts, View};

/// The keys and what they do, as the help shows them.
pub const HELP: [(&str, &str); 9] = [
    ("?", "show this help"),
    ("p", "pause, and resume (also space)"),
    ("d", "display mode: table, strip of rounds"),
    ("n", "names or addresses"),
    ("j", "latency or jitter columns"),
    ("b", "burst check: is a hop rate-limited?"),
    ("r", "reset all counters"),
    ("q", "quit (also Ctrl-C)"),
    ("", "any key closes this help"),
];

/// What the run loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Nothing: the key means nothing here.
    None,
    /// Draw again: the view changed.
    Redraw,
    /// Tell the driver (pause or resume), and draw again.
    Raise(Signal),
    /// Stop the run and leave.
    Quit,
}

/// Applies `key` to `view`.
pub fn press(view: &mut View, key: KeyEvent) -> Command {
    if key.kind == KeyEventKind::Release {
        return Command::None;
    }
    let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
    if ctrl_c {
        return Command::Quit;
    }
    if view.help {
        view.help = false;
        return Command::Redraw;
    }
    let KeyCode::Char(c) = key.code else {
        return Command::None;
    };
    match c {
        'q' => Command::Quit,
        // mtr: `p` pauses, space goes on.
        'p' => toggle_pause(view),
        ' ' if view.paused => toggle_pause(view),
        'r' => {
            view.path.reset();
            view.events.clear();
            Command::Redraw
        }
        'd' => {
            view.display = match view.display {
                Display::Table => Display::Strip,
                Display::Strip => Display::Table,
            };
            Command::Redraw
        }
        'n' => {
            view.hosts = match view.hosts {
                Hosts::Names => Hosts::Addresses,
                Hosts::Addresses => Hosts::Names,
            };
            Command::Redraw
        }
        'j' => {
            view.jitter = !view.jitter;
            Command::Redraw
        }
        // Checked by the machine; the results come as any others.
        'b' => Command::Raise(Signal::Burst),
        '?' | 'h' => {
            view.help = true;
            Command::Redraw
        }
        _ => Command::None,
    }
}

fn toggle_pause(view: &mut View) -> Command {
    view.paused = !view.paused;
    Command::Raise(if view.paused {
        Signal::Pause
    } else {
        Signal::Resume
    })
}
