//! # icmpkit-net
//!
//! The operating-system layer of icmpkit's ping, sweep and traceroute:
//!
//! - [`IcmpSocket`]: an ICMPv4 or ICMPv6 socket, raw (needs
//!   `CAP_NET_RAW`) or datagram ("ping socket", allowed by
//!   `net.ipv4.ping_group_range`), opened with [`IcmpSocket::open`], which
//!   explains how to allow either when neither works ([`OpenDenied`]);
//!   raw UDP and TCP senders ([`IcmpSocket::open_raw_transport`]) and an
//!   ordinary UDP socket for unprivileged UDP probes
//!   ([`IcmpSocket::open_udp`]);
//! - its options (TTL, TOS, path MTU discovery, device, source address,
//!   mark, error queue, received TTL, kernel timestamps, broadcast,
//!   non-blocking, receive and send buffers, ICMP type filter, and a
//!   kernel-side filter on the Echo identifier for raw sockets);
//! - [`IcmpSocket::send_to`], [`IcmpSocket::recv`] ([`Received`], with the
//!   received TTL and kernel timestamp), [`IcmpSocket::recv_error`]
//!   ([`QueuedError`], from the error queue) and [`IcmpSocket::wait`]
//!   (several sockets at once: [`wait_any`], or a reusable [`WaitSet`]);
//! - batched I/O for high rates: [`IcmpSocket::send_batch`] (`sendmmsg`,
//!   with a reusable [`SendBatch`]) and [`IcmpSocket::recv_batch`]
//!   (`recvmmsg`, into a reusable [`RecvBatch`]);
//! - [`privilege::drop_raw_capability`] for after the sockets are open;
//! - [`capture::PacketCapture`]: live capture of ICMP (and what may carry
//!   it) on an interface, through a packet socket's `TPACKET_V3` ring;
//! - [`netns::run_in`]: code (and the sockets it opens) inside a named
//!   network namespace;
//! - [`tun::TunDevice`]: a TUN device with addresses and routes (over
//!   rtnetlink), and [`sched`], the thread's timer slack and real-time
//!   priority, for `icmpkit netsim up`;
//! - [`PingGroupRange`] and [`ping_sockets_allowed`];
//! - [`memory::release_free_heap`]: freed heap pages back to the kernel.
//!
//! Packets are built and parsed with `icmpkit-wire`. Linux only for now;
//! every system call lives in one private module (`sys`) so other systems
//! can follow. `unsafe` appears only there, around the calls.

#![allow(unsafe_code)]

mod batch;
pub mod capture;
mod clocks;
mod denied;
mod drops;
mod error;
mod filter;
mod group;
mod interface;
pub mod memory;
mod netlink;
pub mod netns;
pub mod privilege;
mod resolve;
pub mod sched;
mod socket;
mod sys;
mod transfer;
pub mod tun;

/// The errno of a send larger than the path MTU the kernel knows
/// (`EMSGSIZE`), as a local send error or a queued error reports it.
pub const EMSGSIZE: i32 = libc::EMSGSIZE;

/// The errno of a connect or send to a broadcast address without
/// `SO_BROADCAST` (`EACCES`; a firewall's refusal reads the same).
pub const EACCES: i32 = libc::EACCES;

/// `ENETDOWN`: what a capture reports once when its interface goes down.
pub const ENETDOWN: i32 = libc::ENETDOWN;

pub use batch::{MAX_BATCH, RecvBatch, SendBatch};
pub use clocks::{Clocks, utc_offset};
pub use denied::{OpenDenied, SYSCTL_FIX};
pub use error::{NetError, os_errno};
pub use filter::echo_ident_keeps;
pub use group::{
    PING_GROUP_RANGE_PATH, PingGroupRange, ping_sockets_allowed, ping_sockets_allowed_for_process,
};
pub use icmpkit_wire::IpVersion;
pub use interface::{interface_index, interface_name, needs_scope};
pub use resolve::{host_name, reverse_lookup, source_address_for, source_address_for_broadcast};
pub use socket::{
    IcmpSocket, PmtuMode, SocketChoice, SocketKind, Transport, V4_REPLIES_AND_ERRORS,
    V6_REPLIES_AND_ERRORS,
};
pub use transfer::{
    ErrorOrigin, IpOptions, QueuedError, Readiness, Received, SendTime, WaitSet, wait_any,
};
