use super::*;

use std::net::{Ipv4Addr, Ipv6Addr};

#[test]
fn an_address_is_written_as_display_writes_it() {
    let mut addresses: Vec<IpAddr> = (0..=255)
        .flat_map(|n| {
            [
                Ipv4Addr::new(n, 0, 9, 255),
                Ipv4Addr::new(10, n, 100, 1),
                Ipv4Addr::new(192, 0, n, 2),
                Ipv4Addr::new(255, 99, 10, n),
            ]
        })
        .map(IpAddr::V4)
        .collect();
    for text in [
        "::",
        "::1",
        "1::",
        "2001:db8::1",
        "fe80::200:ff:fe00:1",
        "::ffff:198.51.100.7",
        "::198.51.100.7",
        "64:ff9b::c633:6407",
        "2001:db8:0:1:1:1:1:1",
        "2001:0:0:1::1",
        "2001:db8::1:0:0:1",
        "1:0:0:2:0:0:0:3",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ] {
        addresses.push(IpAddr::V6(text.parse::<Ipv6Addr>().unwrap()));
    }
    // Every pattern of zero and non-zero groups, with groups of one to four
    // hex digits.
    for zeros in 0_usize..256 {
        let groups: [u16; 8] = std::array::from_fn(|i| {
            if zeros >> i & 1 == 1 {
                0
            } else {
                [0x1, 0x2a, 0xdb8, 0xfe80][(zeros + i) % 4]
            }
        });
        addresses.push(IpAddr::V6(Ipv6Addr::from(groups)));
    }
    let mut s = String::new();
    for a in addresses {
        s.clear();
        push_addr(&mut s, a);
        assert_eq!(s, a.to_string());
        assert_eq!(addr(a), Value::String(a.to_string()));
    }
}
