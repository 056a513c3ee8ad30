//! The [`crate::Transport`] over real sockets (`icmpkit-net`).
//!
//! A front end describes the sockets a run needs in a [`SocketPlan`] (per
//! IP version: an ICMP socket, raw or ping socket, and optionally raw UDP
//! and TCP senders, each with its options), opens them all with
//! [`RealTransport::open`] (which then drops `CAP_NET_RAW`), reads what it
//! needs to build its machine (the ping socket's identifier, the socket
//! kind, the local address), and hands the transport to [`crate::drive`].
//! [`probe_sockets`] is the plan of trace probes' sockets (raw, or the
//! unprivileged ones). For high rates, [`ThreadedTransport`] reads the
//! same sockets on a thread of its own while the driver's thread sends.

mod endpoint;
mod plan;
mod pool;
mod probes;
mod queue;
mod sending;
mod threaded;
mod transport;

#[cfg(test)]
pub(crate) mod tests;

use std::io;

use icmpkit_net::NetError;

pub use plan::{FamilyPlan, IcmpFilter, IcmpPlan, SocketOptions, SocketPlan};
pub use probes::{ProbeSockets, probe_sockets};
pub use threaded::ThreadedTransport;
pub use transport::RealTransport;

/// Why [`RealTransport::open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The plan names no socket at all.
    #[error("the socket plan names no socket")]
    EmptyPlan,
    /// A socket could not be opened (the message names the fix when it is
    /// a matter of permission).
    #[error(transparent)]
    Open(#[from] NetError),
    /// The interface to bind to could not be bound (iputils' wording).
    #[error("SO_BINDTODEVICE {device}: {error}")]
    BindDevice {
        /// The interface name.
        device: String,
        /// What the kernel said.
        error: io::Error,
    },
    /// An option could not be set; the message says which, and on which
    /// socket.
    #[error(transparent)]
    Setup(io::Error),
    /// The capabilities could not be dropped once the sockets were open.
    #[error("dropping CAP_NET_RAW: {0}")]
    DropCapability(io::Error),
}
