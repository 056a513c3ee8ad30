//! The asynchronous driver on loopback (root only, as the real
//! transport's tests: skipped with a message otherwise, failed under CI).

use icmpkit_proto::machine::Verdict;

use super::{AsyncReal, drive_async};
use crate::Signals;
use crate::real::tests::{ThreeEchoes, V4_LOOPBACK, V6_LOOPBACK, on_own_thread, raw_icmp_plan};
use crate::real::{RealTransport, SocketOptions};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn three_echoes_to_each_loopback_address_are_answered_through_drive_async() {
    if !icmpkit_lab::require::root(
        "three_echoes_to_each_loopback_address_are_answered_through_drive_async",
    ) {
        return;
    }
    let (verdict, replies) = on_own_thread(|| {
        runtime().block_on(async {
            let real = RealTransport::open(&raw_icmp_plan(&SocketOptions::receiving()))
                .expect("raw sockets open as root");
            let mut transport = AsyncReal::new(real).expect("registered with the reactor");
            let mut machine = ThreeEchoes::new(vec![V4_LOOPBACK, V6_LOOPBACK]);
            let mut replies = Vec::new();
            let verdict = drive_async(&mut machine, &mut transport, &Signals::none(), |_, r| {
                replies.push((r.from, r.seq));
                Ok(())
            })
            .await
            .expect("the run ends normally");
            (verdict, replies)
        })
    });
    assert_eq!(verdict, Verdict::Answered);
    let mut sorted = replies.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            (V4_LOOPBACK, 1),
            (V4_LOOPBACK, 2),
            (V4_LOOPBACK, 3),
            (V6_LOOPBACK, 1),
            (V6_LOOPBACK, 2),
            (V6_LOOPBACK, 3)
        ]
    );
}
