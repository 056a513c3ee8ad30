#!/usr/bin/env bash
# bench/sweep.sh [ICMPKIT]: 65,536 answering targets, icmpkit sweep vs zmap
# (icmp_echoscan) vs fping -g, side by side in one lab.
#
# Builds the standard chain (lab/chain.sh; removed on exit, even on failure
# or Ctrl-C), makes the server answer all of 10.200.0.0/16
# (`ip route add local ... dev lo`), routes it on the router, then in the
# client namespace runs each tool at rising rates and prints, per run, wall
# time, CPU time (user+sys), peak memory and targets found. zmap gets an
# empty blacklist and the router's MAC as its gateway. RATES (default
# "50000 100000 200000 max") and TARGETS (10.200.0.0/16) come from the
# environment. Traffic stays inside the lab's namespaces. Needs root, zmap
# (Debian package zmap) and fping.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
icmpkit=${1:-$here/target/release/icmpkit}
[ -x "$icmpkit" ] || (cd "$here" && cargo build --release -q -p icmpkit)
command -v zmap >/dev/null || { echo "zmap is not installed (apt-get install zmap)" >&2; exit 2; }
command -v fping >/dev/null || { echo "fping is not installed" >&2; exit 2; }
targets=${TARGETS:-10.200.0.0/16}
rates=${RATES:-50000 100000 200000 max}
prefix="bsw$$"
tmp=$(mktemp -d)
cleanup() { "$here/lab/chain.sh" down "$prefix"; rm -rf "$tmp"; }
trap cleanup EXIT
"$here/lab/chain.sh" up "$prefix" >/dev/null
ip netns exec "$prefix-server" ip route add local "$targets" dev lo
ip netns exec "$prefix-router" ip route add "$targets" via 198.51.100.2
gw_mac=$(ip -n "$prefix-router" -o link show r0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
: >"$tmp/blacklist"
total=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).num_addresses)" "$targets")

# measure NAME COMMAND...: runs COMMAND in the client namespace, counting
# found targets as the lines of $tmp/found.
measure() {
    local name=$1; shift
    : >"$tmp/found"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" ip netns exec "$prefix-client" "$@" >"$tmp/out" 2>"$tmp/err" || true
    local found
    case $name in
        zmap*) found=$(sort -u "$tmp/zmap.csv" 2>/dev/null | grep -c '^10\.' || true) ;;
        fping*) found=$(grep -c '^10\.' "$tmp/out" || true) ;;
        *) found=$(sort -u "$tmp/out" | grep -c '^10\.' || true) ;;
    esac
    read -r wall user sys mem <"$tmp/time"
    printf '%-22s %7.2f s wall %6.2f s CPU %7d KB  found %6d / %d\n' \
        "$name" "$wall" "$(echo "$user + $sys" | bc)" "$mem" "$found" "$total"
}

echo "sweep of $targets ($total answering targets), $(nproc) cores, $(uname -r)"
for rate in $rates; do
    zrate=$rate; [ "$rate" = max ] && zrate=0
    measure "zmap -r $rate" zmap -q -M icmp_echoscan -i c0 -S 192.0.2.2 -G "$gw_mac" \
        -b "$tmp/blacklist" -r "$zrate" -c 1 -o "$tmp/zmap.csv" --disable-syslog "$targets"
    measure "icmpkit --rate $rate" "$icmpkit" sweep --rate "$rate" --cooldown 1 "$targets"
done
measure "fping -g -i 0" fping -a -q -r 0 -i 0 -t 1000 -g "$targets"
