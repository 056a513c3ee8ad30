//! Any bytes as a run of IP packets (each a length byte pair, then the
//! packet) pushed through a reassembler with small bounds, every completed
//! datagram taken apart: no panic, and the bounds hold.
#![no_main]

use icmpkit_capture::Timestamp;
use icmpkit_capture::reassembly::{Limits, Outcome, Reassembler};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_datagrams: 4,
        max_bytes: 1 << 16,
        timeout: Some(Timestamp {
            seconds: 2,
            nanoseconds: 0,
        }),
    };
    let mut reassembler = Reassembler::with_limits(limits);
    let mut rest = data;
    let mut frame = 0;
    // Each packet: a time step byte, a 2-byte length, the packet.
    while let [step, hi, lo, after @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(after.len());
        let (packet, next) = after.split_at(len);
        rest = next;
        frame += 1;
        let time = Timestamp {
            seconds: frame + u64::from(*step >> 4),
            nanoseconds: 0,
        };
        if let Outcome::Complete(whole) = reassembler.push(frame, Some(time), packet) {
            assert_eq!(whole.frames.last(), Some(&frame));
            assert!(whole.packet.len() <= 40 + 65_535);
            let _ = icmpkit_wire::dissect::dissect(whole.packet);
        }
        assert!(reassembler.in_progress() <= 4);
        assert!(reassembler.held_bytes() <= 1 << 16);
    }
    let stats = reassembler.finish();
    assert_eq!(reassembler.in_progress(), 0);
    assert!(stats.fragments + stats.incomplete_fragments <= frame);
});
