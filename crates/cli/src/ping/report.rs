//! What a ping run shows: iputils' text or JSON lines, behind one trait so
//! the run loop says what happened once.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use icmpkit_proto::stats::Statistics;
use icmpkit_wire::IpVersion;
use serde_json::{Value, json};

use super::ip_options::{self, RouteMemory};
use super::{iputils, node_info};
use crate::json_lines::JsonLines;
use crate::names::Names;

/// A reply as the reporters need it.
pub struct Reply<'a> {
    /// The target as the user named it.
    pub target: &'a str,
    /// The sender's address.
    pub from: IpAddr,
    /// Sequence number.
    pub seq: u16,
    /// Identifier, shown with -v.
    pub ident: u16,
    /// ICMP bytes received.
    pub bytes: usize,
    /// TTL or hop limit.
    pub ttl: Option<u8>,
    /// Round-trip time in microseconds, when measurable.
    pub rtt_micros: Option<u64>,
    /// A duplicate.
    pub duplicate: bool,
    /// Shorter than sent.
    pub truncated: bool,
    /// Sent by another address than the target's (fping's `[<- ADDR]`).
    pub other_sender: bool,
    /// The IPv4 options it came with (`-R`, `-T`), empty otherwise.
    pub ip_options: &'a [u8],
}

/// An Echo Reply with our identifier and a probe's sequence number but
/// without the nonce the probe carried: no answer, never counted.
pub struct Unverified<'a> {
    /// The target as the user named it.
    pub target: &'a str,
    /// The sender's address (as the packet claims it).
    pub from: IpAddr,
    /// Sequence number.
    pub seq: u16,
    /// Identifier.
    pub ident: u16,
    /// ICMP bytes received.
    pub bytes: usize,
    /// TTL or hop limit.
    pub ttl: Option<u8>,
}

/// An ICMP error about one of our probes.
pub struct ErrorReport<'a> {
    /// The target as the user named it.
    pub target: &'a str,
    /// The sender's address.
    pub from: IpAddr,
    /// The quoted probe's sequence number.
    pub seq: u16,
    /// Family of the error.
    pub version: IpVersion,
    /// ICMP type.
    pub icmp_type: u8,
    /// ICMP code.
    pub icmp_code: u8,
    /// MTU, pointer or gateway, by type.
    pub info: u32,
    /// Counted among the errors (see `icmpkit_proto::ping::ErrorEvent`):
    /// iputils words an uncounted one `From X: icmp_seq=N ...` and prints
    /// nothing for it in flood mode.
    pub counted: bool,
}

/// The end of a run for one target.
pub struct End<'a> {
    /// The target as named.
    pub target: &'a str,
    /// Its address.
    pub addr: IpAddr,
    /// The counters and RTTs.
    pub stats: &'a Statistics,
    /// iputils' `time` (first to last send), ms.
    pub time_ms: u64,
    /// Inter-packet gap (µs) when iputils shows it.
    pub ipg_micros: Option<u64>,
    /// Replies without their probe's nonce, in none of `stats`.
    pub unverified: u64,
}

/// Where the events of a run go.
pub trait Reporter {
    /// The run starts.
    fn start(&mut self, header: &str) -> io::Result<()>;
    /// A probe was sent (flood mode draws a dot).
    fn sent(&mut self) -> io::Result<()>;
    /// A reply arrived.
    fn reply(&mut self, reply: &Reply<'_>) -> io::Result<()>;
    /// A Node Information response (-N) arrived; `answer` is what
    /// iputils prints of it (`node_info::answer`).
    fn node_info(&mut self, reply: &Reply<'_>, answer: &str) -> io::Result<()>;
    /// A reply without its probe's nonce arrived (not counted).
    fn unverified(&mut self, reply: &Unverified<'_>) -> io::Result<()>;
    /// An error about a probe arrived.
    fn error(&mut self, error: &ErrorReport<'_>) -> io::Result<()>;
    /// The kernel refused to send (message too long for the known path MTU).
    fn local_error(&mut self, target: &str, version: IpVersion, mtu: u32) -> io::Result<()>;
    /// -O: a probe got no answer before the next was sent.
    fn no_answer_yet(&mut self, target: &str, seq: u16) -> io::Result<()>;
    /// SIGQUIT: running statistics.
    fn status(&mut self, stats: &Statistics) -> io::Result<()>;
    /// The run ended.
    fn end(&mut self, end: &End<'_>) -> io::Result<()>;
}

/// iputils' text.
#[allow(clippy::struct_excessive_bools)] // one per iputils output flag
pub struct Text<W: Write> {
    /// Where lines go.
    pub out: W,
    /// -q: only the header and the summary.
    pub quiet: bool,
    /// -f: dots instead of lines.
    pub flood: bool,
    /// -D: `[secs.micros]` before each line.
    pub timestamps: bool,
    /// -v: identifiers on reply lines.
    pub verbose: bool,
    /// How senders are printed: `name (address)` when reverse lookups
    /// are on (not -n, target named by host name) and find a name.
    pub names: Names,
    /// -a: a bell (`\a`) after each reply, where iputils writes it.
    pub bell: bool,
    /// A broadcast (-b) or multicast target: iputils marks duplicates
    /// `(DUP!)` then only with -v.
    pub multicast: bool,
    /// Replies may come from any address (`iputils::any_sender`): none is
    /// marked ` (DIFFERENT ADDRESS!)`.
    pub any_sender: bool,
    /// The route last printed, for iputils' `(same route)`.
    pub routes: RouteMemory,
    /// Whether -v shows the identifier: iputils knows it only when it
    /// chose it (raw socket) or was given it (-e), not when a ping
    /// socket's kernel picked it.
    pub ident_known: bool,
}

impl<W: Write> Text<W> {
    /// A flood's answer: its dot erased (and the bell, with -a).
    fn flood_answer(&mut self) -> io::Result<()> {
        self.out.write_all(b"\x08 \x08")?;
        if self.bell {
            self.out.write_all(b"\x07")?;
        }
        self.out.flush()
    }

    /// The identifier -v shows, when iputils knows it.
    fn shown_ident(&self, ident: u16) -> Option<u16> {
        (self.verbose && self.ident_known).then_some(ident)
    }

    /// Whether a duplicate is marked `(DUP!)`: always, but for a
    /// broadcast or multicast target only with -v (iputils).
    fn marks_duplicate(&self, duplicate: bool) -> bool {
        duplicate && (!self.multicast || self.verbose)
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        if self.timestamps {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            write!(self.out, "[{}.{:06}] ", now.as_secs(), now.subsec_micros())?;
        }
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }
}

impl<W: Write> Reporter for Text<W> {
    fn start(&mut self, header: &str) -> io::Result<()> {
        writeln!(self.out, "{header}")?;
        self.out.flush()
    }

    fn sent(&mut self) -> io::Result<()> {
        if self.flood && !self.quiet {
            self.out.write_all(b".")?;
            self.out.flush()?;
        }
        Ok(())
    }

    fn reply(&mut self, r: &Reply<'_>) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if self.flood {
            return self.flood_answer();
        }
        let from = self.names.sender(r.from);
        let mut line = iputils::reply(&iputils::ReplyLine {
            bytes: r.bytes,
            from: &from,
            seq: r.seq,
            ident: self.shown_ident(r.ident),
            ttl: r.ttl,
            rtt_micros: r.rtt_micros,
            duplicate: self.marks_duplicate(r.duplicate),
            truncated: r.truncated,
            different_address: r.other_sender && !self.any_sender,
        });
        // iputils ends a truncated reply's line there: no bell, no options.
        if !r.truncated {
            if self.bell {
                line.push('\x07');
            }
            let names = &mut self.names;
            line.push_str(&ip_options::text(
                r.ip_options,
                &mut self.routes,
                false,
                &mut |addr| names.sender(addr.into()),
            ));
        }
        self.line(&line)
    }

    fn node_info(&mut self, r: &Reply<'_>, answer: &str) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if self.flood {
            return self.flood_answer();
        }
        let from = self.names.sender(r.from);
        let mut line = node_info::line(&node_info::Line {
            bytes: r.bytes,
            from: &from,
            answer,
            ident: self.shown_ident(r.ident),
            ttl: r.ttl,
            duplicate: self.marks_duplicate(r.duplicate),
        });
        if self.bell {
            line.push('\x07');
        }
        self.line(&line)
    }

    fn unverified(&mut self, u: &Unverified<'_>) -> io::Result<()> {
        if self.quiet || self.flood {
            return Ok(());
        }
        // Forged by definition: never worth a (blocking) reverse lookup.
        let from = self.names.numeric(u.from);
        self.line(&iputils::unverified(u.bytes, &from, u.seq, u.ttl))
    }

    fn error(&mut self, e: &ErrorReport<'_>) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if self.flood {
            if !e.counted {
                return Ok(());
            }
            self.out.write_all(b"\x08E")?;
            return self.out.flush();
        }
        let text = iputils::error_text(e.version, e.icmp_type, e.icmp_code, e.info);
        let from = self.names.sender(e.from);
        let line = if e.counted {
            iputils::error(&from, e.seq, &text)
        } else {
            iputils::advice(&from, e.seq, &text)
        };
        self.line(&line)
    }

    fn local_error(&mut self, _target: &str, version: IpVersion, mtu: u32) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if self.flood {
            self.out.write_all(b"E")?;
            return self.out.flush();
        }
        self.out.flush()?;
        eprintln!("ping: {}", iputils::local_message_too_long(version, mtu));
        Ok(())
    }

    fn no_answer_yet(&mut self, _target: &str, seq: u16) -> io::Result<()> {
        if self.quiet || self.flood {
            return Ok(());
        }
        self.line(&format!("no answer yet for icmp_seq={seq}"))
    }

    fn status(&mut self, stats: &Statistics) -> io::Result<()> {
        self.out.flush()?;
        eprintln!("\r{}", iputils::status(stats));
        Ok(())
    }

    fn end(&mut self, end: &End<'_>) -> io::Result<()> {
        // The summary starts with a newline: after flood dots it ends their
        // line, otherwise it is iputils' blank line.
        let summary = iputils::summary(end.target, end.stats, end.time_ms, end.ipg_micros);
        self.out.write_all(summary.as_bytes())?;
        self.out.flush()
    }
}

/// JSON lines (the schema is in `crate::json_lines`): `reply`, `error`,
/// `timeout` (-O), `summary`; numbers are numbers and a missing value is
/// null.
pub struct Json<W: Write> {
    /// Where objects go.
    pub out: W,
}

impl<W: Write> Json<W> {
    fn emit(&mut self, record_type: &str, fields: Value) -> io::Result<()> {
        JsonLines::new(&mut self.out).emit(record_type, fields)
    }
}

/// Microseconds as (float) milliseconds for JSON.
#[allow(clippy::cast_precision_loss)] // RTTs are far below 2^52 µs
fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

impl<W: Write> Reporter for Json<W> {
    fn start(&mut self, _header: &str) -> io::Result<()> {
        Ok(())
    }

    fn sent(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn reply(&mut self, r: &Reply<'_>) -> io::Result<()> {
        self.emit(
            "reply",
            json!({
                "target": r.target,
                "from": r.from.to_string(),
                "seq": r.seq,
                "ident": r.ident,
                "bytes": r.bytes,
                "ttl": r.ttl,
                "rtt_ms": r.rtt_micros.map(ms),
                "duplicate": r.duplicate,
                "truncated": r.truncated,
                "other_sender": r.other_sender,
            }),
        )
    }

    fn node_info(&mut self, r: &Reply<'_>, answer: &str) -> io::Result<()> {
        self.emit(
            "node_info",
            json!({
                "target": r.target,
                "from": r.from.to_string(),
                "seq": r.seq,
                "bytes": r.bytes,
                "ttl": r.ttl,
                "duplicate": r.duplicate,
                "answer": answer.trim_start(),
            }),
        )
    }

    fn unverified(&mut self, u: &Unverified<'_>) -> io::Result<()> {
        self.emit(
            "unverified",
            json!({
                "target": u.target,
                "from": u.from.to_string(),
                "seq": u.seq,
                "ident": u.ident,
                "bytes": u.bytes,
                "ttl": u.ttl,
            }),
        )
    }

    fn error(&mut self, e: &ErrorReport<'_>) -> io::Result<()> {
        self.emit("error", json!({
            "target": e.target,
            "from": e.from.to_string(),
            "seq": e.seq,
            "icmp_type": e.icmp_type,
            "icmp_code": e.icmp_code,
            "mtu": matches!((e.version, e.icmp_type, e.icmp_code), (IpVersion::V4, 3, 4) | (IpVersion::V6, 2, _)).then_some(e.info),
            "message": iputils::error_text(e.version, e.icmp_type, e.icmp_code, e.info),
            "counted": e.counted,
        }))
    }

    fn local_error(&mut self, target: &str, version: IpVersion, mtu: u32) -> io::Result<()> {
        self.emit(
            "error",
            json!({
                "target": target,
                "from": null,
                "seq": null,
                "icmp_type": null,
                "icmp_code": null,
                "mtu": mtu,
                "message": iputils::local_message_too_long(version, mtu),
                "counted": true,
            }),
        )
    }

    fn no_answer_yet(&mut self, target: &str, seq: u16) -> io::Result<()> {
        self.emit("timeout", json!({"target": target, "seq": seq}))
    }

    fn status(&mut self, _stats: &Statistics) -> io::Result<()> {
        Ok(())
    }

    fn end(&mut self, end: &End<'_>) -> io::Result<()> {
        let s = end.stats;
        let rtt = s.rtt();
        let pct = s.percentiles();
        self.emit(
            "summary",
            json!({
                "target": end.target,
                "address": end.addr.to_string(),
                "transmitted": s.transmitted,
                "received": s.received,
                "duplicates": s.duplicates,
                "errors": s.errors,
                "loss_percent": s.loss_percent(),
                "time_ms": end.time_ms,
                "rtt_min_ms": rtt.map(|r| ms(r.min_us)),
                "rtt_avg_ms": rtt.map(|r| ms(r.avg_us)),
                "rtt_max_ms": rtt.map(|r| ms(r.max_us)),
                "rtt_mdev_ms": rtt.map(|r| ms(r.mdev_us)),
                "rtt_p50_ms": pct.map(|p| ms(p.p50_us)),
                "rtt_p90_ms": pct.map(|p| ms(p.p90_us)),
                "rtt_p99_ms": pct.map(|p| ms(p.p99_us)),
                "jitter_ms": s.jitter_us().map(ms),
                "unverified": end.unverified,
            }),
        )
    }
}
