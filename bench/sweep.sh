#!/usr/bin/env bash
# bench/sweep.sh [ICMPKIT]: icmpkit sweep beside zmap (icmp_echoscan) at
# full speed, one veth hop away, in one lab; optionally fping -g too.
#
# Builds the standard chain (lab/chain.sh; removed on exit, even on failure
# or Ctrl-C). The router, one hop from the client, answers ANSWERING
# (default 10.200.0.0/15: 131,072 addresses, `ip route add local ... dev
# lo`) and silently drops SILENT (default 10.202.0.0/15 10.204.0.0/16:
# 262,144 addresses, blackhole routes). In the client namespace each tool
# sweeps TARGETS (default 10.200.0.0/14 10.204.0.0/15: 393,216 addresses)
# at each rate of RATES (default "max"; zmap's 0), ROUNDS times (default 3),
# the tools in turns. Per run: targets found, wall time, the sending time
# (wall less the 1 s cooldown, which both tools wait in full when some
# targets never answer), CPU (user+sys) and peak memory; per round the ratio
# of sending times. zmap gets an empty blacklist and the router's MAC as its
# gateway. FPING=1 adds `fping -a -q -r 0 -i 0 -f LIST` per round (slow at
# this size). Traffic stays inside the lab's namespaces. Needs root, zmap (Debian
# package zmap), fping for FPING=1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
icmpkit=${1:-$(icmpkit_binary "$here")}
command -v zmap >/dev/null || { echo "zmap is not installed (apt-get install zmap)" >&2; exit 2; }
answering=${ANSWERING:-10.200.0.0/15}
silent=${SILENT:-10.202.0.0/15 10.204.0.0/16}
targets=${TARGETS:-10.200.0.0/14 10.204.0.0/15}
rates=${RATES:-max}
rounds=${ROUNDS:-3}
cooldown=1
prefix="bsw$$"
tmp=$(mktemp -d)
cleanup() { "$here/lab/chain.sh" down "$prefix"; rm -rf "$tmp"; }
trap cleanup EXIT
"$here/lab/chain.sh" up "$prefix" >/dev/null
for range in $answering; do
    ip netns exec "$prefix-router" ip route add local "$range" dev lo
done
for range in $silent; do
    ip netns exec "$prefix-router" ip route add blackhole "$range"
done
gw_mac=$(ip -n "$prefix-router" -o link show r0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
: >"$tmp/blacklist"
# shellcheck disable=SC2086 # the lists split on purpose
read -r total answer_total < <(python3 -c '
import ipaddress, sys
count = lambda s: sum(ipaddress.ip_network(n).num_addresses for n in s.split())
print(count(sys.argv[1]), count(sys.argv[2]))' "$targets" "$answering")

# measure NAME COMMAND...: runs COMMAND in the client namespace; prints
# one line and leaves the sending time in $sending.
measure() {
    local name=$1; shift
    rm -f "$tmp/zmap.csv"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" ip netns exec "$prefix-client" "$@" >"$tmp/out" 2>"$tmp/err" || true
    local found
    case $name in
        zmap*) found=$(sort -u "$tmp/zmap.csv" 2>/dev/null | grep -c '^10\.' || true) ;;
        fping*) found=$(grep -c '^10\.' "$tmp/out" || true) ;;
        *) found=$(sort -u "$tmp/out" | grep -c '^10\.' || true) ;;
    esac
    read -r wall user sys mem <"$tmp/time"
    sending=$(echo "$wall - $cooldown" | bc)
    printf '%-26s found %7d / %d  wall %6.2f s  sending %5.2f s  CPU %5.2f s  %6d KB\n' \
        "$name" "$found" "$answer_total" "$wall" "$sending" "$(echo "$user + $sys" | bc)" "$mem"
    if [ "$found" -ne "$answer_total" ] && [ "${name#icmpkit}" != "$name" ]; then
        echo "  icmpkit missed $((answer_total - found)) answering hosts: $(tail -2 "$tmp/err" | tr '\n' ' ')"
    fi
}

echo "sweep of $total targets ($targets), $answer_total answering one hop away; $(nproc) cores, $(uname -r)"
for rate in $rates; do
    zrate=$rate; [ "$rate" = max ] && zrate=0
    for round in $(seq "$rounds"); do
        echo "round $round, rate $rate"
        # shellcheck disable=SC2086 # the list splits on purpose
        measure "zmap -r $zrate" zmap -q -M icmp_echoscan -i c0 -S 192.0.2.2 -G "$gw_mac" \
            -b "$tmp/blacklist" -r "$zrate" -c "$cooldown" -o "$tmp/zmap.csv" --disable-syslog $targets
        zmap_sending=$sending
        # shellcheck disable=SC2086
        measure "icmpkit --rate $rate" "$icmpkit" sweep --rate "$rate" --cooldown "$cooldown" $targets
        printf '  sending time icmpkit/zmap: %.2f\n' "$(echo "scale=4; $sending / $zmap_sending" | bc)"
        if [ "${FPING:-0}" = 1 ]; then
            [ -s "$tmp/targets" ] || python3 -c '
import ipaddress, sys
for n in sys.argv[1].split():
    for a in ipaddress.ip_network(n):
        print(a)' "$targets" >"$tmp/targets"
            measure "fping -i 0" fping -a -q -r 0 -i 0 -t 1000 -f "$tmp/targets"
        fi
    done
done
