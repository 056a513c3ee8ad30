//! One captured frame and its timestamp.

use std::fmt;

use crate::encap::{self, Unwrapped};
use crate::link::{LinkAddressing, LinkType, link_addressing, network_layer};

/// When a frame was captured: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01 00:00:00 UTC.
    pub seconds: u64,
    /// Nanoseconds past `seconds`, below 1 000 000 000.
    pub nanoseconds: u32,
}

impl fmt::Display for Timestamp {
    /// `seconds.nanoseconds`, e.g. `1700000000.000123000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.seconds, self.nanoseconds)
    }
}

/// A frame as the capture file holds it, borrowed from the reader's buffer
/// until the next call to
/// [`CaptureReader::next_frame`](crate::CaptureReader::next_frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The frame's number, 1-based and counted across pcapng sections, as
    /// tshark numbers frames.
    pub number: u64,
    /// When it was captured. A pcapng Simple Packet Block has no timestamp:
    /// its frames have [`Timestamp::default`] (the epoch).
    pub timestamp: Timestamp,
    /// How many decimal digits of a second the file's timestamps resolve:
    /// 6 for microseconds, 9 for nanoseconds (at most 9). What tshark shows.
    pub time_digits: u8,
    /// The link-layer header type of `captured`.
    pub link_type: LinkType,
    /// The pcapng interface the frame was captured on (its index in the
    /// section's Interface Description Blocks); 0 in a pcap file.
    pub interface: u32,
    /// The bytes captured, possibly fewer than were on the wire.
    pub captured: &'a [u8],
    /// How long the frame was on the wire.
    pub original_len: u32,
}

impl<'a> Frame<'a> {
    /// The IPv4 or IPv6 packet this frame carries, as [`network_layer`] finds it.
    pub fn network_layer(&self) -> Option<&'a [u8]> {
        network_layer(self.link_type, self.captured)
    }

    /// The innermost IP packet this frame carries through any tunnels, and
    /// the path to it, as [`encap::innermost`] finds them.
    pub fn innermost(&self) -> Unwrapped<'a> {
        encap::innermost(self.link_type, self.captured)
    }

    /// What the link-layer header says about who the frame was addressed
    /// to (and, for Linux cooked captures, which way it went), as
    /// [`link_addressing`] reads it.
    pub fn addressing(&self) -> Option<LinkAddressing> {
        link_addressing(self.link_type, self.captured)
    }
}
