#!/usr/bin/env python3
"""Write one small pcap per link type in tests/fixtures/links/.

Each holds the same eight IP packets the kernel made (taken out of the
Ethernet captures in tests/fixtures/kernel), wrapped in that link type's
header, with the framing varied from packet to packet where the link type
allows variants (compressed PPP fields, Cisco multicast, RFC 1051 ARCNET):

  1  ICMPv4 echo request            echo.pcap frame 1
  2  ICMPv4 echo reply              echo.pcap frame 2
  3  ICMPv6 echo request            echo.pcap frame 5
  4  ICMPv6 echo reply              echo.pcap frame 6
  5  ICMPv4 port unreachable (3/3)  port-proto-unreachable.pcap frame 1, quoting UDP
  6  ICMPv6 port unreachable (1/4)  port-proto-unreachable.pcap frame 2, quoting UDP
  7  ICMPv4 echo request, bad checksum   echo.pcap frame 3, checksum flipped
  8  ICMPv6 echo request, bad checksum   echo.pcap frame 7, checksum flipped

Header layouts follow tcpdump and Wireshark (see crates/capture/src/link/).
Usage: lab/make-link-fixtures.py [OUTDIR]   (default tests/fixtures/links)
"""

import os
import struct
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(REPO, "tests", "fixtures", "kernel")

# (file, 1-based frame, flip the ICMP checksum)
PICKS = [
    ("echo.pcap", 1, False),
    ("echo.pcap", 2, False),
    ("echo.pcap", 5, False),
    ("echo.pcap", 6, False),
    ("port-proto-unreachable.pcap", 1, False),
    ("port-proto-unreachable.pcap", 2, False),
    ("echo.pcap", 3, True),
    ("echo.pcap", 7, True),
]


def read_pcap(path):
    """(linktype, [(sec, usec, bytes)]) of a little- or big-endian µs pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}.get(magic)
    if order is None:
        sys.exit(f"{path}: not a microsecond pcap")
    linktype = struct.unpack_from(order + "I", data, 20)[0]
    records, at = [], 24
    while at + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack_from(order + "IIII", data, at)
        records.append((sec, usec, data[at + 16 : at + 16 + incl]))
        at += 16 + incl
    return linktype, records


def ip_packet(frame):
    """The IP packet of an untagged Ethernet frame."""
    if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
        sys.exit("expected an IPv4 or IPv6 Ethernet frame")
    return frame[14:]


def flip_icmp_checksum(ip):
    """The packet with its ICMP/ICMPv6 checksum's bits inverted."""
    offset = (ip[0] & 0x0F) * 4 if ip[0] >> 4 == 4 else 40
    ip = bytearray(ip)
    ip[offset + 2] ^= 0xFF
    ip[offset + 3] ^= 0xFF
    return bytes(ip)


def packets():
    """[(sec, usec, ip)] of the picks, in order."""
    cache, out = {}, []
    for name, number, bad in PICKS:
        if name not in cache:
            linktype, records = read_pcap(os.path.join(KERNEL, name))
            if linktype != 1:
                sys.exit(f"{name}: expected Ethernet")
            cache[name] = records
        sec, usec, frame = cache[name][number - 1]
        ip = ip_packet(frame)
        out.append((sec, usec, flip_icmp_checksum(ip) if bad else ip))
    return out


def is_v6(ip):
    return ip[0] >> 4 == 6


# Each wrapper: (index of the packet, IP packet) -> link-layer frame.


def ppp(i, ip):
    """PPP: full framing, address/control compressed, protocol compressed,
    both compressed, in turn."""
    proto = 0x57 if is_v6(ip) else 0x21
    return [
        b"\xff\x03" + struct.pack(">H", proto),
        struct.pack(">H", proto),
        b"\xff\x03" + bytes([proto]),
        bytes([proto]),
    ][i % 4] + ip


def cisco(i, ip):
    """Cisco HDLC: unicast address, multicast for every third packet."""
    address = 0x8F if i % 3 == 2 else 0x0F
    ethertype = 0x86DD if is_v6(ip) else 0x0800
    return struct.pack(">BBH", address, 0, ethertype) + ip


def ppp_hdlc(i, ip):
    """PPP in HDLC-like framing; every fourth frame Cisco HDLC, which link
    type 50 also carries."""
    return cisco(i, ip) if i % 4 == 3 else ppp(i, ip)


def ipoib(i, ip):
    """IP over InfiniBand: 40-byte pseudo header (20 zero bytes, then the
    destination QPN and GID), Ethernet type, 2 reserved bytes."""
    pseudo = bytes(20) + struct.pack(">I", 0x48 + i)
    pseudo += bytes.fromhex("fe800000000000000002c90300010203")
    ethertype = 0x86DD if is_v6(ip) else 0x0800
    return pseudo + struct.pack(">HH", ethertype, 0) + ip


def ipnet(i, ip):
    """Solaris ipnet: version 1, family (Solaris AF_INET 2 / AF_INET6 26),
    hook type (inbound/outbound), packet length, ifindex, grifindex, zones."""
    family = 26 if is_v6(ip) else 2
    return struct.pack(">BBHIIIII", 1, family, i % 2, len(ip), 2, 0, 0, 0) + ip


def arcnet_linux(i, ip):
    """ARCNET, Linux header: source, destination, offset, protocol id, and for
    RFC 1201 ids a split flag and sequence number. IPv4 alternates between
    RFC 1201 (0xd4) and RFC 1051 (0xf0, no split flag); IPv6 is 0xc4."""
    head = struct.pack(">BBH", 0x01, 0x02, 0)
    if is_v6(ip):
        return head + struct.pack(">BBH", 0xC4, 0, i) + ip
    if i % 2 == 0:
        return head + struct.pack(">BBH", 0xD4, 0, i) + ip
    return head + b"\xf0" + ip


LINKS = [
    ("ppp", 9, ppp),
    ("ppp-hdlc", 50, ppp_hdlc),
    ("cisco-hdlc", 104, cisco),
    ("arcnet-linux", 129, arcnet_linux),
    ("ipnet", 226, ipnet),
    ("ipoib", 242, ipoib),
]


def write_pcap(path, linktype, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for sec, usec, frame in records:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "fixtures", "links")
    os.makedirs(out, exist_ok=True)
    ips = packets()
    for name, linktype, wrap in LINKS:
        records = [(sec, usec, wrap(i, ip)) for i, (sec, usec, ip) in enumerate(ips)]
        path = os.path.join(out, f"{name}.pcap")
        write_pcap(path, linktype, records)
        print(f"{path}: link type {linktype}, {len(records)} frames")


if __name__ == "__main__":
    main()
