extern crate std;

use super::*;
use std::collections::HashMap;
use std::string::String;
use std::vec::Vec;

const BOTH: [IpVersion; 2] = [IpVersion::V4, IpVersion::V6];

fn key(s: &str) -> String {
    normalized(s).collect()
}

fn resolves(name: &str) -> Option<(IpVersion, u8, Option<u8>)> {
    find(name).map(|f| (f.version, f.msg_type, f.code))
}

#[test]
fn tables_are_sorted_unique_and_complete() {
    for v in BOTH {
        let t = types(v);
        assert!(
            t.windows(2).all(|w| w[0].number < w[1].number),
            "{v:?} types not ascending"
        );
        for info in t {
            assert!(!info.name.is_empty() && !info.short.is_empty() && !info.reference.is_empty());
            assert!(
                info.meaning.len() > 20,
                "{v:?} {} meaning too short",
                info.number
            );
            assert!(
                info.codes.windows(2).all(|w| w[0].code < w[1].code),
                "{v:?} {} codes not ascending",
                info.number
            );
            for c in info.codes {
                assert!(!c.name.is_empty() && !c.short.is_empty() && !c.reference.is_empty());
                assert!(
                    c.meaning.len() > 20,
                    "{v:?} {}/{} meaning too short",
                    info.number,
                    c.code
                );
            }
        }
    }
}

#[test]
fn every_type_number_answers_without_panic() {
    for v in BOTH {
        let mut present = 0;
        for n in 0..=255u8 {
            let info = type_info(v, n);
            if let Some(info) = info {
                present += 1;
                assert_eq!(info.number, n);
                assert_eq!(status(v, n), info.status, "{v:?} {n}");
            } else {
                assert_eq!(status(v, n), Status::Unassigned);
            }
            for code in 0..=255u8 {
                if let Some(c) = code_info(v, n, code) {
                    assert_eq!(c.code, code);
                }
            }
        }
        assert_eq!(present, types(v).len());
    }
}

#[test]
fn v4_registry_coverage() {
    let v = IpVersion::V4;
    // Every individually listed IANA type.
    for n in (0..=43).chain(253..=255) {
        assert!(type_info(v, n).is_some(), "ICMPv4 type {n} missing");
    }
    for n in 44..=252 {
        assert!(type_info(v, n).is_none(), "ICMPv4 type {n} is unassigned");
    }
    let codes: &[(u8, &[u8])] = &[
        (3, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
        (5, &[0, 1, 2, 3]),
        (6, &[0]),
        (9, &[0, 16]),
        (11, &[0, 1]),
        (12, &[0, 1, 2]),
        (40, &[0, 1, 2, 3, 4, 5]),
        (42, &[0]),
        (43, &[0, 1, 2, 3, 4]),
    ];
    check_codes(v, codes);
    for n in [4, 6, 15, 16, 17, 18, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39] {
        assert_eq!(status(v, n), Status::Deprecated, "ICMPv4 type {n}");
    }
    for n in [1, 2, 7, 44, 100, 252] {
        assert_eq!(status(v, n), Status::Unassigned, "ICMPv4 type {n}");
    }
    for n in (19..=29).chain([255]) {
        assert_eq!(status(v, n), Status::Reserved, "ICMPv4 type {n}");
    }
    for n in [40, 41, 253, 254] {
        assert_eq!(status(v, n), Status::Experimental, "ICMPv4 type {n}");
    }
}

#[test]
fn v6_registry_coverage() {
    let v = IpVersion::V6;
    let listed = [0, 1, 2, 3, 4, 100, 101, 127, 200, 201, 255]
        .into_iter()
        .chain(128..=161);
    for n in listed {
        assert!(type_info(v, n).is_some(), "ICMPv6 type {n} missing");
    }
    for n in (5..=99).chain(102..=126).chain(162..=199).chain(202..=254) {
        assert!(type_info(v, n).is_none(), "ICMPv6 type {n} is unassigned");
    }
    let codes: &[(u8, &[u8])] = &[
        (1, &[0, 1, 2, 3, 4, 5, 6, 7, 8]),
        (3, &[0, 1]),
        (4, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        (138, &[0, 1, 255]),
        (139, &[0, 1, 2]),
        (140, &[0, 1, 2]),
        (
            155,
            &[
                0, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
                0x8a,
            ],
        ),
        (160, &[0]),
        (161, &[0, 1, 2, 3, 4]),
    ];
    check_codes(v, codes);
}

fn check_codes(v: IpVersion, expected: &[(u8, &[u8])]) {
    for &(t, codes) in expected {
        let info = type_info(v, t).unwrap();
        let have: Vec<u8> = info.codes.iter().map(|c| c.code).collect();
        assert_eq!(have, codes, "{v:?} type {t} codes");
        for &c in codes {
            let ci = code_info(v, t, c).unwrap();
            assert!(!ci.meaning.is_empty());
            assert!(core::ptr::eq(ci, info.code(c).unwrap()));
        }
    }
}

#[test]
fn common_messages_have_substance() {
    let common: &[(IpVersion, u8)] = &[
        (IpVersion::V4, 0),
        (IpVersion::V4, 3),
        (IpVersion::V4, 4),
        (IpVersion::V4, 5),
        (IpVersion::V4, 8),
        (IpVersion::V4, 11),
        (IpVersion::V4, 12),
        (IpVersion::V4, 42),
        (IpVersion::V6, 1),
        (IpVersion::V6, 2),
        (IpVersion::V6, 3),
        (IpVersion::V6, 4),
        (IpVersion::V6, 128),
        (IpVersion::V6, 133),
        (IpVersion::V6, 134),
        (IpVersion::V6, 135),
        (IpVersion::V6, 136),
        (IpVersion::V6, 137),
        (IpVersion::V6, 160),
    ];
    for &(v, t) in common {
        let info = type_info(v, t).unwrap();
        assert!(
            !info.causes.is_empty() && !info.remedies.is_empty(),
            "{v:?} {t}"
        );
    }
    // Every code of the unreachables and time exceeded, in both families.
    for (v, types) in [
        (IpVersion::V4, &[3u8, 11][..]),
        (IpVersion::V6, &[1, 3][..]),
    ] {
        for &t in types {
            for c in type_info(v, t).unwrap().codes {
                assert!(
                    !c.causes.is_empty() && !c.remedies.is_empty(),
                    "{v:?} {t}/{}",
                    c.code
                );
            }
        }
    }
    // The advice the brief insists on.
    let frag = code_info(IpVersion::V4, 3, 4).unwrap();
    assert!(frag.remedies.iter().any(|r| r.contains("tracepath")));
    assert!(frag.remedies.iter().any(|r| r.contains("clamp")));
    let ptb = type_info(IpVersion::V6, 2).unwrap();
    assert!(ptb.remedies.iter().any(|r| r.contains("RFC 4890")));
    let admin = code_info(IpVersion::V4, 3, 13).unwrap();
    assert!(
        admin
            .causes
            .iter()
            .any(|r| r.contains("icmp-admin-prohibited"))
    );
    let port = code_info(IpVersion::V4, 3, 3).unwrap();
    assert!(port.remedies.iter().any(|r| r.contains("ss -lunp")));
}

#[test]
fn kinds_agree_with_is_error() {
    for v in BOTH {
        for info in types(v) {
            let photuris = v == IpVersion::V4 && info.number == 40;
            if !photuris {
                assert_eq!(
                    info.is_error(),
                    is_error(v, info.number),
                    "{v:?} {}",
                    info.number
                );
            }
        }
    }
    let v4: Vec<u8> = (0..=255).filter(|&t| is_error(IpVersion::V4, t)).collect();
    assert_eq!(v4, [3, 4, 5, 11, 12]);
    assert!(is_error(IpVersion::V6, 0) && is_error(IpVersion::V6, 127));
    assert!(!is_error(IpVersion::V6, 128) && !is_error(IpVersion::V6, 255));
}

#[test]
fn tshark_wording() {
    // What tshark 4.0 prints, e.g. "Destination unreachable (Port unreachable)".
    let v4 = IpVersion::V4;
    let short = |t| type_info(v4, t).unwrap().short;
    assert_eq!(short(0), "Echo (ping) reply");
    assert_eq!(short(3), "Destination unreachable");
    assert_eq!(short(8), "Echo (ping) request");
    assert_eq!(short(11), "Time-to-live exceeded");
    assert_eq!(short(4), "Source quench (flow control)");
    assert_eq!(short(12), "Parameter problem");
    let unreachable = [
        "Network unreachable",
        "Host unreachable",
        "Protocol unreachable",
        "Port unreachable",
        "Fragmentation needed",
        "Source route failed",
        "Destination network unknown",
        "Destination host unknown",
        "Source host isolated",
        "Network administratively prohibited",
        "Host administratively prohibited",
        "Network unreachable for TOS",
        "Host unreachable for TOS",
        "Communication administratively filtered",
        "Host precedence violation",
        "Precedence cutoff in effect",
    ];
    let shorts: Vec<&str> = type_info(v4, 3)
        .unwrap()
        .codes
        .iter()
        .map(|c| c.short)
        .collect();
    assert_eq!(shorts, unreachable);
    assert_eq!(
        code_info(v4, 11, 0).unwrap().short,
        "Time to live exceeded in transit"
    );
    assert_eq!(
        code_info(v4, 11, 1).unwrap().short,
        "Fragment reassembly time exceeded"
    );
    let v6 = IpVersion::V6;
    assert_eq!(type_info(v6, 128).unwrap().short, "Echo (ping) request");
    assert_eq!(type_info(v6, 1).unwrap().short, "Destination Unreachable");
    assert_eq!(
        code_info(v6, 1, 0).unwrap().short,
        "no route to destination"
    );
    assert_eq!(code_info(v6, 1, 4).unwrap().short, "Port unreachable");
    assert_eq!(
        code_info(v6, 3, 0).unwrap().short,
        "hop limit exceeded in transit"
    );
    assert_eq!(
        type_info(v6, 143).unwrap().short,
        "Multicast Listener Report Message v2"
    );
}

#[test]
fn mandatory_names_resolve() {
    use IpVersion::{V4, V6};
    assert_eq!(resolves("frag-needed"), Some((V4, 3, Some(4))));
    assert_eq!(resolves("port-unreachable"), Some((V4, 3, Some(3))));
    assert_eq!(resolves("packet-too-big"), Some((V6, 2, None)));
    assert_eq!(resolves("v6:port-unreachable"), Some((V6, 1, Some(4))));
    assert_eq!(resolves("icmpv6-port-unreachable"), Some((V6, 1, Some(4))));
    assert_eq!(resolves("ICMP6-ADM-PROHIBITED"), Some((V6, 1, Some(1))));
    assert_eq!(resolves("echo request"), Some((V4, 8, None)));
    assert_eq!(resolves("Echo (ping) request"), Some((V4, 8, None)));
    assert_eq!(resolves("v6:echo-request"), Some((V6, 128, None)));
    assert_eq!(resolves("Time-to-live exceeded"), Some((V4, 11, None)));
    assert_eq!(resolves("ttl-exceeded"), Some((V4, 11, None)));
    assert_eq!(resolves("time_exceeded"), Some((V4, 11, None)));
    assert_eq!(resolves("Destination Unreachable"), Some((V4, 3, None)));
    assert_eq!(resolves("parameter-problem"), Some((V4, 12, None)));
    assert_eq!(resolves("admin-prohibited"), Some((V4, 3, Some(13))));
    assert_eq!(resolves("no-route"), Some((V6, 1, Some(0))));
    assert_eq!(resolves("net-unreachable"), Some((V4, 3, Some(0))));
    assert_eq!(resolves("neighbor-solicitation"), Some((V6, 135, None)));
    assert_eq!(resolves("Neighbour Solicitation"), Some((V6, 135, None)));
    assert_eq!(
        resolves("Fragmentation Needed and Don't Fragment was Set"),
        Some((V4, 3, Some(4)))
    );
    assert_eq!(resolves("  Port Unreachable "), Some((V4, 3, Some(3))));
    assert_eq!(resolves("v4:packet-too-big"), Some((V6, 2, None)));
    assert_eq!(resolves("IPv6 Where-Are-You"), Some((V4, 33, None)));
    assert_eq!(resolves("redirect"), Some((V4, 5, None)));
    assert_eq!(resolves("v6:redirect"), Some((V6, 137, None)));
    for unknown in [
        "",
        "v6:",
        "no-such-message",
        "port",
        "unreachable-port",
        "v7:echo",
    ] {
        assert_eq!(resolves(unknown), None, "{unknown:?}");
    }
}

#[test]
fn find_all_lists_the_other_family() {
    use IpVersion::{V4, V6};
    let all: Vec<_> = find_all("port-unreachable")
        .map(|f| (f.version, f.msg_type, f.code))
        .collect();
    assert_eq!(all, [(V4, 3, Some(3)), (V6, 1, Some(4))]);
    let all: Vec<_> = find_all("v6:time-exceeded")
        .map(|f| (f.version, f.msg_type))
        .collect();
    assert_eq!(all, [(V6, 3), (V4, 11)]);
    let all: Vec<_> = find_all("packet-too-big").map(|f| f.version).collect();
    assert_eq!(all, [V6]);
    assert_eq!(find_all("nonsense").count(), 0);
    let f = find("frag-needed").unwrap();
    assert_eq!(f.type_info().number, 3);
    assert_eq!(f.code_info().unwrap().short, "Fragmentation needed");
}

/// Each alias is unique within its family and leads back to its own entry.
#[test]
fn aliases_are_unique_and_resolve_home() {
    for v in BOTH {
        let prefix = match v {
            IpVersion::V4 => "v4:",
            IpVersion::V6 => "v6:",
        };
        let mut seen: HashMap<String, (u8, Option<u8>)> = HashMap::new();
        for t in types(v) {
            let entries = core::iter::once((None, t.aliases))
                .chain(t.codes.iter().map(|c| (Some(c.code), c.aliases)));
            for (code, aliases) in entries {
                for alias in aliases {
                    let here = (t.number, code);
                    if let Some(prev) = seen.insert(key(alias), here) {
                        panic!("{v:?} alias {alias:?} used by {prev:?} and {here:?}");
                    }
                    let f = find(&std::format!("{prefix}{alias}")).unwrap();
                    assert_eq!(
                        (f.version, f.msg_type, f.code),
                        (v, t.number, code),
                        "{alias}"
                    );
                }
            }
        }
    }
}

/// Names and short names of assigned entries lead back to them, except
/// for the few names the registry itself repeats.
#[test]
fn names_resolve_home() {
    let shared = [
        "noerror",
        "privateexperimentation",
        "unassigned",
        "reserved",
    ];
    for v in BOTH {
        let prefix = match v {
            IpVersion::V4 => "v4:",
            IpVersion::V6 => "v6:",
        };
        for t in types(v) {
            for name in [t.name, t.short] {
                if shared.contains(&key(name).as_str()) || key(name).starts_with("reserved") {
                    continue;
                }
                let f = find(&std::format!("{prefix}{name}")).unwrap();
                assert_eq!(
                    (f.version, f.msg_type, f.code),
                    (v, t.number, None),
                    "{name}"
                );
            }
            for c in t.codes {
                for name in [c.name, c.short] {
                    if shared.contains(&key(name).as_str()) {
                        continue;
                    }
                    let f = find(&std::format!("{prefix}{name}")).unwrap();
                    assert_eq!(
                        (f.version, f.msg_type, f.code),
                        (v, t.number, Some(c.code)),
                        "{name}"
                    );
                }
            }
        }
    }
}

#[test]
fn numbers_resolve() {
    use IpVersion::{V4, V6};
    assert_eq!(resolves("3/4"), Some((V4, 3, Some(4))));
    assert_eq!(resolves("v6:1/4"), Some((V6, 1, Some(4))));
    assert_eq!(resolves("v6: 2"), Some((V6, 2, None)));
    assert_eq!(resolves("8/0"), Some((V4, 8, None)));
    assert_eq!(resolves("11:1"), Some((V4, 11, Some(1))));
    assert_eq!(resolves("128"), Some((V6, 128, None)));
    let all: Vec<_> = find_all("3").map(|f| (f.version, f.msg_type)).collect();
    assert_eq!(all, [(V4, 3), (V6, 3)]);
    for bad in ["3/99", "8/1", "300", "3/", "/4", "100/0/1", "-1"] {
        assert_eq!(resolves(bad), None, "{bad:?}");
    }
}

#[test]
fn summary_lines() {
    use IpVersion::{V4, V6};
    let line = |v, t, c| std::format!("{}", summary(v, t, c));
    assert_eq!(line(V4, 3, 3), "Destination unreachable (Port unreachable)");
    assert_eq!(
        line(V4, 11, 0),
        "Time-to-live exceeded (Time to live exceeded in transit)"
    );
    assert_eq!(
        line(V4, 3, 4),
        "Destination unreachable (Fragmentation needed)"
    );
    assert_eq!(line(V4, 8, 0), "Echo (ping) request");
    assert_eq!(line(V4, 0, 0), "Echo (ping) reply");
    assert_eq!(line(V4, 3, 99), "Destination unreachable (code 99)");
    assert_eq!(line(V4, 8, 7), "Echo (ping) request (code 7)");
    assert_eq!(line(V4, 100, 0), "Unknown ICMPv4 type 100");
    assert_eq!(line(V6, 1, 4), "Destination Unreachable (Port unreachable)");
    assert_eq!(
        line(V6, 3, 0),
        "Time Exceeded (hop limit exceeded in transit)"
    );
    assert_eq!(line(V6, 2, 0), "Packet Too Big");
    assert_eq!(line(V6, 42, 0), "Unknown ICMPv6 type 42");
}

#[test]
fn same_name_rules() {
    assert!(same_name("Frag_Needed", "frag needed"));
    assert!(same_name("PORT-UNREACHABLE", "Port Unreachable"));
    assert!(!same_name("port-unreachable", "port-unreachables"));
    assert!(same_name("", "- _"));
}
