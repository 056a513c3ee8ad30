//! Parse + checksum-verify throughput of icmpkit-wire against etherparse on
//! the same real packets: every IP packet of the kernel capture corpus
//! (`tests/fixtures/kernel/*.pcap*`), read at start-up.
//!
//! Run with `cargo bench -p icmpkit-wire --bench parse`. Criterion measures
//! four functions (ours and etherparse's, full dissect and message only);
//! then a timed loop of our own measures each side again, interleaved, and
//! prints the ratio of packets per second in one line.
//!
//! - "ours, full dissect": [`icmpkit_wire::dissect::dissect`] — outer IP
//!   header, ICMP `Repr`, checksum (with the IPv6 pseudo-header), and for an
//!   error the quoted datagram and its RFC 4884 extensions.
//! - "ours, message only": outer header view, ICMP `Packet::new_checked`,
//!   `verify_checksum`, `Repr::parse` — what etherparse does.
//! - "etherparse": `SlicedPacket::from_ip`, the ICMP type decoded, the
//!   checksum recomputed (ICMPv4) or verified with the pseudo-header
//!   (ICMPv6).

use std::collections::BTreeMap;
use std::fs::File;
use std::hint::black_box;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use icmpkit_capture::CaptureReader;
use icmpkit_wire::dissect::{ChecksumStatus, dissect};
use icmpkit_wire::ip::protocol;
use icmpkit_wire::{IpVersion, icmpv4, icmpv6, ipv4, ipv6, meaning};

/// The IP packets of every capture in the kernel corpus, in file order.
fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kernel");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "pcap" || ext == "pcapng")
        })
        .collect();
    files.sort();
    let mut packets = Vec::new();
    for path in &files {
        let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut reader = CaptureReader::new(BufReader::new(file))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        while let Some(frame) = reader.next_frame() {
            let frame = frame.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Some(ip) = frame.network_layer() {
                packets.push(ip.to_vec());
            }
        }
    }
    assert!(!packets.is_empty(), "no packets under {}", dir.display());
    packets
}

/// Ours, everything: folds what a reader would look at into one number.
fn ours_full(packet: &[u8]) -> u32 {
    let Some(d) = dissect(packet) else {
        return 0;
    };
    black_box(&d);
    let mut sum = u32::from(d.msg_type().unwrap_or(0)) + u32::from(d.code().unwrap_or(0));
    sum += u32::from(d.checksum_status == ChecksumStatus::Valid);
    sum += u32::from(d.message.is_ok());
    sum += u32::from(d.quote().is_some_and(|q| q.is_ok())) << 8;
    sum += u32::from(d.extension().is_some_and(|e| e.is_ok())) << 9;
    sum
}

/// Ours, like for like with etherparse: outer header, ICMP message `Repr`
/// and checksum only.
fn ours_message(packet: &[u8]) -> u32 {
    match packet.first().map(|b| b >> 4) {
        Some(4) => {
            let Ok(ip) = ipv4::Packet::new_checked(packet) else {
                return 0;
            };
            if ip.protocol() != protocol::ICMP {
                return 0;
            }
            let Ok(icmp) = icmpv4::Packet::new_checked(ip.payload()) else {
                return 0;
            };
            let valid = icmp.verify_checksum();
            match icmpv4::Repr::parse(&icmp) {
                Ok(repr) => {
                    black_box(&repr);
                    u32::from(u8::from(repr.msg_type())) + u32::from(repr.code()) + u32::from(valid)
                }
                Err(_) => u32::from(valid),
            }
        }
        Some(6) => {
            let Ok(ip) = ipv6::Packet::new_checked(packet) else {
                return 0;
            };
            let payload = ip.payload();
            let icmp_bytes = if ip.next_header() == protocol::ICMPV6 {
                payload
            } else {
                match ipv6::walk_extensions(ip.next_header(), payload) {
                    Ok(upper) if upper.protocol == protocol::ICMPV6 => {
                        payload.get(upper.offset..).unwrap_or_default()
                    }
                    _ => return 0,
                }
            };
            let Ok(icmp) = icmpv6::Packet::new_checked(icmp_bytes) else {
                return 0;
            };
            let valid = icmp.verify_checksum(ip.src_addr(), ip.dst_addr());
            match icmpv6::Repr::parse(&icmp) {
                Ok(repr) => {
                    black_box(&repr);
                    u32::from(u8::from(repr.msg_type())) + u32::from(repr.code()) + u32::from(valid)
                }
                Err(_) => u32::from(valid),
            }
        }
        _ => 0,
    }
}

/// Theirs: slice, decode the ICMP type, verify the checksum.
fn etherparse(packet: &[u8]) -> u32 {
    let Ok(sliced) = SlicedPacket::from_ip(packet) else {
        return 0;
    };
    black_box(&sliced);
    match (&sliced.net, &sliced.transport) {
        (_, Some(TransportSlice::Icmpv4(s))) => {
            let icmp_type = s.icmp_type();
            let valid = icmp_type.calc_checksum(s.payload()) == s.checksum();
            black_box(&icmp_type);
            u32::from(s.type_u8()) + u32::from(s.code_u8()) + u32::from(valid)
        }
        (Some(NetSlice::Ipv6(ip)), Some(TransportSlice::Icmpv6(s))) => {
            let header = ip.header();
            let valid = s.is_checksum_valid(header.source(), header.destination());
            let icmp_type = s.icmp_type();
            black_box(&icmp_type);
            u32::from(icmp_type.type_u8()) + u32::from(icmp_type.code_u8()) + u32::from(valid)
        }
        _ => 0,
    }
}

/// How many packets the set holds.
fn count(packets: &[Vec<u8>]) -> u32 {
    u32::try_from(packets.len()).expect("fewer than 2^32 packets")
}

/// Runs `f` over the whole set once.
fn pass(packets: &[Vec<u8>], f: impl Fn(&[u8]) -> u32) -> u32 {
    packets
        .iter()
        .fold(0u32, |acc, p| acc.wrapping_add(f(black_box(p))))
}

fn criterion_benches(c: &mut Criterion, packets: &[Vec<u8>]) {
    let bytes: usize = packets.iter().map(Vec::len).sum();
    for (name, throughput) in [
        ("packets", Throughput::Elements(packets.len() as u64)),
        ("bytes", Throughput::Bytes(bytes as u64)),
    ] {
        let mut group = c.benchmark_group(format!("parse+verify/{name}"));
        group
            .throughput(throughput)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(30);
        group.bench_function("ours/full dissect", |b| {
            b.iter(|| pass(packets, ours_full));
        });
        group.bench_function("ours/message only", |b| {
            b.iter(|| pass(packets, ours_message));
        });
        group.bench_function("etherparse", |b| b.iter(|| pass(packets, etherparse)));
        group.finish();
    }
}

/// Nanoseconds per packet of `f`: the median of `runs` timed batches of
/// `iters` passes over the set.
fn time_per_packet(packets: &[Vec<u8>], f: impl Fn(&[u8]) -> u32, iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(pass(packets, &f));
    }
    let elapsed = start.elapsed();
    elapsed.as_secs_f64() * 1e9 / (f64::from(iters) * f64::from(count(packets)))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Passes of `f` over the set that take about 20 ms, found in a 200 ms
/// warm-up.
fn batch_size(packets: &[Vec<u8>], f: impl Fn(&[u8]) -> u32) -> u32 {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(200) {
        black_box(pass(packets, &f));
        n += 1;
    }
    (n / 10).max(1)
}

/// Our own interleaved timing loop, so that the ratio comes out of one run.
fn ratio(packets: &[Vec<u8>]) {
    const RUNS: usize = 15;
    let iters = [
        batch_size(packets, ours_full),
        batch_size(packets, ours_message),
        batch_size(packets, etherparse),
    ];
    let mut samples: [Vec<f64>; 3] = Default::default();
    for _ in 0..RUNS {
        samples[0].push(time_per_packet(packets, ours_full, iters[0]));
        samples[1].push(time_per_packet(packets, ours_message, iters[1]));
        samples[2].push(time_per_packet(packets, etherparse, iters[2]));
    }
    let ns: Vec<f64> = samples.into_iter().map(median).collect();
    println!();
    println!("own timing, median of {RUNS} interleaved batches of ~20 ms each:");
    for (name, ns) in ["ours, full dissect", "ours, message only", "etherparse"]
        .iter()
        .zip(&ns)
    {
        println!(
            "  {name:<20} {ns:8.1} ns/packet  {:>12.0} packets/s",
            1e9 / ns
        );
    }
    println!(
        "ratio ours/etherparse: {:.2}× packets/s (full dissect), {:.2}× (message only)",
        ns[2] / ns[0],
        ns[2] / ns[1]
    );
}

/// For a profiler: `ICMPKIT_BENCH_PROFILE=full|message|etherparse` runs
/// only that side, `passes` times over the set, and nothing else.
fn profile(packets: &[Vec<u8>], side: &str, passes: u32) {
    let f: fn(&[u8]) -> u32 = match side {
        "full" => ours_full,
        "message" => ours_message,
        "etherparse" => etherparse,
        other => panic!("ICMPKIT_BENCH_PROFILE={other}: expected full, message or etherparse"),
    };
    let mut acc = 0u32;
    for _ in 0..passes {
        acc = acc.wrapping_add(pass(packets, f));
    }
    println!("{side}: {passes} passes, fold {acc}");
}

/// Prints the packet mix by family, type and code, and what each side made
/// of it.
fn describe(packets: &[Vec<u8>]) {
    let mut mix: BTreeMap<(u8, u8, u8), usize> = BTreeMap::new();
    let (mut valid, mut quoted, mut extended) = (0, 0, 0);
    for p in packets {
        let Some(d) = dissect(p) else {
            *mix.entry((0, 0, 0)).or_default() += 1;
            continue;
        };
        let family = if d.version == IpVersion::V4 { 4 } else { 6 };
        let key = (family, d.msg_type().unwrap_or(0), d.code().unwrap_or(0));
        *mix.entry(key).or_default() += 1;
        valid += usize::from(d.checksum_status == ChecksumStatus::Valid);
        quoted += usize::from(d.quote().is_some_and(|q| q.is_ok()));
        extended += usize::from(d.extension().is_some_and(|e| e.is_ok()));
    }
    let bytes: usize = packets.iter().map(Vec::len).sum();
    println!(
        "corpus: {} IP packets, {bytes} bytes; {valid} checksums valid, {quoted} quotes parsed, \
         {extended} extension structures",
        packets.len()
    );
    for ((family, t, code), n) in &mix {
        if *family == 0 {
            println!("  {n:4}  not ICMP");
            continue;
        }
        let version = if *family == 4 {
            IpVersion::V4
        } else {
            IpVersion::V6
        };
        let type_name = meaning::type_info(version, *t).map_or("?", |i| i.name);
        let code_name = meaning::code_info(version, *t, *code).map_or("", |i| i.name);
        println!("  {n:4}  ICMPv{family} {t:3}/{code:<3} {type_name} {code_name}");
    }
    let theirs = packets
        .iter()
        .filter(|p| SlicedPacket::from_ip(p).is_ok())
        .count();
    println!("etherparse sliced {theirs} of {} packets", packets.len());
    println!(
        "size_of: Dissection {} bytes, Quote {}, Message {}; etherparse SlicedPacket {}",
        size_of::<icmpkit_wire::dissect::Dissection<'_>>(),
        size_of::<icmpkit_wire::quote::Quote<'_>>(),
        size_of::<icmpkit_wire::dissect::Message<'_>>(),
        size_of::<SlicedPacket<'_>>(),
    );
}

fn main() {
    let packets = corpus();
    if let Ok(side) = std::env::var("ICMPKIT_BENCH_PROFILE") {
        profile(&packets, &side, 2000);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then criterion runs each function once and the ratio is skipped.
    let measuring = std::env::args().any(|a| a == "--bench");
    if measuring {
        describe(&packets);
    }
    criterion_benches(&mut c, &packets);
    c.final_summary();
    if measuring {
        ratio(&packets);
    }
}
