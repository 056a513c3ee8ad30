//! iputils' option lines for hand-made option areas (the lab tests compare
//! with iputils itself).

use super::*;

fn numeric(addr: Ipv4Addr) -> String {
    addr.to_string()
}

/// A Record Route option of 9 slots with `recorded` addresses filled in.
fn record_route(recorded: &[[u8; 4]]) -> Vec<u8> {
    let mut area = vec![7, 39, u8::try_from(4 + 4 * recorded.len()).unwrap()];
    for slot in 0..9 {
        area.extend(recorded.get(slot).copied().unwrap_or([0; 4]));
    }
    area.push(0);
    area
}

#[test]
fn a_recorded_route_is_one_address_a_line_then_the_same_route() {
    let area = record_route(&[[192, 0, 2, 254], [198, 51, 100, 2], [198, 51, 100, 1]]);
    let mut memory = RouteMemory::default();
    assert_eq!(
        text(&area, &mut memory, false, &mut numeric),
        "\nRR: \t192.0.2.254\n\t198.51.100.2\n\t198.51.100.1\n"
    );
    assert_eq!(
        text(&area, &mut memory, false, &mut numeric),
        "\t(same route)"
    );
    // A flood never says so.
    assert!(text(&area, &mut memory, true, &mut numeric).starts_with("\nRR: "));
    let other = record_route(&[[192, 0, 2, 254]]);
    assert_eq!(
        text(&other, &mut memory, false, &mut numeric),
        "\nRR: \t192.0.2.254\n"
    );
}

#[test]
fn an_empty_or_full_route_prints_as_iputils_cuts_it() {
    let mut memory = RouteMemory::default();
    assert_eq!(
        text(&record_route(&[]), &mut memory, false, &mut numeric),
        ""
    );
    let full = record_route(&[[10, 0, 0, 1]; 9]);
    let lines = text(&full, &mut memory, false, &mut numeric);
    assert_eq!(lines.matches("\t10.0.0.1\n").count(), 9);
    // A pointer past the length is cut at the length.
    let mut past = full.clone();
    past[2] = 200;
    assert_eq!(
        text(&past, &mut RouteMemory::default(), false, &mut numeric)
            .matches('\n')
            .count(),
        10
    );
}

#[test]
fn nops_unknown_options_and_garbage() {
    let mut memory = RouteMemory::default();
    assert_eq!(text(&[1, 0], &mut memory, false, &mut numeric), "\nNOP");
    assert_eq!(
        text(&[148, 4, 0, 0], &mut memory, false, &mut numeric),
        "\nunknown option 94"
    );
    assert_eq!(
        text(&[30, 2, 1], &mut memory, false, &mut numeric),
        "\nunknown option 1e\nNOP"
    );
    // A length past the area ends the walk.
    assert_eq!(text(&[7, 60, 4], &mut memory, false, &mut numeric), "");
}

#[test]
fn timestamps_only_are_absolute_then_differences() {
    let mut area = vec![68, 40, 17, 0];
    for ms in [1000u32, 1003, 1002] {
        area.extend(ms.to_be_bytes());
    }
    area.resize(40, 0);
    assert_eq!(
        text(&area, &mut RouteMemory::default(), false, &mut numeric),
        "\nTS: \t1000 absolute\n\t3\n\t-1\n"
    );
}

#[test]
fn timestamps_with_addresses_and_unrecorded_hops() {
    let mut area = vec![68, 36, 21, 0x21];
    for (addr, ms) in [([192, 0, 2, 254], 5000u32), ([198, 51, 100, 2], 5001)] {
        area.extend(addr);
        area.extend(ms.to_be_bytes());
    }
    area.resize(36, 0);
    assert_eq!(
        text(&area, &mut RouteMemory::default(), false, &mut numeric),
        "\nTS: \t192.0.2.254\t5000 absolute\n\t198.51.100.2\t1\nUnrecorded hops: 2\n"
    );
    // Non-standard times (high bit) count apart.
    let mut odd = vec![68, 12, 13, 0];
    odd.extend(0x8000_0010u32.to_be_bytes());
    odd.extend(0x8000_0013u32.to_be_bytes());
    assert_eq!(
        text(&odd, &mut RouteMemory::default(), false, &mut numeric),
        "\nTS: \t16 absolute not-standard\n\t3 not-standard\n"
    );
}
