//! The engine of `icmpkit sweep`: stateless, zmap-class ICMP host discovery.
//!
//! - [`TargetSpace`] (built by [`TargetSpaceBuilder`]): prefixes and
//!   addresses, merged, excludes removed, numbered `0..len()`.
//! - [`Permutation`]: the keyed pseudo-random order of the indices.
//! - [`Validator`]: ident, seq and a payload tag derived from the per-run
//!   key and the target address, so replies are checked with no table of
//!   probes in flight; the payload also carries the send time (RTT).
//! - [`Seen`]: one bit per target, for duplicates.
//! - [`Shard`]: one of N disjoint parts of the order (zmap's `--shard`),
//!   whose union is the whole space.
//! - [`Pacer`]: the probe rate; [`Backoff`]: what `Rate::Max` slows to
//!   once the kernel drops answers.
//! - [`Sweep`]: all of these together. A send loop calls
//!   [`Sweep::next_probes`] and [`Sweep::build_probe`], hands received Echo
//!   Replies to [`Sweep::on_reply`] and ICMP errors to [`Sweep::on_error`],
//!   and sleeps until [`Sweep::next_wakeup`] (`None`: done).
//! - [`SweepMachine`]: a [`Sweep`] behind the [`crate::machine::Machine`]
//!   verb set, with typed [`SweepEvent`]s (a host found, an error, a
//!   refused probe, progress, the summary); what the driver runs.
//!
//! Sans-IO as the rest of the crate: times are passed in.

mod backoff;
mod engine;
mod machine;
mod pacing;
mod permutation;
mod seen;
mod shard;
mod siphash;
mod targets;
mod validation;

pub use backoff::{Backoff, BackoffReport, HOLD, MIN_RATE, RAISE_EVERY};
pub use engine::{
    ErrorVerdict, MAX_SWEEP_TARGETS, Progress, QuotedEcho, ReplyVerdict, Responder, Sweep,
    SweepConfig, SweepError,
};
pub use machine::{
    ROUND_PROBES, RefusedProbe, SweepCounts, SweepEvent, SweepMachine, SweepSummary,
};
pub use pacing::{Pacer, Rate};
pub use permutation::{Iter, Permutation};
pub use seen::Seen;
pub use shard::{Shard, ShardError};
pub use siphash::{derive_key, siphash24};
pub use targets::{MAX_TARGETS, MIN_V6_PREFIX, TargetError, TargetSpace, TargetSpaceBuilder};
pub use validation::{
    MAX_PAYLOAD_LEN, MIN_PAYLOAD_LEN, ProbeFields, QuotedProbe, Stamp, Validator,
};
