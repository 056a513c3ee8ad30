//! # icmpkit-proto
//!
//! The sans-IO logic of `icmpkit ping` and of the multi-target (fping-class)
//! prober: when to send, what to send, which probe a reply or an ICMP error
//! belongs to, when to stop, and the statistics, all computed the way
//! iputils `ping` computes them.
//!
//! Nothing here opens a socket, reads a clock or does I/O: every function
//! that needs the time takes it as a [`std::time::Instant`], so a test can
//! drive a whole session with made-up time and assert exact values.
//!
//! - [`errno`]: Linux's errno values that send failures and socket errors
//!   carry, named once.
//! - [`machine`]: the one verb set every machine implements ([`machine::Machine`]:
//!   transmit, input, timeout, signal, events, verdict) and its I/O types.
//! - [`payload`]: the bytes of an Echo Request's data (nonce, 64-bit probe
//!   number, iputils fill).
//! - [`ping`]: [`ping::PingConfig`] with iputils' validation rules, and the
//!   [`ping::PingSession`] state machine.
//! - [`stats`]: [`stats::Statistics`], iputils' counters and RTT arithmetic.
//! - [`multi`]: [`multi::MultiPing`], several-target ping (fping-class),
//!   over [`multi::Scheduler`], many targets at a global rate.
//! - [`extended_echo`]: RFC 8335 PROBE, [`extended_echo::ExtendedEcho`].
//! - [`sweep`]: the stateless high-rate sweep engine.
//! - [`trace`]: traceroute, multipath discovery (MDA) and path MTU walks.
//! - [`mtr`]: the continuous path view of `icmpkit mtr` (a trace strategy)
//!   and its per-hop figures and loss verdicts.

pub mod errno;
pub mod extended_echo;
pub mod machine;
pub mod mtr;
pub mod multi;
pub mod payload;
pub mod ping;
pub mod stats;
pub mod sweep;
pub mod trace;
