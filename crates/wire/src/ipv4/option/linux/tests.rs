extern crate std;

use super::*;
use std::string::{String, ToString};
use std::vec;

/// The pointer Linux would answer `area` with, or `None` when it takes it.
fn pointer(area: &[u8]) -> Option<u8> {
    check(area).err().map(|r| r.pointer)
}

fn reason(area: &[u8]) -> String {
    check(area).unwrap_err().reason.to_string()
}

#[test]
fn good_options_pass() {
    let mut record_route = vec![7, 39, 4];
    record_route.resize(39, 0);
    record_route.push(0);
    for area in [
        &[][..],
        &[0, 0, 0, 0],
        &[1, 1, 1, 0],
        &record_route,
        // Record Route, full (pointer past the option).
        &[7, 7, 8, 0, 0, 0, 0, 0],
        // Timestamp with room for two.
        &[68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        // Full, prespecified (flags 3): overflow is not counted.
        &[68, 4, 5, 0xf3],
        &[148, 4, 0, 0],
        // Unknown, well-formed.
        &[130, 4, 0, 0],
        // After End of Option List nothing counts.
        &[0, 7, 2, 0],
    ] {
        assert_eq!(check(area), Ok(()), "{area:?}");
    }
}

#[test]
fn a_timestamp_option_of_length_2_points_at_its_length() {
    assert_eq!(pointer(&[68, 2, 0, 0]), Some(21));
    assert_eq!(
        reason(&[68, 2, 0, 0]),
        "IPv4 Timestamp option: length 2 is below 4"
    );
    // After two No Operation bytes the option starts at 22.
    assert_eq!(pointer(&[1, 1, 68, 2]), Some(23));
}

#[test]
fn record_route_pointer_below_4_points_at_the_pointer() {
    // The kernel corpus's crafted packet: the router answered pointer 22.
    assert_eq!(pointer(&[7, 3, 2, 0]), Some(22));
    assert_eq!(
        reason(&[7, 3, 2, 0]),
        "IPv4 Record Route option: pointer 2 is below 4"
    );
    assert_eq!(pointer(&[7, 2, 0, 0]), Some(21));
    // Pointer 5 in a 7-byte option: no room for an address at 5..9.
    assert_eq!(pointer(&[7, 7, 5, 0, 0, 0, 0, 0]), Some(22));
}

#[test]
fn source_routes() {
    assert_eq!(pointer(&[131, 2, 0, 0]), Some(21));
    assert_eq!(pointer(&[137, 7, 3, 0, 0, 0, 0, 0]), Some(22));
    // A second source route, whichever kind, points at its type.
    assert_eq!(pointer(&[131, 3, 4, 137, 3, 4, 0, 0]), Some(23));
    assert_eq!(
        reason(&[131, 3, 4, 137, 3, 4, 0, 0]),
        "IPv4 source route option: type 137 appears twice (one allowed)"
    );
}

#[test]
fn lengths_that_do_not_fit_point_at_the_type() {
    assert_eq!(pointer(&[7, 40, 4, 0]), Some(20));
    assert_eq!(
        reason(&[7, 40, 4, 0]),
        "IPv4 option: length claims 40 bytes but only 4 are present"
    );
    assert_eq!(pointer(&[1, 130, 1, 0]), Some(21));
    assert_eq!(reason(&[1, 130, 1, 0]), "IPv4 option: length 1 is below 2");
    // An option's type in the last byte: no length.
    assert_eq!(pointer(&[1, 1, 1, 7]), Some(23));
}

#[test]
fn timestamps() {
    assert_eq!(pointer(&[68, 3, 5, 0]), Some(21));
    assert_eq!(pointer(&[68, 8, 4, 0, 0, 0, 0, 0]), Some(22));
    // Address and timestamp (flags 1) need 8 bytes from the pointer.
    assert_eq!(pointer(&[68, 8, 5, 1, 0, 0, 0, 0]), Some(22));
    assert_eq!(check(&[68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0]), Ok(()));
    // Full with overflow 15: one more hop cannot be counted.
    assert_eq!(pointer(&[68, 4, 5, 0xf0]), Some(23));
    // A second timestamp option.
    assert_eq!(pointer(&[68, 8, 5, 0, 0, 0, 0, 0, 68, 4, 5, 0]), Some(28));
}

#[test]
fn router_alert_shorter_than_4() {
    assert_eq!(pointer(&[148, 2, 0, 0]), Some(21));
    assert_eq!(pointer(&[148, 3, 0, 0]), Some(21));
}

#[test]
fn a_second_record_route_or_cipso_points_at_its_type() {
    assert_eq!(pointer(&[7, 3, 4, 7, 3, 4, 0, 0]), Some(23));
    assert_eq!(pointer(&[134, 2, 134, 2]), Some(22));
}
