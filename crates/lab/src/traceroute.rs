//! Traceroute-format output made comparable: [`hop_lines`] reads the hop
//! lines of Butskoy traceroute (or of `icmpkit trace`, which prints the
//! same), and [`trace_lab_path`] says which addresses each hop of the
//! traceroute lab (`Lab::trace`) may show.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::netns::{
    R1_4, R1_6, R2_4, R2_6, R3A_4, R3A_6, R3B_4, R3B_6, R4_4, R4_6, R4_R3B_6, SERVER4, SERVER6,
};

/// One hop line of traceroute's format: TTL, addresses in order,
/// annotations, stars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopLine {
    /// The TTL the line starts with.
    pub ttl: u8,
    /// The addresses, in order, each once in a row (a scope, `%eth0`, is
    /// dropped).
    pub addrs: Vec<IpAddr>,
    /// The `!H`, `!X`, `!F-1280` ... annotations.
    pub annotations: Vec<String>,
    /// The probes unanswered (`*`).
    pub stars: usize,
}

/// The hop lines of traceroute-format output (other lines skipped).
pub fn hop_lines(text: &str) -> Vec<HopLine> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let ttl = words.next()?.parse().ok()?;
            let mut hop = HopLine {
                ttl,
                addrs: Vec::new(),
                annotations: Vec::new(),
                stars: 0,
            };
            for w in words {
                let unscoped = w.split('%').next().unwrap_or(w);
                if let Ok(a) = unscoped.parse::<IpAddr>() {
                    if hop.addrs.last() != Some(&a) {
                        hop.addrs.push(a);
                    }
                } else if w == "*" {
                    hop.stars += 1;
                } else if w.starts_with('!') {
                    hop.annotations.push(w.to_owned());
                }
            }
            Some(hop)
        })
        .collect()
}

/// The addresses of `addrs`.
pub fn addr_set(addrs: &[&str]) -> BTreeSet<IpAddr> {
    addrs
        .iter()
        .map(|a| a.parse().expect("an IP address"))
        .collect()
}

/// The addresses each hop line may show in a trace from the trace lab's
/// client to its server: one branch or the other at the fork.
pub fn trace_lab_path(v6: bool) -> Vec<BTreeSet<IpAddr>> {
    if v6 {
        vec![
            addr_set(&[R1_6]),
            addr_set(&[R2_6]),
            addr_set(&[R3A_6, R3B_6]),
            addr_set(&[R4_6, R4_R3B_6]),
            addr_set(&[SERVER6]),
        ]
    } else {
        vec![
            addr_set(&[R1_4]),
            addr_set(&[R2_4]),
            addr_set(&[R3A_4, R3B_4]),
            addr_set(&[R4_4]),
            addr_set(&[SERVER4]),
        ]
    }
}
