//! ICMPv4 (RFC 792 and successors): every message of the IANA registry.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |               rest of header (depends on the type)            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     data ...
//! ```
//!
//! - [`Packet`] is a zero-copy view with a getter and setter for every
//!   field of every message type, [`Packet::verify_checksum`] and
//!   [`Packet::fill_checksum`] (the ICMPv4 checksum covers the message
//!   alone, no pseudo-header).
//! - [`Repr`] is the parsed message, one variant per type, with
//!   [`Repr::parse`], [`Repr::buffer_len`] and [`Repr::emit`].
//! - [`Message`] and the code enums ([`DestinationUnreachable`],
//!   [`Redirect`], [`TimeExceeded`], [`ParameterProblem`],
//!   [`RouterAdvertisement`], [`Photuris`], [`ExtendedEchoReply`]) convert
//!   losslessly from and into `u8`; their names for people live in
//!   `crate::meaning`.
//!
//! Errors (Destination Unreachable, Time Exceeded, Parameter Problem) may
//! carry an RFC 4884 extension structure after the quoted datagram; the
//! length attribute in byte 5 delimits it, or, when zero, a valid extension
//! header at offset 128 (the layout of older MPLS-aware routers). The quote
//! is kept as bytes; `crate::quote` reads it.

mod codes;
mod packet;
mod repr;

pub use codes::{
    DestinationUnreachable, ExtendedEchoReply, ExtendedEchoState, Message, ParameterProblem,
    Photuris, Redirect, RouterAdvertisement, TimeExceeded,
};
pub use packet::{
    ADDRESS_MASK_LEN, HEADER_LEN, MIN_ADDR_ENTRY_SIZE, Packet, RouterEntries, TIMESTAMP_LEN, field,
};
pub use repr::Repr;

#[cfg(test)]
mod tests;
