//! `icmpkit fping`'s options: fping 5's letters, long names and meanings
//! ([`Args`]), checked and turned into a run's [`Options`] with fping's
//! defaults, its limits and its messages.

use std::time::Duration;

use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_wire::IpVersion;

use crate::args::values;

use super::Failure;

/// fping's default data bytes per probe.
pub const DEFAULT_SIZE: usize = 56;
/// fping's largest data size: 65536 less 40 bytes of IP header and 8 of
/// ICMP (`MAX_PING_DATA`).
pub const MAX_SIZE: u64 = 65_488;
/// fping's first wait for a reply outside count and loop modes (`-t`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
/// In count and loop modes the wait is the period, at most this (fping's
/// `AUTOTUNE_TIMEOUT_MAX`).
pub const AUTOTUNE_TIMEOUT_MAX: Duration = Duration::from_secs(2);
/// fping's default resends (`-r`).
pub const DEFAULT_RETRIES: u32 = 3;
/// fping's default backoff factor, in thousandths (`-B 1.5`).
pub const DEFAULT_BACKOFF_MILLI: u32 = 1500;
/// fping's default interval between any two probes (`-i`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);
/// fping's default period between a target's probes (`-p`).
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(1);

/// Arguments of `icmpkit fping`: fping 5's options, same letters and
/// meanings.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "fping",
    about = "Ping many hosts at once, as fping does: alive and unreachable lists, \
             per-target statistics, loops.",
    disable_version_flag = true,
    after_help = "Examples:\n  fping -a -g 192.0.2.0/28\n  fping -C 5 -q host1 host2\n  \
                  fping -l -D -p 500 host\n  fping -s < targets.txt\n\n\
                  Exit status: 0 every target alive, 1 some unreachable (also for a bad \
                  option given to a link named fping, as fping 5 exits; `icmpkit fping` \
                  refuses one with 2, as every icmpkit subcommand), 2 a name not found, \
                  4 a system call failed."
)]
#[allow(clippy::struct_excessive_bools)] // one per fping flag
pub struct Args {
    /// Only ping IPv4 addresses.
    #[arg(short = '4', long = "ipv4")]
    pub ipv4: bool,
    /// Only ping IPv6 addresses.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Show targets that are alive.
    #[arg(short = 'a', long)]
    pub alive: bool,
    /// Show targets by address.
    #[arg(short = 'A', long)]
    pub addr: bool,
    /// Amount of ping data to send, in bytes (default: 56).
    #[arg(short = 'b', long, value_name = "BYTES", allow_hyphen_values = true)]
    pub size: Option<String>,
    /// Exponential backoff factor of the waits of resends (default: 1.5).
    #[arg(short = 'B', long, value_name = "N", allow_hyphen_values = true)]
    pub backoff: Option<String>,
    /// Count mode: send N pings to each target.
    #[arg(short = 'c', long, value_name = "N", allow_hyphen_values = true)]
    pub count: Option<String>,
    /// Same as -c, report every RTT per target (smokeping's format).
    #[arg(short = 'C', long, value_name = "N", allow_hyphen_values = true)]
    pub vcount: Option<String>,
    /// Show targets by name, forcing a reverse lookup.
    #[arg(short = 'd', long)]
    pub rdns: bool,
    /// Print a Unix timestamp before each per-probe line (-c, -C, -l).
    #[arg(short = 'D', long)]
    pub timestamp: bool,
    /// Show the round-trip time of the reply that made a target alive.
    #[arg(short = 'e', long)]
    pub elapsed: bool,
    /// Read the targets from FILE (`-` for standard input).
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<String>,
    /// Generate the targets: START END, or one CIDR prefix (IPv4).
    #[arg(short = 'g', long)]
    pub generate: bool,
    /// IP time to live of the probes.
    #[arg(short = 'H', long, value_name = "N", allow_hyphen_values = true)]
    pub ttl: Option<String>,
    /// Interval between any two probes, in ms (default: 10).
    #[arg(short = 'i', long, value_name = "MSEC", allow_hyphen_values = true)]
    pub interval: Option<String>,
    /// Bind to this interface.
    #[arg(short = 'I', long, value_name = "IFACE")]
    pub iface: Option<String>,
    /// Loop mode: send pings forever (until Ctrl-C).
    #[arg(short = 'l', long = "loop")]
    pub loop_mode: bool,
    /// Ping every address of a name (use with -A).
    #[arg(short = 'm', long)]
    pub all: bool,
    /// Set the Don't Fragment flag.
    #[arg(short = 'M', long)]
    pub dontfrag: bool,
    /// Show targets by name: a reverse lookup for targets given as addresses.
    #[arg(short = 'n', long)]
    pub name: bool,
    /// Output for netdata (not supported).
    #[arg(short = 'N', long)]
    pub netdata: bool,
    /// Show the accumulated outage time (lost pings times the period).
    #[arg(short = 'o', long)]
    pub outage: bool,
    /// Type of service byte (decimal or 0x hex).
    #[arg(short = 'O', long, value_name = "N")]
    pub tos: Option<String>,
    /// Between a target's probes in count and loop modes, in ms (default: 1000).
    #[arg(short = 'p', long, value_name = "MSEC", allow_hyphen_values = true)]
    pub period: Option<String>,
    /// Quiet: no per-probe lines and no ICMP errors, only summaries.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Like -q, plus an interval summary every SECS seconds (-c, -C, -l).
    #[arg(short = 'Q', long, value_name = "SECS", allow_hyphen_values = true)]
    pub squiet: Option<String>,
    /// Resends of an unanswered probe (default: 3; none with -c, -C, -l).
    #[arg(short = 'r', long, value_name = "N", allow_hyphen_values = true)]
    pub retry: Option<String>,
    /// Random packet data (to foil link data compression).
    #[arg(short = 'R', long)]
    pub random: bool,
    /// Print the cumulative statistics on exit.
    #[arg(short = 's', long)]
    pub stats: bool,
    /// Source address.
    #[arg(short = 'S', long, value_name = "IP")]
    pub src: Option<String>,
    /// First wait for a reply, in ms (default: 500; with -c, -C, -l the
    /// period up to 2000).
    #[arg(short = 't', long, value_name = "MSEC", allow_hyphen_values = true)]
    pub timeout: Option<String>,
    /// Ignored (fping 2.4's select timeout).
    #[arg(short = 'T', value_name = "N")]
    pub select_timeout: Option<String>,
    /// Show targets that are unreachable.
    #[arg(short = 'u', long)]
    pub unreach: bool,
    /// Show the version.
    #[arg(short = 'v', long)]
    pub version: bool,
    /// Exit 0 when at least N targets are reachable.
    #[arg(short = 'x', long, value_name = "N", allow_hyphen_values = true)]
    pub reachable: Option<String>,
    /// Socket kind: raw (needs `CAP_NET_RAW`), dgram (ping sockets), or auto.
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub socket: String,
    /// Targets: names or addresses (with -g: START END, or ADDR/LEN).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
}

/// Which targets are shown by the name a reverse lookup gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// As given (fping's default).
    AsGiven,
    /// `-n`: targets given as addresses.
    ForAddresses,
    /// `-d`: every target.
    Always,
}

/// How a run goes: fping's three modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One probe per target, resent on timeout: alive or unreachable.
    Default,
    /// `-c N` (or `-C N` with `per_probe_rtts`): N probes per target.
    Count {
        /// Probes per target.
        count: u64,
        /// `-C`: every RTT in the summary.
        per_probe_rtts: bool,
    },
    /// `-l`: until interrupted.
    Loop,
}

/// The options of a run, checked, with fping's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::struct_excessive_bools)] // one per fping flag
pub struct Options {
    /// The mode.
    pub mode: Mode,
    /// -4 / -6.
    pub family: Option<IpVersion>,
    /// Print each target's line as it becomes alive (`NAME is alive`):
    /// fping's default mode without -a, -u, -x or -q.
    pub verbose: bool,
    /// -a.
    pub alive: bool,
    /// -u.
    pub unreach: bool,
    /// A line per reply and timeout (count and loop modes).
    pub per_probe: bool,
    /// -q / -Q: no ICMP errors, warnings or name errors.
    pub quiet: bool,
    /// -A.
    pub by_address: bool,
    /// -n / -d.
    pub names: Names,
    /// -m: every address of a name.
    pub every_address: bool,
    /// -R: random data (else fping's zeros).
    pub random_data: bool,
    /// -D.
    pub timestamps: bool,
    /// -e.
    pub elapsed: bool,
    /// -o.
    pub outage: bool,
    /// -s.
    pub stats: bool,
    /// -x N.
    pub min_reachable: Option<u64>,
    /// -Q SECS, in count and loop modes.
    pub report_every: Option<Duration>,
    /// -b.
    pub size: usize,
    /// -t (or the autotuned wait).
    pub timeout: Duration,
    /// -r (none in count and loop modes).
    pub retries: u32,
    /// -B, in thousandths (1000 in loop mode, where fping has none).
    pub backoff_milli: u32,
    /// -i.
    pub interval: Duration,
    /// -p.
    pub period: Duration,
    /// -H.
    pub ttl: Option<u8>,
    /// -O.
    pub tos: Option<u8>,
    /// -M.
    pub pmtu: Option<PmtuMode>,
    /// -I.
    pub device: Option<String>,
    /// -S.
    pub source: Option<std::net::IpAddr>,
    /// --socket.
    pub socket: SocketChoice,
}

/// A bad value: fping's usage error (exit 1) naming the option and the fix.
fn bad(option: char, value: &str, fix: &str) -> Failure {
    Failure::Usage(format!("-{option} {value}: {fix}"))
}

/// A whole number of at least `min` (fping reads these with `atoi`/`%u`;
/// here anything else is refused, with the fix).
fn whole(option: char, value: &str, min: u64) -> Result<u64, Failure> {
    match values::integer(value, min, u64::from(u32::MAX)) {
        Ok(n) => Ok(n),
        Err(_) => Err(bad(
            option,
            value,
            &format!("give a whole number, {min} or more"),
        )),
    }
}

/// Milliseconds, as fping's `%f` options take them (0 or more).
fn millis(option: char, value: &str) -> Result<Duration, Failure> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|ms| ms.is_finite() && (0.0..=2_147_483_647.0).contains(ms))
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .ok_or_else(|| bad(option, value, "give milliseconds, 0 or more, e.g. 500"))
}

/// fping's refusal of an option this implementation does not have.
fn unsupported(option: &str, what: &str) -> Failure {
    Failure::Usage(format!(
        "{option} ({what}) is not supported by icmpkit fping: leave it out"
    ))
}

impl Args {
    /// Checks the options as fping does, in its order, and fills in its
    /// defaults.
    pub fn options(&self) -> Result<Options, Failure> {
        if self.rdns && self.name {
            return Err(Failure::Refused("use either one of -d or -n".into()));
        }
        for (given, option, what) in [(self.netdata, "-N", "netdata output")] {
            if given {
                return Err(unsupported(option, what));
            }
        }
        if self.ipv4 && self.ipv6 {
            return Err(Failure::Refused("can't specify both -4 and -6".into()));
        }
        let family = match (self.ipv4, self.ipv6) {
            (true, _) => Some(IpVersion::V4),
            (_, true) => Some(IpVersion::V6),
            _ => None,
        };
        let timeout = self
            .timeout
            .as_deref()
            .map(|t| millis('t', t))
            .transpose()?;
        let retries = match self.retry.as_deref() {
            Some(r) => u32::try_from(whole('r', r, 0)?).unwrap_or(u32::MAX),
            None => DEFAULT_RETRIES,
        };
        let interval = self
            .interval
            .as_deref()
            .map(|i| millis('i', i))
            .transpose()?
            .unwrap_or(DEFAULT_INTERVAL);
        let period = self
            .period
            .as_deref()
            .map(|p| millis('p', p))
            .transpose()?
            .unwrap_or(DEFAULT_PERIOD);
        let count = self
            .count
            .as_deref()
            .map(|c| whole('c', c, 1))
            .transpose()?;
        let vcount = self
            .vcount
            .as_deref()
            .map(|c| whole('C', c, 1))
            .transpose()?;
        let size = match self.size.as_deref() {
            Some(b) => whole('b', b, 0)?,
            None => DEFAULT_SIZE as u64,
        };
        let report_every = self
            .squiet
            .as_deref()
            .map(|q| {
                values::seconds(q)
                    .filter(|s| *s <= 2_147_483.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| bad('Q', q, "give seconds, 0 or more, e.g. 10"))
            })
            .transpose()?
            .filter(|d| !d.is_zero());
        let backoff_milli = match self.backoff.as_deref() {
            None => DEFAULT_BACKOFF_MILLI,
            Some(b) => {
                let factor = b
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f != 0.0)
                    .ok_or_else(|| bad('B', b, "give a factor such as 1.5"))?;
                if !(1.0..=5.0).contains(&factor) {
                    return Err(Failure::Refused(format!(
                        "backoff factor {factor:.1} not valid, must be between 1.0 and 5.0"
                    )));
                }
                // 1.0..=5.0 times 1000: an exact u32.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let milli = (factor * 1000.0).round() as u32;
                milli
            }
        };
        let ttl = match self.ttl.as_deref() {
            None => None,
            Some(h) => {
                let n = whole('H', h, 1)?;
                if n > 255 {
                    return Err(Failure::Refused(format!("ttl {n} out of range")));
                }
                u8::try_from(n).ok()
            }
        };
        let tos = self
            .tos
            .as_deref()
            .map(|o| values::tos(o).map_err(|_| bad('O', o, "give 0 to 255, decimal or 0x hex")))
            .transpose()?;
        let source = self
            .src
            .as_deref()
            .map(|s| {
                s.parse()
                    .map_err(|_| Failure::Refused(format!("can't parse source address: {s}")))
            })
            .transpose()?;
        let min_reachable = self
            .reachable
            .as_deref()
            .map(|x| whole('x', x, 1))
            .transpose()?;
        let socket = match self.socket.as_str() {
            "auto" => SocketChoice::Auto,
            "raw" => SocketChoice::Raw,
            "dgram" => SocketChoice::Dgram,
            other => {
                return Err(Failure::Usage(format!(
                    "--socket {other}: expected raw, dgram or auto"
                )));
            }
        };
        if self.alive && self.unreach {
            return Err(Failure::Refused("specify only one of a, u".into()));
        }
        let counted = count.or(vcount);
        if counted.is_some() && self.loop_mode {
            return Err(Failure::Refused("specify only one of c, l".into()));
        }
        if size > MAX_SIZE {
            return Err(Failure::Refused(format!(
                "data size {size} not valid, must be lower than {MAX_SIZE}"
            )));
        }
        let mode = match (counted, self.loop_mode) {
            (Some(count), _) => Mode::Count {
                count,
                // -C wins over -c whichever comes first, as in fping when
                // -C is given at all.
                per_probe_rtts: vcount.is_some(),
            },
            (None, true) => Mode::Loop,
            (None, false) => Mode::Default,
        };
        let quiet = self.quiet || self.squiet.is_some();
        let mut verbose = !(quiet || self.alive || self.unreach || min_reachable.is_some());
        let (mut alive, mut unreach, mut per_probe) = (self.alive, self.unreach, false);
        match mode {
            Mode::Count { .. } => {
                per_probe = verbose;
                (alive, unreach, verbose) = (false, false, false);
            }
            Mode::Loop => {
                // fping prints each probe in a loop even with -q; only -Q
                // silences it.
                per_probe = self.squiet.is_none();
                (alive, unreach, verbose) = (false, false, false);
            }
            Mode::Default => {}
        }
        let timeout = match (timeout, mode) {
            (Some(t), _) => t,
            (None, Mode::Default) => DEFAULT_TIMEOUT,
            (None, _) => period.min(AUTOTUNE_TIMEOUT_MAX),
        };
        Ok(Options {
            mode,
            family,
            verbose,
            alive,
            unreach,
            per_probe,
            quiet,
            by_address: self.addr,
            every_address: self.all,
            random_data: self.random,
            names: match (self.name, self.rdns) {
                (true, _) => Names::ForAddresses,
                (_, true) => Names::Always,
                _ => Names::AsGiven,
            },
            timestamps: self.timestamp,
            elapsed: self.elapsed,
            outage: self.outage,
            stats: self.stats,
            min_reachable,
            report_every: report_every.filter(|_| mode != Mode::Default),
            size: usize::try_from(size).unwrap_or(DEFAULT_SIZE),
            timeout,
            retries: if mode == Mode::Default { retries } else { 0 },
            backoff_milli: if mode == Mode::Loop {
                1000
            } else {
                backoff_milli
            },
            interval,
            period,
            ttl,
            tos,
            pmtu: self.dontfrag.then_some(PmtuMode::Do),
            device: self.iface.clone(),
            source,
            socket,
        })
    }
}

impl Options {
    /// Probes per second across all targets for the interval: fping
    /// spaces any two probes by `-i`; the machine's pace is a rate, so
    /// the interval's inverse, rounded (0 ms: as fast as the machine's
    /// largest rate).
    pub fn rate(&self) -> u32 {
        let ns = self.interval.as_nanos();
        if ns == 0 {
            return u32::MAX;
        }
        let rate = (1_000_000_000 + ns / 2) / ns;
        u32::try_from(rate.max(1)).unwrap_or(u32::MAX)
    }

    /// Probes per target.
    pub fn count(&self) -> u64 {
        match self.mode {
            Mode::Default => 1,
            Mode::Count { count, .. } => count,
            Mode::Loop => u64::MAX,
        }
    }
}

#[cfg(test)]
mod tests;
