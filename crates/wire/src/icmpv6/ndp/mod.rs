//! Neighbor Discovery (RFC 4861): the five messages' fields and the options
//! that follow them (RFC 4861, RFC 4191, RFC 8106).
//!
//! ```text
//! Router Solicitation (133)          Router Advertisement (134)
//! | 133 | code | checksum |          | 134 | code |       checksum       |
//! |       reserved        |          | hop limit |M|O|H|Prf|P|R|R| lifetime |
//! | options ...                      |            reachable time          |
//!                                    |            retrans timer           |
//!                                    | options ...
//! Neighbor Solicitation (135)        Neighbor Advertisement (136)
//! | 135 | code | checksum |          | 136 | code | checksum |
//! |       reserved        |          |R|S|O|      reserved    |
//! |  target address (16)  |          |  target address (16)   |
//! | options ...                      | options ...
//! Redirect (137)
//! | 137 | code | checksum | reserved (4) | target (16) | destination (16) | options ...
//!
//! Option: | type (8) | length (8, units of 8 bytes, never 0) | data ... |
//! ```

use core::net::Ipv6Addr;

use super::packet::{addr_at, flag, set_addr};
use super::{Message, Packet};
use crate::field as f;

mod option;

pub use option::{
    DomainName, DomainNameIter, DomainNames, NdpOption, NdpOptionIter, NdpOptions,
    PREFIX_AUTONOMOUS, PREFIX_ON_LINK, emit_options, kind,
};

/// Byte offsets of the NDP message fields.
mod field {
    pub const CUR_HOP_LIMIT: usize = 4;
    pub const RA_FLAGS: usize = 5;
    pub const ROUTER_LIFETIME: usize = 6;
    pub const REACHABLE_TIME: usize = 8;
    pub const RETRANS_TIMER: usize = 12;
    pub const NA_FLAGS: usize = 4;
    pub const TARGET: usize = 8;
    pub const DESTINATION: usize = 24;
    pub const RS_OPTIONS: usize = 8;
}

/// Router Advertisement: the fixed part before the options.
pub const RA_FIXED_LEN: usize = 16;
/// Neighbor Solicitation: the fixed part before the options.
pub const NS_FIXED_LEN: usize = 24;
/// Neighbor Advertisement: the fixed part before the options.
pub const NA_FIXED_LEN: usize = 24;
/// Redirect: the fixed part before the options.
pub const REDIRECT_FIXED_LEN: usize = 40;

/// Router Advertisement flag M: addresses are available via DHCPv6.
pub const RA_MANAGED: u8 = 0x80;
/// Router Advertisement flag O: other configuration is available via DHCPv6.
pub const RA_OTHER: u8 = 0x40;
/// Router Advertisement flag H: the router is a Mobile IPv6 home agent (RFC 6275).
pub const RA_HOME_AGENT: u8 = 0x20;
/// Router Advertisement flag P: neighbor discovery proxy (RFC 4389).
pub const RA_PROXY: u8 = 0x04;
/// Neighbor Advertisement flag R: the sender is a router.
pub const NA_ROUTER: u8 = 0x80;
/// Neighbor Advertisement flag S: sent in response to a solicitation.
pub const NA_SOLICITED: u8 = 0x40;
/// Neighbor Advertisement flag O: override an existing cache entry.
pub const NA_OVERRIDE: u8 = 0x20;

/// A default router or route preference (RFC 4191 §2.1), two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preference {
    /// 00: medium (the default).
    Medium,
    /// 01: high.
    High,
    /// 10: reserved; receivers treat it as medium (RFC 4191).
    Reserved,
    /// 11: low.
    Low,
}

impl Preference {
    /// The preference in the low two bits of `bits`.
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0b00 => Self::Medium,
            0b01 => Self::High,
            0b10 => Self::Reserved,
            _ => Self::Low,
        }
    }

    /// The two-bit value.
    pub const fn bits(self) -> u8 {
        match self {
            Self::Medium => 0b00,
            Self::High => 0b01,
            Self::Reserved => 0b10,
            Self::Low => 0b11,
        }
    }
}

/// Where the options start in a message of this type, if it is NDP.
pub(crate) const fn options_offset(msg_type: Message) -> Option<usize> {
    match msg_type {
        Message::RouterSolicitation => Some(field::RS_OPTIONS),
        Message::RouterAdvertisement => Some(RA_FIXED_LEN),
        Message::NeighborSolicitation => Some(NS_FIXED_LEN),
        Message::NeighborAdvertisement => Some(NA_FIXED_LEN),
        Message::Redirect => Some(REDIRECT_FIXED_LEN),
        _ => None,
    }
}

/// NDP field accessors. Each reads a field of one message type and may
/// panic on a buffer shorter than that type's fixed part, which
/// [`Packet::new_checked`] rules out for packets of that type.
impl<T: AsRef<[u8]>> Packet<T> {
    /// Router Advertisement: the hop limit hosts should use (0: unspecified).
    pub fn current_hop_limit(&self) -> u8 {
        self.as_bytes()[field::CUR_HOP_LIMIT]
    }

    /// Router Advertisement: the flags byte (M, O, H, Prf, P).
    pub fn router_flags(&self) -> u8 {
        self.as_bytes()[field::RA_FLAGS]
    }

    /// Router Advertisement: the router lifetime in seconds.
    pub fn router_lifetime(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::ROUTER_LIFETIME)
    }

    /// Router Advertisement: the reachable time in milliseconds.
    pub fn reachable_time(&self) -> u32 {
        f::u32_at(self.as_bytes(), field::REACHABLE_TIME)
    }

    /// Router Advertisement: the retransmission timer in milliseconds.
    pub fn retrans_timer(&self) -> u32 {
        f::u32_at(self.as_bytes(), field::RETRANS_TIMER)
    }

    /// Neighbor Advertisement: the flags byte (R, S, O).
    pub fn neighbor_flags(&self) -> u8 {
        self.as_bytes()[field::NA_FLAGS]
    }

    /// Neighbor Solicitation/Advertisement and Redirect: the target address.
    pub fn target_addr(&self) -> Ipv6Addr {
        addr_at(self.as_bytes(), field::TARGET)
    }

    /// Redirect: the destination address.
    pub fn destination_addr(&self) -> Ipv6Addr {
        addr_at(self.as_bytes(), field::DESTINATION)
    }

    /// The options of an NDP message (empty for other types).
    pub fn ndp_options(&self) -> &[u8] {
        options_offset(self.msg_type()).map_or(&[], |at| self.tail(at))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Router Advertisement: sets the current hop limit.
    pub fn set_current_hop_limit(&mut self, value: u8) {
        self.tail_mut(0)[field::CUR_HOP_LIMIT] = value;
    }

    /// Router Advertisement: sets the flags byte.
    pub fn set_router_flags(&mut self, value: u8) {
        self.tail_mut(0)[field::RA_FLAGS] = value;
    }

    /// Router Advertisement: sets the router lifetime.
    pub fn set_router_lifetime(&mut self, value: u16) {
        f::set_u16(self.tail_mut(0), field::ROUTER_LIFETIME, value);
    }

    /// Router Advertisement: sets the reachable time.
    pub fn set_reachable_time(&mut self, value: u32) {
        f::set_u32(self.tail_mut(0), field::REACHABLE_TIME, value);
    }

    /// Router Advertisement: sets the retransmission timer.
    pub fn set_retrans_timer(&mut self, value: u32) {
        f::set_u32(self.tail_mut(0), field::RETRANS_TIMER, value);
    }

    /// Neighbor Advertisement: sets the flags byte and clears the reserved bytes.
    pub fn set_neighbor_flags(&mut self, value: u8) {
        self.set_rest_of_header([value, 0, 0, 0]);
    }

    /// Sets the target address.
    pub fn set_target_addr(&mut self, value: Ipv6Addr) {
        set_addr(self.tail_mut(0), field::TARGET, value);
    }

    /// Redirect: sets the destination address.
    pub fn set_destination_addr(&mut self, value: Ipv6Addr) {
        set_addr(self.tail_mut(0), field::DESTINATION, value);
    }
}

/// The body of a Router Advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the wire format has these flags"
)]
pub struct RouterAdvertisement<'a> {
    /// The hop limit hosts should use (0: unspecified).
    pub hop_limit: u8,
    /// M: addresses are available via DHCPv6.
    pub managed: bool,
    /// O: other configuration is available via DHCPv6.
    pub other_config: bool,
    /// H: the router is a home agent (RFC 6275).
    pub home_agent: bool,
    /// The default router preference (RFC 4191).
    pub preference: Preference,
    /// P: the advertisement is proxied (RFC 4389).
    pub proxy: bool,
    /// Router lifetime in seconds (0: not a default router).
    pub router_lifetime: u16,
    /// Reachable time in milliseconds (0: unspecified).
    pub reachable_time: u32,
    /// Retransmission timer in milliseconds (0: unspecified).
    pub retrans_timer: u32,
    /// The options.
    pub options: NdpOptions<'a>,
}

impl RouterAdvertisement<'_> {
    /// The flags byte as sent.
    pub fn flags(&self) -> u8 {
        flag(self.managed, RA_MANAGED)
            | flag(self.other_config, RA_OTHER)
            | flag(self.home_agent, RA_HOME_AGENT)
            | (self.preference.bits() << 3)
            | flag(self.proxy, RA_PROXY)
    }
}
