use std::collections::HashMap;

use super::*;

/// The attributes of every `<rect>` of `class` in `svg`.
fn rects(svg: &str, class: &str) -> Vec<HashMap<String, String>> {
    let needle = format!("<rect class=\"{class}\"");
    svg.match_indices(&needle)
        .map(|(at, _)| {
            let end = svg[at..].find("/>").expect("closed") + at;
            let mut attrs = HashMap::new();
            let mut rest = &svg[at + 5..end];
            while let Some(eq) = rest.find("=\"") {
                let name = rest[..eq].trim().to_owned();
                let value_end = rest[eq + 2..].find('"').expect("quoted") + eq + 2;
                attrs.insert(name, rest[eq + 2..value_end].to_owned());
                rest = &rest[value_end + 1..];
            }
            attrs
        })
        .collect()
}

fn num(attrs: &HashMap<String, String>, name: &str) -> f64 {
    attrs[name].parse().expect("a number")
}

fn point(start: i64, lost: u32, median_ms: Option<u32>) -> Point {
    let median_us = median_ms.map(|m| m * 1000);
    Point {
        start,
        sent: 20,
        lost,
        median_us,
        smoke_us: median_us.map_or_else(Vec::new, |m| {
            (0..20 - lost).map(|i| m - 500 + i * 50).collect()
        }),
    }
}

const FROM: i64 = 1_764_908_400; // 2025-12-05 04:20 UTC
const W: u32 = 860;
const H: u32 = 300;

#[test]
fn twenty_pings_get_smokepings_loss_classes() {
    let scale = LossScale::new(20);
    let classes: Vec<usize> = (0..=20).map(|lost| scale.class(lost)).collect();
    assert_eq!(
        classes,
        [
            0, 1, 2, 3, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7
        ]
    );
    let labels: Vec<String> = scale.legend().into_iter().map(|(l, _)| l).collect();
    assert_eq!(
        labels,
        [
            "0", "1/20", "2/20", "3/20", "4-5/20", "6-10/20", "11-19/20", "20/20"
        ]
    );
}

#[test]
fn sixty_pings_scale_the_classes_by_fraction() {
    let scale = LossScale::new(60);
    // 1 %→1, 5 %→3, 10 %→6, 25 %→15, 50 %→30, 59, 60.
    for (lost, class) in [
        (1, 1),
        (3, 2),
        (6, 3),
        (7, 4),
        (15, 4),
        (30, 5),
        (59, 6),
        (60, 7),
    ] {
        assert_eq!(scale.class(lost), class, "{lost} lost of 60");
    }
}

#[test]
fn one_ping_is_green_or_dark_red() {
    let scale = LossScale::new(1);
    assert_eq!(scale.class(0), 0);
    assert_eq!(scale.class(1), 7);
}

#[test]
fn medians_are_placed_at_their_time_and_rtt() {
    let series = Series {
        step: 60,
        points: (0..3).map(|i| point(FROM + i * 60, 0, Some(10))).collect(),
    };
    let to = FROM + 600;
    let svg = smoke_svg(&series, FROM, to, W, H, "gw");
    let medians = rects(&svg, "median");
    assert_eq!(medians.len(), 3);
    let frame = Frame::new(FROM, to, W, H, y_axis(&series).1);
    let plot_width = f64::from(W) - MARGIN_LEFT - MARGIN_RIGHT;
    for (i, m) in medians.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "small")]
        let x = MARGIN_LEFT + (i as f64) * 60.0 / 600.0 * plot_width;
        assert!((num(m, "x") - x).abs() < 0.01, "x of point {i}: {m:?}");
        assert!((num(m, "width") - 0.1 * plot_width).abs() < 0.01);
        let y = frame.bottom - 10.0 / frame.y_max_ms * (frame.bottom - frame.top);
        assert!(
            (num(m, "y") + 1.2 - y).abs() < 0.01,
            "y of point {i}: {m:?}"
        );
        assert_eq!(m["data-median-ms"], "10.0");
        assert_eq!(
            m["data-start"],
            (FROM + 60 * i64::try_from(i).unwrap()).to_string()
        );
    }
}

#[test]
fn each_loss_class_is_drawn_in_its_colour() {
    let losses = [0, 1, 2, 3, 5, 10, 19];
    let series = Series {
        step: 60,
        points: losses
            .iter()
            .zip(0..)
            .map(|(&lost, i)| point(FROM + i * 60, lost, Some(20)))
            .collect(),
    };
    let svg = smoke_svg(&series, FROM, FROM + 600, W, H, "lossy");
    let medians = rects(&svg, "median");
    let drawn: Vec<(&str, &str, &str)> = medians
        .iter()
        .map(|m| {
            (
                m["fill"].as_str(),
                m["data-loss-class"].as_str(),
                m["data-loss"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        drawn,
        [
            ("#26ff00", "0", "0"),
            ("#00b8ff", "1", "5"),
            ("#0059ff", "2", "10"),
            ("#7e00ff", "3", "15"),
            ("#ff00ff", "4", "25"),
            ("#ff5500", "5", "50"),
            ("#ff0000", "6", "95"),
        ]
    );
}

#[test]
fn total_loss_is_a_dark_red_bar_at_the_top() {
    let series = Series {
        step: 60,
        points: vec![point(FROM, 0, Some(5)), point(FROM + 60, 20, None)],
    };
    let svg = smoke_svg(&series, FROM, FROM + 600, W, H, "down");
    assert_eq!(rects(&svg, "median").len(), 1);
    let bars = rects(&svg, "loss-bar");
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0]["fill"], "#a00000");
    assert_eq!(bars[0]["data-loss"], "100");
    assert!((num(&bars[0], "y") - MARGIN_TOP).abs() < 0.01);
}

#[test]
fn missing_steps_leave_gaps() {
    let series = Series {
        step: 60,
        points: vec![
            point(FROM, 0, Some(5)),
            point(FROM + 60, 0, Some(5)),
            point(FROM + 240, 0, Some(5)),
        ],
    };
    let svg = smoke_svg(&series, FROM, FROM + 600, W, H, "gaps");
    let starts: Vec<String> = rects(&svg, "median")
        .iter()
        .map(|m| m["data-start"].clone())
        .collect();
    assert_eq!(starts, [FROM, FROM + 60, FROM + 240].map(|t| t.to_string()));
    let line = svg
        .split("class=\"median-line\" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a median line");
    assert_eq!(line.matches('M').count(), 2, "{line}");
}

#[test]
fn the_smoke_is_darker_toward_the_median() {
    let bands = smoke_bands(&(1..=20).collect::<Vec<u32>>());
    assert_eq!(bands.len(), 10);
    assert_eq!(bands[0], (1, 20, 221));
    assert_eq!(bands[9], (10, 11, 50));
    assert!(bands.windows(2).all(|w| w[0].2 > w[1].2));
    assert!(smoke_bands(&[1, 2]).is_empty());
    assert_eq!(smoke_bands(&(0..100).collect::<Vec<u32>>()).len(), 10);
}

#[test]
fn the_y_axis_covers_the_medians_and_most_of_the_smoke() {
    let mut points: Vec<Point> = (0..100)
        .map(|i| point(FROM + i * 60, 0, Some(10)))
        .collect();
    // One outlier far above: left out of the scale, clipped at the top.
    points[50].smoke_us.push(900_000);
    let series = Series { step: 60, points };
    let (_, y_max) = y_axis(&series);
    assert!((12.0..=20.0).contains(&y_max), "{y_max}");
    let svg = smoke_svg(&series, FROM, FROM + 6000, W, H, "outlier");
    assert!(svg.contains("clip-path=\"url(#plot-"));
}

#[test]
fn time_ticks_are_round_utc_times() {
    let ticks = time_ticks(FROM, FROM + 3 * 3600);
    let labels: Vec<&str> = ticks.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        labels,
        ["04:30", "05:00", "05:30", "06:00", "06:30", "07:00"]
    );
    let days = time_ticks(FROM - 30 * 3600, FROM);
    assert!(days.iter().any(|(_, l)| l == "12-05"), "{days:?}");
    let year = time_ticks(FROM - 400 * 86_400, FROM);
    assert!(year.len() >= 4 && year.len() <= 8, "{year:?}");
    assert!(
        year.iter()
            .all(|(_, l)| l.len() == 7 && l.starts_with("202")),
        "{year:?}"
    );
}

#[test]
fn the_title_is_escaped() {
    let svg = smoke_svg(&Series::default(), FROM, FROM + 60, W, H, "<script>&\"x\"");
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;&amp;&quot;x&quot;"));
}

#[test]
fn an_empty_series_is_an_empty_graph_with_its_legend() {
    let svg = smoke_svg(&Series::default(), FROM, FROM + 3600, W, H, "new");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(rects(&svg, "median").is_empty());
    assert!(svg.contains("20/20"));
}

#[test]
fn consolidated_points_are_coloured_on_the_targets_scale() {
    let hour = |lost| Point {
        start: 0,
        sent: 240,
        lost,
        median_us: Some(1000),
        smoke_us: vec![1000; 3],
    };
    // 24 of 240 is 2 of 20; 1 of 240 is still some loss; 239 is not total.
    assert_eq!(loss_class(&hour(24), 20), 2);
    assert_eq!(loss_class(&hour(1), 20), 1);
    assert_eq!(loss_class(&hour(0), 20), 0);
    assert_eq!(loss_class(&hour(239), 20), 6);
    assert_eq!(loss_class(&hour(240), 20), 7);
    let series = Series {
        step: 3600,
        points: vec![hour(24)],
    };
    let svg = smoke_svg_with_pings(&series, 0, 36_000, W, H, "hourly", 20);
    let medians = rects(&svg, "median");
    assert_eq!(medians[0]["fill"], LOSS_COLOURS[2]);
    assert_eq!(medians[0]["data-loss"], "10");
    assert!(svg.contains(">2/20<"), "the legend speaks of 20 pings");
}
