"""lab/inet.py - what the lab's Python tools share (craft.py, hostile.py,
bench/hostile-capture.py): the Internet checksum, the family of an
address, and the source the kernel picks for a destination."""
import ipaddress
import socket
import struct


def checksum(data: bytes, start: int = 0) -> int:
    """The RFC 1071 sum of data, plus start (a pseudo-header's sum)."""
    if len(data) % 2:
        data += b"\0"
    total = start + sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def is_v6(addr: str) -> bool:
    """Whether addr is an IPv6 address."""
    return ipaddress.ip_address(addr).version == 6


def source_for(dst: str) -> str:
    """The address the kernel would send from to reach dst (no packet is sent)."""
    family = socket.AF_INET6 if is_v6(dst) else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((dst, 9))
        return s.getsockname()[0]
