# shellcheck shell=bash
# lab/lib.sh - helpers for small network labs built from Linux network namespaces.
#
# Source it from a bash script run as root:
#
#   . "$(dirname "$0")/lib.sh"
#   lab_init myprefix            # unique prefix "myprefix<pid>", cleanup trap on EXIT
#   lab_ns client; lab_ns router
#   lab_link client c0 router r0
#   lab_addr client c0 192.0.2.2/24; lab_addr router r0 192.0.2.254/24
#   lab_exec client ping -c1 -W1 192.0.2.254
#
# Every namespace made with lab_ns is deleted by lab_cleanup, which lab_init
# installs as the EXIT/INT/TERM trap, so a failing script leaves nothing behind.
# Namespace names are "<prefix><pid>-<name>": several labs can run at once.
#
# Traffic rule: labs only ever address loopback or addresses inside their own
# namespaces. Use the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32) so nothing could be mistaken for a real host.

LAB_PREFIX=${LAB_PREFIX:-}
LAB_NAMESPACES=()
LAB_PIDS=()
LAB_TMP=

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

# lab_init [PREFIX]: picks the unique prefix, makes a scratch directory
# ($LAB_TMP) and installs the cleanup trap.
lab_init() {
    [ "$(id -u)" -eq 0 ] || lab_die "labs need root (network namespaces)"
    command -v ip >/dev/null || lab_die "iproute2 (ip) is not installed"
    LAB_PREFIX="${1:-lab}$$"
    LAB_TMP=$(mktemp -d "/tmp/$LAB_PREFIX.XXXXXX")
    trap lab_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# lab_init_exact PREFIX: like lab_init, but PREFIX is used as it is and no
# cleanup trap is left behind on success: for a program (a test, a benchmark)
# that owns the lab's life and removes it later with `lab/chain.sh down`.
# A failure while building still removes what was made.
lab_init_exact() {
    [ "$(id -u)" -eq 0 ] || lab_die "labs need root (network namespaces)"
    command -v ip >/dev/null || lab_die "iproute2 (ip) is not installed"
    [ -n "${1:-}" ] || lab_die "lab_init_exact needs a prefix"
    LAB_PREFIX=$1
    LAB_TMP=
    trap lab_cleanup EXIT
}

# lab_keep: the lab outlives this script (drops the cleanup trap).
lab_keep() { trap - EXIT; }

# lab_down PREFIX: deletes every namespace whose name starts with "PREFIX-".
lab_down() {
    local ns
    for ns in $(ip netns list | awk '{print $1}'); do
        case $ns in "$1"-*) ip netns del "$ns" 2>/dev/null || true ;; esac
    done
}

# lab_host [MTU]: one namespace, host, with only loopback (up): a place of
# its own for a test's sockets, away from the host's loopback traffic. MTU is
# accepted for lab_main and ignored.
lab_host() {
    lab_ns host
}

# lab_chain [MTU]: the standard chain, in namespaces client, router, server:
#
#   client (c0) --- (r0) router (r1) --- (s0) server
#   192.0.2.2/24     .1   198.51.100.1/24   .2      (router-server MTU, default 1280)
#   2001:db8:1::2/64 ::1  2001:db8:2::1/64  ::2
#
# with forwarding on the router, neighbours pinned, and no ICMP rate limits
# on router and server. Sets C4 R4 RS4 S4 C6 R6 RS6 S6 to the addresses.
lab_chain() {
    local mtu=${1:-1280} ns
    C4=192.0.2.2 R4=192.0.2.254 RS4=198.51.100.1 S4=198.51.100.2
    C6=2001:db8:1::2 R6=2001:db8:1::1 RS6=2001:db8:2::1 S6=2001:db8:2::2
    lab_ns client
    lab_ns router
    lab_ns server
    lab_wire client c0 $C4/24 $C6/64 router r0 $R4/24 $R6/64
    lab_wire router r1 $RS4/24 $RS6/64 server s0 $S4/24 $S6/64 "$mtu"
    lab_route client default via $R4
    lab_route client -6 default via $R6
    lab_route server default via $RS4
    lab_route server -6 default via $RS6
    lab_forwarding router
    for ns in router server; do
        lab_icmp_unlimited $ns
    done
}

# lab_trace [MTU]: the traceroute lab, in namespaces client, r1, r2, r3a, r3b,
# r4, server. r2 forks over two equal-cost branches that meet again at r4:
#
#                               .5  .6     .13  .14
#                             +------ r3a ------+
#   client --- r1 ------- r2 <                   > r4 ------- server
#                             +------ r3b ------+
#                               .9  .10    .17  .18
#
#   link            IPv4                 IPv6               ends (first, second)
#   client - r1     192.0.2.0/24         2001:db8:1::/64    .2 ::2,  .254 ::1
#   r1 - r2         203.0.113.0/30       2001:db8:12::/64   .1 ::1,  .2 ::2
#   r2 - r3a        203.0.113.4/30       2001:db8:23a::/64  .5 ::1,  .6 ::2
#   r2 - r3b        203.0.113.8/30       2001:db8:23b::/64  .9 ::1,  .10 ::2
#   r3a - r4        203.0.113.12/30      2001:db8:3a4::/64  .13 ::1, .14 ::2
#   r3b - r4        203.0.113.16/30      2001:db8:3b4::/64  .17 ::1, .18 ::2
#   r4 - server     198.51.100.0/24      2001:db8:2::/64    .1 ::1,  .2 ::2  (MTU, default 1280)
#
# Interfaces: c0 in client, s0 in server; in a router each is named after
# the namespace at its other end (r2's are r1, r3a, r3b). Every router has a
# static route to every lab subnet; client and server route by default to
# their neighbour. r2 reaches the server's subnet over a multipath route
# (nexthop via r3a nexthop via r3b, both families) hashed on addresses,
# protocol and ports, so flows with different ports take different branches
# and one flow always the same one; r3a-r4 and r3b-r4 it reaches directly.
# Everything toward the client takes one path (r4 -> r3a -> r2 -> r1).
#
# The address a hop answers from, as measured: over IPv4 the address of the
# router's interface back toward the client (its route to the client), so a
# trace from the client shows R1_4 R2_4, then R3A_4 or R3B_4, then R4_4 even
# for probes that came through r3b, then S4. Over IPv6 the address of the
# interface the probe came in on: R1_6 R2_6, R3A_6 or R3B_6, then R4_6 after
# r3a but R4_R3B_6 after r3b, then S6.
#
# Forwarding on all routers, rp_filter off (r4 hears the client on both
# branches), neighbours pinned, no ICMP rate limits on routers and server,
# and client and server compute checksums before sending (no veth checksum
# offload), so the packet a router quotes carries its real checksum, as on a
# wire. Sets C4 R1_4 R2_4 R3A_4 R3B_4 R4_4 S4 (each router's client-side
# address), the far ends R1_R2_4 R2_R3A_4 R2_R3B_4 R3A_R4_4 R3B_R4_4
# R4_R3B_4 R4_S_4 (X_Y_4: X's address toward Y), and the same names ending
# in 6 for IPv6.
#
# Over IPv4, unreachable and prohibit routes answer through the kernel's
# route errors, which keep their own limit per source (net.ipv4.route.
# error_cost and error_burst, one setting for the whole host, left alone
# here): a trace into such a route sees most of its errors go missing.
lab_trace() {
    local mtu=${1:-1280} ns
    C4=192.0.2.2 R1_4=192.0.2.254
    R1_R2_4=203.0.113.1 R2_4=203.0.113.2
    R2_R3A_4=203.0.113.5 R3A_4=203.0.113.6
    R2_R3B_4=203.0.113.9 R3B_4=203.0.113.10
    R3A_R4_4=203.0.113.13 R4_4=203.0.113.14
    R3B_R4_4=203.0.113.17 R4_R3B_4=203.0.113.18
    R4_S_4=198.51.100.1 S4=198.51.100.2
    C6=2001:db8:1::2 R1_6=2001:db8:1::1
    R1_R2_6=2001:db8:12::1 R2_6=2001:db8:12::2
    R2_R3A_6=2001:db8:23a::1 R3A_6=2001:db8:23a::2
    R2_R3B_6=2001:db8:23b::1 R3B_6=2001:db8:23b::2
    R3A_R4_6=2001:db8:3a4::1 R4_6=2001:db8:3a4::2
    R3B_R4_6=2001:db8:3b4::1 R4_R3B_6=2001:db8:3b4::2
    R4_S_6=2001:db8:2::1 S6=2001:db8:2::2
    local n1_4=192.0.2.0/24 n12_4=203.0.113.0/30 n23a_4=203.0.113.4/30
    local n23b_4=203.0.113.8/30 n3a4_4=203.0.113.12/30 n3b4_4=203.0.113.16/30
    local n2_4=198.51.100.0/24
    local n1_6=2001:db8:1::/64 n12_6=2001:db8:12::/64 n23a_6=2001:db8:23a::/64
    local n23b_6=2001:db8:23b::/64 n3a4_6=2001:db8:3a4::/64 n3b4_6=2001:db8:3b4::/64
    local n2_6=2001:db8:2::/64
    for ns in client r1 r2 r3a r3b r4 server; do
        lab_ns $ns
    done
    for ns in r1 r2 r3a r3b r4; do
        # r4 gets the client's packets on both branches but answers on one.
        lab_sysctl $ns net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    done
    lab_wire client c0 $C4/24 $C6/64 r1 client $R1_4/24 $R1_6/64
    lab_wire r1 r2 $R1_R2_4/30 $R1_R2_6/64 r2 r1 $R2_4/30 $R2_6/64
    lab_wire r2 r3a $R2_R3A_4/30 $R2_R3A_6/64 r3a r2 $R3A_4/30 $R3A_6/64
    lab_wire r2 r3b $R2_R3B_4/30 $R2_R3B_6/64 r3b r2 $R3B_4/30 $R3B_6/64
    lab_wire r3a r4 $R3A_R4_4/30 $R3A_R4_6/64 r4 r3a $R4_4/30 $R4_6/64
    lab_wire r3b r4 $R3B_R4_4/30 $R3B_R4_6/64 r4 r3b $R4_R3B_4/30 $R4_R3B_6/64
    lab_wire r4 server $R4_S_4/24 $R4_S_6/64 server s0 $S4/24 $S6/64 "$mtu"
    lab_route client default via $R1_4
    lab_route client -6 default via $R1_6
    lab_route server default via $R4_S_4
    lab_route server -6 default via $R4_S_6
    lab_routes r1 $R2_4 $n23a_4 $n23b_4 $n3a4_4 $n3b4_4 $n2_4
    lab_routes r1 $R2_6 $n23a_6 $n23b_6 $n3a4_6 $n3b4_6 $n2_6
    lab_routes r2 $R1_R2_4 $n1_4
    lab_routes r2 $R1_R2_6 $n1_6
    lab_routes r2 $R3A_4 $n3a4_4
    lab_routes r2 $R3A_6 $n3a4_6
    lab_routes r2 $R3B_4 $n3b4_4
    lab_routes r2 $R3B_6 $n3b4_6
    lab_route r2 $n2_4 nexthop via $R3A_4 nexthop via $R3B_4
    lab_route r2 -6 $n2_6 nexthop via $R3A_6 nexthop via $R3B_6
    # Hash on the 5-tuple (fields 0x37: addresses, protocol, ports). Policy 1
    # would too, but it first takes any hash the packet already carries, and
    # over veth a packet keeps the hash its sender's socket gave it (random
    # per socket for IPv6 UDP): the same ports would then take either branch.
    lab_sysctl r2 net.ipv4.fib_multipath_hash_policy=3 net.ipv6.fib_multipath_hash_policy=3 \
        net.ipv4.fib_multipath_hash_fields=0x0037 net.ipv6.fib_multipath_hash_fields=0x0037
    lab_routes r3a $R2_R3A_4 $n1_4 $n12_4 $n23b_4
    lab_routes r3a $R2_R3A_6 $n1_6 $n12_6 $n23b_6
    lab_routes r3a $R4_4 $n3b4_4 $n2_4
    lab_routes r3a $R4_6 $n3b4_6 $n2_6
    lab_routes r3b $R2_R3B_4 $n1_4 $n12_4 $n23a_4
    lab_routes r3b $R2_R3B_6 $n1_6 $n12_6 $n23a_6
    lab_routes r3b $R4_R3B_4 $n3a4_4 $n2_4
    lab_routes r3b $R4_R3B_6 $n3a4_6 $n2_6
    lab_routes r4 $R3A_R4_4 $n1_4 $n12_4 $n23a_4
    lab_routes r4 $R3A_R4_6 $n1_6 $n12_6 $n23a_6
    lab_routes r4 $R3B_R4_4 $n23b_4
    lab_routes r4 $R3B_R4_6 $n23b_6
    lab_tx_checksum_off client c0
    lab_tx_checksum_off server s0
    for ns in r1 r2 r3a r3b r4; do
        lab_forwarding $ns
        lab_icmp_unlimited $ns
    done
    lab_icmp_unlimited server
}

# lab_monitor [MTU]: the monitoring lab, for `icmpkit monitor` and its peers
# (smokeping_prober, blackbox_exporter, Prometheus), in namespaces agent,
# agent2, router, targets, pa, pb and far:
#
#   agent  (a0) --.                          .-- (s0) targets: clean, lossy, dead
#                  >-- router --------------<
#   agent2 (a0) --'                 |        '-- (pa) pa --.
#                                   '----------- (pb) pb ---+-- far: moving
#
#   target   IPv4             IPv6             what it does
#   clean    198.51.100.10    2001:db8:2::10   answers every echo request (in targets)
#   lossy    198.51.100.11    2001:db8:2::11   drops one echo request in ten at random (numgen)
#   dead     198.51.100.12    2001:db8:2::12   drops every echo request
#   moving   198.51.100.129   2001:db8:3::1    on far's loopback, reached through pa or pb
#
#   link             IPv4               IPv6               ends (first, second)
#   agent - router   192.0.2.0/26       2001:db8:1::/64    .2 ::2,  .1 ::1
#   agent2 - router  192.0.2.64/26      2001:db8:1a::/64   .66 ::2, .65 ::1
#   router - targets 198.51.100.0/26    2001:db8:2::/64    .1 ::1,  .2 ::2  (MTU, default 1280)
#   router - pa      203.0.113.0/30     2001:db8:a::/64    .1 ::1,  .2 ::2
#   router - pb      203.0.113.4/30     2001:db8:b::/64    .5 ::1,  .6 ::2
#   pa - far         203.0.113.8/30     2001:db8:af::/64   .9 ::1,  .10 ::2
#   pb - far         203.0.113.12/30    2001:db8:bf::/64   .13 ::1, .14 ::2
#
# Interfaces in a router are named after the namespace at the other end.
# The moving target's path starts through pa, both ways (router and far
# route through pa); lab_monitor_path b moves it through pb. The drops are
# nftables rules in targets' input (table inet lab, chains lossy and dead,
# each with a counter of what came in first and one of what it dropped).
# Forwarding on the routers (router, pa, pb), rp_filter off on far, no ICMP
# rate limits but in the agents. Sets the addresses above as CLEAN4 LOSSY4
# DEAD4 MOVING4 (and 6), and AGENT4 AGENT2_4 (and 6).
lab_monitor() {
    local mtu=${1:-1280} ns ip
    AGENT4=192.0.2.2 AGENT6=2001:db8:1::2 AGENT2_4=192.0.2.66 AGENT2_6=2001:db8:1a::2
    CLEAN4=198.51.100.10 LOSSY4=198.51.100.11 DEAD4=198.51.100.12 MOVING4=198.51.100.129
    CLEAN6=2001:db8:2::10 LOSSY6=2001:db8:2::11 DEAD6=2001:db8:2::12 MOVING6=2001:db8:3::1
    for ns in agent agent2 router targets pa pb far; do
        lab_ns $ns
    done
    lab_sysctl far net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    lab_wire agent a0 $AGENT4/26 $AGENT6/64 router agent 192.0.2.62/26 2001:db8:1::1/64
    lab_wire agent2 a0 $AGENT2_4/26 $AGENT2_6/64 router agent2 192.0.2.65/26 2001:db8:1a::1/64
    lab_wire router targets 198.51.100.1/26 2001:db8:2::1/64 targets s0 198.51.100.2/26 2001:db8:2::2/64 "$mtu"
    lab_wire router pa 203.0.113.1/30 2001:db8:a::1/64 pa router 203.0.113.2/30 2001:db8:a::2/64
    lab_wire router pb 203.0.113.5/30 2001:db8:b::1/64 pb router 203.0.113.6/30 2001:db8:b::2/64
    lab_wire pa far 203.0.113.9/30 2001:db8:af::1/64 far pa 203.0.113.10/30 2001:db8:af::2/64
    lab_wire pb far 203.0.113.13/30 2001:db8:bf::1/64 far pb 203.0.113.14/30 2001:db8:bf::2/64
    lab_route agent default via 192.0.2.62
    lab_route agent -6 default via 2001:db8:1::1
    lab_route agent2 default via 192.0.2.65
    lab_route agent2 -6 default via 2001:db8:1a::1
    lab_route targets default via 198.51.100.1
    lab_route targets -6 default via 2001:db8:2::1
    for ip in $CLEAN4/26 $LOSSY4/26 $DEAD4/26 $CLEAN6/64 $LOSSY6/64 $DEAD6/64; do
        lab_addr targets s0 "$ip"
    done
    lab_addr far lo $MOVING4/32
    lab_addr far lo $MOVING6/128
    lab_routes pa 203.0.113.1 192.0.2.0/24
    lab_routes pa 2001:db8:a::1 2001:db8:1::/64 2001:db8:1a::/64
    lab_routes pa 203.0.113.10 $MOVING4/32
    lab_routes pa 2001:db8:af::2 $MOVING6/128
    lab_routes pb 203.0.113.5 192.0.2.0/24
    lab_routes pb 2001:db8:b::1 2001:db8:1::/64 2001:db8:1a::/64
    lab_routes pb 203.0.113.14 $MOVING4/32
    lab_routes pb 2001:db8:bf::2 $MOVING6/128
    lab_route router $MOVING4/32 via 203.0.113.2
    lab_route router -6 $MOVING6/128 via 2001:db8:a::2
    lab_route far default via 203.0.113.9
    lab_route far -6 default via 2001:db8:af::1
    for ns in router pa pb; do
        lab_forwarding $ns
    done
    for ns in router pa pb far targets; do
        lab_icmp_unlimited $ns
    done
    lab_exec targets nft -f - <<EOF || lab_die "cannot add the drop rules in targets"
table inet lab {
    chain lossy {
        counter
        numgen random mod 10 0 counter drop
    }
    chain dead {
        counter
        counter drop
    }
    chain input {
        type filter hook input priority 0;
        ip daddr $LOSSY4 icmp type echo-request jump lossy
        ip6 daddr $LOSSY6 icmpv6 type echo-request jump lossy
        ip daddr $DEAD4 icmp type echo-request jump dead
        ip6 daddr $DEAD6 icmpv6 type echo-request jump dead
    }
}
EOF
}

# lab_monitor_path a|b: the monitoring lab's moving target is reached
# through pa or pb, both ways, from now on (`ip route replace`: no packet
# goes without a route in between).
lab_monitor_path() {
    local router4 router6 far4 far6
    case $1 in
    a) router4=203.0.113.2 router6=2001:db8:a::2 far4=203.0.113.9 far6=2001:db8:af::1 ;;
    b) router4=203.0.113.6 router6=2001:db8:b::2 far4=203.0.113.13 far6=2001:db8:bf::1 ;;
    *) lab_die "lab_monitor_path: a or b, not $1" ;;
    esac
    ip -n "$(lab_name router)" route replace 198.51.100.129/32 via $router4
    ip -n "$(lab_name router)" -6 route replace 2001:db8:3::1/128 via $router6
    ip -n "$(lab_name far)" route replace default via $far4
    ip -n "$(lab_name far)" -6 route replace default via $far6
}

# lab_anyip NS PREFIX: NS answers echo for every address of PREFIX (an
# AnyIP route, `ip route add local PREFIX dev lo`): thousands of targets in
# one namespace, for benchmarks (use 198.18.0.0/15, RFC 2544's
# benchmarking range).
lab_anyip() {
    lab_route "$1" local "$2" dev lo
}

# lab_main TOPOLOGY up PREFIX [MTU] | down PREFIX: the body of lab/host.sh,
# lab/chain.sh and lab/trace.sh. `up` builds lab_TOPOLOGY in namespaces PREFIX-NAME and leaves
# them for the caller (a failing `up` removes what it made); `down` removes
# every namespace PREFIX-*.
lab_main() {
    local topology=$1
    shift
    case "${1:-}" in
    up)
        [ $# -ge 2 ] && [ $# -le 3 ] || lab_die "usage: $0 up PREFIX [MTU]"
        lab_init_exact "$2"
        "lab_$topology" "${3:-1280}"
        lab_keep
        ;;
    down)
        [ $# -eq 2 ] || lab_die "usage: $0 down PREFIX"
        [ "$(id -u)" -eq 0 ] || lab_die "labs need root (network namespaces)"
        lab_down "$2"
        ;;
    *)
        lab_die "usage: $0 up PREFIX [MTU] | down PREFIX"
        ;;
    esac
}

# lab_name NAME: the full namespace name for NAME.
lab_name() { printf '%s-%s' "$LAB_PREFIX" "$1"; }

# lab_ns NAME: creates namespace NAME with loopback up and registers it for
# cleanup. Interfaces added to it later accept no Router Advertisements and
# send no Router Solicitations or DAD probes, so captures hold only what a lab
# provokes.
lab_ns() {
    [ -n "$LAB_PREFIX" ] || lab_die "call lab_init first"
    local ns
    ns=$(lab_name "$1")
    ip netns add "$ns" || lab_die "cannot create namespace $ns"
    LAB_NAMESPACES+=("$ns")
    # Quiet by default: interfaces made later send no Router Solicitations and
    # no Duplicate Address Detection probes (for their link-local addresses).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.default.router_solicitations=0 \
        net.ipv6.conf.default.accept_dad=0 >/dev/null
    ip -n "$ns" link set lo up
}

# lab_exec NAME CMD...: runs CMD inside namespace NAME.
lab_exec() {
    local ns
    ns=$(lab_name "$1")
    shift
    ip netns exec "$ns" "$@"
}

# lab_bg NAME CMD...: starts CMD in the background inside NAME; its pid is in
# LAB_LAST_PID and it is killed (by pid) at cleanup if still running.
lab_bg() {
    local ns
    ns=$(lab_name "$1")
    shift
    ip netns exec "$ns" "$@" &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_link NS1 IF1 NS2 IF2 [MTU]: a veth pair IF1 (in NS1) <-> IF2 (in NS2), both up.
lab_link() {
    local a b
    a=$(lab_name "$1")
    b=$(lab_name "$3")
    ip link add "$2" netns "$a" type veth peer name "$4" netns "$b" ||
        lab_die "cannot link $1/$2 to $3/$4"
    if [ -n "${5:-}" ]; then
        ip -n "$a" link set "$2" mtu "$5"
        ip -n "$b" link set "$4" mtu "$5"
    fi
    ip -n "$a" link set "$2" up
    ip -n "$b" link set "$4" up
}

# lab_addr NS IF ADDR/PREFIX: adds an IPv4 or IPv6 address (IPv6 without DAD,
# so it is usable at once).
lab_addr() {
    local ns
    ns=$(lab_name "$1")
    case $3 in
    *:*) ip -n "$ns" -6 addr add "$3" dev "$2" nodad ;;
    *) ip -n "$ns" addr add "$3" dev "$2" ;;
    esac
}

# lab_route NS ARGS...: `ip route add ARGS` in NS (`-6` first for IPv6).
lab_route() {
    local ns
    ns=$(lab_name "$1")
    shift
    if [ "$1" = -6 ]; then
        shift
        ip -n "$ns" -6 route add "$@"
    else
        ip -n "$ns" route add "$@"
    fi
}

# lab_sysctl NS KEY=VALUE...: sets sysctls inside NS.
lab_sysctl() {
    local ns kv
    ns=$(lab_name "$1")
    shift
    for kv in "$@"; do
        ip netns exec "$ns" sysctl -qw "$kv" >/dev/null || lab_die "sysctl $kv failed in $ns"
    done
}

# lab_forwarding NS: turns on IPv4 and IPv6 forwarding in NS.
lab_forwarding() {
    lab_sysctl "$1" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# lab_icmp_unlimited NS: removes ICMP rate limits in NS so every error is sent
# (the token bucket is raised, never set to 0, which would mean "no tokens").
lab_icmp_unlimited() {
    lab_sysctl "$1" net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
        net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000
}

# lab_tx_checksum_off NS IF...: IF computes checksums in software before
# sending. A veth otherwise passes a locally made UDP or TCP packet on with
# only the pseudo-header sum in its checksum field, and an ICMP error quoting
# it shows that sum instead of the real checksum (what ethtool -K IF tx off
# does, with Python's ioctl so that ethtool is not needed).
lab_tx_checksum_off() {
    lab_exec "$1" python3 - "${@:2}" <<'EOF' || lab_die "cannot turn off checksum offload in $1"
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17
for name in sys.argv[1:]:
    value = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
    ifreq = struct.pack("16sP", name.encode(), ctypes.addressof(value))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCETHTOOL, ifreq)
EOF
}

# lab_mac NS IF: prints the MAC address of IF.
lab_mac() {
    lab_exec "$1" cat "/sys/class/net/$2/address"
}

# lab_pin_neighbors NS1 IF1 ADDR1 NS2 IF2 ADDR2: permanent neighbour entries on
# both ends of a link (ADDRs without prefix), so no ARP or Neighbor Discovery
# traffic shows up in captures.
lab_pin_neighbors() {
    local mac1 mac2
    mac1=$(lab_mac "$1" "$2")
    mac2=$(lab_mac "$4" "$5")
    ip -n "$(lab_name "$1")" neigh replace "$6" lladdr "$mac2" dev "$2" nud permanent
    ip -n "$(lab_name "$4")" neigh replace "$3" lladdr "$mac1" dev "$5" nud permanent
}

# lab_wire NS1 IF1 ADDR4/LEN ADDR6/LEN NS2 IF2 ADDR4/LEN ADDR6/LEN [MTU]: a
# veth link (lab_link) with an IPv4 and an IPv6 address at each end and the
# neighbours pinned both ways.
lab_wire() {
    lab_link "$1" "$2" "$5" "$6" "${9:-}"
    lab_addr "$1" "$2" "$3"
    lab_addr "$1" "$2" "$4"
    lab_addr "$5" "$6" "$7"
    lab_addr "$5" "$6" "$8"
    lab_pin_neighbors "$1" "$2" "${3%/*}" "$5" "$6" "${7%/*}"
    lab_pin_neighbors "$1" "$2" "${4%/*}" "$5" "$6" "${8%/*}"
}

# lab_routes NS VIA NET...: in NS, a route to each NET via VIA (either family).
lab_routes() {
    local ns=$1 via=$2 net
    shift 2
    for net in "$@"; do
        lab_route "$ns" "$net" via "$via"
    done
}

# lab_capture_start NS FILE TCPDUMP-ARGS...: starts tcpdump writing FILE in NS
# and waits (at most 5 s) until it listens. Its pid is in LAB_CAPTURE_PID.
lab_capture_start() {
    local ns=$1 file=$2 log i
    shift 2
    log="$LAB_TMP/$(basename "$file").log"
    : >"$log"
    # --immediate-mode: without it TPACKET_V3 holds packets up to a second and
    # the last ones are lost when tcpdump is stopped.
    lab_bg "$ns" tcpdump -n -U --immediate-mode -w "$file" "$@" 2>"$log"
    LAB_CAPTURE_PID=$LAB_LAST_PID
    for i in $(seq 1 50); do
        grep -q 'listening on' "$log" && return 0
        kill -0 "$LAB_CAPTURE_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    lab_die "tcpdump did not start for $file"
}

# lab_capture_stop: stops the tcpdump started last and waits for it to flush.
lab_capture_stop() {
    local i
    sleep 0.3
    kill -INT "$LAB_CAPTURE_PID" 2>/dev/null || true
    for i in $(seq 1 30); do
        kill -0 "$LAB_CAPTURE_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$LAB_CAPTURE_PID" 2>/dev/null || true
    wait "$LAB_CAPTURE_PID" 2>/dev/null || true
}

# lab_cleanup: kills the background processes started here (by pid) and deletes
# every namespace made with lab_ns, and removes $LAB_TMP. Installed as the EXIT trap by lab_init.
lab_cleanup() {
    local pid ns
    for pid in "${LAB_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for ns in "${LAB_NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    LAB_PIDS=()
    LAB_NAMESPACES=()
    if [ -n "$LAB_TMP" ]; then
        rm -rf -- "$LAB_TMP"
        LAB_TMP=
    fi
}
