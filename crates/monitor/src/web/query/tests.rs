use super::*;

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn no_parameters_mean_configuration_order_and_no_filter() {
    assert_eq!(
        OverviewQuery::parse(&Params::new()),
        Ok(OverviewQuery::default())
    );
}

#[test]
fn sort_desc_group_and_name_are_read() {
    let q = OverviewQuery::parse(&params(&[
        ("sort", "loss"),
        ("desc", "1"),
        ("group", "core"),
        ("q", "gw"),
    ]))
    .expect("valid");
    assert_eq!(q.sort, SortKey::Loss);
    assert!(q.desc);
    assert_eq!(q.group.as_deref(), Some("core"));
    assert_eq!(q.name.as_deref(), Some("gw"));
}

#[test]
fn an_unknown_sort_key_names_every_valid_one() {
    let e = OverviewQuery::parse(&params(&[("sort", "rtt")])).expect_err("invalid");
    assert_eq!(e.param, "sort");
    assert_eq!(
        e.to_string(),
        "bad query parameter `sort=rtt`: one of config, status, name, host, ip, group, loss, median, sent, received"
    );
    let e = OverviewQuery::parse(&params(&[("desc", "2")])).expect_err("invalid");
    assert_eq!(e.param, "desc");
}

#[test]
fn a_range_ends_at_to_or_now() {
    let span =
        Span::parse(&params(&[("range", "30h")]), 1_000_000, GraphRange::Hours3).expect("valid");
    assert_eq!((span.from, span.to), (1_000_000 - 30 * 3600, 1_000_000));
    assert_eq!(span.range, Some(GraphRange::Hours30));
    let span =
        Span::parse(&params(&[("to", "500000")]), 1_000_000, GraphRange::Days10).expect("valid");
    assert_eq!(
        (span.from, span.to, span.range),
        (500_000 - 864_000, 500_000, None)
    );
    let span = Span::parse(
        &params(&[("from", "10"), ("to", "20")]),
        99,
        GraphRange::Hours3,
    )
    .expect("valid");
    assert_eq!((span.from, span.to), (10, 20));
}

#[test]
fn bad_spans_name_their_parameter() {
    for (pairs, param) in [
        (&[("range", "1y")][..], "range"),
        (&[("to", "soon")][..], "to"),
        (&[("from", "30"), ("to", "30")][..], "from"),
        (&[("from", "-9223372036854775808")][..], "from"),
        (&[("to", "9223372036854775807")][..], "to"),
        (&[("from", "0"), ("to", "17179869184")][..], "from"),
    ] {
        let e = Span::parse(&params(pairs), 100, GraphRange::Hours3).expect_err("invalid");
        assert_eq!(e.param, param, "{pairs:?}");
    }
}

#[test]
fn points_and_sizes_are_bounded() {
    assert_eq!(points(&Params::new()), Ok(DEFAULT_POINTS));
    assert_eq!(points(&params(&[("points", "10")])), Ok(10));
    assert!(points(&params(&[("points", "0")])).is_err());
    assert!(points(&params(&[("points", "20001")])).is_err());
    assert_eq!(size(&Params::new(), (860, 300)), Ok((860, 300)));
    assert_eq!(
        size(&params(&[("width", "1200")]), (860, 300)),
        Ok((1200, 300))
    );
    assert_eq!(
        size(&params(&[("height", "10")]), (860, 300)).map_err(|e| e.param),
        Err("height")
    );
}
