//! [`Repr`]: every ICMPv6 message parsed into its fields, and emitted back.

use core::net::Ipv6Addr;

use super::mld::{self, V2Query, V2Report};
use super::ndp::{self, NdpOptions, Preference, RouterAdvertisement};
use super::packet::{HEADER_LEN, field, flag};
use super::{
    DestinationUnreachable, EXTENSION_WORD, ExtendedEchoReply, ExtendedEchoState, Message,
    NodeInformationQuery, NodeInformationResponse, Packet, ParameterProblem, TimeExceeded,
    node_info,
};
use crate::error::{Result, need};
use crate::extension;
use crate::field as f;
use crate::icmp::extended_echo::{self, ReplyFlags};
use crate::icmp::{emit_error_body, error_body_len};

/// A parsed ICMPv6 message. Error messages keep the quoted datagram as
/// bytes. Messages whose only defined code is 0 (echo, Packet Too Big, MLD,
/// NDP) do not keep the code; the [`Packet`] view still shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repr<'a> {
    /// Type 1 (RFC 4443 §3.1), with RFC 4884 extensions.
    ///
    /// ```text
    /// | 1 | code | checksum | length (64-bit words) | unused (24) |
    /// | as much of the invoking packet as fits, padded when extended ... |
    /// | RFC 4884 extension structure (optional) ... |
    /// ```
    DestinationUnreachable {
        /// Why the destination is unreachable.
        code: DestinationUnreachable,
        /// The quoted datagram (with any RFC 4884 zero padding).
        original: &'a [u8],
        /// The raw RFC 4884 extension structure, if any.
        extension: Option<&'a [u8]>,
    },
    /// Type 2 (RFC 4443 §3.2).
    ///
    /// ```text
    /// | 2 | 0 | checksum | MTU (32) | as much of the invoking packet as fits ... |
    /// ```
    PacketTooBig {
        /// The MTU of the next-hop link.
        mtu: u32,
        /// The quoted datagram.
        original: &'a [u8],
    },
    /// Type 3 (RFC 4443 §3.3), with RFC 4884 extensions; laid out like
    /// Destination Unreachable.
    TimeExceeded {
        /// Hop limit or reassembly.
        code: TimeExceeded,
        /// The quoted datagram (with any RFC 4884 zero padding).
        original: &'a [u8],
        /// The raw RFC 4884 extension structure, if any.
        extension: Option<&'a [u8]>,
    },
    /// Type 4 (RFC 4443 §3.4).
    ///
    /// ```text
    /// | 4 | code | checksum | pointer (32) | as much of the invoking packet as fits ... |
    /// ```
    ParameterProblem {
        /// What kind of problem.
        code: ParameterProblem,
        /// The offset in the invoking packet where the problem was found.
        pointer: u32,
        /// The quoted datagram.
        original: &'a [u8],
    },
    /// Type 128 (RFC 4443 §4.1).
    ///
    /// ```text
    /// | 128 | 0 | checksum | identifier (16) | sequence number (16) | data ... |
    /// ```
    EchoRequest {
        /// The identifier.
        ident: u16,
        /// The sequence number.
        seq_no: u16,
        /// The data to echo.
        data: &'a [u8],
    },
    /// Type 129 (RFC 4443 §4.2), laid out like the request.
    EchoReply {
        /// The identifier.
        ident: u16,
        /// The sequence number.
        seq_no: u16,
        /// The echoed data.
        data: &'a [u8],
    },
    /// Type 130 at 24 bytes: an MLD version 1 Query (see [`mld`] for the layout).
    MldQuery {
        /// Maximum Response Delay in milliseconds.
        max_response_delay: u16,
        /// The group queried (unspecified for a general query).
        multicast_address: Ipv6Addr,
    },
    /// Type 131: an MLD version 1 Report.
    MldReport {
        /// Maximum Response Delay (zero when sent).
        max_response_delay: u16,
        /// The group listened to.
        multicast_address: Ipv6Addr,
    },
    /// Type 132: an MLD version 1 Done.
    MldDone {
        /// Maximum Response Delay (zero when sent).
        max_response_delay: u16,
        /// The group left.
        multicast_address: Ipv6Addr,
    },
    /// Type 130 at 28 bytes or more: an MLDv2 Query.
    MldV2Query(V2Query<'a>),
    /// Type 143: an MLDv2 Report.
    MldV2Report(V2Report<'a>),
    /// Type 133 (see [`ndp`] for the layouts of 133..=137).
    RouterSolicitation {
        /// The options (usually the source link-layer address).
        options: NdpOptions<'a>,
    },
    /// Type 134.
    RouterAdvertisement(RouterAdvertisement<'a>),
    /// Type 135.
    NeighborSolicitation {
        /// The address whose link-layer address is sought.
        target: Ipv6Addr,
        /// The options (usually the source link-layer address).
        options: NdpOptions<'a>,
    },
    /// Type 136.
    NeighborAdvertisement {
        /// R: the sender is a router.
        router: bool,
        /// S: sent in response to a solicitation.
        solicited: bool,
        /// O: override an existing cache entry.
        override_entry: bool,
        /// The address advertised.
        target: Ipv6Addr,
        /// The options (usually the target link-layer address).
        options: NdpOptions<'a>,
    },
    /// Type 137.
    Redirect {
        /// The better first hop.
        target: Ipv6Addr,
        /// The destination being redirected.
        destination: Ipv6Addr,
        /// The options (target link-layer address, redirected header).
        options: NdpOptions<'a>,
    },
    /// Type 138, Router Renumbering (RFC 2894), kept raw.
    ///
    /// ```text
    /// | 138 | code | checksum | sequence number (32) | segment, flags, ... |
    /// ```
    RouterRenumbering {
        /// 0 command, 1 result, 255 sequence number reset.
        code: u8,
        /// The sequence number.
        sequence_number: u32,
        /// The rest of the message.
        data: &'a [u8],
    },
    /// Type 139 (see [`node_info`] for the layout).
    NodeInformationQuery {
        /// What the data field holds.
        code: NodeInformationQuery,
        /// What is asked (`node_info::QTYPE_*`).
        qtype: u16,
        /// Qtype-specific flags.
        flags: u16,
        /// The nonce a response echoes.
        nonce: [u8; 8],
        /// The subject.
        data: &'a [u8],
    },
    /// Type 140.
    NodeInformationResponse {
        /// Success, refused or unknown Qtype.
        code: NodeInformationResponse,
        /// The Qtype answered.
        qtype: u16,
        /// Qtype-specific flags.
        flags: u16,
        /// The query's nonce.
        nonce: [u8; 8],
        /// The reply data.
        data: &'a [u8],
    },
    /// Type 160 (RFC 8335 §2).
    ///
    /// ```text
    /// | 160 | 0 | checksum | identifier (16) | sequence (8) | reserved (7) |L|
    /// | RFC 4884 extension structure: the interface identification object |
    /// ```
    ExtendedEchoRequest {
        /// The identifier.
        ident: u16,
        /// The 8-bit sequence number.
        seq_no: u8,
        /// L: the probed interface is on the node that receives the request.
        local: bool,
        /// The extension structure identifying the probed interface, raw.
        request: &'a [u8],
    },
    /// Type 161 (RFC 8335 §3).
    ///
    /// ```text
    /// | 161 | code | checksum | identifier (16) | sequence (8) | State (3) |Res|A|4|6|
    /// ```
    ExtendedEchoReply {
        /// The outcome of the query.
        code: ExtendedEchoReply,
        /// The identifier.
        ident: u16,
        /// The 8-bit sequence number.
        seq_no: u8,
        /// The neighbor-cache state of the probed interface.
        state: ExtendedEchoState,
        /// A: the interface is active.
        active: bool,
        /// The interface runs IPv4.
        ipv4: bool,
        /// The interface runs IPv6.
        ipv6: bool,
    },
    /// Types 100, 101, 200 and 201 (RFC 4443): private experimentation.
    PrivateExperimentation {
        /// The type.
        msg_type: u8,
        /// The code.
        code: u8,
        /// Bytes 4..8.
        rest_of_header: [u8; 4],
        /// The rest of the message.
        data: &'a [u8],
    },
    /// Any other type.
    Unknown {
        /// The type.
        msg_type: u8,
        /// The code.
        code: u8,
        /// Bytes 4..8.
        rest_of_header: [u8; 4],
        /// The rest of the message.
        data: &'a [u8],
    },
}

impl<'a> Repr<'a> {
    /// Parses a message. The checksum is not checked (see
    /// [`Packet::verify_checksum`]); unknown types and codes are kept.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Self> {
        let msg: &'a [u8] = packet.into_inner().as_ref();
        need("ICMPv6 header", msg, HEADER_LEN)?;
        let view = Packet::new_unchecked(msg);
        let msg_type = view.msg_type();
        view.check_len()?;
        let code = view.msg_code();
        let data = &msg[HEADER_LEN..];
        let options = |at: usize| NdpOptions::new(&msg[at..]);
        Ok(match msg_type {
            Message::DestinationUnreachable => {
                let m = extension::split(data, view.length_attr(), EXTENSION_WORD)?;
                Self::DestinationUnreachable {
                    code: code.into(),
                    original: m.original,
                    extension: m.extension,
                }
            }
            Message::PacketTooBig => Self::PacketTooBig {
                mtu: view.mtu(),
                original: data,
            },
            Message::TimeExceeded => {
                let m = extension::split(data, view.length_attr(), EXTENSION_WORD)?;
                Self::TimeExceeded {
                    code: code.into(),
                    original: m.original,
                    extension: m.extension,
                }
            }
            Message::ParameterProblem => Self::ParameterProblem {
                code: code.into(),
                pointer: view.pointer(),
                original: data,
            },
            Message::EchoRequest => Self::EchoRequest {
                ident: view.echo_ident(),
                seq_no: view.echo_seq_no(),
                data,
            },
            Message::EchoReply => Self::EchoReply {
                ident: view.echo_ident(),
                seq_no: view.echo_seq_no(),
                data,
            },
            Message::MulticastListenerQuery if msg.len() == mld::V1_LEN => Self::MldQuery {
                max_response_delay: view.max_response(),
                multicast_address: view.multicast_addr(),
            },
            Message::MulticastListenerQuery => Self::MldV2Query(V2Query::parse(msg)?),
            Message::MulticastListenerReport => Self::MldReport {
                max_response_delay: view.max_response(),
                multicast_address: view.multicast_addr(),
            },
            Message::MulticastListenerDone => Self::MldDone {
                max_response_delay: view.max_response(),
                multicast_address: view.multicast_addr(),
            },
            Message::MulticastListenerReportV2 => Self::MldV2Report(V2Report::parse(msg)?),
            Message::RouterSolicitation => Self::RouterSolicitation {
                options: options(HEADER_LEN)?,
            },
            Message::RouterAdvertisement => {
                let flags = view.router_flags();
                Self::RouterAdvertisement(RouterAdvertisement {
                    hop_limit: view.current_hop_limit(),
                    managed: flags & ndp::RA_MANAGED != 0,
                    other_config: flags & ndp::RA_OTHER != 0,
                    home_agent: flags & ndp::RA_HOME_AGENT != 0,
                    preference: Preference::from_bits(flags >> 3),
                    proxy: flags & ndp::RA_PROXY != 0,
                    router_lifetime: view.router_lifetime(),
                    reachable_time: view.reachable_time(),
                    retrans_timer: view.retrans_timer(),
                    options: options(ndp::RA_FIXED_LEN)?,
                })
            }
            Message::NeighborSolicitation => Self::NeighborSolicitation {
                target: view.target_addr(),
                options: options(ndp::NS_FIXED_LEN)?,
            },
            Message::NeighborAdvertisement => {
                let flags = view.neighbor_flags();
                Self::NeighborAdvertisement {
                    router: flags & ndp::NA_ROUTER != 0,
                    solicited: flags & ndp::NA_SOLICITED != 0,
                    override_entry: flags & ndp::NA_OVERRIDE != 0,
                    target: view.target_addr(),
                    options: options(ndp::NA_FIXED_LEN)?,
                }
            }
            Message::Redirect => Self::Redirect {
                target: view.target_addr(),
                destination: view.destination_addr(),
                options: options(ndp::REDIRECT_FIXED_LEN)?,
            },
            Message::RouterRenumbering => Self::RouterRenumbering {
                code,
                sequence_number: f::u32_at(msg, 4),
                data,
            },
            Message::NodeInformationQuery => Self::NodeInformationQuery {
                code: code.into(),
                qtype: view.ni_qtype(),
                flags: view.ni_flags(),
                nonce: view.ni_nonce(),
                data: &msg[node_info::FIXED_LEN..],
            },
            Message::NodeInformationResponse => Self::NodeInformationResponse {
                code: code.into(),
                qtype: view.ni_qtype(),
                flags: view.ni_flags(),
                nonce: view.ni_nonce(),
                data: &msg[node_info::FIXED_LEN..],
            },
            Message::ExtendedEchoRequest => Self::ExtendedEchoRequest {
                ident: view.echo_ident(),
                seq_no: view.ext_echo_seq_no(),
                local: extended_echo::is_local(view.ext_echo_flags()),
                request: data,
            },
            Message::ExtendedEchoReply => {
                let flags = ReplyFlags::from_byte(view.ext_echo_flags());
                Self::ExtendedEchoReply {
                    code: code.into(),
                    ident: view.echo_ident(),
                    seq_no: view.ext_echo_seq_no(),
                    state: flags.state,
                    active: flags.active,
                    ipv4: flags.ipv4,
                    ipv6: flags.ipv6,
                }
            }
            t if t.is_private_experimentation() => Self::PrivateExperimentation {
                msg_type: t.into(),
                code,
                rest_of_header: view.rest_of_header(),
                data,
            },
            t => Self::Unknown {
                msg_type: t.into(),
                code,
                rest_of_header: view.rest_of_header(),
                data,
            },
        })
    }

    /// The message type.
    pub fn msg_type(&self) -> Message {
        match self {
            Self::DestinationUnreachable { .. } => Message::DestinationUnreachable,
            Self::PacketTooBig { .. } => Message::PacketTooBig,
            Self::TimeExceeded { .. } => Message::TimeExceeded,
            Self::ParameterProblem { .. } => Message::ParameterProblem,
            Self::EchoRequest { .. } => Message::EchoRequest,
            Self::EchoReply { .. } => Message::EchoReply,
            Self::MldQuery { .. } | Self::MldV2Query(_) => Message::MulticastListenerQuery,
            Self::MldReport { .. } => Message::MulticastListenerReport,
            Self::MldDone { .. } => Message::MulticastListenerDone,
            Self::MldV2Report(_) => Message::MulticastListenerReportV2,
            Self::RouterSolicitation { .. } => Message::RouterSolicitation,
            Self::RouterAdvertisement(_) => Message::RouterAdvertisement,
            Self::NeighborSolicitation { .. } => Message::NeighborSolicitation,
            Self::NeighborAdvertisement { .. } => Message::NeighborAdvertisement,
            Self::Redirect { .. } => Message::Redirect,
            Self::RouterRenumbering { .. } => Message::RouterRenumbering,
            Self::NodeInformationQuery { .. } => Message::NodeInformationQuery,
            Self::NodeInformationResponse { .. } => Message::NodeInformationResponse,
            Self::ExtendedEchoRequest { .. } => Message::ExtendedEchoRequest,
            Self::ExtendedEchoReply { .. } => Message::ExtendedEchoReply,
            Self::PrivateExperimentation { msg_type, .. } | Self::Unknown { msg_type, .. } => {
                Message::from(*msg_type)
            }
        }
    }

    /// The code byte as emitted.
    pub fn code(&self) -> u8 {
        match *self {
            Self::DestinationUnreachable { code, .. } => code.into(),
            Self::TimeExceeded { code, .. } => code.into(),
            Self::ParameterProblem { code, .. } => code.into(),
            Self::NodeInformationQuery { code, .. } => code.into(),
            Self::NodeInformationResponse { code, .. } => code.into(),
            Self::ExtendedEchoReply { code, .. } => code.into(),
            Self::RouterRenumbering { code, .. }
            | Self::PrivateExperimentation { code, .. }
            | Self::Unknown { code, .. } => code,
            _ => 0,
        }
    }

    /// The length of the message [`Repr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::DestinationUnreachable {
                original,
                extension,
                ..
            }
            | Self::TimeExceeded {
                original,
                extension,
                ..
            } => HEADER_LEN + error_body_len(original, *extension, EXTENSION_WORD),
            Self::PacketTooBig { original, .. } | Self::ParameterProblem { original, .. } => {
                HEADER_LEN + original.len()
            }
            Self::EchoRequest { data, .. }
            | Self::EchoReply { data, .. }
            | Self::RouterRenumbering { data, .. }
            | Self::PrivateExperimentation { data, .. }
            | Self::Unknown { data, .. }
            | Self::ExtendedEchoRequest { request: data, .. } => HEADER_LEN + data.len(),
            Self::MldQuery { .. } | Self::MldReport { .. } | Self::MldDone { .. } => mld::V1_LEN,
            Self::MldV2Query(q) => q.buffer_len(),
            Self::MldV2Report(r) => mld::V2_REPORT_FIXED_LEN + r.records.as_bytes().len(),
            Self::RouterSolicitation { options } => HEADER_LEN + options.as_bytes().len(),
            Self::RouterAdvertisement(ra) => ndp::RA_FIXED_LEN + ra.options.as_bytes().len(),
            Self::NeighborSolicitation { options, .. } => {
                ndp::NS_FIXED_LEN + options.as_bytes().len()
            }
            Self::NeighborAdvertisement { options, .. } => {
                ndp::NA_FIXED_LEN + options.as_bytes().len()
            }
            Self::Redirect { options, .. } => ndp::REDIRECT_FIXED_LEN + options.as_bytes().len(),
            Self::NodeInformationQuery { data, .. }
            | Self::NodeInformationResponse { data, .. } => node_info::FIXED_LEN + data.len(),
            Self::ExtendedEchoReply { .. } => HEADER_LEN,
        }
    }

    /// Writes the message into `packet`, whose buffer must be exactly
    /// [`Repr::buffer_len`] bytes, and fills the checksum for the IPv6
    /// source `src` and destination `dst`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: Ipv6Addr,
        dst: Ipv6Addr,
    ) {
        packet.set_msg_type(self.msg_type());
        packet.set_msg_code(self.code());
        packet.set_checksum(0);
        let put = |packet: &mut Packet<T>, at: usize, bytes: &[u8]| {
            packet.tail_mut(at)[..bytes.len()].copy_from_slice(bytes);
        };
        let mld_v1 = |packet: &mut Packet<T>, delay: u16, group: Ipv6Addr| {
            packet.set_max_response(delay);
            packet.set_multicast_addr(group);
        };
        match *self {
            Self::DestinationUnreachable {
                original,
                extension,
                ..
            }
            | Self::TimeExceeded {
                original,
                extension,
                ..
            } => {
                packet.set_rest_of_header([0; 4]);
                emit_error_body(
                    packet.as_mut(),
                    field::LENGTH,
                    EXTENSION_WORD,
                    original,
                    extension,
                );
            }
            Self::PacketTooBig { mtu, original } => {
                packet.set_mtu(mtu);
                put(packet, HEADER_LEN, original);
            }
            Self::ParameterProblem {
                pointer, original, ..
            } => {
                packet.set_pointer(pointer);
                put(packet, HEADER_LEN, original);
            }
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
                put(packet, HEADER_LEN, data);
            }
            Self::MldQuery {
                max_response_delay,
                multicast_address,
            }
            | Self::MldReport {
                max_response_delay,
                multicast_address,
            }
            | Self::MldDone {
                max_response_delay,
                multicast_address,
            } => mld_v1(packet, max_response_delay, multicast_address),
            Self::MldV2Query(q) => q.emit(packet),
            Self::MldV2Report(r) => {
                packet.set_num_records(r.records.count());
                put(packet, mld::V2_REPORT_FIXED_LEN, r.records.as_bytes());
            }
            Self::RouterSolicitation { options } => {
                packet.set_rest_of_header([0; 4]);
                put(packet, HEADER_LEN, options.as_bytes());
            }
            Self::RouterAdvertisement(ra) => {
                packet.set_current_hop_limit(ra.hop_limit);
                packet.set_router_flags(ra.flags());
                packet.set_router_lifetime(ra.router_lifetime);
                packet.set_reachable_time(ra.reachable_time);
                packet.set_retrans_timer(ra.retrans_timer);
                put(packet, ndp::RA_FIXED_LEN, ra.options.as_bytes());
            }
            Self::NeighborSolicitation { target, options } => {
                packet.set_rest_of_header([0; 4]);
                packet.set_target_addr(target);
                put(packet, ndp::NS_FIXED_LEN, options.as_bytes());
            }
            Self::NeighborAdvertisement {
                router,
                solicited,
                override_entry,
                target,
                options,
            } => {
                packet.set_neighbor_flags(
                    flag(router, ndp::NA_ROUTER)
                        | flag(solicited, ndp::NA_SOLICITED)
                        | flag(override_entry, ndp::NA_OVERRIDE),
                );
                packet.set_target_addr(target);
                put(packet, ndp::NA_FIXED_LEN, options.as_bytes());
            }
            Self::Redirect {
                target,
                destination,
                options,
            } => {
                packet.set_rest_of_header([0; 4]);
                packet.set_target_addr(target);
                packet.set_destination_addr(destination);
                put(packet, ndp::REDIRECT_FIXED_LEN, options.as_bytes());
            }
            Self::RouterRenumbering {
                sequence_number,
                data,
                ..
            } => {
                packet.set_rest_of_header(sequence_number.to_be_bytes());
                put(packet, HEADER_LEN, data);
            }
            Self::NodeInformationQuery {
                qtype,
                flags,
                nonce,
                data,
                ..
            }
            | Self::NodeInformationResponse {
                qtype,
                flags,
                nonce,
                data,
                ..
            } => {
                packet.set_ni_qtype(qtype);
                packet.set_ni_flags(flags);
                packet.set_ni_nonce(nonce);
                put(packet, node_info::FIXED_LEN, data);
            }
            Self::ExtendedEchoRequest {
                ident,
                seq_no,
                local,
                request,
            } => {
                let flags = extended_echo::request_flags(local);
                extended_echo::set_header(packet.as_mut(), ident, seq_no, flags);
                put(packet, HEADER_LEN, request);
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
            Self::PrivateExperimentation {
                rest_of_header,
                data,
                ..
            }
            | Self::Unknown {
                rest_of_header,
                data,
                ..
            } => {
                packet.set_rest_of_header(rest_of_header);
                put(packet, HEADER_LEN, data);
            }
        }
        packet.fill_checksum(src, dst);
    }
}
