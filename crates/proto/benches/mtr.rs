//! What the mtr view costs per probe and per look: adding a resolved
//! probe to a [`Path`], and assessing every hop's loss (the token-bucket
//! fit included), on a 30-hop path whose hops 2 and 7 limit their
//! answers as a Linux router does (a burst of 6, then one a second) and
//! whose other hops answer everything, 256 rounds at 5 a second.
//!
//! Run with `cargo bench -p icmpkit-proto --bench mtr`. The live view
//! assesses before each frame (at most 5 a second); a report once.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::Criterion;
use icmpkit_proto::mtr::{HISTORY, Path, ProbeResult};
use icmpkit_proto::trace::{Answer, Outcome, Rewrites};

const HOPS: u8 = 30;
const LIMITED: [u8; 2] = [2, 7];

fn answer(ttl: u8) -> Answer {
    Answer {
        from: IpAddr::V4(Ipv4Addr::new(10, 0, ttl, 1)),
        rtt: Duration::from_micros(u64::from(ttl) * 500),
        outcome: if ttl == HOPS {
            Outcome::Reached
        } else {
            Outcome::Hop
        },
        reply_ttl: None,
        quoted_ttl: None,
        rewrites: Rewrites::default(),
        extensions: Vec::new(),
    }
}

/// Linux's per-peer limiter: tokens of 1 s, at most 6.
struct Limiter {
    tokens: f64,
    last: Option<Instant>,
}

impl Limiter {
    fn allow(&mut self, now: Instant) -> bool {
        let gained = self
            .last
            .map_or(6.0, |l| now.duration_since(l).as_secs_f64());
        self.tokens = (self.tokens + gained).min(6.0);
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Every result of `rounds` rounds, in round order.
fn results(t0: Instant, rounds: u64) -> Vec<ProbeResult> {
    let mut limiters: Vec<Limiter> = LIMITED
        .iter()
        .map(|_| Limiter {
            tokens: 0.0,
            last: None,
        })
        .collect();
    let mut out = Vec::new();
    for round in 0..rounds {
        let sent_at = t0 + Duration::from_millis(200 * round);
        for ttl in 1..=HOPS {
            let answered = match LIMITED.iter().position(|&l| l == ttl) {
                Some(i) => limiters[i].allow(sent_at),
                None => true,
            };
            out.push(ProbeResult {
                round,
                ttl,
                flow: 0,
                sent_at,
                answer: answered.then(|| answer(ttl)),
                burst: None,
            });
        }
    }
    out
}

fn main() {
    let t0 = Instant::now();
    let rounds = u64::try_from(HISTORY).unwrap_or(256);
    let all = results(t0, rounds);
    let mut full = Path::new(IpAddr::V4(Ipv4Addr::new(10, 0, HOPS, 1)), 1);
    for r in &all {
        full.record(r);
    }
    full.assess();
    for ttl in LIMITED {
        let hop = &full.hops()[usize::from(ttl - 1)];
        println!("hop {ttl}: {}", hop.verdict.line().unwrap_or_default());
    }
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("mtr path: record one probe (30 hops)", |b| {
        let mut path = full.clone();
        let mut i = 0;
        b.iter(|| {
            let events = path.record(black_box(&all[i % all.len()]));
            i += 1;
            black_box(events)
        });
    });
    c.bench_function(
        "mtr path: assess 30 hops, 2 rate-limited, 256 rounds",
        |b| {
            let mut path = full.clone();
            b.iter(|| {
                path.assess();
                black_box(path.hops().len())
            });
        },
    );
    c.final_summary();
}
