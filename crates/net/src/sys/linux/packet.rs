//! Packet sockets (`AF_PACKET`, `packet(7)`) with a `TPACKET_V3` receive
//! ring: the socket, its options (version, ring, promiscuous membership,
//! statistics), binding to an interface, the ring's mapping, and the walk
//! over a block the kernel handed to user space.
//!
//! The ring is `block_count` blocks of `block_size` bytes shared with the
//! kernel. The kernel fills one block at a time with packets, each behind
//! a `tpacket3_hdr` and a `sockaddr_ll`, then retires it (full, or after
//! the block timeout) by setting `TP_STATUS_USER` in the block's status;
//! user space reads it and gives it back by writing `TP_STATUS_KERNEL`.
//! Blocks are retired in order, so user space reads them in order too.
//! While a block is user space's the kernel does not touch it, so its
//! bytes can be lent out as `&[u8]` until it is given back ([`Block`]
//! gives it back when dropped).

use std::io;
use std::mem::{offset_of, size_of, zeroed};
use std::os::fd::{OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use libc::{c_int, c_void, sockaddr_ll, tpacket_block_desc, tpacket_hdr_v1, tpacket3_hdr};

use super::addr::{sa_family, socklen_of};
use super::check;
use super::socket::{set_option_bytes, set_option_int, socket};

/// `TPACKET_ALIGNMENT`.
const ALIGNMENT: usize = libc::TPACKET_ALIGNMENT;
/// Where a packet's `sockaddr_ll` starts after its `tpacket3_hdr`.
const SLL_OFFSET: usize = (size_of::<tpacket3_hdr>() + ALIGNMENT - 1) & !(ALIGNMENT - 1);
/// Where the block header (`tpacket_hdr_v1`) starts in a block.
const BH: usize = offset_of!(tpacket_block_desc, hdr);

/// `socket(AF_PACKET, SOCK_DGRAM, 0)`: a cooked packet socket (packets
/// from their network header on) that receives nothing until
/// [`bind_packet`] gives it a protocol, so its filter and ring can be set
/// up first. Needs `CAP_NET_RAW` (`EPERM` otherwise).
pub fn packet_socket() -> io::Result<OwnedFd> {
    socket(libc::AF_PACKET, libc::SOCK_DGRAM, 0)
}

/// `PACKET_VERSION`: the ring's layout, `TPACKET_V3` (before the ring).
pub fn set_tpacket_v3(fd: RawFd) -> io::Result<()> {
    set_option_int(
        fd,
        libc::SOL_PACKET,
        libc::PACKET_VERSION,
        libc::tpacket_versions::TPACKET_V3 as c_int,
    )
}

/// Binds the packet socket to `protocol` (an ethertype, host order;
/// `ETH_P_ALL` for every one) on interface `ifindex` (0: every interface).
pub fn bind_packet(fd: RawFd, protocol: u16, ifindex: u32) -> io::Result<()> {
    // SAFETY: all zeroes is a valid sockaddr_ll.
    let mut addr: sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = sa_family(libc::AF_PACKET);
    addr.sll_protocol = protocol.to_be();
    addr.sll_ifindex = c_int::try_from(ifindex)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface index too large"))?;
    // SAFETY: `addr` is a sockaddr_ll of the size passed that outlives the
    // call.
    check(unsafe {
        libc::bind(
            fd,
            (&raw const addr).cast::<libc::sockaddr>(),
            socklen_of::<sockaddr_ll>(),
        )
    })?;
    Ok(())
}

/// `PACKET_ADD_MEMBERSHIP` of `PACKET_MR_PROMISC` on `ifindex`: the
/// interface is promiscuous while the socket is open (the kernel counts
/// its users and drops the membership with the socket).
pub fn add_promiscuous(fd: RawFd, ifindex: u32) -> io::Result<()> {
    // SAFETY: all zeroes is a valid packet_mreq.
    let mut mreq: libc::packet_mreq = unsafe { zeroed() };
    mreq.mr_ifindex = c_int::try_from(ifindex)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface index too large"))?;
    mreq.mr_type = u16::try_from(libc::PACKET_MR_PROMISC).unwrap_or(1);
    // SAFETY: `mreq` is a plain C structure of the size passed.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (&raw const mreq).cast::<u8>(),
            size_of::<libc::packet_mreq>(),
        )
    };
    set_option_bytes(fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, bytes)
}

/// What `PACKET_STATISTICS` says since the last time it was asked (the
/// kernel resets its counters on every read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketStatistics {
    /// Packets that passed the filter, dropped ones included.
    pub packets: u32,
    /// Packets dropped for want of room in the ring.
    pub drops: u32,
    /// Times the ring was full (the queue froze).
    pub freezes: u32,
}

/// `PACKET_STATISTICS` of a `TPACKET_V3` socket (which resets them).
pub fn packet_statistics(fd: RawFd) -> io::Result<PacketStatistics> {
    // SAFETY: all zeroes is a valid tpacket_stats_v3.
    let mut stats: libc::tpacket_stats_v3 = unsafe { zeroed() };
    let mut len = socklen_of::<libc::tpacket_stats_v3>();
    // SAFETY: `stats` and `len` are valid for writes and `len` is its size.
    check(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&raw mut stats).cast::<c_void>(),
            &raw mut len,
        )
    })?;
    Ok(PacketStatistics {
        packets: stats.tp_packets,
        drops: stats.tp_drops,
        freezes: stats.tp_freeze_q_cnt,
    })
}

/// The shape of a `TPACKET_V3` ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingShape {
    /// Bytes per block: a multiple of the page size.
    pub size: u32,
    /// Blocks in the ring.
    pub count: u32,
    /// Milliseconds after which the kernel retires a block that holds
    /// packets but is not full.
    pub timeout_ms: u32,
}

/// The frame size told to the kernel: `TPACKET_V3` packs packets of any
/// size into a block, and uses frames only to check the request.
const FRAME_SIZE: u32 = 2048;

/// The page size (`sysconf(_SC_PAGESIZE)`; 4096 if it does not say).
fn page_size() -> u32 {
    // SAFETY: sysconf takes and returns integers.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u32::try_from(size).unwrap_or(4096)
}

/// A `TPACKET_V3` receive ring, mapped; unmapped when dropped.
#[derive(Debug)]
pub struct Ring {
    base: NonNull<u8>,
    block_size: usize,
    block_count: usize,
    /// The block to read next.
    next: usize,
}

// SAFETY: the mapping belongs to the process, not to a thread; a `Ring`
// is its only user in this process, and `&mut` access to it is needed to
// take a block, so moving it to another thread is sound.
unsafe impl Send for Ring {}

impl Ring {
    /// `PACKET_RX_RING` on `fd` (after [`set_tpacket_v3`]) with `shape`,
    /// then `mmap` of the whole ring.
    pub fn new(fd: RawFd, shape: RingShape) -> io::Result<Ring> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        if shape.count == 0 {
            return Err(invalid("a ring needs at least one block"));
        }
        let page = page_size();
        if shape.size == 0 || !shape.size.is_multiple_of(page) || !page.is_multiple_of(FRAME_SIZE) {
            return Err(invalid(&format!(
                "the block size must be a multiple of the page size, {page} bytes"
            )));
        }
        let frames = (shape.size / FRAME_SIZE)
            .checked_mul(shape.count)
            .ok_or_else(|| invalid("the ring is too large"))?;
        let req = libc::tpacket_req3 {
            tp_block_size: shape.size,
            tp_block_nr: shape.count,
            tp_frame_size: FRAME_SIZE,
            tp_frame_nr: frames,
            tp_retire_blk_tov: shape.timeout_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        // SAFETY: `req` is a plain C structure of the size passed.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&raw const req).cast::<u8>(),
                size_of::<libc::tpacket_req3>(),
            )
        };
        set_option_bytes(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, bytes)?;
        let block_size = shape.size as usize;
        let block_count = shape.count as usize;
        let len = block_size
            .checked_mul(block_count)
            .ok_or_else(|| invalid("the ring is too large"))?;
        // SAFETY: a fresh shared mapping of the socket's ring, `len` bytes
        // as the kernel just made it; no existing memory is affected.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(base.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        Ok(Ring {
            base,
            block_size,
            block_count,
            next: 0,
        })
    }

    /// The status word of block `i`.
    fn status(&self, i: usize) -> &AtomicU32 {
        // SAFETY: `i < block_count`, so the block header lies inside the
        // mapping, which is page-aligned, and blocks are whole pages, so
        // the word is aligned; the kernel writes the word too, which is why
        // it is read and written only atomically, and it lives as long as
        // `self`.
        #[allow(clippy::cast_ptr_alignment)]
        unsafe {
            AtomicU32::from_ptr(
                self.base
                    .as_ptr()
                    .add(i * self.block_size + BH + offset_of!(tpacket_hdr_v1, block_status))
                    .cast::<u32>(),
            )
        }
    }

    /// How many blocks the ring has.
    pub fn block_count(&self) -> usize {
        self.block_count
    }

    /// Whether the next block is user space's to read ([`Ring::take`]).
    pub fn ready(&self) -> bool {
        self.status(self.next).load(Ordering::Acquire) & libc::TP_STATUS_USER != 0
    }

    /// The next block, if the kernel has retired it to user space; given
    /// back to the kernel when the [`Block`] is dropped.
    pub fn take(&mut self) -> Option<Block<'_>> {
        if !self.ready() {
            return None;
        }
        // SAFETY: the block lies inside the mapping; the kernel handed it
        // to user space (the acquire load above saw TP_STATUS_USER after
        // the kernel's writes) and does not write it until `Block::drop`
        // gives it back, after every borrow of these bytes has ended (they
        // borrow the `Block`).
        let bytes = unsafe {
            std::slice::from_raw_parts(
                self.base.as_ptr().add(self.next * self.block_size),
                self.block_size,
            )
        };
        Some(Block { ring: self, bytes })
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: `base` and the length are the mapping `Ring::new` made,
        // and no borrow of it outlives the ring (blocks borrow the ring).
        unsafe {
            libc::munmap(
                self.base.as_ptr().cast::<c_void>(),
                self.block_size * self.block_count,
            );
        }
    }
}

/// A block of the ring that user space holds; given back to the kernel
/// when dropped.
#[derive(Debug)]
pub struct Block<'a> {
    ring: &'a mut Ring,
    bytes: &'a [u8],
}

impl Block<'_> {
    /// The packets in the block, in order.
    pub fn packets(&self) -> Packets<'_> {
        Packets::new(self.bytes)
    }
}

impl Drop for Block<'_> {
    fn drop(&mut self) {
        let ring = &mut *self.ring;
        ring.status(ring.next)
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
        ring.next = (ring.next + 1) % ring.block_count;
    }
}

/// One packet of a block, as the kernel wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingPacket<'a> {
    /// The captured bytes, from the network header on.
    pub data: &'a [u8],
    /// The packet's length before the snap length cut it.
    pub len: u32,
    /// When it was captured: seconds since the epoch.
    pub sec: u32,
    /// And nanoseconds.
    pub nsec: u32,
    /// `sll_pkttype`: `PACKET_HOST`, `PACKET_OUTGOING`, ...
    pub pkttype: u8,
    /// `sll_hatype`: the interface's `ARPHRD_*` type.
    pub hatype: u16,
    /// `sll_protocol`: the ethertype (host order).
    pub protocol: u16,
    /// `sll_ifindex`: the interface it was seen on.
    pub ifindex: u32,
}

/// The packets of a block: it walks the kernel's headers and stops, rather
/// than reading outside the block, at one that does not fit.
#[derive(Clone, Debug)]
pub struct Packets<'a> {
    block: &'a [u8],
    /// Where the next packet's header is.
    at: usize,
    /// Packets left.
    left: u32,
}

/// The native-endian `u32` at `at`.
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The native-endian `u16` at `at`.
fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

impl<'a> Packets<'a> {
    /// The packets of `block`, the bytes of a whole retired block.
    pub fn new(block: &'a [u8]) -> Self {
        let count = u32_at(block, BH + offset_of!(tpacket_hdr_v1, num_pkts));
        let first = u32_at(block, BH + offset_of!(tpacket_hdr_v1, offset_to_first_pkt));
        match (count, first) {
            (Some(left), Some(first)) => Packets {
                block,
                at: first as usize,
                left,
            },
            _ => Packets {
                block,
                at: 0,
                left: 0,
            },
        }
    }

    /// The packet whose header is at `at`, and where the next one is
    /// (`None` after the last: the kernel gives it a next offset of 0).
    fn read(&self, at: usize) -> Option<(RingPacket<'a>, Option<usize>)> {
        let b = self.block;
        let field = |offset: usize| u32_at(b, at.checked_add(offset)?);
        let next = field(offset_of!(tpacket3_hdr, tp_next_offset))?;
        let snap = field(offset_of!(tpacket3_hdr, tp_snaplen))?;
        let net = u16_at(b, at.checked_add(offset_of!(tpacket3_hdr, tp_net))?)?;
        let start = at.checked_add(usize::from(net))?;
        let data = b.get(start..start.checked_add(snap as usize)?)?;
        let sll = at.checked_add(SLL_OFFSET)?;
        let protocol = u16_at(b, sll + offset_of!(sockaddr_ll, sll_protocol))?;
        let packet = RingPacket {
            data,
            len: field(offset_of!(tpacket3_hdr, tp_len))?,
            sec: field(offset_of!(tpacket3_hdr, tp_sec))?,
            nsec: field(offset_of!(tpacket3_hdr, tp_nsec))?,
            pkttype: *b.get(sll + offset_of!(sockaddr_ll, sll_pkttype))?,
            hatype: u16_at(b, sll + offset_of!(sockaddr_ll, sll_hatype))?,
            protocol: u16::from_be(protocol),
            ifindex: u32_at(b, sll + offset_of!(sockaddr_ll, sll_ifindex))?,
        };
        let next = (next != 0).then(|| at.checked_add(next as usize)).flatten();
        Some((packet, next))
    }
}

impl<'a> Iterator for Packets<'a> {
    type Item = RingPacket<'a>;

    fn next(&mut self) -> Option<RingPacket<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let read = self.read(self.at);
        match read {
            Some((_, Some(next))) => self.at = next,
            _ => self.left = 0,
        }
        read.map(|(packet, _)| packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TPACKET3_HDRLEN`: the headers before a packet's bytes.
    const TPACKET3_HDRLEN: usize = SLL_OFFSET + size_of::<sockaddr_ll>();

    /// A block of `size` bytes holding `packets` (bytes, pkttype), as the
    /// kernel lays them out.
    fn block(size: usize, packets: &[(&[u8], u8)]) -> Vec<u8> {
        let mut b = vec![0; size];
        let put32 = |b: &mut Vec<u8>, at: usize, v: usize| {
            let v = u32::try_from(v).unwrap();
            b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        };
        let first = 48;
        put32(
            &mut b,
            BH + offset_of!(tpacket_hdr_v1, num_pkts),
            packets.len(),
        );
        put32(
            &mut b,
            BH + offset_of!(tpacket_hdr_v1, offset_to_first_pkt),
            first,
        );
        let mut at = first;
        for (i, &(data, pkttype)) in packets.iter().enumerate() {
            let net = TPACKET3_HDRLEN + 2;
            let next = (net + data.len() + ALIGNMENT - 1) & !(ALIGNMENT - 1);
            let last = i + 1 == packets.len();
            let header = |field: usize| at + field;
            put32(
                &mut b,
                header(offset_of!(tpacket3_hdr, tp_next_offset)),
                if last { 0 } else { next },
            );
            put32(&mut b, header(offset_of!(tpacket3_hdr, tp_sec)), 1000 + i);
            put32(&mut b, header(offset_of!(tpacket3_hdr, tp_nsec)), 7);
            put32(
                &mut b,
                header(offset_of!(tpacket3_hdr, tp_snaplen)),
                data.len(),
            );
            put32(
                &mut b,
                header(offset_of!(tpacket3_hdr, tp_len)),
                data.len() + 5,
            );
            let tp_net = header(offset_of!(tpacket3_hdr, tp_net));
            let net16 = u16::try_from(net).unwrap();
            b[tp_net..tp_net + 2].copy_from_slice(&net16.to_ne_bytes());
            let sll = at + SLL_OFFSET;
            let proto = sll + offset_of!(sockaddr_ll, sll_protocol);
            b[proto..proto + 2].copy_from_slice(&0x0800u16.to_be_bytes());
            put32(&mut b, sll + offset_of!(sockaddr_ll, sll_ifindex), 3);
            b[sll + offset_of!(sockaddr_ll, sll_pkttype)] = pkttype;
            b[at + net..at + net + data.len()].copy_from_slice(data);
            at += next;
        }
        b
    }

    #[test]
    fn the_header_sizes_are_the_kernels() {
        assert_eq!(size_of::<tpacket3_hdr>(), 48);
        assert_eq!(TPACKET3_HDRLEN, libc::TPACKET3_HDRLEN);
        assert_eq!(BH, 8);
    }

    #[test]
    fn walks_every_packet_of_a_block() {
        let b = block(4096, &[(b"abc", 0), (&[9; 100], 4), (b"z", 1)]);
        let got: Vec<_> = Packets::new(&b).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].data, b"abc");
        assert_eq!(got[1].data, &[9; 100]);
        assert_eq!(got[2].data, b"z");
        assert_eq!(
            got.iter()
                .map(|p| (p.pkttype, p.sec, p.len))
                .collect::<Vec<_>>(),
            [(0, 1000, 8), (4, 1001, 105), (1, 1002, 6)]
        );
        assert!(
            got.iter()
                .all(|p| p.protocol == 0x0800 && p.ifindex == 3 && p.nsec == 7)
        );
    }

    #[test]
    fn a_header_that_points_outside_the_block_ends_the_walk() {
        let mut b = block(4096, &[(b"abc", 0), (b"def", 0)]);
        // The first packet's bytes run past the end: nothing is read.
        let snap = 48 + offset_of!(tpacket3_hdr, tp_snaplen);
        b[snap..snap + 4].copy_from_slice(&5000u32.to_ne_bytes());
        assert_eq!(Packets::new(&b).count(), 0);
        // More packets claimed than there are: the walk stops at the last
        // (next offset 0).
        let mut b = block(4096, &[(b"abc", 0)]);
        let count = BH + offset_of!(tpacket_hdr_v1, num_pkts);
        b[count..count + 4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(Packets::new(&b).take(1000).count(), 1);
        // Any block, however short, walks without panicking.
        for len in 0..200 {
            let _ = Packets::new(&block(4096, &[(b"abc", 0)])[..len]).count();
        }
    }
}
