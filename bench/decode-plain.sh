#!/usr/bin/env bash
# bench/decode-plain.sh [FRAMES] [RUNS]: icmpkit decode of a plain Ethernet
# capture (no tunnels) beside tcpdump, and beside an older icmpkit build:
# following tunnels, new link types and IPv6 routing headers must not cost
# the common case anything (issue 17).
#
# Writes FRAMES (default 2,000,000) Ethernet frames to a temporary pcap
# (removed on exit): the IPv4 and IPv6 ICMP packets of
# tests/fixtures/kernel/*.pcap (echo, errors quoting UDP and TCP, Packet Too
# Big, Time Exceeded...) over and over. Median wall time of RUNS (default 5)
# interleaved rounds, output to /dev/null, of
#
#   tcpdump -n -r FILE
#   icmpkit decode FILE           (and BEFORE=path/to/older/icmpkit decode FILE)
#   icmpkit decode --json FILE    (and the older build's)
#
# with each one's ratio to tcpdump and, with BEFORE, the new build's ratio
# to the old. Sends no traffic. ICMPKIT=path picks the binary (default:
# cargo build --release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
frames=${1:-2000000}
runs=${2:-5}
command -v tcpdump >/dev/null || { echo "decode bench: tcpdump is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "decode bench: needs /usr/bin/time (GNU time)" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bin=$(icmpkit_binary "$repo")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
capture=$work/plain.pcap
python3 - "$repo/tests/fixtures/kernel" "$capture" "$frames" <<'PY'
import glob, struct, sys
src, out, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])

def records(path):
    data = open(path, 'rb').read()
    magic = data[:4]
    endian = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    link = struct.unpack(endian + 'I', data[20:24])[0]
    at = 24
    while at + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + 'IIII', data[at:at + 16])
        yield link, data[at + 16:at + 16 + incl]
        at += 16 + incl

packets = []
for path in sorted(glob.glob(src + '/*.pcap')):
    for link, frame in records(path):
        if link == 1:
            packets.append(frame)
assert packets, 'no Ethernet frames in the kernel corpus'
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(frames):
        frame = packets[i % len(packets)]
        f.write(struct.pack('<IIII', i // 1000, i % 1000, len(frame), len(frame)) + frame)
PY

labels=("tcpdump -n -r FILE" "icmpkit decode FILE" "icmpkit decode --json FILE")
commands=("tcpdump -n -r $capture" "$bin decode $capture" "$bin decode --json $capture")
if [ -n "${BEFORE:-}" ]; then
    labels+=("before: icmpkit decode FILE" "before: icmpkit decode --json FILE")
    commands+=("$BEFORE decode $capture" "$BEFORE decode --json $capture")
fi
for round in $(seq 1 "$runs"); do
    for i in "${!commands[@]}"; do
        # shellcheck disable=SC2086 # the command's words
        /usr/bin/time -o "$work/time" -f '%e %M' ${commands[$i]} >/dev/null 2>/dev/null || true
        tail -1 "$work/time" >>"$work/times.$i"
    done
done
# ratio A B: A / B as "1.23x", or "n/a" when B is 0 (too small a capture).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'
}
median() {
    sort -n "$work/times.$1" | awk '{t[NR]=$1} END {print t[int((NR+1)/2)]}'
}

printf 'capture: %s bytes, %s frames\n' "$(stat -c %s "$capture")" "$frames"
printf '%-38s %9s %10s\n' command seconds "vs tcpdump"
base=$(median 0)
for i in "${!commands[@]}"; do
    t=$(median "$i")
    printf '%-38s %9s %10s\n' "${labels[$i]}" "$t" "$(ratio "$t" "$base")"
done
if [ -n "${BEFORE:-}" ]; then
    printf 'new vs before: text %s, JSON %s\n' \
        "$(ratio "$(median 1)" "$(median 3)")" "$(ratio "$(median 2)" "$(median 4)")"
fi
