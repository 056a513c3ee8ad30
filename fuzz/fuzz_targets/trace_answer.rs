//! What a tracer reads off the wire: any bytes as an ICMPv4/ICMPv6 message
//! (`read_icmp`, `read_extensions`) and as a TCP reply, matched against
//! probes of every method. Never a panic; a match is only ever a probe
//! that was sent.
#![no_main]

use std::net::IpAddr;

use icmpkit_proto::trace::{
    IcmpAnswer, Method, ProbeSpec, Prober, ProberConfig, Sent, read_extensions, read_icmp,
};
use icmpkit_wire::IpVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let addrs: [(IpAddr, IpAddr); 2] = [
        (
            "192.0.2.2".parse().unwrap(),
            "198.51.100.2".parse().unwrap(),
        ),
        (
            "2001:db8:1::2".parse().unwrap(),
            "2001:db8:2::2".parse().unwrap(),
        ),
    ];
    for ((src, dst), version) in addrs.into_iter().zip([IpVersion::V4, IpVersion::V6]) {
        for method in [Method::Icmp, Method::Udp, Method::Tcp] {
            for paris in [true, false] {
                let prober = Prober::new(&ProberConfig {
                    method,
                    src,
                    dst,
                    paris,
                    key: 0x5837,
                    src_port_base: 40_000,
                    dst_port: 33_434,
                    transport_len: 40,
                })
                .unwrap();
                // Probes 0..8 were sent, on flow 0.
                let mut buf = Vec::new();
                let sent: Vec<Sent> = (0..8)
                    .map(|n| {
                        prober.build(
                            ProbeSpec {
                                number: n,
                                ttl: 1,
                                flow: 0,
                            },
                            &mut buf,
                        )
                    })
                    .collect();
                let lookup = |n: u16| sent.get(usize::from(n)).copied();
                match read_icmp(version, data) {
                    Some(IcmpAnswer::Error {
                        quoted, extension, ..
                    }) => {
                        if let Some(found) = prober.identify(&quoted, lookup) {
                            assert!(usize::from(found.number) < sent.len());
                        }
                        if let Some(ext) = extension {
                            let _ = read_extensions(ext);
                        }
                    }
                    Some(IcmpAnswer::EchoReply { ident, seq }) => {
                        let _ = prober.identify_echo_reply(dst, ident, seq);
                    }
                    None => {}
                }
                if let Some(n) = prober.identify_tcp_reply(data, lookup) {
                    assert!(usize::from(n) < sent.len());
                }
            }
        }
    }
    let _ = read_extensions(data);
});
