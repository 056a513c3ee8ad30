//! Prototype (issue 10): flood ICMPv4 Echo one probe at a time (send, wait for the
//! reply, next) over a raw socket (root; ICMP_FILTER to Echo Replies, SO_TIMESTAMPNS).
//!   uringproto a N [TARGET]  sendto + blocking recvmsg (SO_RCVTIMEO 8 ms): icmpkit's and
//!                            iputils' two system calls per probe
//!   uringproto b N [TARGET]  io_uring, one enter per probe: SEND and RECVMSG (with a
//!                            control buffer) submitted together, the enter waiting for both
//!   uringproto m N [TARGET]  io_uring, one enter per probe: a multishot RECVMSG armed once
//!                            into provided buffers, per probe a SEND (CQE skipped on
//!                            success) and an enter waiting for one completion
//! Environment for b: LT=1 (default; SEND -link-> RECVMSG -link-> LINK_TIMEOUT 8 ms) or
//! LT=0 (no timeout SQE, an EXT_ARG timeout of 8 ms on the wait) with LINK=1 (SEND linked to
//! RECVMSG, default) or LINK=0 (both submitted in order, unlinked); UFLAGS=none|dt|dtns|coop
//! (ring setup: dt = SINGLE_ISSUER|DEFER_TASKRUN, the default; dtns adds NO_SQARRAY);
//! FIXED=1 (registered socket); RR=1 (registered ring fd).
//! Prints sent, received, lost and the median RTT (kernel receive time less the wall
//! clock read before the send). TARGET defaults to 198.51.100.2 (the lab chain's server).
use io_uring::{IoUring, opcode, squeue, types};
use std::mem::{size_of, zeroed};
use std::net::Ipv4Addr;
use std::os::fd::RawFd;

const PAYLOAD: usize = 56;
const ICMP_FILTER: libc::c_int = 1;

fn checksum(b: &[u8]) -> u16 {
    let mut s: u32 = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        s += u16::from_be_bytes([b[i], b[i + 1]]) as u32;
        i += 2;
    }
    if i < b.len() {
        s += (b[i] as u32) << 8;
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn build(pkt: &mut [u8; 8 + PAYLOAD], ident: u16, seq: u16) {
    pkt[0] = 8;
    pkt[1] = 0;
    pkt[2] = 0;
    pkt[3] = 0;
    pkt[4..6].copy_from_slice(&ident.to_be_bytes());
    pkt[6..8].copy_from_slice(&seq.to_be_bytes());
    let c = checksum(pkt);
    pkt[2..4].copy_from_slice(&c.to_be_bytes());
}

/// Whether `buf` (IPv4 header + ICMP) is our echo reply for `seq`.
fn matches(buf: &[u8], ident: u16, seq: u16) -> bool {
    if buf.len() < 20 {
        return false;
    }
    let ihl = ((buf[0] & 0x0f) as usize) * 4;
    let icmp = match buf.get(ihl..ihl + 8) {
        Some(x) => x,
        None => return false,
    };
    icmp[0] == 0
        && u16::from_be_bytes([icmp[4], icmp[5]]) == ident
        && u16::from_be_bytes([icmp[6], icmp[7]]) == seq
}

fn kernel_ts(msg: &libc::msghdr) -> Option<libc::timespec> {
    // SAFETY: msg's control buffer was filled by the kernel; CMSG_* walk it within msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SO_TIMESTAMPNS {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(c) as *const libc::timespec
                ));
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    None
}

fn now_real() -> libc::timespec {
    let mut t: libc::timespec = unsafe { zeroed() };
    // SAFETY: t is a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut t) };
    t
}

fn ns(t: &libc::timespec) -> i64 {
    t.tv_sec * 1_000_000_000 + t.tv_nsec
}

fn open_socket() -> RawFd {
    // SAFETY: plain socket calls with valid arguments.
    unsafe {
        let fd = libc::socket(
            libc::AF_INET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_ICMP,
        );
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let filt: u32 = !(1u32 << 0); // pass echo replies only
        let r = libc::setsockopt(
            fd,
            libc::SOL_RAW,
            ICMP_FILTER,
            &filt as *const u32 as *const _,
            4,
        );
        assert!(r == 0, "ICMP_FILTER: {}", std::io::Error::last_os_error());
        let one: libc::c_int = 1;
        let r = libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            &one as *const _ as *const _,
            4,
        );
        assert!(r == 0);
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 8000,
        };
        let r = libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &tv as *const _ as *const _,
            size_of::<libc::timeval>() as u32,
        );
        assert!(r == 0);
        fd
    }
}

struct Stats {
    sent: u64,
    received: u64,
    rtts: Vec<u32>, // ns
    no_ts: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("a");
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let target: Ipv4Addr = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(Ipv4Addr::new(198, 51, 100, 2));
    assert!(n <= 10_000_000);
    let fd = open_socket();
    let ident = (std::process::id() & 0xffff) as u16;
    let mut sa: libc::sockaddr_in = unsafe { zeroed() };
    sa.sin_family = libc::AF_INET as u16;
    sa.sin_addr.s_addr = u32::from(target).to_be();
    let mut st = Stats {
        sent: 0,
        received: 0,
        rtts: Vec::with_capacity(n as usize),
        no_ts: 0,
    };
    match mode {
        "a" => run_a(fd, &sa, ident, n, &mut st),
        "b" => run_b(fd, &sa, ident, n, &mut st),
        "m" => run_m(fd, &sa, ident, n, &mut st),
        _ => panic!("mode a or b"),
    }
    st.rtts.sort_unstable();
    let med = st.rtts.get(st.rtts.len() / 2).copied().unwrap_or(0);
    eprintln!(
        "mode {mode}: {} sent, {} received, {} lost, {} without timestamp, median rtt {:.3} ms",
        st.sent,
        st.received,
        st.sent - st.received,
        st.no_ts,
        med as f64 / 1e6
    );
}

fn record(st: &mut Stats, msg: &libc::msghdr, sent_at: &libc::timespec) {
    st.received += 1;
    match kernel_ts(msg) {
        Some(t) => st
            .rtts
            .push((ns(&t) - ns(sent_at)).clamp(0, u32::MAX as i64) as u32),
        None => st.no_ts += 1,
    }
}

fn run_a(fd: RawFd, sa: &libc::sockaddr_in, ident: u16, n: u64, st: &mut Stats) {
    let mut pkt = [0u8; 8 + PAYLOAD];
    let mut buf = [0u8; 1500];
    let mut ctl = [0u64; 8];
    for i in 0..n {
        let seq = i as u16;
        build(&mut pkt, ident, seq);
        let sent_at = now_real();
        // SAFETY: valid buffer and address.
        let r = unsafe {
            libc::sendto(
                fd,
                pkt.as_ptr() as *const _,
                pkt.len(),
                libc::MSG_DONTWAIT,
                sa as *const _ as *const _,
                size_of::<libc::sockaddr_in>() as u32,
            )
        };
        if r < 0 {
            continue;
        }
        st.sent += 1;
        // bounded: at most 64 foreign datagrams per probe
        for _ in 0..64 {
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr() as *mut _,
                iov_len: buf.len(),
            };
            let mut msg: libc::msghdr = unsafe { zeroed() };
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = ctl.as_mut_ptr() as *mut _;
            msg.msg_controllen = size_of::<[u64; 8]>();
            // SAFETY: msg points to live buffers.
            let r = unsafe { libc::recvmsg(fd, &mut msg, 0) };
            if r < 0 {
                break; // timeout (EAGAIN) or error
            }
            if matches(&buf[..r as usize], ident, seq) {
                record(st, &msg, &sent_at);
                break;
            }
        }
    }
}

fn run_b(fd: RawFd, sa: &libc::sockaddr_in, ident: u16, n: u64, st: &mut Stats) {
    let flags = std::env::var("UFLAGS").unwrap_or_else(|_| "dt".into());
    let mut b = IoUring::builder();
    match flags.as_str() {
        "none" => {}
        "dt" => {
            b.setup_single_issuer().setup_defer_taskrun();
        }
        "dtns" => {
            b.setup_single_issuer()
                .setup_defer_taskrun()
                .setup_no_sqarray();
        }
        "coop" => {
            b.setup_coop_taskrun();
        }
        _ => panic!("UFLAGS"),
    }
    let mut ring: IoUring = b.build(8).expect("io_uring setup");
    let fixed = std::env::var("FIXED").is_ok_and(|v| v == "1");
    if fixed {
        ring.submitter()
            .register_files(&[fd])
            .expect("register_files");
    }
    let mut pkt = [0u8; 8 + PAYLOAD];
    let mut buf = [0u8; 1500];
    let mut ctl = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut _,
        iov_len: buf.len(),
    };
    let mut msg: libc::msghdr = unsafe { zeroed() };
    let ts = types::Timespec::new().nsec(8_000_000);
    let mut timeouts = 0u64;
    // LT=1: SEND -link-> RECVMSG -link-> LINK_TIMEOUT. LT=0: no timeout SQE, an EXT_ARG wait
    // timeout; LINK=1 links send to recv, LINK=0 submits them in order unlinked.
    let lt_mode = std::env::var("LT").map_or(true, |v| v == "1");
    let link = std::env::var("LINK").map_or(true, |v| v == "1");
    let args = types::SubmitArgs::new().timespec(&ts);
    let (mut submitter, mut sqq, mut cqq) = ring.split();
    if std::env::var("RR").is_ok_and(|v| v == "1") {
        submitter.register_ring_fd().expect("register_ring_fd");
    }
    for i in 0..n {
        let seq = i as u16;
        build(&mut pkt, ident, seq);
        let sent_at = now_real();
        iov.iov_base = buf.as_mut_ptr() as *mut _;
        iov.iov_len = buf.len();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl.as_mut_ptr() as *mut _;
        msg.msg_controllen = size_of::<[u64; 8]>();
        msg.msg_name = std::ptr::null_mut();
        msg.msg_namelen = 0;
        let send = if fixed {
            opcode::Send::new(types::Fixed(0), pkt.as_ptr(), pkt.len() as u32)
        } else {
            opcode::Send::new(types::Fd(fd), pkt.as_ptr(), pkt.len() as u32)
        }
        .dest_addr(sa as *const _ as *const libc::sockaddr)
        .dest_addr_len(size_of::<libc::sockaddr_in>() as u32)
        .build()
        .flags(if link || lt_mode {
            squeue::Flags::IO_LINK
        } else {
            squeue::Flags::empty()
        })
        .user_data(1);
        let recv = if fixed {
            opcode::RecvMsg::new(types::Fixed(0), &mut msg)
        } else {
            opcode::RecvMsg::new(types::Fd(fd), &mut msg)
        }
        .build()
        .flags(if lt_mode {
            squeue::Flags::IO_LINK
        } else {
            squeue::Flags::empty()
        })
        .user_data(2);
        let lt = opcode::LinkTimeout::new(&ts).build().user_data(3);
        let want = if lt_mode { 3 } else { 2 };
        // SAFETY: pkt, msg, iov, buf, ctl, ts and sa outlive the completions waited for below.
        unsafe {
            sqq.push(&send).unwrap();
            sqq.push(&recv).unwrap();
            if lt_mode {
                sqq.push(&lt).unwrap();
            }
        }
        sqq.sync();
        let mut got = 0;
        let mut send_res = 0;
        let mut recv_res = 0;
        let mut recv_done = false;
        let mut cancelled = false;
        for _ in 0..16 {
            let r = if lt_mode || cancelled {
                submitter.submit_and_wait(want - got)
            } else {
                submitter.submit_with_args(want - got, &args)
            };
            cqq.sync();
            match r {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) if e.raw_os_error() == Some(libc::ETIME) => {}
                Err(e) => panic!("enter: {e}"),
            }
            for cqe in &mut cqq {
                match cqe.user_data() {
                    1 => {
                        send_res = cqe.result();
                        got += 1;
                    }
                    2 => {
                        recv_res = cqe.result();
                        recv_done = true;
                        got += 1;
                    }
                    3 => got += 1,
                    _ => {}
                }
            }
            if got >= want {
                break;
            }
            if !lt_mode && !recv_done && !cancelled {
                // the wait timed out (or the send failed): cancel the receive, wait for its end
                let c = opcode::AsyncCancel::new(2).build().user_data(9);
                // SAFETY: the cancel SQE holds no pointers.
                unsafe { sqq.push(&c).unwrap() };
                sqq.sync();
                cancelled = true;
            }
        }
        assert_eq!(got, want);
        if send_res < 0 {
            continue;
        }
        st.sent += 1;
        if recv_res < 0 {
            timeouts += 1;
            continue;
        }
        if matches(&buf[..recv_res as usize], ident, seq) {
            record(st, &msg, &sent_at);
        } else {
            // a foreign datagram: read on the plain way, bounded (rare in the lab)
            for _ in 0..64 {
                let mut iov2 = libc::iovec {
                    iov_base: buf.as_mut_ptr() as *mut _,
                    iov_len: buf.len(),
                };
                let mut m2: libc::msghdr = unsafe { zeroed() };
                m2.msg_iov = &mut iov2;
                m2.msg_iovlen = 1;
                m2.msg_control = ctl.as_mut_ptr() as *mut _;
                m2.msg_controllen = size_of::<[u64; 8]>();
                // SAFETY: m2 points to live buffers.
                let r = unsafe { libc::recvmsg(fd, &mut m2, 0) };
                if r < 0 {
                    break;
                }
                if matches(&buf[..r as usize], ident, seq) {
                    record(st, &m2, &sent_at);
                    break;
                }
            }
        }
    }
    if timeouts > 0 {
        eprintln!("recv timeouts: {timeouts}");
    }
}

/// SO_TIMESTAMPNS from a control buffer laid out as the kernel writes it.
fn ts_from_control(ctl: &[u8]) -> Option<libc::timespec> {
    let mut off = 0usize;
    let hl = size_of::<libc::cmsghdr>();
    while off + hl <= ctl.len() {
        // SAFETY: hl bytes at off are inside ctl; read_unaligned copes with any alignment.
        let h: libc::cmsghdr =
            unsafe { std::ptr::read_unaligned(ctl.as_ptr().add(off) as *const libc::cmsghdr) };
        let len = h.cmsg_len as usize;
        if len < hl || off + len > ctl.len() {
            return None;
        }
        if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SO_TIMESTAMPNS && len >= hl + 16
        {
            // SAFETY: 16 bytes after the header are inside ctl (checked above).
            return Some(unsafe {
                std::ptr::read_unaligned(ctl.as_ptr().add(off + hl) as *const libc::timespec)
            });
        }
        off += (len + 7) & !7;
    }
    None
}

/// Multishot RECVMSG armed once into a ring of provided buffers; per probe one SEND
/// (CQE skipped on success) and one enter that waits for one completion (EXT_ARG timeout).
fn run_m(fd: RawFd, sa: &libc::sockaddr_in, ident: u16, n: u64, st: &mut Stats) {
    const NBUF: u16 = 16;
    const BLEN: usize = 2048;
    const BGID: u16 = 7;
    let mut ring: IoUring = IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .setup_no_sqarray()
        .build(8)
        .expect("io_uring setup");
    let (mut submitter, mut sqq, mut cqq) = ring.split();
    submitter.register_files(&[fd]).expect("register_files");
    submitter.register_ring_fd().expect("register_ring_fd");
    // SAFETY: an anonymous private mapping of one page, used only as the buffer ring.
    let ring_mem = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert!(ring_mem != libc::MAP_FAILED);
    let entries = ring_mem as *mut types::BufRingEntry;
    let mut bufs = vec![0u8; NBUF as usize * BLEN];
    let mut tail: u16 = 0;
    // SAFETY: entries points to NBUF entries inside the page; bufs lives until the end.
    let tail_ptr =
        unsafe { types::BufRingEntry::tail(entries) as *const std::sync::atomic::AtomicU16 };
    let give = |bid: u16, tail: &mut u16, bufs: &mut Vec<u8>| {
        // SAFETY: index masked into the ring; the buffer stays alive for the ring's life.
        unsafe {
            let e = &mut *entries.add((*tail & (NBUF - 1)) as usize);
            e.set_addr(bufs.as_mut_ptr().add(bid as usize * BLEN) as u64);
            e.set_len(BLEN as u32);
            e.set_bid(bid);
            *tail = tail.wrapping_add(1);
            (*tail_ptr).store(*tail, std::sync::atomic::Ordering::Release);
        }
    };
    for b in 0..NBUF {
        give(b, &mut tail, &mut bufs);
    }
    // SAFETY: ring_mem stays mapped for the ring's life.
    unsafe {
        submitter
            .register_buf_ring_with_flags(ring_mem as u64, NBUF, BGID, 0)
            .expect("register_buf_ring")
    };
    let mut mh: libc::msghdr = unsafe { zeroed() };
    mh.msg_controllen = 64;
    let recv = opcode::RecvMsgMulti::new(types::Fixed(0), &mh, BGID)
        .build()
        .user_data(2);
    // SAFETY: mh lives for the ring's life.
    unsafe { sqq.push(&recv).unwrap() };
    sqq.sync();
    let mut pkt = [0u8; 8 + PAYLOAD];
    let ts = types::Timespec::new().nsec(8_000_000);
    let args = types::SubmitArgs::new().timespec(&ts);
    let mut timeouts = 0u64;
    let mut rearms = 0u64;
    for i in 0..n {
        let seq = i as u16;
        build(&mut pkt, ident, seq);
        let sent_at = now_real();
        let send = opcode::Send::new(types::Fixed(0), pkt.as_ptr(), pkt.len() as u32)
            .dest_addr(sa as *const _ as *const libc::sockaddr)
            .dest_addr_len(size_of::<libc::sockaddr_in>() as u32)
            .build()
            .flags(squeue::Flags::SKIP_SUCCESS)
            .user_data(1);
        // SAFETY: pkt and sa outlive the send's completion (it completes within the enter).
        unsafe { sqq.push(&send).unwrap() };
        sqq.sync();
        let mut counted = false;
        let mut done = false;
        for _ in 0..64 {
            match submitter.submit_with_args(1, &args) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) if e.raw_os_error() == Some(libc::ETIME) => {
                    timeouts += 1;
                    done = true;
                }
                Err(e) => panic!("enter: {e}"),
            }
            cqq.sync();
            let mut rearm = false;
            for cqe in &mut cqq {
                match cqe.user_data() {
                    1 => {
                        // a failed send (successes are skipped)
                        counted = true;
                        done = true;
                    }
                    2 => {
                        let res = cqe.result();
                        if !io_uring::cqueue::more(cqe.flags()) {
                            rearm = true;
                        }
                        if let Some(bid) = io_uring::cqueue::buffer_select(cqe.flags()) {
                            if res >= 0 {
                                let b =
                                    &bufs[bid as usize * BLEN..bid as usize * BLEN + res as usize];
                                if let Ok(out) = types::RecvMsgOut::parse(b, &mh)
                                    && !done
                                    && matches(out.payload_data(), ident, seq)
                                {
                                    st.received += 1;
                                    match ts_from_control(out.control_data()) {
                                        Some(t) => st.rtts.push(
                                            (ns(&t) - ns(&sent_at)).clamp(0, u32::MAX as i64)
                                                as u32,
                                        ),
                                        None => st.no_ts += 1,
                                    }
                                    done = true;
                                }
                            }
                            give(bid, &mut tail, &mut bufs);
                        }
                    }
                    _ => {}
                }
            }
            if rearm {
                rearms += 1;
                // SAFETY: mh lives for the ring's life.
                unsafe { sqq.push(&recv).unwrap() };
                sqq.sync();
            }
            if done {
                break;
            }
        }
        if !counted {
            st.sent += 1;
        }
    }
    if timeouts > 0 || rearms > 0 {
        eprintln!("timeouts {timeouts}, rearms {rearms}");
    }
}
