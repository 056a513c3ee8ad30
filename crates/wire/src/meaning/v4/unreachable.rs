//! ICMPv4 Destination Unreachable (type 3): its sixteen codes.

use super::super::CodeInfo;

/// Type 3's codes, 0 through 15.
pub(super) const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: 0,
        name: "Net Unreachable",
        short: "Network unreachable",
        aliases: &[
            "net-unreachable",
            "network-unreachable",
            "icmp-net-unreachable",
        ],
        reference: "RFC 792; RFC 1812 §4.3.3.1, §5.2.7.1",
        meaning: "A router has no route at all, not even a default route, to the destination address. \
                  The ICMP source is the router that gave up; per RFC 1122 it is a hint (possibly a routing transient), \
                  not proof, so TCP treats it as a soft error (Linux: ENETUNREACH).",
        causes: &[
            "A router on the path (often the first one without a default route, e.g. a core or VPN router) lacks a route for the destination prefix.",
            "A route was withdrawn: BGP/OSPF session down, a VPN tunnel or its routes are down, a static route points at a dead interface.",
            "A Linux policy-routing `throw` route or a lookup that falls through every table.",
            "Private or bogon destination (RFC 1918, 100.64/10) sent toward a router that deliberately carries no route for it.",
            "A firewall rule such as iptables `-j REJECT --reject-with icmp-net-unreachable`.",
        ],
        remedies: &[
            "Note the ICMP source address: that router is missing the route. Look there with `ip route get <dst>` (Linux), `show ip route <dst>` (Cisco/Juniper `show route <dst>`).",
            "Check routing adjacencies and tunnel state (`birdc show protocols`, `vtysh -c 'show ip bgp summary'`, `ip -d link show`, `wg show`).",
            "On the sending host, `ip route get <dst>` and `ip rule list` show which table and gateway are used; a missing default route yields a local ENETUNREACH without any ICMP.",
            "`traceroute -n <dst>` (shows `!N`) or `mtr -n <dst>` shows how far the packet got.",
        ],
    },
    CodeInfo {
        code: 1,
        name: "Host Unreachable",
        short: "Host unreachable",
        aliases: &["host-unreachable", "icmp-host-unreachable"],
        reference: "RFC 792; RFC 1812 §4.3.3.1, §5.2.7.1",
        meaning: "The last-hop router (the one on the destination's subnet) has a route to the network but cannot deliver to the host itself, \
                  almost always because ARP for the address got no answer. \
                  A soft error for TCP (Linux: EHOSTUNREACH, ping prints \"Destination Host Unreachable\").",
        causes: &[
            "The host is down, disconnected, or on the wrong VLAN, so nobody answers ARP (Linux marks the neighbour FAILED after about 3 s).",
            "Wrong address or netmask: the router believes the address is on-link but no such host exists.",
            "When the ICMP source is your own machine, your host itself could not resolve the next hop (local ARP failure for the gateway or an on-link destination).",
            "A Linux `unreachable` route (`ip route add unreachable <prefix>`), which generates exactly this code.",
            "A firewall rule such as iptables `-j REJECT --reject-with icmp-host-unreachable`.",
        ],
        remedies: &[
            "On the last-hop router (the ICMP source): `ip neigh show <dst>` (INCOMPLETE/FAILED means no ARP reply), `arping -I <ifname> <dst>`.",
            "Check the host is up and on the right VLAN/port: switch MAC table (`show mac address-table`), link lights, `ip -br addr` on the host.",
            "Check the addressing: same prefix length on host and router, no duplicate address (`arping -D`).",
            "`ip route show type unreachable` and the firewall ruleset (`nft list ruleset | grep -n reject`) for a deliberate reject.",
        ],
    },
    CodeInfo {
        code: 2,
        name: "Protocol Unreachable",
        short: "Protocol unreachable",
        aliases: &[
            "prot-unreachable",
            "protocol-unreachable",
            "proto-unreachable",
            "icmp-proto-unreachable",
        ],
        reference: "RFC 792; RFC 1122 §3.2.2.1",
        meaning: "The destination host received the datagram but has no handler for its IP protocol number (the 'Protocol' field of the quoted header). \
                  Sent by the destination itself, and a hard error (Linux: ENOPROTOOPT).",
        causes: &[
            "A tunnel endpoint without the tunnel configured: GRE (47), IP-in-IP (4), IPv6-in-IPv4 (41) sent to a host whose module or tunnel device is absent.",
            "SCTP (132), DCCP (33) or another transport not compiled or loaded on the destination.",
            "A firewall rule such as iptables `-j REJECT --reject-with icmp-proto-unreachable`.",
            "A scan: `nmap -sO` (IP protocol scan) relies on this reply.",
        ],
        remedies: &[
            "Read the protocol number in the quoted IP header and confirm the destination should speak it.",
            "On the destination: `lsmod | grep -E 'gre|ipip|sit|sctp'`, `modprobe ip_gre` (or sctp...), and `ip tunnel show` / `ip -d link show type gre` for a matching tunnel with the right local/remote addresses.",
            "Check the destination's firewall for a protocol reject (`nft list ruleset`, `iptables -S`).",
        ],
    },
    CodeInfo {
        code: 3,
        name: "Port Unreachable",
        short: "Port unreachable",
        aliases: &["port-unreachable", "icmp-port-unreachable"],
        reference: "RFC 792; RFC 1122 §3.2.2.1, §4.1.3.1",
        meaning: "The destination host received a UDP (or other port-based, non-TCP) datagram but no socket is bound to the destination port. \
                  Sent by the destination host, or by a firewall rejecting on its behalf; TCP answers a closed port with RST instead. \
                  A hard error: a connected UDP socket gets ECONNREFUSED.",
        causes: &[
            "Nothing listens on that UDP port: the service is stopped, crashed, bound to another address (127.0.0.1 only) or another port.",
            "A firewall REJECT: iptables `-j REJECT` defaults to `--reject-with icmp-port-unreachable`, and nftables `reject` in the ip family sends it too, so the sender cannot tell a closed port from a filtered one by the code alone.",
            "A NAT or conntrack entry expired, so a late reply or keepalive reaches a port no longer mapped.",
            "The expected end of a UDP traceroute: the final hop answers with port unreachable (traceroute shows no `!` flag there).",
            "DNS, NTP, syslog, SNMP, QUIC or WireGuard traffic aimed at the wrong host or port.",
        ],
        remedies: &[
            "On the destination: `ss -lunp` (is anything bound to the port, on which address?) and `systemctl status <service>`.",
            "Compare the ICMP source with the original destination: if they differ, a middlebox is rejecting; if equal, check the host's own firewall (`nft list ruleset | grep -n reject`, `iptables -S | grep REJECT`).",
            "Confirm the client uses the right port and address (e.g. `dig @<server> -p 53`, `nc -u -v <host> <port>`).",
            "For NAT timeouts, check `conntrack -L -p udp` and raise the UDP timeout or send keepalives.",
        ],
    },
    CodeInfo {
        code: 4,
        name: "Fragmentation Needed and Don't Fragment was Set",
        short: "Fragmentation needed",
        aliases: &[
            "frag-needed",
            "fragmentation-needed",
            "needfrag",
            "icmp-frag-needed",
        ],
        reference: "RFC 792; RFC 1191 §4; RFC 1812 §5.2.7.1",
        meaning: "A router had to forward a datagram bigger than the next link's MTU but the Don't Fragment bit was set, so it dropped the datagram; \
                  bytes 6–7 of the message carry the next-hop MTU (RFC 1191; 0 from pre-1990 routers). \
                  Path MTU Discovery depends on this message: the sender lowers its packet size to that MTU and retransmits.",
        causes: &[
            "A smaller-MTU link on the path: PPPoE (1492), a VPN or tunnel (GRE 1476, IPsec ~1400, WireGuard 1420), VXLAN or other overlays, or a misconfigured jumbo/non-jumbo mix.",
            "Normal PMTUD: Linux sets DF on TCP and most UDP, so the first full-size packet after the handshake triggers one of these.",
            "When this message is filtered on the way back, a PMTUD black hole (RFC 2923): the TCP handshake completes with small packets, then the connection hangs as soon as full-size data flows (SSH stalls at key exchange, TLS stalls after ClientHello, git/HTTP downloads freeze).",
            "A spoofed message trying to shrink the path MTU (RFC 5927); Linux never lowers a path MTU below net.ipv4.route.min_pmtu (552).",
        ],
        remedies: &[
            "Never filter it: allow ICMP type 3 code 4 in every firewall and security group (nftables `icmp type destination-unreachable accept`; in cloud security groups and network ACLs, the ICMP 'destination unreachable / fragmentation needed' rule).",
            "Find the bottleneck: `tracepath -n <dst>` reports the pmtu per hop; `ping -M do -s 1472 <dst>` (1472 + 28 = 1500) and lower -s until it passes.",
            "See what the host learned: `ip route get <dst>` shows a cached `mtu` exception; `ip route flush cache` clears it.",
            "Clamp TCP MSS at the tunnel/PPPoE router: `iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu` or nftables `tcp flags syn tcp option maxseg size set rt mtu`.",
            "Lower the MTU on the tunnel interface (`ip link set dev wg0 mtu 1420`) and enable packetization-layer PMTUD (RFC 4821) as a fallback: `sysctl -w net.ipv4.tcp_mtu_probing=1`.",
        ],
    },
    CodeInfo {
        code: 5,
        name: "Source Route Failed",
        short: "Source route failed",
        aliases: &["source-route-failed", "srcfail"],
        reference: "RFC 792; RFC 1812 §5.2.7.1",
        meaning: "A router could not forward the datagram to the next hop named in its Loose or Strict Source Route option. \
                  A soft error (RFC 1122), and rare: most networks drop source-routed packets outright.",
        causes: &[
            "A strict source route (SSRR) names a next hop that is not directly connected to this router.",
            "Source-routing tests or attacks (`traceroute -g`, `ping -R` style options) across routers that refuse them.",
        ],
        remedies: &[
            "Do not depend on IP source routing; Linux drops it by default (net.ipv4.conf.*.accept_source_route=0), as do most routers (`no ip source-route`).",
            "If intended, check each listed hop is adjacent to the previous one.",
        ],
    },
    CodeInfo {
        code: 6,
        name: "Destination Network Unknown",
        short: "Destination network unknown",
        aliases: &["net-unknown", "network-unknown"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1",
        meaning: "The router claims the destination network does not exist at all. \
                  RFC 1812 says routers SHOULD NOT send it (they cannot know) and should send Net Unreachable (code 0) instead, so it comes from old or unusual equipment.",
        causes: &["An old router or special-purpose gateway with no route to the network."],
        remedies: &[
            "Treat it like Net Unreachable: check the routing table of the router that sent it.",
        ],
    },
    CodeInfo {
        code: 7,
        name: "Destination Host Unknown",
        short: "Destination host unknown",
        aliases: &["host-unknown"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1",
        meaning: "The last-hop router knows, from link-layer information, that the destination host does not exist (not merely that it is down). \
                  Rare; treated as a hard error by Linux (EHOSTDOWN).",
        causes: &[
            "A link layer that can say 'no such station' (historically X.25 or ARPANET-style networks), or a router/proxy-ARP configuration that knows the address is unused.",
        ],
        remedies: &[
            "Check the destination address is right and assigned; on the last-hop router look at the neighbour table (`ip neigh`).",
        ],
    },
    CodeInfo {
        code: 8,
        name: "Source Host Isolated",
        short: "Source host isolated",
        aliases: &["source-host-isolated", "host-isolated"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1",
        meaning: "Obsolete: the sending host is cut off from the network. \
                  RFC 1812 says routers SHOULD NOT generate it and should use Net or Host Unreachable instead.",
        causes: &["Very old equipment."],
        remedies: &["Treat it as Net or Host Unreachable and check the path from the source."],
    },
    CodeInfo {
        code: 9,
        name: "Communication with Destination Network is Administratively Prohibited",
        short: "Network administratively prohibited",
        aliases: &[
            "net-prohibited",
            "network-prohibited",
            "icmp-net-prohibited",
        ],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1",
        meaning: "A policy forbids traffic to the destination network. \
                  Meant originally for US military encryption devices; RFC 1812 tells routers to use code 13 instead, so today it is usually an explicit firewall choice. \
                  A hard error (Linux: ENETUNREACH).",
        causes: &[
            "A firewall rule such as iptables `-j REJECT --reject-with icmp-net-prohibited`.",
        ],
        remedies: &[
            "Find the rule on the device that sent the message (`nft list ruleset`, `iptables -S`, ACLs) and check whether the traffic should be allowed.",
        ],
    },
    CodeInfo {
        code: 10,
        name: "Communication with Destination Host is Administratively Prohibited",
        short: "Host administratively prohibited",
        aliases: &["host-prohibited", "icmp-host-prohibited"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1",
        meaning: "A policy forbids traffic to the destination host. \
                  In practice it is the answer of a Linux host firewall whose final rule rejects, traditionally `REJECT --reject-with icmp-host-prohibited`. \
                  A hard error (Linux: EHOSTUNREACH; ping prints \"Destination Host Prohibited\").",
        causes: &[
            "The default ruleset of RHEL/CentOS 6–7 iptables and of firewalld's iptables backend ends with `-j REJECT --reject-with icmp-host-prohibited`: the port or service is not opened in the active zone.",
            "An explicit firewall rule on a router or the host itself.",
        ],
        remedies: &[
            "On the destination: `firewall-cmd --list-all` (then `firewall-cmd --add-service=<svc> --permanent && firewall-cmd --reload`), or `iptables -S INPUT` / `nft list ruleset` to find the reject.",
            "If the ICMP source is a router, look at its ACLs/filters for the destination host.",
        ],
    },
    CodeInfo {
        code: 11,
        name: "Destination Network Unreachable for Type of Service",
        short: "Network unreachable for TOS",
        aliases: &["tos-net-unreachable", "tos-network-unreachable"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §4.3.3.1",
        meaning: "The router has routes to the destination network, but none for the datagram's Type of Service and no default-TOS route. \
                  TOS routing is obsolete (the field is now DSCP/ECN), so this is rarely seen.",
        causes: &[
            "A router doing legacy TOS-based routing with no route for the packet's TOS value.",
        ],
        remedies: &[
            "Check TOS/DSCP-based policy routing on the router that sent it (`ip rule list` with `tos` selectors).",
        ],
    },
    CodeInfo {
        code: 12,
        name: "Destination Host Unreachable for Type of Service",
        short: "Host unreachable for TOS",
        aliases: &["tos-host-unreachable"],
        reference: "RFC 1122 §3.2.2.1; RFC 1812 §4.3.3.1",
        meaning: "The last-hop router cannot deliver to the host with the datagram's Type of Service. \
                  Obsolete TOS routing; rarely seen.",
        causes: &["Legacy TOS-based routing on the last-hop router."],
        remedies: &["Check TOS/DSCP policy routing on the router that sent it."],
    },
    CodeInfo {
        code: 13,
        name: "Communication Administratively Prohibited",
        short: "Communication administratively filtered",
        aliases: &[
            "admin-prohibited",
            "communication-prohibited",
            "icmp-admin-prohibited",
            "filter-prohibited",
            "packet-filtered",
        ],
        reference: "RFC 1812 §5.2.7.1",
        meaning: "A router or firewall dropped the datagram because of a filter and says so (RFC 1812's code for administrative filtering). \
                  The ICMP source is the filtering device, not necessarily the destination. \
                  A hard error (Linux: EHOSTUNREACH; ping prints \"Packet filtered\", traceroute shows `!X`, Cisco `!A`).",
        causes: &[
            "A firewall rule: iptables `-j REJECT --reject-with icmp-admin-prohibited`, nftables `reject with icmp type admin-prohibited` or `reject with icmpx type admin-prohibited`.",
            "A Linux `prohibit` route (`ip route add prohibit <prefix>`); local senders get EACCES.",
            "A router ACL deny (Cisco IOS sends it for ACL drops unless `no ip unreachables`).",
            "Cloud or provider filtering (anti-spoofing, blocked ports such as TCP 25).",
        ],
        remedies: &[
            "Go to the device at the ICMP source address and find the rule: `nft list ruleset`, `iptables -S`/`-L -v -n` (watch counters increase), `ip route show type prohibit`, `show access-lists`.",
            "Decide whether the traffic should pass; if so, add an accept rule before the reject.",
        ],
    },
    CodeInfo {
        code: 14,
        name: "Host Precedence Violation",
        short: "Host precedence violation",
        aliases: &["host-precedence-violation", "precedence-violation"],
        reference: "RFC 1812 §5.2.7.1",
        meaning: "The first-hop router says the IP precedence requested is not permitted for this source/destination/protocol/port combination. \
                  Part of the little-used precedence handling of RFC 1812 (traceroute shows `!V`).",
        causes: &[
            "Precedence bits (the top of the TOS/DSCP byte) set to a value the router's policy forbids.",
        ],
        remedies: &[
            "Check the DSCP/precedence the application sets (`ss -i`, `tcpdump -v`) and the router's precedence policy.",
        ],
    },
    CodeInfo {
        code: 15,
        name: "Precedence cutoff in effect",
        short: "Precedence cutoff in effect",
        aliases: &["precedence-cutoff"],
        reference: "RFC 1812 §5.2.7.1",
        meaning: "The network operator imposed a minimum precedence and the datagram's precedence is below it, so it was dropped (traceroute shows `!C`).",
        causes: &[
            "A router enforcing a precedence cutoff, e.g. during congestion or emergency operation.",
        ],
        remedies: &[
            "Check the router's precedence-cutoff configuration and the precedence your traffic carries.",
        ],
    },
];
