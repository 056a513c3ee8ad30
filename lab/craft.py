#!/usr/bin/env python3
"""Craft the packets that make a Linux kernel send ICMP, with raw sockets only.

Run inside a lab namespace (see lab/lib.sh); every command sends a handful of
packets to the one destination it is given and returns.

  craft.py udp DST PORT                 a UDP datagram (IPv4 or IPv6)
  craft.py proto DST PROTO              an IP packet of protocol / next header PROTO
  craft.py bad-option DST               IPv4 with a malformed Record Route option
  craft.py first-fragment DST           only the first fragment of a UDP datagram
  craft.py dst-option DST OPTTYPE       IPv6 Destination Options with option OPTTYPE
  craft.py timestamp DST                ICMP Timestamp Request
  craft.py probe DST name|index|addr|bad VALUE
                                        RFC 8335 Extended Echo (PROBE) request
"""

import ipaddress
import socket
import struct
import sys

from inet import checksum, is_v6, source_for  # noqa: E402 (lab/inet.py, beside this file)

IPPROTO_ICMPV6 = 58
IPPROTO_DSTOPTS = 60
IPPROTO_FRAGMENT = 44
IPPROTO_NONE = 59








def send_raw_ipv4(dst: str, packet: bytes) -> None:
    """Sends a complete IPv4 packet (IP_HDRINCL: the kernel fills in the
    header checksum and total length)."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(packet, (dst, 0))


def send_raw_ipv6(dst: str, payload: bytes, next_header: int) -> None:
    """Sends an IPv6 packet whose header we write ourselves (IPPROTO_RAW)."""
    src = socket.inet_pton(socket.AF_INET6, source_for(dst))
    header = struct.pack("!IHBB", 6 << 28, len(payload), next_header, 64)
    header += src + socket.inet_pton(socket.AF_INET6, dst)
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(header + payload, (dst, 0))


def ipv4_header(dst: str, proto: int, flags_offset: int, options: bytes, payload_len: int,
                ident: int) -> bytes:
    ihl = 5 + len(options) // 4
    total = ihl * 4 + payload_len
    src = socket.inet_aton(source_for(dst))
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, flags_offset, 64, proto, 0,
                       src, socket.inet_aton(dst)) + options


def icmp_echo(ident: int, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"icmpkit!"
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def cmd_udp(dst: str, port: str) -> None:
    family = socket.AF_INET6 if is_v6(dst) else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.sendto(b"icmpkit corpus", (dst, int(port)))


def cmd_proto(dst: str, proto: str) -> None:
    family = socket.AF_INET6 if is_v6(dst) else socket.AF_INET
    with socket.socket(family, socket.SOCK_RAW, int(proto)) as s:
        s.sendto(b"icmpkit!", (dst, 0))


def cmd_bad_option(dst: str) -> None:
    # Record Route (type 7), length 3, pointer 2: a pointer below 4 is invalid,
    # so the receiver answers Parameter Problem pointing at it (octet 22).
    options = bytes([7, 3, 2, 0])
    payload = icmp_echo(0x1c4b, 1)
    send_raw_ipv4(dst, ipv4_header(dst, 1, 0, options, len(payload), 0x1111) + payload)


def udp_header(sport: int, dport: int, length: int) -> bytes:
    return struct.pack("!HHHH", sport, dport, length, 0)


def cmd_first_fragment(dst: str) -> None:
    data = b"icmpkit-fragment"  # 16 bytes: UDP header + 16 = 24, a multiple of 8
    udp = udp_header(40000, 9, 8 + len(data) * 3)  # the datagram claims more that never comes
    first = udp + data
    if is_v6(dst):
        frag = struct.pack("!BBHI", socket.IPPROTO_UDP, 0, 1, 0x1c4b1c4b)  # offset 0, M=1
        send_raw_ipv6(dst, frag + first, IPPROTO_FRAGMENT)
    else:
        mf = 0x2000
        send_raw_ipv4(dst, ipv4_header(dst, socket.IPPROTO_UDP, mf, b"", len(first), 0x2222) + first)


def cmd_dst_option(dst: str, opt_type: str) -> None:
    option = bytes([int(opt_type, 0), 4, 0, 0, 0, 0])
    dstopts = bytes([IPPROTO_NONE, 0]) + option  # 8 bytes, Hdr Ext Len 0
    send_raw_ipv6(dst, dstopts, IPPROTO_DSTOPTS)


def cmd_timestamp(dst: str) -> None:
    body = struct.pack("!BBHHHIII", 13, 0, 0, 0x1c4b, 1, 12345678, 0, 0)
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.settimeout(1.0)
        s.sendto(body, (dst, 0))
        try:
            s.recv(1500)
        except socket.timeout:
            pass


def probe_object(mode: str, value: str) -> bytes:
    """RFC 8335 Interface Identification Object (class 3)."""
    if mode == "name":
        ident, ctype = value.encode(), 1
        ident += b"\0" * (-len(ident) % 4)
    elif mode == "index":
        ident, ctype = struct.pack("!I", int(value)), 2
    elif mode == "addr":
        addr = ipaddress.ip_address(value)
        afi = 1 if addr.version == 4 else 2
        ident, ctype = struct.pack("!HBB", afi, len(addr.packed), 0) + addr.packed, 3
    elif mode == "bad":  # an unknown C-Type: a malformed query
        ident, ctype = struct.pack("!I", int(value)), 9
    else:
        raise SystemExit(f"unknown probe mode {mode}")
    return struct.pack("!HBB", 4 + len(ident), 3, ctype) + ident


def cmd_probe(dst: str, mode: str, value: str) -> None:
    obj = probe_object(mode, value)
    ext = bytearray(struct.pack("!BBH", 2 << 4, 0, 0) + obj)  # extension header, version 2
    ext[2:4] = struct.pack("!H", checksum(bytes(ext)))
    seq = 1
    v6 = is_v6(dst)
    icmp_type = 160 if v6 else 42
    # Identifier, then Sequence Number (8 bits), Reserved (7 bits) and the L bit.
    head = struct.pack("!BBHHBB", icmp_type, 0, 0, 0x1c4b, seq, 0x01)
    msg = bytearray(head + ext)
    if v6:  # the kernel computes ICMPv6 checksums on raw ICMPv6 sockets
        family, proto = socket.AF_INET6, IPPROTO_ICMPV6
    else:
        family, proto = socket.AF_INET, socket.IPPROTO_ICMP
        msg[2:4] = struct.pack("!H", checksum(bytes(msg)))
    with socket.socket(family, socket.SOCK_RAW, proto) as s:
        s.settimeout(1.0)
        s.sendto(bytes(msg), (dst, 0))
        try:
            s.recv(1500)
        except socket.timeout:
            pass


COMMANDS = {
    "udp": (cmd_udp, 2),
    "proto": (cmd_proto, 2),
    "bad-option": (cmd_bad_option, 1),
    "first-fragment": (cmd_first_fragment, 1),
    "dst-option": (cmd_dst_option, 2),
    "timestamp": (cmd_timestamp, 1),
    "probe": (cmd_probe, 3),
}


def main(argv: list) -> None:
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    func, nargs = COMMANDS[argv[1]]
    if len(argv) - 2 != nargs:
        raise SystemExit(__doc__)
    func(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
