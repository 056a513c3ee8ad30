#!/usr/bin/env python3
"""Send IPv4 echo requests carrying the IP options given, one packet each.

Run inside a lab namespace (see lab/lib.sh):

  craft-options.py DST HEX...   each HEX an option area (a multiple of 4
                                bytes, e.g. 44020000 for a Timestamp option
                                of length 2); packet i has echo sequence i+1

Linux checks received options in __ip_options_compile (net/ipv4/ip_options.c)
and answers a bad one with Parameter Problem pointing at the offending byte;
lab/capture-corpus.sh records those answers beside the packets (theme
ipv4_options), for the decoder's pointers to be compared with the kernel's.
"""

import sys
import time

from craft import icmp_echo, ipv4_header, send_raw_ipv4  # noqa: E402 (beside this file)


def main(argv: list) -> None:
    if len(argv) < 3:
        raise SystemExit(__doc__)
    dst = argv[1]
    for seq, area in enumerate(argv[2:], start=1):
        options = bytes.fromhex(area)
        if len(options) % 4 or len(options) > 40:
            raise SystemExit(f"{area}: an option area is a multiple of 4 bytes, at most 40")
        payload = icmp_echo(0x0b70, seq)
        send_raw_ipv4(dst, ipv4_header(dst, 1, 0, options, len(payload), 0x3000 + seq) + payload)
        time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv)
