#!/usr/bin/env bash
# bench/decode.sh [MEGABYTES] [RUNS]: icmpkit decode of a capture of
# ordinary ICMP traffic beside tshark and tcpdump reading the same file
# (issue 10, item 5).
#
# bench/traffic-capture.py writes MEGABYTES (default 1024) of Ethernet
# frames to a temporary directory (removed on exit), from a fixed seed: the
# ICMPv4 and ICMPv6 a capture point sees (pings of many sizes, traceroutes
# with their Time Exceeded and Port Unreachable, some with RFC 4884
# extensions, Destination Unreachable, Fragmentation Needed and Packet Too
# Big, NDP, MLDv2), with the UDP and TCP packets that drew the errors. A
# record averages about 320 bytes: 1 GB is about 3.4 million frames, 2.8
# million of them ICMP (tshark keeps state for every packet, so its memory
# grows with the count: about 1.9 GiB at 1 GB). Median wall time and peak
# resident size (GNU time) of RUNS (default 3) interleaved rounds, output
# to /dev/null, of
#
#   tshark -r FILE                  one summary line per packet
#   tcpdump -n -r FILE              one line per packet
#   icmpkit decode FILE             one line per ICMP packet
#   icmpkit decode --json FILE      one JSON object per ICMP packet
#
# with each one's time and memory as a fraction of tshark's. tshark runs
# in the first TSHARK_RUNS rounds only (default: every round; about 30 s a
# run at 1 GB). The same tshark and icmpkit commands read the file's first
# quarter too, the same traffic: decode's memory must not grow with the
# file (tshark's does). Prints the machine's load before and after, and
# the aims of issue 10: decode in at most 0.1x tshark's time, in at most
# 64 MiB resident, flat. A run takes about 3 minutes at the defaults.
# Sends no traffic, needs no root. ICMPKIT=path picks the binary (default:
# cargo build --release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
megabytes=${1:-1024}
runs=${2:-3}
tshark_runs=${TSHARK_RUNS:-$runs}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
traffic_bench "decode bench" "$repo" "$here" "$megabytes"

labels=("tshark -r FILE" "tcpdump -n -r FILE" "icmpkit decode FILE" "icmpkit decode --json FILE"
    "tshark -r QUARTER" "icmpkit decode QUARTER" "icmpkit decode --json QUARTER")
commands=("tshark -r $capture" "tcpdump -n -r $capture" "$bin decode $capture" "$bin decode --json $capture"
    "tshark -r $quarter" "$bin decode $quarter" "$bin decode --json $quarter")
# Interleaved rounds (one run of each command per round), so that a busy
# moment of the shared machine costs each side alike.
for round in $(seq 1 "$runs"); do
    for i in "${!commands[@]}"; do
        if [[ ${labels[$i]} == tshark* ]] && [ "$round" -gt "$tshark_runs" ]; then
            continue
        fi
        # shellcheck disable=SC2086 # the command's words
        /usr/bin/time -o "$work/time" -f '%e %M' ${commands[$i]} >/dev/null 2>"$work/stderr.$i" || true
        tail -1 "$work/time" >>"$work/times.$i"
    done
done
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# stats I: "median_seconds peak_kb runs" of command I.
stats() { median_stats "$work/times.$1"; }
# The summary icmpkit prints on stderr: "N ICMP packets in M frames (...)".
printf 'capture: %s bytes, %s; first quarter: %s bytes, %s\n' \
    "$(stat -c %s "$capture")" "$(grep -o '^[0-9]* ICMP packets in [0-9]* frames' "$work/stderr.2" | tail -1)" \
    "$(stat -c %s "$quarter")" "$(grep -o '^[0-9]* ICMP packets in [0-9]* frames' "$work/stderr.5" | tail -1)"
printf '%-30s %5s %9s %12s %10s %10s\n' command runs seconds "peak RSS KB" "time/tshark" "RSS/tshark"
read -r t0 m0 _ < <(stats 0)
for i in "${!commands[@]}"; do
    read -r t m n < <(stats "$i")
    if [ "$i" -ge 4 ]; then
        # The quarter file: only its memory, set against the whole file's.
        printf '%-30s %5s %9s %12s %10s %10s\n' "${labels[$i]}" "$n" "$t" "$m" - -
    else
        printf '%-30s %5s %9s %12s %10s %10s\n' "${labels[$i]}" "$n" "$t" "$m" "$(ratio "$t" "$t0")" "$(ratio "$m" "$m0")"
    fi
done

# The aims, for the text decode (tshark -r's counterpart) and, beside it,
# the JSON decode (about 4.5 times the bytes of text).
for pair in "2 5 text" "3 6 JSON"; do
    read -r full part name <<<"$pair"
    read -r t m _ < <(stats "$full")
    read -r _ mq _ < <(stats "$part")
    awk -v name="$name" -v t="$t" -v t0="$t0" -v m="$m" -v mq="$mq" 'BEGIN {
        printf "%s: time %.3fx tshark (aim <= 0.1x: %s); peak RSS %.1f MiB (aim <= 64: %s); ", \
            name, t / t0, (t <= 0.1 * t0 ? "met" : "MISSED"), m / 1024, (m <= 65536 ? "met" : "MISSED")
        printf "quarter file %.1f MiB (flat within 1 MiB: %s)\n", mq / 1024, (m - mq <= 1024 ? "yes" : "NO")
    }'
done
