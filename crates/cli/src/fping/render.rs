//! fping's output of a run, from the events of
//! [`icmpkit_proto::multi::MultiPing`]: what goes to stdout and what to
//! stderr, in fping 5's order.
//!
//! - stdout: `NAME is alive` (or `NAME` with -a, ` (0.12 ms)` after it
//!   with -e) as each target first answers; per-probe lines in count and
//!   loop modes (`[1733000000.12345] ` before them with -D); at the end,
//!   `NAME is unreachable` (or `NAME` with -u) in target order; -x's
//!   verdict.
//! - stderr: ICMPv4 errors (fping recognises no ICMPv6 error) and name
//!   errors (not with -q), ` [<- ADDR]` for
//!   a reply from another address than the target's (fping 5.1 writes it
//!   there, after the stdout line's text and before its newline), the
//!   per-target statistics of count and loop modes (`-C`: every RTT), the
//!   interval splits (SIGQUIT, -Q) and -s's statistics.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use icmpkit_proto::multi::{MultiEvent, MultiPing, Tally, Totals};

use super::args::{Mode, Options};
use super::targets::Target;
use crate::ping::multi::fping::{
    error_line, fping_ms, reply_line, summary_line_with_outage, timeout_line, unverified_line,
};

/// Renders a run's events as fping does.
pub struct Render<'a, O: Write, E: Write> {
    /// The options.
    pub options: &'a Options,
    /// The targets, by index.
    pub targets: &'a [Target],
    /// stdout.
    pub out: O,
    /// stderr.
    pub err: E,
    /// The longest name (fping pads per-probe and summary lines to it).
    pub width: usize,
    /// The summaries have begun.
    pub summing_up: bool,
    /// ICMPv6 errors about our probes (fping shows none).
    pub icmpv6_errors: u64,
}

/// fping's `-D` stamp: `[1733000000.12345] `.
fn stamp(at: SystemTime) -> String {
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("[{:.5}] ", d.as_secs_f64())
}

/// fping's split header: `[HH:MM:SS]` of local time.
fn clock(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let local = i64::try_from(since).unwrap_or(0) + i64::from(icmpkit_net::utc_offset(at));
    let of_day = local.rem_euclid(86_400);
    format!(
        "[{:02}:{:02}:{:02}]",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// `NAME : 0.10 0.12 -`: fping `-C`'s line, a `-` for each probe
/// unanswered.
pub fn rtts_line(name: &str, width: usize, rtts: &[Option<Duration>]) -> String {
    let mut line = format!("{name:<width$} :");
    for rtt in rtts {
        line.push(' ');
        match rtt {
            Some(d) => line.push_str(&fping_ms(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))),
            None => line.push('-'),
        }
    }
    line
}

/// fping `-s`'s statistics block, every line as fping prints it.
pub fn stats_block(
    targets: u64,
    alive: u64,
    not_found: u64,
    totals: &Totals,
    elapsed: Duration,
) -> String {
    let rtt = &totals.rtt;
    let (min, avg, max) = match rtt.avg_ns() {
        Some(avg) => (rtt.min_ns, avg, rtt.max_ns),
        None => (0, 0, 0),
    };
    format!(
        "\n {targets:7} targets\n {alive:7} alive\n {:7} unreachable\n {not_found:7} unknown addresses\n\
         \n {:7} timeouts (waiting for response)\n {:7} ICMP Echos sent\n \
         {:7} ICMP Echo Replies received\n {:7} other ICMP received\n\
         \n {} ms (min round trip time)\n {} ms (avg round trip time)\n \
         {} ms (max round trip time)\n {:12.3} sec (elapsed real time)\n\n",
        targets - alive,
        totals.timeouts,
        totals.sent,
        totals.replies,
        totals.errors,
        fping_ms(min),
        fping_ms(avg),
        fping_ms(max),
        elapsed.as_secs_f64(),
    )
}

impl<O: Write, E: Write> Render<'_, O, E> {
    /// Renders `event`.
    pub fn event(&mut self, machine: &MultiPing, event: MultiEvent) -> io::Result<()> {
        let o = self.options;
        match event {
            MultiEvent::Reply(r) => {
                let name = &self.targets[r.target].name;
                let other = (r.from != self.targets[r.target].addr).then_some(r.from);
                let rtt_ns = u64::try_from(r.rtt.as_nanos()).unwrap_or(u64::MAX);
                if r.duplicate {
                    if !o.per_probe {
                        write!(
                            self.err,
                            "{name} : duplicate for [{}], {} bytes, {} ms",
                            r.number - 1,
                            r.bytes,
                            fping_ms(rtt_ns)
                        )?;
                        self.sender(other, true)?;
                    }
                    return Ok(());
                }
                if r.tally.received == 1 && (o.verbose || o.alive) {
                    write!(self.out, "{name}")?;
                    if o.verbose {
                        write!(self.out, " is alive")?;
                    }
                    if o.elapsed {
                        write!(self.out, " ({} ms)", fping_ms(rtt_ns))?;
                    }
                    self.sender(other, false)?;
                }
                if o.per_probe {
                    let line = reply_line(
                        name,
                        self.width,
                        r.number - 1,
                        r.bytes,
                        rtt_ns,
                        &r.tally,
                        None,
                    );
                    write!(self.out, "{}{line}", self.prefix())?;
                    self.sender(other, false)?;
                }
            }
            MultiEvent::Unverified(u) => {
                if !o.quiet {
                    let name = &self.targets[u.target].name;
                    self.out.flush()?;
                    writeln!(self.err, "{}", unverified_line(u.from, name, u.bytes))?;
                }
            }
            MultiEvent::Timeout {
                target,
                number,
                tally,
                ..
            } => {
                if o.per_probe {
                    let line =
                        timeout_line(&self.targets[target].name, self.width, number - 1, &tally);
                    writeln!(self.out, "{}{line}", self.prefix())?;
                }
            }
            // fping 5 reads the quoted probe of an ICMPv6 error at an
            // IPv4 header's offset, so it never recognises one: it prints
            // none and counts none in -s.
            MultiEvent::Error(e) if e.version == icmpkit_wire::IpVersion::V6 => {
                self.icmpv6_errors += 1;
            }
            MultiEvent::Error(e) => {
                if !o.quiet {
                    let name = &self.targets[e.target].name;
                    self.out.flush()?;
                    let line =
                        error_line(e.version, e.icmp_type, e.icmp_code, e.info, e.from, name);
                    writeln!(self.err, "{line}")?;
                }
            }
            MultiEvent::LocalError {
                target,
                version,
                errno,
                info,
            } => {
                // fping reports a refused send only in its default mode.
                if o.verbose {
                    let name = target.map_or("?", |t| self.targets[t].name.as_str());
                    let error = crate::ping::iputils::local_send_error(version, errno, info, |e| {
                        super::strerror(&e)
                    });
                    writeln!(self.err, "{name}: error while sending ping: {error}")?;
                }
            }
            MultiEvent::SendFailed { target, errno } => {
                if o.verbose {
                    let e = io::Error::from_raw_os_error(errno);
                    let name = &self.targets[target].name;
                    writeln!(
                        self.err,
                        "{name}: error while sending ping: {}",
                        super::strerror(&e)
                    )?;
                }
            }
            MultiEvent::Status => self.splits(machine)?,
            MultiEvent::Summary { target, tally } => self.summary(machine, target, &tally)?,
        }
        Ok(())
    }

    /// `-D`'s stamp, or nothing.
    fn prefix(&self) -> String {
        if self.options.timestamps {
            stamp(SystemTime::now())
        } else {
            String::new()
        }
    }

    /// Ends a stdout line, with ` [<- ADDR]` on stderr before the newline
    /// when another address sent the reply (fping 5.1's streams); `on_err`
    /// ends a stderr line instead.
    fn sender(&mut self, other: Option<IpAddr>, on_err: bool) -> io::Result<()> {
        if let Some(from) = other {
            self.out.flush()?;
            write!(self.err, " [<- {from}]")?;
            self.err.flush()?;
        }
        if on_err {
            writeln!(self.err)
        } else {
            writeln!(self.out)
        }
    }

    /// The outage period of -o.
    fn outage(&self) -> Option<Duration> {
        self.options.outage.then_some(self.options.period)
    }

    /// SIGQUIT and -Q: each target's tally over the interval, after the
    /// local time.
    fn splits(&mut self, machine: &MultiPing) -> io::Result<()> {
        self.out.flush()?;
        if self.options.verbose || self.options.per_probe {
            writeln!(self.err)?;
        }
        writeln!(self.err, "{}", clock(SystemTime::now()))?;
        for (i, t) in self.targets.iter().enumerate() {
            let line =
                summary_line_with_outage(&t.name, self.width, machine.split(i), self.outage());
            writeln!(self.err, "{line}")?;
        }
        self.err.flush()
    }

    /// The end of one target: `NAME is unreachable` (or `NAME` with -u)
    /// on stdout, and in count and loop modes its statistics on stderr.
    fn summary(&mut self, machine: &MultiPing, target: usize, tally: &Tally) -> io::Result<()> {
        let o = self.options;
        let name = &self.targets[target].name;
        if tally.received == 0 && (o.verbose || o.unreach) {
            write!(self.out, "{name}")?;
            if o.verbose {
                write!(self.out, " is unreachable")?;
            }
            writeln!(self.out)?;
        }
        if o.mode == Mode::Default {
            return Ok(());
        }
        self.out.flush()?;
        if !std::mem::replace(&mut self.summing_up, true) && (o.verbose || o.per_probe) {
            writeln!(self.err)?;
        }
        let line = match o.mode {
            Mode::Count {
                per_probe_rtts: true,
                ..
            } => rtts_line(name, self.width, machine.rtts(target)),
            _ => summary_line_with_outage(name, self.width, tally, self.outage()),
        };
        writeln!(self.err, "{line}")
    }

    /// After the run: -s's statistics on stderr.
    pub fn stats(
        &mut self,
        machine: &MultiPing,
        not_found: u64,
        alive: u64,
        elapsed: Duration,
    ) -> io::Result<()> {
        self.out.flush()?;
        let block = stats_block(
            self.targets.len() as u64,
            alive,
            not_found,
            &Totals {
                errors: machine.totals().errors.saturating_sub(self.icmpv6_errors),
                ..machine.totals()
            },
            elapsed,
        );
        self.err.write_all(block.as_bytes())?;
        self.err.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_upper_lines_show_a_dash_for_each_lost_probe() {
        let ms = |n: u64| Some(Duration::from_micros(n));
        assert_eq!(
            rtts_line("10.0.0.1", 10, &[ms(55), ms(75), None]),
            "10.0.0.1   : 0.055 0.075 -"
        );
        assert_eq!(rtts_line("a", 1, &[None, None]), "a : - -");
        assert_eq!(rtts_line("a", 1, &[]), "a :");
    }

    #[test]
    fn timestamps_have_five_decimals() {
        let at = UNIX_EPOCH + Duration::from_micros(1_796_424_524_483_771);
        assert_eq!(stamp(at), "[1796424524.48377] ");
    }

    #[test]
    fn the_stats_block_is_fpings() {
        let mut totals = Totals {
            sent: 5,
            replies: 1,
            timeouts: 4,
            errors: 0,
            ..Totals::default()
        };
        totals.rtt.record(52_000);
        let block = stats_block(2, 1, 0, &totals, Duration::from_millis(4077));
        assert_eq!(
            block,
            "\n       2 targets\n       1 alive\n       1 unreachable\n       0 unknown addresses\n\
             \n       4 timeouts (waiting for response)\n       5 ICMP Echos sent\n       \
             1 ICMP Echo Replies received\n       0 other ICMP received\n\
             \n 0.052 ms (min round trip time)\n 0.052 ms (avg round trip time)\n \
             0.052 ms (max round trip time)\n        4.077 sec (elapsed real time)\n\n"
        );
        let none = stats_block(1, 0, 1, &Totals::default(), Duration::ZERO);
        assert!(none.contains(" 0.000 ms (avg round trip time)\n"), "{none}");
    }
}
