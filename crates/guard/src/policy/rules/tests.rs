use super::*;
use crate::policy::Role;

/// A firewall with every option set: what the renderers' "all options"
/// snapshots show.
pub(crate) fn every_option() -> Options {
    let mut options = Options::new(Role::Firewall);
    options.ping_hosts = vec![
        "10.0.0.0/24".into(),
        "10.9.9.9".into(),
        "2001:db8::/64".into(),
    ];
    options.outside = Some("wan0".into());
    options.log_drops = true;
    options.hide_topology = Some("wan0".into());
    options
}

/// `--role firewall --ping-host 192.0.2.10 --outside eth0`: pinged from
/// outside at one address only, while clients inside ping out.
pub(crate) fn firewall_ping_host_outside() -> Options {
    let mut options = Options::new(Role::Firewall);
    options.ping_hosts = vec!["192.0.2.10".into()];
    options.outside = Some("eth0".into());
    options
}

fn message(version: IpVersion, msg_type: u8, code: u8) -> Message {
    Message {
        version,
        msg_type,
        code,
    }
}

fn v4(msg_type: u8, code: u8) -> Message {
    message(IpVersion::V4, msg_type, code)
}

fn v6(msg_type: u8, code: u8) -> Message {
    message(IpVersion::V6, msg_type, code)
}

fn policy(role: Role) -> Policy {
    decide(&Options::new(role))
}

fn fate_of(policy: &Policy, hook: Hook, message: Message) -> Treatment {
    policy
        .treatment(hook, message)
        .cloned()
        .unwrap_or_else(|| panic!("no decision for {message:?} at {hook:?}"))
}

const LIMIT: Fate = Fate::Limit(Options::DEFAULT_ECHO_RATE);

/// The default echo limit kept per source and destination: in transit.
const PAIR_LIMIT: Fate = Fate::Limit(Rate {
    key: RateKey::SourceAndDestination,
    ..Options::DEFAULT_ECHO_RATE
});

#[test]
fn path_mtu_messages_pass_everywhere_for_every_role() {
    for role in Role::ALL {
        let p = policy(role);
        for hook in p.hooks() {
            assert_eq!(fate_of(&p, hook, v4(3, 4)), Treatment::always(Fate::Accept));
            assert_eq!(fate_of(&p, hook, v6(2, 0)), Treatment::always(Fate::Accept));
        }
    }
}

#[test]
fn errors_are_related_only_except_on_a_router() {
    for role in Role::ALL {
        let p = policy(role);
        for hook in p.hooks() {
            let expected = if role == Role::Router {
                Treatment::always(Fate::Accept)
            } else {
                related_only()
            };
            for m in [v4(3, 3), v4(3, 13), v4(11, 0), v4(11, 1), v4(12, 0)] {
                assert_eq!(fate_of(&p, hook, m), expected, "{role} {hook:?} {m:?}");
            }
            for m in [v6(1, 4), v6(3, 0), v6(3, 1), v6(4, 0), v6(4, 2)] {
                assert_eq!(fate_of(&p, hook, m), expected, "{role} {hook:?} {m:?}");
            }
        }
    }
}

#[test]
fn echo_is_limited_per_source_in_transit_per_pair_and_replies_need_a_request_off_routers() {
    for role in Role::ALL {
        let p = policy(role);
        for hook in p.hooks() {
            let request = if hook == Hook::Forward {
                PAIR_LIMIT
            } else {
                LIMIT
            };
            for m in [v4(8, 0), v6(128, 0), v4(42, 0), v6(160, 0)] {
                assert_eq!(fate_of(&p, hook, m), Treatment::always(request.clone()));
            }
            // Extended echo replies stay per source: their source is the
            // one that could flood.
            for m in [v4(43, 0), v6(161, 0)] {
                assert_eq!(fate_of(&p, hook, m), Treatment::always(LIMIT), "{m:?}");
            }
            let reply = if role == Role::Router {
                Treatment::always(Fate::Accept)
            } else {
                related_only()
            };
            assert_eq!(fate_of(&p, hook, v4(0, 0)), reply);
            assert_eq!(fate_of(&p, hook, v6(129, 0)), reply);
        }
    }
}

#[test]
fn neighbour_discovery_is_local_and_on_link_only() {
    for role in Role::ALL {
        let p = policy(role);
        for t in [133, 134, 135, 136, 141, 142, 148, 149] {
            assert_eq!(fate_of(&p, Hook::Input, v6(t, 0)), on_link_only(), "{t}");
        }
        for t in [130, 131, 132, 143, 151, 152, 153] {
            assert_eq!(
                fate_of(&p, Hook::Input, v6(t, 0)),
                Treatment::always(Fate::Accept)
            );
        }
        if role.forwards() {
            for t in 130..=137 {
                assert_eq!(
                    fate_of(&p, Hook::Forward, v6(t, 0)),
                    Treatment::always(Fate::Drop)
                );
            }
        }
    }
}

#[test]
fn abused_deprecated_and_unassigned_types_are_dropped() {
    let drop = Treatment::always(Fate::Drop);
    for role in Role::ALL {
        let p = policy(role);
        for hook in p.hooks() {
            for t in [
                4, 5, 6, 9, 10, 13, 14, 15, 16, 17, 18, 19, 30, 39, 40, 41, 44, 200, 253, 255,
            ] {
                assert_eq!(fate_of(&p, hook, v4(t, 0)), drop, "{role} {hook:?} v4 {t}");
            }
            for t in [
                0, 5, 99, 100, 127, 137, 138, 139, 140, 150, 154, 155, 156, 157, 158, 159, 162,
                200, 255,
            ] {
                assert_eq!(fate_of(&p, hook, v6(t, 0)), drop, "{role} {hook:?} v6 {t}");
            }
        }
    }
}

#[test]
fn mobile_ipv6_passes_in_transit_only() {
    let p = policy(Role::Firewall);
    for t in 144..=147 {
        assert_eq!(
            fate_of(&p, Hook::Input, v6(t, 0)),
            Treatment::always(Fate::Drop)
        );
        assert_eq!(
            fate_of(&p, Hook::Forward, v6(t, 0)),
            Treatment::always(Fate::Accept)
        );
    }
}

#[test]
fn every_message_has_a_decision_at_input_and_forward_and_none_at_output() {
    for role in Role::ALL {
        let p = policy(role);
        assert_eq!(p.hooks().contains(&Hook::Forward), role.forwards());
        for t in 0..=255 {
            for code in [0, 4, 255] {
                for m in [v4(t, code), v6(t, code)] {
                    assert!(p.treatment(Hook::Input, m).is_some());
                    assert_eq!(p.treatment(Hook::Forward, m).is_some(), role.forwards());
                    assert!(p.treatment(Hook::Output, m).is_none());
                }
            }
        }
    }
}

#[test]
fn a_family_decides_only_its_versions() {
    let mut options = Options::new(Role::Host);
    options.family = TableFamily::Ip6;
    let p = decide(&options);
    assert!(p.treatment(Hook::Input, v4(8, 0)).is_none());
    assert!(p.treatment(Hook::Input, v6(128, 0)).is_some());
    assert!(p.decisions.iter().all(|d| d.version == IpVersion::V6));
}

#[test]
fn ping_hosts_limit_echo_to_them_and_drop_the_rest() {
    let mut options = Options::new(Role::Host);
    options.ping_hosts = vec!["10.0.0.1".into()];
    let p = decide(&options);
    let listed = |c: &Condition| matches!(c, Condition::To(h) if h == &["10.0.0.1".to_owned()]);
    assert_eq!(
        p.treatment_when(Hook::Input, v4(8, 0), listed),
        Some(&Treatment::always(LIMIT))
    );
    assert_eq!(
        p.treatment(Hook::Input, v4(8, 0)),
        Some(&Treatment::always(Fate::Drop))
    );
    // No IPv6 address listed: no IPv6 echo.
    assert_eq!(
        p.treatment_when(Hook::Input, v6(128, 0), |_| true),
        Some(&Treatment::always(Fate::Drop))
    );
    assert_eq!(options.ping_hosts_of(IpVersion::V6), Vec::<String>::new());
}

#[test]
fn in_transit_ping_hosts_guard_only_the_outside() {
    for role in [Role::Router, Role::Firewall] {
        let mut options = Options::new(role);
        options.ping_hosts = vec!["192.0.2.10".into()];
        options.outside = Some("eth0".into());
        let p = decide(&options);
        let to_host = |c: &Condition| c == &Condition::To(vec!["192.0.2.10".into()]);
        let from_outside = |c: &Condition| c == &Condition::ArrivingOn("eth0".into());
        let limited = Treatment::always(PAIR_LIMIT);
        let drop = Treatment::always(Fate::Drop);
        for m in [v4(8, 0), v4(42, 0)] {
            // From outside: to the ping host limited, elsewhere dropped.
            assert_eq!(
                p.treatment_when(Hook::Forward, m, |c| to_host(c) || from_outside(c)),
                Some(&limited)
            );
            assert_eq!(
                p.treatment_when(Hook::Forward, m, from_outside),
                Some(&drop)
            );
            // From inside, to anywhere: limited per pair.
            assert_eq!(p.treatment(Hook::Forward, m), Some(&limited));
            assert_eq!(p.treatment_when(Hook::Forward, m, to_host), Some(&limited));
            // To this machine the interface makes no difference.
            assert_eq!(p.treatment_when(Hook::Input, m, from_outside), Some(&drop));
            assert_eq!(
                p.treatment_when(Hook::Input, m, to_host),
                Some(&Treatment::always(LIMIT))
            );
        }
        // No IPv6 ping host: IPv6 echo from outside is dropped, from
        // inside limited.
        assert_eq!(
            p.treatment_when(Hook::Forward, v6(128, 0), from_outside),
            Some(&drop)
        );
        assert_eq!(p.treatment(Hook::Forward, v6(128, 0)), Some(&limited));
        let why = &p
            .decision_when(Hook::Forward, v4(8, 0), |_| false)
            .expect("a decision")
            .why;
        assert_eq!(
            why,
            "not from --outside: ping works for monitoring; one source flooding one target is cut to the limit"
        );
    }
}

#[test]
fn without_outside_ping_hosts_drop_every_other_echo_in_transit() {
    let mut options = Options::new(Role::Firewall);
    options.ping_hosts = vec!["192.0.2.10".into()];
    let p = decide(&options);
    assert_eq!(
        p.treatment(Hook::Forward, v4(8, 0)),
        Some(&Treatment::always(Fate::Drop))
    );
}

#[test]
fn hidden_topology_drops_errors_out_of_the_interface_but_not_path_mtu_ones() {
    let mut options = Options::new(Role::Router);
    options.hide_topology = Some("wan0".into());
    let p = decide(&options);
    let out_of_wan = |c: &Condition| c == &Condition::OutOf("wan0".into());
    for hook in [Hook::Forward, Hook::Output] {
        for m in [v4(11, 0), v4(3, 1), v4(3, 3), v6(3, 0), v6(1, 0)] {
            assert_eq!(
                p.treatment_when(hook, m, out_of_wan),
                Some(&Treatment::always(Fate::Drop))
            );
        }
        assert_eq!(
            p.treatment_when(hook, v4(3, 4), out_of_wan),
            Some(&Treatment::always(Fate::Accept))
        );
        assert_eq!(
            p.treatment_when(hook, v6(2, 0), out_of_wan).cloned(),
            (hook == Hook::Forward).then(|| Treatment::always(Fate::Accept))
        );
        assert_eq!(
            p.treatment_when(hook, v4(8, 0), out_of_wan),
            p.treatment(hook, v4(8, 0))
        );
    }
    assert_eq!(
        p.treatment(Hook::Forward, v4(11, 0)),
        Some(&Treatment::always(Fate::Accept))
    );
    assert_eq!(p.treatment(Hook::Output, v4(11, 0)), None);
}

#[test]
fn options_spell_out_the_command_line() {
    let mut options = Options::new(Role::Firewall);
    assert_eq!(
        options.arguments(),
        "--role firewall --family inet --echo-rate 5/s --echo-burst 10"
    );
    options.ping_hosts = vec!["10.0.0.0/24".into(), "2001:db8::1".into()];
    options.outside = Some("eth0".into());
    options.log_drops = true;
    options.hide_topology = Some("wan0".into());
    assert_eq!(
        options.arguments(),
        "--role firewall --family inet --echo-rate 5/s --echo-burst 10 --ping-host 10.0.0.0/24 --ping-host 2001:db8::1 --outside eth0 --log-drops --hide-topology wan0"
    );
}

#[test]
fn every_decision_cites_a_document_and_says_why() {
    for role in Role::ALL {
        for d in policy(role).decisions {
            assert!(d.cite.starts_with("RFC "), "{}", d.cite);
            assert!(!d.why.is_empty() && !d.why.ends_with('.'), "{}", d.why);
        }
    }
}

#[test]
fn with_outside_the_machine_itself_is_pingable_from_inside() {
    // A firewall with --ping-host and --outside: its own inside clients
    // ping it (their gateway) whatever the list says; from outside only
    // the listed addresses answer.
    let mut options = Options::new(Role::Firewall);
    options.ping_hosts = vec!["192.0.2.10".into()];
    options.outside = Some("eth0".into());
    let p = decide(&options);
    let from_outside = |c: &Condition| matches!(c, Condition::ArrivingOn(_));
    assert_eq!(
        p.treatment_when(Hook::Input, v4(8, 0), |_| false),
        Some(&Treatment::always(LIMIT))
    );
    assert_eq!(
        p.treatment_when(Hook::Input, v4(8, 0), from_outside),
        Some(&Treatment::always(Fate::Drop))
    );
}
