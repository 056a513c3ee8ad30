//! How fast [`PacketCapture`] reads a flood, by hand (root; never a test
//! with timing thresholds): builds the standard chain lab, floods the
//! router from the client with `hping3 --icmp --flood` (`FLOODERS` of
//! them, echo requests with `DATA_BYTES` of data, 56 by default) for
//! `SECONDS` (3), reads every packet on the client's link (requests out,
//! replies in) through the capture API in a tight loop, and prints packets
//! a second and the kernel's drops.
//!
//! ```text
//! cargo run --release -p icmpkit-net --example capture_rate -- [SECONDS] [FLOODERS] [DATA_BYTES]
//! ```
//!
//! Traffic stays inside the lab's namespaces.

use std::time::{Duration, Instant};

use icmpkit_lab::netns::{Lab, ROUTER4};
use icmpkit_net::capture::{Options, PacketCapture};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u32 = args.next().map_or(3, |s| s.parse().expect("SECONDS"));
    let flooders: usize = args.next().map_or(1, |s| s.parse().expect("FLOODERS"));
    let data = args.next().unwrap_or_else(|| "56".to_owned());
    let Some(lab) = Lab::chain("capture_rate", 1500) else {
        return;
    };
    let mut capture = lab.enter("client", || {
        PacketCapture::open(Some("c0"), &Options::default()).expect("open the capture")
    });
    let floods: Vec<_> = (0..flooders)
        .map(|_| {
            lab.spawn_bounded(
                "client",
                seconds,
                "hping3",
                &["--icmp", "--flood", "-q", "-d", &data, ROUTER4],
            )
        })
        .collect();
    let start = Instant::now();
    let end = start + Duration::from_secs(u64::from(seconds) + 1);
    let (mut packets, mut bytes) = (0u64, 0u64);
    while Instant::now() < end {
        capture
            .for_each(Duration::from_millis(100), |p| {
                packets += 1;
                bytes += p.ip.len() as u64;
            })
            .expect("read the ring");
    }
    // What is left once the floods ended.
    while capture
        .for_each(Duration::from_millis(200), |p| {
            packets += 1;
            bytes += p.ip.len() as u64;
        })
        .expect("read the ring")
        > 0
    {}
    for flood in floods {
        let _ = flood.wait_with_output();
    }
    let stats = capture.stats().expect("statistics");
    println!(
        "read {packets} packets ({bytes} bytes) in {seconds} s of flood: {} packets/s; \
         kernel: {} packets, {} drops",
        packets / u64::from(seconds.max(1)),
        stats.packets,
        stats.drops
    );
}
