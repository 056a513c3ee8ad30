//! The option requests iputils sends, byte for byte, and their parse.

extern crate std;

use super::*;
use std::vec::Vec;

/// `ping -R`: what iputils 20221126 passes to `IP_OPTIONS`.
const RECORD_ROUTE: [u8; 40] = {
    let mut b = [0u8; 40];
    b[0] = 1;
    b[1] = 7;
    b[2] = 39;
    b[3] = 4;
    b
};

#[test]
fn record_route_request_is_iputils_nop_and_nine_slots() {
    let mut out = [0xffu8; 44];
    assert_eq!(emit_record_route(&mut out), Ok(40));
    assert_eq!(out[..40], RECORD_ROUTE);
    assert_eq!(out[40..], [0xff; 4], "nothing written past the area");
    let parsed: Vec<_> = Options::new(&out[..40]).collect();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0], Ok(Ipv4Option::NoOperation));
    let Ok(Ipv4Option::RecordRoute { pointer, route }) = parsed[1] else {
        panic!("{parsed:?}")
    };
    assert_eq!(pointer, 4);
    assert_eq!(route.iter().count(), 9);
    assert!(emit_record_route(&mut [0u8; 39]).is_err());
}

#[test]
fn timestamp_requests_have_iputils_lengths() {
    let mut out = [0u8; 40];
    assert_eq!(
        emit_timestamp(TimestampFlags::TimestampsOnly, &[], &mut out),
        Ok(40)
    );
    assert_eq!(out[..4], [68, 40, 5, 0]);
    assert!(out[4..].iter().all(|&b| b == 0));
    assert_eq!(
        emit_timestamp(TimestampFlags::AddressAndTimestamp, &[], &mut out),
        Ok(36)
    );
    assert_eq!(out[..4], [68, 36, 5, 1]);
    let hops = [
        Ipv4Addr::new(192, 0, 2, 254),
        Ipv4Addr::new(198, 51, 100, 2),
    ];
    assert_eq!(
        emit_timestamp(TimestampFlags::Prespecified, &hops, &mut out),
        Ok(20)
    );
    assert_eq!(
        out[..20],
        [
            68, 20, 5, 3, 192, 0, 2, 254, 0, 0, 0, 0, 198, 51, 100, 2, 0, 0, 0, 0
        ]
    );
    let Some(Ok(Ipv4Option::Timestamp {
        pointer,
        overflow,
        flags,
        data,
    })) = Options::new(&out[..20]).next()
    else {
        panic!("not a timestamp option")
    };
    assert_eq!((pointer, overflow, flags, data.len()), (5, 0, 3, 16));
}

#[test]
fn timestamp_requests_refuse_what_iputils_refuses() {
    let mut out = [0u8; 40];
    let hop = Ipv4Addr::new(192, 0, 2, 1);
    assert!(matches!(
        emit_timestamp(TimestampFlags::Prespecified, &[hop; 5], &mut out),
        Err(Malformed::TooMany { limit: 4, .. })
    ));
    // No prespecified address: the bare option, full at once.
    assert_eq!(
        emit_timestamp(TimestampFlags::Prespecified, &[], &mut out),
        Ok(4)
    );
    assert_eq!(out[..4], [68, 4, 5, 3]);
    assert!(emit_timestamp(TimestampFlags::TimestampsOnly, &[hop], &mut out).is_err());
    assert!(matches!(
        emit_timestamp(TimestampFlags::TimestampsOnly, &[], &mut [0u8; 39]),
        Err(Malformed::Truncated { needed: 40, .. })
    ));
}

#[test]
fn an_option_area_keeps_at_most_forty_bytes() {
    let area = OptionArea::new(&RECORD_ROUTE);
    assert_eq!(area.as_bytes(), &RECORD_ROUTE);
    assert_eq!(area.options().count(), 2);
    assert_eq!(OptionArea::new(&[1; 60]).as_bytes().len(), 40);
    assert!(OptionArea::default().is_empty());
    assert_eq!(OptionArea::default().options().count(), 0);
}
