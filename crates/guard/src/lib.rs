//! # icmpkit-guard
//!
//! ICMP security, without I/O.
//!
//! [`Guard`] classifies ICMP and ICMPv6 traffic and detects its abuse:
//! captured packets go in ([`observe::Captured`], from a file or an
//! interface, read by the front end), counts per type, code, direction and
//! address come out ([`traffic`]), and [`detect`]'s detectors raise
//! [`Finding`]s — floods, reflection, fragment attacks, tunnels in echo,
//! sweeps, forged control messages, protocol anomalies — each with its
//! severity, confidence, evidence, a plain-language explanation and what to
//! do. All state is bounded ([`bounded`]).
//!
//! [`policy`]: firewall rules for ICMP and ICMPv6 that keep diagnostics and
//! path-MTU discovery working while blocking what attackers use — the
//! decisions (after RFC 4890, RFC 1812, RFC 6918 and RFC 6633), rendered as
//! nftables or iptables-restore text, the audit of an existing ruleset
//! against them, and the checks `icmpkit policy verify` runs with real
//! traffic.
//!
//! Nothing here does I/O: packets and rulesets come in as bytes and text;
//! the front end reads captures, runs `nft`, builds namespaces and sends
//! the traffic.

// Rates, seconds and ratios are shown to people: a float's 52 bits of
// mantissa are plenty for counts of packets and nanoseconds.
#![allow(clippy::cast_precision_loss)]

pub mod bounded;
pub mod detect;
pub mod engine;
pub mod observe;
pub mod policy;
pub mod traffic;

pub use detect::{Detection, Finding, Severity};
pub use engine::{Config, Guard};
