//! Any bytes as a run of captured packets (each a time step byte, a
//! direction byte, a 2-byte length, then the packet) through the guard:
//! every detector sees them, findings are drained and the run finished:
//! no panic, and the state stays within the guard's bounds.
#![no_main]

use icmpkit_capture::Timestamp;
use icmpkit_guard::observe::{Captured, Direction};
use icmpkit_guard::{Config, Guard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut guard = Guard::new(&Config::default());
    let mut rest = data;
    let mut frame = 0;
    let mut nanos = 0u64;
    while let [step, way, hi, lo, after @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(after.len());
        let (packet, next) = after.split_at(len);
        rest = next;
        frame += 1;
        // Steps of up to ~4 s, so windows and hold times both pass.
        nanos += u64::from(*step) << 24;
        let time = Timestamp {
            seconds: 1_700_000_000 + nanos / 1_000_000_000,
            nanoseconds: (nanos % 1_000_000_000) as u32,
        };
        guard.observe(&Captured {
            frame,
            time,
            ip: packet,
            direction: Direction::ALL[usize::from(*way & 3)],
            link_broadcast: *way & 4 != 0,
        });
        while let Some(finding) = guard.poll_finding() {
            assert!((1..=100).contains(&finding.confidence));
            assert!(finding.evidence.first_frame <= finding.frame);
        }
    }
    guard.finish();
    while guard.poll_finding().is_some() {}
    let held = guard.held();
    assert!(held.echo_requests <= icmpkit_guard::traffic::REQUESTS_REMEMBERED);
    assert!(held.reassembling <= 256);
});
