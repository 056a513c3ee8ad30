#!/usr/bin/env python3
"""lab/craft-tunnel-fixtures.py OUTDIR - crafts the tunnel fixtures.

Writes one small pcap per encapsulation into OUTDIR (tests/fixtures/tunnels):
ICMP echo request/reply pairs (and, in gre.pcap, a Time Exceeded quoting a
UDP datagram) carried in GRE, ERSPAN I/II/III, VXLAN, Geneve, MPLS (over
Ethernet, GRE and UDP), IP-in-IP (4in4, 6in4, 4in6, 6in6, 6in6 behind a
segment routing header), PIM Register, 802.1Q/802.1ad, MPLS and 802.1Q on
Linux cooked captures (v1, v2) and MPLS on PPP, PPP in PPTP's enhanced GRE, MACsec (one
integrity-only, one encrypted) and NHRP in GRE (Traffic Indications carrying
the packet that caused them; an Error Indication carrying one). Every checksum is computed, so tshark checks
them. Deterministic: the same bytes on every run. Needs only python3.
lab/make-tunnel-fixtures.sh records the ones the running kernel can make.
"""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inet import checksum  # noqa: E402 (lab/inet.py, beside this file)

# Addresses: the innermost hosts and the tunnel endpoints.
IN4 = ("10.1.0.1", "10.2.0.1")
OUT4 = ("203.0.113.1", "203.0.113.2")
MID4 = ("198.51.100.1", "198.51.100.2")
IN6 = ("2001:db8:a::1", "2001:db8:b::1")
OUT6 = ("2001:db8:1::1", "2001:db8:1::2")
TUN4 = ("172.16.0.1", "172.16.0.2")  # NHRP protocol (tunnel) addresses
TUN6 = ("2001:db8:ffff::1", "2001:db8:ffff::2")
MAC = (bytes.fromhex("020000000001"), bytes.fromhex("020000000002"))


def a(addr):
    return ipaddress.ip_address(addr).packed


def ipv4(proto, src, dst, payload, ttl=64, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000,
                      ttl, proto, 0, a(src), a(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(nxt, src, dst, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nxt, hlim,
                       a(src), a(dst)) + payload


def pseudo6(src, dst, nxt, length):
    return checksum(a(src) + a(dst) + struct.pack("!IxxxB", length, nxt), 0) ^ 0xFFFF


def icmp4(typ, code, body):
    msg = struct.pack("!BBH", typ, code, 0) + body
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def icmp6(typ, code, body, src, dst):
    msg = struct.pack("!BBH", typ, code, 0) + body
    start = pseudo6(src, dst, 58, len(msg))
    return msg[:2] + struct.pack("!H", checksum(msg, start)) + msg[4:]


def udp(sport, dport, payload, src=None, dst=None):
    """A UDP datagram; over IPv6 (src and dst given) with its checksum."""
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if src is not None and ":" in src:
        c = checksum(d, pseudo6(src, dst, 17, len(d))) or 0xFFFF
        d = d[:6] + struct.pack("!H", c) + d[8:]
    return d


def echo4(seq, reply=False, src=IN4[0], dst=IN4[1]):
    """An IPv4 echo request src -> dst, or its reply dst -> src."""
    body = struct.pack("!HH", 0x1234, seq) + b"icmpkit-tunnel!!"
    if reply:
        return ipv4(1, dst, src, icmp4(0, 0, body))
    return ipv4(1, src, dst, icmp4(8, 0, body))


def echo6(seq, reply=False, src=IN6[0], dst=IN6[1]):
    body = struct.pack("!HH", 0x1234, seq) + b"icmpkit-tunnel!!"
    if reply:
        return ipv6(58, dst, src, icmp6(129, 0, body, dst, src))
    return ipv6(58, src, dst, icmp6(128, 0, body, src, dst))


def pair4(**kw):
    return [echo4(1, **kw), echo4(1, reply=True, **kw)]


def pair6(**kw):
    return [echo6(1, **kw), echo6(1, reply=True, **kw)]


def eth(ethertype, payload, tags=()):
    """An Ethernet frame; tags are (tpid, vlan id) pairs, outermost first."""
    f = MAC[1] + MAC[0]
    for tpid, vid in tags:
        f += struct.pack("!HH", tpid, vid)
    return f + struct.pack("!H", ethertype) + payload


def eth_ip(packet, tags=()):
    return eth(0x0800 if packet[0] >> 4 == 4 else 0x86DD, packet, tags)


def gre(proto, payload, key=None, seq=None, csum=False):
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) \
        | (0x1000 if seq is not None else 0)
    hdr = struct.pack("!HH", flags, proto)
    opts = b""
    if csum:
        opts += b"\0\0\0\0"
    if key is not None:
        opts += struct.pack("!I", key)
    if seq is not None:
        opts += struct.pack("!I", seq)
    g = hdr + opts + payload
    if csum:
        g = g[:4] + struct.pack("!H", checksum(g)) + g[6:]
    return g


def pptp_gre(ppp, call_id, seq=None, ack=None):
    """PPTP's enhanced GRE (version 1, RFC 2637): key present (payload
    length, call id), sequence and acknowledgment numbers when given, PPP."""
    flags = 0x2001 | (0x1000 if seq is not None else 0) | (0x0080 if ack is not None else 0)
    hdr = struct.pack("!HHHH", flags, 0x880B, len(ppp), call_id)
    if seq is not None:
        hdr += struct.pack("!I", seq)
    if ack is not None:
        hdr += struct.pack("!I", ack)
    return hdr + ppp


def over4(proto, payload, ends=OUT4):
    return ipv4(proto, ends[0], ends[1], payload)


def over6(proto, payload, ends=OUT6):
    return ipv6(proto, ends[0], ends[1], payload)


def gre4(inner, ends=OUT4, **kw):
    proto = 0x0800 if inner[0] >> 4 == 4 else 0x86DD
    return eth_ip(over4(47, gre(proto, inner, **kw), ends))


def erspan2(session, frame, vlan=0):
    return struct.pack("!HHI", 0x1000 | vlan, session, 7) + frame


def erspan3(session, frame, platform=None):
    # Ver 2, VLAN 0 | COS 0, BSO 0, T 0, session | timestamp | SGT 0,
    # P 0, FT 0 (Ethernet), HW ID 5, D 0, Gra 1, O
    word = (5 << 4) | (1 << 1) | (1 if platform is not None else 0)
    h = struct.pack("!HHIHH", 0x2000, session, 0x01020304, 0, word)
    if platform is not None:
        # Platform ID 3: port id and timestamp (upper 32 bits)
        h += struct.pack("!II", platform << 26 | 0x10, 0)
    return h + frame


def mpls(labels, payload, ttl=64):
    out = b""
    for i, label in enumerate(labels):
        bottom = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", label << 12 | bottom << 8 | ttl)
    return out + payload


def vxlan(vni, frame):
    return struct.pack("!II", 0x08000000, vni << 8) + frame


def geneve(vni, frame, options=()):
    opts = b""
    for cls, typ, data in options:
        opts += struct.pack("!HBB", cls, typ, len(data) // 4) + data
    return struct.pack("!BBHI", len(opts) // 4, 0, 0x6558, vni << 8) + opts + frame


def srh(nxt, segments, left, payload):
    body = b"".join(a(s) for s in segments)
    hdr = struct.pack("!BBBBBBH", nxt, len(body) // 8, 4, left, len(segments) - 1, 0, 0)
    return hdr + body + payload


def macsec(inner_frame_payload, ethertype, pn, encrypted=False):
    """A MACsec frame with an SCI; integrity-only unless encrypted (then
    the payload is garbled as encryption would). The ICV is filler."""
    tci = 0x20 | (0x0C if encrypted else 0)
    data = struct.pack("!H", ethertype) + inner_frame_payload
    if encrypted:
        data = bytes(b ^ 0x5A for b in data)
    tag = struct.pack("!BBI", tci, 0, pn) + MAC[1] + struct.pack("!H", 1)
    return eth(0x88E5, tag + data + bytes(range(16)))


def sll(protocol, payload):
    """A Linux cooked v1 frame (link type 113) sent by us (packet type 4)
    from an Ethernet device (ARPHRD 1)."""
    return struct.pack("!HHH8sH", 4, 1, 6, MAC[0] + b"\0\0", protocol) + payload


def sll2(protocol, payload):
    """A Linux cooked v2 frame (link type 276), as `tcpdump -i any` writes
    it: protocol, reserved, interface index 3, ARPHRD 1, packet type 4."""
    return struct.pack("!HHIHBB8s", protocol, 0, 3, 1, 4, 6, MAC[0] + b"\0\0") + payload


def time_exceeded4():
    """A router's Time Exceeded quoting a UDP datagram to IN4[1]."""
    quoted = ipv4(17, IN4[0], IN4[1], udp(40000, 33434, b"x" * 12), ttl=1, ident=7)
    return ipv4(1, "10.1.0.254", IN4[0], icmp4(11, 0, b"\0\0\0\0" + quoted))


def fixtures():
    """name -> (link type, [frames])."""
    f = {}
    f["gre"] = (1, [gre4(p, key=5, seq=i) for i, p in enumerate(pair4() + [time_exceeded4()])])
    f["gre-checksum"] = (1, [gre4(p, csum=True) for p in pair4()])
    f["ip6gre"] = (1, [eth_ip(over6(47, gre(0x86DD, p))) for p in pair6()])
    f["gretap"] = (1, [eth_ip(over4(47, gre(0x6558, eth_ip(p), key=9))) for p in pair4()])
    f["erspan1"] = (1, [eth_ip(over4(47, gre(0x88BE, eth_ip(p)))) for p in pair4()])
    f["erspan2"] = (1, [eth_ip(over4(47, gre(0x88BE, erspan2(100, eth_ip(p, [(0x8100, 10)])),
                                             seq=i)))
                        for i, p in enumerate(pair4())])
    f["erspan3"] = (1, [eth_ip(over4(47, gre(0x22EB, erspan3(200, eth_ip(p), platform=3),
                                             seq=i)))
                        for i, p in enumerate(pair4())])
    f["ip6erspan"] = (1, [eth_ip(over6(47, gre(0x88BE, erspan2(300, eth_ip(p)), seq=i)))
                          for i, p in enumerate(pair6())])
    f["vxlan"] = (1, [eth_ip(over4(17, udp(49152, 4789, vxlan(42, eth_ip(p))))) for p in pair4()])
    # From port 4789 to an ephemeral one: tshark picks the lower port.
    f["vxlan-sport"] = (1, [eth_ip(over4(17, udp(4789, 49152, vxlan(45, eth_ip(p)))))
                            for p in pair4()])
    f["vxlan6"] = (1, [eth_ip(over6(17, udp(49152, 4789, vxlan(43, eth_ip(p)), *OUT6)))
                       for p in pair6()])
    opts = [(0x0102, 0x80, b"\x00\x00\x00\x01"), (0xFFFF, 0x01, b"\x00" * 8)]
    f["geneve"] = (1, [eth_ip(over4(17, udp(49152, 6081, geneve(44, eth_ip(p), opts))))
                       for p in pair4()])
    f["mpls-udp"] = (1, [eth_ip(over4(17, udp(49152, 6635, mpls([100, 200], p))))
                         for p in pair4()])
    f["mpls-eth"] = (1, [eth(0x8847, mpls([16, 17], p)) for p in pair4()]
                     + [eth(0x8847, mpls([18, 2], p)) for p in pair6()])
    f["mpls-deep"] = (1, [eth(0x8847, mpls(list(range(100, 120)), p)) for p in pair4()])
    f["mpls-gre"] = (1, [eth_ip(over4(47, gre(0x8847, mpls([300], p)))) for p in pair4()])
    f["ipip"] = (1, [eth_ip(over4(4, p)) for p in pair4()])
    f["ipip-raw"] = (101, [over4(4, p) for p in pair4()])
    f["sit"] = (1, [eth_ip(over4(41, p)) for p in pair6()])
    f["ip4in6"] = (1, [eth_ip(over6(4, p)) for p in pair4()])
    f["ip6ip6"] = (1, [eth_ip(over6(41, p)) for p in pair6()])
    f["ip6ip6-srh"] = (1, [eth_ip(over6(43, srh(41, [OUT6[1], "2001:db8:9::9"], 0, p)))
                           for p in pair6()])
    f["pim-register"] = (1, [eth_ip(over4(103, pim_register(p))) for p in pair4()])
    f["vlan"] = (1, [eth_ip(p, [(0x8100, 10)]) for p in pair4()])
    f["qinq"] = (1, [eth_ip(p, [(0x88A8, 20), (0x8100, 10)]) for p in pair4() + pair6()])
    f["macsec"] = (1, [macsec(p, 0x0800, i + 1) for i, p in enumerate(pair4())])
    f["macsec-encrypted"] = (1, [macsec(p, 0x0800, i + 1, encrypted=True)
                                 for i, p in enumerate(pair4())])
    f["vxlan-gre-vlan"] = (1, [eth_ip(over4(17, udp(49152, 4789, vxlan(7, gre4(p, MID4, key=1)))),
                                      [(0x8100, 30)])
                               for p in pair4()])
    f["nhrp-traffic-indication"] = (1, [eth_ip(over4(47, gre(0x2001, traffic_indication(p))))
                                        for p in pair4() + pair6()]
                                    + [eth_ip(over4(47, gre(0x2001, traffic_indication(p, 0xCC))))
                                       for p in pair4()])
    # Other link types name their payload by ethertype (or PPP protocol):
    # the walk starts there, not only at an IP packet.
    f["sll-mpls"] = (113, [sll(0x8847, mpls([100], p)) for p in pair4()])
    f["sll2-vlan"] = (276, [sll2(0x8100, struct.pack("!HH", 10, 0x0800) + p) for p in pair4()]
                      + [sll2(0x8100, struct.pack("!HH", 10, 0x86DD) + p) for p in pair6()])
    f["ppp-mpls"] = (9, [b"\xff\x03\x02\x81" + mpls([16, 17], p) for p in pair4()])
    # PPTP: PPP framed in full (ff 03, protocol 0x0021) with sequence and
    # ack numbers, then compressed (protocol 0x57 in one byte), ack only.
    f["pptp"] = (1, [eth_ip(over4(47, pptp_gre(b"\xff\x03\x00\x21" + p, 7, seq=i, ack=i)))
                     for i, p in enumerate(pair4())]
                 + [eth_ip(over4(47, pptp_gre(b"\x57" + p, 7, ack=9))) for p in pair6()])
    f["nhrp-error-indication"] = (1, [eth_ip(over4(47, gre(0x2001, error_indication(
        traffic_indication(p))))) for p in pair4()])
    return f


def nhrp(op, mandatory, payload, proto=0x0800, src=TUN4[0], dst=TUN4[1]):
    """An NHRP packet (RFC 2332) over an IPv4 NBMA: the fixed header, the
    mandatory part (`mandatory`: its 6 bytes after the two protocol address
    lengths; then the source NBMA address OUT4[0], no subaddress, the
    source and destination protocol addresses) and the payload."""
    src, dst = a(src), a(dst)
    mand = struct.pack("!BB", len(src), len(dst)) + mandatory + a(OUT4[0]) + src + dst
    # AFN 1 (IPv4), protocol type, empty SNAP, hop count 1, size, checksum,
    # no extensions, version 1, operation type, NBMA address 4 bytes, no
    # subaddress.
    p = struct.pack("!HH5sBHHHBBBB", 1, proto, bytes(5), 1, 20 + len(mand) + len(payload), 0,
                    0, 1, op, 4, 0) + mand + payload
    return p[:10] + struct.pack("!H", checksum(p)) + p[12:]


def traffic_indication(packet, proto=None):
    """Cisco's Traffic Indication (type 8) for `packet`, of protocol type
    `proto` (the packet's ethertype unless given: 0xCC and 0x8E are NLPIDs)."""
    v6 = packet[0] >> 4 == 6
    if proto is None:
        proto = 0x86DD if v6 else 0x0800
    ends = TUN6 if v6 else TUN4
    return nhrp(8, bytes(6), packet, proto, *ends)


def error_indication(packet_in_error, code=6):
    """An Error Indication (type 7; code 6: protocol address unreachable)."""
    return nhrp(7, struct.pack("!HHH", 0, code, 0), packet_in_error)


def pim_register(inner):
    msg = struct.pack("!BBHI", 0x21, 0, 0, 0)
    # The checksum covers the PIM header only for Register messages.
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    return msg + inner


def write_pcap(path, linktype, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, frame in enumerate(frames):
            out.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)))
            out.write(frame)


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, (linktype, frames) in fixtures().items():
        write_pcap(os.path.join(sys.argv[1], f"{name}.pcap"), linktype, frames)


if __name__ == "__main__":
    main()
