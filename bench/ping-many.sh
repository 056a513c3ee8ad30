#!/usr/bin/env bash
# bench/ping-many.sh [RUNS]: icmpkit ping vs fping on many targets.
#
# Builds the lab chain (lab/chain.sh; removed on exit by the trap), makes
# the server answer 10.200.0.0/20 (`ip route add local ... dev lo`), routes
# it there from the router, and blackholes 10.200.5.0/24 on the router
# (`ip route add blackhole`: dropped without a word, so those 254 targets
# never answer). Then in the client namespace, RUNS times each (default
# 3), interleaved:
#
#   fping -c 3 -q -i 0 -p 200 -t 500 -g 10.200.0.0/20
#   icmpkit ping -q -c 3 --rate 1000000 -i 0.2 -W 0.5 10.200.0.0/20
#
# Both send 3 probes to each of the 4,094 targets (network and broadcast
# left out, as `fping -g`): as fast as they can (fping -i 0: no gap
# between any two probes; --rate 1000000: a million per second, more
# than either sends), 200 ms between a target's probes (fping -p 200,
# icmpkit -i 0.2), each probe waiting 500 ms for its reply (fping -t 500,
# icmpkit -W 0.5; in -c mode fping neither retries nor backs off, and
# icmpkit's --retries defaults to 0), and both end once every probe is
# answered or timed out: the wall time is 400 ms of pacing, the sending,
# and the last blackholed probe's 500 ms.
#
# MODE=fast runs the old comparison instead: one probe each, no
# blackhole, at full speed (fping -c 1 -q -i 0 -r 0 vs icmpkit ping -q -c
# 1 --rate 1000000), which ends when the last reply is in.
#
# Prints wall time (around `ip netns exec`, a few ms), CPU time and targets
# that answered for each run, the medians and the ratios. Traffic stays inside the lab's
# namespaces. Needs root. ICMPKIT=path picks the binary (default
# target/release/icmpkit, built when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-3}
mode=${MODE:-blackhole}
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
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1500 >/dev/null
ip netns exec "$prefix-server" ip route add local 10.200.0.0/20 dev lo
ip netns exec "$prefix-router" ip route add 10.200.0.0/20 via 198.51.100.2

case $mode in
    blackhole)
        ip netns exec "$prefix-router" ip route add blackhole 10.200.5.0/24
        fping_cmd=(fping -c 3 -q -i 0 -p 200 -t 500 -g 10.200.0.0/20)
        icmpkit_cmd=("$bin" ping -q -c 3 --rate 1000000 -i 0.2 -W 0.5 10.200.0.0/20)
        answering=$((4094 - 256))
        what="4,094 targets (10.200.0.0/20 less network and broadcast), 10.200.5.0/24 blackholed, 3 probes each"
        ;;
    fast)
        fping_cmd=(fping -c 1 -q -i 0 -r 0 -g 10.200.0.0/20)
        icmpkit_cmd=("$bin" ping -q -c 1 --rate 1000000 10.200.0.0/20)
        answering=4094
        what="4,094 targets (10.200.0.0/20 less network and broadcast), 1 probe each"
        ;;
    *) echo "ping-many: MODE is blackhole or fast, not $mode" >&2; exit 2 ;;
esac

# measure NAME CMD...: one run; prints "NAME wall cpu answered". CPU time
# is perf's task-clock (to the microsecond) when perf is installed, else
# user + system from /usr/bin/time (to 10 ms).
measure() {
    local name=$1
    shift
    local start end wall cpu found
    start=$(date +%s%N)
    if command -v perf >/dev/null; then
        ip netns exec "$prefix-client" timeout 120 perf stat -x, -e task-clock -o "$work/time" \
            "$@" 2>"$work/err" >/dev/null || true
        cpu=$(awk -F, '/task-clock/ { printf "%.3f", $1 / 1000 }' "$work/time")
    else
        ip netns exec "$prefix-client" timeout 120 /usr/bin/time -f '%U %S' -o "$work/time" \
            "$@" 2>"$work/err" >/dev/null || true
        cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$work/time")
    fi
    end=$(date +%s%N)
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    # fping's and icmpkit's -q summary: "ADDR : xmt/rcv/%loss = 3/3/0%, ...".
    found=$(grep -Ec ' : xmt/rcv/%loss = [0-9]+/[1-9][0-9]*/' "$work/err" || true)
    printf '%s %s %s %s\n' "$name" "$wall" "$cpu" "$found"
}

for _ in $(seq "$runs"); do
    measure fping "${fping_cmd[@]}"
    measure icmpkit "${icmpkit_cmd[@]}"
done >"$work/results"

echo "$what, $runs runs each; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fping:   ${fping_cmd[*]}"
echo "icmpkit: ${icmpkit_cmd[*]}"
printf '%-8s %8s %8s %9s\n' tool wall_s cpu_s answered
while read -r name wall cpu found; do
    printf '%-8s %8s %8.3f %4s/%s\n' "$name" "$wall" "$cpu" "$found" "$answering"
done <"$work/results"
median() { grep "^$1 " "$work/results" | awk -v c="$2" '{print $c}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fw=$(median fping 2) iw=$(median icmpkit 2) fc=$(median fping 3) ic=$(median icmpkit 3)
printf 'median wall: fping %s s, icmpkit %s s, icmpkit/fping = %.2f\n' "$fw" "$iw" "$(echo "$iw / $fw" | bc -l)"
printf 'median cpu:  fping %s s, icmpkit %s s, icmpkit/fping = %.2f\n' "$fc" "$ic" "$(echo "$ic / ($fc + 0.0001)" | bc -l)"
