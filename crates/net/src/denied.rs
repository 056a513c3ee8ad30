//! The message for when no ICMP socket can be opened at all: it names the
//! fix for raw sockets and the fix for ping sockets.

use std::fmt;
use std::io;

use icmpkit_wire::IpVersion;

use crate::error::icmp_name;
use crate::group::PingGroupRange;

/// The command that opens ping sockets to every group.
pub const SYSCTL_FIX: &str = "`sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`";

/// What is said when the path of the running program is not known.
const PLACEHOLDER_EXE: &str = "/path/to/icmpkit";

/// The path of the running program, for the `setcap` advice.
pub(crate) fn exe_path() -> String {
    std::env::current_exe().map_or_else(|_| PLACEHOLDER_EXE.to_owned(), |p| p.display().to_string())
}

/// How to allow raw sockets to the program at `exe`.
pub(crate) fn raw_fix(exe: &str) -> String {
    cap_net_raw_fix("raw sockets", exe)
}

/// How to allow `what` (sockets that need `CAP_NET_RAW`) to the program at
/// `exe`.
pub(crate) fn cap_net_raw_fix(what: &str, exe: &str) -> String {
    format!("{what} need CAP_NET_RAW (run as root or `sudo setcap cap_net_raw+ep {exe}`)")
}

/// Neither a raw nor a datagram ICMP socket could be opened. Its
/// `Display` is the whole explanation with both fixes.
#[derive(Debug)]
pub struct OpenDenied {
    /// The IP version asked for.
    pub version: IpVersion,
    /// The process's effective group id (what the range is checked
    /// against first).
    pub gid: u32,
    /// The ping group range when it could be read.
    pub range: Option<PingGroupRange>,
    /// The program to name in the `setcap` advice.
    pub exe: String,
    /// Why the raw socket failed.
    pub raw: io::Error,
    /// Why the datagram socket failed.
    pub dgram: io::Error,
}

impl OpenDenied {
    /// Gathers the facts of this process (group, range, program path)
    /// around the two failures.
    pub fn new(version: IpVersion, raw: io::Error, dgram: io::Error) -> Self {
        Self {
            version,
            gid: crate::sys::effective_gid(),
            range: PingGroupRange::read().ok(),
            exe: exe_path(),
            raw,
            dgram,
        }
    }
}

/// Whether the kernel refused for lack of permission.
fn refused(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::PermissionDenied
}

impl fmt::Display for OpenDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot open an {} socket: ", icmp_name(self.version))?;
        if refused(&self.raw) {
            f.write_str(&raw_fix(&self.exe))?;
        } else {
            write!(f, "a raw socket failed ({})", self.raw)?;
        }
        f.write_str(", and ")?;
        let gid = self.gid;
        match (refused(&self.dgram), self.range) {
            (true, Some(range)) if !range.contains(gid) => write!(
                f,
                "ping sockets are off for group {gid} (net.ipv4.ping_group_range is now \"{range}\"): {SYSCTL_FIX}"
            ),
            (true, None) => write!(
                f,
                "ping sockets are off for group {gid} (net.ipv4.ping_group_range could not be read): {SYSCTL_FIX}"
            ),
            _ => write!(f, "a ping socket failed ({})", self.dgram),
        }
    }
}

impl std::error::Error for OpenDenied {}

#[cfg(test)]
mod tests {
    use super::*;

    fn eperm() -> io::Error {
        io::Error::from_raw_os_error(libc::EPERM)
    }

    fn eacces() -> io::Error {
        io::Error::from_raw_os_error(libc::EACCES)
    }

    fn denied(range: Option<PingGroupRange>, raw: io::Error, dgram: io::Error) -> String {
        OpenDenied {
            version: IpVersion::V4,
            gid: 1000,
            range,
            exe: "/usr/local/bin/icmpkit".to_owned(),
            raw,
            dgram,
        }
        .to_string()
    }

    #[test]
    fn names_both_fixes_and_the_current_range() {
        let msg = denied(Some(PingGroupRange { low: 1, high: 0 }), eperm(), eacces());
        assert_eq!(
            msg,
            "cannot open an ICMPv4 socket: raw sockets need CAP_NET_RAW (run as root or \
             `sudo setcap cap_net_raw+ep /usr/local/bin/icmpkit`), and ping sockets are off \
             for group 1000 (net.ipv4.ping_group_range is now \"1 0\"): \
             `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"
        );
    }

    #[test]
    fn says_when_the_range_is_unreadable() {
        let msg = denied(None, eperm(), eacces());
        assert!(
            msg.ends_with(
                "ping sockets are off for group 1000 (net.ipv4.ping_group_range could not be read): \
                 `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"
            ),
            "{msg}"
        );
    }

    #[test]
    fn reports_other_failures_as_they_are() {
        let range = Some(PingGroupRange { low: 0, high: 5000 });
        let no_family = io::Error::from_raw_os_error(libc::EAFNOSUPPORT);
        let msg = denied(range, no_family, eacces());
        assert_eq!(
            msg,
            format!(
                "cannot open an ICMPv4 socket: a raw socket failed ({}), and a ping socket \
                 failed ({})",
                io::Error::from_raw_os_error(libc::EAFNOSUPPORT),
                eacces()
            )
        );
    }

    #[test]
    fn ipv6_is_named() {
        let mut d = OpenDenied::new(IpVersion::V6, eperm(), eacces());
        d.exe = "x".to_owned();
        assert!(d.to_string().starts_with("cannot open an ICMPv6 socket: raw sockets need CAP_NET_RAW (run as root or `sudo setcap cap_net_raw+ep x`), and "));
    }
}
