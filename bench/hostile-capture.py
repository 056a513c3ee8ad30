#!/usr/bin/env python3
"""bench/hostile-capture.py OUT.pcap [MEGABYTES]: writes a pcap (raw IP,
link type 101) of about MEGABYTES (default 1024) of hostile ICMP for
bench/decode-hostile.sh, repeating one block of packets:

- Time Exceeded messages whose RFC 4884 extension holds MPLS label stacks
  of many labels: 300 labels (a 1,400-byte packet), 4,000, and 16,000 (a
  64 KiB packet), in one object or spread over several;
- Time Exceeded with RFC 5837 interface information whose names are full
  of terminal escape sequences, and Extended Echo Requests (RFC 8335)
  naming such an interface;
- the same packets truncated: cut by the snap length inside the quote or
  the extension, and with RFC 4884 lengths running past the end.

The same seed gives the same file. Traffic: none (a file is written).
"""
import random
import struct
import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from inet import checksum  # noqa: E402 (lab/inet.py)




def ipv4(payload: bytes, src: bytes, dst: bytes, proto: int = 1, ttl: int = 64) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0, ttl, proto, 0, src, dst)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


ROUTER = bytes([203, 0, 113, 1])
PROBER = bytes([198, 51, 100, 2])
TARGET = bytes([198, 51, 100, 99])


def quoted_probe() -> bytes:
    udp = struct.pack("!HHHH", 33000, 33434, 8 + 32, 0) + bytes(32)
    return ipv4(udp, PROBER, TARGET, proto=17, ttl=1)


def structure(objects: bytes) -> bytes:
    body = struct.pack("!BBH", 0x20, 0, 0) + objects
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def obj(class_num: int, c_type: int, payload: bytes) -> bytes:
    return struct.pack("!HBB", 4 + len(payload), class_num, c_type) + payload


def mpls(labels: int, rng: random.Random) -> bytes:
    entries = b"".join(
        struct.pack("!I", rng.randrange(1 << 20) << 12 | rng.randrange(8) << 9 | (i == labels - 1) << 8 | rng.randrange(256))
        for i in range(labels)
    )
    return obj(1, 1, entries)


def time_exceeded(extension: bytes, length_words: int = 32) -> bytes:
    quote = quoted_probe().ljust(128, b"\0")
    msg = struct.pack("!BBHBBH", 11, 0, 0, 0, length_words, 0) + quote + extension
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    return ipv4(msg, ROUTER, PROBER)


ESCAPES = [b"\x1b]0;owned\x07", b"\x1b[2J", b"\x1b[H", b"\r\n", b"\xc2\x9b1m", b"\xe2\x80\xae", b"\x7f", b"\\"]


def hostile_name(rng: random.Random) -> bytes:
    name = b""
    while len(name) < 56:
        name += rng.choice(ESCAPES) + b"x"
    return name[:63]


def interface_info(rng: random.Random) -> bytes:
    name = hostile_name(rng)
    sub = bytes([0]) + name
    sub = sub.ljust((len(sub) + 3) // 4 * 4, b"\0")
    sub = bytes([len(sub)]) + sub[1:]
    # Role incoming (0), ifIndex, IPv4 address, name, MTU.
    c_type = 0 << 6 | 0x08 | 0x04 | 0x02 | 0x01
    payload = struct.pack("!I", rng.randrange(1 << 16)) + struct.pack("!HH", 1, 0) + ROUTER + sub + struct.pack("!I", 1500)
    return obj(2, c_type, payload)


def extended_echo(rng: random.Random) -> bytes:
    name = hostile_name(rng)
    payload = name.ljust((len(name) + 3) // 4 * 4, b"\0")
    msg = struct.pack("!BBHHBB", 42, 0, 0, rng.randrange(1 << 16), 1, 0) + structure(obj(3, 1, payload))
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    return ipv4(msg, PROBER, ROUTER)


def block(rng: random.Random) -> list:
    """One round of the mix: (bytes in the file, original length)."""
    whole = []
    for labels in (300, 300, 300, 4000, 16000):
        whole.append(time_exceeded(structure(mpls(labels, rng))))
    whole.append(time_exceeded(structure(b"".join(mpls(60, rng) for _ in range(20)))))
    for _ in range(20):
        whole.append(time_exceeded(structure(interface_info(rng) + interface_info(rng))))
        whole.append(extended_echo(rng))
    records = [(p, len(p)) for p in whole]
    for p in whole[:6]:
        # Cut inside the extension (snap length), and a length past the end.
        cut = rng.randrange(160, len(p))
        records.append((p[:cut], len(p)))
        overrun = bytearray(p[: 20 + 8 + 128 + 8])
        overrun[25] = 255
        records.append((bytes(overrun), len(overrun)))
    for p in whole[6:12]:
        records.append((p[: rng.randrange(20, len(p))], len(p)))
    return records


def main() -> None:
    out = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    rng = random.Random(16)
    chunk = bytearray()
    for data, orig in block(rng):
        chunk += struct.pack("<IIII", 1_700_000_000, 0, len(data), orig) + data
    target = megabytes * 1024 * 1024
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        written = 24
        while written < target:
            f.write(chunk)
            written += len(chunk)


if __name__ == "__main__":
    main()
