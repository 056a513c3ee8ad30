#!/usr/bin/env bash
# bench/guard-live.sh [SECONDS] [ICMPKIT]: icmpkit guard -i capturing a
# flood live beside tcpdump on the same interface (issue 14's bench, second
# half; the capture-file half is bench/guard.sh).
#
# Builds the standard lab chain (lab/chain.sh; removed on exit, even on
# failure or Ctrl-C). In the client namespace hping3 sends ICMP echo
# requests to the server for SECONDS (default 5), bounded by `timeout`, as
# fast as it can (`--flood`: about 165,000 a second here, 330,000 packets a
# second with the replies), or at RATE per second when set (`-i uN`; hping3's
# timer does not reach 100,000 that way), from FLOODERS processes (default
# 1); the
# server's kernel answers each. In the server namespace, at the same time,
#
#   icmpkit guard -i s0 --json --duration SECONDS+2    (every detector)
#   tcpdump -i s0 -n -w /dev/null icmp                  (the peer: writes, no decoding)
#
# both capture requests and replies. Prints the packets each saw, the
# kernel's drops for each (the guard's summary, tcpdump's "dropped by
# kernel"), the rate the guard classified, and the aim: zero kernel drops
# for the guard at the bench's rate. Needs root and hping3. Traffic goes
# only to the lab's own namespaces.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-5}
icmpkit=${2:-$repo/target/release/icmpkit}
rate=${RATE:-flood}
target=198.51.100.2
[ "$(id -u)" -eq 0 ] || { echo "bench/guard-live.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in hping3 tcpdump; do
    command -v "$tool" >/dev/null || { echo "bench/guard-live.sh: $tool is not installed" >&2; exit 1; }
done
if [ ! -x "$icmpkit" ]; then
    (cd "$repo" && cargo build --release -p icmpkit)
fi

prefix=gl$$
tmp=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1500
client=$prefix-client server=$prefix-server
flooders=${FLOODERS:-1}
if [ "$rate" = flood ]; then
    pace=(--flood)
else
    pace=(-i "u$((1000000 / rate))")
fi

ip netns exec "$server" timeout $((seconds + 20)) "$icmpkit" guard -i s0 --json --duration $((seconds + 2)) \
    >"$tmp/guard.json" 2>"$tmp/guard.err" &
guard=$!
ip netns exec "$server" timeout $((seconds + 20)) tcpdump -i s0 -n -w /dev/null icmp 2>"$tmp/tcpdump.err" &
dump=$!
sleep 1
printf 'load before: %s (%s cores)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
for i in $(seq 1 "$flooders"); do
    ip netns exec "$client" timeout -s INT "$seconds" hping3 --icmp "${pace[@]}" -q "$target" >"$tmp/hping.$i" 2>&1 &
done
wait_flooders() { for job in $(jobs -p); do [ "$job" = "$guard" ] || [ "$job" = "$dump" ] || wait "$job" || true; done; }
wait_flooders
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
wait "$guard" || { echo "guard failed:" >&2; cat "$tmp/guard.err" >&2; exit 1; }
kill -INT "$dump" 2>/dev/null || true
wait "$dump" || true

sent=$(cat "$tmp"/hping.* | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
summary=$(tail -1 "$tmp/guard.json")
read -r g_packets g_drops g_messages g_duration findings < <(python3 -c '
import json, sys
s = json.loads(sys.argv[1])
print(s["capture"]["packets"], s["capture"]["drops"], s["messages"], s["duration_s"],
      ",".join(f["detection"] for f in s["findings"]) or "none")' "$summary")
t_captured=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$tmp/tcpdump.err")
t_drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/tcpdump.err")
printf 'hping3 (%s): %s echo requests in %s s (%s/s; asked: %s)\n' "$flooders" "$sent" "$seconds" "$((sent / seconds))" "$rate"
printf '%-8s %12s %14s\n' tool packets "kernel drops"
printf '%-8s %12s %14s\n' guard "$g_packets" "$g_drops" tcpdump "${t_captured:-?}" "${t_drops:-?}"
awk -v m="$g_messages" -v d="$g_duration" -v drops="$g_drops" 'BEGIN {
    printf "guard classified %d ICMP messages over %.2f s of traffic: %.0f per second; ", m, d, (d > 0 ? m / d : 0)
    printf "aim: no kernel drops: %s\n", (drops == 0 ? "met" : "MISSED")
}'
echo "guard findings: $findings"
