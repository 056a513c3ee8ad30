//! One target, iputils-style: open the socket, drive the sans-IO session
//! (`icmpkit_proto::ping::PingSession`) with real time, and report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use icmpkit_net::{EMSGSIZE, IcmpSocket, SocketKind};
use icmpkit_proto::ping::{PingSession, ReplyOutcome};
use icmpkit_wire::IpVersion;

use super::Plan;
use super::echo;
use super::report::{End, ErrorReport, Reply, Reporter};
use super::targets::Target;

/// Signals the loop watches.
pub struct Signals {
    /// SIGINT / SIGTERM: stop and print the summary.
    pub stop: Arc<AtomicBool>,
    /// SIGQUIT: print running statistics.
    pub status: Arc<AtomicBool>,
}

/// The state of one run besides the session: buffers and what -O needs.
struct Run<'a> {
    plan: &'a Plan,
    target: &'a Target,
    socket: &'a IcmpSocket,
    version: IpVersion,
    err_buf: Vec<u8>,
    /// The last probe sent (number, seq) and whether it was answered.
    last_sent: Option<(u64, u16)>,
    answered_last: bool,
}

impl Run<'_> {
    /// Reads every queued error (ICMP errors about our probes, local
    /// errors); returns how many there were.
    fn drain_errors(
        &mut self,
        session: &mut PingSession,
        reporter: &mut dyn Reporter,
    ) -> Result<usize> {
        let mut seen = 0;
        while let Some(queued) = self
            .socket
            .recv_error(&mut self.err_buf)
            .context("reading the error queue")?
        {
            seen += 1;
            match queued.origin {
                icmpkit_net::ErrorOrigin::Local => {
                    session.on_local_error();
                    if queued.errno == EMSGSIZE {
                        reporter.local_error(&self.target.name, self.version, queued.info)?;
                    } else {
                        eprintln!("ping: local error: {}", queued.os_error());
                    }
                }
                icmpkit_net::ErrorOrigin::Icmp | icmpkit_net::ErrorOrigin::Icmp6 => {
                    let Some((ident, seq, data)) = echo::fields(
                        self.version,
                        queued.original(&self.err_buf),
                        echo::Kind::Request,
                    ) else {
                        continue;
                    };
                    let from = queued.offender.unwrap_or(self.target.addr);
                    let event = session.on_error(
                        Instant::now(),
                        from,
                        queued.icmp_type,
                        queued.icmp_code,
                        queued.info,
                        ident,
                        seq,
                        data,
                    );
                    if let Some(event) = event {
                        if self.last_sent.is_some_and(|(n, _)| n == event.number) {
                            self.answered_last = true;
                        }
                        reporter.error(&ErrorReport {
                            target: &self.target.name,
                            from,
                            seq: event.seq,
                            version: self.version,
                            icmp_type: queued.icmp_type,
                            icmp_code: queued.icmp_code,
                            info: queued.info,
                        })?;
                    }
                }
                icmpkit_net::ErrorOrigin::Other(_) => {}
            }
        }
        Ok(seen)
    }

    /// Reads every waiting reply. A pending socket error (the kernel
    /// reports queued ICMP errors through `recvmsg` too) sends us to the
    /// error queue.
    fn drain_replies(
        &mut self,
        session: &mut PingSession,
        reporter: &mut dyn Reporter,
        buf: &mut [u8],
    ) -> Result<()> {
        // Stop once the run is over, as iputils does: a duplicate of the
        // last reply that is still queued is not counted.
        while !session.is_finished(Instant::now()) {
            let received = match self.socket.try_recv(buf) {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err(e) => {
                    if self.drain_errors(session, reporter)? == 0 {
                        return Err(e).context("recvmsg");
                    }
                    continue;
                }
            };
            let clocks = icmpkit_net::Clocks::read();
            let now = clocks.now;
            let Some((ident, seq, data)) =
                echo::fields(self.version, received.icmp(buf), echo::Kind::Reply)
            else {
                continue;
            };
            let kernel = if self.plan.user_latency {
                None
            } else {
                clocks.kernel_instant(received.kernel_time)
            };
            if let ReplyOutcome::Reply(event) =
                session.on_echo_reply(now, received.from, ident, seq, data, received.ttl, kernel)
            {
                if self.last_sent.is_some_and(|(n, _)| n == event.number) {
                    self.answered_last = true;
                }
                reporter.reply(&Reply {
                    target: &self.target.name,
                    from: event.from,
                    seq: event.seq,
                    ident,
                    bytes: event.bytes,
                    ttl: event.ttl,
                    rtt_micros: event
                        .rtt_known
                        .then(|| u64::try_from(event.rtt.as_micros()).unwrap_or(u64::MAX)),
                    duplicate: event.duplicate,
                    truncated: event.truncated,
                })?;
                // Nothing more is expected: back to sending without another
                // read that would only say "nothing waiting" (iputils does
                // the same; a late duplicate waits for the next wake-up).
                if session.in_flight() == 0 {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Sends every probe that is due.
    fn send_due(
        &mut self,
        session: &mut PingSession,
        reporter: &mut dyn Reporter,
        buf: &mut [u8],
    ) -> Result<()> {
        while let Some(probe) = session.build_echo(Instant::now(), buf) {
            if self.plan.report_outstanding
                && !self.answered_last
                && let Some((_, seq)) = self.last_sent
            {
                reporter.no_answer_yet(&self.target.name, seq)?;
            }
            self.last_sent = Some((probe.number, probe.seq));
            self.answered_last = false;
            match self.socket.send_to(&buf[..probe.len], self.target.addr) {
                Ok(_) => reporter.sent()?,
                // A refused send (the path MTU is smaller, the route is
                // gone) leaves its reason in the error queue, as iputils
                // reads it; only an unexplained failure is reported here.
                Err(e) => {
                    if self.drain_errors(session, reporter)? == 0 {
                        eprintln!("ping: sendmsg: {e}");
                    }
                }
            }
        }
        Ok(())
    }
}

/// Runs one target to its end; returns iputils' exit code (0 or 1).
pub fn run(
    plan: &Plan,
    target: &Target,
    socket: &IcmpSocket,
    mut session: PingSession,
    reporter: &mut dyn Reporter,
    signals: &Signals,
) -> Result<u8> {
    let version = socket.version();
    let mut send_buf = vec![0u8; session.config().echo_len()];
    let mut recv_buf = vec![0u8; 65_536 + 128];
    let mut run = Run {
        plan,
        target,
        socket,
        version,
        err_buf: vec![0u8; 65_536 + 128],
        last_sent: None,
        answered_last: true,
    };
    loop {
        if signals.stop.load(Ordering::Relaxed) || session.is_finished(Instant::now()) {
            break;
        }
        if signals.status.swap(false, Ordering::Relaxed) {
            reporter.status(session.statistics())?;
        }
        run.send_due(&mut session, reporter, &mut send_buf)?;
        let now = Instant::now();
        let Some(wake) = session.next_wakeup(now) else {
            break;
        };
        // Wake at least every 200 ms to notice signals.
        let wait = wake
            .saturating_duration_since(now)
            .min(Duration::from_millis(200));
        let ready = socket.wait(wait).context("poll")?;
        if ready.readable {
            run.drain_replies(&mut session, reporter, &mut recv_buf)?;
        }
        if ready.error {
            run.drain_errors(&mut session, reporter)?;
        }
    }
    let time_ms = u64::try_from(session.summary_time_ms()).unwrap_or(u64::MAX);
    reporter.end(&End {
        target: &target.name,
        addr: target.addr,
        stats: session.statistics(),
        time_ms,
        ipg_micros: session.ipg_us(),
    })?;
    Ok(u8::try_from(session.exit_code()).unwrap_or(1))
}

/// Which identifier the session must use: a raw socket's is ours to pick;
/// a datagram socket's is the port the kernel gave it.
pub fn ident_for(socket: &IcmpSocket, random: u16) -> Result<u16> {
    match socket.kind() {
        SocketKind::Raw => Ok(random),
        SocketKind::Dgram => socket
            .dgram_ident()
            .context("the kernel assigned no identifier to the ping socket"),
    }
}
