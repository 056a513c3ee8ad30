//! Real traces in the traceroute lab (`icmpkit_lab::netns::Lab::trace`:
//! client - r1 - r2 - r3a | r3b - r4 - server), run from the client's
//! namespace: the hop list, a route change, the path MTU, the sockets
//! chosen by privilege, and the scheduler. As root only: skipped with a
//! message otherwise, failed under `CI=true`.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use icmpkit_lab::netns::{
    Branch, Lab, R1_4, R1_6, R2_4, R2_6, R3A_4, R3A_6, R3B_4, R3B_6, R4_4, R4_6, R4_R3B_6, SERVER4,
    SERVER6,
};
use icmpkit_monitor::path::{
    self, PathError, PathRecord, SocketOpener, TraceOptions, Tracer, path_targets,
};
use icmpkit_monitor::target::{Group, Probing, Target, Targets};
use tokio::sync::{mpsc, watch};

fn addr(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

fn hops(list: &[&str]) -> Vec<Option<IpAddr>> {
    list.iter().map(|&a| Some(addr(a))).collect()
}

/// Runs `f` to its end on a runtime of a thread inside the lab's
/// namespace `name` (with its capabilities: `CAP_NET_RAW` first dropped
/// when `unprivileged`).
fn in_ns<T: Send, F: Future<Output = T>>(
    lab: &Lab,
    name: &str,
    unprivileged: bool,
    f: impl FnOnce() -> F + Send,
) -> T {
    icmpkit_net::netns::run_in(&lab.ns(name), || {
        if unprivileged {
            icmpkit_net::privilege::drop_raw_capability().expect("capabilities dropped");
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(f())
    })
    .expect("entered the namespace")
}

fn trace_from_client(lab: &Lab, dst: &str, options: &TraceOptions) -> PathRecord {
    let dst = addr(dst);
    in_ns(lab, "client", false, || path::trace(dst, options))
        .unwrap_or_else(|e| panic!("trace of {dst}: {e}"))
}

#[test]
fn the_path_through_the_lab_is_its_exact_hop_list_in_both_families() {
    let Some(lab) = Lab::trace("monitor path hops", 1280) else {
        return;
    };
    lab.route_through(Branch::R3a);
    let options = TraceOptions::default();
    let v4 = trace_from_client(&lab, SERVER4, &options);
    assert_eq!(v4.hops, hops(&[R1_4, R2_4, R3A_4, R4_4, SERVER4]), "{v4:?}");
    assert!(v4.reached);
    assert_eq!(v4.pmtu, None);
    assert_eq!(v4.hop_count(), Some(5));
    let v6 = trace_from_client(&lab, SERVER6, &options);
    assert_eq!(v6.hops, hops(&[R1_6, R2_6, R3A_6, R4_6, SERVER6]), "{v6:?}");
    assert!(v6.reached);
}

#[test]
fn a_route_change_gives_another_path_seen_as_a_change() {
    let Some(lab) = Lab::trace("monitor path change", 1280) else {
        return;
    };
    let options = TraceOptions::default();
    for (dst, via_r3b) in [
        (SERVER4, [R1_4, R2_4, R3B_4, R4_4, SERVER4]),
        (SERVER6, [R1_6, R2_6, R3B_6, R4_R3B_6, SERVER6]),
    ] {
        lab.route_through(Branch::R3a);
        let before = trace_from_client(&lab, dst, &options);
        let again = trace_from_client(&lab, dst, &options);
        assert!(!again.changed_from(&before), "{before:?} {again:?}");
        lab.route_through(Branch::R3b);
        let after = trace_from_client(&lab, dst, &options);
        assert_eq!(after.hops, hops(&via_r3b), "{dst}");
        assert!(after.changed_from(&before), "{before:?} {after:?}");
        assert!(before.changed_from(&after));
    }
}

#[test]
fn a_smaller_link_on_the_way_is_the_path_mtu() {
    let Some(lab) = Lab::trace("monitor path pmtu", 1400) else {
        return;
    };
    lab.route_through(Branch::R3a);
    let options = TraceOptions {
        pmtu: true,
        ..TraceOptions::default()
    };
    for dst in [SERVER4, SERVER6] {
        let record = trace_from_client(&lab, dst, &options);
        assert_eq!(record.pmtu, Some(1400), "{dst}: {record:?}");
        assert!(record.reached);
        assert_eq!(record.hop_count(), Some(5));
    }
}

#[test]
fn without_cap_net_raw_the_path_is_traced_on_a_ping_socket() {
    let Some(lab) = Lab::trace("monitor path ping socket", 1400) else {
        return;
    };
    lab.route_through(Branch::R3a);
    lab.allow_ping_sockets("client");
    let options = TraceOptions {
        pmtu: true,
        ..TraceOptions::default()
    };
    for (dst, expected) in [
        (SERVER4, [R1_4, R2_4, R3A_4, R4_4, SERVER4]),
        (SERVER6, [R1_6, R2_6, R3A_6, R4_6, SERVER6]),
    ] {
        let dst = addr(dst);
        let record = in_ns(&lab, "client", true, || path::trace(dst, &options))
            .unwrap_or_else(|e| panic!("trace of {dst} on a ping socket: {e}"));
        assert_eq!(record.hops, hops(&expected), "{dst}");
        assert_eq!(record.pmtu, Some(1400), "{dst}");
    }
}

#[test]
fn with_neither_socket_allowed_the_path_error_names_both_fixes() {
    let Some(lab) = Lab::trace("monitor path no socket", 1280) else {
        return;
    };
    // A new namespace has ping sockets off ("1 0").
    let dst = addr(SERVER4);
    let options = TraceOptions::default();
    let result = in_ns(&lab, "client", true, || path::trace(dst, &options));
    let error = result.expect_err("no socket can be opened");
    assert!(matches!(error, PathError::NoSockets { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("CAP_NET_RAW"), "{message}");
    assert!(message.contains("net.ipv4.ping_group_range"), "{message}");
}

#[test]
fn an_opener_started_early_opens_raw_path_sockets_after_its_thread_dropped_them() {
    let Some(lab) = Lab::trace("monitor path kept opener", 1280) else {
        return;
    };
    lab.route_through(Branch::R3a);
    // Ping sockets are off in a new namespace: only raw sockets can trace.
    let dst = addr(SERVER4);
    let options = TraceOptions::default();
    let (kept, here) = in_ns(&lab, "client", false, || async {
        let opener = SocketOpener::start().expect("the opener thread");
        icmpkit_net::privilege::drop_raw_capability().expect("capabilities dropped");
        (
            path::trace_with(&opener, dst, &options).await,
            path::trace(dst, &options).await,
        )
    });
    let kept = kept.expect("the kept opener still has CAP_NET_RAW");
    assert_eq!(kept.hops, hops(&[R1_4, R2_4, R3A_4, R4_4, SERVER4]));
    assert!(matches!(here, Err(PathError::NoSockets { .. })), "{here:?}");
}

fn targets(every: Duration, entries: &[(&str, &str)]) -> Targets {
    Targets {
        groups: vec![Group {
            name: "traced".into(),
            probing: Probing {
                trace_every: Some(every),
                ..Probing::default()
            },
            labels: BTreeMap::new(),
        }],
        targets: entries
            .iter()
            .map(|&(name, ip)| Target {
                name: name.into(),
                host: ip.into(),
                ip: Some(addr(ip)),
                group: 0,
                labels: None,
            })
            .collect(),
    }
}

#[test]
fn the_tracer_sends_every_targets_path_again_and_again_until_stopped() {
    let Some(lab) = Lab::trace("monitor path tracer", 1280) else {
        return;
    };
    lab.route_through(Branch::R3a);
    let configured = targets(
        Duration::from_millis(300),
        &[("server", SERVER4), ("server6", SERVER6), ("r2", R2_4)],
    );
    assert_eq!(path_targets(&configured).len(), 3);
    let seen = in_ns(&lab, "client", false, || async {
        let opener = SocketOpener::start().expect("the opener thread");
        let (records, mut received) = mpsc::channel(16);
        let (stop, stopped) = watch::channel(false);
        let tracer = Tracer::spawn(&configured, opener, records, stopped);
        let mut seen: BTreeMap<String, Vec<PathRecord>> = BTreeMap::new();
        while seen.len() < 3 || seen.values().any(|r| r.len() < 2) {
            let (name, record) = received.recv().await.expect("records keep coming");
            seen.entry(name).or_default().push(record);
        }
        // A reload that keeps one target: only it is traced from then on.
        tracer.reconfigure(&targets(Duration::from_millis(300), &[("r2", R2_4)]));
        let mut after = Vec::new();
        while after.len() < 4 {
            let (name, _) = received.recv().await.expect("records keep coming");
            after.push(name);
        }
        stop.send(true).expect("the tracer listens");
        tracer.finished().await;
        (seen, after)
    });
    let (seen, after) = seen;
    for record in &seen["server"] {
        assert_eq!(record.hops, hops(&[R1_4, R2_4, R3A_4, R4_4, SERVER4]));
    }
    for record in &seen["server6"] {
        assert_eq!(record.hops, hops(&[R1_6, R2_6, R3A_6, R4_6, SERVER6]));
    }
    for record in &seen["r2"] {
        assert_eq!(record.hops, hops(&[R1_4, R2_4]));
        assert!(record.reached);
    }
    // Of the targets dropped, only a trace under way at the reload (one
    // per target at most) may still report.
    assert!(
        after.iter().filter(|n| *n != "r2").count() <= 2,
        "{after:?}"
    );
}
