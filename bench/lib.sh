# Shared by the bench scripts: source it, then call these.

# icmpkit_binary REPO: the icmpkit to measure: $ICMPKIT when set, else the
# release build of REPO (built now, quietly).
icmpkit_binary() {
    if [ -n "${ICMPKIT:-}" ]; then
        echo "$ICMPKIT"
    else
        cargo build --release -q -p icmpkit --manifest-path "$1/Cargo.toml" >&2
        echo "$1/target/release/icmpkit"
    fi
}

# median_stats FILE: "median_seconds peak_kb runs" of the "seconds kb" lines
# GNU time wrote into FILE (one per run).
median_stats() {
    sort -n "$1" | awk '{t[NR]=$1; if ($2 > m) m=$2} END {printf "%s %s %d\n", t[int((NR+1)/2)], m, NR}'
}

# ratio A B: A / B as "0.12x", or "n/a" when B is 0.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3fx", a / b; else print "n/a" }'
}

# traffic_bench NAME REPO HERE MEGABYTES: what bench/decode.sh and
# bench/guard.sh set up alike: tshark, tcpdump and GNU time present (else
# NAME says which is missing), the icmpkit to measure in $bin, a temporary
# directory $work removed on exit, and bench/traffic-capture.py's capture of
# MEGABYTES in $capture with its first quarter in $quarter.
traffic_bench() {
    local name=$1 repo=$2 here=$3 megabytes=$4 tool
    for tool in tshark tcpdump; do
        command -v "$tool" >/dev/null || { echo "$name: $tool is not installed" >&2; exit 1; }
    done
    [ -x /usr/bin/time ] || { echo "$name: needs /usr/bin/time (GNU time)" >&2; exit 1; }
    # shellcheck disable=SC2034 # bin, capture and quarter are the caller's
    bin=$(icmpkit_binary "$repo")
    work=$(mktemp -d)
    # shellcheck disable=SC2064 # $work is fixed now
    trap "rm -rf '$work'" EXIT
    # shellcheck disable=SC2034
    capture=$work/traffic.pcap
    # shellcheck disable=SC2034
    quarter=$work/quarter.pcap
    printf 'load before: %s (%s cores)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
    python3 "$here/traffic-capture.py" "$capture" "$megabytes" "$quarter" $((megabytes / 4))
}
