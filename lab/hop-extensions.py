#!/usr/bin/env python3
"""A router hop that answers with RFC 4884 extensions, which Linux routers
do not add: run in a lab router's namespace (see lab/lib.sh).

  hop-extensions.py IFACE COUNT

Watches IPv4 packets arriving on IFACE whose TTL is 1 (the ones the router
is about to expire) and answers up to COUNT of them, then exits (or after
30 s), with an ICMP Time Exceeded whose extension structure carries, in
turn, an MPLS label stack (RFC 4950: label 24001, TC 0, S 1, TTL 1) and an
Interface Information object (RFC 5837: the incoming interface, by ifIndex,
address, name and MTU). Its answers carry firewall mark 0x5837, so that a
test can drop the kernel's own Time Exceeded (`iptables -A OUTPUT -p icmp
--icmp-type time-exceeded -m mark ! --mark 0x5837 -j DROP`) and keep these.
Prints "ready" once it listens.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import checksum  # noqa: E402  (the lab's one Internet checksum)

ETH_P_IP = 0x0800
MARK = 0x5837
ORIGINAL_LEN = 128  # RFC 4884: the quote padded to 128 bytes


def extension_object(class_num: int, c_type: int, payload: bytes) -> bytes:
    return struct.pack("!HBB", 4 + len(payload), class_num, c_type) + payload


def mpls_object() -> bytes:
    label, tc, bottom, ttl = 24001, 0, 1, 1
    return extension_object(1, 1, struct.pack("!I", label << 12 | tc << 9 | bottom << 8 | ttl))


def interface_object(iface: str, address: str) -> bytes:
    ifindex = socket.if_nametoindex(iface)
    with open(f"/sys/class/net/{iface}/mtu") as f:
        mtu = int(f.read())
    name = iface.encode()
    name_len = (len(name) + 1 + 3) // 4 * 4
    payload = (
        struct.pack("!I", ifindex)
        + struct.pack("!HH", 1, 0) + socket.inet_aton(address)
        + bytes([name_len]) + name.ljust(name_len - 1, b"\0")
        + struct.pack("!I", mtu)
    )
    # Role 0 (incoming IP interface); ifIndex, address, name and MTU present.
    return extension_object(2, 0x0F, payload)


def structure(obj: bytes) -> bytes:
    header = struct.pack("!BBH", 0x20, 0, 0)
    body = header + obj
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def time_exceeded(original: bytes, extension: bytes) -> bytes:
    quoted = original[:ORIGINAL_LEN].ljust(ORIGINAL_LEN, b"\0")
    message = struct.pack("!BBHBBH", 11, 0, 0, 0, ORIGINAL_LEN // 4, 0) + quoted + extension
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


def main(argv: list) -> None:
    if len(argv) != 3:
        sys.exit(__doc__)
    iface, count = argv[1], int(argv[2])
    listen = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    listen.bind((iface, 0))
    listen.settimeout(0.5)
    send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    send.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
    print("ready", flush=True)
    answered, deadline = 0, time.monotonic() + 30
    while answered < count and time.monotonic() < deadline:
        try:
            packet = listen.recv(65535)
        except socket.timeout:
            continue
        if len(packet) < 20 or packet[0] >> 4 != 4 or packet[8] != 1:
            continue
        src = socket.inet_ntoa(packet[12:16])
        # Answer from the address the kernel picks toward the prober.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect((src, 9))
        own = probe.getsockname()[0]
        probe.close()
        obj = mpls_object() if answered % 2 == 0 else interface_object(iface, own)
        send.sendto(time_exceeded(packet, structure(obj)), (src, 0))
        answered += 1


if __name__ == "__main__":
    main(sys.argv)
