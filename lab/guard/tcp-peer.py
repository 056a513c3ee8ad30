#!/usr/bin/python3
"""Both ends of a short ssh-like TCP exchange, carried through a tunnel.

  tcp-peer.py serve HOST PORT   accepts one connection: sends a banner, answers
                                each line, sends 20,000 bytes on "bulk"
  tcp-peer.py talk HOST PORT    connects: banner, five keystroke-sized lines
                                0.2 s apart, then the bulk transfer

Fixed bytes (the bulk is a repeated pattern), bounded by socket timeouts.
Exits non-zero if the exchange does not complete.
"""

import socket
import sys
import time

BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
BULK = bytes(range(256)) * 78 + bytes(32)  # 20,000 bytes


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def serve(host, port):
    with socket.create_server((host, port)) as srv:
        srv.settimeout(20)
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(15)
            conn.sendall(BANNER)
            f = conn.makefile("rb")
            f.readline()  # the client's banner
            for line in f:
                if line.strip() == b"bulk":
                    conn.sendall(BULK)
                elif line.strip() == b"exit":
                    conn.sendall(b"logout\r\n")
                    break
                else:
                    conn.sendall(b"$ " + line.strip() + b"\r\nok\r\n")


def talk(host, port):
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.settimeout(10)
        assert recv_exact(conn, len(BANNER)) == BANNER
        conn.sendall(BANNER.replace(b"Debian-2+deb12u3", b"client"))
        for word in (b"id", b"uname -a", b"ls", b"pwd", b"w"):
            conn.sendall(word + b"\n")
            recv_exact(conn, len(word) + 8)
            time.sleep(0.2)
        conn.sendall(b"bulk\n")
        assert recv_exact(conn, len(BULK)) == BULK
        conn.sendall(b"exit\n")
        recv_exact(conn, 8)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("serve", "talk"):
        sys.exit(__doc__)
    (serve if sys.argv[1] == "serve" else talk)(sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    main()
