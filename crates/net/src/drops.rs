//! How many packets the kernel dropped for a socket because its receive
//! queue was full: the `drops` column of `/proc/net/raw` (`raw6`, `icmp`,
//! `icmp6` for ping sockets), found by the socket's inode, in the tables
//! of the calling thread's network namespace (`/proc/thread-self`: a
//! thread that entered another namespace sees that one's sockets).

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

use crate::{IcmpSocket, IpVersion, SocketKind};

impl IcmpSocket {
    /// Packets the kernel dropped for this socket (receive queue full). A
    /// sweep reports it so that a loss on our side is not taken for hosts
    /// that did not answer.
    pub fn kernel_drops(&self) -> io::Result<u64> {
        let inode = std::fs::metadata(format!("/proc/self/fd/{}", self.as_raw_fd()))?.ino();
        let table = match (self.kind(), self.version()) {
            (SocketKind::Raw, IpVersion::V4) => "/proc/thread-self/net/raw",
            (SocketKind::Raw, IpVersion::V6) => "/proc/thread-self/net/raw6",
            (SocketKind::Dgram, IpVersion::V4) => "/proc/thread-self/net/icmp",
            (SocketKind::Dgram, IpVersion::V6) => "/proc/thread-self/net/icmp6",
        };
        let text = std::fs::read_to_string(table)?;
        drops_of(&text, inode).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("socket inode {inode} is not in {table}"),
            )
        })
    }
}

/// The `drops` of the row whose `inode` column is `inode`.
fn drops_of(table: &str, inode: u64) -> Option<u64> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    // The header names "tm->when" as one column but rows split it in two,
    // so count the inode and drops columns from the end of each row.
    let inode_from_end = header.len() - header.iter().position(|h| *h == "inode")?;
    let drops_from_end = header.len() - header.iter().position(|h| *h == "drops")?;
    lines.find_map(|row| {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let at = |from_end: usize| cols.get(cols.len().checked_sub(from_end)?);
        (at(inode_from_end)?.parse::<u64>().ok()? == inode)
            .then(|| at(drops_from_end)?.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
 1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 91234 2 00000000abcd 17\n\
 2: 00000000:003A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 91240 2 00000000abce 0\n";

    #[test]
    fn drops_are_found_by_inode() {
        assert_eq!(drops_of(RAW, 91234), Some(17));
        assert_eq!(drops_of(RAW, 91240), Some(0));
        assert_eq!(drops_of(RAW, 1), None);
        assert_eq!(drops_of("", 1), None);
    }
}
