//! Reverse lookups, for iputils' `64 bytes from name (address)`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

use crate::sys;

/// The host name the system resolver gives `addr` (hosts file first, then
/// DNS as `/etc/nsswitch.conf` says), or `None`. This may send a DNS query:
/// callers ask only when the user named the target by host name, as iputils
/// does, and never in `-n` mode.
pub fn reverse_lookup(addr: IpAddr) -> Option<String> {
    sys::name_of(addr)
}

/// This machine's host name (`gethostname`), as mtr prints it after
/// `HOST:`; `localhost` when it cannot be read.
pub fn host_name() -> String {
    sys::host_name().unwrap_or_else(|| "localhost".to_owned())
}

/// The source address the kernel would choose to reach `dst`, leaving by
/// `device` when given, or for a link-local `dst` by the interface of
/// index `scope_id` when not 0 (iputils prints it as `from SRC IFACE:`). Learned by
/// connecting a UDP socket, which sends nothing.
pub fn source_address_for(dst: IpAddr, scope_id: u32, device: Option<&str>) -> io::Result<IpAddr> {
    source_address(dst, scope_id, device, false)
}

/// [`source_address_for`] a broadcast `dst` (IPv4), which the kernel
/// refuses (`EACCES`) without `SO_BROADCAST`: iputils learns its source
/// for `-b` so.
pub fn source_address_for_broadcast(dst: IpAddr, device: Option<&str>) -> io::Result<IpAddr> {
    source_address(dst, 0, device, true)
}

/// The source address the kernel picks for `dst`, by connecting a UDP
/// socket (with `SO_BROADCAST` when `broadcast`).
fn source_address(
    dst: IpAddr,
    scope_id: u32,
    device: Option<&str>,
    broadcast: bool,
) -> io::Result<IpAddr> {
    let domain = if dst.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let fd = sys::socket(domain, libc::SOCK_DGRAM, libc::IPPROTO_UDP)?;
    if let Some(name) = device {
        sys::set_option_bytes(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_bytes(),
        )
        .map_err(|e| io::Error::new(e.kind(), format!("SO_BINDTODEVICE {name}: {e}")))?;
    }
    if broadcast {
        sys::set_option_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_BROADCAST, 1)?;
    }
    let to = match dst {
        IpAddr::V6(a) if crate::needs_scope(&a) => {
            SocketAddr::V6(std::net::SocketAddrV6::new(a, 1025, 0, scope_id))
        }
        _ => SocketAddr::new(dst, 1025),
    };
    sys::connect(fd.as_raw_fd(), to)?;
    sys::local_addr(fd.as_raw_fd())?
        .map(|a| a.ip())
        .ok_or_else(|| io::Error::other("the kernel chose no source address"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_name_is_the_kernels() {
        let proc = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("procfs");
        assert_eq!(super::host_name(), proc.trim_end());
    }
}
