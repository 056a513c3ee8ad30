//! Labs of network namespaces for Rust tests, built from `lab/lib.sh` (the
//! one lab builder: the shell scripts and the benchmarks use it too) by a
//! script (`up`) and removed by the same script (`down`) when the guard,
//! [`Lab`], drops, even when the test fails:
//!
//! - [`Lab::host`]: one namespace, `host`, with only its loopback
//!   (`lab_host`, `lab/host.sh`): a test's sockets away from the host's
//!   loopback traffic.
//! - [`Lab::chain`]: the standard chain (`lab_chain`, `lab/chain.sh`),
//!
//! ```text
//! client 192.0.2.2 / 2001:db8:1::2 --- router 192.0.2.254 | 198.51.100.1 --- server 198.51.100.2 / 2001:db8:2::2
//! ```
//!
//! - [`Lab::trace`]: the traceroute lab (`lab_trace`, `lab/trace.sh`),
//!   with equal-cost paths at r2 hashed on addresses, protocol and ports,
//!
//! ```text
//!                                 .-- r3a --.
//! client --- r1 --- r2 --(ECMP)--<           >-- r4 --- server
//!                                 '-- r3b --'
//! ```
//!
//!   Client and server have the chain's addresses. What each hop answers
//!   from in a trace from the client, as measured (Linux 6.18):
//!
//!   | hop | IPv4 | IPv6 |
//!   | --- | --- | --- |
//!   | 1 r1 | [`R1_4`] | [`R1_6`] |
//!   | 2 r2 | [`R2_4`] | [`R2_6`] |
//!   | 3 r3a or r3b, by the probe's ports | [`R3A_4`] or [`R3B_4`] | [`R3A_6`] or [`R3B_6`] |
//!   | 4 r4 | [`R4_4`] always | [`R4_6`] after r3a, [`R4_R3B_6`] after r3b |
//!   | 5 server | [`SERVER4`] | [`SERVER6`] |
//!
//!   An IPv4 router answers from its address toward the client (r4's route
//!   back goes through r3a), an IPv6 router from the address the probe came
//!   in on.
//!
//! - [`Lab::monitor`]: the monitoring lab (`lab_monitor`, `lab/monitor.sh`),
//!   two agents and the targets of [`MonitorTarget`] behind one router,
//!
//! ```text
//! agent  192.0.2.2  / 2001:db8:1::2  --.                  .-- targets: clean, lossy (10 %), dead (100 %)
//!                                       >-- router -------<
//! agent2 192.0.2.66 / 2001:db8:1a::2 --'       |          '-- pa --.
//!                                              '------------- pb --+-- far: moving
//! ```
//!
//!   with [`Lab::switch_path`] to move the moving target's path between
//!   pa and pb, and [`Lab::echo_drops`] to count what the lossy and dead
//!   targets dropped. The router (connected to both agents) is the place
//!   for the Prometheus that scrapes them.
//!
//! A test changes its lab with these, while programs it started with
//! [`Lab::spawn_bounded`] run if it likes:
//!
//! - [`Lab::route_through`]: one branch of the trace lab only, which makes
//!   it a chain of four routers, `client - r1 - r2 - r3a - r4 - server`;
//!   called mid-run, a route change;
//! - [`Lab::icmp_default_limits`]: a router that limits its ICMP errors as
//!   Linux does out of the box;
//! - [`Lab::drop_forwarded`]: random loss, both ways;
//! - [`Lab::fix_hash_seed`]: the same flows on the same branches in every
//!   run.
//!
//! [`Lab::run_unprivileged`] and [`Lab::spawn_unprivileged`] run a program
//! in a namespace as a user without any privilege.
//!
//! Traffic goes only to these documentation addresses inside the lab's own
//! namespaces.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::repo;

/// Client, router, server addresses.
pub const CLIENT4: &str = "192.0.2.2";
/// The router's client-side address.
pub const ROUTER4: &str = "192.0.2.254";
/// The server.
pub const SERVER4: &str = "198.51.100.2";
/// The client over IPv6.
pub const CLIENT6: &str = "2001:db8:1::2";
/// The router's client-side IPv6 address.
pub const ROUTER6: &str = "2001:db8:1::1";
/// The server over IPv6.
pub const SERVER6: &str = "2001:db8:2::2";

/// Trace lab: r1, the first hop (the chain's router address).
pub const R1_4: &str = "192.0.2.254";
/// Trace lab: r1's address toward r2.
pub const R1_R2_4: &str = "203.0.113.1";
/// Trace lab: r2, the second hop.
pub const R2_4: &str = "203.0.113.2";
/// Trace lab: r3a, the third hop on one branch.
pub const R3A_4: &str = "203.0.113.6";
/// Trace lab: r3b, the third hop on the other branch.
pub const R3B_4: &str = "203.0.113.10";
/// Trace lab: r4, the fourth hop whichever branch the probe took.
pub const R4_4: &str = "203.0.113.14";
/// Trace lab: r4's address toward r3b (an IPv4 trace never shows it).
pub const R4_R3B_4: &str = "203.0.113.18";
/// Trace lab: r4's address toward the server.
pub const R4_SERVER4: &str = "198.51.100.1";
/// Trace lab: r1 over IPv6.
pub const R1_6: &str = "2001:db8:1::1";
/// Trace lab: r2 over IPv6.
pub const R2_6: &str = "2001:db8:12::2";
/// Trace lab: r3a over IPv6.
pub const R3A_6: &str = "2001:db8:23a::2";
/// Trace lab: r3b over IPv6.
pub const R3B_6: &str = "2001:db8:23b::2";
/// Trace lab: r4 over IPv6 for probes that came through r3a.
pub const R4_6: &str = "2001:db8:3a4::2";
/// Trace lab: r4 over IPv6 for probes that came through r3b.
pub const R4_R3B_6: &str = "2001:db8:3b4::2";
/// Trace lab: r4's IPv6 address toward the server.
pub const R4_SERVER6: &str = "2001:db8:2::1";

/// Monitoring lab: the first agent ([`Lab::monitor`]).
pub const AGENT4: &str = "192.0.2.2";
/// Monitoring lab: the first agent over IPv6.
pub const AGENT6: &str = "2001:db8:1::2";
/// Monitoring lab: the second agent.
pub const AGENT2_4: &str = "192.0.2.66";
/// Monitoring lab: the second agent over IPv6.
pub const AGENT2_6: &str = "2001:db8:1a::2";
/// Monitoring lab: the router's address toward the first agent.
pub const MONITOR_ROUTER4: &str = "192.0.2.62";
/// Monitoring lab: the router's address toward the second agent.
pub const MONITOR_ROUTER2_4: &str = "192.0.2.65";
/// Monitoring lab: pa, the moving target's second hop on path A (IPv4).
pub const PA4: &str = "203.0.113.2";
/// Monitoring lab: pb, the moving target's second hop on path B (IPv4).
pub const PB4: &str = "203.0.113.6";
/// Monitoring lab: pa over IPv6.
pub const PA6: &str = "2001:db8:a::2";
/// Monitoring lab: pb over IPv6.
pub const PB6: &str = "2001:db8:b::2";

/// The targets of the monitoring lab ([`Lab::monitor`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorTarget {
    /// Answers every echo request.
    Clean,
    /// Drops one echo request in ten, at random (nftables `numgen
    /// random mod 10 0`), counted ([`Lab::echo_drops`]).
    Lossy,
    /// Drops every echo request, counted.
    Dead,
    /// Reached through pa or pb ([`Lab::switch_path`]): three hops,
    /// router, pa or pb, then the target.
    Moving,
}

impl MonitorTarget {
    /// All four.
    pub const ALL: [MonitorTarget; 4] = [
        MonitorTarget::Clean,
        MonitorTarget::Lossy,
        MonitorTarget::Dead,
        MonitorTarget::Moving,
    ];

    /// Its IPv4 address.
    pub fn v4(self) -> &'static str {
        match self {
            MonitorTarget::Clean => "198.51.100.10",
            MonitorTarget::Lossy => "198.51.100.11",
            MonitorTarget::Dead => "198.51.100.12",
            MonitorTarget::Moving => "198.51.100.129",
        }
    }

    /// Its IPv6 address.
    pub fn v6(self) -> &'static str {
        match self {
            MonitorTarget::Clean => "2001:db8:2::10",
            MonitorTarget::Lossy => "2001:db8:2::11",
            MonitorTarget::Dead => "2001:db8:2::12",
            MonitorTarget::Moving => "2001:db8:3::1",
        }
    }

    /// A name for it (`clean`, `lossy`, `dead`, `moving`): the nftables
    /// chain of the lossy and dead ones, and a target name for configs.
    pub fn name(self) -> &'static str {
        match self {
            MonitorTarget::Clean => "clean",
            MonitorTarget::Lossy => "lossy",
            MonitorTarget::Dead => "dead",
            MonitorTarget::Moving => "moving",
        }
    }
}

/// The moving target's two paths in the monitoring lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorPath {
    /// router - pa - far ([`PA4`], [`PA6`]): the path it starts on.
    A,
    /// router - pb - far ([`PB4`], [`PB6`]).
    B,
}

/// Which lab to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// One namespace, host, with only loopback (`lab/host.sh`).
    Host,
    /// client - router - server (`lab/chain.sh`); namespaces client,
    /// router, server.
    Chain,
    /// client - r1 - r2 - (r3a | r3b) - r4 - server (`lab/trace.sh`);
    /// namespaces client, r1, r2, r3a, r3b, r4, server.
    Trace,
    /// agent, agent2 - router - targets | pa, pb - far (`lab/monitor.sh`);
    /// namespaces agent, agent2, router, targets, pa, pb, far.
    Monitor,
}

impl Topology {
    fn script(self) -> PathBuf {
        repo().join(match self {
            Topology::Host => "lab/host.sh",
            Topology::Chain => "lab/chain.sh",
            Topology::Trace => "lab/trace.sh",
            Topology::Monitor => "lab/monitor.sh",
        })
    }
}

/// One of the trace lab's two branches between r2 and r4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// Through r3a ([`R3A_4`], [`R3A_6`]).
    R3a,
    /// Through r3b ([`R3B_4`], [`R3B_6`]).
    R3b,
}

/// The packets a router of [`Lab::drop_forwarded`] was to forward (or a
/// target of the monitoring lab was sent, [`Lab::echo_drops`]), and those
/// it dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardDrops {
    /// Packets that came to its forward chain.
    pub seen: u64,
    /// Packets it dropped of those.
    pub dropped: u64,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A running lab (any [`Topology`]); dropping it removes its namespaces.
pub struct Lab {
    prefix: String,
    topology: Topology,
}

impl Lab {
    /// Builds one namespace, `host`, with only its loopback; `None` (after
    /// printing why) when labs are not available here.
    pub fn host(test: &str) -> Option<Lab> {
        Lab::build(test, Topology::Host, 1280)
    }

    /// Builds a chain whose router-server link has `mtu`; `None` (after
    /// printing why) when labs are not available here.
    pub fn chain(test: &str, mtu: u32) -> Option<Lab> {
        Lab::build(test, Topology::Chain, mtu)
    }

    /// Builds the traceroute lab whose r4-server link has `mtu`; `None`
    /// (after printing why) when labs are not available here.
    pub fn trace(test: &str, mtu: u32) -> Option<Lab> {
        Lab::build(test, Topology::Trace, mtu)
    }

    /// Builds the monitoring lab (its router - targets link of MTU 1280);
    /// `None` (after printing why) when labs are not available here.
    pub fn monitor(test: &str) -> Option<Lab> {
        Lab::build(test, Topology::Monitor, 1280)
    }

    /// Builds `topology` whose link to the server has `mtu`; `None` (after
    /// printing why) when labs are not available here.
    pub fn build(test: &str, topology: Topology, mtu: u32) -> Option<Lab> {
        if !crate::require::root(test) {
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("ik{}x{n}", std::process::id());
        let script = topology.script();
        let status = Command::new(&script)
            .args(["up", &prefix, &mtu.to_string()])
            .status()
            .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
        let lab = Lab { prefix, topology };
        assert!(status.success(), "{} up failed", script.display());
        Some(lab)
    }

    /// Which lab this is.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The full name of namespace `name` (host; client, router, server; or
    /// client, r1, r2, r3a, r3b, r4, server).
    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// The standard chain (MTU 1280) whose server answers for every address
    /// of `prefix` (`ip route add local PREFIX dev lo`, routed there by the
    /// router): many targets from one namespace.
    pub fn answering(test: &str, prefix: &str) -> Option<Lab> {
        let lab = Lab::chain(test, 1280)?;
        lab.must(
            "server",
            &["ip", "route", "add", "local", prefix, "dev", "lo"],
        );
        lab.must("router", &["ip", "route", "add", prefix, "via", SERVER4]);
        Some(lab)
    }

    /// Runs `program args` inside namespace `name`, killed after `seconds`
    /// (`timeout`), so a test never hangs on it.
    pub fn run_bounded(&self, name: &str, seconds: u32, program: &str, args: &[&str]) -> Output {
        self.bounded(name, seconds, program, args)
            .output()
            .expect("run in the lab")
    }

    /// Starts `program args` inside namespace `name`, killed after
    /// `seconds` (`timeout`), with stdout and stderr piped: to run beside
    /// other programs, or to change the lab while it runs. Collect it with
    /// [`Child::wait_with_output`].
    pub fn spawn_bounded(&self, name: &str, seconds: u32, program: &str, args: &[&str]) -> Child {
        self.bounded(name, seconds, program, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start in the lab")
    }

    /// Runs `program args` inside namespace `name`, sends it SIGINT (as
    /// Ctrl-C does) after `after`, and returns its output; killed should
    /// it outlive the signal by 10 s.
    pub fn interrupt(
        &self,
        name: &str,
        after: std::time::Duration,
        program: &str,
        args: &[&str],
    ) -> Output {
        // `ip netns exec` execs the program: the pid is the program's.
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(name), program])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start in the lab");
        std::thread::sleep(after);
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        let waiter = std::thread::spawn(move || child.wait_with_output());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !waiter.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        if !waiter.is_finished() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        assert!(sent.is_ok_and(|s| s.success()), "kill -INT {pid}");
        waiter.join().expect("waiter").expect("wait")
    }

    /// Runs `program args` as [`Lab::run_bounded`] does, but as an
    /// unprivileged user ([`UNPRIVILEGED_ID`] with no capability, by
    /// `setpriv`): what a program may do without root in that namespace
    /// (`net.ipv4.ping_group_range` is the namespace's own). The program
    /// must be where that user may run it.
    pub fn run_unprivileged(
        &self,
        name: &str,
        seconds: u32,
        program: &str,
        args: &[&str],
    ) -> Output {
        let setpriv = unprivileged(program, args);
        self.run_bounded(name, seconds, "setpriv", &borrowed(&setpriv))
    }

    /// Starts `program args` as [`Lab::spawn_bounded`] does, but as an
    /// unprivileged user, as [`Lab::run_unprivileged`] runs it.
    pub fn spawn_unprivileged(
        &self,
        name: &str,
        seconds: u32,
        program: &str,
        args: &[&str],
    ) -> Child {
        let setpriv = unprivileged(program, args);
        self.spawn_bounded(name, seconds, "setpriv", &borrowed(&setpriv))
    }

    /// `ip netns exec NS timeout SECONDS program args`.
    fn bounded(&self, name: &str, seconds: u32, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command
            .args([
                "netns",
                "exec",
                &self.ns(name),
                "timeout",
                &seconds.to_string(),
                program,
            ])
            .args(args);
        command
    }

    /// Runs `args` inside namespace `name`.
    pub fn exec(&self, name: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns(name)])
            .args(args)
            .output()
            .expect("run ip netns exec")
    }

    /// Runs `args` inside `name` and asserts it succeeded.
    pub fn must(&self, name: &str, args: &[&str]) {
        let out = self.exec(name, args);
        assert!(
            out.status.success(),
            "{args:?} in {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Sets `setting` (`key=value`) with `sysctl` inside namespace `name`.
    pub fn sysctl(&self, name: &str, setting: &str) {
        self.must(name, &["sysctl", "-qw", setting]);
    }

    /// Namespace `name` answers what comes into `chain` (`INPUT`,
    /// `FORWARD`) over `protocol` (`udp`, `icmp`, ...) with the ICMP error
    /// `with` (`icmp-admin-prohibited`, `icmp6-no-route`, ...): a `REJECT`
    /// rule of `tables` (`iptables` or `ip6tables`). `tables -F chain`
    /// removes it.
    pub fn reject(&self, name: &str, tables: &str, chain: &str, protocol: &str, with: &str) {
        let rule = [
            "-A",
            chain,
            "-p",
            protocol,
            "-j",
            "REJECT",
            "--reject-with",
            with,
        ];
        self.must(name, &[&[tables][..], &rule].concat());
    }

    /// Namespace `name` drops the Time Exceeded messages it sends, ICMPv6's
    /// when `v6`, otherwise ICMPv4's, those matching the iptables match
    /// `extra` only (empty: all of them).
    pub fn drop_time_exceeded(&self, name: &str, v6: bool, extra: &[&str]) {
        let (tables, protocol, option) = if v6 {
            ("ip6tables", "ipv6-icmp", "--icmpv6-type")
        } else {
            ("iptables", "icmp", "--icmp-type")
        };
        let rule = [
            tables,
            "-A",
            "OUTPUT",
            "-p",
            protocol,
            option,
            "time-exceeded",
        ];
        self.must(name, &[&rule[..], extra, &["-j", "DROP"]].concat());
    }

    /// Router `name` of a trace lab is a silent hop: it sends no Time
    /// Exceeded, in either family.
    pub fn silence_hop(&self, name: &str) {
        for v6 in [false, true] {
            self.drop_time_exceeded(name, v6, &[]);
        }
    }

    /// Gives namespace `name` Linux's default ICMP error limits back (the
    /// lab's routers start without them): per source host one error a
    /// second after a burst of 6 (`net.ipv4.icmp_ratelimit=1000`,
    /// `net.ipv6.icmp.ratelimit=1000`), and the host-wide bucket of 1000 a
    /// second, burst 50 (`icmp_msgs_per_sec`, `icmp_msgs_burst`).
    pub fn icmp_default_limits(&self, name: &str) {
        for setting in [
            "net.ipv4.icmp_ratelimit=1000",
            "net.ipv6.icmp.ratelimit=1000",
            "net.ipv4.icmp_msgs_per_sec=1000",
            "net.ipv4.icmp_msgs_burst=50",
        ] {
            self.sysctl(name, setting);
        }
    }

    /// Trace lab: fixes r2's multipath hash seed (it serves both
    /// families), so which flow takes which branch is the same in every
    /// run.
    pub fn fix_hash_seed(&self) {
        self.sysctl("r2", "net.ipv4.fib_multipath_hash_seed=5837");
    }

    /// Trace lab: r2 sends everything for the server's subnet, both
    /// families, through `branch` alone, which makes the fork one path:
    /// client - r1 - r2 - r3a or r3b - r4 - server. Called while a program
    /// runs, it moves the path at once (`ip route replace`: no packet goes
    /// without a route in between).
    pub fn route_through(&self, branch: Branch) {
        let (via4, via6) = match branch {
            Branch::R3a => (R3A_4, R3A_6),
            Branch::R3b => (R3B_4, R3B_6),
        };
        self.must(
            "r2",
            &["ip", "route", "replace", "198.51.100.0/24", "via", via4],
        );
        self.must(
            "r2",
            &[
                "ip",
                "-6",
                "route",
                "replace",
                "2001:db8:2::/64",
                "via",
                via6,
            ],
        );
    }

    /// Monitoring lab: the moving target is reached through `path`, both
    /// ways, from now on (`lab/monitor.sh path`: `ip route replace` in
    /// router and far, both families; no packet goes without a route in
    /// between).
    pub fn switch_path(&self, path: MonitorPath) {
        assert_eq!(
            self.topology,
            Topology::Monitor,
            "switch_path: not a monitoring lab"
        );
        let which = match path {
            MonitorPath::A => "a",
            MonitorPath::B => "b",
        };
        let script = self.topology.script();
        let out = Command::new(&script)
            .args(["path", &self.prefix, which])
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "{} path {which}: {}",
            script.display(),
            crate::text(&out.stderr)
        );
    }

    /// Monitoring lab: the echo requests (both families) that came to the
    /// lossy or dead `target` so far, and those it dropped.
    pub fn echo_drops(&self, target: MonitorTarget) -> ForwardDrops {
        assert!(
            matches!(target, MonitorTarget::Lossy | MonitorTarget::Dead),
            "{target:?} drops nothing"
        );
        self.chain_counts("targets", target.name())
    }

    /// Monitoring lab: the lossy or dead `target` answers every echo
    /// request from now on (an `accept` before its drop rule); its
    /// [`Lab::echo_drops`] go on counting what comes, and drop no more.
    pub fn stop_dropping(&self, target: MonitorTarget) {
        let _ = self.echo_drops(target); // a lossy or dead target
        let chain = target.name();
        self.must(
            "targets",
            &[
                "nft", "insert", "rule", "inet", "lab", chain, "index", "1", "accept",
            ],
        );
    }

    /// Namespace `name` drops at random one in `one_in` of the packets it
    /// forwards, both ways (nftables `numgen random` in a forward chain,
    /// table `inet lab`: the kernel here has no netem), and counts them
    /// ([`Lab::forward_drops`]).
    pub fn drop_forwarded(&self, name: &str, one_in: u32) {
        let one_in = one_in.to_string();
        self.must(name, &["nft", "add", "table", "inet", "lab"]);
        self.must(
            name,
            &[
                "nft",
                "add",
                "chain",
                "inet",
                "lab",
                "forward_drop",
                "{ type filter hook forward priority 0 ; }",
            ],
        );
        self.must(
            name,
            &[
                "nft",
                "add",
                "rule",
                "inet",
                "lab",
                "forward_drop",
                "counter",
            ],
        );
        self.must(
            name,
            &[
                "nft",
                "add",
                "rule",
                "inet",
                "lab",
                "forward_drop",
                "numgen",
                "random",
                "mod",
                &one_in,
                "0",
                "counter",
                "drop",
            ],
        );
    }

    /// What [`Lab::drop_forwarded`] has done in `name` so far.
    pub fn forward_drops(&self, name: &str) -> ForwardDrops {
        self.chain_counts(name, "forward_drop")
    }

    /// The two counters of chain `chain` (table `inet lab`) in namespace
    /// `name`: what came in, what was dropped.
    fn chain_counts(&self, name: &str, chain: &str) -> ForwardDrops {
        let out = self.exec(name, &["nft", "list", "chain", "inet", "lab", chain]);
        assert!(out.status.success(), "no {chain} chain in {name}");
        // Each rule's line has "counter packets N bytes M": all that came to
        // be forwarded first, then what the drop rule took of it.
        let counts: Vec<u64> = crate::text(&out.stdout)
            .lines()
            .filter_map(|line| {
                let (_, after) = line.split_once("counter packets ")?;
                after.split_whitespace().next()?.parse().ok()
            })
            .collect();
        assert_eq!(counts.len(), 2, "{}", crate::text(&out.stdout));
        ForwardDrops {
            seen: counts[0],
            dropped: counts[1],
        }
    }

    /// Gives namespace `name` its own `/etc/FILE` (`hosts`,
    /// `resolv.conf`) holding `contents`: `ip netns exec` binds
    /// `/etc/netns/NS/FILE` over `/etc/FILE` for what it runs, so a test
    /// controls what names resolve to there, and which DNS server is asked.
    /// Removed with the lab.
    pub fn etc_file(&self, name: &str, file: &str, contents: &str) {
        let dir = Path::new(ETC_NETNS).join(self.ns(name));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let path = dir.join(file);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Opens ping sockets (`SOCK_DGRAM` ICMP) to every group inside
    /// namespace `name`; a new namespace starts with them off.
    pub fn allow_ping_sockets(&self, name: &str) {
        self.sysctl(name, "net.ipv4.ping_group_range=0 2147483647");
    }

    /// Runs `f` on a thread that has entered namespace `name`; sockets it
    /// opens stay in that namespace wherever they are used later
    /// (`icmpkit_net::netns::run_in`).
    #[cfg(feature = "sockets")]
    pub fn enter<T: Send>(&self, name: &str, f: impl FnOnce() -> T + Send) -> T {
        icmpkit_net::netns::run_in(&self.ns(name), f)
            .unwrap_or_else(|e| panic!("enter {name}: {e}"))
    }
}

/// The user and group id of [`Lab::run_unprivileged`]: 65534, the
/// kernel's overflow id (`nobody`, and `nogroup` or `nobody`).
pub const UNPRIVILEGED_ID: u32 = 65534;

/// `setpriv`'s arguments that run `program args` as [`UNPRIVILEGED_ID`],
/// user and group, with no supplementary group and no capability in any
/// set (the bounding set too: nothing can win one back).
fn unprivileged(program: &str, args: &[&str]) -> Vec<String> {
    let id = UNPRIVILEGED_ID;
    let mut all = vec![
        format!("--reuid={id}"),
        format!("--regid={id}"),
        "--clear-groups".to_owned(),
        "--inh-caps=-all".to_owned(),
        "--bounding-set=-all".to_owned(),
        program.to_owned(),
    ];
    all.extend(args.iter().map(|&a| a.to_owned()));
    all
}

/// `strings` as the `&str`s a command's arguments are given as.
fn borrowed(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}

/// Reads a number from a `/proc` file; inside [`Lab::enter`], a
/// namespace's `/proc/sys/net` setting.
pub fn proc_number(path: &str) -> u8 {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Where `ip netns exec` finds files to bind over `/etc` ([`Lab::etc_file`]).
const ETC_NETNS: &str = "/etc/netns";

impl Drop for Lab {
    fn drop(&mut self) {
        let ours = format!("{}-", self.prefix);
        if let Ok(dirs) = std::fs::read_dir(ETC_NETNS) {
            for dir in dirs.flatten() {
                if dir.file_name().to_string_lossy().starts_with(&ours) {
                    let _ = std::fs::remove_dir_all(dir.path());
                }
            }
        }
        let _ = Command::new(self.topology.script())
            .args(["down", &self.prefix])
            .status();
    }
}

#[cfg(test)]
mod tests;
