//! TUN devices for `icmpkit netsim up`: [`TunDevice`], a layer-3 device
//! whose IP packets this process reads and writes, set up with addresses
//! and routes ([`TunDevice::configure`], over rtnetlink), and removed when
//! it is dropped.
//!
//! ```no_run
//! use std::time::Duration;
//! use icmpkit_net::tun::{Setup, TunDevice};
//!
//! let tun = TunDevice::create("netsim0")?;
//! tun.configure(&Setup {
//!     addresses: vec![("10.0.0.1".parse()?, 32)],
//!     routes: vec![("203.0.113.0".parse()?, 24)],
//!     mtu: Some(1500),
//! })?;
//! let mut buf = vec![0; 65536];
//! if tun.wait(Duration::from_secs(1))? {
//!     while let Some(n) = tun.read(&mut buf)? {
//!         tun.write(&buf[..n])?; // back where it came from
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Creating and configuring need `CAP_NET_ADMIN` in the device's network
//! namespace (the calling thread's).

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use crate::netlink::Rtnetlink;
use crate::sys;

/// The capability creating and configuring a device needs.
const CAPABILITY_FIX: &str = "needs CAP_NET_ADMIN: run as root, or give the program the \
                              capability (setcap cap_net_admin+ep)";

/// Why a TUN device could not be had or set up.
#[derive(Debug, thiserror::Error)]
pub enum TunError {
    /// The name is empty, longer than 15 bytes, or holds a space, NUL,
    /// `/` or `%` (the kernel's template for "the next free number").
    #[error(
        "{name:?} is not a device name: give 1 to 15 characters without '/', '%' or spaces, e.g. \
         netsim0"
    )]
    BadName {
        /// The name given.
        name: String,
    },
    /// A device of that name exists already.
    #[error("a network device named {name} exists already: choose another name")]
    Exists {
        /// The name given.
        name: String,
    },
    /// Not allowed (`EPERM`): `CAP_NET_ADMIN` is missing.
    #[error("creating TUN device {name} {CAPABILITY_FIX}")]
    NeedsAdmin {
        /// The name given.
        name: String,
    },
    /// `/dev/net/tun` is missing.
    #[error("cannot open /dev/net/tun: {error} (load the tun module: modprobe tun)")]
    NoTunDriver {
        /// What the kernel said.
        error: io::Error,
    },
    /// Another step failed.
    #[error("TUN device {name}: {what}: {error}{}", admin_hint(error))]
    Setup {
        /// The device.
        name: String,
        /// What was attempted (`adding address 10.0.0.1/32`).
        what: String,
        /// What the kernel said.
        error: io::Error,
    },
}

fn admin_hint(error: &io::Error) -> String {
    if error.kind() == io::ErrorKind::PermissionDenied {
        format!(" ({CAPABILITY_FIX})")
    } else {
        String::new()
    }
}

/// What [`TunDevice::configure`] puts on a device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setup {
    /// Its addresses, each with its prefix length (the first of each
    /// family is the preferred source of the routes of that family).
    pub addresses: Vec<(IpAddr, u8)>,
    /// Prefixes routed into it (address, prefix length).
    pub routes: Vec<(IpAddr, u8)>,
    /// Its MTU (the kernel's default for a TUN device, 1500, when `None`).
    pub mtu: Option<u32>,
}

/// A TUN device (`IFF_TUN | IFF_NO_PI`, non-blocking): whole IP packets
/// in and out. The device goes away when this is dropped.
#[derive(Debug)]
pub struct TunDevice {
    fd: OwnedFd,
    name: String,
    index: u32,
}

impl TunDevice {
    /// Creates the TUN device `name` in the calling thread's network
    /// namespace; refuses a name a device has already.
    pub fn create(name: &str) -> Result<Self, TunError> {
        if name.is_empty()
            || name.len() >= 16
            || name.contains(|c: char| c == '\0' || c == '/' || c == '%' || c.is_whitespace())
        {
            return Err(TunError::BadName { name: name.into() });
        }
        if sys::interface_index(name).is_some() {
            return Err(TunError::Exists { name: name.into() });
        }
        let fd = sys::tun_open(name).map_err(|error| match error.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => TunError::NeedsAdmin { name: name.into() },
            Some(libc::ENOENT | libc::ENODEV | libc::ENXIO) => TunError::NoTunDriver { error },
            Some(libc::EBUSY) => TunError::Exists { name: name.into() },
            _ => TunError::Setup {
                name: name.into(),
                what: "creating it".into(),
                error,
            },
        })?;
        let index = sys::interface_index(name).ok_or_else(|| TunError::Setup {
            name: name.into(),
            what: "finding its index".into(),
            error: io::Error::from(io::ErrorKind::NotFound),
        })?;
        Ok(Self {
            fd,
            name: name.into(),
            index,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its interface index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Brings it up (with `setup`'s MTU, without IPv6 link-local addresses
    /// of its own), adds
    /// `setup`'s addresses (IPv6 without duplicate address detection) and
    /// routes `setup`'s prefixes into it, each from the first address of
    /// its family.
    pub fn configure(&self, setup: &Setup) -> Result<(), TunError> {
        let fail = |what: String| {
            let name = self.name.clone();
            move |error| TunError::Setup { name, what, error }
        };
        let mut nl = Rtnetlink::open().map_err(fail("opening a netlink socket".into()))?;
        // Told not to make IPv6 addresses of its own wherever the kernel
        // has IPv6 (even for an IPv4-only topology: its link-local address
        // would send solicitations and reports into the device); on a
        // kernel without IPv6 the attribute fails.
        let ipv6 = std::path::Path::new("/proc/sys/net/ipv6/conf").exists();
        nl.link_up(self.index, setup.mtu, ipv6)
            .map_err(fail("bringing it up".into()))?;
        for &(addr, len) in &setup.addresses {
            nl.add_address(self.index, addr, len)
                .map_err(fail(format!("adding address {addr}/{len}")))?;
        }
        for &(prefix, len) in &setup.routes {
            let source = setup
                .addresses
                .iter()
                .map(|&(a, _)| a)
                .find(|a| a.is_ipv4() == prefix.is_ipv4());
            nl.add_route(self.index, prefix, len, source)
                .map_err(fail(format!("adding a route to {prefix}/{len}")))?;
        }
        Ok(())
    }

    /// Reads one packet into `buf` (cut to its length); `None` when none
    /// is waiting.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match sys::read_fd(self.fd.as_raw_fd(), buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes one IP packet: the kernel receives it from the device.
    pub fn write(&self, packet: &[u8]) -> io::Result<()> {
        sys::write_fd(self.fd.as_raw_fd(), packet).map(drop)
    }

    /// Waits at most `timeout` (to the nanosecond, `ppoll`) for a packet
    /// to read; whether one is waiting.
    pub fn wait(&self, timeout: Duration) -> io::Result<bool> {
        Ok(sys::poll_in(self.fd.as_raw_fd(), timeout)?.readable)
    }
}

impl AsFd for TunDevice {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_name_themselves() {
        for name in ["", "sixteen-chars-xx", "a/b", "a\0b", " x", "tun%d"] {
            let e = TunDevice::create(name).unwrap_err();
            assert!(matches!(e, TunError::BadName { .. }), "{name:?}: {e}");
            assert!(e.to_string().contains("e.g. netsim0"), "{e}");
        }
    }

    #[test]
    fn an_existing_name_is_refused() {
        let e = TunDevice::create("lo").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a network device named lo exists already: choose another name"
        );
    }
}
