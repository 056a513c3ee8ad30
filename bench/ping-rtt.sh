#!/usr/bin/env bash
# bench/ping-rtt.sh [ICMPKIT]: RTT agreement, iputils vs icmpkit, in a lab.
#
# Builds the standard lab chain (lab/chain.sh; removed on exit, even on
# failure or Ctrl-C), then in the client namespace runs
#   ping -c COUNT -i 0.01 198.51.100.2           (iputils)
#   icmpkit ping -c COUNT -i 0.01 198.51.100.2
# ROUNDS times, interleaved, takes the RTT of every reply line (time=...),
# and prints the median and 90th percentile (nearest rank) of each and the
# difference ours - iputils. ICMPKIT defaults to target/release/icmpkit
# (built when missing); COUNT (200) and ROUNDS (3) come from the
# environment. Traffic goes only to the lab's own namespaces. Needs root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
icmpkit=${1:-$repo/target/release/icmpkit}
count=${COUNT:-200}
rounds=${ROUNDS:-3}
target=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "bench/ping-rtt.sh: needs root (network namespaces)" >&2; exit 1; }
if [ ! -x "$icmpkit" ]; then
    (cd "$repo" && cargo build --release -p icmpkit)
fi

prefix=pr$$
tmp=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1280
ns=$prefix-client

# quantiles FILE: "median p90" (ms, nearest rank) of the numbers in FILE.
quantiles() {
    sort -g "$1" | awk '{ v[NR] = $1 }
        function rank(p,  r) { r = int(p * NR + 0.999999); return v[r < 1 ? 1 : r] }
        END { printf "%.3f %.3f %d\n", rank(0.5), rank(0.9), NR }'
}

# run NAME PROGRAM...: one run; RTTs to $tmp/NAME.ROUND and $tmp/NAME.all.
run() {
    local name=$1
    shift
    ip netns exec "$ns" timeout 60 "$@" -c "$count" -i 0.01 "$target" >"$tmp/out"
    sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$tmp/out" >"$tmp/$name.$round"
    cat "$tmp/$name.$round" >>"$tmp/$name.all"
    read -r med p90 n < <(quantiles "$tmp/$name.$round")
    [ "$n" -eq "$count" ] || { echo "$name: $n replies of $count:" >&2; cat "$tmp/out" >&2; exit 1; }
    printf '%-8s round %d: median %s ms, p90 %s ms (%d replies)\n' "$name" "$round" "$med" "$p90" "$n"
}

echo "RTT: $count probes -i 0.01 to $target, $rounds rounds interleaved; $(nproc) cores"
for round in $(seq 1 "$rounds"); do
    run iputils ping
    run icmpkit "$icmpkit" ping
done
read -r im ip9 _ < <(quantiles "$tmp/iputils.all")
read -r om op9 _ < <(quantiles "$tmp/icmpkit.all")
echo
echo "all rounds: iputils median $im ms, p90 $ip9 ms; icmpkit median $om ms, p90 $op9 ms"
awk -v a="$im" -v b="$om" -v c="$ip9" -v d="$op9" \
    'BEGIN { printf "difference ours - iputils: median %+.3f ms, p90 %+.3f ms\n", b - a, d - c }'
