//! fping's `-c` text: reply, timeout and summary lines and its names of
//! ICMPv4 errors, from the per-target [`Tally`] of `icmpkit_proto::multi`.

use std::fmt::Write as _;
use std::net::IpAddr;

pub use icmpkit_proto::multi::Tally;
use icmpkit_wire::IpVersion;

use super::super::iputils;

/// fping's `sprint_tm`: milliseconds with about three significant digits.
pub fn fping_ms(ns: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "times are far below 2^52 ns")]
    let t = ns as f64 / 1e6;
    if t < 1.0 {
        format!("{t:.3}")
    } else if t < 10.0 {
        format!("{t:.2}")
    } else if t < 100.0 {
        format!("{t:.1}")
    } else if t < 1_000_000.0 {
        format!("{t:.0}")
    } else {
        format!("{t:.3e}")
    }
}

/// `NAME : [0], 64 bytes, 0.05 ms (0.05 avg, 0% loss)`, and ` [<- ADDR]`
/// after it when `other_sender` (not the target's address) sent the reply.
///
/// fping 5.1 writes that annotation to stderr and the line to stdout, so
/// on a terminal it lands at the start of the next line, and in a pipe it
/// leaves the line; here it stays on the line it belongs to, on stdout.
pub fn reply_line(
    name: &str,
    width: usize,
    index: u64,
    bytes: usize,
    rtt_ns: u64,
    t: &Tally,
    other_sender: Option<IpAddr>,
) -> String {
    let mut line = format!(
        "{name:<width$} : [{index}], {bytes} bytes, {} ms ({} avg, {}% loss)",
        fping_ms(rtt_ns),
        fping_ms(t.avg_ns().unwrap_or(0)),
        t.loss_percent()
    );
    if let Some(from) = other_sender {
        let _ = write!(line, " [<- {from}]");
    }
    line
}

/// fping-style warning for an Echo Reply that names a probe of `target`
/// by identifier and sequence number but lacks the nonce the probe
/// carried (fping has none: it counts such a reply): `Unverified Echo
/// Reply from 198.51.100.9 for ICMP Echo sent to 198.51.100.9 (8 bytes,
/// without the probe's nonce)`.
pub fn unverified_line(from: IpAddr, target: &str, bytes: usize) -> String {
    format!(
        "Unverified Echo Reply from {from} for ICMP Echo sent to {target} \
         ({bytes} bytes, without the probe's nonce)"
    )
}

/// `NAME : [1], timed out (NaN avg, 100% loss)`.
pub fn timeout_line(name: &str, width: usize, index: u64, t: &Tally) -> String {
    let avg = t.avg_ns().map_or_else(|| "NaN".to_owned(), fping_ms);
    format!(
        "{name:<width$} : [{index}], timed out ({avg} avg, {}% loss)",
        t.loss_percent()
    )
}

/// `NAME : xmt/rcv/%loss = 3/3/0%, min/avg/max = 0.03/0.04/0.05`: xmt
/// counts the probes answered or timed out (fping 5).
pub fn summary_line(name: &str, width: usize, t: &Tally) -> String {
    summary_line_with_outage(name, width, t, None)
}

/// [`summary_line`], with fping `-o`'s `, outage(ms) = N` after the loss
/// when `period` is given: the probes lost times the period.
pub fn summary_line_with_outage(
    name: &str,
    width: usize,
    t: &Tally,
    period: Option<std::time::Duration>,
) -> String {
    let mut line = format!(
        "{name:<width$} : xmt/rcv/%loss = {}/{}/{}%",
        t.settled,
        t.received,
        t.loss_percent()
    );
    if let Some(period) = period {
        let lost = u128::from(t.settled.saturating_sub(t.received));
        let _ = write!(line, ", outage(ms) = {}", lost * period.as_millis());
    }
    if let Some(avg) = t.avg_ns() {
        let _ = write!(
            line,
            ", min/avg/max = {}/{}/{}",
            fping_ms(t.min_ns),
            fping_ms(avg),
            fping_ms(t.max_ns)
        );
    }
    line
}

/// fping's names of ICMPv4 Destination Unreachable codes.
const UNREACHABLE: [&str; 16] = [
    "ICMP Network Unreachable",
    "ICMP Host Unreachable",
    "ICMP Protocol Unreachable",
    "ICMP Port Unreachable",
    "ICMP Unreachable (Fragmentation Needed)",
    "ICMP Unreachable (Source Route Failed)",
    "ICMP Unreachable (Destination Network Unknown)",
    "ICMP Unreachable (Destination Host Unknown)",
    "ICMP Unreachable (Source Host Isolated)",
    "ICMP Unreachable (Communication with Network Prohibited)",
    "ICMP Unreachable (Communication with Host Prohibited)",
    "ICMP Unreachable (Network Unreachable For Type Of Service)",
    "ICMP Unreachable (Host Unreachable For Type Of Service)",
    "ICMP Unreachable (Communication Administratively Prohibited)",
    "ICMP Unreachable (Host Precedence Violation)",
    "ICMP Unreachable (Precedence cutoff in effect)",
];

/// fping's warning for an ICMP error about a probe, e.g. `ICMP Host
/// Unreachable from 198.51.100.1 for ICMP Echo sent to 198.51.100.9`. fping
/// names only ICMPv4 errors; ICMPv6 ones use iputils' wording after
/// `ICMPv6 `.
pub fn error_line(
    version: IpVersion,
    icmp_type: u8,
    code: u8,
    info: u32,
    from: IpAddr,
    target: &str,
) -> String {
    let what = match (version, icmp_type) {
        (IpVersion::V4, 3) => UNREACHABLE
            .get(usize::from(code))
            .map_or("ICMP Unreachable (Invalid Code)".to_owned(), |s| {
                (*s).to_owned()
            }),
        (IpVersion::V4, 4) => "ICMP Source Quench".to_owned(),
        (IpVersion::V4, 5) => "ICMP Redirect".to_owned(),
        (IpVersion::V4, 11) => "ICMP Time Exceeded".to_owned(),
        (IpVersion::V4, 12) => "ICMP Parameter Problem".to_owned(),
        (IpVersion::V4, other) => format!("ICMP {other}"),
        (IpVersion::V6, _) => format!(
            "ICMPv6 {}",
            iputils::error_text(version, icmp_type, code, info)
        ),
    };
    format!("{what} from {from} for ICMP Echo sent to {target}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(sent: u64, rtts_ns: &[u64]) -> Tally {
        let mut t = Tally {
            sent,
            ..Tally::default()
        };
        for &r in rtts_ns {
            t.record(r);
        }
        t.settled = sent;
        t
    }

    #[test]
    fn times_use_fpings_precision() {
        assert_eq!(fping_ms(28_400), "0.028");
        assert_eq!(fping_ms(28_600), "0.029");
        assert_eq!(fping_ms(1_234_000), "1.23");
        assert_eq!(fping_ms(12_340_000), "12.3");
        assert_eq!(fping_ms(123_400_000), "123");
    }

    #[test]
    fn lines_match_fping_5_1() {
        // From `fping -c 2 -p 200 127.0.0.1 ::1` (fping 5.1).
        let t = tally(1, &[28_000]);
        assert_eq!(
            reply_line("::1", 9, 0, 64, 28_000, &t, None),
            "::1       : [0], 64 bytes, 0.028 ms (0.028 avg, 0% loss)"
        );
        // From `fping -c 2` with replies to 198.51.100.99 sent by
        // 198.51.100.7 (lab/hostile.py from-other), stderr put back in
        // its place.
        let t = tally(1, &[228_000]);
        let other = "198.51.100.7".parse().ok();
        assert_eq!(
            reply_line("198.51.100.99", 13, 0, 64, 228_000, &t, other),
            "198.51.100.99 : [0], 64 bytes, 0.228 ms (0.228 avg, 0% loss) [<- 198.51.100.7]"
        );
        let t = tally(2, &[28_000, 33_000]);
        assert_eq!(
            summary_line("127.0.0.1", 9, &t),
            "127.0.0.1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = 0.028/0.030/0.033"
        );
        let t = tally(2, &[]);
        assert_eq!(
            timeout_line("10.200.1.7", 11, 1, &t),
            "10.200.1.7  : [1], timed out (NaN avg, 100% loss)"
        );
        assert_eq!(
            summary_line("10.200.1.7", 11, &t),
            "10.200.1.7  : xmt/rcv/%loss = 2/0/100%"
        );
        let t = tally(3, &[40_000, 62_000]);
        assert_eq!(
            timeout_line("a", 1, 2, &t),
            "a : [2], timed out (0.051 avg, 33% loss)"
        );
    }

    #[test]
    fn unverified_replies_are_warned_about_like_errors() {
        let from: IpAddr = "198.51.100.99".parse().unwrap();
        assert_eq!(
            unverified_line(from, "198.51.100.99", 8),
            "Unverified Echo Reply from 198.51.100.99 for ICMP Echo sent to 198.51.100.99 (8 bytes, without the probe's nonce)"
        );
    }

    #[test]
    fn errors_use_fpings_names() {
        let from: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            error_line(IpVersion::V4, 3, 13, 0, from, "10.200.2.5"),
            "ICMP Unreachable (Communication Administratively Prohibited) from 198.51.100.1 for ICMP Echo sent to 10.200.2.5"
        );
        assert_eq!(
            error_line(IpVersion::V4, 3, 1, 0, from, "x"),
            "ICMP Host Unreachable from 198.51.100.1 for ICMP Echo sent to x"
        );
        assert_eq!(
            error_line(IpVersion::V4, 3, 16, 0, from, "x"),
            "ICMP Unreachable (Invalid Code) from 198.51.100.1 for ICMP Echo sent to x"
        );
        assert_eq!(
            error_line(IpVersion::V4, 11, 0, 0, from, "x"),
            "ICMP Time Exceeded from 198.51.100.1 for ICMP Echo sent to x"
        );
    }
}
