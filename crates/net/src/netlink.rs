//! Interface configuration over rtnetlink (`netlink-packet-route` messages
//! on a `netlink-sys` socket, one synchronous request at a time): bring a
//! link up, give it addresses, route prefixes into it. What `ip link set
//! up`, `ip address add` and `ip route add` do, without running `ip`.

use std::io;
use std::net::IpAddr;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, LinkAttribute, LinkFlags, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};

/// An rtnetlink socket of this network namespace.
pub(crate) struct Rtnetlink {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl Rtnetlink {
    /// Opens one.
    pub(crate) fn open() -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Self {
            socket,
            seq: 0,
            buf: vec![0; 1 << 16],
        })
    }

    /// Sends `message` (a new object: create, fail if it exists) and waits
    /// for the kernel's acknowledgement; its error as an [`io::Error`].
    fn request(&mut self, message: RouteNetlinkMessage, create: bool) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        if create {
            header.flags |= NLM_F_CREATE | NLM_F_EXCL;
        }
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let len = packet.buffer_len();
        if len > self.buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "netlink request too long",
            ));
        }
        packet.serialize(&mut self.buf[..len]);
        self.socket.send(&self.buf[..len], 0)?;
        // Bounded: the kernel answers a request with one acknowledgement;
        // anything else (another sequence number) is skipped.
        for _ in 0..64 {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            let mut at = 0;
            while at < n {
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&self.buf[at..n])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                let size = reply.header.length as usize;
                if reply.header.sequence_number == self.seq {
                    match reply.payload {
                        NetlinkPayload::Error(e) if e.code.is_some() => return Err(e.to_io()),
                        NetlinkPayload::Error(_) | NetlinkPayload::Done(_) => return Ok(()),
                        _ => {}
                    }
                }
                if size == 0 {
                    break;
                }
                at += size;
            }
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no netlink acknowledgement",
        ))
    }

    /// Brings link `index` up (with `mtu` when given); with `ipv6`,
    /// without IPv6 link-local addresses of its own (`addr_gen_mode
    /// none`): on a TUN device they would only send router solicitations
    /// and MLD reports into it.
    pub(crate) fn link_up(&mut self, index: u32, mtu: Option<u32>, ipv6: bool) -> io::Result<()> {
        let mut message = LinkMessage::default();
        message.header.index = index;
        if ipv6 {
            message.attributes = vec![LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
                vec![AfSpecInet6::AddrGenMode(In6AddrGenMode::None)],
            )])];
        }
        message.attributes.extend(mtu.map(LinkAttribute::Mtu));
        self.request(RouteNetlinkMessage::SetLink(message), false)?;
        let mut message = LinkMessage::default();
        message.header.index = index;
        message.header.flags = LinkFlags::Up;
        message.header.change_mask = LinkFlags::Up;
        self.request(RouteNetlinkMessage::SetLink(message), false)
    }

    /// Adds `addr/len` to link `index` (IPv6 without duplicate address
    /// detection: usable at once).
    pub(crate) fn add_address(&mut self, index: u32, addr: IpAddr, len: u8) -> io::Result<()> {
        let mut message = AddressMessage::default();
        message.header.family = family(addr);
        message.header.prefix_len = len;
        message.header.index = index;
        message.attributes = vec![
            AddressAttribute::Local(addr),
            AddressAttribute::Address(addr),
        ];
        if addr.is_ipv6() {
            message.attributes = vec![
                AddressAttribute::Address(addr),
                AddressAttribute::Flags(AddressFlags::Nodad),
            ];
        }
        self.request(RouteNetlinkMessage::NewAddress(message), true)
    }

    /// Routes `prefix/len` into link `index` (main table, scope link),
    /// from `source` when given.
    pub(crate) fn add_route(
        &mut self,
        index: u32,
        prefix: IpAddr,
        len: u8,
        source: Option<IpAddr>,
    ) -> io::Result<()> {
        let mut message = RouteMessage::default();
        message.header = RouteHeader {
            address_family: family(prefix),
            destination_prefix_length: len,
            table: RouteHeader::RT_TABLE_MAIN,
            protocol: RouteProtocol::Static,
            scope: RouteScope::Link,
            kind: RouteType::Unicast,
            ..RouteHeader::default()
        };
        message.attributes = vec![
            RouteAttribute::Destination(RouteAddress::from(prefix)),
            RouteAttribute::Oif(index),
        ];
        if let Some(source) = source {
            message
                .attributes
                .push(RouteAttribute::PrefSource(RouteAddress::from(source)));
        }
        self.request(RouteNetlinkMessage::NewRoute(message), true)
    }
}

fn family(addr: IpAddr) -> AddressFamily {
    if addr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    }
}
