//! The one loop every strategy runs in: send what the strategy allows,
//! wait for answers until its next deadline, hand them over, let it give
//! up on late probes, and show progress, until it is done.

use std::time::Instant;

use anyhow::Result;
use icmpkit_proto::trace::{Answer, Mda, Pmtu, ProbeSpec, Trace};

use super::io::{Probing, SendResult};

/// A trace strategy as the loop sees it.
pub trait Strategy {
    /// The next probe to send now, with its IP size when it has its own.
    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)>;
    /// An answer matched to probe `number`.
    fn on_answer(&mut self, number: u16, answer: Answer);
    /// Probe `number` was too big for the outgoing link, whose MTU is
    /// `mtu`; an error when the strategy cannot go on.
    fn on_local_mtu(&mut self, number: u16, mtu: usize) -> Result<()>;
    /// Gives up on probes past their wait.
    fn expire(&mut self, now: Instant);
    /// When to look again; `None` when done.
    fn next_wakeup(&self, now: Instant) -> Option<Instant>;
}

/// The strategies whose probes all have the prober's size and that know no
/// local MTU: the methods map one to one.
macro_rules! fixed_size_strategy {
    ($t:ty) => {
        impl Strategy for $t {
            fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
                <$t>::next_probe(self, now).map(|s| (s, None))
            }
            fn on_answer(&mut self, number: u16, answer: Answer) {
                <$t>::on_answer(self, number, answer);
            }
            fn on_local_mtu(&mut self, _: u16, mtu: usize) -> Result<()> {
                anyhow::bail!(
                    "the probes do not fit the outgoing link's MTU of {mtu} bytes with Don't \
                     Fragment set (-F): give a packet length of at most {mtu}"
                )
            }
            fn expire(&mut self, now: Instant) {
                <$t>::expire(self, now);
            }
            fn next_wakeup(&self, now: Instant) -> Option<Instant> {
                <$t>::next_wakeup(self, now)
            }
        }
    };
}

fixed_size_strategy!(Trace);
fixed_size_strategy!(Mda);

impl Strategy for Pmtu {
    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
        Pmtu::next_probe(self, now).map(|(s, size)| (s, Some(size)))
    }
    fn on_answer(&mut self, number: u16, answer: Answer) {
        Pmtu::on_answer(self, number, answer);
    }
    fn on_local_mtu(&mut self, number: u16, mtu: usize) -> Result<()> {
        Pmtu::on_local_mtu(self, number, mtu);
        Ok(())
    }
    fn expire(&mut self, now: Instant) {
        Pmtu::expire(self, now);
    }
    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        Pmtu::next_wakeup(self, now)
    }
}

/// Runs `strategy` to the end, calling `progress` after every step.
pub fn drive<S: Strategy>(
    probing: &mut Probing,
    strategy: &mut S,
    mut progress: impl FnMut(&mut S) -> Result<()>,
) -> Result<()> {
    loop {
        let now = Instant::now();
        strategy.expire(now);
        while let Some((spec, size)) = strategy.next_probe(Instant::now()) {
            if let SendResult::TooBig { mtu } = probing.send(spec, size)? {
                strategy.on_local_mtu(spec.number, mtu)?;
            }
        }
        progress(strategy)?;
        let Some(wake) = strategy.next_wakeup(Instant::now()) else {
            return Ok(());
        };
        probing.receive(wake, |number, answer| strategy.on_answer(number, answer))?;
    }
}
