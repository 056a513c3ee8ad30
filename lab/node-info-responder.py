#!/usr/bin/env python3
# lab/node-info-responder.py SECONDS: answers IPv6 Node Information queries
# (RFC 4620, ICMPv6 type 139) in the network namespace it runs in, for
# SECONDS at most: Linux answers none, so tests of `ping -N` (iputils' and
# icmpkit's) ask this one. Prints "ready" once its socket is open.
#
#   Node Name (2)        host.example (fully qualified) and mini (single label)
#   Node Addresses (3)   ::1 and 2001:db8::5; flag T (truncated) with flag A
#   IPv4 Addresses (4)   192.0.2.7
#   NOOP (0)             success, no data
#   other Qtypes         code 2 (unknown Qtype)
#   a name as subject    code 1 (refused)
#
# Traffic: replies go only to the query's source, inside the namespace.
import socket
import struct
import sys
import time

deadline = time.monotonic() + float(sys.argv[1] if len(sys.argv) > 1 else 10)
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
sock.settimeout(0.2)
print("ready", flush=True)

NAMES = b"\x00\x00\x00\x3c" + b"\x04host\x07example\x00" + b"\x04mini\x00\x00"
V6 = b"".join(
    struct.pack("!I", 60) + socket.inet_pton(socket.AF_INET6, a)
    for a in ("::1", "2001:db8::5")
)
V4 = struct.pack("!I", 60) + socket.inet_pton(socket.AF_INET, "192.0.2.7")

while time.monotonic() < deadline:
    try:
        query, src = sock.recvfrom(2048)
    except socket.timeout:
        continue
    if len(query) < 16 or query[0] != 139:
        continue
    code = query[1]
    qtype, flags = struct.unpack("!HH", query[4:8])
    nonce = query[8:16]
    rcode, rflags, data = 0, 0, b""
    if code == 1 and len(query) > 16:
        rcode = 1
    elif qtype == 2:
        data = NAMES
    elif qtype == 3:
        data = V6
        rflags = 1 if flags & 2 else 0
    elif qtype == 4:
        data = V4
    elif qtype != 0:
        rcode = 2
    response = struct.pack("!BBHHH", 140, rcode, 0, qtype, rflags) + nonce + data
    sock.sendto(response, src)
