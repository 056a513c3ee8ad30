//! One-target ping, iputils-compatible: [`PingConfig`] (the options, with
//! iputils' validation), [`PingSession`] (the state machine) and the
//! events it reports, and [`Ping`], the session as a
//! [`crate::machine::Machine`] the driver runs.

mod config;
mod echo;
mod error_kind;
mod machine;
mod node_info;
mod session;
mod waits;

pub use config::{ConfigError, PingConfig};
pub use echo::{EchoKind, echo_fields};
pub use error_kind::ErrorKind;
pub use machine::{Ping, PingEvent, PingOptions, PingSummary};
pub use node_info::NodeInfoQuery;
pub use session::{
    ErrorEvent, PROBES_REMEMBERED, PingSession, ReplyEvent, ReplyOutcome, SentProbe,
    UnverifiedReply,
};

/// iputils' `MINUSERINTERVAL`: the shortest interval (and the adaptive
/// floor) for an unprivileged user.
pub const MIN_USER_INTERVAL: std::time::Duration = std::time::Duration::from_millis(2);

/// iputils' `MININTERVAL`: with `-f` and no `-i`, when `preload` probes are
/// unanswered the next one waits this long after the last send (100 per
/// second at most).
pub const FLOOD_UNANSWERED_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// iputils' `MAXWAIT`: the default `-W` linger.
pub const DEFAULT_LINGER: std::time::Duration = std::time::Duration::from_secs(10);
