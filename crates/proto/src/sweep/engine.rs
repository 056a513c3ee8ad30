//! [`Sweep`]: targets, permutation, validation, duplicate suppression and
//! pacing tied together.
//!
//! Retries are further full passes over the same keyed order (attempt 1, 2,
//! ...), each skipping the targets that have answered, and each starting a
//! cooldown after the previous pass's last probe: every target had the
//! cooldown to answer before it is asked again, and a retry pass sends only
//! to the silent.
//! Errors do not count as answers, so a target that sent an ICMP error is
//! probed again.
//!
//! A sweep may be one [`Shard`] of several: it then walks only its own
//! positions of the order (in every pass), counts only its own targets
//! (`Progress::total`), and takes replies and errors only for them.

use super::backoff::{Backoff, BackoffReport};
use super::pacing::{Pacer, Rate};
use super::permutation::Permutation;
use super::seen::Seen;
use super::shard::Shard;
use super::siphash::derive_key;
use super::targets::TargetSpace;
use super::validation::{MAX_PAYLOAD_LEN, Validator};
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The most targets one sweep takes: its duplicate bitmap is then 1 GiB
/// (all of IPv4 needs 512 MiB).
pub const MAX_SWEEP_TARGETS: u64 = 1 << 33;

/// How many permutation positions one [`Sweep::next_probes`] call may skip
/// (targets already answered) per probe it may send, so a late pass over a
/// mostly answered space never stalls the caller.
const SKIPS_PER_PROBE: usize = 64;

/// The settings of one sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepConfig {
    /// The probe rate.
    pub rate: Rate,
    /// Further passes over the targets that have not answered.
    pub retries: u8,
    /// Echo payload bytes (raised to [`super::MIN_PAYLOAD_LEN`]).
    pub payload_len: usize,
    /// The per-run secret (random): it keys the validation, and picks the
    /// order when there is no `seed`. Keep it random even with a seed:
    /// shards running on one host see each other's replies, and only a key
    /// of their own keeps them apart.
    pub key: [u8; 16],
    /// zmap's `--seed`: when given, it alone picks the order (the same
    /// order for every run with this seed and these targets), so the
    /// shards of one sweep walk one order.
    pub seed: Option<u64>,
    /// The part of the order this sweep walks ([`Shard::WHOLE`]: all).
    pub shard: Shard,
    /// How long to wait for replies after the last probe.
    pub cooldown: Duration,
}

/// Why a sweep cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepError {
    /// More targets than [`MAX_SWEEP_TARGETS`].
    TooManyTargets {
        /// How many the space holds.
        targets: u128,
    },
    /// `Rate::PerSecond(0)`.
    ZeroRate,
    /// A payload above [`MAX_PAYLOAD_LEN`].
    PayloadTooLong {
        /// The length asked for.
        len: usize,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyTargets { targets } => write!(
                f,
                "{targets} targets: one sweep takes at most {MAX_SWEEP_TARGETS} (2^33), \
                 the addresses a 1 GiB duplicate bitmap covers"
            ),
            Self::ZeroRate => f.write_str("a rate of 0 probes per second sends nothing"),
            Self::PayloadTooLong { len } => write!(
                f,
                "a payload of {len} bytes is above the maximum of {MAX_PAYLOAD_LEN}"
            ),
        }
    }
}

impl std::error::Error for SweepError {}

/// A target's first valid Echo Reply: a host found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Responder {
    /// The target's index in the space.
    pub index: u64,
    /// The target (the reply's source).
    pub addr: IpAddr,
    /// Which attempt it answers (0 for the first pass).
    pub attempt: u8,
    /// Receive time less the send time carried in the probe; `None` if
    /// the clock went backwards.
    pub rtt: Option<Duration>,
    /// The reply's TTL or hop limit, as the caller gave it.
    pub ttl: Option<u8>,
}

/// What an Echo Reply was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyVerdict {
    /// The first reply from a target.
    New(Responder),
    /// A further reply from a target already found.
    Duplicate {
        /// The target's index in the space.
        index: u64,
        /// The target.
        addr: IpAddr,
    },
    /// Not an answer to this sweep (another program's, forged, another
    /// run's, or from an address not probed).
    Invalid,
}

/// The Echo Request an ICMP error quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedEcho<'a> {
    /// The quoted destination: the target.
    pub dst: IpAddr,
    /// The quoted ident.
    pub ident: u16,
    /// The quoted seq.
    pub seq: u16,
    /// The quoted payload, as much as the error holds.
    pub data: &'a [u8],
}

/// An ICMP error about one of the sweep's probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorVerdict {
    /// The target's index in the space.
    pub index: u64,
    /// The target (the quoted destination).
    pub target: IpAddr,
    /// Who sent the error.
    pub from: IpAddr,
    /// The error's ICMP type.
    pub icmp_type: u8,
    /// The error's ICMP code.
    pub code: u8,
    /// The attempt, when the quote holds the stamp.
    pub attempt: Option<u8>,
    /// The time since the probe, when the quote holds the stamp.
    pub rtt: Option<Duration>,
}

/// The counters of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Probes sent (all attempts).
    pub sent: u64,
    /// Targets to probe: the space's, or the shard's share of it.
    pub total: u64,
    /// Valid Echo Replies (new and duplicate).
    pub replies: u64,
    /// Targets that answered.
    pub unique: u64,
    /// ICMP errors quoting our probes.
    pub errors: u64,
    /// Further replies from targets already found.
    pub duplicates: u64,
    /// Replies and errors that were not for this sweep.
    pub invalid: u64,
    /// The pass of the latest probe (0 first, then one per retry).
    pub pass: u8,
}

/// One stateless sweep: which probes to send when, and what a reply is.
#[derive(Debug, Clone)]
pub struct Sweep {
    space: TargetSpace,
    order: Permutation,
    validator: Validator,
    seen: Seen,
    pacer: Pacer,
    /// What `Rate::Max` holds to once answers are dropped.
    backoff: Option<Backoff>,
    config: SweepConfig,
    start: Instant,
    /// Targets in the whole space (every shard's).
    space_len: u64,
    /// The next position of the order in the current pass (one of the
    /// shard's).
    position: u64,
    /// The pass being walked.
    pass: u8,
    /// False once every pass is sent (or every target answered).
    sending: bool,
    last_send: Option<Instant>,
    /// Between passes: when the next pass may start.
    resume_at: Option<Instant>,
    progress: Progress,
}

impl Sweep {
    /// A sweep of `space` starting at `start`.
    pub fn new(
        space: TargetSpace,
        config: SweepConfig,
        start: Instant,
    ) -> Result<Self, SweepError> {
        let total = u64::try_from(space.len())
            .ok()
            .filter(|&n| n <= MAX_SWEEP_TARGETS)
            .ok_or(SweepError::TooManyTargets {
                targets: space.len(),
            })?;
        if config.rate == Rate::PerSecond(0) {
            return Err(SweepError::ZeroRate);
        }
        if config.payload_len > MAX_PAYLOAD_LEN {
            return Err(SweepError::PayloadTooLong {
                len: config.payload_len,
            });
        }
        let shard = config.shard;
        Ok(Self {
            order: Permutation::new(total.into(), order_key(&config)),
            validator: Validator::new(derive_key(&config.key, b"icmpkit sweep validation")),
            seen: Seen::new(total),
            pacer: Pacer::new(config.rate, start),
            backoff: (config.rate == Rate::Max).then(|| Backoff::new(start)),
            space,
            config,
            start,
            space_len: total,
            // An empty shard (more shards than targets) sends nothing.
            position: shard.first(total).unwrap_or(0),
            pass: 0,
            sending: shard.first(total).is_some(),
            last_send: None,
            resume_at: None,
            progress: Progress {
                total: shard.len_of(total),
                ..Progress::default()
            },
        })
    }

    /// The targets.
    pub fn space(&self) -> &TargetSpace {
        &self.space
    }

    /// The part of the order it walks.
    pub fn shard(&self) -> Shard {
        self.config.shard
    }

    /// Targets in the whole space, every shard's (`Progress::total` is
    /// this sweep's share).
    pub fn space_len(&self) -> u64 {
        self.space_len
    }

    /// Whether the target at `index` of the space is this sweep's: in its
    /// shard.
    pub fn holds(&self, index: u64) -> bool {
        let shard = self.config.shard;
        shard.is_whole() || shard.holds(self.order.position_of(index))
    }

    /// The settings.
    pub fn config(&self) -> &SweepConfig {
        &self.config
    }

    /// The validator (for callers that build or check packets themselves).
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// Appends to `out` the probes due at `now`, at most `max`, as
    /// (target, attempt); returns how many. Write each with
    /// [`build_probe`](Self::build_probe) at the same `now`.
    pub fn next_probes(&mut self, now: Instant, max: usize, out: &mut Vec<(IpAddr, u8)>) -> usize {
        if max == 0 || !self.may_send(now) {
            return 0;
        }
        if let Some(rate) = self.backoff.as_mut().and_then(|b| b.poll_raise(now)) {
            self.pacer.set_rate(Rate::PerSecond(rate), now);
        }
        let budget = self.pacer.next_batch(now, max);
        let mut skips = budget.saturating_mul(SKIPS_PER_PROBE);
        let mut pushed = 0;
        while pushed < budget && self.may_send(now) {
            let (index, attempt) = (self.order.at(self.position), self.pass);
            self.step(now);
            if self.seen.contains(index) {
                skips -= 1;
                if skips == 0 {
                    break;
                }
                continue;
            }
            // The order stays within the space: `addr_at` always answers.
            let Some(addr) = self.space.addr_at(index) else {
                continue;
            };
            out.push((addr, attempt));
            self.progress.pass = attempt;
            pushed += 1;
        }
        self.pacer.refund(budget - pushed);
        if pushed > 0 {
            self.last_send = Some(now);
            self.progress.sent += pushed as u64;
            if let Some(backoff) = &mut self.backoff {
                backoff.on_sent(now, pushed as u64);
            }
        }
        pushed
    }

    /// Whether probes may go at `now` (pacing aside).
    fn may_send(&self, now: Instant) -> bool {
        self.sending && self.resume_at.is_none_or(|at| at <= now)
    }

    /// Moves to the shard's next position of the order, the next pass
    /// (after a cooldown from `now`, the time of the pass's last probe), or
    /// the end.
    fn step(&mut self, now: Instant) {
        let shard = self.config.shard;
        if let Some(next) = shard.next_after(self.position, self.space_len) {
            self.position = next;
            return;
        }
        // Not empty: a pass was walked.
        self.position = shard.first(self.space_len).unwrap_or(0);
        if self.pass == self.config.retries {
            self.sending = false;
        } else {
            self.pass += 1;
            self.resume_at = Some(now + self.config.cooldown);
        }
    }

    /// Writes the whole Echo Request for (`addr`, `attempt`) sent at `now`
    /// into the start of `buf`; returns its length.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than [`Validator::echo_len`] of the payload.
    pub fn build_probe(&self, now: Instant, addr: IpAddr, attempt: u8, buf: &mut [u8]) -> usize {
        let sent = now.saturating_duration_since(self.start);
        self.validator
            .build_echo(addr, attempt, sent, self.config.payload_len, buf)
    }

    /// The index of `addr` when it is one of this sweep's targets (in the
    /// space and in the shard): no reply from outside the shard counts,
    /// even one that validates, so "every target answered" means this
    /// shard's.
    fn index_held(&self, addr: IpAddr) -> Option<u64> {
        self.space.index_of(addr).filter(|&i| self.holds(i))
    }

    fn rtt(&self, now: Instant, sent: Duration) -> Option<Duration> {
        now.checked_duration_since(self.start)?.checked_sub(sent)
    }

    /// Classifies an Echo Reply from `from` received at `now`.
    pub fn on_reply(
        &mut self,
        now: Instant,
        from: IpAddr,
        ident: u16,
        seq: u16,
        data: &[u8],
        ttl: Option<u8>,
    ) -> ReplyVerdict {
        let found = self
            .validator
            .check_reply(from, ident, seq, data)
            .and_then(|stamp| Some((stamp, self.index_held(from)?)));
        let Some((stamp, index)) = found else {
            self.progress.invalid += 1;
            return ReplyVerdict::Invalid;
        };
        self.progress.replies += 1;
        if !self.seen.insert(index) {
            self.progress.duplicates += 1;
            return ReplyVerdict::Duplicate { index, addr: from };
        }
        self.progress.unique += 1;
        if self.progress.unique == self.progress.total {
            self.sending = false;
        }
        ReplyVerdict::New(Responder {
            index,
            addr: from,
            attempt: stamp.attempt,
            rtt: self.rtt(now, stamp.sent),
            ttl,
        })
    }

    /// Classifies an ICMP error (`icmp_type`/`code` from `from`) quoting
    /// `quoted`: `Some` when it is about one of this sweep's probes.
    pub fn on_error(
        &mut self,
        now: Instant,
        from: IpAddr,
        icmp_type: u8,
        code: u8,
        quoted: QuotedEcho<'_>,
    ) -> Option<ErrorVerdict> {
        let found = self
            .validator
            .check_error(quoted.dst, quoted.ident, quoted.seq, quoted.data)
            .and_then(|q| Some((q.stamp, self.index_held(quoted.dst)?)));
        let Some((stamp, index)) = found else {
            self.progress.invalid += 1;
            return None;
        };
        self.progress.errors += 1;
        Some(ErrorVerdict {
            index,
            target: quoted.dst,
            from,
            icmp_type,
            code,
            attempt: stamp.map(|s| s.attempt),
            rtt: stamp.and_then(|s| self.rtt(now, s.sent)),
        })
    }

    /// Whether the sweep is over: every target answered, or every pass
    /// sent and the cooldown since the last probe elapsed.
    pub fn is_done(&self, now: Instant) -> bool {
        self.next_wakeup(now).is_none()
    }

    /// When to call again: the next probe's time (`now` if one is due, or
    /// the start of the next pass), or the end of the last cooldown; `None` once [`is_done`](Self::is_done).
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        self.next_wakeup_for(now, 1)
    }

    /// As [`next_wakeup`](Self::next_wakeup), but while probes are to be
    /// sent, the time `probes` of them may go at once (capped at the
    /// pacer's burst): a caller that sends in batches wakes once per batch
    /// rather than once per probe.
    pub fn next_wakeup_for(&self, now: Instant, probes: usize) -> Option<Instant> {
        if self.progress.unique == self.progress.total {
            return None;
        }
        if self.sending {
            let paced = self.pacer.next_due_for(now, probes).unwrap_or(now);
            return Some(self.resume_at.map_or(paced, |at| at.max(paced)));
        }
        let end = self.last_send.unwrap_or(self.start) + self.config.cooldown;
        (now < end).then_some(end)
    }

    /// When the sweep started.
    pub fn started_at(&self) -> Instant {
        self.start
    }

    /// When the latest probe was given out, if any was.
    pub fn last_probe_at(&self) -> Option<Instant> {
        self.last_send
    }

    /// The kernel dropped `dropped` answers for a full receive queue,
    /// learnt at `now`, the last before `happened` when known: a
    /// `Rate::Max` sweep slows down (see [`Backoff`]); a paced one keeps
    /// its rate (the count is the transport's to tell).
    pub fn on_overflow(&mut self, now: Instant, happened: Option<Instant>, dropped: u64) {
        let cut = self
            .backoff
            .as_mut()
            .and_then(|b| b.on_drops(now, happened, dropped));
        if let Some(rate) = cut {
            self.pacer.set_rate(Rate::PerSecond(rate), now);
        }
    }

    /// The rate the sweep holds to now: its configured one, or what a
    /// `Rate::Max` sweep backed off to.
    pub fn rate(&self) -> Rate {
        match self.backoff.as_ref().and_then(Backoff::limit) {
            Some(limit) => Rate::PerSecond(limit),
            None => self.config.rate,
        }
    }

    /// What backing off from `Rate::Max` came to; `None` while no answer
    /// was dropped (or for a paced sweep).
    pub fn backoff(&self) -> Option<BackoffReport> {
        self.backoff.as_ref().and_then(Backoff::report)
    }

    /// Counts a message that was for no probe of this sweep and could not
    /// be read as a reply or an error (malformed bytes).
    pub fn count_invalid(&mut self) {
        self.progress.invalid += 1;
    }

    /// The counters.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Whether the target at `index` has answered.
    pub fn has_answered(&self, index: u64) -> bool {
        self.seen.contains(index)
    }
}

/// The key of the order: from the seed when there is one (the same for
/// every run), else from the per-run secret.
fn order_key(config: &SweepConfig) -> [u8; 16] {
    match config.seed {
        Some(seed) => {
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&seed.to_le_bytes());
            derive_key(&key, b"icmpkit sweep order from a seed")
        }
        None => derive_key(&config.key, b"icmpkit sweep order"),
    }
}

#[cfg(test)]
mod tests;
