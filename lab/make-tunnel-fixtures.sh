#!/usr/bin/env bash
# lab/make-tunnel-fixtures.sh OUTDIR - records ICMP through the tunnels the
# running kernel can build, and crafts the rest.
#
# Two namespaces, left and right, joined by a veth pair (the underlay:
# 203.0.113.1/24 2001:db8:1::1/64 -- 203.0.113.2/24 2001:db8:1::2/64). For each
# tunnel type below the script makes the tunnel on both ends (inner
# addresses 10.1.0.1/24 -- 10.1.0.2/24, 2001:db8:a::1/64 -- ::2), pings
# across it twice, and records the underlay with tcpdump into
# OUTDIR/kernel-NAME.pcap (MACsec with secure associations and keys, MPLS
# with labelled routes when mpls_router is there). A type the kernel lacks
# (no module, no config) is reported and skipped: lab/craft-tunnel-fixtures.py, run at the end, crafts
# every encapsulation (and those the kernel cannot make at all: ERSPAN III
# with a platform sub-header, PIM Register, encrypted MACsec) into
# OUTDIR/NAME.pcap. decode_tunnels.rs compares every kernel-NAME.pcap with
# tshark, and checks the path NAME.pcap has where it is the same.
#
# Traffic goes only to addresses inside the namespaces made here, which are
# removed on exit, even on failure. Needs root, iproute2, tcpdump, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || lab_die "usage: $0 OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in tcpdump python3 timeout; do
    command -v "$tool" >/dev/null || lab_die "$tool is not installed"
done

lab_init itun
lab_ns left
lab_ns right
lab_wire left u0 203.0.113.1/24 2001:db8:1::1/64 right u1 203.0.113.2/24 2001:db8:1::2/64

# tunnel NAME FAMILY TYPE ARGS...: ARGS may use @LOCAL@ and @REMOTE@ (the
# underlay addresses of FAMILY, 4 or 6, seen from each end); the interface
# is t0 on both ends. A vlan or macsec link sits on the underlay device.
tunnel() {
    local name=$1 family=$2 type=$3 side near far args parent ok=1
    shift 3
    for side in left right; do
        parent=
        case $type in vlan | macsec) parent="link u0" && [ $side = right ] && parent="link u1" ;; esac
        if [ "$family" = 4 ]; then
            near=203.0.113.1 far=203.0.113.2
        else
            near=2001:db8:1::1 far=2001:db8:1::2
        fi
        if [ $side = right ]; then
            args=$near; near=$far; far=$args
        fi
        args=$(printf '%s ' "$@" | sed "s/@LOCAL@/$near/g; s/@REMOTE@/$far/g")
        # shellcheck disable=SC2086 # ARGS are words
        # shellcheck disable=SC2086 # PARENT and ARGS are words
        if ! lab_exec $side ip link add t0 $parent type "$type" $args 2>"$LAB_TMP/err"; then
            lab_log "$name: the kernel cannot make a $type link ($(cat "$LAB_TMP/err")); crafted instead"
            ok=0
            break
        fi
    done
    if [ $ok = 1 ] && [ "$type" = macsec ] && ! macsec_keys; then
        lab_log "$name: the kernel cannot add MACsec secure associations; crafted instead"
        ok=0
    fi
    if [ $ok = 1 ]; then
        record "$name"
    fi
    for side in left right; do
        lab_exec $side ip link del t0 2>/dev/null || true
    done
}

# macsec_keys: the secure associations of the MACsec link t0 on both ends
# (the underlay's MAC and port 1 make each end's SCI): each end transmits
# with its own key (key id 01 on the left, 02 on the right) and receives
# with the other's.
macsec_keys() {
    local key_left=00112233445566778899aabbccddeeff key_right=ffeeddccbbaa99887766554433221100
    local mac_left mac_right
    mac_left=$(lab_mac left u0) && mac_right=$(lab_mac right u1) || return 1
    lab_exec left ip macsec add t0 tx sa 0 pn 1 on key 01 $key_left &&
        lab_exec left ip macsec add t0 rx port 1 address "$mac_right" &&
        lab_exec left ip macsec add t0 rx port 1 address "$mac_right" sa 0 pn 1 on key 02 $key_right &&
        lab_exec right ip macsec add t0 tx sa 0 pn 1 on key 02 $key_right &&
        lab_exec right ip macsec add t0 rx port 1 address "$mac_left" &&
        lab_exec right ip macsec add t0 rx port 1 address "$mac_left" sa 0 pn 1 on key 01 $key_left
}

# record NAME: addresses on t0, two pings each way it can, the underlay
# recorded meanwhile.
record() {
    local name=$1 side n
    for side in left right; do
        n=1; [ $side = right ] && n=2
        lab_exec $side ip link set t0 up
        lab_exec $side ip addr add 10.1.0.$n/24 dev t0 2>/dev/null || true
        lab_exec $side ip -6 addr add 2001:db8:a::$n/64 dev t0 nodad 2>/dev/null || true
    done
    sleep 1 # let IPv6 on t0 settle (neighbour discovery is then not recorded)
    lab_capture_start left "$out/kernel-$name.pcap" -i u0
    lab_exec left ping -c 2 -i 0.2 -W 1 10.1.0.2 >/dev/null || lab_log "$name: IPv4 ping failed"
    lab_exec left ping -6 -c 2 -i 0.2 -W 1 2001:db8:a::2 >/dev/null || lab_log "$name: IPv6 ping failed"
    lab_capture_stop
    lab_log "$name: recorded $out/kernel-$name.pcap"
}

tunnel gre 4 gre local @LOCAL@ remote @REMOTE@ key 5
tunnel gretap 4 gretap local @LOCAL@ remote @REMOTE@
tunnel ip6gre 6 ip6gre local @LOCAL@ remote @REMOTE@
# iproute2's erspan_ver is the header's version field: 0 is ERSPAN type I
# (no header, no sequence number; iproute2 5.x and later accept it), 1 type
# II, 2 type III.
tunnel erspan1 4 erspan local @LOCAL@ remote @REMOTE@ key 10 erspan_ver 0
tunnel erspan2 4 erspan local @LOCAL@ remote @REMOTE@ seq key 11 erspan_ver 1 erspan 100
tunnel erspan3 4 erspan local @LOCAL@ remote @REMOTE@ seq key 12 erspan_ver 2 erspan_dir ingress erspan_hwid 7
tunnel ip6erspan 6 ip6erspan local @LOCAL@ remote @REMOTE@ seq key 13 erspan_ver 1 erspan 300
tunnel vxlan 4 vxlan id 42 dstport 4789 local @LOCAL@ remote @REMOTE@
tunnel vxlan6 6 vxlan id 43 dstport 4789 local @LOCAL@ remote @REMOTE@
tunnel geneve 4 geneve id 44 remote @REMOTE@
tunnel ipip 4 ipip local @LOCAL@ remote @REMOTE@
tunnel sit 4 sit local @LOCAL@ remote @REMOTE@
tunnel ip6ip6 6 ip6tnl mode ip6ip6 local @LOCAL@ remote @REMOTE@
tunnel ip4in6 6 ip6tnl mode ipip6 local @LOCAL@ remote @REMOTE@
tunnel vlan 4 vlan id 10
tunnel macsec 4 macsec encrypt off
# MPLS over the underlay (recorded as kernel-mpls-eth): each end sends to
# the other's inner address (on lo) with a label (100 to the right, 200 to
# the left), which the other end pops and delivers. Needs mpls_router and
# mpls_iptunnel; where /proc/sys/net/mpls is missing the kernel has none.
mpls() {
    local side n label peer_label via dev peer
    for side in left right; do
        if [ $side = left ]; then
            n=1 label=200 peer_label=100 via=203.0.113.2 dev=u0 peer=2
        else
            n=2 label=100 peer_label=200 via=203.0.113.1 dev=u1 peer=1
        fi
        if ! {
            lab_exec $side sysctl -qw net.mpls.platform_labels=1000 \
                "net.mpls.conf.$dev.input=1" net.ipv4.conf.all.rp_filter=0 \
                "net.ipv4.conf.$dev.rp_filter=0" net.ipv4.conf.lo.rp_filter=0 >/dev/null &&
                lab_exec $side ip addr add 10.1.0.$n/32 dev lo &&
                lab_exec $side ip -f mpls route add $label dev lo &&
                lab_exec $side ip route add 10.1.0.$peer/32 encap mpls $peer_label \
                    via inet $via dev $dev src 10.1.0.$n
        } 2>"$LAB_TMP/err"; then
            lab_log "mpls: cannot set up labelled routes ($(cat "$LAB_TMP/err")); crafted instead"
            return 0
        fi
    done
    lab_capture_start left "$out/kernel-mpls-eth.pcap" -i u0 mpls
    lab_exec left ping -c 2 -i 0.2 -W 1 -I 10.1.0.1 10.1.0.2 >/dev/null || lab_log "mpls: IPv4 ping failed"
    lab_capture_stop
    lab_log "mpls: recorded $out/kernel-mpls-eth.pcap"
}
if lab_exec left test -e /proc/sys/net/mpls/platform_labels; then
    mpls
else
    lab_log "mpls: the kernel has no mpls_router (no /proc/sys/net/mpls); crafted instead"
fi

python3 "$here/craft-tunnel-fixtures.py" "$out"
lab_log "crafted fixtures written to $out"
