#!/usr/bin/env bash
# bench/netsim.sh [ICMPKIT]: packets per second through icmpkit netsim's TUN
# engine beside the kernel forwarding the same traffic, and the added
# latency's spread.
#
# Two labs (removed on exit, even on failure or Ctrl-C):
#   kernel: lab/chain.sh, client - router - server over veth, the router
#           namespace forwarding;
#   netsim: lab/host.sh, one namespace running `icmpkit netsim up` with
#           tun - r1 - 203.0.113.10 and no delay (the same shape, one
#           router; written to a temporary file).
# Throughput: iputils `ping -f -l PRELOAD -c COUNT -q` to the far host of
# each, ROUNDS rounds interleaved; echo exchanges per second (each is two
# packets forwarded by the router, one each way), medians and the ratio
# netsim/kernel. Latency: `icmpkit netsim up examples/netsim/chain.toml`
# (five 5 ms links: 50 ms round trips), `ping -i 0.005 -c SAMPLES` through it, once
# as it is and once with --realtime (SCHED_FIFO); ping's RTTs and netsim's
# lateness (handed to the device - due, per packet) p50/p99/max.
# COUNT (50000), PRELOAD (16), ROUNDS (3) and SAMPLES (1000) come from the
# environment. ICMPKIT defaults to the release build (built when missing).
# Traffic goes only to the labs' own namespaces. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
count=${COUNT:-50000}
preload=${PRELOAD:-16}
rounds=${ROUNDS:-3}
samples=${SAMPLES:-1000}
[ "$(id -u)" -eq 0 ] || { echo "bench/netsim.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
command -v ping >/dev/null || { echo "bench/netsim.sh: iputils ping is not installed" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
if [ -n "${1:-}" ]; then bin=$1; else bin=$(icmpkit_binary "$repo"); fi

prefix=nsb$$
tmp=$(mktemp -d)
netsim_pid=
cleanup() {
    if [ -n "$netsim_pid" ]; then kill -INT "$netsim_pid" 2>/dev/null || true; wait "$netsim_pid" 2>/dev/null || true; fi
    "$repo/lab/chain.sh" down "${prefix}k" >/dev/null 2>&1 || true
    "$repo/lab/host.sh" down "${prefix}t" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "${prefix}k" 1280 >/dev/null
"$repo/lab/host.sh" up "${prefix}t" >/dev/null
kernel_ns=${prefix}k-client
netsim_ns=${prefix}t-host

# The one-router topology of the throughput runs.
cat >"$tmp/one.toml" <<'EOF'
[[attachment]]
name = "tun"
addresses = ["198.51.100.1", "2001:db8:100::1"]

[[router]]
name = "r1"
addresses = ["198.51.100.11", "2001:db8:1::1"]

[[host]]
name = "dst"
addresses = ["203.0.113.10", "2001:db8:10::10"]

[[link]]
between = ["tun", "r1"]

[[link]]
between = ["r1", "dst"]
EOF

# netsim_start LABEL TOPOLOGY [ARGS]: netsim up in the background; waits
# (10 s at most) for its ready line. Its summary goes to $tmp/LABEL.json.
netsim_start() {
    local label=$1 topology=$2
    shift 2
    ip netns exec "$netsim_ns" timeout 900 "$bin" netsim up "$topology" --json "$@" \
        >"$tmp/$label.json" 2>"$tmp/$label.err" &
    netsim_pid=$!
    for _ in $(seq 100); do
        grep -q ' up: ' "$tmp/$label.err" && return 0
        sleep 0.1
    done
    echo "netsim up did not start:" >&2
    cat "$tmp/$label.err" >&2
    exit 1
}

# netsim_stop: SIGINT, and its summary written.
netsim_stop() {
    kill -INT "$netsim_pid"
    wait "$netsim_pid"
    netsim_pid=
}

# flood NAME NS TARGET: one flood; appends "name exchanges_per_s" to
# $tmp/results.
flood() {
    local name=$1 ns=$2 target=$3 start end tx rx wall pps
    start=$(date +%s%N)
    ip netns exec "$ns" timeout 300 ping -f -l "$preload" -c "$count" -q "$target" >"$tmp/out" 2>&1 || true
    end=$(date +%s%N)
    read -r tx rx < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$tmp/out")
    [ "${tx:-0}" -eq "$count" ] || { echo "$name: unexpected output:" >&2; cat "$tmp/out" >&2; exit 1; }
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    pps=$(awk -v n="$rx" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
    printf '%-7s round %d: %7.3f s, %8d exchanges/s, %d/%d answered\n' "$name" "$round" "$wall" "$pps" "$rx" "$tx"
    echo "$name $pps" >>"$tmp/results"
}

median() {
    awk -v n="$1" '$1 == n { print $2 }' "$tmp/results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "netsim bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $bin"
echo "throughput: ping -f -l $preload -c $count, $rounds rounds interleaved"
netsim_start one "$tmp/one.toml"
for round in $(seq 1 "$rounds"); do
    flood kernel "$kernel_ns" 198.51.100.2
    flood netsim "$netsim_ns" 203.0.113.10
done
netsim_stop
k=$(median kernel)
n=$(median netsim)
printf 'median: kernel %s exchanges/s, netsim %s exchanges/s, netsim/kernel %s\n' "$k" "$n" "$(ratio "$n" "$k")"
sed 's/^/netsim summary: /' "$tmp/one.json"

echo
echo "latency: ping -i 0.005 -c $samples through the chain (50 ms round trips)"
for mode in plain realtime; do
    chain=$repo/examples/netsim/chain.toml
    if [ "$mode" = realtime ]; then netsim_start "$mode" "$chain" --realtime; else netsim_start "$mode" "$chain"; fi
    printf '%-8s ping: %s\n' "$mode" "$(ip netns exec "$netsim_ns" timeout 300 ping -i 0.005 -c "$samples" -q 203.0.113.10 | tail -1)"
    netsim_stop
    sed -n 's/.*"lateness":{"p50_us":\([0-9]*\),"p99_us":\([0-9]*\),"max_us":\([0-9]*\),"packets":\([0-9]*\)}.*/\1 \2 \3 \4/p' "$tmp/$mode.json" |
        { read -r p50 p99 max packets; printf '%-8s lateness (handed over - due): p50 %s us, p99 %s us, max %s us over %s packets\n' "$mode" "$p50" "$p99" "$max" "$packets"; }
done
