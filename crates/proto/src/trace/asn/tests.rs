use super::*;

#[test]
fn questions_reverse_octets_and_nibbles() {
    assert_eq!(
        origin_query("203.0.113.7".parse().unwrap()),
        "7.113.0.203.origin.asn.cymru.com."
    );
    assert_eq!(
        origin_query("192.0.2.254".parse().unwrap()),
        "254.2.0.192.origin.asn.cymru.com."
    );
    assert_eq!(
        origin_query("2001:db8::1".parse().unwrap()),
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com."
    );
}

#[test]
fn answers_read_as_the_service_writes_them() {
    let o = Origin::parse("13335 | 1.1.1.0/24 | US | arin | 2010-07-14").unwrap();
    assert_eq!(o.asns, [13335]);
    assert_eq!((o.prefix.as_str(), o.prefix_len), ("1.1.1.0/24", Some(24)));
    assert_eq!(
        (
            o.country.as_str(),
            o.registry.as_str(),
            o.allocated.as_str()
        ),
        ("US", "arin", "2010-07-14")
    );
    assert_eq!(as_label(Lookup::Known(&o)), "[AS13335]");
    // Quoted, several origins, fields missing.
    let o = Origin::parse("\"64500 64501 | 2001:db8::/32\"").unwrap();
    assert_eq!(o.asns, [64500, 64501]);
    assert_eq!(o.prefix_len, Some(32));
    assert_eq!(o.country, "");
    assert_eq!(as_label(Lookup::Known(&o)), "[AS64500/AS64501]");
    assert_eq!(as_label(Lookup::Unknown), "[*]");
    assert_eq!(as_label(Lookup::Failed), "[!!]");
}

#[test]
fn malformed_answers_are_none_and_long_ones_are_cut() {
    for bad in [
        "",
        "|",
        "NA | 1.1.1.0/24",
        "x13335 | a",
        "-1 | p",
        "4294967296 | p",
    ] {
        assert_eq!(Origin::parse(bad), None, "{bad:?}");
    }
    let many = format!("{} | 10.0.0.0/8", "1 ".repeat(5000));
    assert_eq!(Origin::parse(&many).unwrap().asns.len(), MAX_ORIGINS);
    let o = Origin::parse("7 | 10.0.0.0/x").unwrap();
    assert_eq!(o.prefix_len, None);
}

#[test]
fn the_longest_prefix_wins() {
    let records = [
        "64500 | 198.51.100.0/22 | ZZ | test | 2024-01-01",
        "64501 | 198.51.100.0/24 | ZZ | test | 2024-01-02",
        "64502 | 198.51.0.0/16 | ZZ | test | 2024-01-03",
    ]
    .map(|r| Origin::parse(r).unwrap());
    assert_eq!(Origin::most_specific(records).unwrap().asns, [64501]);
    assert_eq!(Origin::most_specific([]), None);
    // Routes of one length: their origins joined, each once.
    let records = [
        "64500 | 198.51.100.0/24 | ZZ | test | 2024-01-01",
        "64500 64503 | 198.51.100.0/24 | ZZ | test | 2024-01-02",
        "64502 | 198.51.0.0/16 | ZZ | test | 2024-01-03",
    ]
    .map(|r| Origin::parse(r).unwrap());
    let best = Origin::most_specific(records).unwrap();
    assert_eq!(best.asns, [64500, 64503]);
    assert_eq!(best.allocated, "2024-01-01");
}
