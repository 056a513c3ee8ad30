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

/// An [`io::Error`] with a message saying what was attempted that keeps
/// the OS error number of the error it explains (see [`os_errno`]).
#[derive(Debug)]
struct Explained {
    /// The whole message (it already includes the OS error's text, so the
    /// OS error is not also a `source`, which would repeat it in a chain).
    message: String,
    /// The OS error number, when there was one.
    errno: Option<i32>,
}

impl std::fmt::Display for Explained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Explained {}

/// `err` of the same kind, saying `message`, keeping its OS error number.
pub(crate) fn with_context(err: &io::Error, message: String) -> io::Error {
    io::Error::new(
        err.kind(),
        Explained {
            message,
            errno: os_errno(err),
        },
    )
}

/// The OS error number (`errno`) behind an error of this crate: the raw OS
/// error, or the one an error with a message kept. A caller that must tell
/// `EMSGSIZE` from `EACCES` after a failed send reads it here.
pub fn os_errno(err: &io::Error) -> Option<i32> {
    err.raw_os_error().or_else(|| {
        err.get_ref()
            .and_then(|inner| inner.downcast_ref::<Explained>())
            .and_then(|e| e.errno)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_with_a_message_keeps_its_os_error_number() {
        let raw = io::Error::from_raw_os_error(libc::EMSGSIZE);
        let explained = with_context(&raw, "cannot send to ::1: too long".to_owned());
        assert_eq!(explained.to_string(), "cannot send to ::1: too long");
        assert_eq!(explained.kind(), raw.kind());
        assert_eq!(os_errno(&explained), Some(libc::EMSGSIZE));
        assert_eq!(os_errno(&raw), Some(libc::EMSGSIZE));
        let plain = io::Error::new(io::ErrorKind::InvalidInput, "no number");
        assert_eq!(os_errno(&plain), None);
        assert_eq!(
            os_errno(&with_context(&plain, "still none".to_owned())),
            None
        );
    }
}
