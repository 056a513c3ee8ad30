//! Linux: every system call the crate makes, each behind a small safe
//! function. Nothing here knows about ICMP beyond socket constants.
//!
//! One module per concern: [`socket`] (opening, options, binding),
//! [`addr`] (socket addresses in the C layout), [`transfer`] (`sendto`,
//! `recvmsg`), [`control`] (the control messages of a receive),
//! [`errqueue`] (extended errors from the error queue), [`mmsg`]
//! (`sendmmsg`, `recvmmsg`), [`poll`] (waiting), [`namespace`] (joining a
//! network namespace), [`packet`] (packet sockets and their receive
//! ring), [`privilege`] (user, groups,
//! capabilities), [`resolve`] (reverse lookups), [`sched`] (the thread's
//! timer slack and real-time policy) and [`tun`] (TUN devices).

use std::io;

use libc::c_int;

mod addr;
mod control;
mod errqueue;
mod heap;
mod mmsg;
mod namespace;
mod packet;
mod poll;
mod privilege;
mod resolve;
mod sched;
mod socket;
mod transfer;
mod tun;

pub use heap::trim_heap;
pub use mmsg::{RecvScratch, SendScratch, UIO_MAXIOV, recv_mmsg, send_mmsg};
pub use namespace::enter_network_namespace;
pub use packet::{
    Block, Ring, RingPacket, RingShape, add_promiscuous, bind_packet, packet_socket,
    packet_statistics, set_tpacket_v3,
};
pub use poll::{PollSet, poll_in, poll_many};
pub use privilege::{
    capabilities, clear_ambient_and_bounding, clear_capabilities, effective_gid, effective_uid,
    supplementary_groups,
};
pub use resolve::{host_name, name_of, utc_offset};
pub use sched::{set_fifo, set_timer_slack};
pub use socket::{
    ICMP_FILTER, ICMP6_FILTER, IPV6_FL_A_GET, IPV6_FL_F_CREATE, IPV6_FL_S_EXCL, SockFilter,
    attach_filter, bind, connect, get_option_int, interface_index, interface_name, local_addr,
    set_nonblocking, set_option_bytes, set_option_bytes_mut, set_option_int, set_recv_timeout,
    socket,
};
pub use transfer::{Message, recv_msg, send_to};
pub use tun::{read_fd, tun_open, write_fd};

/// The errno of the last failed call.
fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// Turns a `-1` return into the errno.
fn check(ret: c_int) -> io::Result<c_int> {
    if ret == -1 {
        Err(last_error())
    } else {
        Ok(ret)
    }
}

/// Turns a `-1` byte count into the errno.
fn check_len(ret: isize) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| last_error())
}

/// `syscall(2)` returns a long.
fn check_long(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(last_error())
    } else {
        Ok(ret)
    }
}
