//! `icmpkit mtr`'s options: mtr's letters and meanings, plus Paris flows,
//! typed JSON and per-probe records.

use icmpkit_proto::trace::Method;

/// Arguments of `icmpkit mtr`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit mtr 198.51.100.2\n  \
                        icmpkit mtr -r -c 10 198.51.100.2\n  \
                        icmpkit mtr -j -c 60 -i 0.2 --flows 8 198.51.100.2\n  \
                        icmpkit mtr -r -o LSF -T -P 443 example.net\n\n\
                        Keys in the live view: q quit, p pause/resume, r reset, d display mode, \
                        n names, j jitter columns, b burst check, ? help.")]
#[allow(clippy::struct_excessive_bools)] // one flag per mtr option
pub struct Args {
    /// Print mtr's report after COUNT rounds instead of the live view.
    #[arg(short = 'r', long)]
    pub report: bool,
    /// The report without truncating names (implies -r).
    #[arg(short = 'w', long)]
    pub report_wide: bool,
    /// Print mtr's CSV after COUNT rounds.
    #[arg(short = 'C', long, conflicts_with_all = ["report", "report_wide", "json"])]
    pub csv: bool,
    /// Print one typed JSON document after COUNT rounds.
    #[arg(short = 'j', long, conflicts_with_all = ["report", "report_wide"])]
    pub json: bool,
    /// Print one JSON line per probe as it is answered or lost, then the
    /// summary record.
    #[arg(long, conflicts_with_all = ["report", "report_wide", "csv", "json"])]
    pub json_probes: bool,
    /// Rounds to send (the report's default: 10; the live view: until q).
    #[arg(short = 'c', long = "report-cycles", value_name = "COUNT")]
    pub count: Option<String>,
    /// Seconds between rounds.
    #[arg(short = 'i', long, value_name = "SECONDS", default_value = "1")]
    pub interval: String,
    /// After the rounds, a burst check: 20 probes to each hop at 50 a
    /// second, to confirm which hops limit their answers (the live view:
    /// key b).
    #[arg(long)]
    pub burst: bool,
    /// Seconds a probe is waited for before it counts as lost.
    #[arg(long, value_name = "SECONDS", default_value = "2")]
    pub timeout: String,
    /// The TTL to start at.
    #[arg(
        short = 'f',
        long = "first-ttl",
        value_name = "NUMBER",
        default_value = "1"
    )]
    pub first_ttl: String,
    /// The highest TTL probed.
    #[arg(
        short = 'm',
        long = "max-ttl",
        value_name = "NUMBER",
        default_value = "30"
    )]
    pub max_ttl: String,
    /// Numeric output: no reverse lookups.
    #[arg(short = 'n', long = "no-dns")]
    pub numeric: bool,
    /// Names and addresses both: `name (address)`.
    #[arg(short = 'b', long)]
    pub show_ips: bool,
    /// The report shows each hop's MPLS labels and RFC 5837 interfaces
    /// under its row (the live view and --json always do).
    #[arg(short = 'e', long)]
    pub mpls: bool,
    /// The columns, by mtr's keys (LDRSNBAWVGJMXI, and F for the real
    /// loss), e.g. "LS NABWV" (mtr's default; a space is a blank column).
    #[arg(short = 'o', long, value_name = "FIELDS")]
    pub order: Option<String>,
    /// Probe with UDP datagrams (to port 33434 unless -P).
    #[arg(short = 'u', long, conflicts_with = "tcp")]
    pub udp: bool,
    /// Probe with TCP SYNs (to port 80 unless -P).
    #[arg(short = 'T', long)]
    pub tcp: bool,
    /// The destination port (UDP, TCP).
    #[arg(short = 'P', long, value_name = "PORT")]
    pub port: Option<String>,
    /// The source port of the first flow (UDP, TCP).
    #[arg(short = 'L', long = "localport", value_name = "PORT")]
    pub sport: Option<String>,
    /// Paris flows used in turn, one per round (ECMP: every branch shows
    /// under its hop).
    #[arg(long, value_name = "N", default_value = "1")]
    pub flows: String,
    /// The size of each probe, IP header included.
    #[arg(short = 's', long = "psize", value_name = "BYTES")]
    pub packet_len: Option<String>,
    /// IPv4 TOS / IPv6 traffic class (decimal or 0x hex).
    #[arg(short = 'Q', long, value_name = "TOS")]
    pub tos: Option<String>,
    /// Send from this source address.
    #[arg(short = 'a', long = "address", value_name = "ADDRESS")]
    pub source: Option<String>,
    /// Send through this interface.
    #[arg(short = 'I', long, value_name = "NAME")]
    pub interface: Option<String>,
    /// `-4` / `-6`.
    #[command(flatten)]
    pub family: crate::args::FamilyArgs,
    /// The host to watch.
    #[arg(value_name = "HOST")]
    pub host: String,
}

impl Args {
    /// The probe method: ICMP Echo unless -u or -T, as mtr.
    pub fn method(&self) -> Method {
        if self.udp {
            Method::Udp
        } else if self.tcp {
            Method::Tcp
        } else {
            Method::Icmp
        }
    }
}
