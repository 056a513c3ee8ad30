//! Linux's errno values, as machines receive them in
//! [`SendFailure::errno`](crate::machine::SendFailure) and
//! [`SocketError::errno`](crate::machine::SocketError): from a real
//! transport (the kernel's) or the simulated network (which speaks the
//! same numbers). `proto` reads no libc, so the numbers are written here
//! once, with their symbolic names ([`name`]).

/// Operation not permitted (a send a firewall refused).
pub const EPERM: i32 = 1;
/// Resource temporarily unavailable (a full socket buffer).
pub const EAGAIN: i32 = 11;
/// Permission denied (a broadcast address without `SO_BROADCAST`, a
/// prohibit route; an ICMPv6 administratively prohibited).
pub const EACCES: i32 = 13;
/// Invalid argument (a blackhole route).
pub const EINVAL: i32 = 22;
/// Machine is not on the network (ICMPv4 source host isolated).
pub const ENONET: i32 = 64;
/// Protocol error (a Parameter Problem).
pub const EPROTO: i32 = 71;
/// Message too long (a send over the MTU, Frag Needed, Packet Too Big).
pub const EMSGSIZE: i32 = 90;
/// Protocol not available (ICMPv4 protocol unreachable).
pub const ENOPROTOOPT: i32 = 92;
/// Operation not supported (ICMPv4 source route failed).
pub const EOPNOTSUPP: i32 = 95;
/// Cannot assign requested address.
pub const EADDRNOTAVAIL: i32 = 99;
/// Network is unreachable (no route; ICMP net unreachable).
pub const ENETUNREACH: i32 = 101;
/// No buffer space available (the device queue is full).
pub const ENOBUFS: i32 = 105;
/// Connection refused (ICMP port unreachable).
pub const ECONNREFUSED: i32 = 111;
/// Host is down (ICMPv4 host unknown).
pub const EHOSTDOWN: i32 = 112;
/// No route to host (ICMP host unreachable, Time Exceeded).
pub const EHOSTUNREACH: i32 = 113;

/// The symbolic name of an errno listed here (`"EACCES"`), `None` for any
/// other.
pub fn name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        EPERM => "EPERM",
        EAGAIN => "EAGAIN",
        EACCES => "EACCES",
        EINVAL => "EINVAL",
        ENONET => "ENONET",
        EPROTO => "EPROTO",
        EMSGSIZE => "EMSGSIZE",
        ENOPROTOOPT => "ENOPROTOOPT",
        EOPNOTSUPP => "EOPNOTSUPP",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETUNREACH => "ENETUNREACH",
        ENOBUFS => "ENOBUFS",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTDOWN => "EHOSTDOWN",
        EHOSTUNREACH => "EHOSTUNREACH",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_those_of_the_constants_and_unknown_numbers_have_none() {
        assert_eq!(super::name(super::EACCES), Some("EACCES"));
        assert_eq!(super::name(super::EMSGSIZE), Some("EMSGSIZE"));
        assert_eq!(super::name(4242), None);
    }
}
