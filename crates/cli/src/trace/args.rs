//! `icmpkit trace`'s options: traceroute's letters and meanings, plus
//! Paris flows, multipath discovery, path MTU and JSON.

use std::time::Duration;

use anyhow::{Result, bail};

use crate::args::named::seconds;
pub use crate::args::named::{integer, port, small, tos};

use icmpkit_net::SocketChoice;
use icmpkit_proto::trace::{Confidence, Method, Wait};

/// Arguments of `icmpkit trace`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit trace -n 198.51.100.2\n  \
                        icmpkit trace -I -q 1 -6 2001:db8:2::2\n  \
                        icmpkit trace --mda --json 198.51.100.2\n  \
                        icmpkit trace --pmtu 198.51.100.2")]
#[allow(clippy::struct_excessive_bools)] // one flag per traceroute option
pub struct Args {
    /// Probe with ICMP Echo Requests.
    #[arg(short = 'I', conflicts_with_all = ["udp", "tcp"])]
    pub icmp: bool,
    /// Probe with UDP datagrams to a closed port (the default).
    #[arg(short = 'U', conflicts_with = "tcp")]
    pub udp: bool,
    /// Probe with TCP SYNs (port 80 unless -p).
    #[arg(short = 'T')]
    pub tcp: bool,
    /// `-4` / `-6`.
    #[command(flatten)]
    pub family: crate::args::FamilyArgs,
    /// Probes per hop (1 to 10).
    #[arg(short = 'q', value_name = "NQUERIES", default_value = "3")]
    pub queries: String,
    /// The TTL to start at.
    #[arg(short = 'f', value_name = "FIRST_TTL", default_value = "1")]
    pub first_ttl: String,
    /// The TTL to stop at (1 to 255).
    #[arg(short = 'm', value_name = "MAX_TTL", default_value = "30")]
    pub max_ttl: String,
    /// Wait MAX seconds at most, HERE times the round trip of an answer of
    /// the same hop, NEAR times that of the next hop (traceroute's meaning).
    #[arg(short = 'w', value_name = "MAX,HERE,NEAR", default_value = "5.0,3,10")]
    pub wait: String,
    /// Probes in flight at once.
    #[arg(short = 'N', value_name = "SQUERIES", default_value = "16")]
    pub in_flight: String,
    /// Destination port (UDP: 33434, to which classic probes add their
    /// number; TCP: 80).
    #[arg(short = 'p', value_name = "PORT")]
    pub port: Option<String>,
    /// Source port of the first flow (UDP, TCP).
    #[arg(long, value_name = "PORT")]
    pub sport: Option<String>,
    /// Numeric output: no reverse lookups.
    #[arg(short = 'n')]
    pub numeric: bool,
    /// Send from this source address.
    #[arg(short = 's', value_name = "SRC_ADDR")]
    pub source: Option<String>,
    /// Send through this interface.
    #[arg(short = 'i', value_name = "DEVICE")]
    pub interface: Option<String>,
    /// IPv4 TOS / IPv6 traffic class (decimal or 0x hex).
    #[arg(short = 't', value_name = "TOS")]
    pub tos: Option<String>,
    /// Set Don't Fragment on probes (a too-big probe then ends at `!F-<mtu>`).
    #[arg(short = 'F')]
    pub dont_fragment: bool,
    /// Least seconds between probes (below 10: seconds; else milliseconds).
    #[arg(short = 'z', value_name = "SENDWAIT", default_value = "0")]
    pub sendwait: String,
    /// Classic probes: vary the flow fields per probe (no Paris).
    #[arg(long)]
    pub no_paris: bool,
    /// The Paris flow id a trace uses (0 to 4095).
    #[arg(long, value_name = "ID", default_value = "0")]
    pub flow: String,
    /// Discover every load-balanced path (multipath detection algorithm).
    #[arg(long, conflicts_with = "pmtu")]
    pub mda: bool,
    /// MDA confidence: 95 or 99 (percent).
    #[arg(long, value_name = "PERCENT", default_value = "95", requires = "mda")]
    pub confidence: String,
    /// Find the path MTU and where on the path it falls (as tracepath).
    #[arg(long)]
    pub pmtu: bool,
    /// Print the origin AS of each address (`[AS13335]`), looked up in
    /// the DNS as the public IP-to-ASN services answer (TXT records of
    /// origin.asn.cymru.com, origin6.asn.cymru.com). Each lookup holds
    /// the trace while it waits (2 s per try, about 4 s for a server that
    /// never answers); after one fails, no more are made.
    #[arg(short = 'A')]
    pub as_lookups: bool,
    /// The DNS server -A asks (ADDR, ADDR:PORT, [IPV6]:PORT); the
    /// system's resolvers without it.
    #[arg(long, value_name = "ADDR")]
    pub dns_server: Option<String>,
    /// Guess how many hops each answer came back over, from the TTL it
    /// arrived with (tracepath's `back N`), and print it after the address
    /// when it differs from the hop's (`'-N'`, as traceroute --back).
    #[arg(long)]
    pub back: bool,
    /// Sockets: raw (needs `CAP_NET_RAW`), dgram (unprivileged: UDP
    /// probes on a UDP socket, ICMP probes on a ping socket, errors from
    /// their error queue), or auto (raw if allowed, else dgram).
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub socket: String,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// With --pmtu: `tracepath` prints iputils tracepath's lines,
    /// `icmpkit` (the default) icmpkit's own.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// With --format tracepath: each hop's name and address (tracepath's
    /// -b).
    #[arg(long)]
    pub both: bool,
    /// The host to trace.
    #[arg(value_name = "HOST")]
    pub host: String,
    /// Say nothing of the sockets on stderr (`trace: udp probes on ...`):
    /// set when run as `traceroute`, which prints no such line
    /// (`personality`).
    #[arg(skip)]
    pub no_sockets_line: bool,
    /// The size of each probe packet, IP header included.
    #[arg(value_name = "PACKETLEN")]
    pub packet_len: Option<String>,
}

impl Args {
    /// The probe method chosen by -I, -U, -T.
    pub fn method(&self) -> Method {
        if self.icmp {
            Method::Icmp
        } else if self.tcp {
            Method::Tcp
        } else {
            Method::Udp
        }
    }
}

/// traceroute's `-w MAX[,HERE[,NEAR]]` (also `MAX/HERE/NEAR`).
pub fn wait(value: &str) -> Result<Wait> {
    let parts: Vec<&str> = value.split([',', '/']).collect();
    if parts.len() > 3 {
        bail!("-w {value:?}: expected MAX[,HERE[,NEAR]], e.g. 5.0,3,10");
    }
    let default = Wait::default();
    let max = seconds("-w", parts[0])?;
    if max <= 0.0 {
        bail!("-w {value}: the wait must be above 0 seconds");
    }
    let factor = |i: usize, d: f64| parts.get(i).map_or(Ok(d), |p| seconds("-w", p));
    Ok(Wait {
        max: Duration::from_secs_f64(max.min(3600.0)),
        here: factor(1, default.here)?,
        near: factor(2, default.near)?,
    })
}

/// traceroute's `-z`: seconds below 10, else milliseconds.
pub fn sendwait(value: &str) -> Result<Duration> {
    let n = seconds("-z", value)?;
    Ok(if n >= 10.0 {
        Duration::from_secs_f64(n.min(3_600_000.0) / 1000.0)
    } else {
        Duration::from_secs_f64(n)
    })
}

/// `--socket auto|raw|dgram`, as `icmpkit ping` reads it.
pub fn socket_choice(value: &str) -> Result<SocketChoice> {
    match value {
        "auto" => Ok(SocketChoice::Auto),
        "raw" => Ok(SocketChoice::Raw),
        "dgram" => Ok(SocketChoice::Dgram),
        other => bail!("--socket {other}: expected raw, dgram or auto"),
    }
}

/// `--confidence 95|99`.
pub fn confidence(value: &str) -> Result<Confidence> {
    match value.trim().trim_end_matches('%') {
        "95" => Ok(Confidence::P95),
        "99" => Ok(Confidence::P99),
        _ => bail!("--confidence {value}: use 95 or 99"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_like_traceroute() {
        let w = wait("5.0,3,10").unwrap();
        assert_eq!((w.max, w.here, w.near), (Duration::from_secs(5), 3.0, 10.0));
        let w = wait("2").unwrap();
        assert_eq!((w.max, w.here, w.near), (Duration::from_secs(2), 3.0, 10.0));
        let w = wait("1/0/0").unwrap();
        assert_eq!((w.here, w.near), (0.0, 0.0));
        assert!(wait("0").unwrap_err().to_string().contains("above 0"));
        assert!(wait("x").unwrap_err().to_string().contains("not a number"));
        assert!(wait("1,2,3,4").is_err());
    }

    #[test]
    fn sendwait_seconds_or_milliseconds() {
        assert_eq!(sendwait("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(sendwait("50").unwrap(), Duration::from_millis(50));
        assert_eq!(confidence("99").unwrap(), Confidence::P99);
        assert!(confidence("90").is_err());
        assert_eq!(tos("-t", "0x10").unwrap(), 16);
        assert!(tos("-t", "300").is_err());
    }
}
