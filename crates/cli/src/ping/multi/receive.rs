//! The receiving side: one thread per socket reads Echo Replies and the
//! error queue and hands parsed [`Event`]s to the sending loop.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use icmpkit_net::{ErrorOrigin, IcmpSocket};
use icmpkit_proto::payload;
use icmpkit_wire::IpVersion;

use super::super::echo;
use super::super::iputils;

/// What a receiving thread read off its socket.
pub enum Event {
    /// An Echo Reply.
    Reply {
        version: IpVersion,
        from: IpAddr,
        ident: u16,
        seq: u16,
        /// Nonce and serial, when the payload carries them.
        id: Option<(u64, u64)>,
        bytes: usize,
        ttl: Option<u8>,
        at: Instant,
    },
    /// An ICMP error quoting one of our Echo Requests.
    Error {
        version: IpVersion,
        from: Option<IpAddr>,
        dst: Option<IpAddr>,
        icmp_type: u8,
        icmp_code: u8,
        info: u32,
        ident: u16,
        seq: u16,
        id: Option<(u64, u64)>,
    },
    /// A local error (e.g. message too long for the path MTU).
    Local { dst: Option<IpAddr>, error: String },
    /// The socket failed.
    Failed(String),
}

/// Reads every queued error; returns how many.
fn drain_errors(socket: &IcmpSocket, buf: &mut [u8], tx: &mpsc::Sender<Event>) -> usize {
    let version = socket.version();
    let mut seen = 0;
    loop {
        let queued = match socket.recv_error(buf) {
            Ok(Some(q)) => q,
            Ok(None) => return seen,
            Err(e) => {
                let _ = tx.send(Event::Failed(format!("reading the error queue: {e}")));
                return seen;
            }
        };
        seen += 1;
        let event = match queued.origin {
            ErrorOrigin::Local => Event::Local {
                dst: queued.dst,
                error: if queued.errno == 90 {
                    iputils::local_message_too_long(version, queued.info)
                } else {
                    format!("local error: {}", queued.os_error())
                },
            },
            ErrorOrigin::Icmp | ErrorOrigin::Icmp6 => {
                let Some((ident, seq, data)) =
                    echo::fields(version, queued.original(buf), echo::Kind::Request)
                else {
                    continue;
                };
                Event::Error {
                    version,
                    from: queued.offender,
                    dst: queued.dst,
                    icmp_type: queued.icmp_type,
                    icmp_code: queued.icmp_code,
                    info: queued.info,
                    ident,
                    seq,
                    id: payload::identify(data),
                }
            }
            ErrorOrigin::Other(_) => continue,
        };
        if tx.send(event).is_err() {
            return seen;
        }
    }
}

/// The receiving thread of one socket: runs until `done`.
pub fn receive(
    socket: &IcmpSocket,
    kernel_times: bool,
    tx: &mpsc::Sender<Event>,
    done: &AtomicBool,
) {
    let version = socket.version();
    let mut buf = vec![0u8; 65_536 + 128];
    let mut err_buf = vec![0u8; 65_536 + 128];
    while !done.load(Ordering::Relaxed) {
        let ready = match socket.wait(Duration::from_millis(5)) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Event::Failed(format!("poll: {e}")));
                return;
            }
        };
        if ready.error {
            drain_errors(socket, &mut err_buf, tx);
        }
        if !ready.readable {
            continue;
        }
        loop {
            let received = match socket.try_recv(&mut buf) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    // A pending socket error: its reason is in the queue.
                    if drain_errors(socket, &mut err_buf, tx) == 0 {
                        let _ = tx.send(Event::Failed(format!("recvmsg: {e}")));
                        return;
                    }
                    continue;
                }
            };
            let clocks = icmpkit_net::Clocks::read();
            let icmp = received.icmp(&buf);
            let Some((ident, seq, data)) = echo::fields(version, icmp, echo::Kind::Reply) else {
                continue;
            };
            let at = if kernel_times {
                clocks
                    .kernel_instant(received.kernel_time)
                    .unwrap_or(clocks.now)
            } else {
                clocks.now
            };
            let event = Event::Reply {
                version,
                from: received.from,
                ident,
                seq,
                id: payload::identify(data),
                bytes: icmp.len(),
                ttl: received.ttl,
                at,
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    }
}
