#!/usr/bin/env python3
"""Write crafted IP packets onto a TUN device (AF_PACKET), for the tests of
`icmpkit netsim up` (crates/cli/tests/netsim_*.rs).

A packet written with AF_PACKET onto a TUN device goes straight to the
program reading the device (the netsim), as raw IP: no routing, no martian
check, no kernel-chosen source or TTL. So a test can send what no socket
would: sources 0.0.0.0, 127.0.0.1, ::, multicast; ICMP errors with TTL 1;
non-initial fragments. Run it inside the lab namespace that holds DEV.

  craft.py DEV < SPECS

One packet per line of SPECS (the family follows the addresses):

  echo SRC DST TTL ID SEQ [size=N] [df]    ICMP / ICMPv6 Echo Request
  udp SRC DST TTL SPORT DPORT [size=N] [df] a UDP datagram
  error SRC DST TTL TYPE CODE              an ICMP / ICMPv6 error quoting a
                                           UDP datagram DST -> SRC
  frag SRC DST TTL                         a non-initial fragment of a UDP
                                           datagram (offset 1480)
  sleep SECONDS                            a pause (at most 10 s)

`size=N` makes the whole IP packet N bytes long; `df` sets IPv4's Don't
Fragment. Lines starting with `#` and empty lines are skipped. Prints
`sent N` at the end.
"""

import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from inet import checksum, is_v6  # noqa: E402 (lab/inet.py)

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
MAX_PACKETS = 10000


def addr(a: str) -> bytes:
    return ipaddress.ip_address(a).packed


def ipv4(src: str, dst: str, ttl: int, proto: int, payload: bytes,
         df: bool = False, frag_offset: int = 0, ident: int = 0x1234) -> bytes:
    flags = (0x4000 if df else 0) | (frag_offset // 8)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags,
                         ttl, proto, 0, addr(src), addr(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ipv6(src: str, dst: str, hlim: int, next_header: int, payload: bytes) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hlim,
                       addr(src), addr(dst)) + payload


def pseudo_sum(src: str, dst: str, proto: int, length: int) -> int:
    """The (uncomplemented) sum of the pseudo-header, fed to checksum()."""
    if is_v6(src):
        pseudo = addr(src) + addr(dst) + struct.pack("!IxxxB", length, proto)
    else:
        pseudo = addr(src) + addr(dst) + struct.pack("!xBH", proto, length)
    return (~checksum(pseudo)) & 0xFFFF


def udp(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = checksum(seg, pseudo_sum(src, dst, 17, len(seg))) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp(src: str, dst: str, msg_type: int, code: int, rest: bytes, body: bytes) -> bytes:
    msg = struct.pack("!BBH", msg_type, code, 0) + rest + body
    start = pseudo_sum(src, dst, 58, len(msg)) if is_v6(src) else 0
    return msg[:2] + struct.pack("!H", checksum(msg, start)) + msg[4:]


def ip(src: str, dst: str, ttl: int, proto: int, payload: bytes, df: bool = False) -> bytes:
    if is_v6(src):
        return ipv6(src, dst, ttl, proto, payload)
    return ipv4(src, dst, ttl, proto, payload, df=df)


def header_len(src: str) -> int:
    return 40 if is_v6(src) else 20


def fill(size, used: int) -> bytes:
    """Data that brings a packet of `used` bytes to `size` (none without size)."""
    return bytes(i & 0xFF for i in range(max(0, size - used))) if size else b""


def build(words):
    """The packet of one spec line (split), or None for `sleep`."""
    kind, args = words[0], words[1:]
    opts = {w.split("=")[0]: w.split("=", 1)[1] for w in args if "=" in w}
    df = "df" in args
    args = [w for w in args if "=" not in w and w != "df"]
    size = int(opts["size"]) if "size" in opts else None
    if kind == "sleep":
        time.sleep(min(float(args[0]), 10.0))
        return None
    src, dst, ttl = args[0], args[1], int(args[2])
    v6 = is_v6(src)
    if kind == "echo":
        ident, seq = int(args[3]), int(args[4])
        data = fill(size, header_len(src) + 8) if size else b"icmpkit netsim"
        msg = icmp(src, dst, 128 if v6 else 8, 0, struct.pack("!HH", ident, seq), data)
        return ip(src, dst, ttl, 58 if v6 else 1, msg, df)
    if kind == "udp":
        sport, dport = int(args[3]), int(args[4])
        data = fill(size, header_len(src) + 8) if size else b"icmpkit"
        return ip(src, dst, ttl, 17, udp(src, dst, sport, dport, data), df)
    if kind == "error":
        msg_type, code = int(args[3]), int(args[4])
        quoted = ip(dst, src, 64, 17, udp(dst, src, 40000, 33434, b"quoted"))
        msg = icmp(src, dst, msg_type, code, b"\0\0\0\0", quoted)
        return ip(src, dst, ttl, 58 if v6 else 1, msg)
    if kind == "frag":
        data = bytes(64)
        if v6:
            # Fragment header: next header UDP, offset 1480 (in 8-byte units << 3).
            frag = struct.pack("!BBHI", 17, 0, (1480 // 8) << 3, 0xABCD)
            return ipv6(src, dst, ttl, 44, frag + data)
        return ipv4(src, dst, ttl, 17, data, frag_offset=1480)
    raise SystemExit(f"craft.py: unknown spec {kind!r}: echo, udp, error, frag or sleep")


def main() -> int:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    dev = sys.argv[1]
    sent = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM) as s:
        for line in sys.stdin:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            packet = build(words)
            if packet is None:
                continue
            proto = ETH_P_IPV6 if packet[0] >> 4 == 6 else ETH_P_IP
            s.sendto(packet, (dev, proto))
            sent += 1
            if sent >= MAX_PACKETS:
                break
    print(f"sent {sent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
