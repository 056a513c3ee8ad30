#![allow(
    clippy::float_cmp,
    reason = "the values compared are counts, exact in f64"
)]

use super::{Sample, parse_metrics, sum, value};

const SMOKEPING: &str = r#"# HELP smokeping_requests_total Number of packets sent per target.
# TYPE smokeping_requests_total counter
smokeping_requests_total{host="198.51.100.10",ip="198.51.100.10",source=""} 12
smokeping_requests_total{host="198.51.100.11",ip="198.51.100.11",source=""} 12
smokeping_response_duration_seconds_bucket{host="198.51.100.10",ip="198.51.100.10",source="",le="5e-05"} 3
smokeping_response_duration_seconds_bucket{host="198.51.100.10",ip="198.51.100.10",source="",le="+Inf"} 12
smokeping_response_duration_seconds_sum{host="198.51.100.10",ip="198.51.100.10",source=""} 0.001234
go_goroutines 9
"#;

#[test]
fn prometheus_text_gives_every_sample_with_labels_and_value() {
    let samples = parse_metrics(SMOKEPING).unwrap();
    assert_eq!(samples.len(), 6);
    assert_eq!(
        value(
            &samples,
            "smokeping_requests_total",
            &[("host", "198.51.100.11")]
        ),
        Some(12.0)
    );
    assert_eq!(
        value(
            &samples,
            "smokeping_response_duration_seconds_bucket",
            &[("host", "198.51.100.10"), ("le", "+Inf")]
        ),
        Some(12.0)
    );
    assert_eq!(sum(&samples, "smokeping_requests_total", &[]), 24.0);
    assert_eq!(value(&samples, "go_goroutines", &[]), Some(9.0));
    assert!(samples[5].labels.is_empty());
}

#[test]
fn openmetrics_escapes_infinities_timestamps_and_exemplars_are_read() {
    let text = "# TYPE x counter\n\
                x_total{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\"} 1.5e3 1700000000\n\
                y{le=\"+Inf\"} +Inf\n\
                z NaN\n\
                w_bucket{le=\"0.1\"} 4 # {trace_id=\"abc\"} 0.05 1700000000.1\n\
                # EOF\n";
    let samples = parse_metrics(text).unwrap();
    assert_eq!(samples.len(), 4);
    assert_eq!(samples[0].labels["a"], "q\"uote");
    assert_eq!(samples[0].labels["b"], "back\\slash");
    assert_eq!(samples[0].labels["c"], "new\nline");
    assert_eq!(samples[0].value, 1500.0);
    assert_eq!(samples[1].value, f64::INFINITY);
    assert!(samples[2].value.is_nan());
    assert_eq!(samples[3].value, 4.0);
    assert!(samples[3].has(&[("le", "0.1")]));
}

#[test]
fn a_line_that_is_no_sample_is_an_error_naming_it() {
    let error = parse_metrics("good 1\nbad{a=\"x} 2\n").unwrap_err();
    assert!(error.contains("bad{a="), "{error}");
    assert!(parse_metrics("name_only\n").is_err());
}

#[test]
fn labels_with_commas_and_braces_in_values_are_kept_whole() {
    let samples = parse_metrics("m{path=\"/a,b}\",x=\"1\"} 2\n").unwrap();
    assert_eq!(
        samples,
        vec![Sample {
            name: "m".to_owned(),
            labels: [("path", "/a,b}"), ("x", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            value: 2.0,
        }]
    );
}
