//! Honest loss: which part of a hop's unanswered probes is loss on the
//! path, and which is the router declining to answer.
//!
//! mtr's `Loss%` of an intermediate hop mixes two things: probes lost on
//! the way (which every later hop loses too) and Time Exceeded messages
//! the router chose not to send (which no later hop loses). Three tools
//! tell them apart:
//!
//! - [`persistent_loss`]: a loss that later hops do not show did not
//!   happen on the path; the least loss from a hop onwards is what
//!   persists.
//! - [`fit_token_bucket`]: routers limit their ICMP errors with a token
//!   bucket (Linux: per peer, `icmp_ratelimit` 1000 ms, burst 6). When a
//!   bucket predicts which probes were answered, the unanswered ones were
//!   declined, not lost.
//! - [`assess`]: the two together, as one [`HopVerdict`] per hop, with a
//!   binomial tolerance so that a loss or two in many probes is not news.
//!
//! # Statistics
//!
//! A loss of `k` in `n` probes *exceeds* a loss rate `r` when losing `k`
//! or more of `n` at rate `r` has a probability under 1% (one-sided
//! binomial test). So:
//!
//! - a loss is *significant* when it exceeds 1% (background): 1 lost in
//!   100 is not (63%), nor 4 in 100 (1.8%), nor 1 in 10 (9.6%); 5 in 100
//!   is (0.34%), and 2 in 10 (0.43%);
//! - loss `a` is *clearly above* loss `b` when `a` exceeds `b`'s rate as
//!   measured: any loss is clearly above none; 25 in 100 is not clearly
//!   above 18% (5.0%), 30 in 100 is (0.24%).

use std::time::Duration;
use std::time::Instant;

/// Fewest resolved probes of a hop before [`assess`] judges it: fewer
/// cannot tell a limiter from loss, nor a loss from bad luck (one loss in
/// nine is already 11%).
pub const MIN_PROBES: u64 = 10;

/// A loss rate below this is background, not worth a verdict.
const NEGLIGIBLE_LOSS: f64 = 0.01;
/// The probability under which a loss exceeds a rate.
const ALPHA: f64 = 0.01;

/// The largest burst [`fit_token_bucket`] tries.
const MAX_BURST: u32 = 32;
/// The least unanswered probes a bucket must explain.
const MIN_DENIALS: usize = 3;
/// The least share of probes a bucket must predict.
const MIN_AGREEMENT: f64 = 0.9;
/// The least share of the answered probes a bucket must fit, and of its
/// predictions either way that must be right.
const MIN_EXPLAINED: f64 = 0.8;
/// The least share of the unanswered probes a bucket must fit (the rest
/// is loss on the way).
const MIN_DENIALS_EXPLAINED: f64 = 0.6;
/// The least share of unanswered probes worth a fit: a few losses in
/// many probes are fitted by some bucket by chance.
const MIN_UNANSWERED_SHARE: f64 = 0.05;
/// The most probes a bucket may leave to the jitter (either outcome fits).
const MAX_EITHER: f64 = 0.6;
/// Linux's burst (`XRLIM_BURST_FACTOR`), which [`fit_token_bucket`]
/// favours.
const LINUX_BURST: u32 = 6;
/// The answers from which [`fit_token_bucket`] works out the bucket's
/// phase.
const PHASE_ANSWERS: usize = 8;
/// The search's weight of a wrong prediction, against [`EITHER_WEIGHT`]
/// for a probe left to the jitter: a coin flip costs ln 2, a wrong
/// prediction about -ln 2% (loss on the way that the bucket does not
/// model), about 5.5 times more.
const WRONG_WEIGHT: usize = 11;
/// See [`WRONG_WEIGHT`].
const EITHER_WEIGHT: usize = 2;
/// The most rates a fit tries (per burst and start).
const MAX_RATES: u64 = 200;
/// The rates a fit tries allow this much loss of answers on the way back
/// on top of the limiter (the answer rate may be this much under the
/// bucket's rate).
const RETURN_LOSS_ALLOWANCE: f64 = 1.25;
/// The most a probe's arrival at the router may wander from its send
/// time (plus a constant delay) and still be predicted; capped at a
/// quarter of the mean gap between probes.
const MAX_JITTER: Duration = Duration::from_millis(20);

/// One resolved probe of a hop, as the fit sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// When the probe left.
    pub sent_at: Instant,
    /// Whether it was answered.
    pub answered: bool,
}

/// A token bucket: `burst` answers at once, then `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    /// The answers a rested bucket allows back to back.
    pub burst: u32,
    /// The answers it allows per second after that.
    pub per_second: f64,
    /// The share of observations the bucket agrees with, 0 to 1: those
    /// it predicts right, and those that met it within the arrival jitter
    /// of a token (either outcome fits).
    pub agreement: f64,
}

/// The bucket that best explains which probes of a hop were answered, if
/// one explains them well; `None` when the answers do not look limited.
///
/// # The model
///
/// Linux's `inet_peer_xrlim_allow`: tokens accrue with the time elapsed,
/// capped at `burst` answers' worth; an answer needs and spends one
/// answer's worth; a refused probe spends nothing. Probes are taken to
/// reach the router at their send time (the RTT is small beside the
/// bucket's period, and a constant delay cancels out). Running a bucket
/// over the probes:
///
/// - a probe that meets the bucket within a small jitter (20 ms, at most
///   a quarter of the mean gap) of its next token could go either way:
///   either outcome fits, and the run follows what was observed. Each
///   bucket is also run without this tolerance, by Linux's own rule;
/// - a probe predicted answered but unanswered is taken as lost before
///   the router (it spends nothing); a probe predicted refused but
///   answered shows the router was ahead of the run, which catches up
///   (the bucket is empty after that answer).
///
/// # The search
///
/// Every burst from 1 to 32; the bucket full at the first probe (a fresh
/// peer starts full) or, for a window that starts in the middle of a run,
/// drained and coming to hold one answer at the first answer, half a gap
/// or a gap before it, or at the moment that fits the first eight answers
/// best; rates on a grid around the
/// observed answer rate, from (answers - 33) / span (a full bucket's
/// burst spent) to 1.25 × (answers + 1) / span (answers lost on the way
/// back), in steps of 0.01/s (coarser, 1, 2 or 5 × 10^k, to keep to 200
/// rates). Each bucket scores a penalty: 11 per wrong prediction, 2 per
/// probe left to the jitter (a coin flip weighs ln 2, a wrong prediction
/// about -ln 2%).
///
/// Of the buckets that explain the data (below), the least penalty wins;
/// Linux's burst of 6 wins when it does within one wrong prediction of
/// the best (a run that never lets the bucket refill shows no burst at
/// all; loss during the first burst blurs it); ties then go to the
/// smallest burst, then to the middle of the tied rates. The rate is then
/// rounded to a whole number when within 5% of one (from 1/s), else to
/// 0.1/s, unless rounding breaks the fit.
///
/// # Explaining the data
///
/// There must be at least 3 unanswered probes, 5% of all, and 2 answers
/// (a few losses in many probes are fitted by some bucket by chance), and
/// the bucket must:
/// - agree with 90% of all probes (predict them, or leave them to the
///   jitter);
/// - leave at most 60% to the jitter (a bucket whose tokens come due just
///   as every probe arrives fits anything);
/// - fit 60% of the unanswered probes (the rest is loss on the way) and
///   80% of the answered ones, with 80% of its firm predictions either way
///   right (so it beats both "all answered" and "none answered").
///
/// A hop that answers everything, or loses at random, has no such bucket.
pub fn fit_token_bucket(observations: &[Observation]) -> Option<TokenBucket> {
    let fit = Fit::new(observations)?;
    let best = fit.search()?;
    let raw = per_second(best.centi_per_second);
    [round_rate(raw), raw]
        .into_iter()
        .find_map(|per_second| fit.accept(best.burst, per_second))
}

/// The loss that persists to the end of the path: for each hop (index =
/// TTL - first), the least loss percentage of it and every later hop that
/// answers at all (`None`: a hop with no probes resolved, or silent).
pub fn persistent_loss(loss_by_hop: &[Option<f64>]) -> Vec<Option<f64>> {
    least_from_here(loss_by_hop, |a, b| a < b)
}

/// What a hop's unanswered probes mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HopVerdict {
    /// Too few probes to say (fewer than [`MIN_PROBES`]), or a hop that
    /// never answers with no later hop answering either (a silent router
    /// and a dead path look the same).
    Unknown,
    /// Nothing to report: every probe answered, or the loss there is
    /// started at an earlier hop, or is too little to be significant. A
    /// hop that drops answers irregularly (no bucket fits) while the loss
    /// does not persist is also here: its `Loss%` is the router's, not the
    /// path's.
    Clean,
    /// The hop never answers, while later hops do: it forwards but does
    /// not send Time Exceeded.
    Silent,
    /// The hop limits its answers; the loss it shows does not persist.
    RateLimited {
        /// The fitted bucket.
        bucket: TokenBucket,
        /// The loss that persists past it, percent.
        real_loss: f64,
    },
    /// The hop leaves more probes unanswered than are lost past it, but
    /// not at a steady rate a token bucket explains (a busy router's
    /// control plane, a policer shared with other traffic): its own loss
    /// is not loss on the path.
    Deprioritized {
        /// The hop's own unanswered share, percent.
        own_loss: f64,
        /// The loss that persists past it, percent.
        real_loss: f64,
    },
    /// Loss that persists to the destination starts here.
    ForwardLoss {
        /// Percent: the loss that persists from this hop to the
        /// destination (the least loss of this hop and every later one).
        real_loss: f64,
    },
}

impl HopVerdict {
    /// The plain line a live view prints under the hop, if any.
    pub fn line(&self) -> Option<String> {
        match *self {
            Self::Unknown | Self::Clean => None,
            Self::Silent => Some(
                "does not answer (no Time Exceeded); later hops do, so nothing is lost here"
                    .to_owned(),
            ),
            Self::RateLimited { bucket, real_loss } => {
                let rate = format_rate(bucket.per_second);
                let unit = if rate == "1" { "answer" } else { "answers" };
                Some(format!(
                    "rate-limited: about {rate} {unit}/s after a burst of {}; {}",
                    bucket.burst,
                    beyond(real_loss)
                ))
            }
            Self::Deprioritized {
                own_loss,
                real_loss,
            } => Some(format!(
                "answers unevenly ({own_loss:.1}% unanswered, no steady rate limit): the router \
                 is slow to answer, not losing; {}",
                beyond(real_loss)
            )),
            Self::ForwardLoss { real_loss } => Some(format!(
                "loss starts here: {real_loss:.1}% of probes lost from this hop to the destination"
            )),
        }
    }
}

/// The end of a verdict line: what is lost past the hop.
fn beyond(real_loss: f64) -> String {
    if real_loss < 0.05 {
        "nothing lost beyond this hop".to_owned()
    } else {
        format!("{real_loss:.1}% lost beyond this hop")
    }
}

/// One hop as [`assess`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct HopLoss<'a> {
    /// Probes resolved.
    pub sent: u64,
    /// Probes answered.
    pub received: u64,
    /// The hop's recent probes, oldest first, for the bucket fit.
    pub observations: &'a [Observation],
}

/// The verdict of every hop of a path (index = TTL - first TTL; the last
/// entry is the destination's hop when it was reached).
///
/// For a hop with at least [`MIN_PROBES`] probes resolved:
///
/// - it never answered: [`HopVerdict::Silent`] when a later hop answers,
///   else [`HopVerdict::Unknown`];
/// - its loss is clearly above the loss that persists from it (see the
///   module documentation) and a bucket fits its observations:
///   [`HopVerdict::RateLimited`];
/// - the loss that persists from it is significant and clearly above the
///   one that persists from the previous answering hop with enough probes
///   (or there is none): [`HopVerdict::ForwardLoss`]. Only the hop where
///   the loss starts gets it; the later hops that carry the same loss are
///   [`HopVerdict::Clean`], so the live view points at one place;
/// - else [`HopVerdict::Clean`].
pub fn assess(hops: &[HopLoss<'_>]) -> Vec<HopVerdict> {
    let losses: Vec<Option<Loss>> = hops
        .iter()
        .map(|h| {
            (h.received > 0).then(|| Loss {
                lost: h.sent.saturating_sub(h.received),
                sent: h.sent,
            })
        })
        .collect();
    let persistent = least_from_here(&losses, |a, b| a.fraction() < b.fraction());
    let mut previous: Option<Loss> = None;
    let mut verdicts = Vec::with_capacity(hops.len());
    for (i, hop) in hops.iter().enumerate() {
        if hop.sent < MIN_PROBES {
            verdicts.push(HopVerdict::Unknown);
            continue;
        }
        let verdict = match (losses[i], persistent[i]) {
            (Some(own), Some(real)) => judge(own, real, previous, hop.observations),
            _ if hops[i + 1..].iter().any(|h| h.received > 0) => HopVerdict::Silent,
            _ => HopVerdict::Unknown,
        };
        verdicts.push(verdict);
        if let Some(real) = persistent[i] {
            previous = Some(real);
        }
    }
    verdicts
}

/// The verdict of a hop that answers: its own loss, the loss that
/// persists from it, and the one that persists from the hop before.
fn judge(
    own: Loss,
    real: Loss,
    previous: Option<Loss>,
    observations: &[Observation],
) -> HopVerdict {
    if own.clearly_above(real) {
        return match fit_token_bucket(observations) {
            Some(bucket) => HopVerdict::RateLimited {
                bucket,
                real_loss: real.percent(),
            },
            None => HopVerdict::Deprioritized {
                own_loss: own.percent(),
                real_loss: real.percent(),
            },
        };
    }
    if real.significant() && previous.is_none_or(|p| real.clearly_above(p)) {
        return HopVerdict::ForwardLoss {
            real_loss: real.percent(),
        };
    }
    HopVerdict::Clean
}

/// For each entry, the least of it and every later entry; `None` entries
/// are skipped and stay `None`.
fn least_from_here<T: Copy>(items: &[Option<T>], less: impl Fn(&T, &T) -> bool) -> Vec<Option<T>> {
    let mut least: Option<T> = None;
    let mut out: Vec<Option<T>> = items
        .iter()
        .rev()
        .map(|item| {
            let item = (*item)?;
            let smaller = match least {
                Some(l) if !less(&item, &l) => l,
                _ => item,
            };
            least = Some(smaller);
            least
        })
        .collect();
    out.reverse();
    out
}

/// `lost` of `sent` probes.
#[derive(Debug, Clone, Copy)]
struct Loss {
    lost: u64,
    sent: u64,
}

impl Loss {
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    fn fraction(self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            self.lost as f64 / self.sent as f64
        }
    }

    fn percent(self) -> f64 {
        self.fraction() * 100.0
    }

    /// Whether losing `lost` or more of `sent` at `rate` has a
    /// probability under [`ALPHA`]. The binomial lower tail is summed in
    /// logarithms (a million probes underflow `0.99^n`), and stops once it
    /// passes `1 - ALPHA`.
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    fn exceeds(self, rate: f64) -> bool {
        let (k, n) = (self.lost as f64, self.sent as f64);
        if self.lost == 0 || rate >= 1.0 || k <= n * rate {
            return false;
        }
        if rate <= 0.0 {
            return true;
        }
        let step = rate.ln() - (1.0 - rate).ln();
        let mut ln_pmf = n * (1.0 - rate).ln();
        let mut below = 0.0;
        for j in 0..self.lost {
            below += ln_pmf.exp();
            if below > 1.0 - ALPHA {
                return true;
            }
            let j = j as f64;
            ln_pmf += ((n - j) / (j + 1.0)).ln() + step;
        }
        false
    }

    fn significant(self) -> bool {
        self.exceeds(NEGLIGIBLE_LOSS)
    }

    /// Whether this loss is above `other`'s beyond what chance gives two
    /// samples of one rate: the binomial test against `other`'s rate
    /// (which takes that rate as exact) and a two-proportion z-test of at
    /// least [`Z_APART`] (which does not: 17 % and 23 % of 400 probes are
    /// one rate of loss seen twice).
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    fn clearly_above(self, other: Self) -> bool {
        if !self.exceeds(other.fraction()) {
            return false;
        }
        // Nothing lost there: the binomial test against no loss is it.
        if other.lost == 0 {
            return true;
        }
        let (n1, n2) = (self.sent as f64, other.sent as f64);
        let pooled = (self.lost + other.lost) as f64 / (n1 + n2);
        let spread = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
        spread == 0.0 || (self.fraction() - other.fraction()) / spread >= Z_APART
    }
}

/// How many standard errors apart two hops' loss must be to differ (a
/// one-sided 0.13 %: a path of 30 hops compares 30 pairs).
const Z_APART: f64 = 3.0;

/// A rate rounded as a person would say it: a whole number when within 5%
/// of one (from 1/s), else to 0.1/s (0.01/s below 0.1/s).
fn round_rate(rate: f64) -> f64 {
    let whole = rate.round();
    if whole >= 1.0 && (rate - whole).abs() <= 0.05 * rate {
        whole
    } else if rate >= 0.1 {
        (rate * 10.0).round() / 10.0
    } else {
        (rate * 100.0).round() / 100.0
    }
}

/// A rate as the verdict line says it: no needless decimals.
fn format_rate(rate: f64) -> String {
    if rate.fract() == 0.0 {
        format!("{rate:.0}")
    } else if (rate * 10.0).fract().abs() < 1e-9 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// One probe, in nanoseconds since the first.
#[derive(Debug, Clone, Copy)]
struct Probe {
    at: i64,
    answered: bool,
}

/// The probes of a fit and what the search needs of them.
struct Fit {
    probes: Vec<Probe>,
    answered: usize,
    unanswered: usize,
    /// From the first probe to the last, nanoseconds.
    span: i64,
    /// The arrival jitter tolerated, nanoseconds.
    jitter: i64,
    /// The first answers (at most [`PHASE_ANSWERS`]): when the probe
    /// before each left (`None`: it was answered too, or there is none),
    /// and when it left.
    first_answers: Vec<(Option<i64>, i64)>,
    /// The mean gap between probes, nanoseconds.
    mean_gap: i64,
    /// The most wrong predictions a bucket that explains the data can
    /// make (it must agree with [`MIN_AGREEMENT`] of the probes).
    max_wrong: usize,
}

/// How well one bucket predicts the probes: what it predicted against
/// what was observed.
#[derive(Debug, Clone, Copy, Default)]
struct Score {
    /// Predicted answered, answered.
    answer_right: usize,
    /// Predicted answered, not answered.
    answer_wrong: usize,
    /// Predicted unanswered, not answered.
    deny_right: usize,
    /// Predicted unanswered, answered.
    deny_wrong: usize,
    /// Met the bucket within the jitter of its next token, answered.
    either_answered: usize,
    /// Met the bucket within the jitter of its next token, not answered.
    either_unanswered: usize,
}

impl Score {
    /// The probes the bucket agrees with: predicted right, or within the
    /// jitter of a token (either outcome fits).
    fn agreed(self) -> usize {
        self.answer_right + self.deny_right + self.either()
    }

    /// The probes within the jitter of a token.
    fn either(self) -> usize {
        self.either_answered + self.either_unanswered
    }

    /// The probes predicted wrong.
    fn wrong(self) -> usize {
        self.answer_wrong + self.deny_wrong
    }

    /// What the search minimises: a wrong prediction weighs
    /// [`WRONG_WEIGHT`], a probe left to the jitter [`EITHER_WEIGHT`].
    fn penalty(self) -> usize {
        WRONG_WEIGHT * self.wrong() + EITHER_WEIGHT * self.either()
    }
}

/// One run of a bucket over the probes.
struct Run {
    /// `None`: given up, worse than the limit.
    score: Option<Score>,
    /// Whether the cap ever held the tokens back.
    capped: bool,
}

/// A point of the search.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    centi_per_second: u64,
    burst: u32,
    penalty: usize,
}

impl Fit {
    fn new(observations: &[Observation]) -> Option<Self> {
        let first = observations.first()?.sent_at;
        let probes: Vec<Probe> = observations
            .iter()
            .map(|o| Probe {
                at: nanos(o.sent_at.saturating_duration_since(first)),
                answered: o.answered,
            })
            .collect();
        let answered = probes.iter().filter(|p| p.answered).count();
        let unanswered = probes.len() - answered;
        let span = probes.iter().map(|p| p.at).max().unwrap_or(0);
        #[allow(
            clippy::cast_precision_loss,
            reason = "probe counts are far below 2^52"
        )]
        let few = (unanswered as f64) < MIN_UNANSWERED_SHARE * probes.len() as f64;
        if unanswered < MIN_DENIALS || few || answered < 2 || span <= 0 {
            return None;
        }
        let mean_gap = span / i64::try_from(probes.len() - 1).unwrap_or(i64::MAX);
        let jitter = nanos(MAX_JITTER).min(mean_gap / 4);
        let first_answers = probes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.answered)
            .take(PHASE_ANSWERS)
            .map(|(i, p)| {
                let before = i
                    .checked_sub(1)
                    .map(|b| probes[b])
                    .filter(|b| !b.answered)
                    .map(|b| b.at);
                (before, p.at)
            })
            .collect();
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a share of a probe count"
        )]
        let max_wrong = ((1.0 - MIN_AGREEMENT) * probes.len() as f64) as usize;
        Some(Self {
            probes,
            answered,
            unanswered,
            span,
            jitter,
            first_answers,
            mean_gap,
            max_wrong,
        })
    }

    /// The rates to try, in hundredths of an answer per second.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "float -> int saturates; the bounds are clamped"
    )]
    fn rates(&self) -> impl Iterator<Item = u64> {
        let span = self.span as f64 / 1e9;
        let answers = self.answered as f64;
        let low = (answers - f64::from(MAX_BURST) - 1.0) / span;
        let high = RETURN_LOSS_ALLOWANCE * (answers + 1.0) / span;
        let low = ((low * 100.0).floor() as u64).max(1);
        let high = ((high * 100.0).ceil() as u64).max(low);
        // A step of 1, 2 or 5 × 10^k hundredths, on multiples of itself,
        // so that round rates stay on the grid.
        let step = (0..64)
            .map(|k: u32| [1, 2, 5][k as usize % 3] * 10u64.saturating_pow(k / 3))
            .find(|&step| (high - low) / step <= MAX_RATES)
            .unwrap_or(u64::MAX);
        let low = (low / step * step).max(step);
        (low..=high).step_by(usize::try_from(step).unwrap_or(usize::MAX))
    }

    /// The best (burst, rate) of the search, ties broken as documented on
    /// [`fit_token_bucket`].
    fn search(&self) -> Option<Candidate> {
        let mut limit = usize::MAX;
        let mut all = Vec::new();
        for centi in self.rates() {
            let cost = cost_of(per_second(centi));
            for (burst, score) in (1..=MAX_BURST).zip(self.by_burst(cost, limit)) {
                if let Some(score) = score {
                    limit = limit.min(score.penalty());
                    all.push(Candidate {
                        centi_per_second: centi,
                        burst,
                        penalty: score.penalty(),
                    });
                }
            }
        }
        let top = all.iter().map(|c| c.penalty).min()?;
        let linux = all
            .iter()
            .filter(|c| c.burst == LINUX_BURST)
            .map(|c| c.penalty)
            .min();
        let burst = match linux {
            Some(penalty) if penalty <= top + WRONG_WEIGHT => LINUX_BURST,
            _ => all
                .iter()
                .filter(|c| c.penalty == top)
                .map(|c| c.burst)
                .min()?,
        };
        all.retain(|c| c.burst == burst);
        let top = all.iter().map(|c| c.penalty).min()?;
        all.retain(|c| c.penalty == top);
        // The rates come in ascending order: the middle one.
        all.get(all.len() / 2).copied()
    }

    /// The bucket of `burst` and `per_second`, when it explains the data.
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    fn accept(&self, burst: u32, per_second: f64) -> Option<TokenBucket> {
        let index = usize::try_from(burst.checked_sub(1)?).ok()?;
        let score = (*self.by_burst(cost_of(per_second), usize::MAX).get(index)?)?;
        Some(TokenBucket {
            burst,
            per_second,
            agreement: score.agreed() as f64 / self.probes.len() as f64,
        })
    }

    /// For each burst from 1 to [`MAX_BURST`], the best score at a token
    /// cost of `cost` that explains the data and is no worse than `limit`.
    /// Each bucket runs without jitter (Linux's own rule) and with it,
    /// full at the first probe, and from each of [`Fit::phases`].
    fn by_burst(&self, cost: i64, limit: usize) -> Vec<Option<Score>> {
        let bursts = usize::try_from(MAX_BURST).unwrap_or(usize::MAX);
        let mut best: Vec<Option<Score>> = vec![None; bursts];
        let phases = self.phases(cost);
        for jitter in [0, self.jitter] {
            for (burst, slot) in (1..=MAX_BURST).zip(best.iter_mut()) {
                let cap = cost.saturating_mul(i64::from(burst));
                let run = self.simulate(cost, cap, -cap, jitter, limit);
                self.keep(slot, run.score);
            }
            for ready in phases {
                let since = ready.saturating_sub(cost);
                for (i, burst) in (1..=MAX_BURST).enumerate() {
                    let cap = cost.saturating_mul(i64::from(burst));
                    let run = self.simulate(cost, cap, since, jitter, limit);
                    if run.capped {
                        self.keep(&mut best[i], run.score);
                        continue;
                    }
                    // The cap never held: every larger burst runs alike.
                    for slot in &mut best[i..] {
                        self.keep(slot, run.score);
                    }
                    break;
                }
            }
        }
        best
    }

    /// When a bucket drained at the start of the window could come to
    /// hold one answer's worth, given that the first answer took it: at
    /// that answer, half a gap before, one gap before (an answer put off
    /// by jitter), and the moment that fits the first answers best. For
    /// the last, each answer `k` whose probe came after an unanswered one
    /// places the bucket's `k`-th token between the two probes, less `k`
    /// costs; the tokens of the first answers must agree, and the middle
    /// of where they do is the phase.
    fn phases(&self, cost: i64) -> [i64; 4] {
        let Some(&(before, first)) = self.first_answers.first() else {
            return [0; 4];
        };
        let before = before.unwrap_or(first.saturating_sub(self.mean_gap));
        let mut window = (before, first);
        for (k, &(before, at)) in (1i64..).zip(&self.first_answers[1..]) {
            let Some(before) = before else { break };
            let shift = cost.saturating_mul(k);
            let next = (
                window.0.max(before.saturating_sub(shift)),
                window.1.min(at.saturating_sub(shift)),
            );
            if next.0 > next.1 {
                break;
            }
            window = next;
        }
        [
            window.0.midpoint(window.1),
            first,
            before.midpoint(first),
            before,
        ]
    }

    /// Keeps `score` in `slot` when it explains the data better.
    fn keep(&self, slot: &mut Option<Score>, score: Option<Score>) {
        if let Some(score) = score.filter(|s| self.explains(s))
            && slot.is_none_or(|s| score.penalty() < s.penalty())
        {
            *slot = Some(score);
        }
    }

    /// Whether a score meets the bars of [`fit_token_bucket`].
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    fn explains(&self, score: &Score) -> bool {
        let share = |part: usize, of: usize| part as f64 >= MIN_EXPLAINED * of as f64;
        let n = self.probes.len() as f64;
        let denials = score.deny_right + score.either_unanswered;
        let answers = score.answer_right + score.either_answered;
        score.agreed() as f64 >= MIN_AGREEMENT * n
            && score.either() as f64 <= MAX_EITHER * n
            && denials >= MIN_DENIALS
            && denials as f64 >= MIN_DENIALS_EXPLAINED * self.unanswered as f64
            && share(answers, self.answered)
            && share(score.deny_right, score.deny_right + score.deny_wrong)
            && share(score.answer_right, score.answer_right + score.answer_wrong)
    }

    /// Runs a bucket over the probes, giving up once its penalty passes
    /// `limit`. The state is Linux's in virtual-time form: at time `t` the
    /// bucket holds `t - since` nanoseconds of tokens, at most `cap`; an
    /// answer needs `cost` and moves `since` on by `cost`. A probe within
    /// `jitter` of the moment the bucket holds `cost` may go either way
    /// and follows the observation.
    fn simulate(&self, cost: i64, cap: i64, mut since: i64, jitter: i64, limit: usize) -> Run {
        let mut score = Score::default();
        let mut capped = false;
        for probe in &self.probes {
            // When the bucket holds an answer's worth; the cap (at least
            // one answer) does not move that moment.
            let ready = since.saturating_add(cost);
            let floor = probe.at.saturating_sub(cap);
            if floor > since {
                since = floor;
                capped = true;
            }
            let spent = since.saturating_add(cost);
            if probe.at >= ready.saturating_add(jitter) {
                // Unanswered: taken as lost before the router, spending
                // nothing.
                if probe.answered {
                    since = spent;
                    score.answer_right += 1;
                } else {
                    score.answer_wrong += 1;
                }
            } else if probe.at < ready.saturating_sub(jitter) {
                if probe.answered {
                    // The bucket was ahead of the model: it held an
                    // answer, and holds nothing now.
                    since = probe.at;
                    score.deny_wrong += 1;
                } else {
                    score.deny_right += 1;
                }
            } else if probe.answered {
                since = spent;
                score.either_answered += 1;
            } else {
                score.either_unanswered += 1;
            }
            if score.penalty() > limit || score.wrong() > self.max_wrong {
                return Run {
                    score: None,
                    capped,
                };
            }
        }
        Run {
            score: Some(score),
            capped,
        }
    }
}

/// A rate in hundredths of an answer per second, per second.
#[allow(
    clippy::cast_precision_loss,
    reason = "the rates tried are far below 2^52"
)]
fn per_second(centi: u64) -> f64 {
    centi as f64 / 100.0
}

/// Nanoseconds of an answer's worth of tokens at `per_second`.
#[allow(
    clippy::cast_possible_truncation,
    reason = "float -> int saturates; rates are at least 0.01/s"
)]
fn cost_of(per_second: f64) -> i64 {
    (1e9 / per_second).round() as i64
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
