//! The named fields of a dissected ICMP packet, as JSON values.
//!
//! Text and JSON output are both rendered from these lists, so the two never
//! disagree on what a message holds or what its fields are called.

use std::net::IpAddr;

use icmpkit_capture::encap::Layer;
use icmpkit_wire::dissect::Message;
use icmpkit_wire::extension::{
    ChecksumStatus, ExtensionStructure, InterfaceAddress, InterfaceIdentification,
    InterfaceInformation, MplsLabel, MplsLabelStack, Object,
};
use icmpkit_wire::icmpv4::{self, RouterEntries};
use icmpkit_wire::icmpv6::ndp::{NdpOption, NdpOptions};
use icmpkit_wire::icmpv6::{self, Ipv6Addresses};
use icmpkit_wire::quote::{Quote, QuotedTransport};
use serde_json::{Value, json};

#[cfg(test)]
mod tests;

/// An ordered list of named values.
pub type Fields = Vec<(&'static str, Value)>;

/// The message's own fields (identifier, MTU, gateway, pointer, ...).
pub fn message(message: &Message<'_>) -> Fields {
    match message {
        Message::V4(repr) => v4(repr),
        Message::V6(repr) => v6(repr),
    }
}

fn v4(repr: &icmpv4::Repr<'_>) -> Fields {
    use icmpv4::Repr as R;
    match *repr {
        R::EchoRequest {
            ident,
            seq_no,
            data,
        }
        | R::EchoReply {
            ident,
            seq_no,
            data,
        } => {
            vec![
                ("id", ident.into()),
                ("seq", seq_no.into()),
                ("data_len", data.len().into()),
            ]
        }
        R::DestinationUnreachable {
            code,
            next_hop_mtu,
            original,
            ..
        } => {
            let mut f = Vec::new();
            if code == icmpv4::DestinationUnreachable::FragmentationNeeded {
                f.push(("mtu", next_hop_mtu.into()));
            }
            f.push(("quote_len", original.len().into()));
            f
        }
        R::SourceQuench { original } | R::Photuris { original, .. } => {
            vec![("quote_len", original.len().into())]
        }
        R::Redirect {
            gateway, original, ..
        } => {
            vec![
                ("gateway", gateway.to_string().into()),
                ("quote_len", original.len().into()),
            ]
        }
        R::RouterAdvertisement {
            lifetime,
            entry_size,
            entries,
            ..
        } => {
            let routers: Vec<Value> = RouterEntries::new(entries, entry_size)
                .map(|(addr, preference)| json!({"address": addr.to_string(), "preference": preference}))
                .collect();
            vec![("lifetime", lifetime.into()), ("routers", routers.into())]
        }
        R::RouterSolicitation => Vec::new(),
        R::TimeExceeded { original, .. } => vec![("quote_len", original.len().into())],
        R::ParameterProblem {
            pointer, original, ..
        } => {
            vec![
                ("pointer", pointer.into()),
                ("quote_len", original.len().into()),
            ]
        }
        R::Timestamp {
            ident,
            seq_no,
            originate,
            receive,
            transmit,
        }
        | R::TimestampReply {
            ident,
            seq_no,
            originate,
            receive,
            transmit,
        } => vec![
            ("id", ident.into()),
            ("seq", seq_no.into()),
            ("originate", originate.into()),
            ("receive", receive.into()),
            ("transmit", transmit.into()),
        ],
        R::InformationRequest { ident, seq_no } | R::InformationReply { ident, seq_no } => {
            vec![("id", ident.into()), ("seq", seq_no.into())]
        }
        R::AddressMaskRequest {
            ident,
            seq_no,
            mask,
        }
        | R::AddressMaskReply {
            ident,
            seq_no,
            mask,
        } => {
            vec![
                ("id", ident.into()),
                ("seq", seq_no.into()),
                ("mask", mask.to_string().into()),
            ]
        }
        R::ExtendedEchoRequest {
            ident,
            seq_no,
            local,
            ..
        } => {
            vec![
                ("id", ident.into()),
                ("seq", seq_no.into()),
                ("local", local.into()),
            ]
        }
        R::ExtendedEchoReply {
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
            ..
        } => extended_echo_reply(ident, seq_no, u8::from(state), active, ipv4, ipv6),
        R::Unknown {
            rest_of_header,
            data,
            ..
        } => unknown(rest_of_header, data),
    }
}

fn v6(repr: &icmpv6::Repr<'_>) -> Fields {
    use icmpv6::Repr as R;
    match repr {
        R::DestinationUnreachable { original, .. } | R::TimeExceeded { original, .. } => {
            vec![("quote_len", original.len().into())]
        }
        R::PacketTooBig { mtu, original } => {
            vec![("mtu", (*mtu).into()), ("quote_len", original.len().into())]
        }
        R::ParameterProblem {
            pointer, original, ..
        } => {
            vec![
                ("pointer", (*pointer).into()),
                ("quote_len", original.len().into()),
            ]
        }
        R::EchoRequest {
            ident,
            seq_no,
            data,
        }
        | R::EchoReply {
            ident,
            seq_no,
            data,
        } => {
            vec![
                ("id", (*ident).into()),
                ("seq", (*seq_no).into()),
                ("data_len", data.len().into()),
            ]
        }
        R::MldQuery {
            max_response_delay,
            multicast_address,
        }
        | R::MldReport {
            max_response_delay,
            multicast_address,
        }
        | R::MldDone {
            max_response_delay,
            multicast_address,
        } => vec![
            ("group", multicast_address.to_string().into()),
            ("max_response_delay", (*max_response_delay).into()),
        ],
        R::MldV2Query(q) => vec![
            ("group", q.multicast_address.to_string().into()),
            ("max_response_code", q.max_response_code.into()),
            (
                "suppress_router_processing",
                q.suppress_router_processing.into(),
            ),
            ("robustness", q.robustness.into()),
            ("qqic", q.qqic.into()),
            ("sources", addresses(q.sources)),
        ],
        R::MldV2Report(r) => {
            let records: Vec<Value> = r
                .records
                .iter()
                .map(|rec| {
                    json!({
                        "record_type": u8::from(rec.record_type),
                        "group": rec.multicast_address.to_string(),
                        "sources": addresses(rec.sources),
                    })
                })
                .collect();
            vec![("records", records.into())]
        }
        R::RouterSolicitation { options } => vec![("options", ndp_options(*options))],
        R::RouterAdvertisement(ra) => vec![
            ("hop_limit", ra.hop_limit.into()),
            ("managed", ra.managed.into()),
            ("other_config", ra.other_config.into()),
            ("router_lifetime", ra.router_lifetime.into()),
            ("reachable_time", ra.reachable_time.into()),
            ("retrans_timer", ra.retrans_timer.into()),
            ("options", ndp_options(ra.options)),
        ],
        R::NeighborSolicitation { target, options } => {
            vec![
                ("target", target.to_string().into()),
                ("options", ndp_options(*options)),
            ]
        }
        R::NeighborAdvertisement {
            router,
            solicited,
            override_entry,
            target,
            options,
        } => vec![
            ("target", target.to_string().into()),
            ("router", (*router).into()),
            ("solicited", (*solicited).into()),
            ("override", (*override_entry).into()),
            ("options", ndp_options(*options)),
        ],
        R::Redirect {
            target,
            destination,
            options,
        } => vec![
            ("target", target.to_string().into()),
            ("destination", destination.to_string().into()),
            ("options", ndp_options(*options)),
        ],
        R::RouterRenumbering {
            sequence_number,
            data,
            ..
        } => {
            vec![
                ("sequence_number", (*sequence_number).into()),
                ("data_len", data.len().into()),
            ]
        }
        R::NodeInformationQuery {
            qtype,
            flags,
            nonce,
            data,
            ..
        }
        | R::NodeInformationResponse {
            qtype,
            flags,
            nonce,
            data,
            ..
        } => vec![
            ("qtype", (*qtype).into()),
            ("flags", (*flags).into()),
            ("nonce", hex(nonce).into()),
            ("data_len", data.len().into()),
        ],
        R::ExtendedEchoRequest {
            ident,
            seq_no,
            local,
            ..
        } => {
            vec![
                ("id", (*ident).into()),
                ("seq", (*seq_no).into()),
                ("local", (*local).into()),
            ]
        }
        R::ExtendedEchoReply {
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
            ..
        } => extended_echo_reply(*ident, *seq_no, u8::from(*state), *active, *ipv4, *ipv6),
        R::PrivateExperimentation {
            rest_of_header,
            data,
            ..
        }
        | R::Unknown {
            rest_of_header,
            data,
            ..
        } => unknown(*rest_of_header, data),
    }
}

fn extended_echo_reply(
    ident: u16,
    seq: u8,
    state: u8,
    active: bool,
    ipv4: bool,
    ipv6: bool,
) -> Fields {
    vec![
        ("id", ident.into()),
        ("seq", seq.into()),
        ("state", state.into()),
        ("active", active.into()),
        ("ipv4", ipv4.into()),
        ("ipv6", ipv6.into()),
    ]
}

fn unknown(rest_of_header: [u8; 4], data: &[u8]) -> Fields {
    vec![
        ("rest_of_header", hex(&rest_of_header).into()),
        ("data_len", data.len().into()),
    ]
}

fn addresses(list: Ipv6Addresses<'_>) -> Value {
    list.iter().map(|a| Value::from(a.to_string())).collect()
}

fn ndp_options(options: NdpOptions<'_>) -> Value {
    let mut out = Vec::new();
    for option in options {
        out.push(match option {
            Ok(option) => ndp_option(&option),
            Err(reason) => json!({"malformed": reason.to_string()}),
        });
    }
    out.into()
}

fn ndp_option(option: &NdpOption<'_>) -> Value {
    match option {
        NdpOption::SourceLinkLayerAddress(a) => {
            json!({"option": "source_lladdr", "address": mac(a)})
        }
        NdpOption::TargetLinkLayerAddress(a) => {
            json!({"option": "target_lladdr", "address": mac(a)})
        }
        NdpOption::PrefixInformation {
            prefix_len,
            on_link,
            autonomous,
            valid_lifetime,
            preferred_lifetime,
            prefix,
        } => json!({
            "option": "prefix",
            "prefix": format!("{prefix}/{prefix_len}"),
            "on_link": on_link,
            "autonomous": autonomous,
            "valid_lifetime": valid_lifetime,
            "preferred_lifetime": preferred_lifetime,
        }),
        NdpOption::RedirectedHeader { data } => {
            json!({"option": "redirected_header", "len": data.len()})
        }
        NdpOption::Mtu(mtu) => json!({"option": "mtu", "mtu": mtu}),
        NdpOption::Rdnss { lifetime, servers } => {
            json!({"option": "rdnss", "lifetime": lifetime, "servers": addresses(*servers)})
        }
        NdpOption::Dnssl { lifetime, domains } => {
            let names: Vec<Value> = domains
                .into_iter()
                .map(|d| match d {
                    Ok(name) => {
                        let labels: Vec<String> = name
                            .labels()
                            .map(|l| String::from_utf8_lossy(l).into_owned())
                            .collect();
                        Value::from(labels.join("."))
                    }
                    Err(reason) => json!({"malformed": reason.to_string()}),
                })
                .collect();
            json!({"option": "dnssl", "lifetime": lifetime, "domains": names})
        }
        NdpOption::RouteInformation {
            prefix_len,
            preference,
            lifetime,
            prefix,
        } => json!({
            "option": "route",
            "prefix": format!("{prefix}/{prefix_len}"),
            "preference": format!("{preference:?}").to_lowercase(),
            "lifetime": lifetime,
        }),
        NdpOption::Unknown { kind, data } => json!({"option": kind, "len": data.len()}),
    }
}

/// The quoted datagram as an object: what a prober matches its probe by.
/// Every key is present; what the quote does not hold is `null`.
pub fn quote(q: &Quote<'_>) -> Fields {
    let id = q.probe_identity();
    let (transport, icmp_type, icmp_code) = match q.transport {
        Some(QuotedTransport::Udp { .. }) => (Value::from("udp"), None, None),
        Some(QuotedTransport::Tcp { .. }) => (Value::from("tcp"), None, None),
        Some(QuotedTransport::Icmp { msg_type, code, .. }) => {
            (Value::from("icmp"), Some(msg_type), Some(code))
        }
        Some(QuotedTransport::Other { protocol }) => (Value::from(protocol), None, None),
        None => (Value::Null, None, None),
    };
    vec![
        ("version", q.ip.version().number().into()),
        ("src", addr(id.src)),
        ("dst", addr(id.dst)),
        ("protocol", id.protocol.into()),
        ("ttl", id.hop_limit.into()),
        ("ip_id", id.ip_ident.into()),
        ("flow_label", id.flow_label.into()),
        ("transport", transport),
        ("src_port", id.src_port.into()),
        ("dst_port", id.dst_port.into()),
        ("tcp_seq", id.tcp_seq.into()),
        ("icmp_type", icmp_type.into()),
        ("icmp_code", icmp_code.into()),
        ("icmp_id", id.icmp_ident.into()),
        ("icmp_seq", id.icmp_seq.into()),
        ("transport_checksum", id.transport_checksum.into()),
        ("truncated", q.truncated.into()),
    ]
}

/// One object of an RFC 4884 extension structure.
pub enum ExtensionObject<'a> {
    /// An MPLS label stack, kept as the view of its bytes: a hostile stack
    /// holds thousands of labels, which the renderers write straight out.
    Mpls(MplsLabelStack<'a>),
    /// Any other object, described (`{"object": ..., ...}`).
    Described(Value),
}

/// What an RFC 4884 extension structure holds: its checksum status, its
/// objects, and why reading them stopped, if it did.
pub struct Extension<'a> {
    /// What the structure's checksum says.
    pub checksum: ChecksumStatus,
    /// The objects read, in order.
    pub objects: Vec<ExtensionObject<'a>>,
    /// The reason the next object could not be read.
    pub malformed: Option<String>,
}

impl Extension<'_> {
    /// The number of MPLS labels in all MPLS objects.
    pub fn label_count(&self) -> usize {
        self.objects
            .iter()
            .map(|o| match o {
                ExtensionObject::Mpls(stack) => stack.len(),
                ExtensionObject::Described(_) => 0,
            })
            .sum()
    }

    /// Every MPLS label of every MPLS object, outermost first.
    pub fn labels(&self) -> impl Iterator<Item = MplsLabel> + '_ {
        self.objects
            .iter()
            .filter_map(|o| match o {
                ExtensionObject::Mpls(stack) => Some(stack.labels()),
                ExtensionObject::Described(_) => None,
            })
            .flatten()
    }
}

/// The decimal digits of `n`, written at the end of `buf`: label stacks are
/// rendered number by number, and a hostile one holds thousands.
pub fn decimal(n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut n = n;
    let mut at = buf.len();
    loop {
        at -= 1;
        // n % 10 is a digit: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        buf[at] = b'0' + digit;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// Describes an extension structure.
pub fn extension<'a>(ext: &ExtensionStructure<'a>) -> Extension<'a> {
    let mut objects = Vec::new();
    let mut malformed = None;
    for object in ext.objects() {
        objects.push(match object {
            Ok(Object::Mpls(stack)) => ExtensionObject::Mpls(stack),
            Ok(Object::InterfaceInformation(info)) => {
                ExtensionObject::Described(interface_information(&info))
            }
            Ok(Object::InterfaceIdentification(id)) => {
                ExtensionObject::Described(interface_identification(&id))
            }
            Ok(Object::Unknown(raw)) => ExtensionObject::Described(json!({
                "object": "unknown", "class": raw.class_num, "c_type": raw.c_type, "len": raw.data.len(),
            })),
            Err(reason) => {
                malformed = Some(reason.to_string());
                continue;
            }
        });
    }
    Extension {
        checksum: ext.checksum_status(),
        objects,
        malformed,
    }
}

fn interface_information(info: &InterfaceInformation<'_>) -> Value {
    json!({
        "object": "interface_information",
        "role": format!("{:?}", info.role),
        "ifindex": info.ifindex,
        "address": info.address.map(|a| a.to_string()),
        "name": info.name.map(|n| String::from_utf8_lossy(n).into_owned()),
        "mtu": info.mtu,
    })
}

fn interface_identification(id: &InterfaceIdentification<'_>) -> Value {
    match id {
        InterfaceIdentification::Name(name) => {
            json!({"object": "interface_identification", "name": String::from_utf8_lossy(name)})
        }
        InterfaceIdentification::Index(index) => {
            json!({"object": "interface_identification", "ifindex": index})
        }
        InterfaceIdentification::Address(InterfaceAddress::Ip(addr)) => {
            json!({"object": "interface_identification", "address": addr.to_string()})
        }
        InterfaceIdentification::Address(InterfaceAddress::Unknown { afi, address }) => {
            json!({"object": "interface_identification", "afi": afi, "address": hex(address)})
        }
    }
}

fn mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An address as a JSON string.
pub fn addr(a: IpAddr) -> Value {
    let mut s = String::with_capacity(15);
    push_addr(&mut s, a);
    s.into()
}

/// Appends an address as `Display` writes it (RFC 5952 for IPv6), digit by
/// digit: the formatting machinery cost a good part of a decode (two
/// addresses a packet, four with a quote).
pub fn push_addr(s: &mut String, a: IpAddr) {
    match a {
        IpAddr::V4(a) => push_v4(s, a.octets()),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                s.push_str("::ffff:");
                push_v4(s, v4.octets());
                return;
            }
            let groups = a.segments();
            // The longest run of two or more zero groups (the first of
            // equals) becomes `::`.
            let (mut best, mut best_len, mut run) = (0, 0, 0);
            for (i, &g) in groups.iter().enumerate() {
                run = if g == 0 { run + 1 } else { 0 };
                if run > best_len {
                    (best, best_len) = (i + 1 - run, run);
                }
            }
            let zeros = if best_len >= 2 {
                best..best + best_len
            } else {
                0..0
            };
            let mut i = 0;
            while i < 8 {
                if i == zeros.start && !zeros.is_empty() {
                    s.push_str("::");
                    i = zeros.end;
                    continue;
                }
                if i > 0 && i != zeros.end {
                    s.push(':');
                }
                push_hex(s, groups[i]);
                i += 1;
            }
        }
    }
}

fn push_v4(s: &mut String, octets: [u8; 4]) {
    let mut buf = [0; 10];
    for (i, octet) in octets.into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        for &digit in decimal(u32::from(octet), &mut buf) {
            s.push(char::from(digit));
        }
    }
}

/// Appends a group in lowercase hex, without leading zeros.
fn push_hex(s: &mut String, group: u16) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12, 8, 4, 0] {
        let digit = (group >> shift) & 0xf;
        if digit != 0 || started || shift == 0 {
            started = true;
            s.push(char::from(DIGITS[usize::from(digit)]));
        }
    }
}

/// The tunnel layers of an encapsulation path (every layer but the outer IP
/// headers), one object each, `proto` first.
pub fn encap(path: &[Layer]) -> Value {
    path.iter()
        .filter(|l| !matches!(l, Layer::Ip { .. }))
        .map(layer)
        .collect()
}

/// The outer IP headers of an encapsulation path, outermost first, as
/// `{version, src, dst}`.
pub fn outer(path: &[Layer]) -> Value {
    path.iter()
        .filter_map(|l| match *l {
            Layer::Ip { src, dst } => Some(json!({
                "version": if src.is_ipv4() { 4 } else { 6 },
                "src": addr(src),
                "dst": addr(dst),
            })),
            _ => None,
        })
        .collect()
}

fn layer(l: &Layer) -> Value {
    let proto = l.proto();
    match l {
        Layer::Ip { .. } | Layer::IpInIp { .. } => json!({ "proto": proto }),
        Layer::SegmentRouting {
            segments_left,
            segments,
        } => json!({ "proto": proto, "segments_left": segments_left, "segments": segments }),
        Layer::Gre {
            version,
            protocol,
            checksum,
            key,
            sequence,
            call_id,
        } => json!({
            "proto": proto, "version": version, "protocol": protocol, "checksum": checksum,
            "key": key, "sequence": sequence, "call_id": call_id,
        }),
        Layer::Erspan {
            version,
            session,
            vlan,
            platform,
        } => json!({
            "proto": proto, "version": version, "session": session, "vlan": vlan,
            "platform": platform,
        }),
        Layer::Udp { src_port, dst_port } => {
            json!({ "proto": proto, "src_port": src_port, "dst_port": dst_port })
        }
        Layer::Vxlan { vni } => json!({ "proto": proto, "vni": vni }),
        Layer::Geneve {
            vni,
            protocol,
            options,
        } => json!({ "proto": proto, "vni": vni, "protocol": protocol, "options": options }),
        Layer::Mpls { labels, omitted } => {
            json!({ "proto": proto, "labels": labels, "omitted": omitted })
        }
        Layer::Vlan { tpid, id, pcp } => {
            json!({ "proto": proto, "tpid": tpid, "id": id, "pcp": pcp })
        }
        Layer::Macsec { an, pn, sci } => json!({
            "proto": proto, "an": an, "pn": pn,
            "sci": sci.map(|s| format!("{s:016x}")),
        }),
        Layer::PimRegister { null: is_null } => json!({ "proto": proto, "null": is_null }),
        Layer::Nhrp {
            op_type,
            protocol,
            error,
        } => json!({ "proto": proto, "op": op_type, "protocol": protocol, "error": error }),
    }
}
