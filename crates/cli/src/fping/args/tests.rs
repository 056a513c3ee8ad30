use clap::Parser;

use super::*;

fn options(line: &[&str]) -> Result<Options, Failure> {
    let args = Args::try_parse_from(std::iter::once("fping").chain(line.iter().copied()))
        .expect("clap parses");
    args.options()
}

fn refusal(line: &[&str]) -> String {
    match options(line) {
        Err(Failure::Usage(m)) => format!("usage: {m}"),
        Err(Failure::Refused(m)) => m,
        other => panic!("{line:?} not refused: {other:?}"),
    }
}

#[test]
fn defaults_are_fping_5s() {
    let o = options(&["192.0.2.11"]).unwrap();
    assert_eq!(o.mode, Mode::Default);
    assert_eq!(o.timeout, Duration::from_millis(500));
    assert_eq!((o.retries, o.backoff_milli), (3, 1500));
    assert_eq!((o.interval, o.period), (ms(10), ms(1000)));
    assert_eq!((o.rate(), o.count(), o.size), (100, 1, 56));
    assert!(o.verbose && !o.per_probe && !o.quiet);
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn count_and_loop_modes_wait_a_period_up_to_two_seconds_without_retries() {
    let o = options(&["-c", "3", "-p", "100", "h"]).unwrap();
    assert_eq!(
        o.mode,
        Mode::Count {
            count: 3,
            per_probe_rtts: false
        }
    );
    assert_eq!((o.timeout, o.retries), (ms(100), 0));
    assert!(o.per_probe && !o.verbose);
    let o = options(&["-C", "5", "-q", "h"]).unwrap();
    assert_eq!(
        o.mode,
        Mode::Count {
            count: 5,
            per_probe_rtts: true
        }
    );
    assert_eq!(o.timeout, ms(1000));
    assert!(!o.per_probe && o.quiet);
    let o = options(&["-l", "-p", "5000", "-t", "700", "h"]).unwrap();
    assert_eq!(
        (o.mode, o.count(), o.timeout),
        (Mode::Loop, u64::MAX, ms(700))
    );
    assert_eq!(o.backoff_milli, 1000, "no backoff in a loop");
    let o = options(&["-l", "-p", "5000", "h"]).unwrap();
    assert_eq!(o.timeout, ms(2000));
    // fping prints every probe of a loop even with -q; -Q silences it.
    assert!(options(&["-l", "-q", "h"]).unwrap().per_probe);
    let o = options(&["-l", "-Q", "2", "h"]).unwrap();
    assert_eq!((o.per_probe, o.report_every), (false, Some(ms(2000))));
    // -Q reports only in count and loop modes.
    assert_eq!(options(&["-Q", "2", "h"]).unwrap().report_every, None);
}

#[test]
fn alive_and_unreachable_lists_are_off_in_count_and_loop_modes() {
    let o = options(&["-a", "-e", "h"]).unwrap();
    assert!(o.alive && o.elapsed && !o.verbose);
    let o = options(&["-u", "-c", "1", "h"]).unwrap();
    assert!(!o.unreach && !o.verbose);
    assert!(!options(&["-x", "2", "h"]).unwrap().verbose);
}

#[test]
fn values_map_onto_the_machine() {
    let o = options(&[
        "-i", "1", "-b", "100", "-B", "2", "-r", "1", "-H", "7", "-O", "0x10", "h",
    ])
    .unwrap();
    assert_eq!(
        (o.rate(), o.size, o.backoff_milli, o.retries),
        (1000, 100, 2000, 1)
    );
    assert_eq!((o.ttl, o.tos), (Some(7), Some(16)));
    assert_eq!(options(&["-i", "0", "h"]).unwrap().rate(), u32::MAX);
    assert_eq!(options(&["-i", "3", "h"]).unwrap().rate(), 333);
    assert_eq!(options(&["-M", "h"]).unwrap().pmtu, Some(PmtuMode::Do));
    assert!(options(&["-T", "5", "h"]).is_ok(), "-T is ignored");
}

#[test]
fn refusals_use_fpings_words_or_name_the_fix() {
    assert_eq!(refusal(&["-a", "-u", "h"]), "specify only one of a, u");
    assert_eq!(refusal(&["-c", "2", "-l", "h"]), "specify only one of c, l");
    assert_eq!(refusal(&["-4", "-6", "h"]), "can't specify both -4 and -6");
    assert_eq!(
        refusal(&["-B", "9", "h"]),
        "backoff factor 9.0 not valid, must be between 1.0 and 5.0"
    );
    assert_eq!(refusal(&["-H", "300", "h"]), "ttl 300 out of range");
    assert_eq!(
        refusal(&["-b", "70000", "h"]),
        "data size 70000 not valid, must be lower than 65488"
    );
    assert_eq!(
        refusal(&["-S", "nowhere", "h"]),
        "can't parse source address: nowhere"
    );
    assert_eq!(
        refusal(&["-c", "0", "h"]),
        "usage: -c 0: give a whole number, 1 or more"
    );
    assert_eq!(
        refusal(&["-t", "-1", "h"]),
        "usage: -t -1: give milliseconds, 0 or more, e.g. 500"
    );
    assert_eq!(
        refusal(&["-B", "x", "h"]),
        "usage: -B x: give a factor such as 1.5"
    );
    assert_eq!(
        refusal(&["-N", "h"]),
        "usage: -N (netdata output) is not supported by icmpkit fping: leave it out"
    );
    assert_eq!(refusal(&["-n", "-d", "h"]), "use either one of -d or -n");
}

#[test]
fn a_link_named_fping_parses_fpings_command_line() {
    let args = crate::fping::parse(["fping", "-C", "3", "-q", "h1", "h2"]).unwrap();
    assert_eq!(args.vcount.as_deref(), Some("3"));
    assert_eq!(args.targets, ["h1", "h2"]);
    assert!(crate::fping::parse(["fping", "-Z", "h"]).is_err());
}
