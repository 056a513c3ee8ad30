//! [`NetError`]: why a socket could not be had.

use std::io;

use crate::denied::OpenDenied;
use crate::socket::{SocketKind, Transport};
use icmpkit_wire::IpVersion;

/// An error of this crate's setup steps (opening sockets, reading the
/// ping group range). Per-call socket operations return [`io::Error`] with
/// a message saying what was attempted.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// Neither a raw nor a datagram ICMP socket could be opened; the
    /// message names the fix for each.
    #[error(transparent)]
    Denied(Box<OpenDenied>),
    /// The one kind of socket asked for could not be opened.
    #[error("cannot open a {kind} {} socket: {error}{}", icmp_name(*.version), hint(*.kind, error))]
    Open {
        /// The IP version asked for.
        version: IpVersion,
        /// The kind asked for.
        kind: SocketKind,
        /// What the kernel said (part of the message, so not also the
        /// error's `source`, which would repeat it in a chain).
        error: io::Error,
    },
    /// A raw UDP or TCP socket could not be opened.
    #[error("cannot open a raw {} socket over IPv{}: {error}{}", transport.name(), version.number(), hint(SocketKind::Raw, error))]
    OpenTransport {
        /// The IP version asked for.
        version: IpVersion,
        /// The transport asked for.
        transport: Transport,
        /// What the kernel said (part of the message, so not also the
        /// error's `source`, which would repeat it in a chain).
        error: io::Error,
    },
    /// `/proc/sys/net/ipv4/ping_group_range` could not be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: &'static str,
        /// What the kernel said (part of the message, so not also the
        /// error's `source`, which would repeat it in a chain).
        error: io::Error,
    },
    /// The ping group range is not two group ids.
    #[error("net.ipv4.ping_group_range {text:?} is not two group ids (\"low high\")")]
    BadPingGroupRange {
        /// The text that was read.
        text: String,
    },
}

/// "ICMPv4" or "ICMPv6".
pub(crate) fn icmp_name(version: IpVersion) -> &'static str {
    match version {
        IpVersion::V4 => "ICMPv4",
        IpVersion::V6 => "ICMPv6",
    }
}

/// The fix to add after a permission error.
fn hint(kind: SocketKind, err: &io::Error) -> String {
    if err.kind() != io::ErrorKind::PermissionDenied {
        return String::new();
    }
    match kind {
        SocketKind::Raw => format!("; {}", crate::denied::raw_fix(&crate::denied::exe_path())),
        SocketKind::Dgram => format!(
            "; ping sockets are off for this process's groups: {}",
            crate::denied::SYSCTL_FIX
        ),
    }
}
