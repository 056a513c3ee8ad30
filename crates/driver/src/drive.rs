//! [`drive`]: the calling order of [`Machine`], written once.

use std::io;

use icmpkit_proto::machine::{Machine, Signal, Verdict};

use crate::signals::{SIGNAL_CHECK, Signals};
use crate::transport::{Delivery, Transport, TransportError};

/// Why a run ended early.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    /// The network failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Writing an event failed (a closed pipe, a full disk).
    #[error("writing output: {0}")]
    Output(#[source] io::Error),
}

/// How long after its last reading the driver asks a machine, with each
/// datagram it gives, whether anything more may be due
/// ([`Machine::may_transmit_before`]), to end the round's sending without
/// reading the clock again.
const SEND_GRACE: std::time::Duration = std::time::Duration::from_millis(1);

/// Hands every delivery to the machine.
fn deliver<M: Machine>(machine: &mut M, now: std::time::Instant, delivery: Delivery<'_>) {
    match delivery {
        Delivery::Input(input) => machine.handle_input(now, input),
        Delivery::Refused(failure) => machine.handle_send_failure(now, failure),
        Delivery::Overflow(overflow) => machine.handle_overflow(now, overflow),
    }
}

/// Runs `machine` over `transport` until it is finished, handing every
/// event to `on_event` as soon as it happens, and returns its verdict.
///
/// The loop (see `icmpkit_proto::machine` for the order it follows): let
/// time pass, send everything due, report events, wait for input until
/// the machine's next deadline (at most [`SIGNAL_CHECK`], to notice
/// signals), hand over input, then signals.
pub fn drive<M: Machine, T: Transport + ?Sized>(
    machine: &mut M,
    transport: &mut T,
    signals: &Signals,
    mut on_event: impl FnMut(&M, M::Event) -> io::Result<()>,
) -> Result<Verdict, DriveError> {
    let mut round = Round::new();
    loop {
        let Some(deadline) = round.until_wait(machine, transport, &mut on_event)? else {
            return Ok(machine.verdict());
        };
        transport.wait(deadline)?;
        round.after_wait(machine, transport, signals)?;
    }
}

/// The loop's steps around the wait, shared by [`drive`] and the
/// asynchronous driver (which waits its own way).
pub(crate) struct Round {
    buf: Vec<u8>,
    stopped: bool,
}

impl Round {
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::with_capacity(65_536),
            stopped: false,
        }
    }

    /// Steps 1 to 4: time, transmissions, events; the instant to wait
    /// until, or `None` when the machine is finished.
    pub(crate) fn until_wait<M: Machine, T: Transport + ?Sized>(
        &mut self,
        machine: &mut M,
        transport: &mut T,
        on_event: &mut impl FnMut(&M, M::Event) -> io::Result<()>,
    ) -> Result<Option<std::time::Instant>, DriveError> {
        let now = transport.now();
        machine.handle_timeout(now);
        // The clock is read again after a send (a batch of sends takes
        // time), not before the first, and only when the machine may have
        // something due by then: when it has nothing before [`SEND_GRACE`]
        // from the last reading, only a stall of that long could make
        // something due, and the next round sends it (its wait, for a
        // deadline past, returns at once). A flood, whose next probe waits
        // for the reply, spares a clock read per probe. The machine is
        // asked before the send (what a refusal could change waits for the
        // next round), so that such a last datagram goes as one
        // ([`Transport::send_last`]): a flood's probe skips the send queue.
        let mut at = now;
        while let Some(transmit) = machine.poll_transmit(at, &mut self.buf) {
            if !machine.may_transmit_before(at + SEND_GRACE) {
                transport.send_last(&transmit, &self.buf, &mut |d| deliver(machine, now, d))?;
                break;
            }
            transport.send(&transmit, &self.buf, &mut |d| deliver(machine, now, d))?;
            at = transport.now();
        }
        transport.flush(&mut |d| deliver(machine, now, d))?;
        while let Some(event) = machine.poll_event() {
            on_event(machine, event).map_err(DriveError::Output)?;
        }
        // The latest reading, taken before the flush and the events: a
        // deadline reckoned from it is at worst early (the wait then
        // returns early, and the next round reckons again), never late,
        // and a flood spares a clock read per probe.
        Ok(machine
            .poll_timeout(at)
            .map(|wake| wake.min(at + SIGNAL_CHECK)))
    }

    /// Step 5: input, then signals.
    pub(crate) fn after_wait<M: Machine, T: Transport + ?Sized>(
        &mut self,
        machine: &mut M,
        transport: &mut T,
        signals: &Signals,
    ) -> Result<(), DriveError> {
        let signal = signals.take();
        if signal == Some(Signal::Stop) && !self.stopped {
            // Whatever is still being sent is counted before the end.
            transport.settle()?;
        }
        let now = transport.now();
        transport.receive(&mut |d| deliver(machine, now, d))?;
        match signal {
            Some(Signal::Stop) if !self.stopped => {
                self.stopped = true;
                machine.handle_signal(transport.now(), Signal::Stop);
            }
            Some(Signal::Stop) | None => {}
            Some(signal) => machine.handle_signal(transport.now(), signal),
        }
        Ok(())
    }
}
