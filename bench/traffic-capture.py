#!/usr/bin/env python3
"""bench/traffic-capture.py OUT.pcap [MEGABYTES] [PREFIX.pcap PREFIX_MEGABYTES]:
writes a pcap (Ethernet, link type 1) of about MEGABYTES (default 1024) of
the ICMP traffic a capture point sees, for bench/decode.sh; with PREFIX,
also the file's first PREFIX_MEGABYTES (cut at a packet's end) there.

What it holds, drawn from a fixed seed (the same bytes on every run):

- ICMPv4 and ICMPv6 Echo Requests and Replies of some thousand ping
  sessions at a time: Linux pings (a timestamp, then the 0x08.. pattern;
  56, 120, 248, 1000 and 1472 bytes of data) and Windows pings (32 bytes
  of the alphabet); about one reply in twenty lost;
- traceroutes (UDP probes to 33434 and up, three per hop): Time Exceeded
  from each router, quoting the probe, a third of them with an RFC 4884
  extension (an MPLS label stack, sometimes RFC 5837 interface
  information), then Port Unreachable from the target;
- Destination Unreachable quoting TCP SYNs and DNS queries (host,
  port, administratively prohibited; ICMPv6 no route, address and port
  unreachable), Fragmentation Needed and Packet Too Big quoting full-size
  TCP segments (576 and 1280 bytes of the error at most);
- NDP (Neighbor Solicitations, DAD, Advertisements, Router Solicitations
  and Advertisements with prefix, MTU and RDNSS options, the odd
  Redirect) and MLDv2 reports behind a Hop-by-Hop Router Alert.

Every checksum is right. A record averages about 320 bytes, so 1 GB is
about 3.4 million frames, 2.8 million of them ICMP (tshark's memory grows
with the packet count: about 1.9 GiB at 1 GB).
Traffic: none (a file is written).
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from inet import checksum  # noqa: E402 (lab/inet.py)

RNG = random.Random(10)
ROUTER_MAC = bytes.fromhex("020000000001")


def v4(n: int, m: int) -> bytes:
    """An address of a documentation range: 198.51.100.m (n=0),
    203.0.113.m (n=1) or 192.0.2.m (n=2)."""
    return bytes(((198, 51, 100), (203, 0, 113), (192, 0, 2))[n]) + bytes([m])


def v6(net: int, host: int) -> bytes:
    return struct.pack("!HHHH", 0x2001, 0xDB8, net, 0) + struct.pack("!Q", host)


def link_local(host: int) -> bytes:
    return struct.pack("!HHHHQ", 0xFE80, 0, 0, 0, 0x0200_00FF_FE00_0000 | host)


def mac(host: int) -> bytes:
    return b"\x02\x00" + struct.pack("!I", host)


def mcast_mac(addr: bytes) -> bytes:
    return b"\x33\x33" + addr[12:]


def solicited_node(addr: bytes) -> bytes:
    return bytes.fromhex("ff0200000000000000000001ff") + addr[13:]


ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS = bytes.fromhex("ff020000000000000000000000000002")
MLDV2_ROUTERS = bytes.fromhex("ff020000000000000000000000000016")


def ipv4(proto: int, src: bytes, dst: bytes, payload: bytes, ttl: int = 64, ident: int = 0,
         df: bool = True) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF,
                         0x4000 if df else 0, ttl, proto, 0, src, dst)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def ipv6(next_header: int, src: bytes, dst: bytes, payload: bytes, hlim: int = 64) -> bytes:
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header, hlim, src, dst) + payload


def pseudo6(src: bytes, dst: bytes, next_header: int, length: int) -> int:
    """The raw sum of an IPv6 pseudo-header (for checksum's start)."""
    return checksum(src + dst + struct.pack("!IxxxB", length, next_header)) ^ 0xFFFF


def icmp4(msg_type: int, code: int, body: bytes, start: int = 0) -> bytes:
    msg = struct.pack("!BBH", msg_type, code, 0) + body
    return msg[:2] + struct.pack("!H", checksum(msg, start)) + msg[4:]


def icmp6(msg_type: int, code: int, body: bytes, src: bytes, dst: bytes) -> bytes:
    return icmp4(msg_type, code, body, pseudo6(src, dst, 58, 4 + len(body)))


def udp(sport: int, dport: int, payload: bytes, src: bytes, dst: bytes) -> bytes:
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if len(src) == 16:
        start = pseudo6(src, dst, 17, len(d))
    else:
        start = checksum(src + dst + struct.pack("!xBH", 17, len(d))) ^ 0xFFFF
    c = checksum(d, start) or 0xFFFF
    return d[:6] + struct.pack("!H", c) + d[8:]


def tcp(sport: int, dport: int, seq: int, flags: int, payload: bytes = b"") -> bytes:
    # The checksum of a quoted segment is never checked; a plausible value.
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 64240, 0x5A5A, 0) + payload


def dns_query(ident: int) -> bytes:
    name = b"".join(bytes([len(p)]) + p for p in (b"www", b"example", b"com")) + b"\0"
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)


# RFC 4884 extensions: a structure of objects.
def structure(objects: bytes) -> bytes:
    body = struct.pack("!BBH", 0x20, 0, 0) + objects
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def ext_object(class_num: int, c_type: int, payload: bytes) -> bytes:
    return struct.pack("!HBB", 4 + len(payload), class_num, c_type) + payload


def mpls_stack(labels: list) -> bytes:
    return ext_object(1, 1, b"".join(
        struct.pack("!I", label << 12 | (i == len(labels) - 1) << 8 | 1)
        for i, label in enumerate(labels)))


def interface_info(index: int, addr: bytes, name: bytes) -> bytes:
    sub = bytes([0]) + name
    sub = sub.ljust((len(sub) + 3) // 4 * 4, b"\0")
    sub = bytes([len(sub)]) + sub[1:]
    # Role incoming (0), ifIndex, address, name, MTU.
    afi = 1 if len(addr) == 4 else 2
    payload = struct.pack("!IHH", index, afi, 0) + addr + sub + struct.pack("!I", 1500)
    return ext_object(2, 0x08 | 0x04 | 0x02 | 0x01, payload)


class Capture:
    """Frames to a pcap, with timestamps about 20,000 packets a second."""

    def __init__(self, out, megabytes: int, prefix, prefix_megabytes: int) -> None:
        self.files = [open(out, "wb")]
        self.limit = megabytes * 1024 * 1024
        self.prefix = open(prefix, "wb") if prefix else None
        self.prefix_limit = prefix_megabytes * 1024 * 1024
        header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
        self.buffer = bytearray(header)
        self.written = 0
        self.packets = 0
        self.usec = 1_790_000_000 * 1_000_000
        if self.prefix:
            self.files.append(self.prefix)

    def full(self) -> bool:
        return self.written + len(self.buffer) >= self.limit

    def frame(self, dst_mac: bytes, src_mac: bytes, packet: bytes) -> None:
        self.usec += int(RNG.expovariate(1 / 50)) + 1
        ethertype = b"\x08\x00" if packet[0] >> 4 == 4 else b"\x86\xdd"
        n = 14 + len(packet)
        self.buffer += struct.pack("<IIII", self.usec // 1_000_000, self.usec % 1_000_000, n, n)
        self.buffer += dst_mac + src_mac + ethertype + packet
        self.packets += 1
        if len(self.buffer) >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        for f in self.files:
            f.write(self.buffer)
        self.written += len(self.buffer)
        self.buffer.clear()
        if self.prefix and self.written >= self.prefix_limit:
            self.prefix.close()
            self.files.remove(self.prefix)
            self.prefix = None

    def close(self) -> None:
        self.flush()
        for f in self.files:
            f.close()


# Ping sessions. Payloads are built once per (kind, size); per packet only
# the header and the timestamp are summed.
LINUX_SIZES = [(56, 62), (120, 5), (248, 8), (1000, 8), (1472, 17)]
PATTERN = {}


def pattern(windows: bool, size: int) -> tuple:
    key = (windows, size)
    if key not in PATTERN:
        if windows:
            data = (b"abcdefghijklmnopqrstuvw" * 2)[:32]
        else:
            data = bytes((i + 16) & 0xFF for i in range(size - 16))
        PATTERN[key] = (data, checksum(data) ^ 0xFFFF)
    return PATTERN[key]


class Ping:
    def __init__(self, cap: Capture) -> None:
        self.cap = cap
        self.is_v6 = RNG.random() < 0.35
        self.windows = RNG.random() < 0.15
        client = RNG.randrange(10, 250)
        self.client_mac = mac(client)
        if self.is_v6:
            self.src, self.dst = v6(1, client), v6(2, RNG.randrange(1, 1 << 16))
        else:
            self.src, self.dst = v4(2, client), v4(RNG.randrange(2), RNG.randrange(2, 255))
        if self.windows:
            self.size, self.ident, self.ttl = 32, 1, 128
        else:
            sizes, weights = zip(*LINUX_SIZES)
            self.size = RNG.choices(sizes, weights)[0]
            self.ident, self.ttl = RNG.randrange(1 << 16), 64
        self.seq = RNG.randrange(1 << 16) if self.windows else 1
        self.left = RNG.randrange(3, 2000)
        self.hops = RNG.randrange(2, 20)
        self.ip_id = RNG.randrange(1 << 16)

    def step(self) -> None:
        data, start = pattern(self.windows, self.size)
        if not self.windows:
            t = self.cap.usec
            stamp = struct.pack("<QQ", t // 1_000_000, t % 1_000_000)
            body = stamp
        else:
            body = b""
        self.send(True, body, data, start)
        if RNG.random() < 0.95:
            self.send(False, body, data, start)
        self.seq = (self.seq + 1) & 0xFFFF
        self.left -= 1
        self.ip_id += 1

    def send(self, request: bool, body: bytes, data: bytes, start: int) -> None:
        src, dst = (self.src, self.dst) if request else (self.dst, self.src)
        length = 8 + len(body) + len(data)
        if self.is_v6:
            msg_type = 128 if request else 129
            start += pseudo6(src, dst, 58, length)
        else:
            msg_type = 8 if request else 0
        head = struct.pack("!BBHHH", msg_type, 0, 0, self.ident, self.seq) + body
        msg = head[:2] + struct.pack("!H", checksum(head, start)) + head[4:] + data
        ttl = self.ttl if request else 64 - self.hops
        if self.is_v6:
            packet = ipv6(58, src, dst, msg, hlim=ttl)
        else:
            packet = ipv4(1, src, dst, msg, ttl=ttl, ident=self.ip_id, df=not self.windows)
        if request:
            self.cap.frame(ROUTER_MAC, self.client_mac, packet)
        else:
            self.cap.frame(self.client_mac, ROUTER_MAC, packet)


class Traceroute:
    """One traceroute: three UDP probes a hop, answered by each router."""

    def __init__(self, cap: Capture) -> None:
        self.cap = cap
        self.is_v6 = RNG.random() < 0.35
        client = RNG.randrange(10, 250)
        self.client_mac = mac(client)
        if self.is_v6:
            self.src, self.dst = v6(1, client), v6(2, RNG.randrange(1, 1 << 16))
        else:
            self.src, self.dst = v4(2, client), v4(0, RNG.randrange(2, 255))
        self.hops = RNG.randrange(4, 16)
        self.ttl = 1
        self.port = 33434
        self.sport = RNG.randrange(32768, 61000)
        self.mpls = RNG.random() < 0.3
        self.left = self.hops

    def router(self, hop: int) -> bytes:
        return v6(0xFF, hop) if self.is_v6 else v4(1, hop)

    def probe(self, ttl: int) -> bytes:
        probe_udp = udp(self.sport, self.port, bytes(32), self.src, self.dst)
        if self.is_v6:
            return ipv6(17, self.src, self.dst, probe_udp, hlim=ttl)
        return ipv4(17, self.src, self.dst, probe_udp, ttl=ttl, ident=self.port, df=False)

    def step(self) -> None:
        last = self.ttl == self.hops
        for _ in range(3):
            self.cap.frame(ROUTER_MAC, self.client_mac, self.probe(self.ttl))
            # The probe as the last router (or the target) got it: TTL 1.
            quoted = self.probe(1)
            self.port += 1
            if RNG.random() < 0.05:
                continue  # a silent probe: no answer
            if last:
                answer = self.unreachable(quoted)
            else:
                answer = self.time_exceeded(quoted, self.mpls and 1 < self.ttl < self.hops - 1)
            self.cap.frame(self.client_mac, ROUTER_MAC, answer)
        self.ttl += 1
        self.left -= 1

    def time_exceeded(self, quoted: bytes, extended: bool) -> bytes:
        router = self.router(self.ttl)
        if not extended:
            if self.is_v6:
                return ipv6(58, router, self.src, icmp6(3, 0, bytes(4) + quoted, router, self.src),
                            hlim=65 - self.ttl)
            # RFC 792 routers quote 8 bytes; Linux the whole probe.
            quote = quoted[:28] if self.ttl % 2 else quoted
            return ipv4(1, router, self.src, icmp4(11, 0, bytes(4) + quote), ttl=256 - self.ttl,
                        ident=RNG.randrange(1 << 16), df=False)
        objects = mpls_stack([RNG.randrange(16, 1 << 20) for _ in range(RNG.randrange(1, 4))])
        if RNG.random() < 0.3:
            objects += interface_info(RNG.randrange(1, 512), router, b"ge-0/0/%d" % RNG.randrange(48))
        extension = structure(objects)
        quote = quoted.ljust(128, b"\0")
        if self.is_v6:
            body = struct.pack("!BBH", 16, 0, 0) + quote + extension
            return ipv6(58, router, self.src, icmp6(3, 0, body, router, self.src), hlim=65 - self.ttl)
        body = struct.pack("!BBH", 0, 32, 0) + quote + extension
        return ipv4(1, router, self.src, icmp4(11, 0, body), ttl=256 - self.ttl,
                    ident=RNG.randrange(1 << 16), df=False)

    def unreachable(self, probe: bytes) -> bytes:
        if self.is_v6:
            return ipv6(58, self.dst, self.src, icmp6(1, 4, bytes(4) + probe, self.dst, self.src),
                        hlim=65 - self.hops)
        return ipv4(1, self.dst, self.src, icmp4(3, 3, bytes(4) + probe), ttl=65 - self.hops,
                    ident=RNG.randrange(1 << 16), df=False)


def refused(cap: Capture) -> None:
    """A client's TCP SYN or DNS query and the error it draws."""
    is_v6 = RNG.random() < 0.4
    client = RNG.randrange(10, 250)
    sport = RNG.randrange(32768, 61000)
    dns = RNG.random() < 0.3
    if is_v6:
        src, dst = v6(1, client), v6(2, RNG.randrange(1, 1 << 16))
        router = v6(0xFF, RNG.randrange(1, 16))
        payload = udp(sport, 53, dns_query(sport), src, dst) if dns else tcp(sport, 443, RNG.randrange(1 << 32), 0x02)
        probe = ipv6(17 if dns else 6, src, dst, payload)
        code, sender = (4, dst) if dns else RNG.choice([(0, router), (1, router), (3, router), (5, router)])
        error = ipv6(58, sender, src, icmp6(1, code, bytes(4) + probe[:1232], sender, src))
    else:
        src, dst = v4(2, client), v4(RNG.randrange(2), RNG.randrange(2, 255))
        router = v4(1, RNG.randrange(1, 16))
        payload = udp(sport, 53, dns_query(sport), src, dst) if dns else tcp(sport, 443, RNG.randrange(1 << 32), 0x02)
        probe = ipv4(17 if dns else 6, src, dst, payload, ident=RNG.randrange(1 << 16))
        code, sender = (3, dst) if dns else RNG.choice([(1, router), (13, router), (10, router), (0, router)])
        error = ipv4(1, sender, src, icmp4(3, code, bytes(4) + probe[:548]), ttl=250,
                     ident=RNG.randrange(1 << 16), df=False)
    cap.frame(ROUTER_MAC, mac(client), probe)
    cap.frame(mac(client), ROUTER_MAC, error)


def too_big(cap: Capture) -> None:
    """A full-size TCP segment from a server, and the router's
    Fragmentation Needed or Packet Too Big back to it."""
    is_v6 = RNG.random() < 0.5
    mtu = RNG.choice([1280, 1400, 1420, 1480, 1492])
    server = RNG.randrange(1, 250)
    segment = tcp(443, RNG.randrange(32768, 61000), RNG.randrange(1 << 32), 0x18, bytes(1460 - 20 * is_v6))
    if is_v6:
        src, dst = v6(2, server), v6(1, RNG.randrange(10, 250))
        router = v6(0xFF, RNG.randrange(1, 16))
        probe = ipv6(6, src, dst, segment)
        error = ipv6(58, router, src, icmp6(2, 0, struct.pack("!I", mtu) + probe[:1232], router, src))
    else:
        src, dst = v4(0, server), v4(2, RNG.randrange(10, 250))
        router = v4(1, RNG.randrange(1, 16))
        probe = ipv4(6, src, dst, segment, ident=RNG.randrange(1 << 16))
        error = ipv4(1, router, src, icmp4(3, 4, struct.pack("!HH", 0, mtu) + probe[:548]), ttl=255,
                     df=False)
    cap.frame(mac(server), ROUTER_MAC, probe)
    cap.frame(ROUTER_MAC, mac(server), error)


def ndp(cap: Capture) -> None:
    """One NDP exchange of a link's hosts and router, or an MLDv2 report."""
    host = RNG.randrange(10, 250)
    ll, hmac = link_local(host), mac(host)
    router_ll = link_local(1)
    kind = RNG.random()
    if kind < 0.45:
        # Address resolution: NS to the solicited-node group, NA back.
        if RNG.random() < 0.5:
            other = RNG.randrange(10, 250)
            target, target_mac, flags = link_local(other), mac(other), 0x60000000
        else:
            target, target_mac, flags = router_ll, ROUTER_MAC, 0xE0000000
        group = solicited_node(target)
        ns = struct.pack("!I16s", 0, target) + struct.pack("!BB6s", 1, 1, hmac)
        cap.frame(mcast_mac(group), hmac, ipv6(58, ll, group, icmp6(135, 0, ns, ll, group), hlim=255))
        na = struct.pack("!I16s", flags, target) + struct.pack("!BB6s", 2, 1, target_mac)
        cap.frame(hmac, target_mac, ipv6(58, target, ll, icmp6(136, 0, na, target, ll), hlim=255))
    elif kind < 0.6:
        # Neighbor unreachability detection: unicast NS and NA.
        ns = struct.pack("!I16s", 0, router_ll)
        cap.frame(ROUTER_MAC, hmac, ipv6(58, ll, router_ll, icmp6(135, 0, ns, ll, router_ll), hlim=255))
        na = struct.pack("!I16s", 0xC0000000, router_ll)
        cap.frame(hmac, ROUTER_MAC, ipv6(58, router_ll, ll, icmp6(136, 0, na, router_ll, ll), hlim=255))
    elif kind < 0.7:
        # Duplicate address detection: from ::, no option.
        unspecified, group = bytes(16), solicited_node(ll)
        ns = struct.pack("!I16s", 0, ll)
        cap.frame(mcast_mac(group), hmac, ipv6(58, unspecified, group, icmp6(135, 0, ns, unspecified, group),
                                               hlim=255))
    elif kind < 0.85:
        # Router discovery: RS, then RA with source link-layer address,
        # MTU, prefix information and RDNSS options.
        rs = bytes(4) + struct.pack("!BB6s", 1, 1, hmac)
        cap.frame(mcast_mac(ALL_ROUTERS), hmac, ipv6(58, ll, ALL_ROUTERS, icmp6(133, 0, rs, ll, ALL_ROUTERS),
                                                     hlim=255))
        ra = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
        ra += struct.pack("!BB6s", 1, 1, ROUTER_MAC)
        ra += struct.pack("!BBHI", 5, 1, 0, 1500)
        ra += struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 2592000, 604800, 0, v6(1, 0))
        ra += struct.pack("!BBHI16s", 25, 3, 0, 1800, v6(0xFF, 53))
        cap.frame(mcast_mac(ALL_NODES), ROUTER_MAC,
                  ipv6(58, router_ll, ALL_NODES, icmp6(134, 0, ra, router_ll, ALL_NODES), hlim=255))
    elif kind < 0.97:
        # MLDv2 report behind a Hop-by-Hop Router Alert option.
        records = b"".join(struct.pack("!BBH16s", 4, 0, 0, solicited_node(v6(1, RNG.randrange(1 << 24))))
                           for _ in range(RNG.randrange(1, 3)))
        report = struct.pack("!HH", 0, len(records) // 20) + records
        msg = icmp6(143, 0, report, ll, MLDV2_ROUTERS)
        hop_by_hop = struct.pack("!BB", 58, 0) + bytes([5, 2, 0, 0, 1, 0])
        cap.frame(mcast_mac(MLDV2_ROUTERS), hmac, ipv6(0, ll, MLDV2_ROUTERS, hop_by_hop + msg, hlim=1))
    else:
        # A Redirect: a better first hop for a destination.
        dst = v6(2, RNG.randrange(1, 1 << 16))
        redirect = bytes(4) + link_local(2) + dst + struct.pack("!BB6s", 2, 1, mac(2))
        cap.frame(hmac, ROUTER_MAC, ipv6(58, router_ll, ll, icmp6(137, 0, redirect, router_ll, ll), hlim=255))


def main() -> None:
    out = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    prefix = sys.argv[3] if len(sys.argv) > 3 else None
    prefix_megabytes = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    cap = Capture(out, megabytes, prefix, prefix_megabytes)
    pings = [Ping(cap) for _ in range(1000)]
    traces = [Traceroute(cap) for _ in range(20)]
    events = [("ping", 80), ("trace", 10), ("refused", 5), ("too_big", 1.5), ("ndp", 3.5)]
    names, weights = zip(*events)
    while not cap.full():
        for kind in RNG.choices(names, weights, k=1000):
            if kind == "ping":
                i = RNG.randrange(len(pings))
                pings[i].step()
                if pings[i].left == 0:
                    pings[i] = Ping(cap)
            elif kind == "trace":
                i = RNG.randrange(len(traces))
                traces[i].step()
                if traces[i].left == 0:
                    traces[i] = Traceroute(cap)
            elif kind == "refused":
                refused(cap)
            elif kind == "too_big":
                too_big(cap)
            else:
                ndp(cap)
    cap.close()
    print(f"{out}: {cap.packets} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
