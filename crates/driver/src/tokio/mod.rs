//! The asynchronous driver, for a tokio daemon that runs machines beside
//! its other work (feature `tokio`): [`drive_async`] follows the same
//! calling order as [`crate::drive`] (the steps are shared), over a
//! [`RealTransport`] whose sockets tokio's reactor watches ([`AsyncReal`]).
//!
//! A daemon stops a run by raising [`Signal::Stop`](icmpkit_proto::machine::Signal)
//! on the [`Signals`] it passed ([`Signals::raise`]); it installs no
//! process signal handlers of its own.

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::Poll;
use std::time::Instant;

use icmpkit_proto::machine::{Channel, Machine, Verdict};
use icmpkit_wire::IpVersion;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::drive::Round;
use crate::real::RealTransport;
use crate::{DriveError, Signals, TransportError};

/// A descriptor the [`RealTransport`] owns, watched by the reactor (it
/// stays open as long as the transport: [`AsyncReal`] drops the watchers
/// first).
#[derive(Debug)]
struct Watched(RawFd);

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// A [`RealTransport`] whose receiving sockets are registered with the
/// tokio reactor, so waiting for input is an `.await`.
#[derive(Debug)]
pub struct AsyncReal {
    // Dropped before `transport`: deregistered before the sockets close.
    watched: Vec<AsyncFd<Watched>>,
    transport: RealTransport,
}

impl AsyncReal {
    /// Registers every socket of `transport` that receives (ICMP and TCP;
    /// a raw UDP sender is never read) with the current tokio runtime.
    pub fn new(transport: RealTransport) -> io::Result<Self> {
        let mut watched = Vec::new();
        for version in [IpVersion::V4, IpVersion::V6] {
            for channel in [Channel::Icmp, Channel::Tcp] {
                if let Some(socket) = transport.socket(version, channel) {
                    // `with_interest` is deprecated for taking any raw
                    // descriptor on trust (its replacement is `unsafe`, and
                    // `unsafe` lives only in icmpkit-net). The trust holds:
                    // the descriptor belongs to `transport`, which `Self`
                    // owns and drops after `watched`, and is never replaced.
                    #[allow(deprecated)]
                    watched.push(AsyncFd::with_interest(
                        Watched(socket.as_raw_fd()),
                        Interest::READABLE | Interest::ERROR,
                    )?);
                }
            }
        }
        Ok(Self { watched, transport })
    }

    /// The transport, for what a front end reads of it (identifiers,
    /// kernel drop counts).
    pub fn transport(&self) -> &RealTransport {
        &self.transport
    }

    /// Whether a socket has input or a queued error now (a level check:
    /// the reactor reports edges).
    fn pending(&self) -> Result<bool, TransportError> {
        let sockets: Vec<_> = [IpVersion::V4, IpVersion::V6]
            .into_iter()
            .flat_map(|v| [Channel::Icmp, Channel::Tcp].map(|c| (v, c)))
            .filter_map(|(v, c)| self.transport.socket(v, c))
            .collect();
        let ready =
            icmpkit_net::wait_any(&sockets, std::time::Duration::ZERO).map_err(|source| {
                TransportError::Io {
                    operation: "checking for input",
                    source,
                }
            })?;
        Ok(ready.iter().any(|r| r.readable || r.error))
    }

    /// Waits until a socket has input or a queued error, or `deadline`.
    /// Readiness is cleared only after a level check found nothing, so no
    /// edge is lost between reads.
    pub async fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        let sleep = tokio::time::sleep_until(deadline.into());
        tokio::pin!(sleep);
        loop {
            if self.pending()? || Instant::now() >= deadline {
                return Ok(());
            }
            let mut readiness: Vec<Pin<Box<_>>> = self
                .watched
                .iter()
                .map(|fd| Box::pin(fd.ready(Interest::READABLE | Interest::ERROR)))
                .collect();
            let any = poll_fn(|cx| {
                for ready in &mut readiness {
                    if let Poll::Ready(result) = ready.as_mut().poll(cx) {
                        return Poll::Ready(result.map(|mut guard| guard.clear_ready()));
                    }
                }
                Poll::Pending
            });
            tokio::select! {
                result = any => result.map_err(|source| TransportError::Io {
                    operation: "waiting for input",
                    source,
                })?,
                () = &mut sleep => return Ok(()),
            }
        }
    }
}

/// Runs `machine` over `transport` as [`crate::drive`] does, awaiting input
/// instead of blocking the thread.
pub async fn drive_async<M: Machine>(
    machine: &mut M,
    transport: &mut AsyncReal,
    signals: &Signals,
    mut on_event: impl FnMut(&M, M::Event) -> io::Result<()>,
) -> Result<Verdict, DriveError> {
    let mut round = Round::new();
    loop {
        let Some(deadline) = round.until_wait(machine, &mut transport.transport, &mut on_event)?
        else {
            return Ok(machine.verdict());
        };
        transport.wait(deadline).await?;
        round.after_wait(machine, &mut transport.transport, signals)?;
    }
}

#[cfg(test)]
mod tests;
