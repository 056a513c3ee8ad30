//! `icmpkit netsim up` carries the real tools: in a namespace of its own
//! (`Lab::host`), `examples/netsim/chain.toml` (tun → r1 → r2 → r3 → r4 →
//! `203.0.113.10` and `2001:db8:10::10`, 5 ms links, the last with MTU
//! 1280) behind the TUN device, and iputils ping (never under 50 ms),
//! traceroute (UDP, ICMP, TCP: r1..r4 then the destination, nothing else)
//! and tracepath (pmtu 1280) through it; mtr's report and scamper's trace
//! and tracelb the same path, and icmpkit's ping, trace and mtr; SIGINT
//! stops it with a summary whose counters match. The device has its
//! link's MTU (tracepath starts from it). Loss is binomial and counted
//! packet for packet. And its refusals: a device name taken, no
//! `CAP_NET_ADMIN`, a bad topology file. (The diamond: `netsim_multipath`.)

use std::net::IpAddr;
use std::process::Command;

use icmpkit_lab::bin::RunnableCopy;
use icmpkit_lab::netns::Lab;
use icmpkit_lab::netsim::{BOUND, Netsim};
use icmpkit_lab::traceroute::hop_lines;
use icmpkit_lab::{icmpkit, repo, require, text};

/// `examples/netsim/chain.toml`.
fn chain_toml() -> String {
    repo()
        .join("examples/netsim/chain.toml")
        .to_str()
        .unwrap()
        .to_owned()
}

/// `TEXT` written to a file of its own, removed when dropped.
struct TempToml(std::path::PathBuf);

impl TempToml {
    fn new(name: &str, text: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("icmpkit-netsim-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        Self(file)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempToml {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Starts `icmpkit netsim up ARGS chain.toml` in `lab`'s host namespace
/// and checks its ready line.
fn start_chain(lab: &Lab, args: &[&str]) -> Netsim {
    let (netsim, line) = start_with(lab, &chain_toml(), args);
    assert_eq!(
        line,
        "netsim0 up: 198.51.100.1/32 2001:db8:100::1/128, 10 routes; Ctrl-C stops it"
    );
    netsim
}

/// Starts `icmpkit netsim up ARGS TOPOLOGY` in `lab`'s host namespace;
/// the ready line.
fn start_with(lab: &Lab, topology: &str, args: &[&str]) -> (Netsim, String) {
    let mut all = args.to_vec();
    all.push(topology);
    let netsim = Netsim::start(lab, "host", icmpkit!(), &all);
    let line = netsim.ready_line().to_owned();
    (netsim, line)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The chain's hops from the device: r1..r4, then the destination.
fn chain_hops(v6: bool) -> Vec<IpAddr> {
    let hops = if v6 {
        [
            "2001:db8:1::1",
            "2001:db8:2::1",
            "2001:db8:3::1",
            "2001:db8:4::1",
            "2001:db8:10::10",
        ]
    } else {
        [
            "198.51.100.11",
            "198.51.100.12",
            "198.51.100.13",
            "198.51.100.14",
            "203.0.113.10",
        ]
    };
    hops.into_iter().map(ip).collect()
}

/// Asserts that traceroute-style `stdout` shows r1..r4 then the
/// destination, one line per TTL, every probe answered.
fn assert_trace_sees_chain(stdout: &str, v6: bool, what: &str) {
    let got: Vec<(u8, Vec<IpAddr>, usize)> = hop_lines(stdout)
        .iter()
        .map(|h| (h.ttl, h.addrs.clone(), h.stars))
        .collect();
    let want: Vec<(u8, Vec<IpAddr>, usize)> = (1..)
        .zip(chain_hops(v6))
        .map(|(ttl, a)| (ttl, vec![a], 0))
        .collect();
    assert_eq!(got, want, "{what}:\n{stdout}");
}

/// Asserts that an mtr report shows r1..r4 then the destination, without
/// loss.
fn assert_mtr_sees_chain(stdout: &str, v6: bool, what: &str) {
    let hops: Vec<IpAddr> = stdout
        .lines()
        .filter_map(|l| l.split_once("|-- "))
        .map(|(_, rest)| ip(rest.split_whitespace().next().unwrap()))
        .collect();
    assert_eq!(hops, chain_hops(v6), "{what}:\n{stdout}");
    assert!(
        stdout
            .lines()
            .filter(|l| l.contains("|-- "))
            .all(|l| l.contains(" 0.0%")),
        "{what}: no loss\n{stdout}"
    );
}

/// The minimum and maximum RTT (ms) of iputils ping's summary line.
fn rtt_min_max(out: &str) -> (f64, f64) {
    let line = out
        .lines()
        .find(|l| l.starts_with("rtt min/avg/max/mdev = "))
        .unwrap_or_else(|| panic!("no rtt line: {out}"));
    let values: Vec<f64> = line["rtt min/avg/max/mdev = ".len()..]
        .trim_end_matches(" ms")
        .split('/')
        .map(|v| v.parse().unwrap())
        .collect();
    (values[0], values[2])
}

#[test]
fn real_tools_see_the_configured_chain() {
    let test = "real_tools_see_the_configured_chain";
    for program in ["ping", "traceroute", "tracepath"] {
        if !require::program(program) {
            return;
        }
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let netsim = start_chain(&lab, &["--json", "--seed", "7"]);

    // ping: 5 echoes each way, every RTT 50 ms (five 5 ms links both
    // ways) plus what the kernel and the loop add, never less.
    for dst in ["203.0.113.10", "2001:db8:10::10"] {
        let out = lab.run_bounded("host", BOUND, "ping", &["-c", "5", "-i", "0.2", dst]);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("5 packets transmitted, 5 received"),
            "{stdout}"
        );
        let (min, max) = rtt_min_max(&stdout);
        eprintln!("ping {dst}: rtt {min:.3} to {max:.3} ms");
        assert!(min >= 50.0, "{stdout}");
        // Gross errors only: a busy machine delays the tools' own clocks.
        assert!(max < 100.0, "{stdout}");
    }

    // traceroute: UDP, ICMP and TCP probes see r1..r4, then the
    // destination, each hop answering all three probes.
    for (dst, v6) in [("203.0.113.10", false), ("2001:db8:10::10", true)] {
        for method in [None, Some("-I"), Some("-T")] {
            let mut args = vec!["-n"];
            args.extend(method);
            args.push(dst);
            let out = lab.run_bounded("host", BOUND, "traceroute", &args);
            let stdout = text(&out.stdout);
            assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
            assert_trace_sees_chain(&stdout, v6, &format!("traceroute {args:?}"));
        }
    }

    // tracepath: the last link's MTU.
    for dst in ["203.0.113.10", "2001:db8:10::10"] {
        let out = lab.run_bounded("host", BOUND, "tracepath", &["-n", dst]);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("Resume: pmtu 1280 hops 5 back 5"),
            "tracepath {dst}:\n{stdout}"
        );
    }

    let summary = netsim.interrupt();
    eprintln!("{summary}");
    let n = |key: &str| summary[key].as_u64().unwrap_or_else(|| panic!("{key}"));
    assert_eq!(summary["device"], "netsim0");
    // Every packet read was injected; every one leaving was written.
    assert_eq!(n("read"), n("injected"));
    assert_eq!(n("written"), n("egress"));
    assert_eq!(n("write_errors"), 0);
    // Ten echoes answered, TCP probes answered, nothing lost or refused.
    assert!(n("answered") >= 10, "{summary}");
    assert_eq!(n("lost"), 0);
    assert_eq!(summary["refused"], serde_json::json!({}));
    assert_eq!(summary["rate_limited"], serde_json::json!({}));
    // Three methods × two families × four routers × three probes at
    // least; tracepath's walks meet the 1280 link once per family at
    // least.
    let errors = &summary["errors"];
    assert!(errors["time-exceeded"].as_u64().unwrap() >= 72, "{summary}");
    assert!(errors["too-big"].as_u64().unwrap() >= 2, "{summary}");
    let lateness = &summary["lateness"];
    assert_eq!(lateness["packets"], summary["written"]);
    eprintln!(
        "lateness: p50 {} us, p99 {} us, max {} us",
        lateness["p50_us"], lateness["p99_us"], lateness["max_us"]
    );
}

#[test]
fn mtr_and_scamper_see_the_chain() {
    let test = "mtr_and_scamper_see_the_chain";
    for program in ["mtr", "scamper"] {
        if !require::program(program) {
            return;
        }
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let netsim = start_chain(&lab, &["--json", "--realtime"]);
    for (dst, v6) in [("203.0.113.10", false), ("2001:db8:10::10", true)] {
        let out = lab.run_bounded(
            "host",
            BOUND,
            "mtr",
            &["-r", "-n", "-c", "3", "-i", "0.2", dst],
        );
        assert_mtr_sees_chain(&text(&out.stdout), v6, &format!("mtr {dst}"));
        let method = if v6 { "udp-paris" } else { "icmp-paris" };
        let out = lab.run_bounded(
            "host",
            BOUND,
            "scamper",
            &["-O", "text", "-c", &format!("trace -P {method}"), "-i", dst],
        );
        let stdout = text(&out.stdout);
        let hops: Vec<IpAddr> = icmpkit_lab::traceroute::hop_lines(&stdout)
            .iter()
            .flat_map(|h| h.addrs.clone())
            .collect();
        assert_eq!(hops, chain_hops(v6), "scamper trace {dst}:\n{stdout}");
    }
    // tracelb: one path, four links, no diamond.
    let out = lab.run_bounded(
        "host",
        BOUND,
        "scamper",
        &["-O", "text", "-c", "tracelb", "-i", "203.0.113.10"],
    );
    let stdout = text(&out.stdout);
    let links: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(
        links,
        [
            "198.51.100.11 -> 198.51.100.12",
            "198.51.100.12 -> 198.51.100.13",
            "198.51.100.13 -> 198.51.100.14",
            "198.51.100.14 -> 203.0.113.10",
        ],
        "{stdout}"
    );
    let summary = netsim.interrupt();
    assert_eq!(summary["lost"], 0);
    assert_eq!(summary["write_errors"], 0);
}

#[test]
fn icmpkit_ping_trace_and_mtr_see_the_chain() {
    let test = "icmpkit_ping_trace_and_mtr_see_the_chain";
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let netsim = start_chain(&lab, &["--json"]);
    for (dst, v6) in [("203.0.113.10", false), ("2001:db8:10::10", true)] {
        let out = lab.run_bounded(
            "host",
            BOUND,
            icmpkit!(),
            &["ping", "-c", "3", "-i", "0.2", dst],
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("3 packets transmitted, 3 received"),
            "{stdout}"
        );
        let (min, max) = rtt_min_max(&stdout);
        assert!(min >= 50.0 && max < 100.0, "{stdout}");

        for method in [None, Some("-I"), Some("-T")] {
            let mut args = vec!["trace", "-n"];
            args.extend(method);
            args.push(dst);
            let out = lab.run_bounded("host", BOUND, icmpkit!(), &args);
            let stdout = text(&out.stdout);
            assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
            assert_trace_sees_chain(&stdout, v6, &format!("icmpkit {args:?}"));
        }

        let out = lab.run_bounded(
            "host",
            BOUND,
            icmpkit!(),
            &["mtr", "-r", "-n", "-c", "3", "-i", "0.2", dst],
        );
        assert_mtr_sees_chain(&text(&out.stdout), v6, &format!("icmpkit mtr {dst}"));
    }
    let summary = netsim.interrupt();
    assert_eq!(summary["lost"], 0);
    assert_eq!(summary["refused"], serde_json::json!({}));
}

#[test]
fn the_device_has_its_links_mtu() {
    let test = "the_device_has_its_links_mtu";
    if !require::program("tracepath") {
        return;
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let file = TempToml::new(
        "mtu",
        "[[attachment]]\nname = \"tun\"\naddresses = [\"198.51.100.1\"]\n\
         [[router]]\nname = \"r1\"\naddresses = [\"198.51.100.11\"]\n\
         [[host]]\nname = \"dst\"\naddresses = [\"203.0.113.10\"]\n\
         [[link]]\nbetween = [\"tun\", \"r1\"]\nmtu = 1400\n\
         [[link]]\nbetween = [\"r1\", \"dst\"]\nmtu = 1300\n",
    );
    let (netsim, line) = start_with(&lab, file.path(), &["--json"]);
    assert_eq!(
        line,
        "netsim0 up: 198.51.100.1/32, 2 routes; Ctrl-C stops it"
    );
    let link = text(
        &lab.exec("host", &["ip", "-o", "link", "show", "netsim0"])
            .stdout,
    );
    assert!(link.contains(" mtu 1400 "), "{link}");
    // tracepath starts from the device's MTU and meets r1's 1300 link.
    let out = lab.run_bounded("host", BOUND, "tracepath", &["-n", "203.0.113.10"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(" 1?: [LOCALHOST]                      pmtu 1400\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Resume: pmtu 1300 hops 2 back 2"),
        "{stdout}"
    );
    let summary = netsim.interrupt();
    assert!(
        summary["errors"]["too-big"].as_u64().unwrap() >= 1,
        "{summary}"
    );
}

#[test]
fn loss_is_binomial_and_counted() {
    let test = "loss_is_binomial_and_counted";
    if !require::program("ping") {
        return;
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    // 10% loss each way on the last link: an exchange survives with
    // probability 0.81; 2 ms (up to 3 ms) each way.
    let file = TempToml::new(
        "loss",
        "[[attachment]]\nname = \"tun\"\naddresses = [\"198.51.100.1\"]\n\
         [[router]]\nname = \"r1\"\naddresses = [\"198.51.100.11\"]\n\
         [[host]]\nname = \"dst\"\naddresses = [\"203.0.113.10\"]\n\
         [[link]]\nbetween = [\"tun\", \"r1\"]\n\
         [[link]]\nbetween = [\"r1\", \"dst\"]\ndelay = \"2ms\"\njitter = \"1ms\"\nloss = 0.1\n",
    );
    let (netsim, _) = start_with(&lab, file.path(), &["--json", "--seed", "3"]);
    let out = lab.run_bounded(
        "host",
        BOUND,
        "ping",
        &["-c", "400", "-i", "0.01", "-q", "203.0.113.10"],
    );
    let stdout = text(&out.stdout);
    let summary = netsim.interrupt();
    let line = stdout
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let (sent, received): (u64, u64) = (words[0].parse().unwrap(), words[3].parse().unwrap());
    assert_eq!(sent, 400, "{stdout}");
    // Binomial(400, 0.19): mean 76, standard deviation 7.8; four of them
    // either way.
    let lost = sent - received;
    assert!((45..=107).contains(&lost), "{lost} lost: {stdout}");
    // An exchange loses one packet at most (a lost request has no reply).
    assert_eq!(summary["lost"], lost, "{summary}");
    let (min, _) = rtt_min_max(&stdout);
    assert!(min >= 4.0, "{stdout}");
}

#[test]
fn a_duration_ends_the_run_and_the_file_holds_the_summary() {
    let test = "a_duration_ends_the_run_and_the_file_holds_the_summary";
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let file = std::env::temp_dir().join(format!("icmpkit-netsim-{}.json", std::process::id()));
    let chain = chain_toml();
    let out = lab.run_bounded(
        "host",
        BOUND,
        icmpkit!(),
        &[
            "netsim",
            "up",
            &chain,
            "--duration",
            "0.3",
            "--stats-json",
            file.to_str().unwrap(),
        ],
    );
    let json = std::fs::read_to_string(&file);
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("--- netsim0 netsim statistics: 0.3"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("lateness: no packets left the network\n"),
        "{stdout}"
    );
    let summary: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
    // The device sends nothing of its own (no IPv6 link-local address,
    // so no router solicitation or MLD report).
    assert_eq!(summary["read"], 0, "{summary}");
    assert_eq!(summary["lateness"], serde_json::Value::Null);
    // The device went away with the process.
    let links = lab.exec("host", &["ip", "-o", "link"]);
    assert!(!text(&links.stdout).contains("netsim0"));
}

#[test]
fn a_device_name_taken_is_refused() {
    let Some(lab) = Lab::host("a_device_name_taken_is_refused") else {
        return;
    };
    let out = lab.run_bounded(
        "host",
        BOUND,
        icmpkit!(),
        &["netsim", "up", &chain_toml(), "--dev", "lo"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "icmpkit: a network device named lo exists already: choose another name\n"
    );
}

#[test]
fn without_cap_net_admin_the_capability_is_named() {
    let test = "without_cap_net_admin_the_capability_is_named";
    if !require::program("setpriv") {
        return;
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let copy = RunnableCopy::new(icmpkit!(), "netsim-unprivileged");
    let path = copy.path();
    let out = lab.run_unprivileged(
        "host",
        BOUND,
        path.to_str().unwrap(),
        &["netsim", "up", &chain_toml()],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("icmpkit: creating TUN device netsim0 needs CAP_NET_ADMIN: run as root"),
        "{stderr}"
    );
}

#[test]
fn a_bad_topology_file_names_itself() {
    for (toml, error) in [
        (
            "[[node]\nname = \n",
            "1:8: unclosed array table, expected `]`",
        ),
        (
            "[[attachment]]\nname = \"tun\"\naddresses = [\"198.51.100.1\"]\n\
             [[link]]\nbetween = [\"tun\", \"r9\"]\n",
            "5:19: link 1, between: no node named \"r9\"; nodes are: tun",
        ),
    ] {
        let file = TempToml::new("bad", toml);
        let out = Command::new(icmpkit!())
            .args(["netsim", "up", file.path()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        // config's message, with the place; nothing made before it.
        assert_eq!(
            text(&out.stderr),
            format!("icmpkit: {}:{error}\n", file.path())
        );
    }
}
