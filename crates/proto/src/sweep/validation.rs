//! [`Validator`]: stateless reply validation, as zmap does it. Everything
//! a probe carries is derived from a per-run key and the target address, so
//! a reply is checked by recomputing, with no table of probes in flight.
//!
//! - ident and seq: the low 32 bits of SipHash-2-4(key, 0x01 || address).
//! - payload bytes 0..8: the tag, SipHash-2-4(key, 0x02 || address ||
//!   stamp), big-endian.
//! - payload bytes 8..16: the stamp, big-endian: the attempt number in the
//!   top byte, the send time (nanoseconds since the sweep's start, modulo
//!   2^56, about 2.28 years) in the low 56 bits.
//! - the rest of the payload: zeros (not checked).
//!
//! A reply is accepted only from the address the probe went to (ident/seq
//! and tag are recomputed from the reply's source), with the tag intact;
//! forged replies, replies with another run's key and replies from another
//! address fail. A raw socket is needed on IPv4: a datagram ICMP socket has
//! the kernel replace the ident.

use super::siphash::siphash24;
use icmpkit_wire::{icmpv4, icmpv6};
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

/// The shortest payload: the tag and the stamp.
pub const MIN_PAYLOAD_LEN: usize = 16;

/// The longest payload: what fits an IPv4 datagram (65,535 bytes less the
/// 20-byte IPv4 header and the 8-byte Echo header).
pub const MAX_PAYLOAD_LEN: usize = 65_507;

static ZEROS: [u8; MAX_PAYLOAD_LEN] = [0; MAX_PAYLOAD_LEN];

/// The bytes of an Echo header (type, code, checksum, ident, seq).
const ECHO_HEADER_LEN: usize = 8;

const STAMP_TIME_MASK: u64 = (1 << 56) - 1;

/// What a probe carries besides the tag: which attempt it was and when it
/// was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// 0 for the first probe of a target, 1 for the first retry, ...
    pub attempt: u8,
    /// The send time since the sweep's start (whole nanoseconds, modulo
    /// 2^56 ns).
    pub sent: Duration,
}

impl Stamp {
    fn encode(self) -> u64 {
        #[allow(clippy::cast_possible_truncation, reason = "kept modulo 2^56")]
        let nanos = self.sent.as_nanos() as u64 & STAMP_TIME_MASK;
        (u64::from(self.attempt) << 56) | nanos
    }

    fn decode(raw: u64) -> Self {
        Self {
            attempt: raw.to_be_bytes()[0],
            sent: Duration::from_nanos(raw & STAMP_TIME_MASK),
        }
    }
}

/// The fields of one probe: ident, seq and the first
/// [`MIN_PAYLOAD_LEN`] bytes of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeFields {
    /// The Echo identifier.
    pub ident: u16,
    /// The Echo sequence number.
    pub seq: u16,
    /// The keyed tag (payload bytes 0..8).
    pub tag: [u8; 8],
    /// The encoded stamp (payload bytes 8..16).
    pub stamp: [u8; 8],
}

impl ProbeFields {
    /// Writes tag, stamp and zeros into `payload`.
    ///
    /// # Panics
    ///
    /// If `payload` is shorter than [`MIN_PAYLOAD_LEN`].
    pub fn write_payload(&self, payload: &mut [u8]) {
        payload[..8].copy_from_slice(&self.tag);
        payload[8..MIN_PAYLOAD_LEN].copy_from_slice(&self.stamp);
        payload[MIN_PAYLOAD_LEN..].fill(0);
    }
}

/// An ICMP error that quotes one of our probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedProbe {
    /// The probe's stamp, when the quote holds the payload's first 16
    /// bytes (RFC 792 routers quote only 8 bytes of ICMP; then `None`, and
    /// ident/seq alone vouch for the quote).
    pub stamp: Option<Stamp>,
}

/// Derives and checks probe fields under one per-run 128-bit key.
#[derive(Debug, Clone)]
pub struct Validator {
    key: [u8; 16],
}

/// The address as hash input: a label byte then 4 or 16 address bytes.
fn hash_input(label: u8, addr: IpAddr, extra: &[u8]) -> ([u8; 25], usize) {
    let mut input = [0u8; 25];
    input[0] = label;
    let addr_len = match addr {
        IpAddr::V4(a) => {
            input[1..5].copy_from_slice(&a.octets());
            4
        }
        IpAddr::V6(a) => {
            input[1..17].copy_from_slice(&a.octets());
            16
        }
    };
    let end = 1 + addr_len + extra.len();
    input[1 + addr_len..end].copy_from_slice(extra);
    (input, end)
}

impl Validator {
    /// A validator keyed by `key` (random per run).
    pub fn new(key: [u8; 16]) -> Self {
        Self { key }
    }

    /// The ident and seq every probe to `addr` carries.
    pub fn ident_seq(&self, addr: IpAddr) -> (u16, u16) {
        let (input, len) = hash_input(1, addr, &[]);
        let h = siphash24(&self.key, &input[..len]).to_le_bytes();
        (
            u16::from_le_bytes([h[0], h[1]]),
            u16::from_le_bytes([h[2], h[3]]),
        )
    }

    fn tag(&self, addr: IpAddr, stamp: [u8; 8]) -> [u8; 8] {
        let (input, len) = hash_input(2, addr, &stamp);
        siphash24(&self.key, &input[..len]).to_be_bytes()
    }

    /// The fields of attempt `attempt` to `addr`, sent `sent` after the
    /// sweep's start.
    pub fn probe(&self, addr: IpAddr, attempt: u8, sent: Duration) -> ProbeFields {
        let (ident, seq) = self.ident_seq(addr);
        let stamp = Stamp { attempt, sent }.encode().to_be_bytes();
        ProbeFields {
            ident,
            seq,
            tag: self.tag(addr, stamp),
            stamp,
        }
    }

    /// The stamp of a valid payload head for `addr`.
    fn check_payload(&self, addr: IpAddr, data: &[u8]) -> Option<Stamp> {
        let tag = data.get(..8)?;
        let stamp: [u8; 8] = data.get(8..MIN_PAYLOAD_LEN)?.try_into().ok()?;
        (self.tag(addr, stamp) == tag).then(|| Stamp::decode(u64::from_be_bytes(stamp)))
    }

    /// The stamp of an Echo Reply from `from`, if it answers one of our
    /// probes to `from`.
    pub fn check_reply(&self, from: IpAddr, ident: u16, seq: u16, data: &[u8]) -> Option<Stamp> {
        if self.ident_seq(from) != (ident, seq) {
            return None;
        }
        self.check_payload(from, data)
    }

    /// Whether an ICMP error quotes one of our probes: `quoted_dst` is the
    /// quoted destination (the target), `quoted_data` the quoted Echo
    /// Request's payload, as much as the error holds. A quote holding part
    /// of the tag and stamp must hold them whole and intact.
    pub fn check_error(
        &self,
        quoted_dst: IpAddr,
        ident: u16,
        seq: u16,
        quoted_data: &[u8],
    ) -> Option<QuotedProbe> {
        if self.ident_seq(quoted_dst) != (ident, seq) {
            return None;
        }
        if quoted_data.is_empty() {
            return Some(QuotedProbe { stamp: None });
        }
        let stamp = self.check_payload(quoted_dst, quoted_data)?;
        Some(QuotedProbe { stamp: Some(stamp) })
    }

    /// The length of the Echo Request [`build_echo`](Self::build_echo)
    /// writes for `payload_len` (raised to [`MIN_PAYLOAD_LEN`]).
    pub fn echo_len(payload_len: usize) -> usize {
        ECHO_HEADER_LEN + payload_len.max(MIN_PAYLOAD_LEN)
    }

    /// Writes a whole Echo Request for attempt `attempt` to `addr`, sent
    /// `sent` after the sweep's start, into the start of `buf` (ICMPv4 or
    /// ICMPv6 by the address; the ICMPv6 checksum is left to the kernel,
    /// computed over `::` here) and returns its length,
    /// [`echo_len`](Self::echo_len)`(payload_len)`.
    ///
    /// # Panics
    ///
    /// If `payload_len` is above [`MAX_PAYLOAD_LEN`] or `buf` is shorter
    /// than the length.
    pub fn build_echo(
        &self,
        addr: IpAddr,
        attempt: u8,
        sent: Duration,
        payload_len: usize,
        buf: &mut [u8],
    ) -> usize {
        assert!(
            payload_len <= MAX_PAYLOAD_LEN,
            "build_echo: payload of {payload_len} bytes, at most {MAX_PAYLOAD_LEN}"
        );
        let len = Self::echo_len(payload_len);
        assert!(
            buf.len() >= len,
            "build_echo: buffer of {} bytes, need {len}",
            buf.len()
        );
        let fields = self.probe(addr, attempt, sent);
        // Emit with a zero payload, then write the tag and stamp and fill
        // the checksum again: no copy of the payload is needed.
        let (ident, seq_no, data) = (fields.ident, fields.seq, &ZEROS[..len - ECHO_HEADER_LEN]);
        let out = &mut buf[..len];
        match addr {
            IpAddr::V4(_) => {
                icmpv4::Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                }
                .emit(&mut icmpv4::Packet::new_unchecked(&mut *out));
                fields.write_payload(&mut out[ECHO_HEADER_LEN..]);
                icmpv4::Packet::new_unchecked(out).fill_checksum();
            }
            IpAddr::V6(_) => {
                let any = Ipv6Addr::UNSPECIFIED;
                icmpv6::Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                }
                .emit(&mut icmpv6::Packet::new_unchecked(&mut *out), any, any);
                fields.write_payload(&mut out[ECHO_HEADER_LEN..]);
                icmpv6::Packet::new_unchecked(out).fill_checksum(any, any);
            }
        }
        len
    }
}

#[cfg(test)]
mod tests;
