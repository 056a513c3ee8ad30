//! A path MTU walk as iputils tracepath prints it (`tracepath`,
//! `tracepath6`, `icmpkit trace --pmtu --format tracepath`): the outgoing
//! link's MTU as ` 1?: [LOCALHOST]  pmtu 1500`, a line per answer with
//! the host in a 52-column field and the round trip as `0.123ms `,
//! `pmtu N` on the line of the router that named a smaller MTU, `asymm N`
//! when a router's answer came back over another number of hops than the
//! probe went, `reached`, tracepath's `!H`, `!N`, `!A`, `!P`, ` N:  no
//! reply`, and `     Resume: pmtu N hops N back N `, trailing spaces
//! included. The verdict of an answer is the errno Linux queues for it
//! ([`icmpkit_proto::trace::Outcome::linux_errno`]), as tracepath reads
//! it from its socket's error queue.
//!
//! What icmpkit finds that tracepath cannot say in its own lines: a black
//! hole (`[black hole]` where tracepath prints `no reply` from there on).

use std::io;
use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Result, bail};
use icmpkit_proto::errno;
use icmpkit_proto::trace::{
    Answer, Outcome, PmtuEvent, PmtuProgress, PmtuStep, PmtuSummary, TraceEnd, TracerEvent,
};

use super::Plan;
use crate::names::Names;

/// tracepath's host column: the name or address, padded to this width.
const HOST_COLUMN: usize = 52;

/// The options that shape tracepath's lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// `-n`: addresses, no names.
    pub numeric: bool,
    /// `-b`: both the name and the address (`name (addr)`, with `-n`
    /// `addr (name)`).
    pub both: bool,
    /// IPv6: tracepath times a local refusal too (its error names the
    /// probe's port, an IPv4 one does not).
    pub v6: bool,
}

/// What a tracepath walk prints: nothing first, each MTU change and hop
/// as it comes, then `Too many hops` when the walk ran out of TTLs, and
/// the `Resume` line.
pub struct TracepathRenderer<'a> {
    style: Style,
    names: Names,
    out: Box<dyn io::Write + 'a>,
    /// The name messages start with (`tracepath: NET ERROR: ...`).
    program: String,
    /// The destination's TTL and the hops its answer came back over, once
    /// it answered.
    reached: Option<(u8, Option<u8>)>,
    /// A line ended the walk (`reached`, `!H`, ...).
    ended: bool,
    /// tracepath's `NET ERROR` for stderr, after the line it ends.
    net_error: Option<String>,
    /// The walk was stopped by a signal.
    interrupted: bool,
}

impl<'a> TracepathRenderer<'a> {
    /// Prints to `out`, errors (`NET ERROR`) as `program` to stderr.
    pub fn new(plan: &Plan, style: Style, program: &str, out: Box<dyn io::Write + 'a>) -> Self {
        // tracepath looks names up for -b even with -n.
        let names = Names::new(style.numeric && !style.both)
            .with_link_scope(plan.link_scope().unwrap_or(0));
        Self {
            style,
            names,
            out,
            program: program.to_owned(),
            reached: None,
            ended: false,
            net_error: None,
            interrupted: false,
        }
    }

    /// Whether the walk was stopped by a signal (Ctrl-C), which ends
    /// tracepath then and there.
    pub fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// Prints one event.
    pub fn event(&mut self, event: TracerEvent<PmtuProgress, PmtuSummary>) -> io::Result<()> {
        let line = match event {
            TracerEvent::Progress(PmtuProgress::Mtu(event)) => Some(self.mtu_line(&event)),
            TracerEvent::Progress(PmtuProgress::Step(step)) => Some(self.step_line(&step)),
            TracerEvent::Finished(end) => self.end_lines(&end),
            TracerEvent::Failed(_) => return Ok(()),
        };
        if let Some(line) = line {
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()?;
        if let Some(error) = self.net_error.take() {
            eprintln!("{}: NET ERROR: {error}", self.program);
        }
        Ok(())
    }

    fn mtu_line(&mut self, event: &PmtuEvent) -> String {
        match *event {
            PmtuEvent::Local { ttl, mtu, after } => {
                let rtt = if self.style.v6 {
                    rtt(after)
                } else {
                    String::new()
                };
                format!("{ttl:2}?: {:<32} {rtt}pmtu {mtu}", "[LOCALHOST]")
            }
            PmtuEvent::TooBig {
                ttl,
                from,
                mtu,
                rtt: time,
            } => format!("{ttl:2}:  {}{}pmtu {mtu}", self.host(from), rtt(time)),
            PmtuEvent::BlackHole { ttl, mtu } => {
                format!("{ttl:2}?: {:<32} pmtu {mtu}", "[black hole]")
            }
        }
    }

    fn step_line(&mut self, step: &PmtuStep) -> String {
        let Some(a) = &step.answer else {
            return format!("{:2}:  no reply", step.ttl);
        };
        let host = self.host(a.from);
        let verdict = self.verdict(step.ttl, a);
        format!("{:2}:  {host}{}{verdict}", step.ttl, rtt(a.rtt))
    }

    /// What follows the round trip: tracepath's reading of the errno the
    /// answer queues.
    fn verdict(&mut self, ttl: u8, a: &Answer) -> String {
        match a.outcome.linux_errno() {
            errno::EHOSTUNREACH if a.outcome == Outcome::Hop => match a.back() {
                Some(back) if back != ttl => format!("asymm {back:2} "),
                _ => String::new(),
            },
            errno::ECONNREFUSED => {
                self.reached = Some((ttl, a.back()));
                self.ended = true;
                "reached".to_owned()
            }
            // A step keeps a Too Big only when the walk can go no
            // smaller: the end, not a hop limit reached.
            errno::EMSGSIZE => {
                self.ended = true;
                match a.outcome {
                    Outcome::Unreachable { mtu, .. } => format!("pmtu {}", mtu.unwrap_or(0)),
                    _ => String::new(),
                }
            }
            other => {
                self.ended = true;
                match other {
                    errno::EPROTO => "!P",
                    errno::EHOSTUNREACH => "!H",
                    errno::ENETUNREACH => "!N",
                    errno::EACCES => "!A",
                    _ => {
                        self.net_error = Some(strerror(other));
                        ""
                    }
                }
                .to_owned()
            }
        }
    }

    fn end_lines(&mut self, end: &TraceEnd<PmtuSummary>) -> Option<String> {
        // Stopped by a signal, tracepath dies without a word.
        if end.stopped {
            self.interrupted = true;
            return None;
        }
        let pmtu = end.summary.pmtu;
        let too_many = if self.ended {
            String::new()
        } else {
            format!("     Too many hops: pmtu {pmtu}\n")
        };
        let (hops, back) = match self.reached {
            Some((hops, back)) => (
                format!("hops {hops} "),
                back.map(|b| format!("back {b} ")).unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        Some(format!("{too_many}     Resume: pmtu {pmtu} {hops}{back}"))
    }

    /// The host field of `addr` ([`host_field`]), its name looked up
    /// unless `-n` alone.
    fn host(&mut self, addr: IpAddr) -> String {
        let numeric = self.names.numeric(addr);
        let name = if self.style.numeric && !self.style.both {
            None
        } else {
            self.names.name(addr)
        };
        host_field(self.style, numeric, name)
    }
}

/// The host field: the name (the address when it has none; the address
/// with `-n`), with `-b` the other in parentheses, padded to tracepath's
/// column, one space after it at least.
fn host_field(style: Style, numeric: String, name: Option<String>) -> String {
    let name = name.unwrap_or_else(|| numeric.clone());
    let mut field = match (style.numeric, style.both) {
        (true, true) => format!("{numeric} ({name})"),
        (false, true) => format!("{name} ({numeric})"),
        (false, false) => name,
        (true, false) => numeric,
    };
    let width = field.len().min(HOST_COLUMN - 1);
    field.push_str(&" ".repeat(HOST_COLUMN - width));
    field
}

/// tracepath's `-l`: the size the walk starts at, IP header included. It
/// must be above the IP and UDP headers (tracepath's words when not) and
/// at most the largest packet of the family (`max_len`, where tracepath's
/// sends fail); below `min_len` it is raised to `min_len`.
pub fn packet_len(len: &str, dst: IpAddr, min_len: usize, max_len: usize) -> Result<usize> {
    let overhead: usize = if dst.is_ipv4() { 28 } else { 48 };
    let value = crate::args::named::integer("-l", len, 0, i32::MAX.unsigned_abs().into())?;
    let value = usize::try_from(value)?;
    if value <= overhead {
        bail!("pktlen must be within: {overhead} < value <= {}", i32::MAX);
    }
    if value > max_len {
        bail!(
            "-l {value}: above the largest IPv{} packet, {max_len} bytes",
            if dst.is_ipv4() { 4 } else { 6 }
        );
    }
    Ok(value.max(min_len))
}

/// A round trip as tracepath prints it: milliseconds, at least three
/// digits wide, and microseconds, truncated; a space after.
fn rtt(rtt: Duration) -> String {
    let micros = rtt.as_micros();
    format!("{:3}.{:03}ms ", micros / 1000, micros % 1000)
}

/// The C library's text of `errno` (`Protocol not available`).
fn strerror(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::Ipv4Addr;

    use icmpkit_proto::trace::Rewrites;
    use icmpkit_wire::IpVersion;

    fn addr(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn answer(from: IpAddr, micros: u64, outcome: Outcome, reply_ttl: u8) -> Answer {
        Answer {
            from,
            rtt: Duration::from_micros(micros),
            outcome,
            reply_ttl: Some(reply_ttl),
            quoted_ttl: None,
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        }
    }

    fn unreachable(msg_type: u8, code: u8, mtu: Option<u32>) -> Outcome {
        Outcome::Unreachable {
            version: IpVersion::V4,
            msg_type,
            code,
            mtu,
        }
    }

    fn step(ttl: u8, answer: Option<Answer>) -> TracerEvent<PmtuProgress, PmtuSummary> {
        TracerEvent::Progress(PmtuProgress::Step(PmtuStep {
            ttl,
            answer,
            size: 1500,
        }))
    }

    fn mtu(event: PmtuEvent) -> TracerEvent<PmtuProgress, PmtuSummary> {
        TracerEvent::Progress(PmtuProgress::Mtu(event))
    }

    fn end(pmtu: usize, stopped: bool) -> TracerEvent<PmtuProgress, PmtuSummary> {
        TracerEvent::Finished(TraceEnd {
            summary: PmtuSummary {
                pmtu,
                falls_before_ttl: None,
                hops: 2,
                probes_sent: 3,
            },
            reached: false,
            ignored: 0,
            stopped,
        })
    }

    /// What `events` print with `style`.
    fn render(style: Style, events: Vec<TracerEvent<PmtuProgress, PmtuSummary>>) -> String {
        let plan = crate::trace::tests::plan("--pmtu 192.0.2.9");
        let mut out = Vec::new();
        {
            let mut r = TracepathRenderer::new(&plan, style, "tracepath", Box::new(&mut out));
            for event in events {
                r.event(event).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    const NUMERIC: Style = Style {
        numeric: true,
        both: false,
        v6: false,
    };

    #[test]
    fn a_walk_prints_as_tracepath_prints_it() {
        let out = render(
            NUMERIC,
            vec![
                mtu(PmtuEvent::Local {
                    ttl: 1,
                    mtu: 1500,
                    after: Duration::ZERO,
                }),
                step(1, Some(answer(addr(11), 48, Outcome::Hop, 64))),
                step(1, Some(answer(addr(11), 4, Outcome::Hop, 64))),
                mtu(PmtuEvent::TooBig {
                    ttl: 2,
                    from: addr(11),
                    mtu: 1400,
                    rtt: Duration::from_micros(9),
                }),
                step(2, Some(answer(addr(11), 1_234_567, Outcome::Hop, 62))),
                step(3, None),
                step(4, Some(answer(addr(9), 13, Outcome::Reached, 61))),
                end(1400, false),
            ],
        );
        let pad = |host: &str| format!("{host}{}", " ".repeat(52 - host.len()));
        let expected = [
            " 1?: [LOCALHOST]                      pmtu 1500".to_owned(),
            format!(" 1:  {}  0.048ms ", pad("192.0.2.11")),
            format!(" 1:  {}  0.004ms ", pad("192.0.2.11")),
            format!(" 2:  {}  0.009ms pmtu 1400", pad("192.0.2.11")),
            format!(" 2:  {}1234.567ms asymm  3 ", pad("192.0.2.11")),
            " 3:  no reply".to_owned(),
            format!(" 4:  {}  0.013ms reached", pad("192.0.2.9")),
            "     Resume: pmtu 1400 hops 4 back 4 ".to_owned(),
        ];
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn ends_without_the_destination() {
        let v6 = Style {
            v6: true,
            ..NUMERIC
        };
        let out = render(
            v6,
            vec![
                mtu(PmtuEvent::Local {
                    ttl: 1,
                    mtu: 1500,
                    after: Duration::from_micros(22),
                }),
                step(1, Some(answer(addr(11), 48, Outcome::Hop, 64))),
                end(1500, false),
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            " 1?: [LOCALHOST]                        0.022ms pmtu 1500"
        );
        assert_eq!(
            lines[2..],
            ["     Too many hops: pmtu 1500", "     Resume: pmtu 1500 "]
        );
        // A final error: its mark, no `Too many hops`, no hop count.
        for (outcome, mark) in [
            (unreachable(3, 1, None), "!H"),
            (unreachable(3, 13, None), "!H"),
            (unreachable(3, 0, None), "!N"),
            (unreachable(12, 0, None), "!P"),
            (unreachable(3, 2, None), ""),
        ] {
            let out = render(
                NUMERIC,
                vec![
                    step(1, Some(answer(addr(11), 5, outcome, 64))),
                    end(1500, false),
                ],
            );
            assert_eq!(
                out,
                format!(
                    " 1:  192.0.2.11{}  0.005ms {mark}\n     Resume: pmtu 1500 \n",
                    " ".repeat(42)
                )
            );
        }
        // Interrupted: nothing more.
        assert_eq!(render(NUMERIC, vec![end(1500, true)]), "");
    }

    #[test]
    fn host_fields_fill_tracepath_s_column() {
        let field = |numeric, both, name: Option<&str>| {
            let style = Style {
                numeric,
                both,
                v6: false,
            };
            host_field(style, "192.0.2.11".to_owned(), name.map(str::to_owned))
        };
        let padded = |text: &str| format!("{text}{}", " ".repeat(52 - text.len()));
        assert_eq!(field(true, false, None), padded("192.0.2.11"));
        assert_eq!(field(false, false, Some("r1")), padded("r1"));
        assert_eq!(field(false, false, None), padded("192.0.2.11"));
        assert_eq!(field(false, true, Some("r1")), padded("r1 (192.0.2.11)"));
        assert_eq!(field(true, true, Some("r1")), padded("192.0.2.11 (r1)"));
        assert_eq!(field(true, true, None), padded("192.0.2.11 (192.0.2.11)"));
        // Too long for the column: one space after it.
        let long = "a".repeat(60);
        assert_eq!(field(false, false, Some(&long)), format!("{long} "));
        assert_eq!(rtt(Duration::from_nanos(999_999)), "  0.999ms ");
        assert_eq!(strerror(errno::ENOPROTOOPT), "Protocol not available");
    }

    #[test]
    fn packet_lengths_as_tracepath_takes_them() {
        let v4 = addr(9);
        assert_eq!(packet_len("1400", v4, 30, 65_535).unwrap(), 1400);
        assert_eq!(packet_len("29", v4, 30, 65_535).unwrap(), 30);
        assert_eq!(
            packet_len("28", v4, 30, 65_535).unwrap_err().to_string(),
            "pktlen must be within: 28 < value <= 2147483647"
        );
        let v6: IpAddr = "2001:db8::9".parse().unwrap();
        assert!(
            packet_len("48", v6, 50, 65_575)
                .unwrap_err()
                .to_string()
                .contains("48 <")
        );
        assert!(packet_len("70000", v4, 30, 65_535).is_err());
    }
}
