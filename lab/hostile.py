#!/usr/bin/env python3
"""A hostile network for ping tests: spoofed errors and forged replies, sent
with raw sockets from inside a lab namespace (see lab/lib.sh).

Every command is bounded twice: it stops after SECONDS or after COUNT
packets, whichever comes first, or on SIGTERM. It prints `ready` once its sockets are
open (a test starts its pinger then), and at the end how many packets it
sent.

  hostile.py unreachable DST QUOTED SECONDS COUNT [IFACE]
      A storm of Destination Unreachable (host unreachable; ICMPv6 address
      unreachable) to DST, from this namespace's address, each quoting an
      ICMP Echo Request from DST to QUOTED. Without IFACE the quoted request
      is made up (identifier 0x1c4b: a raw ICMP socket takes any error about
      any ICMP packet it could have sent); with IFACE the first Echo Request
      from DST seen there (on-path, AF_PACKET) is quoted as it was, so the
      error also reaches the ping socket that sent it.
  hostile.py empty-replies DST SRC SECONDS COUNT SEQS
      Off-path, blind: Echo Replies without data from SRC (spoofed) to DST,
      for every identifier and each sequence number 1..SEQS, all identifiers
      for sequence 1, then for 2, ..., round and round.
  hostile.py short-first DST TARGET IFACE SECONDS COUNT
      On-path: for each Echo Request from DST to TARGET seen on IFACE,
      first an Echo Reply from TARGET with no data, then the whole reply
      (what TARGET would send). TARGET itself must not answer.
  hostile.py from-other DST TARGET OTHER IFACE SECONDS COUNT
      For each Echo Request from DST to TARGET seen on IFACE, the whole
      reply, but from OTHER (spoofed). TARGET itself must not answer.
"""

import ipaddress
import signal
import socket
import struct
import sys
import time

from inet import checksum, is_v6, source_for  # noqa: E402 (lab/inet.py, beside this file)

IPPROTO_ICMPV6 = 58
ETH_P_ALL = 0x0003
ETH_HLEN = 14








def ipv4_header(src: str, dst: str, proto: int, payload_len: int) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 0x1c4b, 0, 64, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:]


def ipv6_header(src: str, dst: str, next_header: int, payload_len: int) -> bytes:
    return struct.pack("!IHBB", 6 << 28, payload_len, next_header, 64) + \
        socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)


def pseudo_sum6(src: str, dst: str, length: int) -> int:
    pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack("!IxxxB", length, IPPROTO_ICMPV6)
    return sum(struct.unpack("!20H", pseudo))


def icmp_message(v6: bool, msg_type: int, code: int, rest: bytes, src: str = "",
                 dst: str = "") -> bytes:
    """An ICMP message with its checksum (ICMPv6 needs src and dst)."""
    body = struct.pack("!BBH", msg_type, code, 0) + rest
    start = pseudo_sum6(src, dst, len(body)) if v6 else 0
    return body[:2] + struct.pack("!H", checksum(body, start)) + body[4:]


def echo(v6: bool, request: bool, ident: int, seq: int, data: bytes, src: str, dst: str) -> bytes:
    msg_type = (128 if request else 129) if v6 else (8 if request else 0)
    return icmp_message(v6, msg_type, 0, struct.pack("!HH", ident, seq) + data, src, dst)


STOP = []


def stop(*_) -> None:
    """SIGTERM: stop early (and still say how much was sent)."""
    STOP.append(True)


def over(deadline: float) -> bool:
    return bool(STOP) or time.monotonic() >= deadline


def bounded(seconds: str, count: str):
    """(deadline, count) of a command."""
    signal.signal(signal.SIGTERM, stop)
    return time.monotonic() + float(seconds), int(count)


def ready() -> None:
    print("ready", flush=True)


def sniffer(iface: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    return s


def echo_requests(sock: socket.socket, src: str, dst: str, deadline: float):
    """Yields (ident, seq, data, ip packet) of each Echo Request from src to
    dst seen on sock until deadline."""
    v6 = is_v6(src)
    want_src = ipaddress.ip_address(src).packed
    want_dst = ipaddress.ip_address(dst).packed if dst else None
    while not over(deadline):
        try:
            frame, meta = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if meta[2] == socket.PACKET_OUTGOING:
            continue
        ip = frame[ETH_HLEN:]
        if v6:
            if len(ip) < 48 or ip[0] >> 4 != 6 or ip[6] != IPPROTO_ICMPV6:
                continue
            s, d, icmp = ip[8:24], ip[24:40], ip[40:]
            wanted_type = 128
        else:
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 1:
                continue
            ihl = (ip[0] & 0xF) * 4
            s, d, icmp = ip[12:16], ip[16:20], ip[ihl:]
            wanted_type = 8
        if s != want_src or (want_dst and d != want_dst) or len(icmp) < 8 \
                or icmp[0] != wanted_type:
            continue
        ident, seq = struct.unpack("!HH", icmp[4:8])
        yield ident, seq, icmp[8:], ip


def cmd_unreachable(dst: str, quoted: str, seconds: str, count: str, iface: str = "") -> None:
    deadline, count = bounded(seconds, count)
    v6 = is_v6(dst)
    me = source_for(dst)
    if iface:
        with sniffer(iface) as sock:
            ready()
            seen = next(echo_requests(sock, dst, quoted, deadline), None)
        if seen is None:
            print("sent 0 (no Echo Request seen)")
            return
        quote = seen[3][:1232 if v6 else 548]
    else:
        request = echo(v6, True, 0x1c4b, 1, bytes(range(56)), dst, quoted)
        if v6:
            quote = ipv6_header(dst, quoted, IPPROTO_ICMPV6, len(request)) + request
        else:
            quote = ipv4_header(dst, quoted, 1, len(request)) + request
    if v6:
        message = icmp_message(True, 1, 3, b"\0" * 4 + quote, me, dst)
        family, proto = socket.AF_INET6, IPPROTO_ICMPV6
    else:
        message = icmp_message(False, 3, 1, b"\0" * 4 + quote)
        family, proto = socket.AF_INET, socket.IPPROTO_ICMP
    sent = 0
    with socket.socket(family, socket.SOCK_RAW, proto) as s:
        if not iface:
            ready()
        s.setblocking(False)
        to = (dst, 0)
        while sent < count:
            if sent % 256 == 0 and over(deadline):
                break
            try:
                s.sendto(message, to)
                sent += 1
            except (BlockingIOError, OSError):
                time.sleep(0.0005)
    print(f"sent {sent}")


def raw_sender(v6: bool) -> socket.socket:
    """A socket that sends whole IP packets we build (any source)."""
    family = socket.AF_INET6 if v6 else socket.AF_INET
    return socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)


def send_ip(s: socket.socket, dst: str, packet: bytes) -> bool:
    try:
        s.sendto(packet, (dst, 0))
        return True
    except (BlockingIOError, OSError):
        time.sleep(0.0005)
        return False


def ip_packet(v6: bool, src: str, dst: str, icmp: bytes) -> bytes:
    if v6:
        return ipv6_header(src, dst, IPPROTO_ICMPV6, len(icmp)) + icmp
    return ipv4_header(src, dst, 1, len(icmp)) + icmp


def cmd_empty_replies(dst: str, src: str, seconds: str, count: str, seqs: str) -> None:
    deadline, count = bounded(seconds, count)
    v6 = is_v6(dst)
    # One checksum per packet, from the sum of the fixed words.
    base = (pseudo_sum6(src, dst, 8) if v6 else 0) + ((129 if v6 else 0) << 8)
    if v6:
        head = ipv6_header(src, dst, IPPROTO_ICMPV6, 8)
    else:
        head = ipv4_header(src, dst, 1, 8)
    reply_type = 129 if v6 else 0
    sent = 0
    with raw_sender(v6) as s:
        ready()
        s.setblocking(False)
        seq = 1
        while sent < count and not over(deadline):
            for ident in range(65536):
                total = base + ident + seq
                while total >> 16:
                    total = (total & 0xFFFF) + (total >> 16)
                icmp = struct.pack("!BBHHH", reply_type, 0, ~total & 0xFFFF, ident, seq)
                while not send_ip(s, dst, head + icmp) and not over(deadline):
                    pass
                sent += 1
                if sent >= count or (sent % 1024 == 0 and over(deadline)):
                    break
            seq = seq % int(seqs) + 1
    print(f"sent {sent}")


def cmd_answer(dst: str, target: str, iface: str, seconds: str, count: str, short_first: bool,
               other: str = "") -> None:
    deadline, count = bounded(seconds, count)
    v6 = is_v6(dst)
    sender = other or target
    sent = 0
    with sniffer(iface) as sock, raw_sender(v6) as s:
        ready()
        for ident, seq, data, _ in echo_requests(sock, dst, target, deadline):
            replies = [b"", data] if short_first else [data]
            for payload in replies:
                icmp = echo(v6, False, ident, seq, payload, sender, dst)
                send_ip(s, dst, ip_packet(v6, sender, dst, icmp))
                sent += 1
            if sent >= count:
                break
    print(f"sent {sent}")


def cmd_short_first(dst: str, target: str, iface: str, seconds: str, count: str) -> None:
    cmd_answer(dst, target, iface, seconds, count, True)


def cmd_from_other(dst: str, target: str, other: str, iface: str, seconds: str,
                   count: str) -> None:
    cmd_answer(dst, target, iface, seconds, count, False, other)


COMMANDS = {
    "unreachable": (cmd_unreachable, (4, 5)),
    "empty-replies": (cmd_empty_replies, (5, 5)),
    "short-first": (cmd_short_first, (5, 5)),
    "from-other": (cmd_from_other, (6, 6)),
}


def main(argv: list) -> None:
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    func, (least, most) = COMMANDS[argv[1]]
    if not least <= len(argv) - 2 <= most:
        raise SystemExit(__doc__)
    func(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
