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
