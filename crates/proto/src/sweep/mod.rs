//! The engine of `icmpkit sweep`: stateless, zmap-class ICMP host discovery.

mod engine;
mod pacing;
mod permutation;
mod seen;
mod siphash;
mod targets;
mod validation;

pub use engine::{
    ErrorVerdict, MAX_SWEEP_TARGETS, Progress, QuotedEcho, ReplyVerdict, Sweep, SweepConfig,
    SweepError,
};
pub use pacing::{Pacer, Rate};
pub use permutation::{Iter, Permutation};
pub use seen::Seen;
pub use siphash::{derive_key, siphash24};
pub use targets::{MAX_TARGETS, MIN_V6_PREFIX, TargetError, TargetSpace, TargetSpaceBuilder};
pub use validation::{
    MAX_PAYLOAD_LEN, MIN_PAYLOAD_LEN, ProbeFields, QuotedProbe, Stamp, Validator,
};
