#![allow(
    clippy::float_cmp,
    reason = "the numbers compared are exact: counts over counts, rounded rates"
)]

use std::time::{Duration, Instant};

use super::{
    HopLoss, HopVerdict, MIN_PROBES, Observation, TokenBucket, assess, fit_token_bucket,
    persistent_loss,
};

/// Linux's per-peer ICMP limiter (`inet_peer_xrlim_allow`), in jiffies of
/// a millisecond (HZ=1000), as the kernel writes it: tokens plus elapsed,
/// capped at 6 × timeout, an answer costs `timeout`. A fresh peer's
/// `rate_last` is 60 s in the past, so it starts full.
struct Peer {
    timeout: u64,
    tokens: u64,
    last: u64,
}

impl Peer {
    fn new(timeout_ms: u64, now_ms: u64) -> Self {
        Self {
            timeout: timeout_ms,
            tokens: 0,
            last: now_ms - 60_000,
        }
    }

    fn allow(&mut self, now_ms: u64) -> bool {
        let mut token = self.tokens + (now_ms - self.last);
        self.last = now_ms;
        token = token.min(6 * self.timeout);
        let allowed = token >= self.timeout;
        if allowed {
            token -= self.timeout;
        }
        self.tokens = token;
        allowed
    }
}

/// A seeded xorshift64: deterministic noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Probes every `gap_ms` for `count` probes, answered as `answered` says
/// given the send time in ms.
fn probes(gap_ms: u64, count: u64, mut answered: impl FnMut(u64) -> bool) -> Vec<Observation> {
    let start = Instant::now();
    (0..count)
        .map(|i| Observation {
            sent_at: start + Duration::from_millis(i * gap_ms),
            answered: answered(i * gap_ms),
        })
        .collect()
}

/// The router's clock (ms) when the first probe arrives: jiffies are
/// long past 0 on a running router.
const UPTIME: u64 = 3_600_000;

/// Probes through a Linux limiter of `timeout_ms`, arriving 10 ms after
/// they left.
fn limited(gap_ms: u64, count: u64, timeout_ms: u64) -> Vec<Observation> {
    let mut peer = Peer::new(timeout_ms, UPTIME);
    probes(gap_ms, count, |t| peer.allow(UPTIME + 10 + t))
}

fn bucket(burst: u32, per_second: f64, agreement: f64) -> TokenBucket {
    TokenBucket {
        burst,
        per_second,
        agreement,
    }
}

#[test]
fn a_linux_router_probed_at_5_per_second_fits_burst_6_and_1_per_second() {
    let seen = limited(200, 300, 1000);
    // 7 answers in the first 1.2 s (6 + what a second adds), then one a
    // second from 2 s to 59 s.
    assert_eq!(seen.iter().filter(|o| o.answered).count(), 65);
    assert_eq!(fit_token_bucket(&seen), Some(bucket(6, 1.0, 1.0)));
}

#[test]
fn other_linux_ratelimits_fit_their_own_rate() {
    // icmp_ratelimit=500 probed at 10/s; icmp_ratelimit=2000 at 5/s.
    assert_eq!(
        fit_token_bucket(&limited(100, 300, 500)),
        Some(bucket(6, 2.0, 1.0))
    );
    assert_eq!(
        fit_token_bucket(&limited(200, 300, 2000)),
        Some(bucket(6, 0.5, 1.0))
    );
}

#[test]
fn a_linux_router_probed_once_a_second_answers_all_and_fits_nothing() {
    let seen = limited(1000, 60, 1000);
    assert!(seen.iter().all(|o| o.answered));
    assert_eq!(fit_token_bucket(&seen), None);
}

#[test]
fn random_loss_fits_no_bucket() {
    for (seed, percent) in [(1, 10), (7, 10), (42, 5), (3, 30), (5, 50)] {
        let mut noise = Noise(seed);
        let seen = probes(200, 300, |_| !noise.chance(percent));
        let lost = seen.iter().filter(|o| !o.answered).count();
        assert!(lost >= 10, "seed {seed}: only {lost} lost");
        assert_eq!(fit_token_bucket(&seen), None, "seed {seed}, {percent}%");
    }
}

/// Probes every `gap_ms` through a Linux limiter of `timeout_ms`,
/// arriving 20 ms plus up to `jitter_ms` after they left, `lost_percent`
/// of them lost before the router.
fn noisy(
    gap_ms: u64,
    count: u64,
    timeout_ms: u64,
    jitter_ms: u64,
    lost_percent: u64,
) -> Vec<Observation> {
    let mut noise = Noise(gap_ms * 31 + timeout_ms + jitter_ms + lost_percent);
    let mut peer = Peer::new(timeout_ms, UPTIME);
    probes(gap_ms, count, |t| {
        let arrival = UPTIME + 20 + t + noise.next() % (jitter_ms + 1);
        !noise.chance(lost_percent) && peer.allow(arrival)
    })
}

#[test]
fn arrival_jitter_still_fits_burst_6_and_1_per_second() {
    let seen = noisy(200, 300, 1000, 15, 0);
    let fit = fit_token_bucket(&seen).expect("a bucket");
    assert_eq!((fit.burst, fit.per_second), (6, 1.0));
    assert!(fit.agreement >= 0.9, "{fit:?}");
}

#[test]
fn jitter_and_some_loss_on_the_way_still_fit_the_limiter() {
    // 2 answers/s probed at 10/s, up to 15 ms of jitter, 3% lost on the
    // way; from the start and from the middle of the run.
    let seen = noisy(100, 356, 500, 15, 3);
    for window in [&seen[..256], &seen[100..]] {
        let fit = fit_token_bucket(window).expect("a bucket");
        assert_eq!((fit.burst, fit.per_second), (6, 2.0), "{fit:?}");
    }
}

#[test]
fn a_window_from_the_middle_of_a_run_fits_the_rate_and_linuxs_burst() {
    // The burst left the window long ago: any burst explains it; the
    // tie goes to Linux's 6. The bucket is drained at the window's start.
    let seen = limited(200, 556, 1000);
    assert_eq!(fit_token_bucket(&seen[300..]), Some(bucket(6, 1.0, 1.0)));
}

#[test]
fn too_few_unanswered_probes_fit_nothing() {
    let mut seen = limited(1000, 60, 1000);
    seen[10].answered = false;
    seen[30].answered = false;
    assert_eq!(fit_token_bucket(&seen), None);
    assert_eq!(fit_token_bucket(&[]), None);
}

#[test]
fn persistent_loss_is_the_least_from_each_hop_onwards() {
    let loss = [
        Some(0.0),
        Some(80.0),
        None,
        Some(5.0),
        Some(3.0),
        Some(4.0),
        None,
    ];
    assert_eq!(
        persistent_loss(&loss),
        vec![
            Some(0.0),
            Some(3.0),
            None,
            Some(3.0),
            Some(3.0),
            Some(4.0),
            None
        ]
    );
    assert_eq!(persistent_loss(&[]), Vec::<Option<f64>>::new());
}

fn hop(sent: u64, received: u64) -> HopLoss<'static> {
    HopLoss {
        sent,
        received,
        observations: &[],
    }
}

#[test]
fn a_rate_limited_hop_loses_nothing_for_real() {
    let seen = limited(200, 300, 1000);
    let hops = [
        hop(300, 300),
        HopLoss {
            sent: 300,
            received: 66,
            observations: &seen,
        },
        hop(300, 300),
        hop(300, 300),
        hop(300, 300),
    ];
    let verdicts = assess(&hops);
    let limited = HopVerdict::RateLimited {
        bucket: TokenBucket {
            burst: 6,
            per_second: 1.0,
            agreement: 1.0,
        },
        real_loss: 0.0,
    };
    assert_eq!(
        verdicts,
        [
            HopVerdict::Clean,
            limited,
            HopVerdict::Clean,
            HopVerdict::Clean,
            HopVerdict::Clean
        ]
    );
    assert_eq!(
        verdicts[1].line().as_deref(),
        Some("rate-limited: about 1 answer/s after a burst of 6; nothing lost beyond this hop")
    );
}

#[test]
fn loss_is_placed_where_it_starts() {
    // Hops 4 to 6 lose about 19%; the least of them (18%) persists.
    let hops = [
        hop(100, 100),
        hop(100, 100),
        hop(100, 100),
        hop(100, 81),
        hop(100, 80),
        hop(100, 82),
    ];
    assert_eq!(
        assess(&hops),
        [
            HopVerdict::Clean,
            HopVerdict::Clean,
            HopVerdict::Clean,
            HopVerdict::ForwardLoss { real_loss: 18.0 },
            HopVerdict::Clean,
            HopVerdict::Clean
        ]
    );
}

#[test]
fn a_limiter_with_loss_beyond_it_says_how_much() {
    let seen = limited(200, 300, 1000);
    let hops = [
        hop(300, 300),
        HopLoss {
            sent: 300,
            received: 66,
            observations: &seen,
        },
        hop(300, 291),
        hop(300, 291),
    ];
    let verdicts = assess(&hops);
    assert!(
        matches!(verdicts[1], HopVerdict::RateLimited { real_loss, .. } if real_loss == 3.0),
        "{verdicts:?}"
    );
    // The 3% starts at hop 2 as far as the later hops can tell: the
    // limiter's line says it, hop 3 has nothing new.
    assert_eq!(verdicts[2], HopVerdict::Clean);
}

/// The verdict of the lossy middle hop of a three-hop path whose last
/// two hops lose `lost` of `sent`.
fn middle(sent: u64, lost: u64) -> HopVerdict {
    let path = [
        hop(sent, sent),
        hop(sent, sent - lost),
        hop(sent, sent - lost),
    ];
    let verdicts = assess(&path);
    assert_eq!([verdicts[0], verdicts[2]], [HopVerdict::Clean; 2]);
    verdicts[1]
}

#[test]
fn a_loss_is_news_when_unlikely_at_one_percent() {
    // P(lose k or more of n at 1%): 1 of 100 63%, 4 of 100 1.8%,
    // 1 of 10 9.6%: not news; 5 of 100 0.34%, 2 of 10 0.43%: news.
    assert_eq!(middle(100, 1), HopVerdict::Clean);
    assert_eq!(middle(100, 4), HopVerdict::Clean);
    assert_eq!(middle(10, 1), HopVerdict::Clean);
    assert_eq!(middle(100, 5), HopVerdict::ForwardLoss { real_loss: 5.0 });
    assert_eq!(middle(10, 2), HopVerdict::ForwardLoss { real_loss: 20.0 });
}

#[test]
fn a_long_run_tells_a_small_loss_from_the_background() {
    // 1.5% of a million is well above 1%, 0.95% is not.
    assert_eq!(
        middle(1_000_000, 15_000),
        HopVerdict::ForwardLoss { real_loss: 1.5 }
    );
    assert_eq!(middle(1_000_000, 9_500), HopVerdict::Clean);
}

#[test]
fn a_second_step_of_loss_starts_again_only_when_clearly_higher() {
    // 18% from hop 2; hop 3 loses 25% (not clearly above 18%: 1.7
    // standard errors), hop 4 onwards 40% (clearly above 25%: 3.2).
    let hops = [
        hop(200, 200),
        hop(200, 164),
        hop(200, 150),
        hop(200, 120),
        hop(200, 120),
    ];
    assert_eq!(
        assess(&hops),
        [
            HopVerdict::Clean,
            HopVerdict::ForwardLoss { real_loss: 18.0 },
            HopVerdict::Clean,
            HopVerdict::ForwardLoss { real_loss: 40.0 },
            HopVerdict::Clean
        ]
    );
}

#[test]
fn loss_from_the_first_hop_starts_there() {
    assert_eq!(
        assess(&[hop(50, 40), hop(50, 41)]),
        [
            HopVerdict::ForwardLoss { real_loss: 18.0 },
            HopVerdict::Clean
        ]
    );
}

#[test]
fn a_silent_hop_is_silent_only_when_a_later_hop_answers() {
    let hops = [hop(30, 30), hop(30, 0), hop(30, 30), hop(30, 0), hop(30, 0)];
    assert_eq!(
        assess(&hops),
        [
            HopVerdict::Clean,
            HopVerdict::Silent,
            HopVerdict::Clean,
            HopVerdict::Unknown,
            HopVerdict::Unknown
        ]
    );
}

#[test]
fn a_hop_with_too_few_probes_is_unknown() {
    let few = MIN_PROBES - 1;
    assert_eq!(
        assess(&[hop(few, 0), hop(few, 1), hop(MIN_PROBES, MIN_PROBES)]),
        [HopVerdict::Unknown, HopVerdict::Unknown, HopVerdict::Clean]
    );
    assert_eq!(assess(&[]), []);
}

#[test]
fn irregular_loss_that_does_not_persist_is_deprioritized_not_limited() {
    let mut noise = Noise(11);
    let seen = probes(200, 300, |_| !noise.chance(40));
    let received = seen.iter().filter(|o| o.answered).count() as u64;
    let hops = [
        hop(300, 300),
        HopLoss {
            sent: 300,
            received,
            observations: &seen,
        },
        hop(300, 300),
    ];
    let own_loss = 100.0 * f64::from(300 - u32::try_from(received).expect("at most 300")) / 300.0;
    assert_eq!(
        assess(&hops),
        [
            HopVerdict::Clean,
            HopVerdict::Deprioritized {
                own_loss,
                real_loss: 0.0
            },
            HopVerdict::Clean
        ]
    );
}

#[test]
fn verdict_lines() {
    let limited = |per_second, real_loss| HopVerdict::RateLimited {
        bucket: TokenBucket {
            burst: 6,
            per_second,
            agreement: 1.0,
        },
        real_loss,
    };
    let lines = [
        limited(1.0, 3.0),
        limited(0.5, 0.0),
        limited(2.0, 0.04),
        limited(0.05, 10.0),
        HopVerdict::ForwardLoss { real_loss: 9.8 },
        HopVerdict::Silent,
        HopVerdict::Deprioritized {
            own_loss: 41.25,
            real_loss: 0.0,
        },
        HopVerdict::Unknown,
        HopVerdict::Clean,
    ]
    .map(|v| v.line());
    assert_eq!(
        lines,
        [
            Some("rate-limited: about 1 answer/s after a burst of 6; 3.0% lost beyond this hop"),
            Some(
                "rate-limited: about 0.5 answers/s after a burst of 6; nothing lost beyond this hop"
            ),
            Some(
                "rate-limited: about 2 answers/s after a burst of 6; nothing lost beyond this hop"
            ),
            Some(
                "rate-limited: about 0.05 answers/s after a burst of 6; 10.0% lost beyond this hop"
            ),
            Some("loss starts here: 9.8% of probes lost from this hop to the destination"),
            Some("does not answer (no Time Exceeded); later hops do, so nothing is lost here"),
            Some(
                "answers unevenly (41.2% unanswered, no steady rate limit): the router is slow \
                 to answer, not losing; nothing lost beyond this hop"
            ),
            None,
            None,
        ]
        .map(|l| l.map(str::to_owned))
    );
}

#[test]
fn two_hops_past_one_lossy_link_are_one_loss_seen_twice() {
    // The lab's r3 drops 10 % each way: hops 4 and 5 lost 68 and 92 of
    // 400 (17 % and 23 %, one rate of about 19 %): loss starts at hop 4
    // only.
    let hops = [
        hop(400, 400),
        hop(400, 400),
        hop(400, 400),
        hop(400, 332),
        hop(400, 308),
    ];
    let verdicts = assess(&hops);
    assert!(
        matches!(verdicts[3], HopVerdict::ForwardLoss { real_loss } if real_loss == 17.0),
        "{verdicts:?}"
    );
    assert_eq!(verdicts[4], HopVerdict::Clean);
    // 17 % then 40 %: a second lossy link.
    let hops = [hop(400, 332), hop(400, 240)];
    assert!(matches!(
        assess(&hops)[1],
        HopVerdict::ForwardLoss { real_loss } if real_loss == 40.0
    ));
}
