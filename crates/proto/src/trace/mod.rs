//! The tracing strategies of `icmpkit trace`, sans-IO.
//!
//! - [`Prober`]: builds UDP, TCP SYN or ICMP Echo probes whose flow fields
//!   stay fixed (Paris) and finds a probe again in a quote or reply,
//!   noticing what a NAT rewrote.
//! - [`read_icmp`]: an ICMP message read into what a tracer needs
//!   ([`IcmpAnswer`]); [`Outcome`] tells hop, destination or final error
//!   and its traceroute annotation (`!H`, `!X`, `!F-1280`, ...).
//! - [`Trace`]: the hop-by-hop trace with all TTLs in flight at once,
//!   traceroute's `-w MAX,HERE,NEAR` waiting and per-hop pacing.
//! - [`Mda`]: multipath discovery (MDA stopping rule, rounds of probes).
//! - [`Pmtu`]: path MTU discovery along the path, black holes included.
//! - [`Tracer`]: the [`crate::machine::Machine`] that runs any of the three
//!   ([`Strategy`]): send records, answers matched to probes, events.
//!
//! - [`asn`]: AS numbers of hop addresses from DNS TXT records in the
//!   format of the public IP-to-ASN services (the questions and answers;
//!   the lookup is the caller's).
//!
//! As in the rest of the crate, time comes in as arguments.

mod answer;
pub mod asn;
mod classic;
mod machine;
mod mda;
mod pmtu;
mod probe;
mod stopping;
#[cfg(test)]
pub(crate) mod testing;

pub use answer::{Answer, Extension, IcmpAnswer, Outcome, read_extensions, read_icmp, return_hops};
pub use classic::{Counters, Hop, ProbeState, Trace, TraceConfig, Wait};
pub use machine::{
    MdaGraph, PmtuSummary, Strategy, TraceEnd, TraceFailure, TraceSummary, Tracer, TracerEvent,
    ip_header_len,
};
pub use mda::{Mda, MdaConfig, MdaHop, MdaInterface, MdaLink, MdaStop};
pub use pmtu::{
    MAX_IPV4_PACKET, MAX_IPV6_PACKET, Pmtu, PmtuConfig, PmtuEvent, PmtuProgress, PmtuStep,
};
pub use probe::{
    Identified, MAX_FLOWS, MAX_PROBES, Method, ProbeSpec, Prober, ProberConfig, ProberError,
    Rewrites, Sent,
};
pub use stopping::{Confidence, flows_needed};
