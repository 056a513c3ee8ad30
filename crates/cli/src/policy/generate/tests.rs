use clap::Parser;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

fn parsed(line: &[&str]) -> Result<Options> {
    let cli = Cli::try_parse_from(std::iter::once("generate").chain(line.iter().copied()))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    options(&cli.args)
}

fn error(line: &[&str]) -> String {
    format!("{:#}", parsed(line).unwrap_err())
}

#[test]
fn the_defaults_are_the_libraries() {
    assert_eq!(
        parsed(&["--role", "router"]).unwrap(),
        Options::new(Role::Router)
    );
    assert!(error(&[]).contains("--role"));
}

#[test]
fn every_option_reaches_the_decisions() {
    let options = parsed(&[
        "--role",
        "firewall",
        "--family",
        "ip6",
        "--echo-rate",
        "20/sec",
        "--echo-burst",
        "40",
        "--ping-host",
        "2001:db8::/64",
        "--ping-host",
        "2001:DB8::1",
        "--outside",
        "eth1",
        "--log-drops",
        "--hide-topology",
        "wan0",
    ])
    .unwrap();
    assert_eq!(options.family, TableFamily::Ip6);
    assert_eq!(
        options.echo_rate,
        Rate {
            per_second: 20,
            unit: RateUnit::Second,
            burst: 40,
            key: RateKey::Source,
        }
    );
    assert_eq!(options.ping_hosts, ["2001:db8::/64", "2001:db8::1"]);
    assert_eq!(options.outside.as_deref(), Some("eth1"));
    assert!(options.log_drops);
    assert_eq!(options.hide_topology.as_deref(), Some("wan0"));
}

#[test]
fn bad_values_name_the_option_and_the_fix() {
    assert_eq!(
        error(&["--role", "host", "--echo-rate", "0/s"]),
        "--echo-rate 0/s: use N/s with N from 1 to 100000, e.g. --echo-rate 5/s"
    );
    assert_eq!(
        error(&["--role", "host", "--echo-rate", "fast"]),
        "--echo-rate fast: use N/s with N from 1 to 100000, e.g. --echo-rate 5/s"
    );
    assert_eq!(
        error(&["--role", "host", "--echo-burst", "0"]),
        "--echo-burst 0: out of range, use 1 to 100000"
    );
    assert_eq!(
        error(&["--role", "host", "--ping-host", "10.0.0.1/24"]),
        "--ping-host 10.0.0.1/24: host bits are set; use 10.0.0.0/24 (the prefix) or 10.0.0.1 (the address)"
    );
    assert_eq!(
        error(&["--role", "host", "--ping-host", "fe80::1%eth0"]),
        "--ping-host fe80::1%eth0: a firewall rule matches the address, not its scope; give fe80::1 alone"
    );
    assert_eq!(
        error(&["--role", "host", "--ping-host", "pinghost"]),
        "--ping-host pinghost: not an IPv4 or IPv6 address or prefix (ADDRESS/LENGTH)"
    );
    assert_eq!(
        error(&[
            "--role",
            "host",
            "--family",
            "ip",
            "--ping-host",
            "2001:db8::1"
        ]),
        "--ping-host 2001:db8::1: an IPv6 address, but --family ip has no IPv6; use --family inet or --family ip6"
    );
    assert_eq!(
        error(&["--role", "host", "--hide-topology", "eth0"]),
        "--hide-topology: a host forwards nothing, so there is no network behind it to hide; \
         use it with --role router or --role firewall"
    );
    assert!(
        error(&["--role", "router", "--hide-topology", "eth 0"])
            .starts_with("--hide-topology \"eth 0\": not an interface name")
    );
    assert!(
        error(&[
            "--role",
            "router",
            "--hide-topology",
            "averyveryverylongname"
        ])
        .contains("1 to 15")
    );
    assert_eq!(
        error(&["--role", "host", "--outside", "eth0"]),
        "--outside: a host forwards nothing, so it has no outside to tell from an inside; \
         use it with --role router or --role firewall"
    );
    assert!(
        error(&["--role", "firewall", "--outside", "eth'0"])
            .starts_with("--outside \"eth'0\": not an interface name")
    );
}

#[test]
fn ping_hosts_on_a_router_or_firewall_need_the_outside_interface() {
    for role in ["router", "firewall"] {
        assert_eq!(
            error(&["--role", role, "--ping-host", "192.0.2.10"]),
            "--ping-host on a router or firewall needs --outside IFACE (the interface facing the \
             untrusted side), so that clients inside can still ping out"
        );
        let options = parsed(&[
            "--role",
            role,
            "--ping-host",
            "192.0.2.10",
            "--outside",
            "eth0",
        ])
        .unwrap();
        assert_eq!(options.ping_hosts, ["192.0.2.10"]);
        assert_eq!(options.outside.as_deref(), Some("eth0"));
    }
    // Without --ping-host, --outside changes nothing and is accepted.
    assert!(parsed(&["--role", "router", "--outside", "eth0"]).is_ok());
}

#[test]
fn a_family_without_ping_hosts_of_one_version_is_warned_about() {
    let options = parsed(&["--role", "host", "--ping-host", "10.0.0.1"]).unwrap();
    assert_eq!(
        warnings(&options),
        ["no IPv6 --ping-host given: every IPv6 echo request is dropped"]
    );
    assert!(warnings(&parsed(&["--role", "host"]).unwrap()).is_empty());
    let options = parsed(&[
        "--role",
        "firewall",
        "--ping-host",
        "2001:db8::1",
        "--outside",
        "eth0",
    ])
    .unwrap();
    assert_eq!(
        warnings(&options),
        ["no IPv4 --ping-host given: every IPv4 echo request arriving on eth0 is dropped"]
    );
    assert_eq!(
        warnings(&parsed(&["--role", "router", "--outside", "eth0"]).unwrap()),
        [
            "--outside eth0 does nothing without --ping-host: every echo request is limited, not restricted"
        ]
    );
}

#[test]
fn prefixes_and_files_are_named_as_documented() {
    assert_eq!(
        network("10.1.2.3".parse().unwrap(), 16).to_string(),
        "10.1.0.0"
    );
    assert_eq!(
        network("10.1.2.3".parse().unwrap(), 0).to_string(),
        "0.0.0.0"
    );
    assert_eq!(
        network("2001:db8::1".parse().unwrap(), 64).to_string(),
        "2001:db8::"
    );
    assert_eq!(
        versioned(Path::new("/etc/iptables/rules"), IpVersion::V6),
        Path::new("/etc/iptables/rules.v6")
    );
}

#[test]
fn both_iptables_texts_share_a_stream_under_banners() {
    let texts = iptables::render(&decide(&Options::new(Role::Host)));
    let stream = joined(&texts);
    assert!(stream.starts_with(
        "# ======== iptables-restore: save this part on its own (or use -o FILE) ========\n"
    ));
    assert!(stream.contains(
        "\n\n# ======== ip6tables-restore: save this part on its own (or use -o FILE) ========\n"
    ));
    assert_eq!(stream.matches("COMMIT\n").count(), 2);
}
