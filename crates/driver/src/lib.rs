//! # icmpkit-driver
//!
//! Runs any [`icmpkit_proto::machine::Machine`] to its end over a
//! [`Transport`]: the one loop of every icmpkit tool ([`drive`]), with
//! signals ([`Signals`]) handled once.
//!
//! - [`drive`]: the calling order of the verb set, written once.
//! - [`Transport`]: what the loop needs of a network: a clock, sending,
//!   waiting and receiving.
//! - [`Signals`]: SIGINT, SIGTERM and SIGQUIT, installed once.
//! - [`real`]: the transport over real sockets, opened from a
//!   [`real::SocketPlan`].
//! - `tokio` (feature `tokio`): the asynchronous driver for daemons.
//! - [`sim`]: a simulated network on a virtual clock, for tests.

mod drive;
pub mod real;
mod signals;
pub mod sim;
#[cfg(feature = "tokio")]
pub mod tokio;
mod transport;

pub use drive::{DriveError, drive};
pub use signals::{SIGNAL_CHECK, Signals};
pub use transport::{Delivery, Transport, TransportError};
