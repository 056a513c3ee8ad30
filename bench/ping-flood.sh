#!/usr/bin/env bash
# bench/ping-flood.sh [ICMPKIT]: flood ping, iputils vs icmpkit, in a lab.
#
# Builds the standard lab chain (lab/chain.sh; removed on exit, even on
# failure or Ctrl-C), then in the client namespace runs
#   ping -f -c COUNT -q 198.51.100.2            (iputils)
#   icmpkit ping -f -c COUNT -q 198.51.100.2
# ROUNDS times, interleaved, and prints for each run the wall time, probes
# per second and CPU time (user+sys), then the medians and the ratios
# ours/iputils. ICMPKIT defaults to target/release/icmpkit (built when
# missing). COUNT (100000) and ROUNDS (3) come from the environment.
# Traffic goes only to the lab's own namespaces. Needs root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
icmpkit=${1:-$repo/target/release/icmpkit}
count=${COUNT:-100000}
rounds=${ROUNDS:-3}
target=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "bench/ping-flood.sh: needs root (network namespaces)" >&2; exit 1; }
if [ ! -x "$icmpkit" ]; then
    (cd "$repo" && cargo build --release -p icmpkit)
fi
command -v ping >/dev/null || { echo "iputils ping is not installed" >&2; exit 1; }

prefix=pf$$
tmp=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1280
ns=$prefix-client

# run NAME PROGRAM...: one flood; appends "name wall_s pps cpu_s" to $tmp/results.
run() {
    local name=$1 start end tx rx wall cpu
    shift
    start=$(date +%s%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$tmp/time" \
            ip netns exec "$ns" timeout 600 "$@" -f -c "$count" -q "$target" >"$tmp/out" 2>&1
    else
        # bash's own accounting of the child.
        local TIMEFORMAT='%U %S'
        { time ip netns exec "$ns" timeout 600 "$@" -f -c "$count" -q "$target" >"$tmp/out" 2>&1; } 2>"$tmp/time"
    fi
    end=$(date +%s%N)
    read -r tx rx < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$tmp/out")
    [ "${tx:-0}" -eq "$count" ] || { echo "$name: unexpected output:" >&2; cat "$tmp/out" >&2; exit 1; }
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/time")
    printf '%-8s round %d: %6.3f s wall, %8.0f probes/s, %5.2f s CPU (user+sys), %d/%d received\n' \
        "$name" "$round" "$wall" "$(awk -v n="$count" -v w="$wall" 'BEGIN { print n / w }')" "$cpu" "$rx" "$tx"
    echo "$name $wall $(awk -v n="$count" -v w="$wall" 'BEGIN { print n / w }') $cpu" >>"$tmp/results"
}

echo "flood: $count probes to $target, $rounds rounds interleaved; $(nproc) cores"
echo "iputils: $(ping -V | head -1); icmpkit: $icmpkit"
for round in $(seq 1 "$rounds"); do
    run iputils ping
    run icmpkit "$icmpkit" ping
done

# median NAME COLUMN
median() {
    awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$tmp/results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
printf '%-8s %10s %12s %10s\n' "median" "wall s" "probes/s" "CPU s"
for name in iputils icmpkit; do
    printf '%-8s %10.3f %12.0f %10.2f\n' "$name" "$(median "$name" 2)" "$(median "$name" 3)" "$(median "$name" 4)"
done
awk -v w1="$(median iputils 2)" -v w2="$(median icmpkit 2)" -v c1="$(median iputils 4)" -v c2="$(median icmpkit 4)" \
    'BEGIN { printf "ratio ours/iputils: wall %.2f×, probes/s %.2f×, CPU %.2f×\n", w2 / w1, w1 / w2, (c1 > 0 ? c2 / c1 : 0) }'
