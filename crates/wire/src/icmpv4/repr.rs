//! The parsed form of every ICMPv4 message, [`Repr`].

use core::net::Ipv4Addr;

use super::codes::{self, ExtendedEchoState, Message};
use super::packet::{ADDRESS_MASK_LEN, HEADER_LEN, Packet, TIMESTAMP_LEN, entries_len, field};
use crate::error::Result;
use crate::extension;
use crate::icmp::extended_echo::{self, ReplyFlags};
use crate::icmp::{copy_into, emit_error_body, error_body_len};

/// RFC 4884 counts the ICMPv4 original datagram in 32-bit words.
const WORD: usize = 4;

/// An ICMPv4 message, parsed: every message of the IANA registry, and any
/// other kept as raw bytes in [`Repr::Unknown`].
///
/// A known type whose only defined code is 0 (echo, Source Quench, Router
/// Solicitation, timestamp, information, address mask, Extended Echo
/// Request) but which carries another code parses as [`Repr::Unknown`], so
/// nothing is lost; types with several codes keep an unknown code in their
/// code enum's `Unknown(u8)`.
///
/// Parsing does not check the checksum: call [`Packet::verify_checksum`].
/// [`Repr::emit`] always fills it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repr<'a> {
    /// Echo Request, type 8 (RFC 792).
    ///
    /// ```text
    /// | Type = 8 | Code = 0 |   Checksum    |
    /// |     Identifier      |  Sequence No  |
    /// | data ...
    /// ```
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data, echoed back in the reply.
        data: &'a [u8],
    },
    /// Echo Reply, type 0 (RFC 792); the layout of Echo Request.
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data, as sent in the request.
        data: &'a [u8],
    },
    /// Destination Unreachable, type 3 (RFC 792, RFC 1191, RFC 4884).
    ///
    /// ```text
    /// | Type = 3 |   Code   |   Checksum    |
    /// |  unused  |  Length  | Next-Hop MTU  |   Length: RFC 4884 words,
    /// | original datagram (padded to >= 128 bytes with extension) ...
    /// | RFC 4884 extension structure ...    |   present when Length != 0
    /// ```
    DestinationUnreachable {
        /// Why the destination is unreachable.
        code: codes::DestinationUnreachable,
        /// Bytes 6-7: the next-hop MTU for code 4 (RFC 1191); for other
        /// codes the raw bits, normally zero.
        next_hop_mtu: u16,
        /// The quoted original datagram (with any RFC 4884 padding).
        original: &'a [u8],
        /// The RFC 4884 extension structure, when present.
        extension: Option<&'a [u8]>,
    },
    /// Source Quench, type 4 (RFC 792; deprecated by RFC 6633).
    ///
    /// ```text
    /// | Type = 4 | Code = 0 |   Checksum    |
    /// |               unused                |
    /// | original datagram ...
    /// ```
    SourceQuench {
        /// The quoted original datagram.
        original: &'a [u8],
    },
    /// Redirect, type 5 (RFC 792).
    ///
    /// ```text
    /// | Type = 5 |   Code   |   Checksum    |
    /// |      Gateway Internet Address       |
    /// | original datagram ...
    /// ```
    Redirect {
        /// What is redirected.
        code: codes::Redirect,
        /// The router to use instead.
        gateway: Ipv4Addr,
        /// The quoted original datagram.
        original: &'a [u8],
    },
    /// Router Advertisement, type 9 (RFC 1256).
    ///
    /// ```text
    /// | Type = 9 |   Code   |   Checksum    |
    /// | Num Addrs|Entry Size|   Lifetime    |
    /// | Router Address[1]                   |
    /// | Preference Level[1]                 |
    /// | ... Num Addrs entries of Entry Size words
    /// ```
    RouterAdvertisement {
        /// Normal, or not routing common traffic.
        code: codes::RouterAdvertisement,
        /// How long the addresses are valid, in seconds.
        lifetime: u16,
        /// The words per entry, at least 2.
        entry_size: u8,
        /// The entries, `Num Addrs × Entry Size × 4` bytes; read them with
        /// [`super::RouterEntries::new`]. Emit derives Num Addrs from the
        /// length, which must be a whole number of entries.
        entries: &'a [u8],
    },
    /// Router Solicitation, type 10 (RFC 1256).
    ///
    /// ```text
    /// | Type = 10| Code = 0 |   Checksum    |
    /// |              reserved               |
    /// ```
    RouterSolicitation,
    /// Time Exceeded, type 11 (RFC 792, RFC 4884).
    ///
    /// ```text
    /// | Type = 11|   Code   |   Checksum    |
    /// |  unused  |  Length  |    unused     |
    /// | original datagram ...  | extension structure ...
    /// ```
    TimeExceeded {
        /// Which time ran out.
        code: codes::TimeExceeded,
        /// The quoted original datagram (with any RFC 4884 padding).
        original: &'a [u8],
        /// The RFC 4884 extension structure, when present.
        extension: Option<&'a [u8]>,
    },
    /// Parameter Problem, type 12 (RFC 792, RFC 4884).
    ///
    /// ```text
    /// | Type = 12|   Code   |   Checksum    |
    /// | Pointer  |  Length  |    unused     |
    /// | original datagram ...  | extension structure ...
    /// ```
    ParameterProblem {
        /// What the problem is.
        code: codes::ParameterProblem,
        /// The offset of the offending octet in the original datagram.
        pointer: u8,
        /// The quoted original datagram (with any RFC 4884 padding).
        original: &'a [u8],
        /// The RFC 4884 extension structure, when present.
        extension: Option<&'a [u8]>,
    },
    /// Timestamp, type 13 (RFC 792).
    ///
    /// ```text
    /// | Type = 13| Code = 0 |   Checksum    |
    /// |     Identifier      |  Sequence No  |
    /// | Originate Timestamp                 |
    /// | Receive Timestamp                   |
    /// | Transmit Timestamp                  |
    /// ```
    Timestamp {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// When the sender last touched the message (ms since midnight UT).
        originate: u32,
        /// When the echoer first touched it.
        receive: u32,
        /// When the echoer last touched it.
        transmit: u32,
    },
    /// Timestamp Reply, type 14 (RFC 792); the layout of Timestamp.
    TimestampReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// The request's originate timestamp.
        originate: u32,
        /// When the replier received the request.
        receive: u32,
        /// When the replier sent the reply.
        transmit: u32,
    },
    /// Information Request, type 15 (RFC 792; deprecated by RFC 6918).
    ///
    /// ```text
    /// | Type = 15| Code = 0 |   Checksum    |
    /// |     Identifier      |  Sequence No  |
    /// ```
    InformationRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
    },
    /// Information Reply, type 16; the layout of Information Request.
    InformationReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
    },
    /// Address Mask Request, type 17 (RFC 950; deprecated by RFC 6918).
    ///
    /// ```text
    /// | Type = 17| Code = 0 |   Checksum    |
    /// |     Identifier      |  Sequence No  |
    /// |            Address Mask             |
    /// ```
    AddressMaskRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Address mask (normally zero in a request).
        mask: Ipv4Addr,
    },
    /// Address Mask Reply, type 18; the layout of Address Mask Request.
    AddressMaskReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// The subnet mask.
        mask: Ipv4Addr,
    },
    /// Photuris security failure, type 40 (RFC 2521).
    ///
    /// ```text
    /// | Type = 40|   Code   |   Checksum    |
    /// |      reserved       |    Pointer    |
    /// | original protocol data ...
    /// ```
    Photuris {
        /// What failed.
        code: codes::Photuris,
        /// Offset of the offending SPI in the original datagram.
        pointer: u16,
        /// The quoted original datagram.
        original: &'a [u8],
    },
    /// Extended Echo Request, type 42 (RFC 8335, PROBE).
    ///
    /// ```text
    /// | Type = 42| Code = 0 |   Checksum    |
    /// |     Identifier      |Seq No |Res. |L|
    /// | ICMP extension structure: interface identification object ...
    /// ```
    ExtendedEchoRequest {
        /// Identifier.
        ident: u16,
        /// 8-bit sequence number.
        seq_no: u8,
        /// L bit: the probed interface is on the receiving node.
        local: bool,
        /// The extension structure carrying the interface identification
        /// object, raw.
        request: &'a [u8],
    },
    /// Extended Echo Reply, type 43 (RFC 8335, PROBE).
    ///
    /// ```text
    /// | Type = 43|   Code   |   Checksum    |
    /// |     Identifier      |Seq No |St |R|A|4|6|
    /// ```
    ExtendedEchoReply {
        /// The outcome of the query.
        code: codes::ExtendedEchoReply,
        /// Identifier.
        ident: u16,
        /// 8-bit sequence number.
        seq_no: u8,
        /// The neighbor state of a probed interface found in a table.
        state: ExtendedEchoState,
        /// A bit: the interface is active.
        active: bool,
        /// 4 bit: IPv4 runs on the interface.
        ipv4: bool,
        /// 6 bit: IPv6 runs on the interface.
        ipv6: bool,
    },
    /// Any other message: an unassigned or deprecated type, or a known
    /// type with a code it does not define. Kept as found.
    Unknown {
        /// The type number.
        msg_type: u8,
        /// The code.
        code: u8,
        /// Bytes 4-7.
        rest_of_header: [u8; 4],
        /// Everything after byte 7.
        data: &'a [u8],
    },
}

impl<'a> Repr<'a> {
    /// Parses a message from a view; the view need not have been checked.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Self> {
        Self::parse_bytes(packet.into_inner().as_ref())
    }

    /// Parses a message from its bytes (the ICMP message alone).
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self> {
        let p = Packet::new_checked(bytes)?;
        let data = bytes.get(HEADER_LEN..).unwrap_or_default();
        let code = p.msg_code();
        let (ident, seq_no) = (p.echo_ident(), p.echo_seq_no());
        let repr = match (p.msg_type(), code) {
            (Message::EchoRequest, 0) => Self::EchoRequest {
                ident,
                seq_no,
                data,
            },
            (Message::EchoReply, 0) => Self::EchoReply {
                ident,
                seq_no,
                data,
            },
            (Message::DestinationUnreachable, _) => {
                let body = extension::split(data, p.length_attr(), WORD)?;
                Self::DestinationUnreachable {
                    code: code.into(),
                    next_hop_mtu: p.next_hop_mtu(),
                    original: body.original,
                    extension: body.extension,
                }
            }
            (Message::SourceQuench, 0) => Self::SourceQuench { original: data },
            (Message::Redirect, _) => Self::Redirect {
                code: code.into(),
                gateway: p.gateway(),
                original: data,
            },
            (Message::RouterAdvertisement, _) => Self::RouterAdvertisement {
                code: code.into(),
                lifetime: p.lifetime(),
                entry_size: p.addr_entry_size(),
                // check_len guaranteed the entries are present.
                entries: data
                    .get(..entries_len(p.num_addrs(), p.addr_entry_size()))
                    .unwrap_or(data),
            },
            (Message::RouterSolicitation, 0) => Self::RouterSolicitation,
            (Message::TimeExceeded, _) => {
                let body = extension::split(data, p.length_attr(), WORD)?;
                Self::TimeExceeded {
                    code: code.into(),
                    original: body.original,
                    extension: body.extension,
                }
            }
            (Message::ParameterProblem, _) => {
                let body = extension::split(data, p.length_attr(), WORD)?;
                Self::ParameterProblem {
                    code: code.into(),
                    pointer: p.pointer(),
                    original: body.original,
                    extension: body.extension,
                }
            }
            (Message::Timestamp, 0) => Self::Timestamp {
                ident,
                seq_no,
                originate: p.originate_timestamp(),
                receive: p.receive_timestamp(),
                transmit: p.transmit_timestamp(),
            },
            (Message::TimestampReply, 0) => Self::TimestampReply {
                ident,
                seq_no,
                originate: p.originate_timestamp(),
                receive: p.receive_timestamp(),
                transmit: p.transmit_timestamp(),
            },
            (Message::InformationRequest, 0) => Self::InformationRequest { ident, seq_no },
            (Message::InformationReply, 0) => Self::InformationReply { ident, seq_no },
            (Message::AddressMaskRequest, 0) => Self::AddressMaskRequest {
                ident,
                seq_no,
                mask: p.address_mask(),
            },
            (Message::AddressMaskReply, 0) => Self::AddressMaskReply {
                ident,
                seq_no,
                mask: p.address_mask(),
            },
            (Message::Photuris, _) => Self::Photuris {
                code: code.into(),
                pointer: p.photuris_pointer(),
                original: data,
            },
            (Message::ExtendedEchoRequest, 0) => Self::ExtendedEchoRequest {
                ident,
                seq_no: p.extended_seq_no(),
                local: p.local(),
                request: data,
            },
            (Message::ExtendedEchoReply, _) => Self::ExtendedEchoReply {
                code: code.into(),
                ident,
                seq_no: p.extended_seq_no(),
                state: p.state(),
                active: p.active(),
                ipv4: p.ipv4(),
                ipv6: p.ipv6(),
            },
            (msg_type, code) => Self::Unknown {
                msg_type: msg_type.into(),
                code,
                rest_of_header: p.rest_of_header(),
                data,
            },
        };
        Ok(repr)
    }

    /// The message type.
    pub fn msg_type(&self) -> Message {
        match *self {
            Self::EchoRequest { .. } => Message::EchoRequest,
            Self::EchoReply { .. } => Message::EchoReply,
            Self::DestinationUnreachable { .. } => Message::DestinationUnreachable,
            Self::SourceQuench { .. } => Message::SourceQuench,
            Self::Redirect { .. } => Message::Redirect,
            Self::RouterAdvertisement { .. } => Message::RouterAdvertisement,
            Self::RouterSolicitation => Message::RouterSolicitation,
            Self::TimeExceeded { .. } => Message::TimeExceeded,
            Self::ParameterProblem { .. } => Message::ParameterProblem,
            Self::Timestamp { .. } => Message::Timestamp,
            Self::TimestampReply { .. } => Message::TimestampReply,
            Self::InformationRequest { .. } => Message::InformationRequest,
            Self::InformationReply { .. } => Message::InformationReply,
            Self::AddressMaskRequest { .. } => Message::AddressMaskRequest,
            Self::AddressMaskReply { .. } => Message::AddressMaskReply,
            Self::Photuris { .. } => Message::Photuris,
            Self::ExtendedEchoRequest { .. } => Message::ExtendedEchoRequest,
            Self::ExtendedEchoReply { .. } => Message::ExtendedEchoReply,
            Self::Unknown { msg_type, .. } => Message::from(msg_type),
        }
    }

    /// The message code.
    pub fn code(&self) -> u8 {
        match *self {
            Self::DestinationUnreachable { code, .. } => code.into(),
            Self::Redirect { code, .. } => code.into(),
            Self::RouterAdvertisement { code, .. } => code.into(),
            Self::TimeExceeded { code, .. } => code.into(),
            Self::ParameterProblem { code, .. } => code.into(),
            Self::Photuris { code, .. } => code.into(),
            Self::ExtendedEchoReply { code, .. } => code.into(),
            Self::Unknown { code, .. } => code,
            _ => 0,
        }
    }

    /// The length of the emitted message.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match *self {
                Self::EchoRequest { data, .. }
                | Self::EchoReply { data, .. }
                | Self::Unknown { data, .. } => data.len(),
                Self::DestinationUnreachable {
                    original,
                    extension,
                    ..
                }
                | Self::TimeExceeded {
                    original,
                    extension,
                    ..
                }
                | Self::ParameterProblem {
                    original,
                    extension,
                    ..
                } => error_body_len(original, extension, WORD),
                Self::SourceQuench { original }
                | Self::Redirect { original, .. }
                | Self::Photuris { original, .. } => original.len(),
                Self::RouterAdvertisement { entries, .. } => entries.len(),
                Self::ExtendedEchoRequest { request, .. } => request.len(),
                Self::RouterSolicitation
                | Self::InformationRequest { .. }
                | Self::InformationReply { .. }
                | Self::ExtendedEchoReply { .. } => 0,
                Self::Timestamp { .. } | Self::TimestampReply { .. } => TIMESTAMP_LEN - HEADER_LEN,
                Self::AddressMaskRequest { .. } | Self::AddressMaskReply { .. } => {
                    ADDRESS_MASK_LEN - HEADER_LEN
                }
            }
    }

    /// Writes the message into `packet` and fills in the checksum, which
    /// covers the whole buffer: give it a buffer of exactly
    /// [`Repr::buffer_len`] bytes.
    ///
    /// # Panics
    ///
    /// If the buffer is shorter than [`Repr::buffer_len`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut Packet<&mut T>) {
        packet.set_msg_type(self.msg_type());
        packet.set_msg_code(self.code());
        packet.set_rest_of_header([0; 4]);
        match *self {
            Self::EchoRequest {
                ident,
                seq_no,
                data,
            }
            | Self::EchoReply {
                ident,
                seq_no,
                data,
            } => {
                packet.set_echo_ident(ident);
                packet.set_echo_seq_no(seq_no);
                copy_into(packet.data_mut(), data);
            }
            Self::DestinationUnreachable {
                next_hop_mtu,
                original,
                extension,
                ..
            } => {
                packet.set_next_hop_mtu(next_hop_mtu);
                emit_multipart(packet, original, extension);
            }
            Self::TimeExceeded {
                original,
                extension,
                ..
            } => emit_multipart(packet, original, extension),
            Self::ParameterProblem {
                pointer,
                original,
                extension,
                ..
            } => {
                packet.set_pointer(pointer);
                emit_multipart(packet, original, extension);
            }
            Self::SourceQuench { original } => copy_into(packet.data_mut(), original),
            Self::Redirect {
                gateway, original, ..
            } => {
                packet.set_gateway(gateway);
                copy_into(packet.data_mut(), original);
            }
            Self::RouterAdvertisement {
                lifetime,
                entry_size,
                entries,
                ..
            } => {
                let per_entry = usize::from(entry_size) * 4;
                let num = entries.len().checked_div(per_entry).unwrap_or(0);
                packet.set_num_addrs(u8::try_from(num).unwrap_or(u8::MAX));
                packet.set_addr_entry_size(entry_size);
                packet.set_lifetime(lifetime);
                copy_into(packet.data_mut(), entries);
            }
            Self::RouterSolicitation => {}
            Self::Timestamp {
                ident,
                seq_no,
                originate,
                receive,
                transmit,
            }
            | Self::TimestampReply {
                ident,
                seq_no,
                originate,
                receive,
                transmit,
            } => {
                packet.set_echo_ident(ident);
                packet.set_echo_seq_no(seq_no);
                packet.set_originate_timestamp(originate);
                packet.set_receive_timestamp(receive);
                packet.set_transmit_timestamp(transmit);
            }
            Self::InformationRequest { ident, seq_no }
            | Self::InformationReply { ident, seq_no } => {
                packet.set_echo_ident(ident);
                packet.set_echo_seq_no(seq_no);
            }
            Self::AddressMaskRequest {
                ident,
                seq_no,
                mask,
            }
            | Self::AddressMaskReply {
                ident,
                seq_no,
                mask,
            } => {
                packet.set_echo_ident(ident);
                packet.set_echo_seq_no(seq_no);
                packet.set_address_mask(mask);
            }
            Self::Photuris {
                pointer, original, ..
            } => {
                packet.set_photuris_pointer(pointer);
                copy_into(packet.data_mut(), original);
            }
            Self::ExtendedEchoRequest {
                ident,
                seq_no,
                local,
                request,
            } => {
                let msg = packet.as_mut();
                extended_echo::set_header(msg, ident, seq_no, extended_echo::request_flags(local));
                copy_into(packet.data_mut(), request);
            }
            Self::ExtendedEchoReply {
                ident,
                seq_no,
                state,
                active,
                ipv4,
                ipv6,
                ..
            } => {
                let flags = ReplyFlags {
                    state,
                    active,
                    ipv4,
                    ipv6,
                };
                extended_echo::set_header(packet.as_mut(), ident, seq_no, flags.to_byte());
            }
            Self::Unknown {
                rest_of_header,
                data,
                ..
            } => {
                packet.set_rest_of_header(rest_of_header);
                copy_into(packet.data_mut(), data);
            }
        }
        packet.fill_checksum();
    }
}

/// Writes an RFC 4884 body and its length attribute (byte 5).
fn emit_multipart<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
    packet: &mut Packet<&mut T>,
    original: &[u8],
    extension: Option<&[u8]>,
) {
    emit_error_body(packet.as_mut(), field::LENGTH, WORD, original, extension);
}
