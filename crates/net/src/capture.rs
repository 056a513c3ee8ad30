//! Live packet capture for `icmpkit guard -i IFACE`: [`PacketCapture`], a
//! cooked packet socket (`AF_PACKET`, `SOCK_DGRAM`, every ethertype) on one
//! interface or all of them, read through a `TPACKET_V3` ring shared with
//! the kernel, with a kernel filter that keeps only ICMP and what may carry
//! it ([`CaptureFilter`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use icmpkit_net::capture::{Options, PacketCapture};
//!
//! let mut capture = PacketCapture::open(Some("eth0"), &Options::default())?;
//! icmpkit_net::privilege::drop_raw_capability()?;
//! for _ in 0..10 {
//!     capture.for_each(Duration::from_millis(100), |packet| {
//!         println!("{:?} {} bytes", packet.direction, packet.ip.len());
//!     })?;
//! }
//! println!("{:?}", capture.stats()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Opening needs `CAP_NET_RAW`; the socket works on without it, so drop it
//! right after ([`crate::privilege::drop_raw_capability`]). A socket
//! belongs to the network namespace it was opened in
//! ([`crate::netns::run_in`]), and the interface is looked up there.
//!
//! Packets reach the ring in blocks: the kernel hands a block over when it
//! is full or [`Options::block_timeout`] after its first packet, so a
//! quiet link's packets arrive up to that late, and a busy one's in large
//! batches with no system call per packet.

use std::cell::Cell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use crate::filter::capture::{Keep, program};
use crate::sys::{self, Block, Ring, RingPacket, RingShape};

/// `ETH_P_ALL`: every ethertype.
const ETH_P_ALL: u16 = 0x0003;

/// What the kernel keeps for the capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaptureFilter {
    /// IPv4 ICMP, IPv4 fragments of any protocol (the guard reassembles
    /// them), and IPv6 whose first next header is ICMPv6, Fragment,
    /// Hop-by-Hop Options, Destination Options or Routing.
    #[default]
    Icmp,
    /// Every packet.
    All,
}

/// How to capture; [`Options::default`] suits a guard watching a busy
/// link (100,000 packets a second on two cores with no drops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// What the kernel keeps ([`CaptureFilter::Icmp`] by default).
    pub filter: CaptureFilter,
    /// Bytes kept of each packet, from its network header (65,535 by
    /// default: whole packets, so fragments can be reassembled).
    pub snap_len: u32,
    /// Puts the interface in promiscuous mode while the capture is open,
    /// to see other hosts' packets ([`Direction::Other`]); needs an
    /// interface. Off by default.
    pub promiscuous: bool,
    /// Bytes per ring block, a multiple of the page size (4 MiB by
    /// default). A packet longer than a block is cut to fit.
    pub block_size: u32,
    /// Blocks in the ring (16 by default: 64 MiB, some 400,000 small
    /// packets, seconds of a flood should the reader stall). A block
    /// holds at least the packets of one block timeout, so on a quiet link
    /// the ring lasts `block_count` timeouts (800 ms by default) without a
    /// reader before the kernel drops packets: read continuously.
    pub block_count: u32,
    /// How long the kernel keeps a block that holds packets but is not
    /// full before handing it over (50 ms by default; at least 1 ms).
    pub block_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            filter: CaptureFilter::Icmp,
            snap_len: 65535,
            promiscuous: false,
            block_size: 4 << 20,
            block_count: 16,
            block_timeout: Duration::from_millis(50),
        }
    }
}

/// Which way a packet went, as the kernel saw it (`sll_pkttype`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// To this host: unicast, broadcast or multicast it received.
    Incoming,
    /// From this host.
    Outgoing,
    /// Between other hosts, seen in promiscuous mode (or a kind of
    /// packet the kernel names otherwise). The kernel's looped-back copies
    /// of our own broadcasts and multicasts never reach a packet socket:
    /// each is seen once, [`Direction::Outgoing`].
    Other,
}

/// One captured packet, lent by a [`Batch`] (or [`PacketCapture::for_each`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedPacket<'a> {
    /// The captured bytes, from the network (IP) header on, at most the
    /// snap length.
    pub ip: &'a [u8],
    /// The packet's length from its network header, before the snap
    /// length cut it.
    pub original_len: u32,
    /// When the kernel captured it: seconds and nanoseconds since the
    /// Unix epoch.
    pub time: (u64, u32),
    /// Which way it went.
    pub direction: Direction,
    /// Whether the link layer sent it to a broadcast or multicast address
    /// (`PACKET_BROADCAST`, `PACKET_MULTICAST`): a received packet only.
    pub link_broadcast: bool,
    /// Its ethertype: 0x0800 IPv4, 0x86dd IPv6 (others with
    /// [`CaptureFilter::All`]).
    pub protocol: u16,
    /// The index of the interface it was seen on.
    pub ifindex: u32,
}

impl<'a> CapturedPacket<'a> {
    /// The packet as the ring holds it.
    fn from_ring(p: RingPacket<'a>) -> Self {
        let (direction, link_broadcast) = match p.pkttype {
            libc::PACKET_HOST => (Direction::Incoming, false),
            libc::PACKET_BROADCAST | libc::PACKET_MULTICAST => (Direction::Incoming, true),
            libc::PACKET_OUTGOING => (Direction::Outgoing, false),
            _ => (Direction::Other, false),
        };
        CapturedPacket {
            ip: p.data,
            original_len: p.len,
            time: (u64::from(p.sec), p.nsec),
            direction,
            link_broadcast,
            protocol: p.protocol,
            ifindex: p.ifindex,
        }
    }
}

/// What the kernel counted for a capture since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets that passed the filter, dropped ones included.
    pub packets: u64,
    /// Packets dropped because the ring was full (the reader fell behind).
    pub drops: u64,
}

/// Why a capture could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The process may not open packet sockets.
    #[error(
        "cannot capture packets: {}",
        crate::denied::cap_net_raw_fix("packet sockets", exe)
    )]
    Denied {
        /// The program to name in the `setcap` advice.
        exe: String,
    },
    /// No interface has that name (in this network namespace).
    #[error("cannot capture on {name:?}: no such interface (`ip link` lists them)")]
    NoInterface {
        /// The name asked for.
        name: String,
    },
    /// A snap length of 0 would keep nothing of any packet.
    #[error("a snap length of 0 keeps nothing: give at least 1 (65535 keeps whole packets)")]
    ZeroSnapLength,
    /// Promiscuous mode was asked for every interface at once.
    #[error("promiscuous mode needs one interface to capture on, not all of them")]
    PromiscuousNeedsInterface,
    /// A step of the setup failed.
    #[error("cannot capture packets on {on}: {step}: {error}")]
    Setup {
        /// The interface's name, or "every interface".
        on: String,
        /// What was being done.
        step: String,
        /// What the kernel said (part of the message, so not also the
        /// error's `source`).
        error: io::Error,
    },
}

/// A live capture: a packet socket with its filter and ring. Dropping it
/// closes both (and ends promiscuous mode).
#[derive(Debug)]
pub struct PacketCapture {
    /// Dropped (unmapped) before the socket closes.
    ring: Ring,
    fd: OwnedFd,
    interface: Option<String>,
    totals: Cell<CaptureStats>,
}

impl PacketCapture {
    /// Opens a capture on `interface` (by name; `None`: every interface)
    /// in the calling thread's network namespace. Needs `CAP_NET_RAW`
    /// ([`CaptureError::Denied`] says how to get it).
    pub fn open(interface: Option<&str>, options: &Options) -> Result<Self, CaptureError> {
        if options.snap_len == 0 {
            return Err(CaptureError::ZeroSnapLength);
        }
        let on = interface.map_or_else(|| "every interface".to_owned(), str::to_owned);
        let setup = |step: String| {
            let on = on.clone();
            move |error| CaptureError::Setup { on, step, error }
        };
        let fd = sys::packet_socket().map_err(|error| {
            if error.kind() == io::ErrorKind::PermissionDenied {
                CaptureError::Denied {
                    exe: crate::denied::exe_path(),
                }
            } else {
                setup("opening a packet socket".to_owned())(error)
            }
        })?;
        let ifindex = match interface {
            Some(name) => {
                crate::interface_index(name).ok_or_else(|| CaptureError::NoInterface {
                    name: name.to_owned(),
                })?
            }
            None if options.promiscuous => return Err(CaptureError::PromiscuousNeedsInterface),
            None => 0,
        };
        let raw = fd.as_raw_fd();
        sys::set_tpacket_v3(raw).map_err(setup("asking for TPACKET_V3".to_owned()))?;
        let keep = match options.filter {
            CaptureFilter::Icmp => Keep::Icmp,
            CaptureFilter::All => Keep::All,
        };
        sys::attach_filter(raw, &program(keep, options.snap_len))
            .map_err(setup("attaching the filter".to_owned()))?;
        let shape = RingShape {
            size: options.block_size,
            count: options.block_count,
            timeout_ms: u32::try_from(options.block_timeout.as_millis())
                .unwrap_or(u32::MAX)
                .max(1),
        };
        let ring = Ring::new(raw, shape).map_err(setup(format!(
            "making the receive ring of {} blocks of {} bytes",
            shape.count, shape.size
        )))?;
        if options.promiscuous {
            sys::add_promiscuous(raw, ifindex)
                .map_err(setup("entering promiscuous mode".to_owned()))?;
        }
        sys::bind_packet(raw, ETH_P_ALL, ifindex).map_err(setup("binding".to_owned()))?;
        Ok(PacketCapture {
            ring,
            fd,
            interface: interface.map(str::to_owned),
            totals: Cell::new(CaptureStats::default()),
        })
    }

    /// The interface captured on (`None`: every interface).
    pub fn interface(&self) -> Option<&str> {
        self.interface.as_deref()
    }

    /// The next block of packets, waiting at most `timeout` for the kernel
    /// to hand one over; `None` when none came (wait again, or stop). The
    /// block goes back to the kernel when the [`Batch`] is dropped: drop
    /// it soon, the kernel fills the ring meanwhile.
    ///
    /// When the interface goes down (or away) the kernel flags the socket
    /// with an error: this returns it once (`ENETDOWN`, "Network is down";
    /// see [`crate::os_errno`]), rather than waking again and again with
    /// nothing to read.
    pub fn next_batch(&mut self, timeout: Duration) -> io::Result<Option<Batch<'_>>> {
        if !self.ring.ready() {
            let fd = self.fd.as_raw_fd();
            let on = self.interface.as_deref().unwrap_or("every interface");
            let explain = |e: &io::Error| {
                crate::error::with_context(e, format!("cannot capture packets on {on}: {e}"))
            };
            let ready = sys::poll_in(fd, timeout).map_err(|e| explain(&e))?;
            if ready.error {
                let errno = sys::get_option_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)
                    .map_err(|e| explain(&e))?;
                if errno != 0 {
                    return Err(explain(&io::Error::from_raw_os_error(errno)));
                }
            }
        }
        Ok(self.ring.take().map(|block| Batch { block }))
    }

    /// Calls `f` with every packet the kernel hands over: waits at most
    /// `timeout` for the first block, then reads every block ready (at
    /// most the whole ring). Returns how many packets `f` saw (0 when the
    /// wait ended with none).
    pub fn for_each(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&CapturedPacket<'_>),
    ) -> io::Result<usize> {
        let mut seen = 0;
        let mut wait = timeout;
        for _ in 0..self.ring.block_count() {
            let Some(batch) = self.next_batch(wait)? else {
                break;
            };
            for packet in batch.packets() {
                f(&packet);
                seen += 1;
            }
            wait = Duration::ZERO;
        }
        Ok(seen)
    }

    /// What the kernel counted since the capture was opened (it resets its
    /// counters on every read; this keeps the running totals).
    pub fn stats(&self) -> io::Result<CaptureStats> {
        let now = sys::packet_statistics(self.fd.as_raw_fd()).map_err(|e| {
            crate::error::with_context(&e, format!("cannot read the capture statistics: {e}"))
        })?;
        let mut totals = self.totals.get();
        totals.packets += u64::from(now.packets);
        totals.drops += u64::from(now.drops);
        self.totals.set(totals);
        Ok(totals)
    }
}

impl AsFd for PacketCapture {
    /// The socket: readable when a block is ready, for a caller's own
    /// `poll` beside other descriptors.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A block of packets the kernel handed over; it goes back to the kernel
/// when dropped.
#[derive(Debug)]
pub struct Batch<'a> {
    block: Block<'a>,
}

impl Batch<'_> {
    /// The packets, in the order the kernel captured them. On a loopback
    /// device the kernel shows every packet twice, leaving and arriving:
    /// as libpcap does, the leaving copy is skipped, so each is seen once,
    /// [`Direction::Incoming`] (the kernel's [`CaptureStats::packets`]
    /// still counts both).
    pub fn packets(&self) -> impl Iterator<Item = CapturedPacket<'_>> {
        self.block
            .packets()
            .filter(|p| !(p.hatype == libc::ARPHRD_LOOPBACK && p.pkttype == libc::PACKET_OUTGOING))
            .map(CapturedPacket::from_ring)
    }
}

#[cfg(test)]
mod tests;
