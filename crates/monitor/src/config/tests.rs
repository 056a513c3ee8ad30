//! The configuration file: every key read, defaults and inheritance,
//! prefixes expanded, every mistake located and explained (each message
//! asserted whole), and the start without a file.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::alert::rule::{Condition, Delivery, Receiver, Selector};
use crate::history::retention::Level;
use crate::target::Family;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn ok(text: &str) -> Config {
    match parse(text, "m.toml") {
        Ok(config) => config,
        Err(e) => panic!("{e}\n--- in ---\n{text}"),
    }
}

/// Each text's error, whole; every mismatch shown before failing.
fn check(cases: &[(&str, &str)]) {
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let got = match parse(text, "m.toml") {
            Ok(_) => "(no error)".to_owned(),
            Err(e) => e.to_string(),
        };
        if got != *expected {
            wrong.push(format!(
                "--- text:\n{text}--- expected:\n{expected}\n--- got:\n{got}\n"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn an_empty_file_is_every_default() {
    let c = ok("");
    assert_eq!(c.agent, default_agent());
    assert!(!c.agent.is_empty());
    assert_eq!(c.listen, "127.0.0.1:9470".parse().unwrap());
    assert_eq!(c.data_dir, default_data_dir());
    assert_eq!(c.retention, Retention::default());
    assert_eq!(c.targets, Targets::default());
    assert!(c.alerts.is_empty());
    assert!(c.receivers.is_empty());
}

#[test]
fn the_data_dir_is_systemds_state_directory_else_a_local_one() {
    assert_eq!(data_dir_from(None), PathBuf::from("./icmpkit-monitor-data"));
    assert_eq!(
        data_dir_from(Some("".into())),
        PathBuf::from("./icmpkit-monitor-data")
    );
    assert_eq!(
        data_dir_from(Some("/var/lib/icmpkit-monitor".into())),
        PathBuf::from("/var/lib/icmpkit-monitor")
    );
    assert_eq!(
        data_dir_from(Some("/var/lib/a:/var/lib/b".into())),
        PathBuf::from("/var/lib/a")
    );
}

#[test]
fn top_level_keys_are_read() {
    let c = ok("agent = \"lab-a\"\nlisten = \"[::1]:9999\"\ndata_dir = \"/tmp/m\"\n");
    assert_eq!(c.agent, "lab-a");
    assert_eq!(c.listen, "[::1]:9999".parse().unwrap());
    assert_eq!(c.data_dir, PathBuf::from("/tmp/m"));
}

#[test]
fn a_target_without_a_group_is_in_the_group_default_probed_as_defaults_say() {
    let c = ok(
        "[defaults]\nstep = \"30s\"\ninterval = \"500ms\"\nlabels = { env = \"lab\" \
            }\n\n[[target]]\nhost = \"10.0.0.1\"\n",
    );
    assert_eq!(c.targets.groups.len(), 1);
    let g = &c.targets.groups[0];
    assert_eq!(&*g.name, "default");
    assert_eq!(g.labels, labels(&[("env", "lab")]));
    assert_eq!(
        g.probing,
        Probing {
            step: secs(30),
            pings: 60,
            ..Probing::default()
        }
    );
    let t = &c.targets.targets[0];
    assert_eq!(
        (t.name.as_ref(), t.host.as_ref(), t.ip, t.group),
        ("10.0.0.1", "10.0.0.1", Some(ip("10.0.0.1")), 0)
    );
}

#[test]
fn without_defaults_a_group_probes_once_a_second_in_a_minute_step() {
    let c = ok("[[group]]\nname = \"g\"\n");
    assert_eq!(c.targets.groups[0].probing, Probing::default());
    assert_eq!(c.targets.groups[0].probing.interval(), secs(1));
}

#[test]
fn groups_inherit_defaults_key_by_key_and_merge_labels() {
    let c = ok(r#"
[defaults]
step = "60s"
pings = 30
size = 100
tos = 184
df = true
family = "ipv4"
timeout = "2s"
trace_every = "10m"
pmtu = true
labels = { env = "lab", site = "x" }

[[group]]
name = "core"
step = "300s"
pings = 20
labels = { site = "fra1" }

[[group]]
name = "fast"
interval = "250ms"
family = "any"
df = false
"#);
    let core = &c.targets.groups[0];
    assert_eq!(&*core.name, "core");
    assert_eq!(
        core.probing,
        Probing {
            step: secs(300),
            pings: 20,
            size: 100,
            tos: 184,
            df: true,
            family: Family::V4,
            timeout: secs(2),
            trace_every: Some(secs(600)),
            pmtu: true,
        }
    );
    assert_eq!(core.labels, labels(&[("env", "lab"), ("site", "fra1")]));
    let fast = &c.targets.groups[1];
    // Its interval over the defaults' pings: 240 in the inherited 60 s.
    assert_eq!(fast.probing.pings, 240);
    assert_eq!(fast.probing.step, secs(60));
    assert_eq!(fast.probing.family, Family::Any);
    assert!(!fast.probing.df);
    assert_eq!(fast.labels, labels(&[("env", "lab"), ("site", "x")]));
}

#[test]
fn an_interval_in_defaults_makes_pings_from_each_groups_step() {
    let c = ok(
        "[defaults]\ninterval = \"2s\"\n[[group]]\nname = \"a\"\nstep = \"300s\"\n[[group]]\nname \
            = \"b\"\npings = 7\n",
    );
    assert_eq!(c.targets.groups[0].probing.pings, 150);
    assert_eq!(c.targets.groups[1].probing.pings, 7);
}

#[test]
fn targets_take_their_group_name_and_labels() {
    let c = ok(r#"
[[group]]
name = "core"

[[target]]
name = "gw"
host = "10.0.0.1"
group = "core"
labels = { role = "router" }

[[target]]
host = "ns1.example.net"

[[target]]
host = "2001:db8::1"
group = "default"
"#);
    let t = &c.targets;
    assert_eq!(
        t.groups.iter().map(|g| g.name.as_ref()).collect::<Vec<_>>(),
        ["core", "default"]
    );
    assert_eq!(&*t.targets[0].name, "gw");
    assert_eq!(t.targets[0].group, 0);
    assert_eq!(
        t.targets[0].labels.as_deref(),
        Some(&labels(&[("role", "router")]))
    );
    assert_eq!(&*t.group_of(&t.targets[0]).name, "core");
    // A host name is left for the daemon to resolve.
    assert_eq!(&*t.targets[1].name, "ns1.example.net");
    assert_eq!(t.targets[1].ip, None);
    assert_eq!(t.targets[1].group, 1);
    assert_eq!(t.targets[2].ip, Some(ip("2001:db8::1")));
    assert_eq!(t.targets[2].group, 1);
}

#[test]
fn an_ipv4_prefix_expands_to_its_hosts_named_after_the_entry() {
    let c = ok("[[target]]\nname = \"lan\"\nhost = \"10.0.1.0/29\"\n");
    let names: Vec<&str> = c.targets.targets.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "lan/10.0.1.1",
            "lan/10.0.1.2",
            "lan/10.0.1.3",
            "lan/10.0.1.4",
            "lan/10.0.1.5",
            "lan/10.0.1.6"
        ]
    );
    let t = &c.targets.targets[0];
    assert_eq!((t.host.as_ref(), t.ip), ("10.0.1.1", Some(ip("10.0.1.1"))));
}

#[test]
fn a_prefix_without_a_name_names_each_target_by_its_address() {
    let c = ok(
        "[[target]]\nhost = \"10.0.1.0/31\"\n[[target]]\nhost = \"10.0.2.7/32\"\n[[target]]\nhost \
            = \"2001:db8::/126\"\n",
    );
    let names: Vec<&str> = c.targets.targets.iter().map(|t| t.name.as_ref()).collect();
    // /31 and /32: every address (RFC 3021); IPv6: every address.
    assert_eq!(
        names,
        [
            "10.0.1.0",
            "10.0.1.1",
            "10.0.2.7",
            "2001:db8::",
            "2001:db8::1",
            "2001:db8::2",
            "2001:db8::3"
        ]
    );
}

#[test]
fn the_largest_prefixes_expand_and_names_stay_unique() {
    let c = ok(
        "[[target]]\nname = \"a\"\nhost = \"10.1.0.0/16\"\n[[target]]\nname = \"b\"\nhost = \
            \"2001:db8::/112\"\n",
    );
    assert_eq!(c.targets.targets.len(), 65_534 + 65_536);
    assert_eq!(&*c.targets.targets[65_533].name, "a/10.1.255.254");
    assert_eq!(&*c.targets.targets.last().unwrap().name, "b/2001:db8::ffff");
}

#[test]
fn alert_rules_are_read_with_their_defaults() {
    let c = ok(r#"
[[target]]
name = "gw"
host = "10.0.0.1"

[[target]]
name = "lan"
host = "10.0.1.0/30"

[[alert]]
name = "HighLoss"
kind = "loss"
above = "10%"
clear = 0.05
for_steps = 3
clear_steps = 2
severity = "critical"
targets = ["gw", "lan"]
groups = ["default"]
receivers = ["ops"]
labels = { team = "net" }
summary = "Loss above 10 %"

[[alert]]
name = "Slow"
kind = "rtt"
above = "150ms"

[[alert]]
name = "Slower"
kind = "rtt_over_baseline"
percent = "50%"
clear_percent = 20

[[alert]]
name = "Down"
kind = "down"

[[alert]]
name = "Path"
kind = "path_changed"

[[alert]]
name = "Pmtu"
kind = "pmtu_dropped"

[[receiver]]
name = "ops"
webhook = "http://127.0.0.1:5001/hook"
"#);
    let high = &c.alerts[0];
    assert_eq!(&*high.name, "HighLoss");
    assert_eq!(
        high.condition,
        Condition::Loss {
            above: 0.1,
            clear: 0.05
        }
    );
    assert_eq!((high.for_steps, high.clear_steps), (3, 2));
    assert_eq!(high.severity, "critical");
    assert_eq!(
        high.selector,
        Selector {
            targets: vec!["gw".into(), "lan/10.0.1.1".into(), "lan/10.0.1.2".into()],
            groups: vec!["default".into()],
        }
    );
    assert_eq!(high.receivers, ["ops"]);
    assert_eq!(high.labels, labels(&[("team", "net")]));
    assert_eq!(high.summary.as_deref(), Some("Loss above 10 %"));
    let slow = &c.alerts[1];
    assert_eq!(
        slow.condition,
        Condition::Rtt {
            above: Duration::from_millis(150),
            clear: Duration::from_millis(150)
        }
    );
    assert_eq!((slow.for_steps, slow.clear_steps), (1, 1));
    assert_eq!(slow.severity, "warning");
    assert_eq!(slow.selector, Selector::default());
    assert!(slow.receivers.is_empty() && slow.labels.is_empty() && slow.summary.is_none());
    assert_eq!(
        c.alerts[2].condition,
        Condition::RttOverBaseline {
            percent: 50.0,
            clear_percent: 20.0,
            baseline_steps: DEFAULT_BASELINE_STEPS
        }
    );
    let kinds: Vec<&Condition> = c.alerts[3..].iter().map(|a| &a.condition).collect();
    assert_eq!(
        kinds,
        [
            &Condition::Down,
            &Condition::PathChanged,
            &Condition::PmtuDropped
        ]
    );
}

#[test]
fn receivers_are_read_with_a_five_second_timeout_by_default() {
    let c = ok(r#"
[[receiver]]
name = "hook"
webhook = "http://127.0.0.1:5001/hook"

[[receiver]]
name = "am"
alertmanager = "http://127.0.0.1:9093/"
timeout = "10s"

[[receiver]]
name = "log"
command = ["/usr/bin/logger", "-t", "icmpkit"]
"#);
    assert_eq!(
        c.receivers,
        [
            Receiver {
                name: "hook".into(),
                delivery: Delivery::Webhook {
                    url: "http://127.0.0.1:5001/hook".into()
                },
                timeout: secs(5),
            },
            Receiver {
                name: "am".into(),
                delivery: Delivery::Alertmanager {
                    url: "http://127.0.0.1:9093".into()
                },
                timeout: secs(10),
            },
            Receiver {
                name: "log".into(),
                delivery: Delivery::Command {
                    argv: vec!["/usr/bin/logger".into(), "-t".into(), "icmpkit".into()]
                },
                timeout: DEFAULT_RECEIVER_TIMEOUT,
            },
        ]
    );
}

#[test]
fn history_levels_replace_the_default_ones() {
    let c = ok("[history]\nraw = \"1d\"\nlevels = [{ step = \"10m\", keep = \"30d\" }]\n");
    assert_eq!(
        c.retention,
        Retention {
            raw: secs(86_400),
            levels: vec![Level {
                step: secs(600),
                keep: secs(30 * 86_400)
            }],
        }
    );
    let c = ok("[history]\nraw = \"7d\"\n");
    assert_eq!(c.retention.raw, secs(7 * 86_400));
    assert_eq!(c.retention.levels, Retention::default().levels);
    assert!(ok("[history]\nlevels = []\n").retention.levels.is_empty());
}

#[test]
fn quick_start_pings_each_target_once_a_second_in_the_group_default() {
    let args: Vec<String> = ["10.0.0.1", "gw.example.net", "10.0.1.0/30", "2001:db8::1"]
        .map(String::from)
        .to_vec();
    let c = quick(&args, None).unwrap();
    assert_eq!(c.listen, DEFAULT_LISTEN);
    assert_eq!(c.agent, default_agent());
    assert_eq!(c.data_dir, default_data_dir());
    assert_eq!(c.retention, Retention::default());
    assert!(c.alerts.is_empty() && c.receivers.is_empty());
    assert_eq!(c.targets.groups.len(), 1);
    assert_eq!(&*c.targets.groups[0].name, "default");
    assert_eq!(c.targets.groups[0].probing, Probing::default());
    let got: Vec<(&str, &str, Option<IpAddr>)> = c
        .targets
        .targets
        .iter()
        .map(|t| (t.name.as_ref(), t.host.as_ref(), t.ip))
        .collect();
    assert_eq!(
        got,
        [
            ("10.0.0.1", "10.0.0.1", Some(ip("10.0.0.1"))),
            ("gw.example.net", "gw.example.net", None),
            ("10.0.1.1", "10.0.1.0/30", Some(ip("10.0.1.1"))),
            ("10.0.1.2", "10.0.1.0/30", Some(ip("10.0.1.2"))),
            ("2001:db8::1", "2001:db8::1", Some(ip("2001:db8::1"))),
        ]
    );
    let listen = "0.0.0.0:9999".parse().unwrap();
    assert_eq!(quick(&[], Some(listen)).unwrap().listen, listen);
}

#[test]
fn quick_start_refuses_what_is_not_a_target_and_repeats() {
    let err = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        quick(&args, None).unwrap_err().to_string()
    };
    assert_eq!(
        err(&["10.0.0.300"]),
        "target \"10.0.0.300\": \"10.0.0.300\" is not an address, a host name or a prefix: write \
         an address (10.0.0.1, 2001:db8::1), a host name (gw.example.net) or a prefix (10.0.0.0/24)"
    );
    assert_eq!(
        err(&["10.0.1.0/30", "10.0.1.2"]),
        "target \"10.0.1.2\": 10.0.1.2 is given twice: give each target once"
    );
    assert_eq!(
        err(&["10.0.0.0/8"]),
        "target \"10.0.0.0/8\": \"10.0.0.0/8\" has 16777214 addresses, more than the 65536 one \
         entry may expand to: split it into IPv4 prefixes of /16 or longer"
    );
}

#[test]
fn unknown_keys_list_the_valid_ones_and_suggest_a_near_miss() {
    check(&[
        (
            "bogus = 1\n",
            "m.toml:1:1: key `bogus`: unknown key `bogus`: valid keys are `agent`, `listen`, \
                `data_dir`, `history`, `defaults`, `group`, `target`, `alert` and `receiver`",
        ),
        (
            "[[target]]\nname = \"a\"\nhost = \"10.0.0.1\"\nlables = {}\n",
            "m.toml:4:1: target \"a\", key `lables`: unknown key `lables`: did you mean `labels`? \
                valid keys are `name`, `host`, `group` and `labels`",
        ),
        (
            "[[target]]\nhots = \"x\"\n",
            "m.toml:2:1: target 1, key `hots`: unknown key `hots`: valid keys are `name`, `host`, \
                `group` and `labels`",
        ),
        (
            "[defaults]\ntimout = \"1s\"\n",
            "m.toml:2:1: defaults, key `timout`: unknown key `timout`: did you mean `timeout`? \
                valid keys are `name`, `step`, `pings`, `interval`, `size`, `tos`, `df`, \
                `family`, `timeout`, `trace_every`, `pmtu` and `labels`",
        ),
        (
            "[history]\nlevels = [{ step = \"5m\", keep = \"10d\" }, { stp = \"7m\", keep = \
                \"1d\" }]\n",
            "m.toml:2:44: history, key `levels[2].stp`: unknown key `stp`: did you mean `step`? \
                valid keys are `step` and `keep`",
        ),
        (
            "[[receiver]]\nname = \"r\"\nwebhok = \"http://a\"\n",
            "m.toml:3:1: receiver \"r\", key `webhok`: unknown key `webhok`: did you mean \
                `webhook`? valid keys are `name`, `webhook`, `alertmanager`, `command` and \
                `timeout`",
        ),
        (
            "[[alert]]\nname = \"x\"\nkind = \"down\"\nfor = 3\n",
            "m.toml:4:1: alert \"x\", key `for`: unknown key `for`: valid keys are `name`, \
                `kind`, `above`, `clear`, `percent`, `clear_percent`, `baseline_steps`, \
                `for_steps`, `clear_steps`, `severity`, `targets`, `groups`, `receivers`, \
                `labels` and `summary`",
        ),
    ]);
}

#[test]
fn wrong_types_and_values_say_what_to_write() {
    check(&[
        (
            "[defaults]\nstep = 60\n",
            "m.toml:2:8: defaults, key `step`: 60 has no unit: write \"60s\", \"60ms\" or \"60m\"",
        ),
        (
            "[defaults]\nstep = \"60x\"\n",
            "m.toml:2:8: defaults, key `step`: \"60x\" is not a duration: write a number with a \
                unit, as \"300s\", \"5m\" or \"1h\"",
        ),
        (
            "[defaults]\nfamily = \"ip4\"\n",
            "m.toml:2:10: defaults, key `family`: unknown value `ip4`: did you mean `ipv4`? write \
                `any`, `ipv4` or `ipv6`",
        ),
        (
            "[defaults]\npings = \"3\"\n",
            "m.toml:2:9: defaults, key `pings`: string \"3\" is not a whole number: write it \
                without quotes",
        ),
        (
            "[[target]]\nhost = \"10.0.0.1\"\nlabels = { a = 1 }\n",
            "m.toml:3:16: target \"10.0.0.1\", key `labels.a`: integer `1` is not a string: write \
                it in quotes",
        ),
        (
            "[[target]]\nhost = 10\n",
            "m.toml:2:8: target 1, key `host`: integer `10` is not a string: write it in quotes",
        ),
        (
            "[[alert]]\nname = \"x\"\nkind = \"lost\"\n",
            "m.toml:3:8: alert \"x\", key `kind`: unknown value `lost`: did you mean `loss`? \
                write `loss`, `rtt`, `rtt_over_baseline`, `down`, `path_changed` or \
                `pmtu_dropped`",
        ),
        (
            "[[alert]]\nname = \"x\"\nkind = \"down\"\ntargets = \"gw\"\n",
            "m.toml:4:11: alert \"x\", key `targets`: string \"gw\" is not a list: write a list, \
                as [\"a\", \"b\"]",
        ),
        (
            "agent = \"\"\n",
            "m.toml:1:9: key `agent`: the agent is empty: write the agent's name, as agent = \
                \"lab-a\"",
        ),
        (
            "listen = \"localhost:9470\"\n",
            "m.toml:1:10: key `listen`: \"localhost:9470\" is not an address and port: write \
                \"127.0.0.1:9470\" or \"[::1]:9470\"",
        ),
        (
            "data_dir = \" \"\n",
            "m.toml:1:12: key `data_dir`: the data_dir is empty: write a directory, as data_dir = \
                \"/var/lib/icmpkit-monitor\"",
        ),
    ]);
}

#[test]
fn missing_keys_are_named_at_their_table() {
    check(&[
        (
            "\n[[target]]\nname = \"a\"\n",
            "m.toml:2:1: target \"a\", key `host`: missing key `host`: add host = ... to the \
                table",
        ),
        (
            "[[group]]\nstep = \"60s\"\n",
            "m.toml:1:1: group 1: missing key `name`: add name = \"...\" (targets join a group by \
                its name)",
        ),
        (
            "[[alert]]\nkind = \"down\"\n",
            "m.toml:1:1: alert 1, key `name`: missing key `name`: add name = ... to the table",
        ),
        (
            "[[alert]]\nname = \"x\"\n",
            "m.toml:1:1: alert \"x\", key `kind`: missing key `kind`: add kind = ... to the table",
        ),
        (
            "[[receiver]]\nwebhook = \"http://a\"\n",
            "m.toml:1:1: receiver 1, key `name`: missing key `name`: add name = ... to the table",
        ),
        (
            "[history]\nlevels = [{ step = \"5m\" }]\n",
            "m.toml:2:11: history, key `levels[1].keep`: missing key `keep`: add keep = ... to \
                the table",
        ),
    ]);
}

#[test]
fn a_syntax_error_is_located_without_a_table() {
    check(&[
        ("x = [\n", "m.toml:1:6: unclosed array, expected `]`"),
        (
            "[[target]]\nhost = \"a\"\nhost = \"b\"\n",
            "m.toml:3:1: duplicate key: a table gives each key once; remove one",
        ),
    ]);
}

#[test]
fn probing_values_out_of_range_are_refused() {
    check(&[
        (
            "[defaults]\nstep = \"500ms\"\n",
            "m.toml:2:8: defaults, key `step`: 500ms is not a whole number of seconds, at least \
                one: steps and history are counted in seconds; give \"1s\"",
        ),
        (
            "[defaults]\nstep = \"1500ms\"\n",
            "m.toml:2:8: defaults, key `step`: 1s 500ms is not a whole number of seconds, at \
                least one: steps and history are counted in seconds; give \"1s\"",
        ),
        (
            "[defaults]\npings = 0\n",
            "m.toml:2:9: defaults, key `pings`: 0 pings a step is out of range: give 1 to 60000 \
                (one a millisecond in a 1m step)",
        ),
        (
            "[defaults]\npings = 100000\n",
            "m.toml:2:9: defaults, key `pings`: 100000 pings a step is out of range: give 1 to \
                60000 (one a millisecond in a 1m step)",
        ),
        (
            "[defaults]\ninterval = \"7s\"\n",
            "m.toml:2:12: defaults, key `interval`: the step (1m) is not a multiple of the \
                interval (7s): pings = step / interval must be whole; give an interval that \
                divides the step, as \"1s\"",
        ),
        (
            "[defaults]\ninterval = \"0s\"\n",
            "m.toml:2:12: defaults, key `interval`: an interval of 0 sends without a pause: give \
                \"1s\"",
        ),
        (
            "[defaults]\ninterval = \"2m\"\n",
            "m.toml:2:12: defaults, key `interval`: the interval (2m) is longer than the step \
                (1m): a step has at least one probe; give at most \"1m\"",
        ),
        (
            "[defaults]\nstep = \"1s\"\ninterval = \"100us\"\n",
            "m.toml:3:12: defaults, key `interval`: 100us is shorter than a millisecond: give \
                \"1ms\" or more",
        ),
        (
            "[defaults]\npings = 10\ninterval = \"1s\"\n",
            "m.toml:3:12: defaults, key `interval`: give either `pings` or `interval`, not both: \
                pings = step / interval",
        ),
        (
            "[defaults]\nsize = 65508\n",
            "m.toml:2:8: defaults, key `size`: size 65508 is out of range: an echo carries 0 to \
                65507 data bytes (65527 with family = \"ipv6\")",
        ),
        (
            "[defaults]\nsize = -1\n",
            "m.toml:2:8: defaults, key `size`: size -1 is out of range: an echo carries 0 to \
                65507 data bytes (65527 with family = \"ipv6\")",
        ),
        (
            "[defaults]\nfamily = \"ipv6\"\nsize = 65528\n",
            "m.toml:3:8: defaults, key `size`: size 65528 is out of range: an echo carries 0 to \
                65527 data bytes with family = \"ipv6\"",
        ),
        (
            "[defaults]\ntos = 256\n",
            "m.toml:2:7: defaults, key `tos`: tos 256 is out of range: the TOS byte is 0 to 255",
        ),
        (
            "[defaults]\ntimeout = \"0s\"\n",
            "m.toml:2:11: defaults, key `timeout`: a timeout of 0 counts every probe lost: give \
                \"1s\"",
        ),
        (
            "[defaults]\ntimeout = \"90s\"\n",
            "m.toml:2:11: defaults, key `timeout`: the timeout (1m 30s) is longer than the step \
                (1m): a step is summed up one timeout after it ends, before the next one ends; \
                give at most \"1m\"",
        ),
        (
            "[defaults]\ntrace_every = \"100ms\"\n",
            "m.toml:2:15: defaults, key `trace_every`: tracing every 100ms is too often: give \
                \"1s\" or more (\"10m\" is usual)",
        ),
        (
            "[defaults]\nname = \"d\"\n",
            "m.toml:2:8: defaults, key `name`: [defaults] has no name: it is what every group \
                inherits; name groups in [[group]] tables",
        ),
    ]);
}

#[test]
fn a_group_is_blamed_for_what_it_changes_of_the_defaults() {
    check(&[
        (
            "[defaults]\ninterval = \"2s\"\n\n[[group]]\nname = \"g\"\nstep = \"61s\"\n",
            "m.toml:6:8: group \"g\", key `step`: the step (1m 1s) is not a multiple of the \
                interval (2s): pings = step / interval must be whole; give an interval that \
                divides the step, as \"1s\"",
        ),
        (
            "[defaults]\ntimeout = \"50s\"\n\n[[group]]\nname = \"g\"\nstep = \"30s\"\n",
            "m.toml:6:8: group \"g\", key `step`: the timeout (50s) is longer than the step \
                (30s): a step is summed up one timeout after it ends, before the next one ends; \
                give at most \"30s\"",
        ),
        (
            "[defaults]\nsize = 65520\nfamily = \"ipv6\"\n\n[[group]]\nname = \"g\"\nfamily = \
                \"any\"\n",
            "m.toml:7:10: group \"g\", key `family`: size 65520 is out of range: an echo carries \
                0 to 65507 data bytes (65527 with family = \"ipv6\")",
        ),
        (
            "[defaults]\npings = 10\n\n[[group]]\nname = \"g\"\npings = 5\ninterval = \"1s\"\n",
            "m.toml:7:12: group \"g\", key `interval`: give either `pings` or `interval`, not \
                both: pings = step / interval",
        ),
        (
            "[[group]]\nname = \"g\"\ntos = 300\n",
            "m.toml:3:7: group \"g\", key `tos`: tos 300 is out of range: the TOS byte is 0 to \
                255",
        ),
    ]);
}

#[test]
fn duplicate_names_are_refused() {
    check(&[
        (
            "[[group]]\nname = \"g\"\n[[group]]\nname = \"g\"\n",
            "m.toml:4:8: group \"g\", key `name`: group 1 is also named \"g\": give each group \
                its own name",
        ),
        (
            "[[target]]\nhost = \"10.0.0.1\"\n\n[[target]]\nhost = \"10.0.0.1\"\n",
            "m.toml:5:8: target \"10.0.0.1\", key `host`: the target name \"10.0.0.1\" is taken \
                by target \"10.0.0.1\" (line 1): give this entry its own `name`",
        ),
        (
            "[[target]]\nname = \"gw\"\nhost = \"10.0.0.1\"\n\n[[target]]\nname = \"gw\"\nhost = \
                \"10.0.0.2\"\n",
            "m.toml:6:8: target \"gw\", key `name`: the target name \"gw\" is taken by target \
                \"gw\" (line 1): give this entry its own `name`",
        ),
        (
            "[[target]]\nhost = \"10.0.0.0/30\"\n\n[[target]]\nhost = \"10.0.0.2\"\n",
            "m.toml:5:8: target \"10.0.0.2\", key `host`: the target name \"10.0.0.2\" is taken \
                by target \"10.0.0.0/30\" (line 1): give this entry its own `name`",
        ),
        (
            "[[receiver]]\nname = \"r\"\ncommand = [\"a\"]\n[[receiver]]\nname = \"r\"\ncommand = \
                [\"b\"]\n",
            "m.toml:5:8: receiver \"r\", key `name`: receiver 1 is also named \"r\": give each \
                receiver its own name",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\n[[alert]]\nname = \"a\"\nkind = \"down\"\n",
            "m.toml:5:8: alert \"a\", key `name`: alert 1 is also named \"a\": give each alert \
                its own name",
        ),
    ]);
}

#[test]
fn hosts_must_be_addresses_names_or_prefixes() {
    check(&[
        (
            "[[target]]\nhost = \"10.0.0.300\"\n",
            "m.toml:2:8: target \"10.0.0.300\", key `host`: \"10.0.0.300\" is not an address, a \
                host name or a prefix: write an address (10.0.0.1, 2001:db8::1), a host name \
                (gw.example.net) or a prefix (10.0.0.0/24)",
        ),
        (
            "[[target]]\nhost = \"\"\n",
            "m.toml:2:8: target \"\", key `host`: the host is empty: write an address (10.0.0.1, \
                2001:db8::1), a host name (gw.example.net) or a prefix (10.0.0.0/24)",
        ),
        (
            "[[target]]\nhost = \"fe80::1%eth0\"\n",
            "m.toml:2:8: target \"fe80::1%eth0\", key `host`: \"fe80::1%eth0\" has a scope \
                (%interface): scoped link-local addresses are not supported, since a target's \
                address alone must say where it is; give a global or unique-local address",
        ),
        (
            "[[target]]\nhost = \"fe80::1\"\n",
            "m.toml:2:8: target \"fe80::1\", key `host`: \"fe80::1\" is link-local: such an \
                address is reached through one interface, which a target does not name; give a \
                global or unique-local address",
        ),
        (
            "[[target]]\nhost = \"fe80::/120\"\n",
            "m.toml:2:8: target \"fe80::/120\", key `host`: \"fe80::/120\" is link-local: such an \
                address is reached through one interface, which a target does not name; give a \
                global or unique-local address",
        ),
        (
            "[[target]]\nhost = \"10.0.0.0/33\"\n",
            "m.toml:2:8: target \"10.0.0.0/33\", key `host`: \"10.0.0.0/33\": prefix length 33 is \
                out of range: an IPv4 prefix is 0 to 32 long",
        ),
        (
            "[[target]]\nhost = \"10.0.0.1/24\"\n",
            "m.toml:2:8: target \"10.0.0.1/24\", key `host`: \"10.0.0.1/24\" has host bits set: \
                write 10.0.0.0/24 (or the single address 10.0.0.1)",
        ),
        (
            "[[target]]\nhost = \"10.0.0.0/x\"\n",
            "m.toml:2:8: target \"10.0.0.0/x\", key `host`: \"10.0.0.0/x\" is not a prefix: write \
                an address, a slash and a length, as 10.0.0.0/24 or 2001:db8::/120",
        ),
        (
            "[[target]]\nname = \"big\"\nhost = \"2001:db8::/64\"\n",
            "m.toml:3:8: target \"big\", key `host`: \"2001:db8::/64\" has 18446744073709551616 \
                addresses, more than the 65536 one entry may expand to: split it into IPv6 \
                prefixes of /112 or longer",
        ),
        (
            "[[target]]\nhost = \"bad host\"\n",
            "m.toml:2:8: target \"bad host\", key `host`: \"bad host\" is not an address, a host \
                name or a prefix: write an address (10.0.0.1, 2001:db8::1), a host name \
                (gw.example.net) or a prefix (10.0.0.0/24)",
        ),
        (
            "[[target]]\nname = \"\"\nhost = \"10.0.0.1\"\n",
            "m.toml:2:8: target \"\", key `name`: the name is empty: write name = \"gw\", or \
                leave it out for the host",
        ),
    ]);
}

#[test]
fn a_literal_must_agree_with_its_groups_family() {
    check(&[
        (
            "[[group]]\nname = \"v4\"\nfamily = \"ipv4\"\n\n[[target]]\nhost = \
                \"2001:db8::1\"\ngroup = \"v4\"\n",
            "m.toml:6:8: target \"2001:db8::1\", key `host`: 2001:db8::1 is IPv6 but group \"v4\" \
                probes with family = \"ipv4\": give an address of that family, or put the target \
                in another group",
        ),
        (
            "[defaults]\nfamily = \"ipv6\"\n\n[[target]]\nhost = \"10.0.0.0/30\"\n",
            "m.toml:5:8: target \"10.0.0.0/30\", key `host`: 10.0.0.0/30 is IPv4 but group \
                \"default\" probes with family = \"ipv6\": give an address of that family, or put \
                the target in another group",
        ),
        (
            "[[group]]\nname = \"big\"\nfamily = \"ipv6\"\nsize = 65520\n\n[[group]]\nname = \
                \"any\"\n\n[[target]]\nhost = \"2001:db8::1\"\ngroup = \"big\"\n[[target]]\nhost \
                = \"10.0.0.1\"\ngroup = \"big\"\n",
            "m.toml:13:8: target \"10.0.0.1\", key `host`: 10.0.0.1 is IPv4 but group \"big\" \
                probes with family = \"ipv6\": give an address of that family, or put the target \
                in another group",
        ),
    ]);
}

#[test]
fn names_referring_to_nothing_are_refused_with_a_near_miss() {
    check(&[
        (
            "[[group]]\nname = \"core\"\n\n[[target]]\nhost = \"10.0.0.1\"\ngroup = \"cor\"\n",
            "m.toml:6:9: target \"10.0.0.1\", key `group`: no group named \"cor\": did you mean \
                \"core\"?",
        ),
        (
            "[[group]]\nname = \"core\"\n[[group]]\nname = \"edge\"\n\n[[target]]\nhost = \
                \"10.0.0.1\"\ngroup = \"lab\"\n",
            "m.toml:8:9: target \"10.0.0.1\", key `group`: no group named \"lab\": groups are \
                \"core\" and \"edge\"",
        ),
        (
            "[[target]]\nhost = \"10.0.0.1\"\ngroup = \"lab\"\n",
            "m.toml:3:9: target \"10.0.0.1\", key `group`: no group named \"lab\": add a \
                [[group]] with name = \"lab\"",
        ),
        (
            "[[target]]\nname = \"gw\"\nhost = \"10.0.0.1\"\n\n[[alert]]\nname = \"a\"\nkind = \
                \"down\"\ntargets = [\"gx\"]\n",
            "m.toml:8:12: alert \"a\", key `targets`: no target named \"gx\" (did you mean \
                \"gw\"?): a rule names a [[target]] by its `name` (its `host` when it has none)",
        ),
        (
            "[[target]]\nname = \"gw\"\nhost = \"10.0.0.1\"\n\n[[alert]]\nname = \"a\"\nkind = \
                \"down\"\ngroups = [\"core\"]\n",
            "m.toml:8:11: alert \"a\", key `groups`: no group named \"core\": groups are \
                \"default\"",
        ),
        (
            "[[receiver]]\nname = \"ops\"\ncommand = [\"x\"]\n\n[[alert]]\nname = \"a\"\nkind = \
                \"down\"\nreceivers = [\"opz\"]\n",
            "m.toml:8:14: alert \"a\", key `receivers`: no receiver named \"opz\": did you mean \
                \"ops\"?",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\nreceivers = [\"ops\"]\n",
            "m.toml:4:14: alert \"a\", key `receivers`: no receiver named \"ops\": add a \
                [[receiver]] with name = \"ops\"",
        ),
    ]);
}

#[test]
fn alert_thresholds_are_checked_for_their_kind() {
    check(&[
        (
            "[[alert]]\nname = \"a\"\nkind = \"loss\"\nabove = \"100%\"\n",
            "m.toml:4:9: alert \"a\", key `above`: loss \"100%\" is out of range: give a fraction \
                from 0 to below 1 (0.1) or a percentage below 100 (\"10%\"); for every probe lost \
                use kind = \"down\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"loss\"\nabove = \"lots\"\n",
            "m.toml:4:9: alert \"a\", key `above`: \"lots\" is not a loss: write a percentage \
                (\"10%\") or a fraction (0.1)",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"loss\"\nabove = 0.1\nclear = 0.2\n",
            "m.toml:5:9: alert \"a\", key `clear`: `clear` is above `above`: a rule clears at or \
                below the level it fires above (the band between them keeps it from flapping); \
                give at most the `above` value",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"loss\"\nabove = \"10%\"\nclear = -1\n",
            "m.toml:5:9: alert \"a\", key `clear`: loss -1 is out of range: give a fraction from \
                0 to below 1 (0.1) or a percentage below 100 (\"10%\"); for every probe lost use \
                kind = \"down\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt\"\nabove = 150\n",
            "m.toml:4:9: alert \"a\", key `above`: 150 has no unit: write \"150ms\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt\"\nabove = \"0ms\"\n",
            "m.toml:4:9: alert \"a\", key `above`: an RTT of 0 is always exceeded: give \"150ms\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt\"\nabove = \"fast\"\n",
            "m.toml:4:9: alert \"a\", key `above`: \"fast\" is not a duration: write \"150ms\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt\"\nabove = \"100ms\"\nclear = \"200ms\"\n",
            "m.toml:5:9: alert \"a\", key `clear`: `clear` is above `above`: a rule clears at or \
                below the level it fires above (the band between them keeps it from flapping); \
                give at most the `above` value",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt_over_baseline\"\nabove = 50\n",
            "m.toml:4:9: alert \"a\", key `above`: a `rtt_over_baseline` rule takes `percent`, \
                `clear_percent` and `baseline_steps`, not `above`",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt_over_baseline\"\n",
            "m.toml:1:1: alert \"a\": missing key `percent`: a `rtt_over_baseline` rule needs \
                one; add percent = 50",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt_over_baseline\"\npercent = 50\nclear_percent = \
                60\n",
            "m.toml:5:17: alert \"a\", key `clear_percent`: `clear_percent` is above `percent`: a \
                rule clears at or below the level it fires above (the band between them keeps it \
                from flapping); give at most the `percent` value",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"rtt_over_baseline\"\npercent = 50\nbaseline_steps \
                = 0\n",
            "m.toml:5:18: alert \"a\", key `baseline_steps`: 0 is out of range: give 1 or more \
                steps",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\nabove = 1\n",
            "m.toml:4:9: alert \"a\", key `above`: a `down` rule takes no threshold: remove \
                `above`",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"loss\"\nabove = 0.1\nbaseline_steps = 3\n",
            "m.toml:5:18: alert \"a\", key `baseline_steps`: a `loss` rule takes `above` and \
                `clear`, not `baseline_steps`",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\nfor_steps = 0\n",
            "m.toml:4:13: alert \"a\", key `for_steps`: 0 is out of range: give 1 or more steps",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\nseverity = \"\"\n",
            "m.toml:4:12: alert \"a\", key `severity`: the severity is empty: write severity = \
                \"critical\"",
        ),
    ]);
}

#[test]
fn labels_must_be_prometheus_names_the_daemon_does_not_set() {
    check(&[
        (
            "[[target]]\nhost = \"10.0.0.1\"\nlabels = { \"my-role\" = \"r\" }\n",
            "m.toml:3:10: target \"10.0.0.1\", key `labels.my-role`: \"my-role\" is not a label \
                name: Prometheus takes letters, digits and `_`, not first a digit, not `__` \
                first; write \"my_role\"",
        ),
        (
            "[[group]]\nname = \"g\"\nlabels = { host = \"x\" }\n",
            "m.toml:3:10: group \"g\", key `labels.host`: the label \"host\" is set by the daemon or \
                by Prometheus (agent, target, host, ip, group, le, quantile, alertname, severity): \
                choose another name",
        ),
        (
            "[defaults]\nlabels = { __x = \"x\" }\n\n[[target]]\nhost = \"10.0.0.1\"\n",
            "m.toml:2:10: defaults, key `labels.__x`: \"__x\" is not a label name: Prometheus \
                takes letters, digits and `_`, not first a digit, not `__` first; write \"x\"",
        ),
        (
            "[[alert]]\nname = \"a\"\nkind = \"down\"\nlabels = { 1st = \"x\" }\n",
            "m.toml:4:10: alert \"a\", key `labels.1st`: \"1st\" is not a label name: Prometheus \
                takes letters, digits and `_`, not first a digit, not `__` first; write \"_1st\"",
        ),
    ]);
}

#[test]
fn a_receiver_has_exactly_one_http_delivery_or_a_command() {
    check(&[
        (
            "[[receiver]]\nname = \"r\"\n",
            "m.toml:1:1: receiver \"r\": a receiver says how alerts reach it: add one of webhook \
                = \"http://...\", alertmanager = \"http://...\" or command = [...]",
        ),
        (
            "[[receiver]]\nname = \"r\"\nwebhook = \"http://a/h\"\ncommand = [\"x\"]\n",
            "m.toml:1:1: receiver \"r\": a receiver has one way to deliver, not `webhook` and \
                `command`: keep one, and make another [[receiver]] for the other",
        ),
        (
            "[[receiver]]\nname = \"r\"\nwebhook = \"https://hooks.example.net/h\"\n",
            "m.toml:3:11: receiver \"r\", key `webhook`: \"https://hooks.example.net/h\": https \
                is not supported: the daemon carries no TLS library; give an http:// URL (a local \
                relay or an Alertmanager on the same host)",
        ),
        (
            "[[receiver]]\nname = \"r\"\nalertmanager = \"127.0.0.1:9093\"\n",
            "m.toml:3:16: receiver \"r\", key `alertmanager`: \"127.0.0.1:9093\" is not an \
                http:// URL: write \"http://127.0.0.1:9093\"",
        ),
        (
            "[[receiver]]\nname = \"r\"\ncommand = []\n",
            "m.toml:3:11: receiver \"r\", key `command`: the command is empty: write the program \
                and its arguments, as [\"/usr/bin/logger\", \"-t\", \"icmpkit\"]",
        ),
        (
            "[[receiver]]\nname = \"r\"\ncommand = [\"x\"]\ntimeout = \"0s\"\n",
            "m.toml:4:11: receiver \"r\", key `timeout`: a timeout of 0 fails every delivery: \
                give \"5s\"",
        ),
    ]);
}

#[test]
fn history_levels_must_nest_and_keep_longer() {
    check(&[
        (
            "[history]\nraw = \"0s\"\n",
            "m.toml:2:7: history, key `raw`: 0s is not a whole number of seconds, at least one: \
                steps and history are counted in seconds; give \"1s\"",
        ),
        (
            "[history]\nlevels = [{ step = \"5m\", keep = \"10d\" }, { step = \"7m\", keep = \
                \"20d\" }]\n",
            "m.toml:2:51: history, key `levels[2].step`: a level's step (7m) must be a multiple \
                of the finer level's (5m) and longer: its points are made of whole points of that \
                level; give 10m",
        ),
        (
            "[history]\nlevels = [{ step = \"5m\", keep = \"10d\" }, { step = \"1h\", keep = \
                \"10d\" }]\n",
            "m.toml:2:64: history, key `levels[2].keep`: 10days is no longer than the finer level \
                is kept (10days): coarser levels are there to keep longer; give more than 10days",
        ),
        (
            "[history]\nraw = \"3d\"\nlevels = [{ step = \"5m\", keep = \"1d\" }]\n",
            "m.toml:3:33: history, key `levels[1].keep`: 1day is no longer than raw steps are \
                kept (3days): coarser levels are there to keep longer; give more than 3days",
        ),
        (
            "[history]\nraw = \"1m\"\nlevels = [{ step = \"1h\", keep = \"30m\" }]\n",
            "m.toml:3:33: history, key `levels[1].keep`: 30m is shorter than the level's step \
                (1h): give at least one step",
        ),
    ]);
}

#[test]
fn columns_count_characters_and_sub_tables_belong_to_their_entry() {
    check(&[
        (
            "agent = \"été\" ; listen = 1\n",
            "m.toml:1:15: unexpected key or value, expected newline, `#`",
        ),
        (
            "[[target]]\nname = \"é\"\nhost = \"10.0.0.1\"\n\n[target.labels]\nrole = 7\n",
            "m.toml:6:8: target \"é\", key `labels.role`: integer `7` is not a string: write it in \
                quotes",
        ),
        (
            "[[target]]\nhost = \"10.0.0.1\"\n[[target]]\nhost = \"10.0.0.2\"\n\n[target.labels]\n\
                rôle = \"x\"\n",
            "m.toml:7:2: invalid unquoted key, expected letters, numbers, `-`, `_`",
        ),
    ]);
    let c = ok("[[target]]\nhost = \"10.0.0.1\"\n\n[target.labels]\nrole = \"router\"\n");
    assert_eq!(
        c.targets.targets[0].labels.as_deref(),
        Some(&labels(&[("role", "router")]))
    );
}
