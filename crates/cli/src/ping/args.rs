//! `icmpkit ping`'s options: iputils ping's letters and meanings, plus
//! several targets at once (fping-class), JSON output and RFC 8335 PROBE.
//!
//! One departure from the letters: iputils' `-f` is flood, fping's `-f` is a
//! file of targets; here `-f` floods (iputils) and `--file` reads targets.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::args::values::{self, ValueError};

/// Arguments of `icmpkit ping`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Examples:\n  icmpkit ping -c 3 127.0.0.1\n  icmpkit ping -6 -c 3 ::1\n  \
                        icmpkit ping -c 1 10.0.0.0/30 10.0.1.1 --json\n  \
                        icmpkit ping --probe-interface eth0 198.51.100.2"
)]
#[allow(clippy::struct_excessive_bools)] // one flag per iputils option
pub struct Args {
    /// Stop after COUNT replies (or errors); with several targets, probes per target.
    #[arg(short = 'c', value_name = "COUNT", allow_negative_numbers = true)]
    pub count: Option<String>,
    /// Seconds between probes (iputils: 1; below 0.002 needs root).
    #[arg(short = 'i', value_name = "INTERVAL", allow_negative_numbers = true)]
    pub interval: Option<String>,
    /// Data bytes per probe (56: 64 bytes of ICMP).
    #[arg(short = 's', value_name = "SIZE", allow_negative_numbers = true)]
    pub size: Option<String>,
    /// IP time to live / hop limit.
    #[arg(short = 't', value_name = "TTL", allow_negative_numbers = true)]
    pub ttl: Option<String>,
    /// Seconds to wait for a reply (after the last probe with -c).
    #[arg(short = 'W', value_name = "TIMEOUT", allow_negative_numbers = true)]
    pub timeout: Option<String>,
    /// Seconds after which ping stops whatever happens.
    #[arg(short = 'w', value_name = "DEADLINE", allow_negative_numbers = true)]
    pub deadline: Option<String>,
    /// Flood: send as fast as replies come (or every 10 ms); dots show loss.
    #[arg(short = 'f')]
    pub flood: bool,
    /// Adaptive: the next probe as soon as the previous reply arrives.
    #[arg(short = 'A')]
    pub adaptive: bool,
    /// Print a Unix timestamp before each line.
    #[arg(short = 'D')]
    pub timestamps: bool,
    /// Report probes still unanswered when the next is sent.
    #[arg(short = 'O')]
    pub report_outstanding: bool,
    /// Quiet: only the first line and the summary.
    #[arg(short = 'q')]
    pub quiet: bool,
    /// Numeric output only: no reverse lookups.
    #[arg(short = 'n')]
    pub numeric: bool,
    /// Send from this interface name or source address.
    #[arg(short = 'I', value_name = "INTERFACE")]
    pub interface: Option<String>,
    /// Up to 16 hex bytes to fill the payload with (e.g. ff00).
    #[arg(short = 'p', value_name = "PATTERN")]
    pub pattern: Option<String>,
    /// IPv4 TOS / IPv6 traffic class (decimal or 0x hex).
    #[arg(short = 'Q', value_name = "TOS")]
    pub tos: Option<String>,
    /// Path MTU discovery: do (set DF), want, dont, probe.
    #[arg(short = 'M', value_name = "PMTUDISC")]
    pub pmtudisc: Option<String>,
    /// Send this many probes at once at the start.
    #[arg(short = 'l', value_name = "PRELOAD", allow_negative_numbers = true)]
    pub preload: Option<String>,
    /// `SO_MARK` for the probes.
    #[arg(short = 'm', value_name = "MARK", allow_negative_numbers = true)]
    pub mark: Option<String>,
    /// Audible: ring the terminal bell (`\a`) with each reply.
    #[arg(short = 'a')]
    pub audible: bool,
    /// The Echo identifier (0-65535; a ping socket binds it, 0 forces a
    /// raw socket).
    #[arg(short = 'e', value_name = "IDENTIFIER", allow_negative_numbers = true)]
    pub ident: Option<String>,
    /// `SO_SNDBUF` of the socket, in bytes.
    #[arg(short = 'S', value_name = "SNDBUF", allow_negative_numbers = true)]
    pub sndbuf: Option<String>,
    /// Sticky source: bind to the first source address the kernel picks.
    #[arg(short = 'B')]
    pub strict_source: bool,
    /// Suppress the loopback of multicast probes.
    #[arg(short = 'L')]
    pub no_loop: bool,
    /// IPv6 flow label (decimal or 0x hex, 20 bits; 0 asks the kernel for one).
    #[arg(short = 'F', value_name = "FLOWLABEL")]
    pub flow_label: Option<String>,
    /// Allow pinging a broadcast address.
    #[arg(short = 'b')]
    pub broadcast: bool,
    /// Record route (IPv4): every reply's route on `RR:` lines.
    #[arg(short = 'R')]
    pub record_route: bool,
    /// IPv4 timestamps: tsonly, tsandaddr, or tsprespec ADDR... (up to 4
    /// hops before the target).
    #[arg(short = 'T', value_name = "TIMESTAMP")]
    pub timestamp: Option<String>,
    /// IPv6 Node Information query (RFC 4620) instead of Echo: name,
    /// ipv6, ipv6-all, ipv6-global, ..., ipv4, ipv4-all, subject-ipv6=ADDR,
    /// subject-ipv4=ADDR, subject-name=NAME, subject-fqdn=NAME; `help`
    /// lists them.
    #[arg(short = 'N', value_name = "NODEINFO")]
    pub node_info: Vec<String>,
    /// `-4` / `-6`.
    #[command(flatten)]
    pub family: crate::args::FamilyArgs,
    /// Measure user-to-user time (no kernel receive timestamps).
    #[arg(short = 'U')]
    pub user_latency: bool,
    /// Verbose: show identifiers and ignored packets.
    #[arg(short = 'v')]
    pub verbose: bool,
    /// Socket kind: raw (needs `CAP_NET_RAW`), dgram (ping sockets), or auto.
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub socket: String,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read more targets from FILE (one per line, # comments), `-` for stdin.
    #[arg(long = "file", value_name = "FILE")]
    pub file: Option<String>,
    /// With several targets: probes per second in all (default 1000).
    #[arg(long, value_name = "PPS")]
    pub rate: Option<String>,
    /// With several targets: retries before a probe counts as lost.
    #[arg(long, value_name = "N", default_value = "0")]
    pub retries: String,
    /// Ask the target (RFC 8335 PROBE) about one of its interfaces: a name,
    /// an ifIndex, or an address. Needs a raw socket (`CAP_NET_RAW`); here
    /// -c defaults to 1 and -W to 2 seconds.
    #[arg(long, value_name = "NAME|INDEX|ADDRESS")]
    pub probe_interface: Option<String>,
    /// Hosts, addresses or CIDR prefixes to ping.
    #[arg(value_name = "HOST", required_unless_present = "file")]
    pub targets: Vec<String>,
    /// Current upstream iputils' words where they differ from 20221126's:
    /// the IPv6 header (`PING ::1 (::1) 56 data bytes`) and the refusal of
    /// a short interval. Set when run as `ping` (`personality`).
    #[arg(skip)]
    pub upstream: bool,
}

/// A number iputils' `strtol_or_err` refuses (`invalid argument: 'x'`,
/// or out of range). iputils exits 1 for it (`EXIT_FAILURE`), where its
/// other usage errors exit 2; the `ping` link does the same.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidArgument(String);

/// iputils' wording for an out-of-range number.
pub fn out_of_range(value: &str, min: u64, max: u64) -> anyhow::Error {
    InvalidArgument(format!(
        "invalid argument: '{value}': out of range: {min} <= value <= {max}"
    ))
    .into()
}

/// Parses an integer option within `min..=max`, with iputils' messages.
pub fn integer(value: &str, min: u64, max: u64) -> Result<u64> {
    values::integer(value, min, max).map_err(|e| match e {
        ValueError::OutOfRange(_) => out_of_range(value, min, max),
        ValueError::NotANumber => InvalidArgument(format!("invalid argument: '{value}'")).into(),
    })
}

/// Parses seconds (a decimal number, as iputils' -i, -W, -w take).
pub fn seconds(option: &str, value: &str) -> Result<Duration> {
    let Some(n) = values::seconds(value) else {
        if value.trim().parse::<f64>().is_err() {
            bail!("bad {option} value: '{value}': give seconds, e.g. 0.2");
        }
        bail!("bad {option} value: '{value}': must be zero or more seconds");
    };
    if n > 2_147_483.0 {
        bail!("bad {option} value: '{value}': at most 2147483 seconds");
    }
    Ok(Duration::from_secs_f64(n))
}

/// Parses a TOS: decimal or 0x hex, at most 255.
pub fn tos(value: &str) -> Result<u8> {
    values::tos(value).map_err(|e| match e {
        ValueError::OutOfRange(n) => {
            anyhow::anyhow!("the decimal value of TOS bits must be in range 0-255: {n}")
        }
        ValueError::NotANumber => anyhow::anyhow!("bad TOS value: {value}"),
    })
}

/// Parses a -p pattern: up to 16 bytes of hex digits, read two at a
/// time as iputils' `sscanf("%2x...")` reads them (`abc` is `ab 0c`);
/// iputils' message names the rest from the first wrong character.
pub fn pattern(value: &str) -> Result<Vec<u8>> {
    if let Some(bad) = value.find(|c: char| !c.is_ascii_hexdigit()) {
        bail!(
            "patterns must be specified as hex digits: {}",
            &value[bad..]
        );
    }
    let digits: Vec<u8> = value.bytes().take(32).collect();
    let mut out = Vec::new();
    for pair in digits.chunks(2) {
        let text = std::str::from_utf8(pair).unwrap_or("0");
        out.push(u8::from_str_radix(text, 16)?);
    }
    Ok(out)
}

/// iputils' `PATTERN: 0x...` line for the bytes of `-p`.
pub fn pattern_line(pattern: &[u8]) -> String {
    pattern
        .iter()
        .fold(String::from("PATTERN: 0x"), |mut line, b| {
            let _ = write!(line, "{b:02x}");
            line
        })
}

/// The IPv4 options `-R` or `-T` ask for (`IP_OPTIONS` bytes), with
/// iputils' refusals; `hops` are the addresses before the target, which
/// only `-T tsprespec` takes. Empty when neither is given.
pub fn ip_options(
    record_route: bool,
    timestamp: Option<&str>,
    hops: &[std::net::Ipv4Addr],
) -> Result<Vec<u8>> {
    use icmpkit_wire::ipv4::option::{self, TimestampFlags};
    let mut out = vec![0; option::MAX_LEN];
    let len = match (record_route, timestamp) {
        (false, None) => {
            if !hops.is_empty() {
                bail!("usage error: one target at a time with these options");
            }
            return Ok(Vec::new());
        }
        (true, Some(_)) => bail!("only one of -T or -R may be used"),
        (true, None) => {
            if !hops.is_empty() {
                bail!("usage error: -R takes one target");
            }
            option::emit_record_route(&mut out)?
        }
        (false, Some(kind)) => {
            let flags = match kind {
                "tsonly" => TimestampFlags::TimestampsOnly,
                "tsandaddr" => TimestampFlags::AddressAndTimestamp,
                "tsprespec" => TimestampFlags::Prespecified,
                other => bail!("invalid timestamp type: {other}"),
            };
            if flags != TimestampFlags::Prespecified && !hops.is_empty() {
                bail!("usage error: -T {kind} takes one target");
            }
            if flags == TimestampFlags::Prespecified && hops.len() > option::MAX_PRESPECIFIED {
                bail!(
                    "usage error: -T tsprespec takes at most {} addresses before the target",
                    option::MAX_PRESPECIFIED
                );
            }
            option::emit_timestamp(flags, hops, &mut out)?
        }
    };
    out.truncate(len);
    Ok(out)
}

/// Parses `-F`: a flow label, decimal or hex after `0x`, at most 20 bits
/// (iputils' `parseflow`).
pub fn flow_label(value: &str) -> Result<u32> {
    let parsed = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None if value.is_empty() => Ok(0),
        None => value.parse::<u64>(),
    };
    let Ok(n) = parsed else {
        bail!("bad value for flowinfo: {value}");
    };
    match u32::try_from(n) {
        Ok(label) if label <= 0xf_ffff => Ok(label),
        _ => bail!("flow value is greater than 20 bits: {value}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_use_iputils_wording() {
        assert_eq!(integer("3", 1, 10).unwrap(), 3);
        assert_eq!(
            integer("-1", 1, 9_223_372_036_854_775_807)
                .unwrap_err()
                .to_string(),
            "invalid argument: '-1': out of range: 1 <= value <= 9223372036854775807"
        );
        assert_eq!(
            integer("70000", 0, 65507).unwrap_err().to_string(),
            "invalid argument: '70000': out of range: 0 <= value <= 65507"
        );
        assert_eq!(
            integer("x", 0, 1).unwrap_err().to_string(),
            "invalid argument: 'x'"
        );
    }

    #[test]
    fn seconds_tos_and_patterns() {
        assert_eq!(seconds("-i", "0.2").unwrap(), Duration::from_millis(200));
        assert!(
            seconds("-i", "-1")
                .unwrap_err()
                .to_string()
                .contains("zero or more")
        );
        assert_eq!(tos("0x10").unwrap(), 16);
        assert_eq!(tos("184").unwrap(), 184);
        assert_eq!(
            tos("300").unwrap_err().to_string(),
            "the decimal value of TOS bits must be in range 0-255: 300"
        );
        assert_eq!(pattern("ff00").unwrap(), vec![0xff, 0]);
        assert_eq!(pattern("abc").unwrap(), vec![0xab, 0x0c]);
        assert_eq!(
            pattern("12zz").unwrap_err().to_string(),
            "patterns must be specified as hex digits: zz"
        );
        assert_eq!(pattern("").unwrap(), Vec::<u8>::new());
        assert_eq!(pattern_line(&[0xab, 0x0c]), "PATTERN: 0xab0c");
        assert_eq!(pattern_line(&[]), "PATTERN: 0x");
    }

    #[test]
    fn ip_options_as_iputils_asks_for_them() {
        let rr = ip_options(true, None, &[]).unwrap();
        assert_eq!((rr.len(), &rr[..4]), (40, &[1, 7, 39, 4][..]));
        assert_eq!(ip_options(false, Some("tsonly"), &[]).unwrap().len(), 40);
        assert_eq!(ip_options(false, Some("tsandaddr"), &[]).unwrap().len(), 36);
        let hop = "192.0.2.254".parse().unwrap();
        assert_eq!(
            ip_options(false, Some("tsprespec"), &[hop]).unwrap(),
            [68, 12, 5, 3, 192, 0, 2, 254, 0, 0, 0, 0]
        );
        assert_eq!(
            ip_options(true, Some("tsonly"), &[])
                .unwrap_err()
                .to_string(),
            "only one of -T or -R may be used"
        );
        assert_eq!(
            ip_options(false, Some("ts"), &[]).unwrap_err().to_string(),
            "invalid timestamp type: ts"
        );
        // No hop named: the bare option, as iputils sends it.
        assert_eq!(
            ip_options(false, Some("tsprespec"), &[]).unwrap(),
            [68, 4, 5, 3]
        );
        assert!(ip_options(false, Some("tsprespec"), &[hop; 5]).is_err());
        assert!(ip_options(true, None, &[hop]).is_err());
        assert_eq!(ip_options(false, None, &[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn flow_labels_as_iputils_parses_them() {
        assert_eq!(flow_label("0x12345").unwrap(), 0x12345);
        assert_eq!(flow_label("1").unwrap(), 1);
        assert_eq!(flow_label("0xfffff").unwrap(), 0xf_ffff);
        assert_eq!(
            flow_label("0x100000").unwrap_err().to_string(),
            "flow value is greater than 20 bits: 0x100000"
        );
        assert_eq!(
            flow_label("12x").unwrap_err().to_string(),
            "bad value for flowinfo: 12x"
        );
    }
}
