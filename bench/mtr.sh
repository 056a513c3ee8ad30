#!/usr/bin/env bash
# bench/mtr.sh [SECONDS] [INTERVAL]: CPU time per probe of `icmpkit mtr`
# against mtr and, when `trip` is installed (cargo install trippy --locked),
# trippy, in the traceroute lab (lab/trace.sh) with r2's route through r3a
# alone: client - r1 - r2 - r3a - r4 - server, 5 hops, no ICMP rate limits,
# nothing lost (removed on exit by the trap).
#
# Each tool traces 198.51.100.2 for SECONDS (default 60) at one round every
# INTERVAL seconds (default 0.1), alone, one after the other:
#
#   mtr -n -r -c N -i INTERVAL 198.51.100.2            (N = SECONDS / INTERVAL)
#   icmpkit mtr -n -r -c N -i INTERVAL 198.51.100.2
#   trip -m silent -C N -i INTERVAL 198.51.100.2        (report mode)
#   trip -m stream -i INTERVAL 198.51.100.2             (stopped after SECONDS)
#
# trippy twice: its report modes wait for the last round by polling the
# tracer without a pause (wait_for_round in trippy-tui's report.rs), which
# keeps a core busy for the whole run; its stream mode sleeps a round
# between prints, as a live view does.
#
# CPU time: perf stat's task-clock of the tool and every process it starts
# (mtr's mtr-packet), or, where perf cannot count, GNU time's user + sys
# (which misses children the tool does not wait for). Probes: the packets
# the client namespace sent to the destination during the run, counted by
# an nftables counter on its output hook. Printed per tool: wall seconds
# (mtr's include its 5 s of grace at the end), probes, probes a round,
# CPU milliseconds, CPU microseconds per probe and that figure over
# icmpkit's.
#
# Traffic stays in the lab's namespaces: every tool runs with -n or traces
# an address, and the client's resolv.conf (/etc/netns/NS/resolv.conf, which
# `ip netns exec` mounts) names only its own loopback. Needs root, mtr and
# nft; ICMPKIT=path picks the binary (default: the shipped build of
# scripts/release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
seconds=${1:-60}
interval=${2:-0.1}
dst=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "mtr bench: needs root (network namespaces)" >&2; exit 1; }
for tool in mtr nft bc; do
    command -v "$tool" >/dev/null || { echo "mtr bench: $tool is not installed" >&2; exit 1; }
done
bin=${ICMPKIT:-$("$repo/scripts/release")}
trip=$(command -v trip || true)
if [ -z "$trip" ] && [ -x "$HOME/.cargo/bin/trip" ]; then
    trip=$HOME/.cargo/bin/trip
fi
rounds=$(echo "$seconds / $interval" | bc)

prefix=ikbm$$
client=$prefix-client
work=$(mktemp -d)
cleanup() {
    "$repo/lab/trace.sh" down "$prefix" || true
    rm -rf "$work" "/etc/netns/$client"
}
trap cleanup EXIT
"$repo/lab/trace.sh" up "$prefix" 1280 >/dev/null
ip -n "$prefix-r2" route replace 198.51.100.0/24 via 203.0.113.6
mkdir -p "/etc/netns/$client"
echo "nameserver 127.0.0.1" >"/etc/netns/$client/resolv.conf"
ip netns exec "$client" nft -f - <<EOF
table inet bench {
    counter probes { }
    chain out {
        type filter hook output priority 0; policy accept;
        ip daddr $dst counter name probes
    }
}
EOF

perf= how="GNU time (user + sys)"
if ip netns exec "$client" perf stat -x, -e task-clock -o "$work/perf" true 2>/dev/null; then
    perf=yes how="perf stat task-clock"
fi

# measure NAME CMD...: runs CMD in the client namespace (killed after
# SECONDS + 30 s); appends "NAME wall probes cpu_ms" to $work/results.
measure() {
    local name=$1 start end probes cpu
    shift
    ip netns exec "$client" nft reset counter inet bench probes >/dev/null
    start=$EPOCHREALTIME
    if [ -n "$perf" ]; then
        ip netns exec "$client" perf stat -x, -e task-clock -o "$work/perf" \
            timeout "$((seconds + 30))" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
        cpu=$(awk -F, '$3 == "task-clock" {print $1}' "$work/perf")
    else
        ip netns exec "$client" /usr/bin/time -f '%U %S' -o "$work/time" \
            timeout "$((seconds + 30))" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
        cpu=$(awk 'END {print ($1 + $2) * 1000}' "$work/time")
    fi
    end=$EPOCHREALTIME
    probes=$(ip netns exec "$client" nft list counter inet bench probes |
        grep -o 'packets [0-9]*' | awk '{print $2}')
    echo "$name $(echo "$end - $start" | bc -l) $probes ${cpu:-0}" >>"$work/results"
}

: >"$work/results"
echo "mtr bench: $seconds s at one round every $interval s ($rounds rounds), 5 hops;" \
    "CPU by $how"
measure mtr mtr -n -r -c "$rounds" -i "$interval" "$dst"
measure icmpkit "$bin" mtr -n -r -c "$rounds" -i "$interval" "$dst"
if [ -n "$trip" ]; then
    ms=$(echo "$interval * 1000 / 1" | bc)ms
    measure trippy-report "$trip" -m silent -C "$rounds" -i "$ms" "$dst"
    # The stream runs until stopped: SIGINT after SECONDS.
    measure trippy-stream timeout -s INT "$seconds" "$trip" -m stream -i "$ms" "$dst"
else
    echo "  trippy: skipped: trip is not installed (cargo install trippy --locked)"
fi

for name in mtr icmpkit; do
    if ! grep -q '^HOST: ' "$work/$name.out"; then
        echo "  $name: no report; stderr:"
        sed 's/^/    /' "$work/$name.err"
    fi
done
ours=$(awk '$1 == "icmpkit" && $3 > 0 {print $4 * 1000 / $3}' "$work/results")
printf '  %-14s %7s %8s %9s %9s %9s %9s\n' tool wall_s probes probes/rd cpu_ms us/probe /icmpkit
while read -r name wall probes cpu; do
    per=n/a ratio=n/a
    if [ "$probes" -gt 0 ]; then
        per=$(echo "$cpu * 1000 / $probes" | bc -l)
        [ -n "$ours" ] && ratio=$(printf '%.2fx' "$(echo "$per / $ours" | bc -l)")
        per=$(printf '%.1f' "$per")
    fi
    printf '  %-14s %7.1f %8d %9.2f %9.1f %9s %9s\n' "$name" "$wall" "$probes" \
        "$(echo "$probes / $rounds" | bc -l)" "$cpu" "$per" "$ratio"
done <"$work/results"
[ -n "$ours" ] || echo "  (no ratio: icmpkit mtr sent no probes)"
