use super::*;

use crate::trace::Outcome;
use crate::trace::testing::{answer, hop, v4};

/// A simulated network: who answers a probe of `flow` at `ttl` and how
/// (`None`: lost).
type Net = dyn Fn(u8, u16) -> Option<(IpAddr, Outcome)>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const DST: u8 = 99;

fn dst() -> IpAddr {
    v4(DST)
}

/// A flow hash, as a router's ECMP would mix the five-tuple.
fn mix(flow: u16, salt: u32) -> u32 {
    let mut x = (u32::from(flow) | salt << 16).wrapping_mul(0x9e37_79b9);
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^ (x >> 16)
}

/// `mix` reduced to `0..n`.
fn pick(flow: u16, salt: u32, n: u32) -> u8 {
    u8::try_from(mix(flow, salt) % n).unwrap()
}

/// What a run did.
struct Run {
    mda: Mda,
    /// Every probe sent: (ttl, flow).
    sent: Vec<(u8, u16)>,
}

/// Drives `mda` to the end over `net`: every probe is answered at once
/// (or lost), time moves to each wakeup and lost probes expire.
fn run(config: MdaConfig, net: &Net) -> Run {
    let mut mda = Mda::new(config);
    let mut now = Instant::now();
    let mut sent = Vec::new();
    for _ in 0..100_000 {
        let mut answers = Vec::new();
        while let Some(p) = mda.next_probe(now) {
            sent.push((p.ttl, p.flow));
            if let Some((from, outcome)) = net(p.ttl, p.flow) {
                answers.push((p.number, answer(from, u64::from(p.ttl), outcome)));
            }
        }
        for (number, a) in answers {
            assert!(mda.on_answer(number, a));
        }
        if mda.is_done() {
            assert_eq!(mda.next_wakeup(now), None);
            assert_eq!(mda.probes_sent(), sent.len());
            return Run { mda, sent };
        }
        let wake = mda.next_wakeup(now).expect("not done: a wakeup");
        now = now.max(wake);
        mda.expire(now);
    }
    panic!("the run did not end");
}

fn config() -> MdaConfig {
    MdaConfig {
        max_ttl: 16,
        ..MdaConfig::default()
    }
}

/// A path: `routers[t-1]` picks the interface at TTL `t` from the flow;
/// past them the destination answers.
fn path(
    routers: Vec<Box<dyn Fn(u16) -> Option<IpAddr>>>,
) -> impl Fn(u8, u16) -> Option<(IpAddr, Outcome)> {
    move |ttl, flow| match routers.get(usize::from(ttl) - 1) {
        Some(router) => router(flow).map(|a| (a, Outcome::Hop)),
        None => Some((dst(), Outcome::Reached)),
    }
}

fn fixed(addr: IpAddr) -> Box<dyn Fn(u16) -> Option<IpAddr>> {
    Box::new(move |_| Some(addr))
}

fn silent() -> Box<dyn Fn(u16) -> Option<IpAddr>> {
    Box::new(|_| None)
}

fn link(ttl: u8, from: Option<IpAddr>, to: Option<IpAddr>) -> MdaLink {
    MdaLink { ttl, from, to }
}

/// The interfaces of each hop, by TTL.
fn interfaces(mda: &Mda) -> Vec<(u8, Vec<IpAddr>)> {
    mda.hops()
        .iter()
        .map(|h| (h.ttl, h.interfaces.iter().map(|i| i.addr).collect()))
        .collect()
}

/// The stopping rule held: for every non-final interface `v` at TTL `t`
/// with `k` next hops found, at least `n_k` flows that truly cross `v`
/// were probed at `t + 1`.
fn assert_stopping_rule(run: &Run, net: &Net) {
    let links = run.mda.links();
    let hops = run.mda.hops();
    let confidence = run.mda.config.confidence;
    for h in hops.iter().take(hops.len() - 1) {
        for v in h.interfaces.iter().filter(|i| !i.is_final) {
            let next_flows = run
                .sent
                .iter()
                .filter(|&&(ttl, flow)| {
                    ttl == h.ttl + 1 && net(h.ttl, flow).map(|(a, _)| a) == Some(v.addr)
                })
                .count();
            let k = links
                .iter()
                .filter(|l| l.ttl == h.ttl && l.from == Some(v.addr))
                .count();
            assert!(k >= 1, "{} at TTL {} has no link", v.addr, h.ttl);
            assert!(
                next_flows >= flows_needed(k, confidence),
                "{} at TTL {}: {next_flows} flows probed past it, {k} next hops",
                v.addr,
                h.ttl
            );
        }
    }
}

/// Prints what a scenario cost (shown with `--nocapture`).
fn report(name: &str, run: &Run) {
    eprintln!(
        "{name}: {} probes, {} rounds, per TTL {:?}",
        run.sent.len(),
        run.mda.rounds(),
        per_ttl(run)
    );
}

/// Probes sent per TTL.
fn per_ttl(run: &Run) -> BTreeMap<u8, usize> {
    let mut out = BTreeMap::new();
    for &(ttl, _) in &run.sent {
        *out.entry(ttl).or_default() += 1;
    }
    out
}

#[test]
fn single_path() {
    let net = path((1..=4).map(|t| fixed(v4(t))).collect());
    let run = run(config(), &net);
    assert_eq!(
        interfaces(&run.mda),
        vec![
            (1, vec![v4(1)]),
            (2, vec![v4(2)]),
            (3, vec![v4(3)]),
            (4, vec![v4(4)]),
            (5, vec![dst()]),
        ]
    );
    assert_eq!(
        run.mda.links(),
        vec![
            link(1, Some(v4(1)), Some(v4(2))),
            link(2, Some(v4(2)), Some(v4(3))),
            link(3, Some(v4(3)), Some(v4(4))),
            link(4, Some(v4(4)), Some(dst())),
        ]
    );
    let last = run.mda.hops().pop().unwrap();
    assert!(last.interfaces[0].is_final);
    assert_eq!(last.interfaces[0].annotation, None);
    assert_stopping_rule(&run, &net);
    report("single path", &run);
    // 6 flows per TTL up to the destination; one exploration flow at TTLs
    // 6 to 8 (the second round looks 4 TTLs past TTL 4).
    assert_eq!(
        per_ttl(&run).into_iter().collect::<Vec<_>>(),
        [
            (1, 6),
            (2, 6),
            (3, 6),
            (4, 6),
            (5, 6),
            (6, 1),
            (7, 1),
            (8, 1)
        ]
    );
    assert_eq!(run.mda.rounds(), 3);
}

#[test]
fn the_labs_diamond() {
    let (a, b) = (v4(31), v4(32));
    let net = path(vec![
        fixed(v4(1)),
        fixed(v4(2)),
        Box::new(move |flow| Some(if pick(flow, 7, 2) == 0 { a } else { b })),
        fixed(v4(4)),
    ]);
    let run = run(config(), &net);
    assert_eq!(
        interfaces(&run.mda),
        vec![
            (1, vec![v4(1)]),
            (2, vec![v4(2)]),
            (3, vec![a, b]),
            (4, vec![v4(4)]),
            (5, vec![dst()]),
        ]
    );
    assert_eq!(
        run.mda.links(),
        vec![
            link(1, Some(v4(1)), Some(v4(2))),
            link(2, Some(v4(2)), Some(a)),
            link(2, Some(v4(2)), Some(b)),
            link(3, Some(a), Some(v4(4))),
            link(3, Some(b), Some(v4(4))),
            link(4, Some(v4(4)), Some(dst())),
        ]
    );
    assert_stopping_rule(&run, &net);
    report("lab diamond", &run);
    assert_eq!(run.sent.len(), DIAMOND_PROBES);
}

/// The probes the lab's diamond takes (pinned: a change of the planning
/// shows here).
const DIAMOND_PROBES: usize = 52;

/// Hop 2: four routers; hop 3: four routers each reachable from every
/// hop-2 router (the flow hash of hop 3 is independent of hop 2's).
fn wide_diamond(salt_b: u32, salt_c: u32) -> impl Fn(u8, u16) -> Option<(IpAddr, Outcome)> {
    path(vec![
        fixed(v4(1)),
        Box::new(move |flow| Some(wide_b(pick(flow, salt_b, 4)))),
        Box::new(move |flow| Some(wide_c(pick(flow, salt_c, 4)))),
        fixed(v4(4)),
    ])
}

fn wide_b(i: u8) -> IpAddr {
    v4(20 + i)
}

fn wide_c(i: u8) -> IpAddr {
    v4(30 + i)
}

fn wide_links() -> Vec<MdaLink> {
    let mut expected = Vec::new();
    for i in 0..4 {
        expected.push(link(1, Some(v4(1)), Some(wide_b(i))));
    }
    for i in 0..4 {
        for j in 0..4 {
            expected.push(link(2, Some(wide_b(i)), Some(wide_c(j))));
        }
    }
    for j in 0..4 {
        expected.push(link(3, Some(wide_c(j)), Some(v4(4))));
    }
    expected.push(link(4, Some(v4(4)), Some(dst())));
    expected
}

#[test]
fn a_wide_meshed_diamond() {
    let net = wide_diamond(1, 2);
    let run = run(config(), &net);
    assert_eq!(
        interfaces(&run.mda),
        vec![
            (1, vec![v4(1)]),
            (2, (0..4).map(wide_b).collect()),
            (3, (0..4).map(wide_c).collect()),
            (4, vec![v4(4)]),
            (5, vec![dst()]),
        ]
    );
    assert_stopping_rule(&run, &net);
    assert_eq!(run.mda.links(), wide_links());
    report("wide meshed diamond", &run);
    assert_eq!(run.sent.len(), WIDE_PROBES);
}

/// The probes the wide diamond takes (pinned).
const WIDE_PROBES: usize = 263;

/// Regression: with these hashes the flows crossing one hop-3 router
/// cluster late, so the even-spread estimate of the flows TTL 4 needs was
/// reached with only 5 of them crossing it (6 needed), and planning then
/// stopped: the stopping rule failed.
#[test]
fn flows_crossing_a_node_late_still_get_n_k() {
    let net = wide_diamond(77, 89);
    let run = run(config(), &net);
    assert_stopping_rule(&run, &net);
    assert_eq!(run.mda.links(), wide_links());
}

/// Over many flow hashes the stopping rule always holds, and most runs
/// find all 25 links. The rule is a 95% bound per node: with five nodes
/// that branch (the source side and four hop-2 routers with four next hops
/// each) a complete map is owed in about 0.95^5 = 77% of runs at worst. A
/// miss is a node whose flows happened to avoid one next hop after `n_k`
/// of them.
#[test]
fn wide_diamonds_over_many_hashes() {
    let mut complete = 0;
    let mut probes = Vec::new();
    for salt in 0..40 {
        let net = wide_diamond(salt * 2 + 11, salt * 2 + 23);
        let run = run(config(), &net);
        assert_stopping_rule(&run, &net);
        let links = run.mda.links();
        assert!(
            links.iter().all(|l| wide_links().contains(l)),
            "salt {salt}"
        );
        if links == wide_links() {
            complete += 1;
        }
        probes.push(run.sent.len());
    }
    eprintln!(
        "wide diamonds: {complete}/40 complete, probes {}..={}",
        probes.iter().min().unwrap(),
        probes.iter().max().unwrap()
    );
    assert!(complete >= 30, "{complete}/40 complete");
}

#[test]
fn a_silent_hop() {
    let net = path(vec![fixed(v4(1)), fixed(v4(2)), silent(), fixed(v4(4))]);
    let run = run(config(), &net);
    assert_eq!(
        interfaces(&run.mda),
        vec![
            (1, vec![v4(1)]),
            (2, vec![v4(2)]),
            (3, vec![]),
            (4, vec![v4(4)]),
            (5, vec![dst()]),
        ]
    );
    let silent_hop = &run.mda.hops()[2];
    assert_eq!(silent_hop.unanswered, silent_hop.flows);
    assert!(silent_hop.flows >= 6);
    assert_eq!(
        run.mda.links(),
        vec![
            link(1, Some(v4(1)), Some(v4(2))),
            link(2, Some(v4(2)), None),
            link(3, None, Some(v4(4))),
            link(4, Some(v4(4)), Some(dst())),
        ]
    );
    assert_stopping_rule(&run, &net);
    report("silent hop", &run);
    assert_eq!(run.sent.len(), SILENT_PROBES);
}

/// The probes the silent hop takes (pinned).
const SILENT_PROBES: usize = 33;

#[test]
fn an_unreachable_destination_ends_the_path() {
    let prohibited = Outcome::Unreachable {
        version: icmpkit_wire::IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    };
    let net = move |ttl: u8, _flow: u16| match ttl {
        1 | 2 => Some((v4(ttl), Outcome::Hop)),
        _ => Some((v4(3), prohibited)),
    };
    let run = run(config(), &net);
    let hops = run.mda.hops();
    assert_eq!(hops.len(), 3);
    assert_eq!(hops[2].interfaces.len(), 1);
    assert!(hops[2].interfaces[0].is_final);
    assert_eq!(hops[2].interfaces[0].annotation.as_deref(), Some("!X"));
    assert_stopping_rule(&run, &net);
}

#[test]
fn duplicates_late_and_unknown_answers() {
    let t0 = Instant::now();
    let mut mda = Mda::new(MdaConfig {
        max_ttl: 2,
        ..config()
    });
    let first = std::iter::from_fn(|| mda.next_probe(t0)).collect::<Vec<_>>();
    // One exploration flow (0) at TTLs 1 and 2 (the window is cut at the
    // max TTL).
    assert_eq!(
        first.iter().map(|p| (p.ttl, p.flow)).collect::<Vec<_>>(),
        [(1, 0), (2, 0)]
    );
    let p0 = first[0];
    assert!(mda.on_answer(p0.number, hop(v4(1), 1)));
    assert!(!mda.on_answer(p0.number, hop(v4(1), 1)));
    assert_eq!(mda.duplicates_and_late(), (1, 0));
    assert!(!mda.on_answer(999, hop(v4(1), 1)));
    // TTL 2 waits MAX: nothing answered there nor past it.
    assert_eq!(mda.next_wakeup(t0), Some(t0 + Duration::from_secs(5)));
    mda.expire(t0 + Duration::from_secs(5));
    let p1 = first[1];
    assert!(!mda.on_answer(p1.number, hop(v4(1), 1)));
    assert_eq!(mda.duplicates_and_late(), (1, 1));
}

#[test]
fn pacing_per_hop() {
    let t0 = Instant::now();
    let mut mda = Mda::new(MdaConfig {
        max_ttl: 1,
        hop_burst: 4,
        hop_interval: ms(10),
        ..config()
    });
    let explore = mda.next_probe(t0).unwrap();
    assert!(mda.next_probe(t0).is_none());
    // Its answer plans 5 more flows at TTL 1: 3 complete the burst of 4.
    assert!(mda.on_answer(explore.number, answer(v4(1), 1, Outcome::Hop)));
    let burst = std::iter::from_fn(|| mda.next_probe(t0)).count();
    assert_eq!(burst, 3);
    assert_eq!(mda.next_wakeup(t0), Some(t0 + ms(10)));
    assert!(mda.next_probe(t0 + ms(10)).is_some());
    // One per interval after the burst.
    assert!(mda.next_probe(t0 + ms(10)).is_none());
    assert!(mda.next_probe(t0 + ms(20)).is_some());
    assert!(mda.next_probe(t0 + ms(20)).is_none());
}

#[test]
fn a_filter_answering_for_the_destination_is_not_reaching_it() {
    let prohibited = Outcome::Unreachable {
        version: icmpkit_wire::IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    };
    for (outcome, reached) in [(prohibited, false), (Outcome::Reached, true)] {
        let net = move |ttl: u8, _flow: u16| match ttl {
            1 | 2 => Some((v4(ttl), Outcome::Hop)),
            _ => Some((dst(), outcome)),
        };
        let run = run(config(), &net);
        assert_eq!(run.mda.hops().len(), 3);
        assert_eq!(run.mda.reached(dst()), reached, "{outcome:?}");
    }
}

#[test]
fn the_stop_says_why_the_discovery_ended_and_rtts_are_summed_up() {
    // The destination at TTL 3.
    let net = path(vec![fixed(v4(1)), fixed(v4(2))]);
    let done = run(config(), &net);
    assert_eq!(done.mda.stop(), MdaStop::End { ttl: 3 });
    // RTTs: each answer here comes after `ttl` ms.
    let hop = &done.mda.hops()[1].interfaces[0];
    assert_eq!(
        (hop.min_rtt, hop.avg_rtt, hop.max_rtt),
        (ms(2), ms(2), ms(2))
    );
    // Silent from TTL 3 on: the gap limit ends it.
    let silence = std::iter::repeat_with(silent).take(14);
    let net = path(
        [fixed(v4(1)), fixed(v4(2))]
            .into_iter()
            .chain(silence)
            .collect(),
    );
    let quiet = run(config(), &net);
    let MdaStop::Silence { last_ttl, silent } = quiet.mda.stop() else {
        panic!("{:?}", quiet.mda.stop());
    };
    assert!(silent >= config().gap_limit, "{silent}");
    assert_eq!(last_ttl, 2 + silent);
    // Routers all the way to the max TTL.
    let net = |ttl: u8, _flow: u16| Some((v4(ttl), Outcome::Hop));
    let long = run(
        MdaConfig {
            max_ttl: 6,
            ..config()
        },
        &net,
    );
    assert_eq!(long.mda.stop(), MdaStop::MaxTtl { ttl: 6 });
    // Not over yet.
    assert_eq!(Mda::new(config()).stop(), MdaStop::Unfinished);
}

#[test]
fn an_interfaces_rtts_are_its_least_mean_and_greatest() {
    // Flows answer at TTL 1 after 1 + flow % 3 ms.
    let mut mda = Mda::new(MdaConfig {
        max_ttl: 1,
        ..config()
    });
    let now = Instant::now();
    let mut numbers = Vec::new();
    while let Some(p) = mda.next_probe(now) {
        numbers.push((p.number, p.flow));
        let rtt = 1 + u64::from(p.flow % 3);
        assert!(mda.on_answer(p.number, answer(v4(1), rtt, Outcome::Hop)));
    }
    assert!(mda.is_done());
    assert!(numbers.len() >= 3, "{numbers:?}");
    let rtts: Vec<u64> = numbers.iter().map(|&(_, f)| 1 + u64::from(f % 3)).collect();
    let i = &mda.hops()[0].interfaces[0];
    assert_eq!(i.min_rtt, ms(*rtts.iter().min().unwrap()));
    assert_eq!(i.max_rtt, ms(*rtts.iter().max().unwrap()));
    let mean = Duration::from_millis(rtts.iter().sum::<u64>()) / u32::try_from(rtts.len()).unwrap();
    assert_eq!(i.avg_rtt, mean);
}
