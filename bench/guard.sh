#!/usr/bin/env bash
# bench/guard.sh [MEGABYTES] [RUNS]: icmpkit guard classifying a capture of
# ordinary ICMP traffic beside tshark and tcpdump reading the same file
# (issue 14's bench, first half; the live half is bench/guard-live.sh).
#
# The capture is bench/traffic-capture.py's (see bench/decode.sh: about 3.4
# million frames at 1 GB, pings, traceroutes and their errors, NDP, MLD,
# with the UDP and TCP packets that drew the errors), written to a
# temporary directory removed on exit, with its first quarter beside it.
# Median wall time and peak resident size (GNU time) of RUNS (default 3)
# interleaved rounds, output to /dev/null, of
#
#   tshark -r FILE            one summary line per packet
#   tcpdump -n -r FILE        one line per packet
#   icmpkit guard FILE        every detector, then the summary
#   icmpkit guard QUARTER     the same on the first quarter (memory must not grow)
#
# and the aims: guard in at most 0.1x tshark's time (ten times its speed),
# peak RSS flat (the quarter and the whole file within 8 MiB of each other:
# the guard's maps fill to their caps, then stay) and at most 64 MiB.
# Sends no traffic, needs no root. ICMPKIT=path picks the binary (default:
# cargo build --release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
megabytes=${1:-1024}
runs=${2:-3}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
traffic_bench "guard bench" "$repo" "$here" "$megabytes"

labels=("tshark -r FILE" "tcpdump -n -r FILE" "icmpkit guard FILE" "icmpkit guard QUARTER")
commands=("tshark -r $capture" "tcpdump -n -r $capture" "$bin guard $capture" "$bin guard $quarter")
for _ in $(seq 1 "$runs"); do
    for i in "${!commands[@]}"; do
        # shellcheck disable=SC2086 # the command's words
        /usr/bin/time -o "$work/time" -f '%e %M' ${commands[$i]} >"$work/stdout.$i" 2>/dev/null || true
        tail -1 "$work/time" >>"$work/times.$i"
    done
done
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'capture: %s bytes; guard: %s\n' "$(stat -c %s "$capture")" "$(grep -m1 ' frames, ' "$work/stdout.2")"
printf '%-26s %5s %9s %12s %10s %10s\n' command runs seconds "peak RSS KB" "time/tshark" "RSS/tshark"
read -r t0 m0 _ < <(median_stats "$work/times.0")
for i in "${!commands[@]}"; do
    read -r t m n < <(median_stats "$work/times.$i")
    printf '%-26s %5s %9s %12s %10s %10s\n' "${labels[$i]}" "$n" "$t" "$m" "$(ratio "$t" "$t0")" "$(ratio "$m" "$m0")"
done
read -r t m _ < <(median_stats "$work/times.2")
read -r _ mq _ < <(median_stats "$work/times.3")
awk -v t="$t" -v t0="$t0" -v m="$m" -v mq="$mq" 'BEGIN {
    printf "guard: time %.3fx tshark (aim <= 0.1x: %s); peak RSS %.1f MiB (aim <= 64: %s); ", \
        t / t0, (t <= 0.1 * t0 ? "met" : "MISSED"), m / 1024, (m <= 65536 ? "met" : "MISSED")
    printf "quarter file %.1f MiB (flat within 8 MiB: %s)\n", mq / 1024, (m - mq <= 8192 ? "yes" : "NO")
}'
echo "findings on the whole file:"
sed -n '/^Findings:/,/^$/p' "$work/stdout.2"
