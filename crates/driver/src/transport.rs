//! The [`Transport`] trait: what the driver needs of a network.

use std::io;
use std::time::Instant;

use icmpkit_proto::machine::{Input, Overflow, SendFailure, Transmit};

/// What a transport hands the driver: an input for the machine, or a send
/// it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery<'a> {
    /// A datagram or queued socket error.
    Input(Input<'a>),
    /// A datagram the transport could not send. Any error the kernel
    /// queued about it is delivered first.
    Refused(SendFailure),
    /// The kernel dropped datagrams for a full receive queue; delivered
    /// before the first datagram read after the drops.
    Overflow(Overflow),
}

/// A transport failure that ends the run.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A system call failed.
    #[error("{operation}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// Why it failed.
        source: io::Error,
    },
    /// A machine asked for a socket the transport does not have.
    #[error("no {channel} socket for IPv{version} in this run's socket plan")]
    NoSocket {
        /// `ICMP`, `UDP` or `TCP`.
        channel: &'static str,
        /// 4 or 6.
        version: u8,
    },
}

/// A network the driver runs a machine over: real sockets or a simulated
/// network. Every method that delivers something calls `sink` once per
/// delivery, in the order things happened.
pub trait Transport {
    /// The transport's clock (a simulated network has its own).
    fn now(&mut self) -> Instant;

    /// Sends one datagram (or queues it for [`Transport::flush`]); a
    /// refusal is delivered as [`Delivery::Refused`].
    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError>;

    /// [`Transport::send`] of the round's last datagram: the driver calls
    /// [`Transport::flush`] next, with nothing sent in between. A transport
    /// that queues may send it at once when nothing waits before it on its
    /// socket (one datagram needs no queue); by default it is
    /// [`Transport::send`].
    fn send_last(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        self.send(transmit, bytes, sink)
    }

    /// Sends whatever [`Transport::send`] queued. The driver calls it
    /// before it waits.
    fn flush(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        let _ = sink;
        Ok(())
    }

    /// Waits until something can be received or `deadline` passes,
    /// whichever comes first (a real transport may return early; a signal
    /// need not end the wait, which is why the driver never asks for more
    /// than [`crate::SIGNAL_CHECK`]).
    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError>;

    /// Delivers everything that has arrived (without waiting).
    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError>;

    /// Waits until every datagram handed over is sent or refused, for a
    /// transport that sends on other threads (nothing to do otherwise);
    /// the refusals are delivered by the next [`Transport::receive`]. The
    /// driver calls it before it hands a machine a stop, so that the
    /// machine's summary counts every refusal.
    fn settle(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}
