//! `icmpkit trace --json` in the traceroute lab of `lab/lib.sh`
//! (`lab_trace`): `reached` means the destination itself answered, by one
//! rule in every mode (classic, `--mda`, `--pmtu`) and every record, and
//! answered and unanswered probes have the same keys. Every lab is built
//! and removed by the guard `icmpkit_lab::netns::Lab`.

use std::collections::BTreeSet;

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, SERVER4, SERVER6};
use icmpkit_lab::text;
use serde_json::Value;

/// The keys of every probe object.
const PROBE_KEYS: [&str; 12] = [
    "annotation",
    "asn",
    "back",
    "extensions",
    "final",
    "from",
    "name",
    "quoted_ttl",
    "reached",
    "reply_ttl",
    "rewritten",
    "rtt_ms",
];

/// `icmpkit trace ARGS` from the client: its JSON lines and exit code.
fn trace(lab: &Lab, args: &[&str]) -> (Vec<Value>, Option<i32>) {
    let out = lab.run_bounded("client", 60, icmpkit!(), &[&["trace"][..], args].concat());
    let lines = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (lines, out.status.code())
}

/// Every probe object of a classic or `--pmtu` run.
fn probes(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "hop")
        .flat_map(|hop| match hop.get("probes") {
            Some(Value::Array(all)) => all.iter().collect(),
            _ => vec![&hop["probe"]],
        })
        .collect()
}

/// The keys of a JSON object.
fn keys(object: &Value) -> BTreeSet<&str> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The `reached` of a run's last record (the summary, or the MDA graph).
fn reached(lines: &[Value]) -> &Value {
    &lines.last().expect("records")["reached"]
}

#[test]
fn a_filter_at_the_destination_is_not_reaching_it_in_any_mode() {
    let Some(lab) = Lab::trace("trace json reached", 1280) else {
        return;
    };
    for (tool, reject, protocol, dst) in [
        ("iptables", "icmp-admin-prohibited", "icmp", SERVER4),
        ("ip6tables", "icmp6-adm-prohibited", "ipv6-icmp", SERVER6),
    ] {
        for filtered in [true, false] {
            if filtered {
                for p in ["udp", protocol] {
                    lab.reject("server", tool, "INPUT", p, reject);
                }
            }
            for mode in [&["-U"][..], &["-I"], &["-I", "--mda"], &["-U", "--pmtu"]] {
                let args = [&["-n", "--json"][..], mode, &[dst]].concat();
                let (lines, code) = trace(&lab, &args);
                // The server answers every probe that reaches it with !X
                // from its own address, or as a destination does.
                assert_eq!(
                    reached(&lines),
                    &Value::Bool(!filtered),
                    "{args:?}: {lines:?}"
                );
                assert_eq!(code, Some(i32::from(filtered)), "{args:?}");
                for probe in probes(&lines) {
                    if probe["from"] == dst {
                        assert_eq!(probe["reached"], !filtered, "{args:?}: {probe}");
                        assert_eq!(probe["final"], true, "{args:?}: {probe}");
                        let annotation = if filtered {
                            Value::from("!X")
                        } else {
                            Value::Null
                        };
                        assert_eq!(probe["annotation"], annotation, "{args:?}: {probe}");
                    } else {
                        assert_ne!(probe["reached"], true, "{args:?}: {probe}");
                    }
                }
                assert_eq!(lines.last().expect("records")["socket"], "raw", "{args:?}");
            }
            // Text says the same as JSON.
            let out = lab.run_bounded("client", 60, icmpkit!(), &["trace", "-n", "--pmtu", dst]);
            let end = if filtered {
                "destination not reached\n"
            } else {
                "destination reached\n"
            };
            assert!(text(&out.stdout).ends_with(end), "{}", text(&out.stdout));
            assert_eq!(out.status.code(), Some(i32::from(filtered)));
            lab.must("server", &[tool, "-F", "INPUT"]);
        }
    }
}

#[test]
fn answered_and_unanswered_probes_have_the_same_keys() {
    let Some(lab) = Lab::trace("trace json keys", 1280) else {
        return;
    };
    // r2 sends no Time Exceeded: hop 2 is silent.
    lab.silence_hop("r2");
    let want: BTreeSet<&str> = PROBE_KEYS.into_iter().collect();
    for dst in [SERVER4, SERVER6] {
        for mode in [&["-q", "2"][..], &["--pmtu"]] {
            let args = [&["-n", "--json", "-w", "1"][..], mode, &[dst]].concat();
            let (lines, code) = trace(&lab, &args);
            assert_eq!(code, Some(0), "{args:?}: {lines:?}");
            let probes = probes(&lines);
            let silent: Vec<_> = probes.iter().filter(|p| p["from"].is_null()).collect();
            assert!(!silent.is_empty(), "{args:?}: hop 2 is silent: {lines:?}");
            for probe in &probes {
                assert_eq!(keys(probe), want, "{args:?}: {probe}");
            }
            for probe in silent {
                assert!(
                    probe.as_object().unwrap().values().all(Value::is_null),
                    "{args:?}: {probe}"
                );
            }
        }
    }
}
