#!/usr/bin/env bash
# lab/capture-corpus.sh OUTDIR - records the ICMP the Linux kernel emits.
#
# Builds   client (c0) --- (r0) router (r1) --- (s0) server
#          192.0.2.2/24     .1   198.51.100.1/24   .2      (router-server MTU 1280)
#          2001:db8:1::2/64 ::1  2001:db8:2::1/64  ::2
# in network namespaces of its own, provokes ICMP from the router's and the
# server's kernels, and records it with tcpdump in the client namespace, one
# pcap per theme, into OUTDIR. For each file it also stores tshark's
# dissection (FILE.tshark.csv) and frame count (FILE.frames) when tshark is
# installed. Every namespace is removed on exit, even on failure.
#
# Traffic goes only to addresses inside the namespaces made here. Each step is
# bounded in time; the whole run takes well under a minute.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || lab_die "usage: $0 OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in tcpdump python3 iptables ip6tables timeout; do
    command -v "$tool" >/dev/null || lab_die "$tool is not installed"
done

lab_init icorp
craft() { lab_exec client timeout 5 python3 "$here/craft.py" "$@" || lab_log "craft $* failed"; }
ping4() { lab_exec client timeout 5 ping -n -q -W 1 "$@" >/dev/null 2>&1 || true; }
ping6() { lab_exec client timeout 5 ping -6 -n -q -W 1 "$@" >/dev/null 2>&1 || true; }

# --- topology (lab_chain in lib.sh) -----------------------------------------
lab_chain 1280
# The server answers RFC 8335 PROBE and gives up reassembly after 1 second.
lab_sysctl server net.ipv4.icmp_echo_enable_probe=1 net.ipv4.ipfrag_time=1 \
    net.ipv6.ip6frag_time=1

# Routes on the router (it has no default route: anything else is "no route").
for spec in "unreachable 1" "prohibit 2" "blackhole 3" "throw 4"; do
    # shellcheck disable=SC2086 # split "type n" on purpose
    set -- $spec
    lab_route router "$1" 203.0.113.$2/32
    lab_route router -6 "$1" 2001:db8:ff::$2/128
done

# iptables REJECT on the router: one UDP port on the server per ICMP code.
v4_rejects=(icmp-net-unreachable icmp-host-unreachable icmp-port-unreachable
    icmp-proto-unreachable icmp-net-prohibited icmp-host-prohibited icmp-admin-prohibited)
v6_rejects=(icmp6-no-route icmp6-adm-prohibited icmp6-addr-unreachable
    icmp6-port-unreachable icmp6-policy-fail icmp6-reject-route)
v6_ports=()
for i in "${!v4_rejects[@]}"; do
    lab_exec router iptables -A FORWARD -p udp -d $S4 --dport $((7001 + i)) \
        -j REJECT --reject-with "${v4_rejects[$i]}"
done
for i in "${!v6_rejects[@]}"; do
    if lab_exec router ip6tables -A FORWARD -p udp -d $S6 --dport $((7101 + i)) \
        -j REJECT --reject-with "${v6_rejects[$i]}" 2>/dev/null; then
        v6_ports+=($((7101 + i)))
    else
        lab_log "ip6tables has no --reject-with ${v6_rejects[$i]}: skipped"
    fi
done

# Warm up: both paths work before anything is recorded.
ping4 -c 1 $S4
ping6 -c 1 $S6

# --- themes -------------------------------------------------------------------
theme_echo() {
    ping4 -c 2 -i 0.2 $S4
    ping6 -c 2 -i 0.2 $S6
}

theme_reject_v4() {
    local i
    for i in "${!v4_rejects[@]}"; do craft udp $S4 $((7001 + i)); done
}

theme_reject_v6() {
    local port
    for port in "${v6_ports[@]}"; do craft udp $S6 "$port"; done
}

theme_routes() {
    local n
    for n in 1 2 3 4 99; do
        ping4 -c 1 203.0.113.$n
        ping6 -c 1 2001:db8:ff::$n
    done
}

theme_port_proto_unreachable() {
    craft udp $S4 9
    craft udp $S6 9
    craft proto $S4 253 # no such protocol: the server sends Protocol Unreachable
}

theme_too_big() {
    ping4 -c 1 -M do -s 1400 $S4 # DF over the 1280-byte link: Fragmentation Needed
    ping6 -c 1 -M do -s 1400 $S6 # Packet Too Big
}

theme_time_exceeded() {
    ping4 -c 1 -t 1 $S4 # TTL 1: the router's Time Exceeded in transit
    ping6 -c 1 -t 1 $S6
    craft first-fragment $S4 # the rest never comes: reassembly time exceeded
    craft first-fragment $S6
    sleep 2.5
}

theme_parameter_problem() {
    craft bad-option $S4      # the router rejects a Record Route pointer of 2
    craft proto $S6 253       # unknown next header: code 1
    craft dst-option $S6 0x9e # unrecognised option, action bits 10: code 2
}

theme_timestamp() {
    craft timestamp $S4
    craft timestamp $RS4
}

theme_probe() {
    craft probe $S4 name lo
    craft probe $S4 name s0
    craft probe $S4 index 1
    craft probe $S4 addr $S4
    craft probe $S4 addr $S6
    craft probe $S4 name nope0
    craft probe $S4 bad 1
    craft probe $S6 name lo
    craft probe $S6 index 2
    craft probe $S6 addr $S6
    craft probe $S6 name nope0
}

theme_ipv4_options() {
    # Options Linux refuses (each answered by Parameter Problem, its pointer
    # at the offending byte; lab/craft-options.py) and one it takes.
    lab_exec client timeout 5 python3 "$here/craft-options.py" $S4 \
        44020000 44030500 4408040000000000 4408050100000000 440405f0 \
        07020000 07030200 0707050000000000 0703040703040000 \
        83020000 89030200 94020000 01820100 01010107 01010728 \
        4404050044040500 0707040000000000 ||
        lab_log "craft-options failed"
    sleep 0.5
}

theme_fragmented() {
    # 3000 bytes of data: fragmented by the client (MTU 1500) and the
    # server's reply (1280 on its link); each is one message to reassemble.
    ping4 -c 1 -s 3000 $S4
    ping6 -c 1 -s 3000 $S6
}

FILTER='icmp or icmp6'
DEADLINE=120 # seconds for the whole run; a normal one takes about 30
# record FILE THEME [TCPDUMP-ARGS...]: runs THEME while tcpdump writes FILE.
record() {
    local file=$1 theme=$2
    shift 2
    [ "$SECONDS" -lt "$DEADLINE" ] || lab_die "over ${DEADLINE}s: stopping before $file"
    lab_log "recording $file"
    rm -f "$out/$file"
    lab_capture_start client "$out/$file" -Z root "$@" "$FILTER"
    "$theme"
    lab_capture_stop
}

record echo.pcap theme_echo -i c0
record reject-v4.pcap theme_reject_v4 -i c0
record reject-v6.pcap theme_reject_v6 -i c0
record routes.pcap theme_routes -i c0
record port-proto-unreachable.pcap theme_port_proto_unreachable -i c0
record too-big.pcap theme_too_big -i c0
record time-exceeded.pcap theme_time_exceeded -i c0
record parameter-problem.pcap theme_parameter_problem -i c0
record timestamp-nanosecond.pcap theme_timestamp -i c0 --time-stamp-precision=nano
record probe.pcap theme_probe -i c0
record ipv4-options.pcap theme_ipv4_options -i c0
# `icmp6` sees only the fixed header: IPv6 fragments need their own test.
FILTER='icmp or icmp6 or ip6[6] == 44' record fragmented.pcap theme_fragmented -i c0
record echo-any-sll2.pcap theme_echo -i any -y LINUX_SLL2
record reject-v4-any-sll.pcap theme_reject_v4 -i any -y LINUX_SLL

# pcapng copies: one converted, one merged from two link types (two interfaces).
if command -v editcap >/dev/null && command -v mergecap >/dev/null; then
    editcap -F pcapng "$out/reject-v6.pcap" "$out/reject-v6.pcapng"
    mergecap -F pcapng -w "$out/echo-mixed-links.pcapng" "$out/echo.pcap" "$out/echo-any-sll2.pcap"
else
    lab_log "editcap/mergecap missing: no pcapng copies"
fi

# tshark's view of each file, for tests that run where tshark is missing.
if command -v tshark >/dev/null; then
    for f in "$out"/*.pcap "$out"/*.pcapng; do
        tshark -r "$f" -Y 'icmp or icmpv6' -T fields -e frame.number -e icmp.type \
            -e icmp.code -e icmp.checksum.status -e icmpv6.type -e icmpv6.code \
            -e icmpv6.checksum.status -E separator=, >"$f.tshark.csv" 2>/dev/null
        tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l | tr -d ' ' >"$f.frames"
    done
else
    lab_log "tshark missing: no .tshark.csv or .frames files"
fi
lab_log "done: $(ls "$out" | wc -l) files in $out"
