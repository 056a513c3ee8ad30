//! Every detection the guard knows: its name, family, default severity,
//! the Suricata decoder events it corresponds to, and what to do about it.
//!
//! One table, so that the text summary, the JSON alerts, the metrics and
//! `--fail-on` all speak of a detection the same way.

use core::fmt;

/// How bad a finding is, lowest first (the order `--fail-on` compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; no action expected (path discovery, monitoring).
    Info,
    /// Unusual or broken, rarely harmful alone.
    Low,
    /// Likely hostile or a misconfiguration that weakens the network.
    Medium,
    /// An attack in progress or a packet built to exploit a flaw.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Self; 4] = [Self::Info, Self::Low, Self::Medium, Self::High];

    /// The lowercase name used in output and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The severity named `name` (as [`Severity::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of abuse a detection looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Floods, reflection and fragment attacks.
    Flood,
    /// Tunnels and covert channels inside echo.
    Tunnel,
    /// Reconnaissance: sweeps, path walks, scanner probes.
    Recon,
    /// Spoofed or forged control messages, off-path attacks.
    Spoofing,
    /// Packets that break the rules of the protocol.
    Anomaly,
}

impl Family {
    /// The lowercase name used in output.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Flood => "flood",
            Self::Tunnel => "tunnel",
            Self::Recon => "recon",
            Self::Spoofing => "spoofing",
            Self::Anomaly => "anomaly",
        }
    }
}

/// One detection's fixed description.
#[derive(Debug, PartialEq, Eq)]
pub struct DetectionInfo {
    /// The name in output and JSON (`echo-flood-source`).
    pub name: &'static str,
    /// A title for the summary table.
    pub title: &'static str,
    /// The family.
    pub family: Family,
    /// The severity a finding has unless its detector says otherwise.
    pub severity: Severity,
    /// The Suricata decoder events (`decode-event:` names) that flag the
    /// same packets, IPv4's first; empty when Suricata has none.
    pub suricata: &'static [&'static str],
    /// What to do about it, in plain language.
    pub advice: &'static str,
}

macro_rules! detections {
    ($($variant:ident => {
        name: $name:literal,
        title: $title:literal,
        family: $family:ident,
        severity: $severity:ident,
        suricata: [$($event:literal),*],
        advice: $advice:literal $(,)?
    }),* $(,)?) => {
        /// A detection: one kind of finding the guard can raise.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Detection {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Detection {
            /// Every detection, in catalog order.
            pub const ALL: &'static [Detection] = &[$(Self::$variant),*];

            /// Its fixed description.
            pub const fn info(self) -> &'static DetectionInfo {
                match self {
                    $(Self::$variant => &DetectionInfo {
                        name: $name,
                        title: $title,
                        family: Family::$family,
                        severity: Severity::$severity,
                        suricata: &[$($event),*],
                        advice: $advice,
                    },)*
                }
            }
        }
    };
}

detections! {
    // Floods and reflection.
    EchoFloodSource => {
        name: "echo-flood-source",
        title: "Echo request flood from one source",
        family: Flood,
        severity: High,
        suricata: [],
        advice: "Rate-limit echo requests per source at the edge (nft `limit rate over 100/second` or \
                 `meter` per saddr), block the source if it keeps on, and check whether the source \
                 address is spoofed (a flood of replies elsewhere would say so).",
    },
    EchoFloodDestination => {
        name: "echo-flood-destination",
        title: "Echo request flood against one destination",
        family: Flood,
        severity: High,
        suricata: [],
        advice: "Rate-limit echo requests to the target (an nft meter per daddr), ask the upstream \
                 provider to filter if the link is full, and keep echo working at a low rate so \
                 monitoring still sees the host.",
    },
    UnsolicitedEchoReplies => {
        name: "unsolicited-echo-replies",
        title: "Echo replies nobody asked for",
        family: Flood,
        severity: Medium,
        suricata: [],
        advice: "These are replies to requests sent in this host's name: it is the victim of a \
                 reflection attack (or backscatter of a spoofed flood). Drop echo replies that do \
                 not match a request (conntrack: `ct state established` for replies) and tell the \
                 networks the replies come from.",
    },
    BroadcastEcho => {
        name: "broadcast-echo",
        title: "Echo request to a broadcast address",
        family: Flood,
        severity: Low,
        suricata: [],
        advice: "Hosts should ignore broadcast pings (Linux: net.ipv4.icmp_echo_ignore_broadcasts=1) \
                 and routers should not forward directed broadcasts (RFC 2644); if an administrator \
                 did this on purpose, nothing to do.",
    },
    Smurf => {
        name: "smurf",
        title: "Smurf amplification: many hosts' replies converge on one victim",
        family: Flood,
        severity: High,
        suricata: [],
        advice: "Turn off directed broadcast on the router of the amplifying network (RFC 2644), \
                 make its hosts ignore broadcast pings (icmp_echo_ignore_broadcasts=1), and filter \
                 spoofed sources at the attacker's edge (BCP 38).",
    },
    BlackNurse => {
        name: "blacknurse",
        title: "BlackNurse: a flood of Port Unreachable (type 3 code 3)",
        family: Flood,
        severity: High,
        suricata: [],
        advice: "Rate-limit ICMP type 3 code 3 towards firewalls and hosts (nft `icmp type \
                 destination-unreachable limit rate`), keep other Destination Unreachable codes \
                 (Fragmentation Needed) flowing, and check the firewall vendor's BlackNurse fix.",
    },
    PingOfDeath => {
        name: "ping-of-death",
        title: "Ping of death: fragments reassemble past 65,535 bytes",
        family: Flood,
        severity: High,
        suricata: ["ipv4.frag_pkt_too_large", "ipv6.frag_pkt_too_large"],
        advice: "No datagram may be longer than 65,535 bytes: these fragments are built to \
                 overflow a reassembly buffer. Drop them at the edge (modern kernels do), patch \
                 old stacks and embedded devices, and block the source.",
    },
    FragmentOverlap => {
        name: "fragment-overlap",
        title: "Overlapping ICMP fragments with different bytes",
        family: Flood,
        severity: High,
        suricata: ["ipv4.frag_overlap", "ipv6.frag_overlap"],
        advice: "Overlaps that disagree are built to crash a reassembler (teardrop) or to show an \
                 inspector other bytes than the host gets. Drop overlapping fragments (RFC 5722 for \
                 IPv6) and reassemble before inspection.",
    },
    // Tunnels and covert channels.
    EchoPayloadMismatch => {
        name: "echo-payload-mismatch",
        title: "Echo reply data differs from its request's",
        family: Tunnel,
        severity: Medium,
        suricata: [],
        advice: "RFC 792 and RFC 4443 require a reply to return the request's data; a responder \
                 that answers with other bytes is usually a tunnel endpoint. Find the process \
                 answering echo on the responder and block echo between the pair.",
    },
    EchoTunnel => {
        name: "echo-tunnel",
        title: "A tunnel or covert channel carried in echo messages",
        family: Tunnel,
        severity: High,
        suricata: [],
        advice: "Block echo between the pair (or allow only small fixed-size echo from the \
                 monitoring hosts), find the tunnel program on both ends, and check what left the \
                 network through it.",
    },
    TunnelSignature => {
        name: "tunnel-signature",
        title: "Echo payload starts with a known tunnel tool's magic",
        family: Tunnel,
        severity: Low,
        suricata: [],
        advice: "The bytes (for icmpsh, the poll shape) match a tunnel tool (ptunnel, ptunnel-ng, \
                 hans, icmptunnel, icmpsh); alone they prove little, but look at the session's \
                 other findings and at the hosts involved.",
    },
    UnusualEchoPayload => {
        name: "unusual-echo-payload",
        title: "Echo payloads of high entropy or varying size",
        family: Tunnel,
        severity: Low,
        suricata: [],
        advice: "Ping tools send fixed-size, low-entropy patterns; random-looking or ever-changing \
                 payloads carry data. Check which program sends them.",
    },
    LongEchoSession => {
        name: "long-echo-session",
        title: "A long, steady echo session",
        family: Tunnel,
        severity: Info,
        suricata: [],
        advice: "Monitoring daemons ping steadily for days; if this pair is not a monitor, look at \
                 the volume and the payloads.",
    },
    // Reconnaissance.
    HostSweep => {
        name: "host-sweep",
        title: "One source probes many destinations (a sweep)",
        family: Recon,
        severity: Medium,
        suricata: [],
        advice: "A host scan maps which addresses are alive. If the source is not your own \
                 scanner or monitor, rate-limit or drop its probes at the edge and watch it for \
                 follow-up port scans.",
    },
    TtlWalk => {
        name: "ttl-walk",
        title: "TTL walk: the path to a destination is being traced",
        family: Recon,
        severity: Info,
        suricata: [],
        advice: "traceroute, mtr and tracepath do this; it maps the routers on a path. Nothing to \
                 do unless the source has no reason to trace your network.",
    },
    ScannerProbe => {
        name: "scanner-probe",
        title: "A probe shaped as a network scanner's (nmap)",
        family: Recon,
        severity: Medium,
        suricata: [],
        advice: "nmap's host discovery and OS detection send ICMP with shapes ordinary tools never \
                 use. If the source is not an authorised scanner, treat it as reconnaissance.",
    },
    // Spoofing and off-path attacks.
    Redirect => {
        name: "redirect",
        title: "ICMP Redirect",
        family: Spoofing,
        severity: Medium,
        suricata: [],
        advice: "Hosts should not accept redirects on networks with one router (Linux: \
                 net.ipv4.conf.all.accept_redirects=0, net.ipv6.conf.all.accept_redirects=0); \
                 routers send them when a host uses the wrong one: fix that host's route.",
    },
    RedirectOffLink => {
        name: "redirect-off-link",
        title: "Redirect to a gateway that is not on the link",
        family: Spoofing,
        severity: High,
        suricata: [],
        advice: "A real router only redirects to a gateway on the same link (RFC 1122 §3.2.2.2, \
                 RFC 4861 §8): this one is forged to steer traffic. Turn off accept_redirects, find \
                 the sender, and check the hosts' route caches (`ip route show cache`).",
    },
    RogueRouterAdvertisement => {
        name: "rogue-router-advertisement",
        title: "Router advertisement from an unexpected router",
        family: Spoofing,
        severity: High,
        suricata: [],
        advice: "Enable RA Guard on the switches (RFC 6105), list the legitimate routers \
                 (--router), and find the sender: a rogue RA steers the link's IPv6 traffic.",
    },
    RouterAdvertisementFlood => {
        name: "router-advertisement-flood",
        title: "A flood of router advertisements",
        family: Spoofing,
        severity: High,
        suricata: [],
        advice: "Floods of RAs with random prefixes exhaust hosts' CPU and address tables \
                 (CVE-2010-4669 class). Enable RA Guard and limit RAs per port.",
    },
    SourceQuench => {
        name: "source-quench",
        title: "Source Quench (deprecated since RFC 6633)",
        family: Spoofing,
        severity: Medium,
        suricata: [],
        advice: "No router sends Source Quench any more; one seen now is forged to slow a \
                 connection down. Hosts must ignore it (RFC 6633); drop type 4 at the edge.",
    },
    SmallMtu => {
        name: "small-mtu",
        title: "Fragmentation Needed or Packet Too Big with a tiny MTU",
        family: Spoofing,
        severity: Medium,
        suricata: [],
        advice: "An MTU below 576 (IPv4) or 1280 (IPv6) is below what links may have; such \
                 messages are forged to make a host send tiny fragments. Linux clamps to \
                 min_pmtu (552); make sure hosts ignore them (net.ipv4.ip_no_pmtu_disc=3 ignores \
                 them for protocols that cope) and find the sender.",
    },
    ErrorForUnsent => {
        name: "error-for-unsent",
        title: "An error about a packet that was never sent",
        family: Spoofing,
        severity: Medium,
        suricata: [],
        advice: "The quoted packet matches no flow seen leaving its source: the error is forged \
                 (RFC 5927's blind attacks on TCP). Hosts should check the quote against their \
                 connections; find the sender.",
    },
    RdnssEvenLength => {
        name: "rdnss-even-length",
        title: "RDNSS option with an even length (CVE-2020-16898)",
        family: Spoofing,
        severity: High,
        suricata: [],
        advice: "This router advertisement is built to exploit Windows' tcpip.sys (Bad Neighbor, \
                 CVE-2020-16898). Patch Windows hosts (October 2020), enable RA Guard, and find \
                 the sender.",
    },
    QuotedIpOptions => {
        name: "quoted-ip-options",
        title: "Error quoting an IPv4 header with options (CVE-2022-23093)",
        family: Spoofing,
        severity: High,
        suricata: [],
        advice: "Errors quoting a header with IP options overflowed FreeBSD ping's buffer \
                 (CVE-2022-23093); no probe of ours carries options. Patch FreeBSD hosts and find \
                 the sender.",
    },
    // Anomalies.
    BadChecksum => {
        name: "bad-checksum",
        title: "ICMP checksum does not verify",
        family: Anomaly,
        severity: Low,
        suricata: [],
        advice: "Usually a crafting tool or a broken NIC offload (a capture on the sending host \
                 shows offloaded checksums as wrong: capture on the wire to be sure).",
    },
    Truncated => {
        name: "truncated",
        title: "ICMP message shorter than its type needs",
        family: Anomaly,
        severity: Low,
        suricata: ["icmpv4.pkt_too_small", "icmpv4.ipv4_trunc_pkt", "icmpv6.pkt_too_small", "icmpv6.ipv6_trunc_pkt"],
        advice: "A message cut shorter than its header or quote is crafted or damaged; a capture's \
                 snapshot length can cut messages too (then nothing is wrong).",
    },
    Malformed => {
        name: "malformed",
        title: "ICMP message that breaks its format",
        family: Anomaly,
        severity: Low,
        suricata: [],
        advice: "A field holds a value the format forbids: a crafting tool or a broken sender. \
                 `icmpkit decode` shows the field.",
    },
    UnknownType => {
        name: "unknown-type",
        title: "Unassigned or experimental ICMP type",
        family: Anomaly,
        severity: Low,
        suricata: ["icmpv4.unknown_type", "icmpv6.unknown_type", "icmpv6.unassigned_type", "icmpv6.experimentation_type"],
        advice: "No standard stack sends these types: a covert channel, a fuzzer or a scanner. \
                 Drop unassigned types at the edge (`icmpkit policy` does).",
    },
    UnknownCode => {
        name: "unknown-code",
        title: "Unassigned code for its ICMP type",
        family: Anomaly,
        severity: Low,
        suricata: ["icmpv4.unknown_code", "icmpv6.unknown_code"],
        advice: "A code the type does not define: crafted (nmap's OS detection sends echo with \
                 code 9) or a broken sender.",
    },
    VersionMismatch => {
        name: "version-mismatch",
        title: "ICMPv6 carried in IPv4, or ICMPv4 in IPv6",
        family: Anomaly,
        severity: Medium,
        suricata: ["ipv4.icmpv6", "ipv6.icmpv4"],
        advice: "No stack sends this; it is crafted to slip past filters that match one family's \
                 protocol number. Drop protocol 58 in IPv4 and next header 1 in IPv6.",
    },
    MldHopLimit => {
        name: "mld-hop-limit",
        title: "MLD message with a hop limit other than 1",
        family: Anomaly,
        severity: Medium,
        suricata: ["icmpv6.mld_message_with_invalid_hl"],
        advice: "MLD is link-local and must have hop limit 1 (RFC 2710, RFC 3810); another value \
                 means it came from off the link or was crafted. Hosts must drop it.",
    },
}

impl Detection {
    /// The detection named `name` (as [`DetectionInfo::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.info().name == name)
    }

    /// The name in output.
    pub const fn name(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
