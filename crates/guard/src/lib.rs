//! # icmpkit-guard
//!
//! ICMP security. [`policy`]: firewall rules for ICMP and ICMPv6 that keep
//! diagnostics and path-MTU discovery working while blocking what attackers
//! use — the decisions (after RFC 4890, RFC 1812, RFC 6918 and RFC 6633),
//! rendered as nftables or iptables-restore text, the audit of an existing
//! ruleset against them, and the checks `icmpkit policy verify` runs with
//! real traffic.
//!
//! Nothing here does I/O: rulesets come in as text and go out as text; the
//! front end runs `nft`, builds namespaces and sends the traffic.

pub mod policy;
