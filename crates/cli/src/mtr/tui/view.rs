//! What one frame shows: the path, the session, and the view's own state
//! (display mode, names, pause, help, the latest events).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::SystemTime;

use icmpkit_proto::mtr::{Path, PathEvent, ProbeResult};

use super::Session;
use crate::mtr::columns::{self, Column};

/// Events kept for the status line, newest first.
pub const EVENTS: usize = 3;

/// How hops are shown (`d` goes round them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// mtr's table: a row of figures per hop, extra lines under it.
    Table,
    /// The latest rounds of each hop, one character each, coloured by
    /// RTT; `?` for a probe not answered.
    Strip,
}

/// How hops are named (`n` switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosts {
    /// The name where one was found, else the address (mtr's default).
    Names,
    /// Addresses only (`-n`).
    Addresses,
}

/// Everything a frame is drawn from.
#[derive(Debug, Clone)]
pub struct View {
    /// What the run is.
    pub session: Session,
    /// The hops so far.
    pub path: Path,
    /// Table or strip.
    pub display: Display,
    /// Names or addresses.
    pub hosts: Hosts,
    /// The names found so far.
    pub names: HashMap<IpAddr, String>,
    /// mtr's jitter columns instead of the session's.
    pub jitter: bool,
    /// Sending is paused.
    pub paused: bool,
    /// The help is shown over the table.
    pub help: bool,
    /// The latest events, newest first, as the status line says them.
    pub events: VecDeque<String>,
    /// The time in the header.
    pub now: SystemTime,
}

impl View {
    /// The first frame of `session` over `path`.
    pub fn new(session: Session, path: Path) -> Self {
        Self {
            hosts: if session.numeric {
                Hosts::Addresses
            } else {
                Hosts::Names
            },
            now: session.started,
            session,
            path,
            display: Display::Table,
            names: HashMap::new(),
            jitter: false,
            paused: false,
            help: false,
            events: VecDeque::new(),
        }
    }

    /// The path, for the run loop once the view is done.
    pub fn into_path(self) -> Path {
        self.path
    }

    /// Adds a resolved probe to the path; its events go to the status line.
    pub fn record(&mut self, result: &ProbeResult) {
        for event in self.path.record(result) {
            self.events.push_front(describe(&event));
        }
        self.events.truncate(EVENTS);
    }

    /// The columns shown.
    pub fn columns(&self) -> &[Column] {
        if self.jitter {
            &columns::JITTER
        } else {
            &self.session.columns
        }
    }

    /// Every address shown, for the resolver.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.path
            .hops()
            .iter()
            .flat_map(|hop| hop.addresses.iter().map(|seen| seen.address))
    }

    /// How `address` is shown: its name when names are on and one was
    /// found, else the address (mtr's default).
    pub fn host(&self, address: IpAddr) -> String {
        match self.names.get(&address) {
            Some(name) if self.hosts == Hosts::Names => name.clone(),
            _ => address.to_string(),
        }
    }
}

/// An event as the status line says it.
fn describe(event: &PathEvent) -> String {
    match *event {
        PathEvent::NewAddress {
            ttl,
            address,
            round,
        } => format!("round {round}: hop {ttl} also answers from {address}"),
        PathEvent::DestinationMoved { from, to, round } => match from {
            Some(from) if from < to => {
                format!(
                    "round {round}: the path got longer: the destination is at hop {to}, was {from}"
                )
            }
            Some(from) => {
                format!(
                    "round {round}: the path got shorter: the destination is at hop {to}, was {from}"
                )
            }
            None => format!("round {round}: the destination answers at hop {to}"),
        },
    }
}

/// `at` as mtr's header shows it: `2026-12-04T14:04:44+0100`, in the
/// session's time zone.
pub fn clock(view: &View, at: SystemTime) -> String {
    crate::mtr::time::mtr_time(at, view.session.utc_offset)
}
