//! What a dissection did that a reader of the packet should know: the IP
//! layer read otherwise than its header fields say, or read past a rule it
//! breaks (as tshark reads it, so that the message is still shown).

use core::fmt;
use core::net::Ipv6Addr;

use crate::error::Malformed;
use crate::ipv4::option::linux::Refusal;

/// The notes of one dissection; each kind at most once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Notes {
    /// The IPv4 total length was 0, so the captured length was used (as
    /// tshark does: captures taken with segmentation offload hold such
    /// packets); the value is that length.
    pub ipv4_length_from_capture: Option<usize>,
    /// The IPv4 option the Linux kernel would refuse, with the pointer of
    /// the Parameter Problem it would answer (see
    /// [`crate::ipv4::option::linux`]). The packet is malformed
    /// ([`super::Dissection::problem`]) all the same.
    pub ipv4_option_refused: Option<Refusal>,
    /// The payload length of a jumbogram (RFC 2675), from its Jumbo Payload
    /// option.
    pub jumbo_payload_len: Option<u32>,
    /// The RFC 2675 error of a Jumbo Payload option in a packet whose
    /// payload length is not 0: the option was ignored, the payload length
    /// used (see [`crate::ipv6::PayloadLen::OptionIgnored`]). The packet is
    /// malformed ([`super::Dissection::problem`]) all the same.
    pub jumbo_ignored: Option<Malformed>,
    /// The final destination a routing header names, over which the ICMPv6
    /// checksum was verified (RFC 8200 §8.1).
    pub final_destination: Option<FinalDestination>,
    /// The rule the routing header breaks: the final destination was read
    /// as far as the header goes (see [`crate::ipv6::Route`]). The packet
    /// is malformed ([`super::Dissection::problem`]) all the same.
    pub routing_violation: Option<Malformed>,
}

/// The final destination of a packet with a routing header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FinalDestination {
    /// The address.
    pub addr: Ipv6Addr,
    /// The routing header's type.
    pub routing_type: u8,
}

/// One note, to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Note {
    /// See [`Notes::ipv4_length_from_capture`].
    Ipv4LengthFromCapture(usize),
    /// See [`Notes::ipv4_option_refused`].
    Ipv4OptionRefused(Refusal),
    /// See [`Notes::jumbo_payload_len`].
    Jumbogram(u32),
    /// See [`Notes::final_destination`].
    FinalDestination(FinalDestination),
    /// See [`Notes::jumbo_ignored`].
    JumboIgnored(Malformed),
    /// See [`Notes::routing_violation`].
    ReadPast(Malformed),
}

impl Notes {
    /// Whether there is nothing to note.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The notes, in the order of the layers they concern.
    pub fn iter(&self) -> impl Iterator<Item = Note> {
        let v4 = self
            .ipv4_length_from_capture
            .map(Note::Ipv4LengthFromCapture);
        let options = self.ipv4_option_refused.map(Note::Ipv4OptionRefused);
        let jumbo = self.jumbo_payload_len.map(Note::Jumbogram);
        let ignored = self.jumbo_ignored.map(Note::JumboIgnored);
        let routing = self.routing_violation.map(Note::ReadPast);
        let dst = self.final_destination.map(Note::FinalDestination);
        v4.into_iter()
            .chain(options)
            .chain(jumbo)
            .chain(ignored)
            .chain(routing)
            .chain(dst)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4LengthFromCapture(len) => write!(
                f,
                "IPv4 total length 0 (segmentation offload?): using the captured length, {len} bytes"
            ),
            Self::Ipv4OptionRefused(refusal) => write!(
                f,
                "malformed, {} (Linux answers Parameter Problem, pointer {})",
                refusal.reason, refusal.pointer
            ),
            Self::Jumbogram(len) => write!(
                f,
                "jumbogram: payload length {len} from the Jumbo Payload option"
            ),
            Self::FinalDestination(d) => write!(
                f,
                "checksum over the final destination {} (routing header type {})",
                d.addr, d.routing_type
            ),
            Self::JumboIgnored(reason) => {
                write!(f, "malformed, Jumbo Payload option ignored: {reason}")
            }
            Self::ReadPast(reason) => write!(f, "malformed, read past: {reason}"),
        }
    }
}
