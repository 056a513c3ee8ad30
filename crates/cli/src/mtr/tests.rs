//! Whole mtr runs over the simulated network (`icmpkit_driver::sim`): no
//! root, no sockets, a virtual clock, so every count is exact.

use std::net::{IpAddr, Ipv4Addr};

use clap::Parser;
use icmpkit_driver::sim::{Balance, Builder, ErrorDelivery, Host, Link, Network, Route, Router};

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const DEST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 9);

fn r(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, n, 1)
}

/// The plan of `icmpkit mtr -n -a 10.0.0.1 -L 33000 <options> 192.0.2.9`
/// with a fixed probe key.
fn plan(options: &str) -> Plan {
    let words = ["mtr", "-n", "-a", "10.0.0.1", "-L", "33000"];
    let cli = Cli::try_parse_from(
        words
            .into_iter()
            .chain(options.split_whitespace())
            .chain(["192.0.2.9"]),
    )
    .expect("valid options");
    let mut plan = Plan::from_args(&cli.args, false).expect("a valid plan");
    plan.key = 0x1234;
    plan
}

/// 10.0.0.1 -> r1 -> r2 -> r3 -> r4 -> 192.0.2.9, links of 1 ms; `r2`
/// is the second router and `last` the link from r4 to the host.
fn chain(r2: Router, r3_out: Link) -> Network {
    chain_on(Network::builder().local(LOCAL).seed(7), r2, r3_out)
}

/// [`chain`] from `net`, a builder with its own settings.
fn chain_on(mut net: Builder, r2: Router, r3_out: Link) -> Network {
    let r1 = net.router(Router::new(r(1)));
    let r2 = net.router(r2);
    let r3 = net.router(Router::new(r(3)));
    let r4 = net.router(Router::new(r(4)));
    net.route(
        Route::to(DEST, 32)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(1))
            .hop(r3, Link::ms(1))
            .hop(r4, r3_out)
            .last_link(Link::ms(1))
            .host(DEST, Host::answering()),
    );
    net.build().expect("a valid network")
}

fn run(plan: &Plan, mut net: Network) -> Ran {
    assert_eq!(net.source_for(plan.dst), Some(plan.src));
    run_over(plan, &mut net, &Signals::none(), |_, _, _| Ok(())).expect("the simulated run")
}

/// (sent, received) per shown hop.
fn counts(path: &Path) -> Vec<(u8, u64, u64)> {
    path.hops()
        .iter()
        .map(|h| (h.ttl, h.stats.sent(), h.stats.received()))
        .collect()
}

#[test]
fn every_hop_answers_every_round_on_a_clean_path() {
    let ran = run(&plan("-c 5"), chain(Router::new(r(2)), Link::ms(1)));
    assert_eq!(
        counts(&ran.path),
        (1..=5).map(|ttl| (ttl, 5, 5)).collect::<Vec<_>>()
    );
    assert_eq!(ran.path.destination_ttl(), Some(5));
    let addresses: Vec<IpAddr> = ran
        .path
        .hops()
        .iter()
        .map(|h| h.latest_address().expect("answered"))
        .collect();
    let want: Vec<IpAddr> = vec![
        r(1).into(),
        r(2).into(),
        r(3).into(),
        r(4).into(),
        DEST.into(),
    ];
    assert_eq!(addresses, want);
    assert_eq!(
        ran.exit,
        Exit::from(icmpkit_proto::machine::Verdict::Answered)
    );
}

#[test]
fn a_rate_limited_router_answers_its_burst_then_one_a_second() {
    // Five rounds a second for 12 s: hop 2 gets 60 probes and Linux's
    // limiter (a burst of 6, then one a second) answers 6 + 11 of them (the
    // last probe leaves 11.8 s after the first).
    let ran = run(
        &plan("-c 60 -i 0.2"),
        chain(Router::new(r(2)).rate_limited(), Link::ms(1)),
    );
    let c = counts(&ran.path);
    assert_eq!(c[0], (1, 60, 60));
    assert_eq!(c[1].1, 60);
    assert_eq!(c[1], (2, 60, 17));
    assert_eq!(&c[2..], &[(3, 60, 60), (4, 60, 60), (5, 60, 60)]);
}

#[test]
fn loss_past_a_router_shows_at_every_later_hop() {
    // The link out of r3 loses 10 % each way: hops 4 and 5 lose about
    // 19 % of their probes, hops 1 to 3 nothing.
    let ran = run(
        &plan("-c 300 -i 0.01"),
        chain(Router::new(r(2)), Link::ms(1).loss(0.1)),
    );
    let c = counts(&ran.path);
    assert_eq!(&c[..3], &[(1, 300, 300), (2, 300, 300), (3, 300, 300)]);
    for &(ttl, sent, received) in &c[3..] {
        assert_eq!(sent, 300);
        let lost = sent - received;
        // 19 % of 300 = 57, binomial sd about 6.8: 3 sd either way.
        assert!((37..=77).contains(&lost), "hop {ttl} lost {lost}");
    }
}

#[test]
fn an_ecmp_fork_shows_both_branches_under_their_hop() {
    let mut net = Network::builder().local(LOCAL).seed(3);
    let r1 = net.router(Router::new(r(1)));
    let a = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 1)));
    let b = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 2)));
    net.route(
        Route::to(DEST, 32)
            .hop(r1, Link::ms(1))
            .ecmp(&[a, b], Balance::PerFlow, Link::ms(1))
            .last_link(Link::ms(1))
            .host(DEST, Host::answering()),
    );
    let ran = run(&plan("-c 16 --flows 8"), net.build().expect("network"));
    let hop2 = &ran.path.hops()[1];
    let mut seen: Vec<(IpAddr, u64)> = hop2
        .addresses
        .iter()
        .map(|s| (s.address, s.count))
        .collect();
    seen.sort();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen.iter().map(|s| s.1).sum::<u64>(), 16);
    // One flow takes one branch every time it comes round.
    assert!(seen.iter().all(|s| s.1 % 2 == 0), "{seen:?}");
    // Each of the 8 flows came round twice, and was answered both times.
    let flows: Vec<(u16, u64, u64)> = hop2
        .flows
        .iter()
        .map(|(&f, s)| (f, s.sent(), s.received()))
        .collect();
    assert_eq!(flows, (0..8).map(|f| (f, 2, 2)).collect::<Vec<_>>());
}

#[test]
fn without_raw_sockets_errors_come_from_the_ping_sockets_queue() {
    // A ping socket bound to identifier 0x4321: the kernel writes it into
    // every Echo Request, and routers' Time Exceeded come only from the
    // socket's error queue.
    let net = Network::builder()
        .local(LOCAL)
        .seed(7)
        .ping_socket(0x4321)
        .errors(ErrorDelivery::Queued);
    let mut plan = plan("-c 3");
    plan.key = 0x4321;
    plan.ping_socket = true;
    let ran = run(&plan, chain_on(net, Router::new(r(2)), Link::ms(1)));
    assert_eq!(
        counts(&ran.path),
        (1..=5).map(|ttl| (ttl, 3, 3)).collect::<Vec<_>>()
    );
    assert_eq!(ran.path.hops()[1].latest_address(), Some(r(2).into()));
}

#[test]
fn an_error_read_twice_on_a_raw_socket_counts_once() {
    let net = Network::builder()
        .local(LOCAL)
        .seed(7)
        .errors(ErrorDelivery::Both);
    let ran = run(&plan("-c 3"), chain_on(net, Router::new(r(2)), Link::ms(1)));
    assert_eq!(
        counts(&ran.path),
        (1..=5).map(|ttl| (ttl, 3, 3)).collect::<Vec<_>>()
    );
}

#[test]
fn a_burst_check_finds_a_rested_limiters_six_tokens() {
    // One round a second keeps r2's bucket near full (it regains the
    // token each round spends): the burst at the end gets the 5 it holds
    // and then nothing, while every other hop answers all 20.
    let ran = run(
        &plan("-c 10 --burst"),
        chain(Router::new(r(2)).rate_limited(), Link::ms(1)),
    );
    let checks: Vec<(u8, usize, usize, usize)> = ran
        .path
        .hops()
        .iter()
        .map(|h| {
            let b = h.burst.as_ref().expect("a burst check");
            (h.ttl, b.sent(), b.answered(), b.leading())
        })
        .collect();
    assert_eq!(
        checks,
        vec![
            (1, 20, 20, 20),
            (2, 20, 5, 5),
            (3, 20, 20, 20),
            (4, 20, 20, 20),
            (5, 20, 20, 20)
        ]
    );
    // The rounds' figures are the rounds' alone.
    assert_eq!(counts(&ran.path)[1], (2, 10, 10));
}
