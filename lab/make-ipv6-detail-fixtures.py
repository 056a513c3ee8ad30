#!/usr/bin/env python3
"""Writes the crafted captures of tests/fixtures/ipv6-details/ (Python's
standard library only, so CI needs nothing more to remake them):

  make-ipv6-detail-fixtures.py [OUTDIR]   (default tests/fixtures/ipv6-details)

Run without OUTDIR it also writes each frame's IP packet (the jumbograms
cut to their first 256 bytes, to keep fuzzing inputs small) into
fuzz/seeds/, which scripts/fuzz gives the fuzz targets to start from.

- routing.pcap: ICMPv6 behind routing headers, whose checksum covers the
  FINAL destination (RFC 8200 §8.1): type 0 (RFC 5095 deprecated it, but
  captures hold it), type 2 (Mobile IPv6 home address), type 3 (RPL source
  route, RFC 6554, compressed addresses), type 4 (segment routing header,
  RFC 8754: Segment List[0] is the final destination), each with segments
  left > 0 and = 0, an error message, an unknown routing type, two
  deliberately wrong checksums (summed over the IPv6 destination instead),
  and two malformed headers read past as tshark reads them (a type 0 of odd
  length, an SRH with more segments left than listed).
- jumbo.pcap: an RFC 2675 jumbogram carrying a 70000-byte ICMPv6 echo
  request, and three jumbograms RFC 2675 calls errors.
- ipv4-length0.pcap: IPv4 packets with total length 0, as captures taken
  with TCP segmentation offload hold them.

Every frame is described in tests/fixtures/ipv6-details/README.md.
"""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inet import checksum  # noqa: E402  (the lab's one Internet checksum)

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
SNAPLEN = 262144

HOP_BY_HOP, ROUTING, DEST_OPTS, ICMPV6, UDP = 0, 43, 60, 58, 17


def a6(text: str) -> bytes:
    return ipaddress.IPv6Address(text).packed


SRC = a6("2001:db8:1::2")
HOP1 = a6("2001:db8:2::1")
HOP2 = a6("2001:db8:3::1")
FINAL = a6("2001:db8:4::1")
HOME = a6("2001:db8:5::5")
CARE_OF = a6("2001:db8:6::6")


def pcap(linktype: int, frames: list) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, linktype)
    for i, frame in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame
    return out


def icmpv6(msg_type: int, code: int, body: bytes, src: bytes, dst: bytes) -> bytes:
    """An ICMPv6 message whose checksum covers src and dst (RFC 4443 §2.3)."""
    message = struct.pack("!BBH", msg_type, code, 0) + body
    pseudo = src + dst + struct.pack("!IxxxB", len(message), ICMPV6)
    total = checksum(pseudo + message)
    return message[:2] + struct.pack("!H", total) + message[4:]


def echo(msg_type: int, src: bytes, dst: bytes, seq: int, data: bytes = b"icmpkit") -> bytes:
    return icmpv6(msg_type, 0, struct.pack("!HH", 0x1717, seq) + data, src, dst)


def ipv6(next_header: int, src: bytes, dst: bytes, payload: bytes, payload_len=None) -> bytes:
    length = len(payload) if payload_len is None else payload_len
    return struct.pack("!IHBB", 6 << 28, length, next_header, 64) + src + dst + payload


def ext(next_header: int, body: bytes) -> bytes:
    """A generic extension header: body is everything after the length byte."""
    assert (len(body) + 2) % 8 == 0, "extension headers come in 8-byte units"
    return struct.pack("!BB", next_header, (len(body) + 2) // 8 - 1) + body


def rh0(next_header: int, seg_left: int, addresses: list) -> bytes:
    return ext(next_header, struct.pack("!BBI", 0, seg_left, 0) + b"".join(addresses))


def rh2(next_header: int, seg_left: int, home: bytes) -> bytes:
    return ext(next_header, struct.pack("!BBI", 2, seg_left, 0) + home)


def srh(next_header: int, seg_left: int, segments: list) -> bytes:
    """RFC 8754: Segment List[0] is the last segment, the final destination."""
    fixed = struct.pack("!BBBBH", 4, seg_left, len(segments) - 1, 0, 0)
    return ext(next_header, fixed + b"".join(segments))


def rh3(next_header: int, seg_left: int, cmpr_i: int, cmpr_e: int, addresses: list) -> bytes:
    """RFC 6554: each address but the last without its first cmpr_i octets,
    the last without its first cmpr_e octets (both elided octets are the
    IPv6 destination's), padded to 8 octets."""
    body = b"".join(a[cmpr_i:] for a in addresses[:-1]) + addresses[-1][cmpr_e:]
    pad = (8 - (len(body) + 8) % 8) % 8
    fixed = struct.pack("!BBBBH", 3, seg_left, cmpr_i << 4 | cmpr_e, pad << 4, 0)
    return ext(next_header, fixed + body + b"\0" * pad)


def routing_frames() -> list:
    frames = []
    # 1. Type 0, two addresses to go: the checksum covers the last one.
    frames.append(ipv6(ROUTING, SRC, HOP1, rh0(ICMPV6, 2, [HOP2, FINAL]) + echo(128, SRC, FINAL, 1)))
    # 2. Type 0 at the final destination (segments left 0): the IPv6 destination.
    frames.append(ipv6(ROUTING, SRC, FINAL, rh0(ICMPV6, 0, [HOP1, HOP2]) + echo(128, SRC, FINAL, 2)))
    # 3. Type 2 (Mobile IPv6) to the care-of address: the home address is final.
    frames.append(ipv6(ROUTING, SRC, CARE_OF, rh2(ICMPV6, 1, HOME) + echo(129, SRC, HOME, 3)))
    # 4. SRH, two segments left: Segment List[0] is final.
    segments = [FINAL, HOP2, HOP1]
    frames.append(ipv6(ROUTING, SRC, HOP1, srh(ICMPV6, 2, segments) + echo(128, SRC, FINAL, 4)))
    # 5. SRH at the last segment (segments left 0): the IPv6 destination.
    frames.append(ipv6(ROUTING, SRC, FINAL, srh(ICMPV6, 0, segments) + echo(128, SRC, FINAL, 5)))
    # 6. SRH carrying an error: Destination Unreachable (port) quoting UDP.
    quoted = ipv6(UDP, FINAL, SRC, struct.pack("!HHHH", 33434, 33435, 16, 0) + b"\0" * 8)
    error = icmpv6(1, 4, b"\0" * 4 + quoted, SRC, FINAL)
    frames.append(ipv6(ROUTING, SRC, HOP2, srh(ICMPV6, 1, segments) + error))
    # 7. Hop-by-Hop (PadN), Destination Options (PadN), then SRH.
    padn = b"\x01\x04\0\0\0\0"
    chain = ext(DEST_OPTS, padn) + ext(ROUTING, padn) + srh(ICMPV6, 1, segments)
    frames.append(ipv6(HOP_BY_HOP, SRC, HOP2, chain + echo(128, SRC, FINAL, 7)))
    # 8. Type 3 (RPL), 8 octets elided: the last address, rebuilt from the
    #    IPv6 destination's prefix, is final.
    rpl_final = FINAL[:8] + a6("::99")[8:]
    rpl = rh3(ICMPV6, 2, 8, 8, [FINAL[:8] + a6("::42")[8:], rpl_final])
    frames.append(ipv6(ROUTING, SRC, FINAL, rpl + echo(128, SRC, rpl_final, 8)))
    # 9. An unknown routing type (253, RFC 4727 experimental): no final
    #    destination can be told, the IPv6 destination is used.
    unknown = ext(ICMPV6, struct.pack("!BBI", 253, 1, 0) + HOP2)
    frames.append(ipv6(ROUTING, SRC, HOP1, unknown + echo(128, SRC, HOP1, 9)))
    # 10. Wrong: SRH with segments left, checksum over the IPv6 destination.
    frames.append(ipv6(ROUTING, SRC, HOP1, srh(ICMPV6, 2, segments) + echo(128, SRC, HOP1, 10)))
    # 11. Wrong: type 0 with segments left, checksum over the IPv6 destination.
    frames.append(ipv6(ROUTING, SRC, HOP1, rh0(ICMPV6, 2, [HOP2, FINAL]) + echo(128, SRC, HOP1, 11)))
    # 12. Malformed: type 0 whose header extension length (3) is odd, HOP2
    #     then half of FINAL; read as far as whole addresses go, HOP2 is final.
    odd = ext(ICMPV6, struct.pack("!BBI", 0, 1, 0) + HOP2 + FINAL[:8])
    frames.append(ipv6(ROUTING, SRC, HOP1, odd + echo(128, SRC, HOP2, 12)))
    # 13. Malformed: SRH with 5 segments left of 3; Segment List[0] is final.
    frames.append(ipv6(ROUTING, SRC, HOP1, srh(ICMPV6, 5, segments) + echo(128, SRC, FINAL, 13)))
    # 14. The same summed over the IPv6 destination: wrong.
    frames.append(ipv6(ROUTING, SRC, HOP1, srh(ICMPV6, 5, segments) + echo(128, SRC, HOP1, 14)))
    return frames


def jumbo_option(length: int) -> bytes:
    """A Hop-by-Hop header body holding the Jumbo Payload option (type 0xC2)
    at offset 2, the 4n+2 alignment RFC 2675 asks."""
    return struct.pack("!BBI", 0xC2, 4, length)


def jumbo_frames() -> list:
    frames = []
    # 1. A jumbogram: 70000 bytes of echo data, payload length 0, the
    #    length in the Jumbo Payload option (8 + 8 + 70000 = 70016).
    message = echo(128, SRC, FINAL, 1, bytes(i & 0xFF for i in range(70000)))
    hbh = ext(ICMPV6, jumbo_option(8 + len(message)))
    frames.append(ipv6(HOP_BY_HOP, SRC, FINAL, hbh + message, payload_len=0))
    small = echo(128, SRC, FINAL, 2)
    # 2. Error: a jumbo payload length below 65536.
    hbh = ext(ICMPV6, jumbo_option(8 + len(small)))
    frames.append(ipv6(HOP_BY_HOP, SRC, FINAL, hbh + small, payload_len=0))
    # 3. Error: a Jumbo Payload option in a packet whose payload length is not 0.
    hbh = ext(ICMPV6, jumbo_option(70016))
    frames.append(ipv6(HOP_BY_HOP, SRC, FINAL, hbh + small))
    # 4. Error: payload length 0 with a Hop-by-Hop header but no Jumbo Payload option.
    hbh = ext(ICMPV6, b"\x01\x04\0\0\0\0")
    frames.append(ipv6(HOP_BY_HOP, SRC, FINAL, hbh + small, payload_len=0))
    return frames


def ipv4(total_length: int, payload: bytes) -> bytes:
    src, dst = bytes([192, 0, 2, 2]), bytes([198, 51, 100, 2])
    header = struct.pack("!BBHHHBBH", 0x45, 0, total_length, 0x4242, 0x4000, 64, 1, 0) + src + dst
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ethernet(payload: bytes) -> bytes:
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + payload


def icmpv4_echo(msg_type: int, seq: int, data: bytes) -> bytes:
    message = struct.pack("!BBHHH", msg_type, 0, 0, 0x1717, seq) + data
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


def ipv4_frames() -> list:
    data = bytes(range(64))
    return [
        # 1. Total length 0: the captured length is the packet's.
        ethernet(ipv4(0, icmpv4_echo(8, 1, data))),
        # 2. The same with the total length filled in, for contrast.
        ethernet(ipv4(20 + 8 + len(data), icmpv4_echo(0, 1, data))),
    ]


def write_seeds(seeds: str, name: str, linktype: int, frames: list) -> None:
    os.makedirs(seeds, exist_ok=True)
    for i, frame in enumerate(frames, 1):
        packet = frame[14:] if linktype == LINKTYPE_ETHERNET else frame
        stem = name.removesuffix(".pcap")
        with open(os.path.join(seeds, f"ipv6-details-{stem}-{i:02}"), "wb") as f:
            f.write(packet[:256])


def main() -> None:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "fixtures", "ipv6-details")
    os.makedirs(out, exist_ok=True)
    for name, linktype, frames in [
        ("routing.pcap", LINKTYPE_RAW, routing_frames()),
        ("jumbo.pcap", LINKTYPE_RAW, jumbo_frames()),
        ("ipv4-length0.pcap", LINKTYPE_ETHERNET, ipv4_frames()),
    ]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(pcap(linktype, frames))
        if len(sys.argv) == 1:
            write_seeds(os.path.join(root, "fuzz", "seeds"), name, linktype, frames)


if __name__ == "__main__":
    main()
