//! The configuration reader from outside: the example file of the
//! repository, a file that cannot be read, and a large file.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use icmpkit_monitor::alert::rule::{Condition, Delivery};
use icmpkit_monitor::config::{self, ConfigError};
use icmpkit_monitor::target::Family;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/monitor/monitor.toml")
}

#[test]
fn the_example_config_parses_with_every_kind_of_entry() {
    let c = config::load(example()).unwrap();
    assert_eq!(c.agent, "lab-a");
    assert_eq!(c.listen, "127.0.0.1:9470".parse().unwrap());
    let groups: Vec<&str> = c.targets.groups.iter().map(|g| &*g.name).collect();
    assert_eq!(groups, ["core", "edge", "default"]);
    let core = &c.targets.groups[0];
    assert_eq!(
        (core.probing.step, core.probing.pings),
        (Duration::from_mins(5), 20)
    );
    assert_eq!(core.probing.trace_every, Some(Duration::from_mins(10)));
    let edge = &c.targets.groups[1];
    assert_eq!((edge.probing.pings, edge.probing.family), (120, Family::V6));
    let names: Vec<&str> = c.targets.targets.iter().map(|t| &*t.name).collect();
    assert_eq!(
        names,
        [
            "gw",
            "ns1.example.net",
            "edge-v6",
            "lan/10.0.1.1",
            "lan/10.0.1.2",
            "lan/10.0.1.3",
            "lan/10.0.1.4",
            "lan/10.0.1.5",
            "lan/10.0.1.6"
        ]
    );
    assert_eq!(
        c.targets.targets[0].ip,
        Some("10.0.0.1".parse::<IpAddr>().unwrap())
    );
    assert_eq!(c.targets.targets[1].ip, None);
    assert_eq!(c.alerts.len(), 6);
    assert_eq!(
        c.alerts[0].condition,
        Condition::Loss {
            above: 0.1,
            clear: 0.05
        }
    );
    assert_eq!(c.alerts[0].selector.targets.len(), 7);
    assert_eq!(c.receivers.len(), 3);
    assert!(matches!(c.receivers[2].delivery, Delivery::Command { .. }));
}

#[test]
fn a_config_file_that_cannot_be_read_is_named() {
    let e = config::load("/nonexistent/monitor.toml").unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert_eq!(
        e.to_string(),
        "cannot read /nonexistent/monitor.toml: No such file or directory (os error 2)"
    );
}

#[test]
fn a_mistake_in_a_loaded_config_names_the_file() {
    let dir = std::env::temp_dir().join(format!("icmpkit-monitor-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[[target]]\nhost = \"10.0.0.1\"\ngroup = \"core\"\n").unwrap();
    let e = config::load(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3:9: target \"10.0.0.1\", key `group`: no group named \"core\": add a [[group]] \
             with name = \"core\"",
            path.display()
        )
    );
    let at = e.location().unwrap();
    assert_eq!(
        (at.line, at.column, at.key.as_deref()),
        (3, 9, Some("group"))
    );
}

#[test]
fn a_ten_megabyte_config_of_100000_targets_parses() {
    const TARGETS: usize = 100_000;
    let mut text = String::from("[[group]]\nname = \"core\"\nstep = \"300s\"\npings = 20\n\n");
    for i in 0..TARGETS {
        write!(
            text,
            "[[target]]\nname = \"target-{i:06}\"\nhost = \"10.{}.{}.{}\"\ngroup = \"core\"\n\
             labels = {{ role = \"router\", rack = \"rack-{:04}\" }}\n\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255,
            i % 1000
        )
        .unwrap();
    }
    text.push_str("[[alert]]\nname = \"Down\"\nkind = \"down\"\ngroups = [\"core\"]\n");
    assert!(text.len() > 10_000_000, "{} bytes", text.len());
    let c = config::parse(&text, "big.toml").unwrap();
    assert_eq!(c.targets.targets.len(), TARGETS);
    assert_eq!(&*c.targets.targets[TARGETS - 1].name, "target-099999");
    assert_eq!(c.targets.groups.len(), 1);
    assert_eq!(c.alerts.len(), 1);
}
