#!/usr/bin/env bash
# bench/trace.sh [RUNS]: icmpkit trace vs traceroute, tracepath, mtr and
# scamper in the traceroute lab (lab/trace.sh: client - r1 - r2 -
# {r3a|r3b} - r4 - server, 5 hops; removed on exit by the trap).
#
# Wall time of a complete trace of the lab (median of RUNS, default 5),
# timed with bash's EPOCHREALTIME around each command (`ip netns exec`
# included for every tool alike):
#
#   traceroute -n -q 3 198.51.100.2
#   tracepath -n 198.51.100.2               (route cache flushed first)
#   mtr -n --report -c 1 198.51.100.2
#   icmpkit trace -n -q 3 198.51.100.2
#
# once with every hop answering and once with a silent hop (r2 drops its
# Time Exceeded), then the ECMP diamond mapped by
#
#   scamper -c tracelb -i 198.51.100.2      vs  icmpkit trace -n --mda
#
# reporting probes sent, interfaces found and wall time. Each scenario then
# times traceroute and icmpkit side by side in interleaved rounds of many
# runs inside the client namespace (no `ip netns exec` per run, so the
# millisecond it costs does not drown the difference), and before the
# scenarios the start-up alone: a one-probe trace of 127.0.0.1 on the host.
# Traffic stays in loopback and the lab's namespaces. Needs root.
# ICMPKIT=path picks the binary; by default it is the shipped build of
# scripts/release (statically linked), and the side-by-side rounds also
# time the binary of `cargo build --release` as icmpkit-pie.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-5}
dst=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "trace bench: needs root (network namespaces)" >&2; exit 1; }
pie=
if [ -n "${ICMPKIT:-}" ]; then
    bin=$ICMPKIT
else
    bin=$("$repo/scripts/release")
    cargo build --release -q -p icmpkit --manifest-path "$repo/Cargo.toml"
    pie=$repo/target/release/icmpkit
fi
for tool in traceroute tracepath mtr scamper; do
    command -v "$tool" >/dev/null || { echo "trace bench: $tool is not installed" >&2; exit 1; }
done

prefix=ikbt$$
work=$(mktemp -d)
cleanup() { "$repo/lab/trace.sh" down "$prefix" || true; rm -rf "$work"; }
trap cleanup EXIT
"$repo/lab/trace.sh" up "$prefix" 1280 >/dev/null
client=$prefix-client

# wall CMD...: runs CMD in the client namespace, output to $work/out;
# prints the wall time in milliseconds.
wall() {
    local start=$EPOCHREALTIME
    ip netns exec "$client" timeout 120 "$@" >"$work/out" 2>&1 || true
    local end=$EPOCHREALTIME
    echo "($end - $start) * 1000" | bc -l
}

median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'; }

# scenario NAME N: the four tools, RUNS times each, medians and ratios;
# then traceroute and icmpkit side by side, N runs per round.
scenario() {
    local name=$1 tool
    : >"$work/times"
    for _ in $(seq "$runs"); do
        echo "traceroute $(wall traceroute -n -q 3 "$dst")" >>"$work/times"
        ip netns exec "$client" ip route flush cache
        echo "tracepath $(wall tracepath -n "$dst")" >>"$work/times"
        echo "mtr $(wall mtr -n --report -c 1 "$dst")" >>"$work/times"
        echo "icmpkit $(wall "$bin" trace -n -q 3 "$dst")" >>"$work/times"
    done
    local ours
    ours=$(grep '^icmpkit ' "$work/times" | awk '{print $2}' | median)
    echo "$name: median wall time of $runs runs (ms), and tool/icmpkit"
    for tool in traceroute tracepath mtr icmpkit; do
        local t
        t=$(grep "^$tool " "$work/times" | awk '{print $2}' | median)
        printf '  %-11s %9s ms  %6.2fx\n' "$tool" "$t" "$(echo "$t / $ours" | bc -l)"
    done
    side_by_side "$2" "$name, in the client namespace" "$client" -n -q 3 "$dst"
}

# The loop that times N runs of a command in one bash, so that no
# `ip netns exec` is counted per run; prints the mean in milliseconds.
mean_loop='n=$1; shift; s=$EPOCHREALTIME
for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || true; done
echo "($EPOCHREALTIME - $s) * 1000 / $n" | bc -l'

# side_by_side N LABEL NS ARGS...: `traceroute ARGS` against `icmpkit trace
# ARGS` (and icmpkit-pie) in namespace NS ("" for the host), 3 interleaved
# rounds of N runs each: the mean of each round, and the median round's
# ratio traceroute/icmpkit.
side_by_side() {
    local n=$1 label=$2 ns=$3 tool
    shift 3
    local -a in=()
    if [ -n "$ns" ]; then in=(ip netns exec "$ns"); fi
    : >"$work/side"
    for _ in 1 2 3; do
        echo "traceroute $("${in[@]}" bash -c "$mean_loop" _ "$n" traceroute "$@")" >>"$work/side"
        echo "icmpkit $("${in[@]}" bash -c "$mean_loop" _ "$n" "$bin" trace "$@")" >>"$work/side"
        if [ -n "$pie" ]; then
            echo "icmpkit-pie $("${in[@]}" bash -c "$mean_loop" _ "$n" "$pie" trace "$@")" >>"$work/side"
        fi
    done
    local theirs ours
    theirs=$(grep '^traceroute ' "$work/side" | awk '{print $2}' | sort -g | sed -n 2p)
    ours=$(grep '^icmpkit ' "$work/side" | awk '{print $2}' | sort -g | sed -n 2p)
    echo "$label: mean ms per run, 3 interleaved rounds of $n"
    for tool in traceroute icmpkit ${pie:+icmpkit-pie}; do
        printf '  %-11s %s\n' "$tool" "$(grep "^$tool " "$work/side" | awk '{printf "%.3f ", $2}')"
    done
    printf '  traceroute/icmpkit (median rounds) %.2fx\n' "$(echo "$theirs / $ours" | bc -l)"
}

side_by_side 200 "start-up: a one-probe trace of 127.0.0.1 on the host" "" -n -q 1 -m 1 127.0.0.1

scenario "every hop answers" 100
ip netns exec "$prefix-r2" iptables -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP
scenario "hop 2 silent" 30
ip netns exec "$prefix-r2" iptables -F OUTPUT

: >"$work/mda"
for _ in $(seq "$runs"); do
    t=$(wall scamper -c tracelb -i "$dst")
    probes=$(grep -o '[0-9]* probes' "$work/out" | head -1 | awk '{print $1}')
    nodes=$(grep -o '[0-9]* nodes' "$work/out" | head -1 | awk '{print $1}')
    echo "scamper $t $probes $nodes" >>"$work/mda"
    t=$(wall "$bin" trace -n --mda "$dst")
    probes=$(grep -o '^[0-9]* probes' "$work/out" | awk '{print $1}')
    # Interfaces: every address on the hop lines (scamper counts the same).
    nodes=$(grep -E '^ *[0-9]+ ' "$work/out" | grep -oE '([0-9]+\.){3}[0-9]+' | sort -u | wc -l)
    echo "icmpkit $t $probes $nodes" >>"$work/mda"
done
echo "ECMP diamond, 95% confidence: median of $runs runs"
printf '  %-8s %9s %8s %6s\n' tool wall_ms probes nodes
for tool in scamper icmpkit; do
    printf '  %-8s %9s %8s %6s\n' "$tool" \
        "$(grep "^$tool " "$work/mda" | awk '{print $2}' | median)" \
        "$(grep "^$tool " "$work/mda" | awk '{print $3}' | median)" \
        "$(grep "^$tool " "$work/mda" | awk '{print $4}' | median)"
done
echo "  probes per run (scamper): $(grep '^scamper ' "$work/mda" | awk '{printf "%s ", $3}')"
echo "  probes per run (icmpkit): $(grep '^icmpkit ' "$work/mda" | awk '{printf "%s ", $3}')"
