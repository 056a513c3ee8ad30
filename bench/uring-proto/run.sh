#!/usr/bin/env bash
# bench/uring-proto/run.sh [PAIRS] [COUNT]: paired task-clock of the prototype's modes
# and iputils ping -f, in turns (the order rotates each turn), in the lab chain's client
# namespace; prints each mode's median and the median of its pair ratios against mode a
# and against iputils; then strace -c of modes a and b (20,000 probes). Builds the
# standard chain (lab/chain.sh) and removes it on exit, even on failure. Traffic goes
# only to 198.51.100.2 inside the lab. Needs root, perf, strace, iputils ping.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
pairs=${1:-12}
count=${2:-100000}
[ "$pairs" -le 100 ] && [ "$count" -le 1000000 ] || { echo "at most 100 pairs of 1,000,000" >&2; exit 2; }
(cd "$here" && cargo build --release -q)
bin=$here/target/release/uringproto
prefix=up$$
tmp=$(mktemp -d)
cleanup() { "$repo/lab/chain.sh" down "$prefix" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/lab/chain.sh" up "$prefix" 1280 >/dev/null
ns="ip netns exec $prefix-client timeout 120"
tuned="RR=1 FIXED=1 UFLAGS=dtns"
names=(a b_linked_lt b_unlinked_tuned m_multishot iputils)
cmds=("$bin a $count" "LT=1 $bin b $count" "LT=0 LINK=0 $tuned $bin b $count"
      "$bin m $count" "ping -f -q -c $count 198.51.100.2")
k=${#names[@]}
for i in $(seq "$pairs"); do
    for j in $(seq 0 $((k - 1))); do
        idx=$(((i + j) % k))
        # shellcheck disable=SC2086 # the command line splits on purpose
        perf stat -x, -e task-clock -o "$tmp/ps" $ns env ${cmds[$idx]} >/dev/null 2>"$tmp/err" ||
            { cat "$tmp/err" >&2; exit 1; }
        echo "$i ${names[$idx]} $(grep task-clock "$tmp/ps" | cut -d, -f1)" >>"$tmp/tc"
    done
done
python3 - "$tmp/tc" <<'PY'
import sys, statistics as s, collections
d = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    i, n, t = line.split(); d[int(i)][n] = float(t)
names = sorted({n for r in d.values() for n in r})
for n in names:
    v = [r[n] for r in d.values() if n in r]
    print(f"{n:18s} task-clock median {s.median(v):7.1f} ms (min {min(v):.1f}, max {max(v):.1f})")
for base in ("a", "iputils"):
    for n in names:
        if n == base: continue
        r = sorted(x[n] / x[base] for x in d.values() if n in x and base in x)
        print(f"{n}/{base}: median of {len(r)} pair ratios {s.median(r):.3f} ({r[0]:.3f}-{r[-1]:.3f})")
PY
for m in a b; do
    echo "strace -c, mode $m, 20,000 probes:"
    $ns strace -c -f "$bin" $m 20000 2>&1 | grep -E "sendto|recvmsg|io_uring_enter|mode" || true
done
