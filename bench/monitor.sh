#!/usr/bin/env bash
# bench/monitor.sh [ICMPKIT]: icmpkit monitor beside smokeping_prober on the
# same 10,000 targets, one probe per second each: CPU, RSS, samples lost,
# and icmpkit's history bytes per target per day.
#
# Lab: lab/chain.sh (client - router - server; removed on exit, even on
# failure or Ctrl-C), the server answering every address of 198.18.0.0/18
# (lab_anyip: `ip route add local 198.18.0.0/18 dev lo`, RFC 2544's
# benchmarking range), routed there by the router. Targets: the first
# TARGETS of 198.18.0.1 ... 198.18.39.250 (250 per /24, no .0 or .255).
#
# Each prober runs alone in the client namespace for DURATION seconds, one
# after the other (ONLY=smokeping or ONLY=icmpkit runs one of them):
#
#   prometheus-smokeping-prober --config.file=F --web.listen-address=127.0.0.1:P
#       (F: the targets at `interval: 1s`, `protocol: udp`, i.e. ping
#       sockets, one per target; SMOKEPING_PRIVILEGED=1: raw sockets,
#       `protocol: icmp --privileged`, each of which sees every reply)
#   icmpkit monitor --listen 127.0.0.1:P --config F
#       (F: the targets, `interval = "1s"`, `step = "60s"`, history in the
#       run's temporary directory)
#
# DURATION counts from the moment a prober serves /metrics (how long that
# took is printed: smokeping_prober starts its pingers one by one, and
# serves nothing before). Measured from /proc/PID: CPU seconds (utime +
# stime) over the steady part (after WARMUP seconds, default a tenth of
# DURATION, at most 60) and in all, start-up included; RSS every SAMPLE
# seconds (default 10): peak (VmHWM) and steady (median of VmRSS after the
# warm-up). /metrics is read only at the end of
# the warm-up and at the end, outside the CPU window, so that the scrape's
# cost (tens of MB of text for 10,000 targets) is not counted; a real
# Prometheus scraping every 15 s would add to both.
#
# Samples lost: smokeping_prober's smokeping_requests_total minus
# smokeping_response_duration_seconds_count, summed over targets, from
# the start (a request still in flight at the scrape counts as
# unanswered, up to one per target), and the rates sent and answered in
# the steady window (whether it keeps up with TARGETS per second). For
# icmpkit the same rates come from icmpkit_monitor_probes_sent_total and
# _received_total (counted as each probe's sample reaches the daemon's
# steps); its samples lost are exact, from the line it logs when it stops
# ("probes: S sent, T settled (F in flight at the stop), R recorded in
# steps, W written to the history (L late)"): the probes sent whose
# outcome (reply or timeout) never reached a step written to the history,
# S - F - W, the F probes still unanswered when SIGTERM came aside (up to
# one per target). History: `du -sb` of icmpkit's data directory after
# it stopped, per target, scaled to a day.
#
# Beside icmpkit's run, a second icmpkit monitor probes the first BASE
# (100) targets from its own data directory; its RSS is sampled with the
# first's, and "RSS per added target" is the difference of their medians
# over the targets added: the binary, libraries, runtime and fixed
# buffers, ~10 MB whatever the targets, left out.
#
# Environment: TARGETS (10000), BASE (100), DURATION (600), WARMUP, SAMPLE (10), ONLY,
# SMOKEPING_PRIVILEGED, ICMPKIT (the binary; default the release build,
# built when missing, or the first argument). Needs root, curl and
# prometheus-smokeping-prober. Traffic stays inside the lab's namespaces.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
targets=${TARGETS:-10000}
duration=${DURATION:-600}
warmup=${WARMUP:-$((duration / 10 < 60 ? duration / 10 : 60))}
sample=${SAMPLE:-10}
only=${ONLY:-}
smokeping=prometheus-smokeping-prober

SENT_METRIC=icmpkit_monitor_probes_sent_total
RECEIVED_METRIC=icmpkit_monitor_probes_received_total

die() { echo "bench/monitor.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
if [ "$targets" -lt 1 ] || [ "$targets" -gt 10000 ]; then die "TARGETS is 1 to 10000, not $targets"; fi
[ "$duration" -gt "$warmup" ] || die "DURATION ($duration) must exceed WARMUP ($warmup)"
command -v curl >/dev/null || die "curl is not installed"
case $only in
    "" | smokeping | icmpkit) ;;
    *) die "ONLY is smokeping or icmpkit, not $only" ;;
esac
if [ "$only" != icmpkit ]; then
    command -v "$smokeping" >/dev/null || die "$smokeping is not installed"
fi
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
if [ "$only" != smokeping ]; then
    if [ -n "${1:-}" ]; then bin=$1; else bin=$(icmpkit_binary "$repo"); fi
fi
# Each target a socket for smokeping_prober (and files for the history).
ulimit -n "$(ulimit -Hn)"

prefix=monb$$
client_ns=$prefix-client
work=$(mktemp -d)
pid=
base_pid=
base=${BASE:-100}
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [ -n "$base_pid" ]; then kill -TERM "$base_pid" 2>/dev/null || true; wait "$base_pid" 2>/dev/null || true; fi
    "$repo/lab/chain.sh" down "$prefix" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1500 >/dev/null
(
    # shellcheck source=lab/lib.sh
    . "$repo/lab/lib.sh"
    LAB_PREFIX=$prefix
    lab_anyip server 198.18.0.0/18
    lab_route router 198.18.0.0/18 via 198.51.100.2
    lab_sysctl client "net.ipv4.ping_group_range=0 2147483647"
)
for i in $(seq 0 $((targets - 1))); do
    echo "198.18.$((i / 250)).$((i % 250 + 1))"
done >"$work/targets"

# The two configurations.
{
    echo "targets:"
    echo "- hosts:"
    sed 's/^/  - /' "$work/targets"
    echo "  interval: 1s"
    echo "  network: ip4"
    if [ -n "${SMOKEPING_PRIVILEGED:-}" ]; then echo "  protocol: icmp"; else echo "  protocol: udp"; fi
    echo "  size: 56"
} >"$work/smokeping.yml"
{
    echo 'agent = "bench"'
    echo "data_dir = \"$work/icmpkit-data\""
    echo
    echo "[defaults]"
    echo 'step = "60s"'
    echo 'interval = "1s"'
    echo 'timeout = "1s"'
    echo 'size = 56'
    echo 'family = "ipv4"'
    n=0
    while read -r address; do
        n=$((n + 1))
        printf '\n[[target]]\nname = "t%05d"\nhost = "%s"\n' "$n" "$address"
    done <"$work/targets"
} >"$work/icmpkit.toml"
# The baseline: the same file's first BASE targets, its own history.
awk -v n="$base" -v dir="$work/base-data" '
    /^data_dir/ { print "data_dir = \"" dir "\""; next }
    /^\[\[target\]\]/ { if (++t > n) exit }
    { print }' "$work/icmpkit.toml" >"$work/base.toml"

clk=$(getconf CLK_TCK)
steady=$((duration - warmup))
# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat; the
# command name in parentheses may hold spaces, so count after it).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# status_kb PID FIELD: VmRSS or VmHWM in kB.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# metric_sum FILE NAME: the sum of NAME's samples in a /metrics text.
metric_sum() { awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f", s }' "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
scrape() { ip netns exec "$client_ns" curl -sf --max-time 60 "http://127.0.0.1:$1/metrics" >"$2"; }

# run NAME PORT CMD...: starts CMD in the client namespace, waits for its
# /metrics (STARTUP seconds at most, default 600: smokeping_prober serves
# only once every pinger started), then measures it for $duration seconds
# from there and stops it; writes $work/NAME.result ("startup_s
# cpu_ticks_total cpu_ticks_steady hwm_kb steady_rss_kb") and $work/NAME.warm
# and NAME.end (its /metrics at the end of the warm-up and at the end).
run() {
    local name=$1 port=$2 launched start ticks_warm ticks_end rss
    shift 2
    ip netns exec "$client_ns" "$@" >"$work/$name.log" 2>&1 &
    pid=$!
    launched=$(date +%s)
    until scrape "$port" /dev/null 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$work/$name.log" >&2; die "$name exited"; }
        if [ $(($(date +%s) - launched)) -ge "${STARTUP:-600}" ]; then
            tail -20 "$work/$name.log" >&2
            die "$name did not serve /metrics within ${STARTUP:-600} s"
        fi
        sleep 0.5
    done
    start=$(date +%s)
    printf '%s: serving %d s after its start; warm-up %d s, then %d s measured\n' \
        "$name" $((start - launched)) "$warmup" "$steady"
    sleep "$warmup"
    scrape "$port" "$work/$name.warm"
    ticks_warm=$(cpu_ticks "$pid")
    : >"$work/$name.rss"
    while [ $(($(date +%s) - start)) -lt "$duration" ]; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$work/$name.log" >&2; die "$name exited"; }
        status_kb "$pid" VmRSS >>"$work/$name.rss"
        if [ -n "$base_pid" ]; then status_kb "$base_pid" VmRSS >>"$work/base.rss"; fi
        sleep "$sample"
    done
    ticks_end=$(cpu_ticks "$pid")
    rss=$(sort -n "$work/$name.rss" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$((start - launched)) $ticks_end $((ticks_end - ticks_warm)) $(status_kb "$pid" VmHWM) $rss" >"$work/$name.result"
    scrape "$port" "$work/$name.end"
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
}

echo "monitor bench: $targets targets at 1 probe/s, $duration s each ($steady s steady); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# report NAME WARM_SENT WARM_RECEIVED END_SENT END_RECEIVED: one line;
# sets cpu_NAME and rss_NAME. Rates in the steady window (the difference
# of the two scrapes: a prober that lags answers more than it sends there,
# catching up); unanswered in all.
report() {
    local name=$1 sent=$4 received=$5 startup total steadyt hwm rss
    local window_sent=$(($4 - $2)) window_received=$(($5 - $3))
    read -r startup total steadyt hwm rss <"$work/$name.result"
    printf '%-10s started in %d s; CPU %.1f s in all, %.3f cores steady; RSS peak %d MB, steady %d MB (%.0f B/target)\n' \
        "$name" "$startup" "$(awk -v t="$total" -v c="$clk" 'BEGIN { print t / c }')" \
        "$(awk -v t="$steadyt" -v c="$clk" -v s="$steady" 'BEGIN { print t / c / s }')" \
        $((hwm / 1024)) $((rss / 1024)) "$(awk -v r="$rss" -v n="$targets" 'BEGIN { print r * 1024 / n }')"
    printf '%-10s steady: sent %.0f/s (of %d/s), answered %.0f/s; in all: sent %d, unanswered %d (%.2f %%; up to %d of them in flight)\n' \
        "$name" "$(awk -v n="$window_sent" -v s="$steady" 'BEGIN { print n / s }')" "$targets" \
        "$(awk -v n="$window_received" -v s="$steady" 'BEGIN { print n / s }')" "$sent" $((sent - received)) \
        "$(awk -v u=$((sent - received)) -v n="$sent" 'BEGIN { print n ? 100 * u / n : 0 }')" "$targets"
    printf -v "cpu_$name" '%s' "$steadyt"
    printf -v "rss_$name" '%s' "$rss"
}

# counts NAME SENT_METRIC RECEIVED_METRIC: the four numbers report takes.
counts() {
    echo "$(metric_sum "$work/$1.warm" "$2") $(metric_sum "$work/$1.warm" "$3")" \
        "$(metric_sum "$work/$1.end" "$2") $(metric_sum "$work/$1.end" "$3")"
}

if [ "$only" != icmpkit ]; then
    port=$(free_port)
    args=(--config.file="$work/smokeping.yml" --web.listen-address="127.0.0.1:$port")
    [ -z "${SMOKEPING_PRIVILEGED:-}" ] || args+=(--privileged)
    run smokeping "$port" "$smokeping" "${args[@]}"
    # shellcheck disable=SC2046 # four numbers
    report smokeping $(counts smokeping smokeping_requests_total smokeping_response_duration_seconds_count)
fi
if [ "$only" != smokeping ]; then
    ip netns exec "$client_ns" "$bin" monitor --listen "127.0.0.1:$(free_port)" --config "$work/base.toml" \
        >"$work/base.log" 2>&1 &
    base_pid=$!
    : >"$work/base.rss"
    port=$(free_port)
    run icmpkit "$port" "$bin" monitor --listen "127.0.0.1:$port" --config "$work/icmpkit.toml"
    kill -TERM "$base_pid"
    wait "$base_pid" || true
    base_pid=
    # shellcheck disable=SC2046 # four numbers
    report icmpkit $(counts icmpkit "$SENT_METRIC" "$RECEIVED_METRIC")
    base_rss=$(sort -n "$work/base.rss" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf 'icmpkit    RSS of %d targets beside it, steady %d kB: %.0f B per added target\n' "$base" "$base_rss" \
        "$(awk -v r="$rss_icmpkit" -v b="$base_rss" -v n=$((targets - base)) 'BEGIN { print (r - b) * 1024 / n }')"
    line=$(grep -o 'probes: .*' "$work/icmpkit.log" | tail -1)
    [ -n "$line" ] || { tail -20 "$work/icmpkit.log" >&2; die "icmpkit did not log its probes at the stop"; }
    # shellcheck disable=SC2046 # the numbers of the line, in order
    set -- $(echo "$line" | tr -c '0-9\n' ' ')
    printf 'icmpkit    at the stop: %d sent, %d in flight, %d settled, %d recorded in steps, %d written to the history, %d late: samples lost %d\n' \
        "$1" "$3" "$2" "$4" "$5" "$6" $(($1 - $3 - $5))
    bytes=$(du -sb "$work/icmpkit-data" | cut -f1)
    printf 'icmpkit    history %d bytes: %.0f bytes per target per day\n' "$bytes" \
        "$(awk -v b="$bytes" -v n="$targets" -v d="$duration" 'BEGIN { print b / n * 86400 / d }')"
fi
if [ -z "$only" ]; then
    # shellcheck disable=SC2154 # set by report
    printf 'icmpkit/smokeping_prober: steady CPU %s, steady RSS %s\n' \
        "$(ratio "$cpu_icmpkit" "$cpu_smokeping")" "$(ratio "$rss_icmpkit" "$rss_smokeping")"
fi
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
