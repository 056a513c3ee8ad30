//! Classification: what the ICMP traffic is made of. Counts and peak rates
//! per type and code (named by [`icmpkit_wire::meaning`]), per direction,
//! the top sources and destinations, and echo request/reply pairing; all
//! in bounded memory.

mod echo;
mod talkers;

use std::collections::BTreeMap;

use icmpkit_wire::IpVersion;
use icmpkit_wire::dissect::{ChecksumStatus, Dissection};

pub use echo::{EchoPairing, REQUESTS_REMEMBERED};
pub use talkers::{TALKERS_TRACKED, Talker, TopTalkers};

use crate::bounded::Window;
use crate::observe::{Direction, Echo, Nanos, SECOND};

/// A type and code of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageKey {
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The type.
    pub msg_type: u8,
    /// The code.
    pub code: u8,
}

/// What was seen of one type and code.
#[derive(Debug, Clone)]
pub struct MessageStats {
    /// Messages.
    pub packets: u64,
    /// Their IP bytes.
    pub bytes: u64,
    /// The most in any one second (sliding).
    pub peak_per_second: u32,
    window: Window,
}

/// Counts of every kind, for the summary and the metrics.
#[derive(Debug)]
pub struct Traffic {
    /// Frames handed to the guard.
    pub frames: u64,
    /// ICMP and ICMPv6 messages (a reassembled datagram counts once).
    pub messages: u64,
    /// Their IP bytes.
    pub bytes: u64,
    /// Messages malformed at any layer.
    pub malformed: u64,
    /// Messages whose checksum did not verify.
    pub bad_checksum: u64,
    /// Messages per direction, in [`Direction::ALL`] order.
    pub by_direction: [u64; 4],
    by_message: BTreeMap<MessageKey, MessageStats>,
    /// The busiest sources of ICMP.
    pub sources: TopTalkers,
    /// The busiest destinations.
    pub destinations: TopTalkers,
    /// Echo requests and their replies.
    pub echo: EchoPairing,
    /// The earliest capture time of a message (captures may step back).
    pub first: Option<Nanos>,
    /// The capture time of the latest message.
    pub last: Nanos,
    /// ICMP messages over the last second, ten seconds and minute.
    rates: [Window; 3],
}

impl Default for Traffic {
    fn default() -> Self {
        Self::new()
    }
}

impl Traffic {
    /// Nothing counted yet.
    pub fn new() -> Self {
        Self {
            frames: 0,
            messages: 0,
            bytes: 0,
            malformed: 0,
            bad_checksum: 0,
            by_direction: [0; 4],
            by_message: BTreeMap::new(),
            sources: TopTalkers::new(TALKERS_TRACKED),
            destinations: TopTalkers::new(TALKERS_TRACKED),
            echo: EchoPairing::new(REQUESTS_REMEMBERED),
            first: None,
            last: 0,
            rates: [
                Window::new(SECOND),
                Window::new(10 * SECOND),
                Window::new(60 * SECOND),
            ],
        }
    }

    /// Counts one message and pairs it if it is an echo; returns its echo
    /// fields.
    pub fn message<'a>(
        &mut self,
        frame: u64,
        now: Nanos,
        d: &Dissection<'a>,
        direction: Direction,
        link_broadcast: bool,
        ip_len: usize,
    ) -> Option<Echo<'a>> {
        self.messages += 1;
        self.bytes += ip_len as u64;
        self.malformed += u64::from(d.problem().is_some());
        self.bad_checksum += u64::from(d.checksum_status == ChecksumStatus::Invalid);
        self.by_direction[direction as usize] += 1;
        self.first = Some(self.first.map_or(now, |first| first.min(now)));
        self.last = self.last.max(now);
        for w in &mut self.rates {
            w.add(now, 1);
        }
        self.sources.count(d.src, ip_len);
        self.destinations.count(d.dst, ip_len);
        // A message cut before its type has no row: it is counted
        // malformed, not as type 0.
        if let Some(msg_type) = d.msg_type() {
            self.count_message(d, msg_type, now, ip_len);
        }
        self.echo.observe(frame, now, d, link_broadcast)
    }

    fn count_message(&mut self, d: &Dissection<'_>, msg_type: u8, now: Nanos, ip_len: usize) {
        let key = MessageKey {
            version: d.version,
            msg_type,
            code: d.code().unwrap_or(0),
        };
        let stats = self.by_message.entry(key).or_insert_with(|| MessageStats {
            packets: 0,
            bytes: 0,
            peak_per_second: 0,
            window: Window::new(SECOND),
        });
        stats.packets += 1;
        stats.bytes += ip_len as u64;
        let in_second = stats.window.add(now, 1);
        stats.peak_per_second = stats.peak_per_second.max(in_second);
    }

    /// Every type and code seen, in order, with its counts.
    pub fn by_message(&self) -> impl Iterator<Item = (&MessageKey, &MessageStats)> {
        self.by_message.iter()
    }

    /// ICMP messages per second over the last 1, 10 and 60 seconds before
    /// `now`.
    pub fn rates(&mut self, now: Nanos) -> [f64; 3] {
        self.rates.each_mut().map(|w| w.rate(now))
    }

    /// The capture time the messages span (the latest less the earliest),
    /// in seconds.
    pub fn duration(&self) -> f64 {
        self.first
            .map_or(0.0, |first| self.last.saturating_sub(first) as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests;
