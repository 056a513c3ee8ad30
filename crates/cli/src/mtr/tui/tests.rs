//! Tests of the live view: frames of fixed paths (insta snapshots of a
//! `TestBackend`), keys, the loop over scripted events, names.

use std::collections::VecDeque;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use icmpkit_driver::Signals;
use icmpkit_proto::machine::Signal;
use icmpkit_proto::mtr::loss::HopVerdict;
use icmpkit_proto::mtr::{Path, ProbeResult};
use icmpkit_proto::trace::{Answer, Extension, Outcome, Rewrites};
use icmpkit_wire::extension::{InterfaceRole, MplsLabel};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::keys::{Command, press};
use super::names::Resolver;
use super::view::{Display, Hosts, View, clock};
use super::{Session, Update, draw, drive};
use crate::mtr::columns::DEFAULT;

mod tmux;

/// The header's time in every frame: 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;

const DESTINATION: &str = "203.0.113.9";

fn ip(text: &str) -> IpAddr {
    text.parse().expect("a test address")
}

fn session() -> Session {
    Session {
        target: "dest.example".to_owned(),
        destination: ip(DESTINATION),
        local_host: "lab".to_owned(),
        started: UNIX_EPOCH + Duration::from_secs(NOW - 60),
        utc_offset: 0,
        columns: DEFAULT.to_vec(),
        numeric: true,
    }
}

/// Probe results as a run's would be: round `r` leaves `r` intervals
/// after `t0`, its TTLs 10 ms apart.
struct Rounds {
    t0: Instant,
    interval: Duration,
    results: Vec<ProbeResult>,
}

impl Rounds {
    fn new(interval: Duration) -> Self {
        Self {
            t0: Instant::now(),
            interval,
            results: Vec::new(),
        }
    }

    /// Probe `ttl` of `round`, answered by `from` after `rtt_us` (a
    /// router's Time Exceeded, or the destination's reply), or lost.
    fn probe(&mut self, round: u64, ttl: u8, answer: Option<(&str, u64)>) -> &mut Answer {
        let sent_at = self.t0
            + self.interval * u32::try_from(round).expect("few rounds")
            + Duration::from_millis(10 * u64::from(ttl));
        let answer = answer.map(|(from, rtt_us)| Answer {
            from: ip(from),
            rtt: Duration::from_micros(rtt_us),
            outcome: if from == DESTINATION {
                Outcome::Reached
            } else {
                Outcome::Hop
            },
            reply_ttl: Some(64),
            quoted_ttl: Some(1),
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        });
        self.results.push(ProbeResult {
            round,
            ttl,
            flow: 0,
            sent_at,
            answer,
            burst: None,
        });
        self.results
            .last_mut()
            .and_then(|r| r.answer.as_mut())
            .expect("only called with an answer")
    }

    fn lost(&mut self, round: u64, ttl: u8) {
        let sent_at = self.t0 + self.interval * u32::try_from(round).expect("few rounds");
        self.results.push(ProbeResult {
            round,
            ttl,
            flow: 0,
            sent_at,
            answer: None,
            burst: None,
        });
    }

    fn view(&self) -> View {
        let mut view = View::new(session(), Path::new(ip(DESTINATION), 1));
        for result in &self.results {
            view.record(result);
        }
        view.path.assess();
        view.now = UNIX_EPOCH + Duration::from_secs(NOW);
        view
    }
}

/// RTTs in microseconds for a few rounds.
const R1: [u64; 5] = [1_200, 1_400, 1_100, 1_300, 1_200];
const R2: [u64; 5] = [5_100, 4_900, 6_300, 5_000, 5_200];
const R4: [u64; 5] = [12_000, 11_500, 13_250, 0 /* lost */, 12_250];

/// Four hops over five rounds: a router, an MPLS router, a hop that never
/// answers, the destination (which misses round 3).
fn plain() -> View {
    let mut rounds = Rounds::new(Duration::from_secs(1));
    for round in 0..5 {
        let r = usize::try_from(round).expect("few rounds");
        rounds.probe(round, 1, Some(("10.0.0.1", R1[r])));
        rounds
            .probe(round, 2, Some(("198.51.100.1", R2[r])))
            .extensions
            .push(Extension::Mpls(vec![MplsLabel {
                label: 100,
                tc: 0,
                bottom_of_stack: true,
                ttl: 1,
            }]));
        rounds.lost(round, 3);
        if round == 3 {
            rounds.lost(round, 4);
        } else {
            rounds.probe(round, 4, Some((DESTINATION, R4[r])));
        }
    }
    rounds.view()
}

fn frame(view: &View, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|frame| draw::draw(frame, view))
        .expect("a test backend draws");
    terminal
}

fn screen(view: &View, width: u16, height: u16) -> String {
    frame(view, width, height).backend().to_string()
}

#[test]
fn the_table_shows_mtr_columns_mpls_labels_and_unanswered_hops() {
    insta::assert_snapshot!(screen(&plain(), 80, 16));
}

#[test]
fn an_ecmp_hop_shows_each_address_with_its_count() {
    let mut rounds = Rounds::new(Duration::from_secs(1));
    for round in 0..5 {
        let r = usize::try_from(round).expect("few rounds");
        rounds.probe(round, 1, Some(("10.0.0.1", R1[r])));
        let branch = if round % 2 == 0 {
            "198.51.100.1"
        } else {
            "198.51.100.2"
        };
        rounds.probe(round, 2, Some((branch, R2[r])));
        rounds.probe(round, 3, Some((DESTINATION, R2[r] + 1_000)));
    }
    let view = rounds.view();
    let hop = &view.path.hops()[1];
    assert_eq!(hop.addresses.len(), 2);
    insta::assert_snapshot!(screen(&view, 80, 12));
}

/// Hop 2 of an LSP: its answers carry a label stack and RFC 5837 objects
/// for their incoming interface (all four fields) and the next hop (an
/// address only); round 3's came in on eth3, the others on eth2, and in
/// round 2 another router answers there, without extensions. The labels
/// and interfaces (oldest first) come before the other address.
#[test]
fn interfaces_show_under_the_hop_after_its_mpls_labels() {
    let interface = |role, ifindex, address: &str, name: Option<&str>, mtu| Extension::Interface {
        role,
        ifindex,
        address: Some(ip(address)),
        name: name.map(str::to_owned),
        mtu,
    };
    let eth = |i: u32| {
        interface(
            InterfaceRole::IncomingIpInterface,
            Some(i),
            "198.51.100.1",
            Some(&format!("eth{i}")),
            Some(1500),
        )
    };
    let next_hop = interface(InterfaceRole::IpNextHop, None, "198.51.100.6", None, None);
    let mut rounds = Rounds::new(Duration::from_secs(1));
    for round in 0..5 {
        let r = usize::try_from(round).expect("few rounds");
        rounds.probe(round, 1, Some(("10.0.0.1", R1[r])));
        if round == 2 {
            rounds.probe(round, 2, Some(("198.51.100.2", R2[r])));
            rounds.probe(round, 3, Some((DESTINATION, R4[0])));
            continue;
        }
        let label = MplsLabel {
            label: 100,
            tc: 0,
            bottom_of_stack: true,
            ttl: 1,
        };
        let incoming = eth(if round == 3 { 3 } else { 2 });
        rounds
            .probe(round, 2, Some(("198.51.100.1", R2[r])))
            .extensions = vec![Extension::Mpls(vec![label]), incoming, next_hop.clone()];
        rounds.probe(round, 3, Some((DESTINATION, R4[0])));
    }
    let view = rounds.view();
    assert_eq!(view.path.hops()[1].interfaces[1], eth(2));
    insta::assert_snapshot!(screen(&view, 80, 16));
}

/// Hop 2 answers as Linux does by default (a bucket of 6 Time Exceeded,
/// one more a second), probed ten times a second; hop 1 and the
/// destination answer every probe.
fn rate_limited() -> View {
    let mut rounds = Rounds::new(Duration::from_millis(100));
    let (mut tokens, mut refilled) = (6_u32, 0_u64);
    for round in 0..60 {
        let now_ms = round * 100;
        if now_ms - refilled >= 1_000 {
            tokens = (tokens + 1).min(6);
            refilled = now_ms;
        }
        rounds.probe(round, 1, Some(("10.0.0.1", 1_000)));
        if tokens > 0 {
            tokens -= 1;
            rounds.probe(round, 2, Some(("198.51.100.1", 5_000)));
        } else {
            rounds.lost(round, 2);
        }
        rounds.probe(round, 3, Some((DESTINATION, 9_000)));
    }
    rounds.view()
}

#[test]
fn a_rate_limited_hop_says_so_in_a_line_under_it() {
    let view = rate_limited();
    let hop = &view.path.hops()[1];
    assert!(
        matches!(hop.verdict, HopVerdict::RateLimited { .. }),
        "{:?}",
        hop.verdict
    );
    insta::assert_snapshot!(screen(&view, 100, 12));
}

#[test]
fn the_help_shows_every_key_over_the_table() {
    let mut view = plain();
    assert_eq!(press(&mut view, key('?')), Command::Redraw);
    insta::assert_snapshot!(screen(&view, 80, 16));
}

#[test]
fn a_small_terminal_keeps_the_route_the_titles_and_the_first_hops() {
    insta::assert_snapshot!(screen(&plain(), 20, 5));
}

#[test]
fn the_strip_shows_each_round_by_its_rtt_and_a_question_mark_for_no_answer() {
    let mut view = plain();
    assert_eq!(press(&mut view, key('d')), Command::Redraw);
    assert_eq!(view.display, Display::Strip);
    let terminal = frame(&view, 60, 16);
    insta::assert_snapshot!(terminal.backend().to_string());
    // The destination's row: rounds 0 to 4 end at column 58; round 3 is
    // the unanswered one, in red.
    let buffer = terminal.backend().buffer();
    let row = (0..16)
        .find(|&y| buffer[(0, y)].symbol() == " " && buffer[(1, y)].symbol() == "4")
        .expect("a row for hop 4");
    let lost = &buffer[(57, row)];
    assert_eq!(lost.symbol(), "?");
    assert_eq!(lost.fg, Color::Red);
    // The destination's answers are the slowest of all: the last level.
    assert_eq!(buffer[(56, row)].symbol(), ">");
    assert_eq!(buffer[(58, row)].symbol(), ">");
    assert_eq!(buffer[(58, row)].fg, Color::Red);
}

#[test]
fn drawing_at_any_size_down_to_nothing_does_not_panic() {
    let mut view = plain();
    for (display, help) in [
        (Display::Table, false),
        (Display::Strip, false),
        (Display::Table, true),
    ] {
        view.display = display;
        view.help = help;
        for width in 0..=90 {
            for height in 0..=20 {
                frame(&view, width, height);
            }
        }
    }
}

#[test]
fn names_replace_addresses_once_found_and_n_switches_back() {
    let mut view = plain();
    view.hosts = Hosts::Names;
    view.names.insert(ip("10.0.0.1"), "gw.lab".to_owned());
    let text = screen(&view, 80, 16);
    assert!(text.contains(" 1. gw.lab "), "{text}");
    assert!(text.contains(" 2. 198.51.100.1 "), "{text}");
    assert_eq!(press(&mut view, key('n')), Command::Redraw);
    assert_eq!(view.hosts, Hosts::Addresses);
    assert!(screen(&view, 80, 16).contains(" 1. 10.0.0.1 "));
}

#[test]
fn j_shows_mtr_jitter_columns() {
    let mut view = plain();
    assert_eq!(press(&mut view, key('j')), Command::Redraw);
    let text = screen(&view, 80, 16);
    let titles = text
        .lines()
        .find(|l| l.starts_with("\" Host"))
        .expect("a title line");
    assert!(
        titles.ends_with(" Drop   Rcv    Avg Gmean Jttr Javg Jmax Jint \""),
        "{titles}"
    );
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl_c() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
}

#[test]
fn p_pauses_and_resumes_and_space_only_resumes() {
    let mut view = plain();
    assert_eq!(press(&mut view, key(' ')), Command::None);
    assert_eq!(press(&mut view, key('p')), Command::Raise(Signal::Pause));
    assert!(view.paused);
    assert!(screen(&view, 80, 16).contains(" paused "));
    assert_eq!(press(&mut view, key(' ')), Command::Raise(Signal::Resume));
    assert!(!view.paused);
    assert_eq!(press(&mut view, key('p')), Command::Raise(Signal::Pause));
    assert_eq!(press(&mut view, key('p')), Command::Raise(Signal::Resume));
}

#[test]
fn r_forgets_every_hop_and_event() {
    let mut view = plain();
    view.events.push_front("round 1: something".to_owned());
    assert_eq!(press(&mut view, key('r')), Command::Redraw);
    assert!(view.path.hops().is_empty());
    assert_eq!(view.path.rounds(), 0);
    assert!(view.events.is_empty());
}

#[test]
fn q_and_ctrl_c_quit_and_a_key_in_the_help_only_closes_it() {
    let mut view = plain();
    assert_eq!(press(&mut view, key('q')), Command::Quit);
    assert_eq!(press(&mut view, ctrl_c()), Command::Quit);
    view.help = true;
    assert_eq!(press(&mut view, key('q')), Command::Redraw);
    assert!(!view.help);
    view.help = true;
    assert_eq!(press(&mut view, ctrl_c()), Command::Quit);
    let mut release = key('q');
    release.kind = KeyEventKind::Release;
    assert_eq!(press(&mut view, release), Command::None);
    assert!(view.help);
    assert_eq!(press(&mut view, key('x')), Command::Redraw);
    assert!(!view.help);
    assert_eq!(press(&mut view, key('x')), Command::None);
}

#[test]
fn a_new_address_at_a_hop_is_said_in_the_status_line() {
    let mut view = View::new(session(), Path::new(ip(DESTINATION), 1));
    let mut rounds = Rounds::new(Duration::from_secs(1));
    rounds.probe(0, 1, Some(("10.0.0.1", 1_000)));
    rounds.probe(1, 1, Some(("10.0.0.2", 1_000)));
    rounds.probe(1, 2, Some((DESTINATION, 2_000)));
    for result in &rounds.results {
        view.record(result);
    }
    assert_eq!(
        Vec::from(view.events.clone()),
        [
            "round 1: the destination answers at hop 2",
            "round 1: hop 1 also answers from 10.0.0.2",
        ]
    );
}

#[test]
fn the_clock_is_mtr_iso_time_in_the_sessions_zone() {
    let mut view = View::new(session(), Path::new(ip(DESTINATION), 1));
    let at = UNIX_EPOCH + Duration::from_secs(NOW);
    assert_eq!(clock(&view, at), "2023-11-14T22:13:20+0000");
    view.session.utc_offset = -(3 * 3600 + 30 * 60);
    assert_eq!(clock(&view, at), "2023-11-14T18:43:20-0330");
}

/// Keys from a script, one per wait; an error once it is used up (the
/// loop should have ended by then).
fn script(keys: Vec<KeyEvent>) -> impl FnMut(Duration) -> io::Result<Option<Event>> {
    let mut keys = VecDeque::from(keys);
    move |_| {
        keys.pop_front()
            .map(|k| Some(Event::Key(k)))
            .ok_or_else(|| io::Error::other("the script is used up"))
    }
}

fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn no_names() -> Resolver {
    Resolver::new(Box::new(|_| None))
}

/// The probes of [`plain`], as updates.
fn plain_updates() -> (mpsc::Sender<Update>, mpsc::Receiver<Update>) {
    let (tx, rx) = mpsc::channel();
    let mut rounds = Rounds::new(Duration::from_secs(1));
    for round in 0..3 {
        rounds.probe(round, 1, Some(("10.0.0.1", 1_000)));
        rounds.probe(round, 2, Some((DESTINATION, 2_000)));
    }
    for result in rounds.results {
        tx.send(Update::Probe(result))
            .expect("the receiver is here");
    }
    (tx, rx)
}

/// The loop of the live view over an 80×12 test terminal: updates from
/// `rx`, terminal events from `events`, no names, the fixed clock. How it
/// ended, and the terminal as it was left.
fn run_loop(
    rx: &mpsc::Receiver<Update>,
    signals: &Signals,
    events: &mut dyn FnMut(Duration) -> io::Result<Option<Event>>,
) -> (anyhow::Result<Path>, Terminal<TestBackend>) {
    let mut terminal = Terminal::new(TestBackend::new(80, 12)).expect("a test terminal");
    let ended = drive(
        &mut terminal,
        View::new(session(), Path::new(ip(DESTINATION), 1)),
        rx,
        signals,
        events,
        &mut no_names(),
        fixed_clock,
    );
    (ended, terminal)
}

#[test]
fn the_loop_draws_every_update_and_q_stops_the_run() {
    let (_tx, rx) = plain_updates();
    let signals = Signals::none();
    let (path, terminal) = run_loop(&rx, &signals, &mut script(vec![key('q')]));
    let path = path.expect("q ends the loop");
    assert_eq!(path.rounds(), 3);
    assert_eq!(path.hops().len(), 2);
    assert_eq!(signals.take(), Some(Signal::Stop));
    let text = terminal.backend().to_string();
    assert!(text.contains(" 1. 10.0.0.1 "), "{text}");
    assert!(text.contains(" 2. 203.0.113.9 "), "{text}");
    assert!(text.contains("2023-11-14T22:13:20+0000"), "{text}");
}

#[test]
fn p_in_the_loop_asks_the_driver_to_pause_and_resume() {
    let (_tx, rx) = plain_updates();
    let signals = Signals::none();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut keys = script(vec![key('p'), key('p'), key('q')]);
    let mut events = {
        let signals = signals.clone();
        let seen = Arc::clone(&seen);
        move |wait| {
            // What the keys so far asked of the driver.
            seen.lock().expect("not poisoned").push(signals.take());
            keys(wait)
        }
    };
    run_loop(&rx, &signals, &mut events)
        .0
        .expect("q ends the loop");
    assert_eq!(
        *seen.lock().expect("not poisoned"),
        [None, Some(Signal::Pause), Some(Signal::Resume)]
    );
    assert_eq!(signals.take(), Some(Signal::Stop));
}

#[test]
fn the_end_of_the_run_ends_the_loop_with_the_whole_path() {
    let (tx, rx) = plain_updates();
    tx.send(Update::Ended(None)).expect("the receiver is here");
    let signals = Signals::none();
    let path = run_loop(&rx, &signals, &mut script(Vec::new()))
        .0
        .expect("the run ended");
    assert_eq!(path.rounds(), 3);
    assert_eq!(signals.take(), None);

    // A sender that is gone ends it the same way.
    let (tx, rx) = plain_updates();
    drop(tx);
    let path = run_loop(&rx, &signals, &mut script(Vec::new()))
        .0
        .expect("the run ended");
    assert_eq!(path.hops().len(), 2);
}

#[test]
fn a_failed_run_is_an_error_with_its_text() {
    let (tx, rx) = plain_updates();
    tx.send(Update::Ended(Some(
        "sendto: Network is unreachable".to_owned(),
    )))
    .expect("the receiver is here");
    let error = run_loop(&rx, &Signals::none(), &mut script(Vec::new()))
        .0
        .expect_err("the run failed");
    assert_eq!(error.to_string(), "sendto: Network is unreachable");
}

#[test]
fn each_address_is_looked_up_once_and_only_names_found_come_back() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut resolver = Resolver::new(Box::new({
        let calls = Arc::clone(&calls);
        move |address| {
            calls.fetch_add(1, Ordering::SeqCst);
            (address == ip("10.0.0.1")).then(|| "gw.lab".to_owned())
        }
    }));
    resolver.ask([ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.1")]);
    resolver.ask([ip("10.0.0.2")]);
    // The thread answers in its own time: wait for both lookups, bounded.
    let deadline = Instant::now() + Duration::from_secs(10);
    while calls.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut found = Vec::new();
    while found.is_empty() && Instant::now() < deadline {
        found = resolver.answers();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(found, [(ip("10.0.0.1"), "gw.lab".to_owned())]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(resolver.answers().is_empty());
}
