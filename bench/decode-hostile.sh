#!/usr/bin/env bash
# bench/decode-hostile.sh [MEGABYTES] [RUNS]: icmpkit decode vs tcpdump on
# a hostile capture, and the memory bounds of decode's other inputs.
#
# bench/hostile-capture.py writes MEGABYTES (default 1024) of hostile ICMP
# to a temporary directory (removed on exit): Time Exceeded messages whose
# RFC 4884 extensions hold 300 to 16,000 MPLS labels, RFC 5837 and RFC 8335
# interface names full of terminal escape sequences, and truncated packets
# and RFC 4884 lengths running past the end. Median wall time and the peak
# resident size of RUNS (default 3) runs of each, output to /dev/null:
#
#   tcpdump -n -r FILE              tcpdump's one line per packet
#   tcpdump -n -v -r FILE           the same with the extensions decoded
#                                   (tcpdump shows the first label of a stack)
#   icmpkit decode FILE             one line per packet (16 labels shown,
#                                   the others counted; names escaped)
#   icmpkit decode --json FILE      every field, every label
#
# with the ratio of each to `tcpdump -n -v` (the runs interleaved: one of
# each command per round). Then the bounds:
# peak resident size of `icmpkit decode --hex` reading 200 MB of
# `tcpdump -x` text on a pipe, and of `icmpkit decode` reading 100 MB of
# pcapng Interface Description Blocks (refused after 65,536).
# Sends no traffic. ICMPKIT=path picks the binary (default: cargo build
# --release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
megabytes=${1:-1024}
runs=${2:-3}
command -v tcpdump >/dev/null || { echo "decode bench: tcpdump is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "decode bench: needs /usr/bin/time (GNU time)" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bin=$(icmpkit_binary "$repo")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
capture=$work/hostile.pcap
python3 "$here/hostile-capture.py" "$capture" "$megabytes"

# The four commands, timed in interleaved rounds (one run of each per
# round), so that a busy moment of the machine costs each side alike.
labels=("tcpdump -n -r FILE" "tcpdump -n -v -r FILE" "icmpkit decode FILE" "icmpkit decode --json FILE")
commands=("tcpdump -n -r $capture" "tcpdump -n -v -r $capture" "$bin decode $capture" "$bin decode --json $capture")
for round in $(seq 1 "$runs"); do
    for i in "${!commands[@]}"; do
        # shellcheck disable=SC2086 # the command's words
        /usr/bin/time -o "$work/time" -f '%e %M' ${commands[$i]} >/dev/null 2>/dev/null || true
        echo "$(tail -1 "$work/time")" >>"$work/times.$i"
    done
done
# stats I: "median_seconds peak_kb" of command I.
stats() {
    sort -n "$work/times.$1" | awk '{t[NR]=$1; if ($2 > m) m=$2} END {printf "%s %s\n", t[int((NR+1)/2)], m}'
}

printf 'capture: %s bytes, %s packets\n' "$(stat -c %s "$capture")" \
    "$("$bin" decode --json "$capture" 2>/dev/null | tail -1 | sed 's/.*"frames":\([0-9]*\).*/\1/')"
printf '%-34s %9s %12s %9s\n' command seconds "peak RSS KB" "vs -v"
read -r tv _ < <(stats 1)
for i in "${!commands[@]}"; do
    read -r t m < <(stats "$i")
    printf '%-34s %9s %12s %8.2fx\n' "${labels[$i]}" "$t" "$m" "$(echo "$t / $tv" | bc -l)"
done

# Bounds. 200 MB of tcpdump -x text, fed through a pipe.
tcpdump -n -x -r "$capture" -c 2000 2>/dev/null >"$work/dump.txt"
size=$(stat -c %s "$work/dump.txt")
copies=$((200 * 1024 * 1024 / size + 1))
/usr/bin/time -o "$work/time" -f '%e %M' bash -c \
    'for i in $(seq 1 '"$copies"'); do cat "$1"; done | "$2" decode --hex - >/dev/null 2>&1' _ "$work/dump.txt" "$bin" || true
read -r t m < <(tail -1 "$work/time")
printf 'decode --hex, %d MB of tcpdump -x on a pipe: %s s, peak RSS %s KB (bash and cat included)\n' \
    $((copies * size / 1024 / 1024)) "$t" "$m"
python3 - "$work/idbs.pcapng" <<'PY'
import struct, sys
shb = struct.pack('<IIIHHq', 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1) + struct.pack('<I', 28)
idb = struct.pack('<IIHHII', 1, 20, 101, 0, 65535, 20)
with open(sys.argv[1], 'wb') as f:
    f.write(shb + idb * (100 * 1024 * 1024 // 20))
PY
/usr/bin/time -o "$work/time" -f '%e %M' "$bin" decode "$work/idbs.pcapng" >/dev/null 2>&1 || true
read -r t m < <(tail -1 "$work/time")
printf 'decode, 100 MB of pcapng Interface Description Blocks: %s s, peak RSS %s KB\n' "$t" "$m"
