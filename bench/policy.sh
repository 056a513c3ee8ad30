#!/usr/bin/env bash
# bench/policy.sh [RULES] [RUNS]: icmpkit policy audit vs nft reading the
# same ruleset, inside a namespace of its own (lab/host.sh; removed on exit
# by the trap). Needs root; sends no traffic.
#
# The ruleset: `icmpkit policy generate --role firewall` plus a second
# table of RULES (default 5000) ordinary filter rules (`ip saddr A tcp
# dport P accept`, spread over input and forward), the size of a busy
# real firewall. Median wall time of RUNS (default 5) of each:
#
#   nft -c -f ruleset.nft          the peer checking the ruleset it reads
#   nft -j list ruleset            the kernel's ruleset as JSON (audit's input)
#   icmpkit policy audit FILE.json every ICMP type and code at every hook,
#                                  through every rule, and the findings
#
# and the ratio of the audit to `nft -c -f`.
# ICMPKIT=path picks the binary (default: cargo build --release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rules=${1:-5000}
runs=${2:-5}
[ "$(id -u)" -eq 0 ] || { echo "policy bench: needs root (a network namespace for nft)" >&2; exit 1; }
command -v nft >/dev/null || { echo "policy bench: nft is not installed" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bin=$(icmpkit_binary "$repo")

prefix=ikbp$$
work=$(mktemp -d)
cleanup() { "$repo/lab/host.sh" down "$prefix" || true; rm -rf "$work"; }
trap cleanup EXIT
"$repo/lab/host.sh" up "$prefix" >/dev/null
ns=$prefix-host

"$bin" policy generate --role firewall >"$work/ruleset.nft"
{
    echo "table inet extra {"
    for hook in input forward; do
        echo "  chain $hook { type filter hook $hook priority 10; policy accept;"
        for i in $(seq 1 $((rules / 2))); do
            echo "    ip saddr 10.$((i / 250 % 250)).$((i % 250)).1 tcp dport $((1024 + i % 60000)) accept"
        done
        echo "  }"
    done
    echo "}"
} >>"$work/ruleset.nft"
ip netns exec "$ns" nft -f "$work/ruleset.nft"
ip netns exec "$ns" nft -j list ruleset >"$work/ruleset.json"

# median_ms CMD...: the median wall time of RUNS runs of CMD in the namespace.
median_ms() {
    local i start end
    for i in $(seq 1 "$runs"); do
        start=$EPOCHREALTIME
        ip netns exec "$ns" "$@" >/dev/null 2>&1 || true
        end=$EPOCHREALTIME
        echo "($end - $start) * 1000" | bc -l
    done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'
}

check=$(median_ms nft -c -f "$work/ruleset.nft")
list=$(median_ms nft -j list ruleset)
audit=$(median_ms "$bin" policy audit "$work/ruleset.json")
total=$(grep -c 'accept\|drop' "$work/ruleset.nft")
printf 'ruleset: %s rules (%s ordinary, the rest ICMP), JSON %s bytes\n' \
    "$total" "$rules" "$(stat -c %s "$work/ruleset.json")"
printf '%-34s %10s ms\n' "nft -c -f ruleset.nft" "$check" "nft -j list ruleset" "$list" \
    "icmpkit policy audit ruleset.json" "$audit"
printf 'audit / nft -c -f: %.2fx\n' "$(echo "$audit / $check" | bc -l)"
