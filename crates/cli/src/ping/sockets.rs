//! The socket plan of every ping mode (one target, several, PROBE): one
//! ICMP socket per family in use, with ping's options (`-t`, `-Q`, `-M`, `-m`, `-I`,
//! `--socket`, `-U`, `-S`, `-b`, `-L`, `-e`; `-t` for multicast too), opened by
//! `icmpkit_driver::real::RealTransport`; one target adds its own
//! (`single`: `-B`, `-F`, `-R`, `-T`).

use icmpkit_driver::real::{FamilyPlan, IcmpPlan, SocketOptions, SocketPlan};
use icmpkit_net::SocketChoice;
use icmpkit_wire::IpVersion;

use super::Plan;

/// The plan for `versions`; `recv_buffer` asks for a receive buffer of
/// that many bytes (many replies can arrive between two reads);
/// `echo_ident`, the identifier a raw socket's Echo Requests will carry,
/// filters what it receives in the kernel (a ping socket is filtered by
/// the kernel anyway).
pub fn socket_plan(
    plan: &Plan,
    versions: &[IpVersion],
    recv_buffer: Option<usize>,
    echo_ident: Option<u16>,
) -> SocketPlan {
    let (device, source) = match plan.interface.as_deref() {
        None => (None, None),
        Some(name) => match name.parse() {
            Ok(addr) => (None, Some(addr)),
            Err(_) => (Some(name.to_owned()), None),
        },
    };
    icmp_plan(
        plan.socket,
        &SocketOptions {
            tos: plan.tos,
            ttl: plan.ttl,
            pmtu: plan.pmtu,
            mark: plan.mark,
            device,
            source,
            timestamps: !plan.user_latency,
            recv_buffer,
            link_scope: plan.link_scope,
            send_buffer: plan.sndbuf,
            broadcast: plan.broadcast,
            no_multicast_loop: plan.no_loop,
            // iputils' -t sets the multicast TTL too.
            multicast_ttl: plan.ttl,
            ident: plan.ident.filter(|&e| e > 0),
            ..SocketOptions::receiving()
        },
        versions,
        echo_ident,
    )
}

/// One ICMP socket of kind `choice` with `options` per family of
/// `versions`; `echo_ident` as for [`socket_plan`].
pub fn icmp_plan(
    choice: SocketChoice,
    options: &SocketOptions,
    versions: &[IpVersion],
    echo_ident: Option<u16>,
) -> SocketPlan {
    versions
        .iter()
        .fold(SocketPlan::new(), |sockets, &version| {
            sockets.with(
                version,
                FamilyPlan::icmp(IcmpPlan {
                    echo_ident,
                    ..IcmpPlan::new(choice, options.clone())
                }),
            )
        })
}
