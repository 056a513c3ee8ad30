//! iputils ping's text, line for line: people grep it, so `icmpkit ping`
//! prints exactly what iputils 20221126 prints for the same events.
//!
//! Only formatting lives here; what happened comes from the session
//! (`icmpkit_proto`). Times are in microseconds, as iputils keeps them.

use std::fmt::Write as _;
use std::net::IpAddr;

use icmpkit_proto::ping::{ConfigError, MIN_USER_INTERVAL};
use icmpkit_proto::stats::{Statistics, format_ms};
use icmpkit_wire::IpVersion;

/// The `PING ...` line that starts a run.
///
/// IPv4: `PING host (addr) 56(84) bytes of data.`, where 84 counts the IP
/// (20 + options) and ICMP (8) headers; IPv6: `PING host(addr) 56 data bytes`.
/// With `-I`, `from SRC IFACE:` comes before the sizes (IFACE empty when
/// `-I` named an address: `from 192.0.2.2 :`). `shown` is `addr` as
/// printed (with its scope: `fe80::1%eth0`).
///
/// An IPv6 flow label (`-F`) comes after the address as iputils writes
/// it: `PING ::1(::1) , flow 0x12345, 56 data bytes`.
pub fn header(
    host: &str,
    addr: IpAddr,
    shown: &str,
    datalen: usize,
    ip_options_len: usize,
    from: Option<(IpAddr, &str)>,
    flow: Option<u32>,
) -> String {
    let from = from
        .map(|(src, device)| format!(" from {src} {device}:"))
        .unwrap_or_default();
    match addr {
        IpAddr::V4(_) => format!(
            "PING {host} ({shown}){from} {datalen}({}) bytes of data.",
            datalen + 8 + 20 + ip_options_len
        ),
        IpAddr::V6(_) => {
            let flow = flow
                .map(|label| format!(" , flow 0x{label:05x},"))
                .unwrap_or_default();
            format!("PING {host}({shown}){flow}{from} {datalen} data bytes")
        }
    }
}

/// `header` as current upstream iputils prints it (since 2025): the IPv6
/// header, too, has a space before the parenthesis (`PING ::1 (::1) 56
/// data bytes`), as the IPv4 one always had. `host` is the name the
/// header starts with.
pub fn upstream_header(header: &str, host: &str) -> String {
    match header
        .strip_prefix("PING ")
        .and_then(|rest| rest.strip_prefix(host))
    {
        Some(rest) if rest.starts_with('(') => format!("PING {host} {rest}"),
        _ => header.to_owned(),
    }
}

/// A refusal of the options as current upstream iputils words it, where
/// it differs from 20221126's (`ConfigError`'s own words): a user's
/// interval below 2 ms is `cannot flood, minimal interval for user must
/// be >= 2 ms, use -i 0.002 (or higher)`.
pub fn upstream_refusal(error: &ConfigError) -> String {
    match error {
        ConfigError::IntervalForUser => {
            let ms = MIN_USER_INTERVAL.as_millis();
            format!(
                "cannot flood, minimal interval for user must be >= {ms} ms, use -i {} (or higher)",
                str_interval(ms)
            )
        }
        other => other.to_string(),
    }
}

/// The smallest interval a user may give a broadcast (`-b`) or multicast
/// ping, in milliseconds (iputils' `MIN_MULTICAST_USER_INTERVAL_MS`).
pub const MIN_MULTICAST_USER_INTERVAL_MS: u128 = 1000;

/// iputils' refusal of a user's interval of `interval_ms` for a
/// broadcast or multicast (`what`) ping: 20221126's words
/// (`broadcast ping with too short interval: 500`), or with `upstream`
/// current upstream's (`minimal interval for broadcast ping for user must
/// be >= 1000 ms, use -i 1 (or higher)`).
pub fn multicast_interval_refusal(what: &str, interval_ms: u128, upstream: bool) -> String {
    if upstream {
        format!(
            "minimal interval for {what} ping for user must be >= {MIN_MULTICAST_USER_INTERVAL_MS} ms, use -i {} (or higher)",
            str_interval(MIN_MULTICAST_USER_INTERVAL_MS)
        )
    } else {
        format!("{what} ping with too short interval: {interval_ms}")
    }
}

/// iputils' `str_interval`: milliseconds as the seconds `-i` takes
/// (`2` → `0.002`, `1000` → `1`).
fn str_interval(ms: u128) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

/// A round-trip time as iputils prints it after `time=`: three decimals
/// under 1 ms, two under 10 ms, one under 100 ms, none above (rounded).
pub fn rtt(micros: u64) -> String {
    if micros >= 100_000 - 50 {
        format!("{}", (micros + 500) / 1000)
    } else if micros >= 10_000 - 5 {
        let r = micros + 50;
        format!("{}.{}", r / 1000, (r % 1000) / 100)
    } else if micros >= 1000 {
        let r = micros + 5;
        format!("{}.{:02}", r / 1000, (r % 1000) / 10)
    } else {
        format!("{}.{:03}", micros / 1000, micros % 1000)
    }
}

/// What a reply line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    /// ICMP bytes received (header included): 64 for the default 56.
    pub bytes: usize,
    /// The sender as printed: `10.0.0.2` or `name (10.0.0.2)`.
    pub from: &'a str,
    /// The sequence number.
    pub seq: u16,
    /// `-v` prints the identifier.
    pub ident: Option<u16>,
    /// TTL or hop limit, when known.
    pub ttl: Option<u8>,
    /// Round-trip time; `None` when the payload is too short to time it.
    pub rtt_micros: Option<u64>,
    /// A second reply to the same probe.
    pub duplicate: bool,
    /// Fewer bytes than sent came back.
    pub truncated: bool,
    /// Sent by another address than the target's, which iputils marks
    /// ` (DIFFERENT ADDRESS!)` (see [`any_sender`]).
    pub different_address: bool,
}

/// Whether any address may answer `target`, so iputils marks no reply
/// ` (DIFFERENT ADDRESS!)`: a broadcast (`-b`) or multicast target
/// (`multicast`), or an IPv6 Subnet-Router anycast address (its last 64
/// bits zero, as iputils detects it "at least for the default prefix
/// 64").
pub fn any_sender(target: IpAddr, multicast: bool) -> bool {
    multicast || matches!(target, IpAddr::V6(a) if a.segments()[4..].iter().all(|&s| s == 0))
}

/// `64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.045 ms`.
pub fn reply(line: &ReplyLine<'_>) -> String {
    let mut s = format!(
        "{} bytes from {}: icmp_seq={}",
        line.bytes, line.from, line.seq
    );
    if let Some(ident) = line.ident {
        let _ = write!(s, " ident={ident}");
    }
    if let Some(ttl) = line.ttl {
        let _ = write!(s, " ttl={ttl}");
    }
    if line.truncated {
        s.push_str(" (truncated)");
        return s;
    }
    if let Some(micros) = line.rtt_micros {
        let _ = write!(s, " time={} ms", rtt(micros));
    }
    if line.duplicate {
        s.push_str(" (DUP!)");
    }
    if line.different_address {
        s.push_str(" (DIFFERENT ADDRESS!)");
    }
    s
}

/// `unverified reply from 10.0.0.2: icmp_seq=1 ttl=64, 8 bytes without
/// the probe's nonce`: an Echo Reply too short to carry the nonce its
/// probe carried. iputils has no such line (it counts the reply); this one
/// is lower case like iputils' `no answer yet` and does not start with `N
/// bytes from`, so what counts replies in iputils' output does not count
/// it.
pub fn unverified(bytes: usize, from: &str, seq: u16, ttl: Option<u8>) -> String {
    let mut s = format!("unverified reply from {from}: icmp_seq={seq}");
    if let Some(ttl) = ttl {
        let _ = write!(s, " ttl={ttl}");
    }
    let _ = write!(s, ", {bytes} bytes without the probe's nonce");
    s
}

/// `From 10.0.0.1 icmp_seq=1 Destination Host Unreachable`.
pub fn error(from: &str, seq: u16, text: &str) -> String {
    format!("From {from} icmp_seq={seq} {text}")
}

/// Advice read on a raw socket, which iputils words with a colon after
/// the sender: `From 10.0.0.1: icmp_seq=1 Redirect Host(New nexthop:
/// 10.0.0.3)`.
pub fn advice(from: &str, seq: u16, text: &str) -> String {
    format!("From {from}: icmp_seq={seq} {text}")
}

/// What iputils says about an ICMPv4 error (`info` is the next-hop MTU of
/// Fragmentation Needed, the gateway of a Redirect, the pointer of a
/// Parameter Problem).
pub fn icmpv4_error_text(msg_type: u8, code: u8, info: u32) -> String {
    match (msg_type, code) {
        (3, _) => match code {
            0 => "Destination Net Unreachable".into(),
            1 => "Destination Host Unreachable".into(),
            2 => "Destination Protocol Unreachable".into(),
            3 => "Destination Port Unreachable".into(),
            4 => format!("Frag needed and DF set (mtu = {info})"),
            5 => "Source Route Failed".into(),
            6 => "Destination Net Unknown".into(),
            7 => "Destination Host Unknown".into(),
            8 => "Source Host Isolated".into(),
            9 => "Destination Net Prohibited".into(),
            10 => "Destination Host Prohibited".into(),
            11 => "Destination Net Unreachable for Type of Service".into(),
            12 => "Destination Host Unreachable for Type of Service".into(),
            13 => "Packet filtered".into(),
            14 => "Precedence Violation".into(),
            15 => "Precedence Cutoff".into(),
            _ => format!("Dest Unreachable, Bad Code: {code}"),
        },
        (4, _) => "Source Quench".into(),
        (5, _) => {
            let kind = match code {
                0 => "Redirect Network".to_owned(),
                1 => "Redirect Host".to_owned(),
                2 => "Redirect Type of Service and Network".to_owned(),
                3 => "Redirect Type of Service and Host".to_owned(),
                _ => format!("Redirect, Bad Code: {code}"),
            };
            format!("{kind}(New nexthop: {})", std::net::Ipv4Addr::from(info))
        }
        (11, 0) => "Time to live exceeded".into(),
        (11, 1) => "Frag reassembly time exceeded".into(),
        (11, _) => format!("Time exceeded, Bad Code: {code}"),
        (12, _) => format!("Parameter problem: pointer = {info}"),
        _ => format!("Bad ICMP type: {msg_type}"),
    }
}

/// What iputils says about an ICMPv6 error.
pub fn icmpv6_error_text(msg_type: u8, code: u8, info: u32) -> String {
    match msg_type {
        1 => {
            let what = match code {
                0 => "No route".to_owned(),
                1 => "Administratively prohibited".to_owned(),
                2 => "Beyond scope of source address".to_owned(),
                3 => "Address unreachable".to_owned(),
                4 => "Port unreachable".to_owned(),
                5 => "Source address failed ingress/egress policy".to_owned(),
                6 => "Reject route to destination".to_owned(),
                _ => format!("Unknown code {code}"),
            };
            format!("Destination unreachable: {what}")
        }
        2 if code == 0 => format!("Packet too big: mtu={info}"),
        2 => format!("Packet too big: mtu={info}, code={code}"),
        3 => match code {
            0 => "Time exceeded: Hop limit".into(),
            1 => "Time exceeded: Defragmentation failure".into(),
            _ => format!("Time exceeded: code {code}"),
        },
        4 => {
            let what = match code {
                0 => "Wrong header field ".to_owned(),
                1 => "Unknown header ".to_owned(),
                2 => "Unknown option ".to_owned(),
                _ => format!("code {code} "),
            };
            format!("Parameter problem: {what}at {info}")
        }
        _ => format!("unknown icmp type: {msg_type}"),
    }
}

/// The error text for either family.
pub fn error_text(version: IpVersion, msg_type: u8, code: u8, info: u32) -> String {
    match version {
        IpVersion::V4 => icmpv4_error_text(msg_type, code, info),
        IpVersion::V6 => icmpv6_error_text(msg_type, code, info),
    }
}

/// `ping: local error: message too long, mtu=1280` (IPv4) or
/// `..., mtu: 1280` (IPv6): the kernel refused to send (PMTU known).
pub fn local_message_too_long(version: IpVersion, mtu: u32) -> String {
    match version {
        IpVersion::V4 => format!("local error: message too long, mtu={mtu}"),
        IpVersion::V6 => format!("local error: message too long, mtu: {mtu}"),
    }
}

/// The text of a local error the kernel queued for a send, with errno
/// `errno` and `info` (the MTU for `EMSGSIZE`):
/// [`local_message_too_long`] for `EMSGSIZE`, otherwise `other` of the
/// errno.
pub fn local_send_error(
    version: IpVersion,
    errno: i32,
    info: u32,
    other: impl FnOnce(std::io::Error) -> String,
) -> String {
    if errno == icmpkit_proto::errno::EMSGSIZE {
        local_message_too_long(version, info)
    } else {
        other(std::io::Error::from_raw_os_error(errno))
    }
}

/// The closing block, starting with the blank line iputils prints:
/// counts, loss, time (first to last send), RTTs, `pipe N`, and in flood or
/// adaptive mode `ipg/ewma`.
pub fn summary(host: &str, stats: &Statistics, time_ms: u64, ipg_micros: Option<u64>) -> String {
    let mut out = format!("\n--- {host} ping statistics ---\n");
    let _ = write!(
        out,
        "{} packets transmitted, {} received",
        stats.transmitted, stats.received
    );
    if stats.duplicates > 0 {
        let _ = write!(out, ", +{} duplicates", stats.duplicates);
    }
    if stats.errors > 0 {
        let _ = write!(out, ", +{} errors", stats.errors);
    }
    if let Some(loss) = stats.loss_text() {
        let _ = write!(out, ", {loss} packet loss, time {time_ms}ms");
    }
    out.push('\n');
    let mut comma = "";
    if let Some(rtt) = stats.rtt().filter(|_| stats.received > 0) {
        let _ = write!(
            out,
            "rtt min/avg/max/mdev = {}/{}/{}/{} ms",
            format_ms(rtt.min_us),
            format_ms(rtt.avg_us),
            format_ms(rtt.max_us),
            format_ms(rtt.mdev_us)
        );
        comma = ", ";
    }
    if stats.pipesize > 1 {
        let _ = write!(out, "{comma}pipe {}", stats.pipesize);
        comma = ", ";
    }
    if let (Some(ipg), Some(ewma)) = (ipg_micros, stats.ewma_us()) {
        let _ = write!(
            out,
            "{comma}ipg/ewma {}/{} ms",
            format_ms(ipg),
            format_ms(ewma)
        );
    }
    out.push('\n');
    out
}

/// The SIGQUIT status line (on stderr):
/// `3/4 packets, 25% loss, min/avg/ewma/max = 0.030/0.040/0.038/0.050 ms`.
pub fn status(stats: &Statistics) -> String {
    let mut s = format!(
        "{}/{} packets, {}% loss",
        stats.received,
        stats.transmitted,
        stats.status_loss_percent()
    );
    if let (Some(rtt), Some(ewma)) = (stats.rtt(), stats.ewma_us()) {
        let _ = write!(
            s,
            ", min/avg/ewma/max = {}/{}/{}/{} ms",
            format_ms(rtt.min_us),
            format_ms(rtt.avg_us),
            format_ms(ewma),
            format_ms(rtt.max_us)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_iputils() {
        let v4: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(
            header("198.51.100.2", v4, &v4.to_string(), 56, 0, None, None),
            "PING 198.51.100.2 (198.51.100.2) 56(84) bytes of data."
        );
        assert_eq!(
            header(
                "127.0.0.1",
                "127.0.0.1".parse().unwrap(),
                "127.0.0.1",
                8,
                0,
                None,
                None
            ),
            "PING 127.0.0.1 (127.0.0.1) 8(36) bytes of data."
        );
        assert_eq!(
            header("h", v4, &v4.to_string(), 1400, 0, None, None),
            "PING h (198.51.100.2) 1400(1428) bytes of data."
        );
        let v6: IpAddr = "2001:db8:2::2".parse().unwrap();
        assert_eq!(
            header("2001:db8:2::2", v6, &v6.to_string(), 56, 0, None, None),
            "PING 2001:db8:2::2(2001:db8:2::2) 56 data bytes"
        );
        let ll: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(
            header("fe80::1%c0", ll, "fe80::1%c0", 56, 0, None, None),
            "PING fe80::1%c0(fe80::1%c0) 56 data bytes"
        );
    }

    #[test]
    fn upstream_headers_space_the_ipv6_address() {
        let v6: IpAddr = "::1".parse().unwrap();
        let old = header("::1", v6, "::1", 56, 0, None, None);
        assert_eq!(upstream_header(&old, "::1"), "PING ::1 (::1) 56 data bytes");
        let v4 = header(
            "lo",
            "127.0.0.1".parse().unwrap(),
            "127.0.0.1",
            56,
            0,
            None,
            None,
        );
        assert_eq!(upstream_header(&v4, "lo"), v4);
        assert_eq!(
            upstream_refusal(&ConfigError::IntervalForUser),
            "cannot flood, minimal interval for user must be >= 2 ms, use -i 0.002 (or higher)"
        );
        assert_eq!(
            multicast_interval_refusal("broadcast", 500, false),
            "broadcast ping with too short interval: 500"
        );
        assert_eq!(
            multicast_interval_refusal("multicast", 500, true),
            "minimal interval for multicast ping for user must be >= 1000 ms, use -i 1 (or higher)"
        );
        assert_eq!(
            upstream_refusal(&ConfigError::Preload(0)),
            ConfigError::Preload(0).to_string()
        );
    }

    #[test]
    fn an_ipv6_flow_label_follows_the_address() {
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            header("::1", v6, "::1", 56, 0, None, Some(0x12345)),
            "PING ::1(::1) , flow 0x12345, 56 data bytes"
        );
        assert_eq!(
            header("::1", v6, "::1", 56, 0, Some((v6, "lo")), Some(1)),
            "PING ::1(::1) , flow 0x00001, from ::1 lo: 56 data bytes"
        );
    }

    #[test]
    fn headers_with_a_source() {
        let v4: IpAddr = "198.51.100.2".parse().unwrap();
        let src: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(
            header(
                "198.51.100.2",
                v4,
                &v4.to_string(),
                56,
                0,
                Some((src, "c0")),
                None
            ),
            "PING 198.51.100.2 (198.51.100.2) from 192.0.2.2 c0: 56(84) bytes of data."
        );
        assert_eq!(
            header(
                "198.51.100.2",
                v4,
                &v4.to_string(),
                56,
                0,
                Some((src, "")),
                None
            ),
            "PING 198.51.100.2 (198.51.100.2) from 192.0.2.2 : 56(84) bytes of data."
        );
        let v6: IpAddr = "2001:db8:2::2".parse().unwrap();
        let src6: IpAddr = "2001:db8:1::2".parse().unwrap();
        assert_eq!(
            header(
                "2001:db8:2::2",
                v6,
                &v6.to_string(),
                56,
                0,
                Some((src6, "c0")),
                None
            ),
            "PING 2001:db8:2::2(2001:db8:2::2) from 2001:db8:1::2 c0: 56 data bytes"
        );
    }

    #[test]
    fn rtt_precision_follows_magnitude() {
        assert_eq!(rtt(45), "0.045");
        assert_eq!(rtt(999), "0.999");
        assert_eq!(rtt(1000), "1.00");
        assert_eq!(rtt(1234), "1.23");
        assert_eq!(rtt(9994), "9.99");
        assert_eq!(rtt(9995), "10.0");
        assert_eq!(rtt(52_150), "52.2");
        assert_eq!(rtt(99_949), "99.9");
        assert_eq!(rtt(99_950), "100");
        assert_eq!(rtt(1_234_567), "1235");
    }

    #[test]
    fn unverified_lines_do_not_look_like_replies() {
        assert_eq!(
            unverified(8, "198.51.100.99", 2, Some(64)),
            "unverified reply from 198.51.100.99: icmp_seq=2 ttl=64, 8 bytes without the probe's nonce"
        );
        assert_eq!(
            unverified(9, "h (2001:db8::9)", 1, None),
            "unverified reply from h (2001:db8::9): icmp_seq=1, 9 bytes without the probe's nonce"
        );
    }

    #[test]
    fn reply_lines() {
        let mut line = ReplyLine {
            bytes: 64,
            from: "198.51.100.2",
            seq: 1,
            ident: None,
            ttl: Some(63),
            rtt_micros: Some(87),
            duplicate: false,
            truncated: false,
            different_address: false,
        };
        assert_eq!(
            reply(&line),
            "64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 time=0.087 ms"
        );
        line.different_address = true;
        assert_eq!(
            reply(&line),
            "64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 time=0.087 ms (DIFFERENT ADDRESS!)"
        );
        line.different_address = false;
        line.duplicate = true;
        line.ident = Some(9602);
        assert_eq!(
            reply(&line),
            "64 bytes from 198.51.100.2: icmp_seq=1 ident=9602 ttl=63 time=0.087 ms (DUP!)"
        );
        line.rtt_micros = None;
        line.duplicate = false;
        line.ident = None;
        line.bytes = 16;
        assert_eq!(
            reply(&line),
            "16 bytes from 198.51.100.2: icmp_seq=1 ttl=63"
        );
    }

    #[test]
    fn who_may_answer_from_any_address() {
        let v4: IpAddr = "198.51.100.2".parse().unwrap();
        assert!(!any_sender(v4, false));
        assert!(any_sender(v4, true));
        assert!(any_sender("2001:db8:2::".parse().unwrap(), false));
        assert!(!any_sender("2001:db8:2::2".parse().unwrap(), false));
        assert!(!any_sender("::1".parse().unwrap(), false));
    }

    #[test]
    fn error_texts_match_iputils() {
        let cases = [
            (3, 1, 0, "Destination Host Unreachable"),
            (3, 13, 0, "Packet filtered"),
            (3, 0, 0, "Destination Net Unreachable"),
            (3, 3, 0, "Destination Port Unreachable"),
            (3, 4, 1280, "Frag needed and DF set (mtu = 1280)"),
            (11, 0, 0, "Time to live exceeded"),
            (12, 0, 22, "Parameter problem: pointer = 22"),
        ];
        for (t, c, info, want) in cases {
            assert_eq!(icmpv4_error_text(t, c, info), want);
        }
        assert_eq!(
            error("198.51.100.1", 1, "Time to live exceeded"),
            "From 198.51.100.1 icmp_seq=1 Time to live exceeded"
        );
        let cases6 = [
            (1, 0, 0, "Destination unreachable: No route"),
            (
                1,
                1,
                0,
                "Destination unreachable: Administratively prohibited",
            ),
            (1, 3, 0, "Destination unreachable: Address unreachable"),
            (2, 0, 1280, "Packet too big: mtu=1280"),
            (3, 0, 0, "Time exceeded: Hop limit"),
            (4, 1, 40, "Parameter problem: Unknown header at 40"),
        ];
        for (t, c, info, want) in cases6 {
            assert_eq!(icmpv6_error_text(t, c, info), want);
        }
        assert_eq!(
            local_message_too_long(IpVersion::V4, 1280),
            "local error: message too long, mtu=1280"
        );
        assert_eq!(
            local_message_too_long(IpVersion::V6, 1280),
            "local error: message too long, mtu: 1280"
        );
    }

    fn stats(transmitted: u64, received: u64, errors: u64, rtts_us: &[u64]) -> Statistics {
        let mut s = Statistics::default();
        s.transmitted = transmitted;
        s.received = received;
        s.errors = errors;
        for us in rtts_us {
            s.record_rtt(std::time::Duration::from_micros(*us));
        }
        s
    }

    #[test]
    fn summaries_match_iputils() {
        assert_eq!(
            summary("198.51.100.2", &stats(2, 2, 0, &[87, 49]), 203, None),
            "\n--- 198.51.100.2 ping statistics ---\n\
             2 packets transmitted, 2 received, 0% packet loss, time 203ms\n\
             rtt min/avg/max/mdev = 0.049/0.068/0.087/0.019 ms\n"
        );
        assert_eq!(
            summary("198.51.100.2", &stats(2, 0, 2, &[]), 203, None),
            "\n--- 198.51.100.2 ping statistics ---\n\
             2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 203ms\n\n"
        );
        assert_eq!(
            summary("127.0.0.1", &stats(3, 3, 0, &[27, 28, 30]), 405, None)
                .lines()
                .last(),
            Some("rtt min/avg/max/mdev = 0.027/0.028/0.030/0.001 ms")
        );
        assert_eq!(
            status(&stats(4, 3, 0, &[30, 40, 50]))
                .split(',')
                .take(2)
                .collect::<Vec<_>>(),
            ["3/4 packets", " 25% loss"]
        );
    }
}
