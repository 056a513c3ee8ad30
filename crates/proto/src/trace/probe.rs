//! Building trace probes and recognising them again in what comes back.
//!
//! A [`Prober`] knows the method, the addresses and the per-trace key, and
//! turns a [`ProbeSpec`] (probe number, flow) into the transport header
//! and payload to send (the kernel adds the IP header with the TTL). Which
//! fields carry what:
//!
//! | method | flow (what ECMP routers hash)           | probe number           |
//! |--------|------------------------------------------|------------------------|
//! | ICMP   | the checksum, held by two payload bytes  | sequence number        |
//! | UDP    | source port (`base + flow`)              | checksum, held by two payload bytes |
//! | TCP    | source port (`base + flow`)              | low 16 bits of the sequence number |
//!
//! With Paris off (classic traceroute) ICMP checksums follow the sequence
//! number, UDP probes go to `port + number` from one source port, and TCP
//! probes come from `base + number % MAX_FLOWS`, so every probe may take
//! another path.
//!
//! UDP probes sent on an ordinary UDP socket, bound to one source port,
//! carry their flow in the destination port instead (`port + flow`,
//! [`Prober::with_flows_in_dst_port`]): ECMP routers hash both ports.
//!
//! [`Prober::identify`] finds the probe number in a quote and reports what
//! a middlebox rewrote (source address, port or identifier, checksum); a
//! NAT's rewrite of a UDP Paris probe is undone (RFC 1624) to find the
//! number its checksum carried.

use core::fmt;
use std::net::IpAddr;

use icmpkit_wire::checksum::{self, Accumulator};
use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::quote::ProbeIdentity;
use icmpkit_wire::{IpVersion, tcp};

/// How probes are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// ICMP Echo Request (`-I`).
    Icmp,
    /// UDP datagrams to a closed port (`-U`, the default).
    Udp,
    /// TCP SYN (`-T`).
    Tcp,
}

impl Method {
    /// The IP protocol number of the probes.
    pub const fn protocol(self, version: IpVersion) -> u8 {
        match (self, version) {
            (Self::Icmp, IpVersion::V4) => protocol::ICMP,
            (Self::Icmp, IpVersion::V6) => protocol::ICMPV6,
            (Self::Udp, _) => protocol::UDP,
            (Self::Tcp, _) => protocol::TCP,
        }
    }

    /// The transport header length (ICMP and UDP 8, TCP 20 without options).
    pub const fn header_len(self) -> usize {
        match self {
            Self::Icmp | Self::Udp => 8,
            Self::Tcp => 20,
        }
    }

    /// The smallest transport length (header and payload) a probe may
    /// have: ICMP and UDP need two payload bytes to steer the checksum.
    pub const fn min_len(self) -> usize {
        match self {
            Self::Icmp | Self::Udp => 10,
            Self::Tcp => 20,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Icmp => "icmp",
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        })
    }
}

/// The most flows one trace may use (source ports `base..base + MAX_FLOWS`).
pub const MAX_FLOWS: u16 = 4096;
/// The most probes one trace may send: probe numbers are `0..MAX_PROBES`
/// (a UDP checksum carries `number + 1`, never 0 or `0xffff`).
pub const MAX_PROBES: usize = 0xfffd;
/// The TCP options of a SYN probe: MSS 1460, SACK permitted, timestamps,
/// NOP, window scale 7, as a Linux SYN carries them (20 bytes).
const TCP_SYN_OPTIONS: [u8; 20] = [
    2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7,
];

/// One probe to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeSpec {
    /// The probe number, unique within a trace (below [`MAX_PROBES`]).
    pub number: u16,
    /// The TTL or hop limit to send it with.
    pub ttl: u8,
    /// The flow (below [`MAX_FLOWS`]); ignored with Paris off.
    pub flow: u16,
}

/// What a sent probe carried that a middlebox may rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sent {
    /// The flow it was sent on.
    pub flow: u16,
    /// The UDP or TCP source port, or the ICMP identifier.
    pub src_port: u16,
    /// The transport checksum.
    pub checksum: u16,
    /// The transport length (header and payload).
    pub len: u16,
}

/// Fields of a quoted probe that differ from what was sent: the quoted
/// values. All `None` when the quote shows the probe as it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rewrites {
    /// The source address (a NAT on the way).
    pub src_addr: Option<IpAddr>,
    /// The UDP/TCP source port or ICMP identifier.
    pub src_port: Option<u16>,
    /// The transport checksum, when it changed in a way the address and
    /// port changes do not explain.
    pub checksum: Option<u16>,
}

impl Rewrites {
    /// Whether anything was rewritten.
    pub fn any(&self) -> bool {
        self.src_addr.is_some() || self.src_port.is_some() || self.checksum.is_some()
    }
}

/// A probe found again in a quote or a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identified {
    /// Its number.
    pub number: u16,
    /// What the quote shows rewritten (nothing for direct replies).
    pub rewrites: Rewrites,
}

/// Builds the probes of one trace and recognises them.
#[derive(Debug, Clone)]
pub struct Prober {
    method: Method,
    addrs: AddressPair,
    paris: bool,
    key: u16,
    src_port_base: u16,
    dst_port: u16,
    transport_len: usize,
    /// UDP Paris flows vary the destination port, not the source port.
    flows_in_dst_port: bool,
}

/// Why a [`Prober`] cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProberError {
    /// Source and destination are of different IP versions.
    MixedVersions,
    /// The transport length is below [`Method::min_len`] or above 65,535.
    Length {
        /// What was asked.
        len: usize,
        /// The least allowed.
        min: usize,
    },
    /// `base + MAX_FLOWS` passes port 65,535 (Paris), or the base is 0.
    SourcePort(u16),
    /// `port + MAX_FLOWS` passes port 65,535, with flows in the
    /// destination port.
    DestinationPort(u16),
}

impl fmt::Display for ProberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MixedVersions => {
                f.write_str("source and destination are of different IP versions")
            }
            Self::Length { len, min } => write!(
                f,
                "a probe's transport part of {len} bytes is out of range {min}..=65535"
            ),
            Self::SourcePort(p) => write!(
                f,
                "source port {p} leaves no room for {MAX_FLOWS} flows below 65536 (use 1..={})",
                u16::MAX - MAX_FLOWS
            ),
            Self::DestinationPort(p) => write!(
                f,
                "destination port {p} leaves no room for {MAX_FLOWS} flows below 65536 \
                 (use 1..={})",
                u16::MAX - MAX_FLOWS
            ),
        }
    }
}

impl std::error::Error for ProberError {}

/// The settings of a [`Prober`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProberConfig {
    /// The method.
    pub method: Method,
    /// The probes' source address (the one the kernel will use).
    pub src: IpAddr,
    /// The destination.
    pub dst: IpAddr,
    /// Paris flows (one path per flow) or classic probes.
    pub paris: bool,
    /// A per-trace key: the ICMP identifier, the high half of TCP sequence
    /// numbers.
    pub key: u16,
    /// The source port of flow 0 (UDP, TCP).
    pub src_port_base: u16,
    /// The destination port (UDP, TCP); UDP classic probes add their
    /// number to it, as traceroute does.
    pub dst_port: u16,
    /// The transport header and payload length of each probe.
    pub transport_len: usize,
}

impl Prober {
    /// A prober for `config`.
    ///
    /// # Errors
    /// [`ProberError`] for mixed address versions, a length out of range or
    /// a source port base without room for the flows.
    pub fn new(config: &ProberConfig) -> Result<Self, ProberError> {
        let addrs = AddressPair::new(config.src, config.dst).ok_or(ProberError::MixedVersions)?;
        let min = config.method.min_len();
        if config.transport_len < min || config.transport_len > usize::from(u16::MAX) {
            return Err(ProberError::Length {
                len: config.transport_len,
                min,
            });
        }
        if config.method != Method::Icmp
            && (config.src_port_base == 0 || config.src_port_base > u16::MAX - MAX_FLOWS)
        {
            return Err(ProberError::SourcePort(config.src_port_base));
        }
        Ok(Self {
            method: config.method,
            addrs,
            paris: config.paris,
            key: config.key,
            src_port_base: config.src_port_base,
            dst_port: config.dst_port,
            transport_len: config.transport_len,
            flows_in_dst_port: false,
        })
    }

    /// This prober with UDP Paris flows in the destination port (`port +
    /// flow`) and every probe from the source port of flow 0: the probes
    /// of an ordinary UDP socket, which is bound to one port.
    ///
    /// # Errors
    /// [`ProberError::DestinationPort`] when `port + MAX_FLOWS` passes
    /// 65,535.
    pub fn with_flows_in_dst_port(mut self) -> Result<Self, ProberError> {
        if self.method == Method::Udp && self.dst_port > u16::MAX - MAX_FLOWS {
            return Err(ProberError::DestinationPort(self.dst_port));
        }
        self.flows_in_dst_port = true;
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The per-trace key (the ICMP identifier).
    pub fn key(&self) -> u16 {
        self.key
    }

    /// The IP version.
    pub fn version(&self) -> IpVersion {
        self.addrs.version()
    }

    /// The destination.
    pub fn dst(&self) -> IpAddr {
        self.addrs.dst()
    }

    /// The source address.
    pub fn src(&self) -> IpAddr {
        self.addrs.src()
    }

    /// Whether probes keep their flow fields (Paris).
    pub fn paris(&self) -> bool {
        self.paris
    }

    /// The transport length of each probe.
    pub fn transport_len(&self) -> usize {
        self.transport_len
    }

    /// The source port a probe is sent from.
    fn src_port(&self, spec: ProbeSpec) -> u16 {
        let offset = match (self.paris, self.method) {
            (true, Method::Udp) if self.flows_in_dst_port => 0,
            (true, _) => spec.flow,
            // Classic UDP varies the destination port instead.
            (false, Method::Udp) => 0,
            (false, _) => spec.number,
        };
        self.src_port_base.wrapping_add(offset % MAX_FLOWS)
    }

    /// Writes the probe's transport header and payload into `out` (which
    /// is cleared first) and returns what a middlebox might rewrite.
    pub fn build(&self, spec: ProbeSpec, out: &mut Vec<u8>) -> Sent {
        self.build_len(spec, self.transport_len, out)
    }

    /// [`Prober::build`] with another transport length (path MTU probes);
    /// raised to [`Method::min_len`] if below.
    pub fn build_len(&self, spec: ProbeSpec, len: usize, out: &mut Vec<u8>) -> Sent {
        out.clear();
        out.resize(len.clamp(self.method.min_len(), usize::from(u16::MAX)), 0);
        // traceroute's fill: '@', 'A', 'B', ...
        for (i, b) in out.iter_mut().enumerate().skip(self.method.header_len()) {
            // i % 64 < 64: the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation)]
            {
                *b = 0x40 + (i % 64) as u8;
            }
        }
        match self.method {
            Method::Icmp => self.build_icmp(spec, out),
            Method::Udp => self.build_udp(spec, out),
            Method::Tcp => self.build_tcp(spec, out),
        }
    }

    fn build_icmp(&self, spec: ProbeSpec, out: &mut [u8]) -> Sent {
        let v6 = self.version() == IpVersion::V6;
        out[0] = if v6 { 128 } else { 8 };
        out[2..4].fill(0);
        out[4..6].copy_from_slice(&self.key.to_be_bytes());
        out[6..8].copy_from_slice(&spec.number.to_be_bytes());
        let base = if v6 {
            self.addrs.pseudo_header(protocol::ICMPV6, out.len())
        } else {
            Accumulator::new()
        };
        let checksum = if self.paris {
            out[8..10].fill(0);
            let wanted = spec.flow.wrapping_add(1);
            let word = checksum::word_for_checksum(base.add_bytes(out), wanted);
            out[8..10].copy_from_slice(&word.to_be_bytes());
            wanted
        } else {
            base.add_bytes(out).checksum()
        };
        // The kernel computes an ICMPv6 checksum itself (the same value).
        if !v6 {
            out[2..4].copy_from_slice(&checksum.to_be_bytes());
        }
        Sent {
            flow: spec.flow,
            src_port: self.key,
            checksum,
            len: transport_len(out),
        }
    }

    fn build_udp(&self, spec: ProbeSpec, out: &mut [u8]) -> Sent {
        let src_port = self.src_port(spec);
        let dst_port = match (self.paris, self.flows_in_dst_port) {
            (true, false) => self.dst_port,
            (true, true) => self.dst_port.wrapping_add(spec.flow % MAX_FLOWS),
            (false, _) => self.dst_port.wrapping_add(spec.number),
        };
        let len = u16::try_from(out.len()).unwrap_or(u16::MAX);
        out[0..2].copy_from_slice(&src_port.to_be_bytes());
        out[2..4].copy_from_slice(&dst_port.to_be_bytes());
        out[4..6].copy_from_slice(&len.to_be_bytes());
        out[6..8].fill(0);
        let checksum = if self.paris {
            out[8..10].fill(0);
            let wanted = number_checksum(spec.number);
            let sum = self.addrs.sum(protocol::UDP, out);
            let word = checksum::word_for_checksum(sum, wanted);
            out[8..10].copy_from_slice(&word.to_be_bytes());
            wanted
        } else {
            nonzero(self.addrs.sum(protocol::UDP, out).checksum())
        };
        out[6..8].copy_from_slice(&checksum.to_be_bytes());
        Sent {
            flow: spec.flow,
            src_port,
            checksum,
            len: transport_len(out),
        }
    }

    fn build_tcp(&self, spec: ProbeSpec, out: &mut [u8]) -> Sent {
        let src_port = self.src_port(spec);
        let with_options = out.len() >= 20 + TCP_SYN_OPTIONS.len();
        let header_words: u8 = if with_options { 10 } else { 5 };
        out[0..2].copy_from_slice(&src_port.to_be_bytes());
        out[2..4].copy_from_slice(&self.dst_port.to_be_bytes());
        out[4..8].copy_from_slice(&self.tcp_seq(spec.number).to_be_bytes());
        out[8..12].fill(0);
        out[12] = header_words << 4;
        // Only SYN: fits the low byte of the flags.
        #[allow(clippy::cast_possible_truncation)]
        {
            out[13] = tcp::flags::SYN as u8;
        }
        out[14..16].copy_from_slice(&64240u16.to_be_bytes());
        out[16..20].fill(0);
        if with_options {
            out[20..40].copy_from_slice(&TCP_SYN_OPTIONS);
            out[28..32].copy_from_slice(&u32::from(spec.number).to_be_bytes());
        }
        let checksum = self.addrs.sum(protocol::TCP, out).checksum();
        out[16..18].copy_from_slice(&checksum.to_be_bytes());
        Sent {
            flow: spec.flow,
            src_port,
            checksum,
            len: transport_len(out),
        }
    }

    /// The TCP sequence number of probe `number`.
    fn tcp_seq(&self, number: u16) -> u32 {
        u32::from(self.key) << 16 | u32::from(number)
    }

    /// Finds the probe a quote is of. `sent` looks up what probe `number`
    /// carried (`None` for a number never sent); it confirms candidates and
    /// tells what was rewritten.
    pub fn identify(
        &self,
        quoted: &ProbeIdentity,
        sent: impl Fn(u16) -> Option<Sent>,
    ) -> Option<Identified> {
        if quoted.dst != self.dst() || quoted.protocol != self.method.protocol(self.version()) {
            return None;
        }
        let natted = quoted.src != self.src();
        let (number, quoted_port) = match self.method {
            Method::Icmp => {
                let ident = quoted.icmp_ident?;
                if ident != self.key && !natted {
                    return None;
                }
                (quoted.icmp_seq?, ident)
            }
            Method::Tcp => {
                let seq = quoted.tcp_seq?;
                if seq >> 16 != u32::from(self.key) || quoted.dst_port? != self.dst_port {
                    return None;
                }
                // The low half is the number.
                #[allow(clippy::cast_possible_truncation)]
                let number = seq as u16;
                (number, quoted.src_port?)
            }
            Method::Udp => {
                let (sport, dport) = (quoted.src_port?, quoted.dst_port?);
                if self.paris {
                    let ours = dport
                        .checked_sub(self.dst_port)
                        .is_some_and(|f| f == 0 || (self.flows_in_dst_port && f < MAX_FLOWS));
                    if !ours {
                        return None;
                    }
                    (self.udp_paris_number(quoted, sport, natted, &sent)?, sport)
                } else {
                    (dport.wrapping_sub(self.dst_port), sport)
                }
            }
        };
        let probe = sent(number)?;
        let mut rewrites = Rewrites {
            src_addr: natted.then_some(quoted.src),
            src_port: (quoted_port != probe.src_port).then_some(quoted_port),
            checksum: None,
        };
        if rewrites.src_port.is_some() && !natted && self.method != Method::Icmp {
            // Another trace's probe from the same host, not ours rewritten.
            return None;
        }
        if let Some(checksum) = quoted.transport_checksum {
            let explained = self.undo_rewrite(checksum, quoted.src, quoted_port, probe.src_port);
            if explained != probe.checksum && !(self.method == Method::Tcp && checksum == 0) {
                rewrites.checksum = Some(checksum);
            }
        }
        Some(Identified { number, rewrites })
    }

    /// The number a UDP Paris probe's checksum carried. Through a NAT the
    /// checksum was changed with the address and port; each flow's port is
    /// tried to undo that, and the one whose probe came from that port wins.
    fn udp_paris_number(
        &self,
        quoted: &ProbeIdentity,
        sport: u16,
        natted: bool,
        sent: &impl Fn(u16) -> Option<Sent>,
    ) -> Option<u16> {
        let checksum = quoted.transport_checksum?;
        let in_range = sport
            .checked_sub(self.src_port_base)
            .is_some_and(|f| f < MAX_FLOWS);
        if !natted && in_range {
            return checksum_number(checksum);
        }
        (0..MAX_FLOWS).find_map(|flow| {
            let port = self.src_port_base + flow;
            let original = self.undo_rewrite(checksum, quoted.src, sport, port);
            let number = checksum_number(original)?;
            (sent(number)?.src_port == port).then_some(number)
        })
    }

    /// Finds the UDP probe an error queued on an ordinary UDP socket is
    /// about. The kernel keeps no UDP header there: `port` is the
    /// datagram's destination port, `payload` its payload as the error
    /// quoted it, the source port the socket's and the checksum unknown.
    /// A classic probe's number is in its port; a Paris probe's is in the
    /// checksum its first two payload bytes steer, which is computed again
    /// for each `(source port, length)` probes were sent with (`shapes`):
    /// the number found counts when its probe was sent with that shape.
    pub fn identify_udp_payload(
        &self,
        port: u16,
        payload: &[u8],
        shapes: &[(u16, u16)],
        sent: impl Fn(u16) -> Option<Sent>,
    ) -> Option<u16> {
        if self.method != Method::Udp {
            return None;
        }
        if !self.paris {
            let number = port.wrapping_sub(self.dst_port);
            return sent(number).map(|_| number);
        }
        // The flow, when the destination port carries it.
        let flow = port
            .checked_sub(self.dst_port)
            .filter(|&f| f < MAX_FLOWS && (f == 0 || self.flows_in_dst_port))?;
        let word = payload.get(..2)?;
        let mut datagram = Vec::new();
        shapes.iter().find_map(|&(src_port, len)| {
            let spec = ProbeSpec {
                number: 0,
                ttl: 0,
                flow,
            };
            self.build_len(spec, usize::from(len), &mut datagram);
            if datagram.len() != usize::from(len) {
                return None;
            }
            datagram[0..2].copy_from_slice(&src_port.to_be_bytes());
            datagram[6..8].fill(0);
            datagram[8..10].copy_from_slice(word);
            let checksum = nonzero(self.addrs.sum(protocol::UDP, &datagram).checksum());
            let number = checksum_number(checksum)?;
            let probe = sent(number)?;
            let same_flow = !self.flows_in_dst_port || probe.flow == flow;
            (probe.src_port == src_port && probe.len == len && same_flow).then_some(number)
        })
    }

    /// `checksum` as it was before a middlebox changed the source address
    /// to `quoted_src` and the port (or identifier) from `port` to
    /// `quoted_port` (RFC 1624, one word at a time).
    fn undo_rewrite(&self, checksum: u16, quoted_src: IpAddr, quoted_port: u16, port: u16) -> u16 {
        let mut c = checksum;
        // ICMPv4 checksums do not cover addresses.
        if !(self.method == Method::Icmp && self.version() == IpVersion::V4) {
            for (old, new) in words(quoted_src).zip(words(self.src())) {
                c = checksum::update(c, old, new);
            }
        }
        checksum::update(c, quoted_port, port)
    }

    /// Finds the probe an Echo Reply (ICMP method) from `from` answers:
    /// only the destination's replies count (a raw socket sees the
    /// replies to every ping on the host).
    pub fn identify_echo_reply(&self, from: IpAddr, ident: u16, seq: u16) -> Option<u16> {
        (self.method == Method::Icmp && ident == self.key && from == self.dst()).then_some(seq)
    }

    /// Finds the probe a TCP segment from the destination answers. A
    /// SYN-ACK acknowledges the SYN's sequence number plus one (a server
    /// without Fast Open does not take the data a SYN carries); an RST
    /// acknowledges that plus the SYN's payload (path MTU probes carry
    /// one), so a probe with a payload is looked for among those sent from
    /// the port the RST went to.
    pub fn identify_tcp_reply(
        &self,
        segment: &[u8],
        sent: impl Fn(u16) -> Option<Sent>,
    ) -> Option<u16> {
        if self.method != Method::Tcp {
            return None;
        }
        let packet = tcp::Packet::new_checked(segment).ok()?;
        let syn = packet.has_flags(tcp::flags::SYN);
        let answers = packet.has_flags(tcp::flags::RST) || syn;
        let flow_port = packet
            .dst_port()
            .checked_sub(self.src_port_base)
            .is_some_and(|f| f < MAX_FLOWS);
        if !answers
            || !flow_port
            || packet.src_port() != self.dst_port
            || !packet.has_flags(tcp::flags::ACK)
        {
            return None;
        }
        let ack = packet.ack_number();
        let acknowledges = |number: u16| {
            sent(number).is_some_and(|s| {
                let payload = if syn {
                    0
                } else {
                    u32::from(s.len).saturating_sub(Self::syn_header_len(s.len))
                };
                self.tcp_seq(number).wrapping_add(1).wrapping_add(payload) == ack
                    && s.src_port == packet.dst_port()
            })
        };
        // Without payload the number is in the acknowledgment's low half.
        #[allow(clippy::cast_possible_truncation)]
        let plain = ack.wrapping_sub(1) as u16;
        if acknowledges(plain) {
            return Some(plain);
        }
        if syn {
            return None;
        }
        (0..=u16::MAX).find(|&n| acknowledges(n))
    }

    /// The header length of a SYN probe of transport length `len`.
    fn syn_header_len(len: u16) -> u32 {
        if usize::from(len) >= 20 + TCP_SYN_OPTIONS.len() {
            40
        } else {
            20
        }
    }
}

/// The UDP checksum that carries probe `number`: never 0 (no checksum)
/// nor 0xffff.
const fn number_checksum(number: u16) -> u16 {
    number.wrapping_add(1)
}

/// The number a UDP Paris checksum carries.
fn checksum_number(checksum: u16) -> Option<u16> {
    checksum
        .checked_sub(1)
        .filter(|&n| usize::from(n) < MAX_PROBES)
}

/// A computed checksum of 0 is sent as 0xffff (0 means "none" in UDP).
const fn nonzero(checksum: u16) -> u16 {
    if checksum == 0 { 0xffff } else { checksum }
}

/// A built probe's length (at most 65,535: [`Prober::build_len`] caps it).
fn transport_len(probe: &[u8]) -> u16 {
    u16::try_from(probe.len()).unwrap_or(u16::MAX)
}

/// The 16-bit words of an address.
fn words(addr: IpAddr) -> impl Iterator<Item = u16> {
    let bytes: Vec<u8> = match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    (0..bytes.len() / 2).map(move |i| u16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]))
}

#[cfg(test)]
mod tests;
