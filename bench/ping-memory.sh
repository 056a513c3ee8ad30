#!/usr/bin/env bash
# bench/ping-memory.sh: peak memory of ping under load, icmpkit vs iputils
# and fping, and the pace of several-target ping at --rate 50000.
#
# Builds the lab chain (lab/chain.sh; removed on exit, even on failure or
# Ctrl-C), makes the server answer 10.200.0.0/16 (`ip route add local`,
# routed there by the router), then in the client namespace:
#
#   1. flood for SECONDS (default 30):
#        ping -f -w SECONDS -q 198.51.100.2          (iputils)
#        icmpkit ping -f -w SECONDS -q 198.51.100.2
#   2. several targets writing into a pipe whose reader stalls STALL
#      seconds (default 5) before it reads:
#        fping -c 3 -p 200 -t 2000 -i 1 -g 10.200.0.0/20 | (sleep STALL; cat)
#        icmpkit ping -c 3 -i 0.2 -W 2 --rate 20000 10.200.0.0/20 | (sleep STALL; cat)
#   3. icmpkit ping -q -c 1 -W 0.5 --rate 50000 10.200.0.0/16 (65,534
#      targets): probes per second from the wall time, and peak RSS.
#
# and prints peak RSS (`/usr/bin/time -f %M`), probes, and ratios.
# ICMPKIT (default target/release/icmpkit, built when missing) is the
# binary measured; BEFORE=path adds another icmpkit binary (e.g. an older
# build) to every table. Traffic stays inside the lab. Needs root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
icmpkit=${ICMPKIT:-$repo/target/release/icmpkit}
before=${BEFORE:-}
seconds=${SECONDS_FLOOD:-30}
stall=${STALL:-5}
target=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "bench/ping-memory.sh: needs root (network namespaces)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/ping-memory.sh: needs GNU time (/usr/bin/time)" >&2; exit 1; }
if [ ! -x "$icmpkit" ]; then
    (cd "$repo" && cargo build --release -p icmpkit)
fi
command -v ping >/dev/null || { echo "iputils ping is not installed" >&2; exit 1; }
command -v fping >/dev/null || { echo "fping is not installed" >&2; exit 1; }

prefix=pm$$
tmp=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1500 >/dev/null
ns=$prefix-client
ip netns exec "$prefix-server" ip route add local 10.200.0.0/16 dev lo
ip netns exec "$prefix-router" ip route add 10.200.0.0/16 via "$target"

# The binaries measured: name and path.
names=(iputils icmpkit)
[ -n "$before" ] && names+=(before)
path_of() { case $1 in icmpkit) echo "$icmpkit" ;; before) echo "$before" ;; esac; }

echo "machine: $(nproc) cores; iputils: $(ping -V | head -1); fping: $(fping -v 2>&1 | head -1)"
echo "icmpkit: $icmpkit${before:+; before: $before}"

echo
echo "1. flood, -w $seconds"
printf '%-8s %12s %14s %10s\n' run transmitted 'probes/s' 'peak RSS'
for name in "${names[@]}"; do
    if [ "$name" = iputils ]; then cmd=(ping); else cmd=("$(path_of "$name")" ping); fi
    ip netns exec "$ns" timeout $((seconds + 60)) /usr/bin/time -f '%M' -o "$tmp/rss" \
        "${cmd[@]}" -f -w "$seconds" -q "$target" >"$tmp/out" 2>&1 || true
    tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmp/out")
    rss=$(tail -1 "$tmp/rss")
    printf '%-8s %12s %14.0f %7.1f MiB\n' "$name" "$tx" "$(echo "$tx / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
    echo "$name $rss" >>"$tmp/flood"
done
rss_of() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
awk -v a="$(rss_of iputils "$tmp/flood")" -v b="$(rss_of icmpkit "$tmp/flood")" \
    'BEGIN { printf "peak RSS ratio icmpkit/iputils: %.2f×\n", b / a }'

echo
echo "2. 4,094 targets × 3 probes into a pipe whose reader stalls $stall s"
printf '%-8s %10s %10s %10s\n' run answered 'timed out' 'peak RSS'
stalled() {
    local name=$1
    shift
    ip netns exec "$ns" timeout 120 /usr/bin/time -f '%M' -o "$tmp/rss" "$@" 2>"$tmp/err" |
        (sleep "$stall"; cat) >"$tmp/out" || true
    local answered timeouts rss
    answered=$(grep -c 'xmt/rcv/%loss = 3/3/0%' "$tmp/err" || true)
    timeouts=$(grep -ci 'timed out\|timeout' "$tmp/out" || true)
    rss=$(tail -1 "$tmp/rss")
    printf '%-8s %10s %10s %7.1f MiB\n' "$name" "$answered" "$timeouts" "$(echo "$rss / 1024" | bc -l)"
    echo "$name $rss" >>"$tmp/stalled"
}
stalled fping fping -c 3 -p 200 -t 2000 -i 1 -g 10.200.0.0/20
for name in "${names[@]}"; do
    [ "$name" = iputils ] && continue
    stalled "$name" "$(path_of "$name")" ping -c 3 -i 0.2 -W 2 --rate 20000 10.200.0.0/20
done
awk -v a="$(rss_of fping "$tmp/stalled")" -v b="$(rss_of icmpkit "$tmp/stalled")" \
    'BEGIN { printf "peak RSS ratio icmpkit/fping: %.2f×\n", b / a }'

echo
echo "3. 65,534 targets at --rate 50000"
printf '%-8s %10s %8s %12s %10s\n' run answered 'wall s' 'probes/s' 'peak RSS'
for name in "${names[@]}"; do
    [ "$name" = iputils ] && continue
    ip netns exec "$ns" timeout 120 /usr/bin/time -f '%e %M' -o "$tmp/rss" "$(path_of "$name")" \
        ping -q -c 1 -W 0.5 --rate 50000 10.200.0.0/16 >/dev/null 2>"$tmp/err" || true
    answered=$(grep -c 'xmt/rcv/%loss = 1/1/0%' "$tmp/err" || true)
    read -r wall rss < <(tail -1 "$tmp/rss")
    awk -v w="$wall" -v r="$rss" -v n=65534 -v a="$answered" -v name="$name" \
        'BEGIN { printf "%-8s %10d %8.2f %12.0f %7.1f MiB\n", name, a, w, n / w, r / 1024 }'
done
echo "(probes/s = 65,534 / wall time, start-up and the last replies included: a floor)"
