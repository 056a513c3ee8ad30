#!/usr/bin/env bash
# bench/ping-many.sh [RUNS]: icmpkit ping vs fping on 4,094 targets.
#
# Builds the lab chain (lab/chain.sh; removed on exit by the trap), makes
# the server answer 10.200.0.0/20 (`ip route add local ... dev lo`), routes
# it there from the router, then runs in the client namespace, RUNS times
# each (default 3):
#
#   fping -c 1 -q -i 0 -r 0 -g 10.200.0.0/20     (fping at its fastest; -i 1
#                                                  if this fping refuses -i 0)
#   icmpkit ping -q -c 1 --rate $RATE 10.200.0.0/20   (RATE default 1000000)
#
# and prints wall time, CPU time (user + system) and targets found for each
# run, the medians and the ratios. Traffic stays inside the lab's namespaces.
# Needs root. ICMPKIT=path picks the binary (default target/release/icmpkit,
# built when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-3}
rate=${RATE:-1000000}
bin=${ICMPKIT:-$repo/target/release/icmpkit}
[ "$(id -u)" -eq 0 ] || { echo "ping-many: needs root (network namespaces)" >&2; exit 1; }
if [ ! -x "$bin" ]; then
    cargo build --release -p icmpkit --manifest-path "$repo/Cargo.toml"
fi
command -v fping >/dev/null || { echo "ping-many: fping is not installed" >&2; exit 1; }

prefix=ikbench$$
work=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" || true; rm -rf "$work"; }
trap cleanup EXIT
"$repo/lab/chain.sh" up "$prefix" 1500 >/dev/null
ip netns exec "$prefix-server" ip route add local 10.200.0.0/20 dev lo
ip netns exec "$prefix-router" ip route add 10.200.0.0/20 via 198.51.100.2

interval=0
if ! ip netns exec "$prefix-client" timeout 10 fping -q -c 1 -i 0 198.51.100.2 2>/dev/null; then
    interval=1
fi

# measure NAME CMD...: one run; prints "NAME wall cpu found".
measure() {
    local name=$1
    shift
    ip netns exec "$prefix-client" timeout 120 /usr/bin/time -f '%e %U %S' -o "$work/time" \
        "$@" 2>"$work/err" >/dev/null || true
    local wall user sys found
    read -r wall user sys <"$work/time"
    found=$(grep -c ' : xmt/rcv/%loss = 1/1/0%' "$work/err" || true)
    printf '%s %s %s %s\n' "$name" "$wall" "$(echo "$user + $sys" | bc -l)" "$found"
}

for _ in $(seq "$runs"); do
    measure fping fping -c 1 -q -i "$interval" -r 0 -g 10.200.0.0/20
    measure icmpkit "$bin" ping -q -c 1 --rate "$rate" 10.200.0.0/20
done >"$work/results"

echo "4,094 targets (10.200.0.0/20 less network and broadcast), $runs runs each"
echo "fping:   fping -c 1 -q -i $interval -r 0 -g 10.200.0.0/20"
echo "icmpkit: icmpkit ping -q -c 1 --rate $rate 10.200.0.0/20"
printf '%-8s %8s %8s %6s\n' tool wall_s cpu_s found
while read -r name wall cpu found; do
    printf '%-8s %8s %8.2f %6s\n' "$name" "$wall" "$cpu" "$found"
done <"$work/results"
median() { grep "^$1 " "$work/results" | awk -v c="$2" '{print $c}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fw=$(median fping 2) iw=$(median icmpkit 2) fc=$(median fping 3) ic=$(median icmpkit 3)
printf 'median wall: fping %s s, icmpkit %s s, fping/icmpkit = %.2f\n' "$fw" "$iw" "$(echo "$fw / $iw" | bc -l)"
printf 'median cpu:  fping %s s, icmpkit %s s, icmpkit/fping = %.2f\n' "$fc" "$ic" "$(echo "$ic / ($fc + 0.0001)" | bc -l)"
