//! Decoding RFC 4884 extensions with many MPLS labels: what a hostile
//! router (or capture) can make a decoder do per packet.
//!
//! Run with `cargo bench -p icmpkit-wire --bench extension`. Each case is an
//! ICMPv4 Time Exceeded quoting a UDP probe, with one extension structure
//! of MPLS label stacks; criterion reports labels per second for
//! [`dissect`], then [`Dissection::problem`] (which reads every object), then
//! every label read from every stack, as `icmpkit decode` does.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use icmpkit_wire::dissect::{Dissection, dissect};
use icmpkit_wire::extension::{MplsLabel, Object, ObjectRepr, emit_structure};
use icmpkit_wire::icmpv4;

/// An IPv4 Time Exceeded whose extension holds `objects` MPLS objects of
/// `labels` labels each.
fn time_exceeded(objects: usize, labels: usize) -> Vec<u8> {
    let stack: Vec<MplsLabel> = (0..labels)
        .map(|i| MplsLabel {
            label: u32::try_from(i).unwrap_or(0) & 0xf_ffff,
            tc: 0,
            bottom_of_stack: i + 1 == labels,
            ttl: 1,
        })
        .collect();
    let reprs: Vec<ObjectRepr<'_>> = (0..objects).map(|_| ObjectRepr::Mpls(&stack)).collect();
    let mut structure = vec![0; 4 + objects * (4 + 4 * labels)];
    let len = emit_structure(&reprs, &mut structure, true);
    structure.truncate(len);
    let mut quote = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 1, 17, 0, 0];
    quote.extend_from_slice(&[198, 51, 100, 2, 198, 51, 100, 9]);
    quote.extend_from_slice(&[0x80, 0xe8, 0x82, 0x9a, 0, 8, 0, 0]);
    let icmp = icmpv4::Repr::TimeExceeded {
        code: icmpv4::TimeExceeded::from(0),
        original: &quote,
        extension: Some(&structure),
    };
    let mut message = vec![0; icmp.buffer_len()];
    icmp.emit(&mut icmpv4::Packet::new_unchecked(&mut message[..]));
    icmpkit_lab::packets::v4(message)
}

/// Every label of every MPLS object, summed so nothing is optimised away.
fn walk_labels(d: &Dissection<'_>) -> u64 {
    let Some(Ok(ext)) = d.extension() else {
        return 0;
    };
    let _ = ext.checksum_status();
    ext.objects()
        .filter_map(|o| match o {
            Ok(Object::Mpls(stack)) => Some(stack.labels()),
            _ => None,
        })
        .flatten()
        .map(|l| u64::from(l.label) + u64::from(l.ttl))
        .sum()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for (objects, labels) in [(1, 300), (1, 16_000), (40, 400)] {
        let packet = time_exceeded(objects, labels);
        let d = dissect(&packet).expect("an ICMP packet");
        assert!(d.problem().is_none(), "{:?}", d.problem());
        assert!(walk_labels(&d) > 0);
        let mut group = c.benchmark_group(format!("{objects} x {labels} labels"));
        group.throughput(Throughput::Elements(
            u64::try_from(objects * labels).unwrap_or(0),
        ));
        group.bench_function("dissect", |b| b.iter(|| dissect(black_box(&packet))));
        group.bench_function("dissect + problem", |b| {
            b.iter(|| dissect(black_box(&packet)).map(|d| d.problem()));
        });
        group.bench_function("dissect + problem + every label", |b| {
            b.iter(|| {
                dissect(black_box(&packet)).map(|d| (d.problem().is_none(), walk_labels(&d)))
            });
        });
        group.finish();
    }
    c.final_summary();
}
