//! The zero-copy ICMPv4 view, [`Packet`].

use core::net::Ipv4Addr;

use super::codes::{ExtendedEchoState, Message};
use crate::checksum;
use crate::error::{Malformed, Result, need};
use crate::field as f;
use crate::icmp::{self, extended_echo};

/// Byte positions of the ICMPv4 header fields. Bytes 4-7 ("rest of
/// header") mean something different for each message type.
pub mod field {
    use crate::field::Field;
    use crate::icmp::extended_echo;

    pub use crate::icmp::field::{CHECKSUM, CODE, DATA, IDENT, REST_OF_HEADER, SEQ_NO, TYPE};

    /// Parameter Problem: pointer to the offending octet.
    pub const POINTER: usize = 4;
    /// Destination Unreachable, Time Exceeded, Parameter Problem: RFC 4884
    /// length of the original datagram in 32-bit words.
    pub const LENGTH: usize = 5;
    /// Destination Unreachable code 4: next-hop MTU (RFC 1191).
    pub const NEXT_HOP_MTU: Field = 6..8;
    /// Redirect: gateway internet address.
    pub const GATEWAY: Field = 4..8;
    /// Photuris: pointer (16 bits) to the offending SPI.
    pub const PHOTURIS_POINTER: Field = 6..8;

    /// Router Advertisement: number of addresses.
    pub const NUM_ADDRS: usize = 4;
    /// Router Advertisement: 32-bit words per address entry.
    pub const ADDR_ENTRY_SIZE: usize = 5;
    /// Router Advertisement: lifetime in seconds.
    pub const LIFETIME: Field = 6..8;

    /// Timestamp: originate timestamp.
    pub const ORIGINATE: Field = 8..12;
    /// Timestamp: receive timestamp.
    pub const RECEIVE: Field = 12..16;
    /// Timestamp: transmit timestamp.
    pub const TRANSMIT: Field = 16..20;

    /// Address mask.
    pub const ADDRESS_MASK: Field = 8..12;

    /// Extended echo: 8-bit sequence number.
    pub const EXTENDED_SEQ_NO: usize = extended_echo::SEQ_NO;
    /// Extended echo: flags (request: L in bit 0; reply: State in bits
    /// 7-5, A, 4, 6 in bits 2-0).
    pub const EXTENDED_FLAGS: usize = extended_echo::FLAGS;
}

/// The length of the fixed ICMPv4 header.
pub const HEADER_LEN: usize = icmp::HEADER_LEN;
/// The length of a Timestamp or Timestamp Reply message.
pub const TIMESTAMP_LEN: usize = field::TRANSMIT.end;
/// The length of an Address Mask Request or Reply message.
pub const ADDRESS_MASK_LEN: usize = field::ADDRESS_MASK.end;
/// The least Router Advertisement address entry size in 32-bit words
/// (RFC 1256: router address and preference level).
pub const MIN_ADDR_ENTRY_SIZE: u8 = 2;

/// A view of an ICMPv4 message in a byte buffer.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               rest of header (depends on the type)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     data ...
/// +-+-+-+-+-+-+-+-+-
/// ```
///
/// After [`Packet::new_checked`] every getter is safe to call, whatever the
/// type: the buffer holds at least the 8-byte header and the fixed part of
/// its message type. The per-type layouts are drawn on the variants of
/// [`super::Repr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the buffer holds the 8-byte header and the fixed part of
    /// its type: 20 bytes for timestamps, 12 for address masks, and for a
    /// Router Advertisement its address entries, whose size must be at
    /// least 2 words and whose number at least 1 (RFC 1256 §5.2).
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        need("ICMPv4 header", buf, HEADER_LEN)?;
        match Message::from(buf[field::TYPE]) {
            Message::Timestamp | Message::TimestampReply => {
                need("ICMPv4 Timestamp", buf, TIMESTAMP_LEN)
            }
            Message::AddressMaskRequest | Message::AddressMaskReply => {
                need("ICMPv4 Address Mask", buf, ADDRESS_MASK_LEN)
            }
            Message::RouterAdvertisement => check_router_advertisement(buf),
            _ => Ok(()),
        }
    }

    /// The next-hop MTU of a Destination Unreachable, code 4 (RFC 1191);
    /// zero from routers that predate it.
    pub fn next_hop_mtu(&self) -> u16 {
        f::u16_at(self.buffer.as_ref(), field::NEXT_HOP_MTU.start)
    }

    /// The gateway of a Redirect.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(f::u32_at(self.buffer.as_ref(), field::GATEWAY.start))
    }

    /// The octet offset a Parameter Problem points at.
    pub fn pointer(&self) -> u8 {
        self.buffer.as_ref()[field::POINTER]
    }

    /// The RFC 4884 length attribute of Destination Unreachable, Time
    /// Exceeded and Parameter Problem: the original datagram's length in
    /// 32-bit words, or zero when no extension structure is delimited.
    pub fn length_attr(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    /// The 16-bit pointer of a Photuris message.
    pub fn photuris_pointer(&self) -> u16 {
        f::u16_at(self.buffer.as_ref(), field::PHOTURIS_POINTER.start)
    }

    /// The number of addresses in a Router Advertisement.
    pub fn num_addrs(&self) -> u8 {
        self.buffer.as_ref()[field::NUM_ADDRS]
    }

    /// The size of each Router Advertisement entry in 32-bit words.
    pub fn addr_entry_size(&self) -> u8 {
        self.buffer.as_ref()[field::ADDR_ENTRY_SIZE]
    }

    /// The Router Advertisement lifetime in seconds.
    pub fn lifetime(&self) -> u16 {
        f::u16_at(self.buffer.as_ref(), field::LIFETIME.start)
    }

    /// The Router Advertisement entries as announced by the header (the
    /// bytes after it are not included).
    pub fn router_entries(&self) -> RouterEntries<'_> {
        let len = entries_len(self.num_addrs(), self.addr_entry_size());
        let data = self.data();
        RouterEntries::new(data.get(..len).unwrap_or(data), self.addr_entry_size())
    }

    /// The originate timestamp (milliseconds since midnight UT).
    pub fn originate_timestamp(&self) -> u32 {
        f::u32_at(self.buffer.as_ref(), field::ORIGINATE.start)
    }

    /// The receive timestamp.
    pub fn receive_timestamp(&self) -> u32 {
        f::u32_at(self.buffer.as_ref(), field::RECEIVE.start)
    }

    /// The transmit timestamp.
    pub fn transmit_timestamp(&self) -> u32 {
        f::u32_at(self.buffer.as_ref(), field::TRANSMIT.start)
    }

    /// The address mask of an Address Mask Request or Reply.
    pub fn address_mask(&self) -> Ipv4Addr {
        Ipv4Addr::from(f::u32_at(self.buffer.as_ref(), field::ADDRESS_MASK.start))
    }

    /// The 8-bit sequence number of an extended echo message.
    pub fn extended_seq_no(&self) -> u8 {
        self.buffer.as_ref()[field::EXTENDED_SEQ_NO]
    }

    /// The L bit of an Extended Echo Request: the probed interface is on
    /// the node that receives the request.
    pub fn local(&self) -> bool {
        extended_echo::is_local(self.flags())
    }

    /// The State of an Extended Echo Reply.
    pub fn state(&self) -> ExtendedEchoState {
        self.reply_flags().state
    }

    /// The A bit of an Extended Echo Reply: the interface is active.
    pub fn active(&self) -> bool {
        self.reply_flags().active
    }

    /// The 4 bit of an Extended Echo Reply: IPv4 runs on the interface.
    pub fn ipv4(&self) -> bool {
        self.reply_flags().ipv4
    }

    /// The 6 bit of an Extended Echo Reply: IPv6 runs on the interface.
    pub fn ipv6(&self) -> bool {
        self.reply_flags().ipv6
    }

    fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::EXTENDED_FLAGS]
    }

    fn reply_flags(&self) -> extended_echo::ReplyFlags {
        extended_echo::ReplyFlags::from_byte(self.flags())
    }

    /// Whether the checksum over the whole buffer verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::is_valid(self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the next-hop MTU.
    pub fn set_next_hop_mtu(&mut self, value: u16) {
        f::set_u16(self.buffer.as_mut(), field::NEXT_HOP_MTU.start, value);
    }

    /// Sets the Redirect gateway.
    pub fn set_gateway(&mut self, value: Ipv4Addr) {
        f::set_u32(self.buffer.as_mut(), field::GATEWAY.start, value.to_bits());
    }

    /// Sets the Parameter Problem pointer.
    pub fn set_pointer(&mut self, value: u8) {
        self.buffer.as_mut()[field::POINTER] = value;
    }

    /// Sets the RFC 4884 length attribute.
    pub fn set_length_attr(&mut self, value: u8) {
        self.buffer.as_mut()[field::LENGTH] = value;
    }

    /// Sets the Photuris pointer.
    pub fn set_photuris_pointer(&mut self, value: u16) {
        f::set_u16(self.buffer.as_mut(), field::PHOTURIS_POINTER.start, value);
    }

    /// Sets the Router Advertisement number of addresses.
    pub fn set_num_addrs(&mut self, value: u8) {
        self.buffer.as_mut()[field::NUM_ADDRS] = value;
    }

    /// Sets the Router Advertisement address entry size.
    pub fn set_addr_entry_size(&mut self, value: u8) {
        self.buffer.as_mut()[field::ADDR_ENTRY_SIZE] = value;
    }

    /// Sets the Router Advertisement lifetime.
    pub fn set_lifetime(&mut self, value: u16) {
        f::set_u16(self.buffer.as_mut(), field::LIFETIME.start, value);
    }

    /// Sets the originate timestamp.
    pub fn set_originate_timestamp(&mut self, value: u32) {
        f::set_u32(self.buffer.as_mut(), field::ORIGINATE.start, value);
    }

    /// Sets the receive timestamp.
    pub fn set_receive_timestamp(&mut self, value: u32) {
        f::set_u32(self.buffer.as_mut(), field::RECEIVE.start, value);
    }

    /// Sets the transmit timestamp.
    pub fn set_transmit_timestamp(&mut self, value: u32) {
        f::set_u32(self.buffer.as_mut(), field::TRANSMIT.start, value);
    }

    /// Sets the address mask.
    pub fn set_address_mask(&mut self, value: Ipv4Addr) {
        f::set_u32(
            self.buffer.as_mut(),
            field::ADDRESS_MASK.start,
            value.to_bits(),
        );
    }

    /// Sets the 8-bit extended echo sequence number.
    pub fn set_extended_seq_no(&mut self, value: u8) {
        self.buffer.as_mut()[field::EXTENDED_SEQ_NO] = value;
    }

    /// Sets byte 7 of an Extended Echo Request: reserved bits zero, L bit
    /// as given.
    pub fn set_request_flags(&mut self, local: bool) {
        self.buffer.as_mut()[field::EXTENDED_FLAGS] = extended_echo::request_flags(local);
    }

    /// Sets byte 7 of an Extended Echo Reply: State (its low 3 bits), the
    /// reserved bits zero, and the A, 4 and 6 bits.
    pub fn set_reply_flags(
        &mut self,
        state: ExtendedEchoState,
        active: bool,
        ipv4: bool,
        ipv6: bool,
    ) {
        let flags = extended_echo::ReplyFlags {
            state,
            active,
            ipv4,
            ipv6,
        };
        self.buffer.as_mut()[field::EXTENDED_FLAGS] = flags.to_byte();
    }

    /// Computes the checksum over the whole buffer and stores it.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(sum);
    }
}

icmp::header_view!(Packet, Message);

/// The bytes `num_addrs` entries of `entry_size` words take.
pub(super) fn entries_len(num_addrs: u8, entry_size: u8) -> usize {
    usize::from(num_addrs) * usize::from(entry_size) * 4
}

/// Router Advertisement checks: entry size, entry count, and the entries'
/// bytes. `buf` holds at least the 8-byte header.
fn check_router_advertisement(buf: &[u8]) -> Result<()> {
    const WHAT: &str = "ICMPv4 Router Advertisement";
    let (num, size) = (buf[field::NUM_ADDRS], buf[field::ADDR_ENTRY_SIZE]);
    if size < MIN_ADDR_ENTRY_SIZE {
        return Err(Malformed::Invalid {
            what: WHAT,
            field: "address entry size",
            value: size.into(),
            rule: "is below the minimum of 2 words",
        });
    }
    if num == 0 {
        return Err(Malformed::Invalid {
            what: WHAT,
            field: "number of addresses",
            value: 0,
            rule: "is below the minimum of 1",
        });
    }
    need(WHAT, buf, HEADER_LEN + entries_len(num, size))
}

/// The (router address, preference level) entries of a Router
/// Advertisement. Entries are `entry_size` 32-bit words apart; words past
/// the first two are skipped (RFC 1256 leaves room for larger entries). A
/// trailing partial entry is not yielded.
///
/// ```text
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Router Address[i]                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Preference Level[i]  (signed)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          (entry_size - 2 further words, ignored)              |
/// ```
#[derive(Debug, Clone)]
pub struct RouterEntries<'a> {
    rest: &'a [u8],
    stride: usize,
}

impl<'a> RouterEntries<'a> {
    /// Iterates over `entries`, each `entry_size` words long. An entry size
    /// below 2 yields nothing.
    pub fn new(entries: &'a [u8], entry_size: u8) -> Self {
        if entry_size < MIN_ADDR_ENTRY_SIZE {
            return Self {
                rest: &[],
                stride: 8,
            };
        }
        Self {
            rest: entries,
            stride: usize::from(entry_size) * 4,
        }
    }

    /// Writes `entries` as 2-word entries into `out` and returns the bytes
    /// written, stopping when `out` is full.
    pub fn write(out: &mut [u8], entries: impl IntoIterator<Item = (Ipv4Addr, i32)>) -> usize {
        let mut written = 0;
        for (chunk, (addr, pref)) in out.chunks_exact_mut(8).zip(entries) {
            chunk[..4].copy_from_slice(&addr.octets());
            chunk[4..].copy_from_slice(&pref.to_be_bytes());
            written += 8;
        }
        written
    }
}

impl Iterator for RouterEntries<'_> {
    type Item = (Ipv4Addr, i32);

    fn next(&mut self) -> Option<Self::Item> {
        let (entry, rest) = self.rest.split_at_checked(self.stride)?;
        self.rest = rest;
        let addr = f::get_ipv4(entry, 0)?;
        let pref = f::get_u32(entry, 4)?;
        Some((addr, i32::from_be_bytes(pref.to_be_bytes())))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / self.stride;
        (n, Some(n))
    }
}

impl ExactSizeIterator for RouterEntries<'_> {}
