//! `icmpkit monitor`'s web pages in a real browser: headless Chromium, in
//! the monitoring lab's agent namespace beside the daemon, loads the
//! overview and the target pages of Clean (0 % loss), Lossy (one echo
//! request in ten dropped at random) and Dead (all dropped). Screenshots
//! are kept in the lab's artifacts directory (`target/lab-artifacts`, or
//! `$ICMPKIT_ARTIFACTS`) to be looked at; the DOM after load is checked
//! against the history API: every median mark of a graph has the loss
//! class of its step (`icmpkit_monitor::web::LossScale`, smokeping's
//! colours), Dead's steps are drawn as total loss, Clean's as none, and
//! the overview lists the three with their status.
//!
//! Steps of 15 s with 15 pings: three hours of them (720) fit the 3 h
//! graph's 800 px, so it draws the raw steps, not 5-minute points.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use icmpkit_lab::http::{Endpoint, Listen};
use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, MonitorTarget};
use icmpkit_lab::peers::chromium::{Chromium, artifacts_dir};
use icmpkit_lab::server::{Scratch, Server, poll};
use icmpkit_monitor::web::{LOSS_COLOURS, LossScale};
use serde_json::Value;

const PINGS: u32 = 15;
const STEP: i64 = 15;
/// Closed steps of each target before the pages are taken.
const STEPS: usize = 6;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// The full steps (all pings sent) of `target` since `from`: start → lost.
fn full_steps(endpoint: &Endpoint, target: &str, from: i64) -> BTreeMap<i64, u32> {
    let body = endpoint.get_ok(&format!(
        "/api/targets/{target}/history?from={from}&to={}",
        now() + 1
    ));
    let v: Value = serde_json::from_str(&body).unwrap();
    if !v["points"].as_array().unwrap().is_empty() {
        assert_eq!(v["step"], STEP, "{body}");
    }
    v["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["sent"] == PINGS)
        .map(|p| {
            (
                p["start"].as_i64().unwrap(),
                u32::try_from(p["lost"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// Every `<rect class="CLASS" ...>` of `html`: its attributes.
fn rects(html: &str, class: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<rect class=\"{class}\" ");
    html.split(&open)
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            let mut attrs = BTreeMap::new();
            for part in tag.split("\" ") {
                if let Some((k, v)) = part.split_once("=\"") {
                    attrs.insert(
                        k.trim().to_owned(),
                        v.trim_end_matches(['"', '/']).to_owned(),
                    );
                }
            }
            attrs
        })
        .collect()
}

/// The 3 h graph of a target page's DOM.
fn graph_3h(dom: &str) -> &str {
    let start = dom
        .find("<div class=\"graph\" data-range=\"3h\">")
        .expect("the 3 h graph");
    let rest = &dom[start..];
    &rest[..rest.find("</svg>").expect("its end")]
}

#[test]
fn chromium_shows_the_overview_and_the_loss_colours_of_clean_lossy_and_dead() {
    let Some(lab) = Lab::monitor("monitor_browser") else {
        return;
    };
    let agent = lab.ns("agent");
    let Some(chromium) = Chromium::find(Some(&agent)) else {
        return;
    };
    let targets = [
        MonitorTarget::Clean,
        MonitorTarget::Lossy,
        MonitorTarget::Dead,
    ];
    let data = Scratch::new("history");
    let mut config = format!(
        "agent = \"lab-agent\"\ndata_dir = {:?}\n[defaults]\nstep = \"{STEP}s\"\npings = {PINGS}\ntimeout = \"1s\"\n",
        data.path().display().to_string()
    );
    for t in targets {
        let _ = write!(
            config,
            "\n[[target]]\nname = {:?}\nhost = {:?}\n",
            t.name(),
            t.v4()
        );
    }
    let scratch = Scratch::new("monitor-browser");
    let file = scratch.write("monitor.toml", &config);
    let endpoint = Listen::netns(agent.clone()).free_endpoint();
    let from = now();
    let daemon = Server::monitor(scratch, endpoint, icmpkit!(), &file, "/-/ready");
    let endpoint = daemon.endpoint().clone();

    // Bounded: STEPS + 2 steps, and the closing delay.
    let bound = Duration::from_secs(u64::try_from(STEP).unwrap() * (STEPS as u64 + 3));
    let steps: BTreeMap<&str, BTreeMap<i64, u32>> =
        poll(bound, "full steps of every target", || {
            let all: BTreeMap<&str, BTreeMap<i64, u32>> = targets
                .iter()
                .map(|t| (t.name(), full_steps(&endpoint, t.name(), from)))
                .collect();
            all.values().all(|s| s.len() >= STEPS).then_some(all)
        });
    eprintln!("steps (start → lost): {steps:?}");
    assert!(steps["clean"].values().all(|&lost| lost == 0));
    assert!(steps["dead"].values().all(|&lost| lost == PINGS));

    let dir = artifacts_dir();
    let shots = [
        ("/", "monitor-overview.png", 1280, 720),
        ("/target/lossy", "monitor-target-lossy.png", 1280, 2000),
        ("/target/dead", "monitor-target-dead.png", 1280, 1000),
        ("/target/clean", "monitor-target-clean.png", 1280, 1000),
    ];
    // The steps measured, close up: the graph of just this run.
    let close_up = format!("/target/lossy/graph.svg?from={from}&to={}", now());
    let shots = shots
        .iter()
        .map(|&(path, name, w, h)| (path.to_owned(), name, w, h))
        .chain([(close_up, "monitor-graph-lossy-close-up.png", 880, 340)]);
    for (path, name, width, height) in shots {
        let png = dir.join(name);
        chromium.screenshot(&endpoint.url(&path), &png, width, height);
        eprintln!("screenshot of {path}: {}", png.display());
    }

    // The overview: the three, with their status.
    let overview = chromium.dump_dom(&endpoint.url("/"));
    for (t, status) in [("clean", "up"), ("lossy", "up"), ("dead", "down")] {
        let row = overview
            .split(&format!("<tr data-target=\"{t}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("{t}'s row: {overview}"));
        let row = &row[..row.find("</tr>").unwrap()];
        eprintln!("{t}: {row}");
        assert!(
            row.contains(&format!(">{status}<")),
            "{t} not {status}: {row}"
        );
    }
    assert!(
        overview.contains("3 targets: 2 up, 1 down, 0 unknown, 0 with a problem."),
        "{overview}"
    );

    let scale = LossScale::new(PINGS);
    for t in targets {
        let dom = chromium.dump_dom(&endpoint.url(&format!("/target/{}", t.name())));
        let graph = graph_3h(&dom);
        let medians = rects(graph, "median");
        let bars = rects(graph, "loss-bar");
        let steps = &steps[t.name()];
        let mut checked = 0;
        for mark in medians.iter().chain(&bars) {
            let start: i64 = mark["data-start"].parse().unwrap();
            let Some(&lost) = steps.get(&start) else {
                continue; // a partial step, or one closed after the poll
            };
            let class = scale.class(lost);
            assert_eq!(
                mark["data-loss-class"],
                class.to_string(),
                "{} step {start}, {lost} lost: {mark:?}",
                t.name()
            );
            assert_eq!(mark["fill"], LOSS_COLOURS[class], "{mark:?}");
            checked += 1;
        }
        eprintln!(
            "{}: {} median marks, {} loss bars, {checked} checked against the history",
            t.name(),
            medians.len(),
            bars.len()
        );
        assert!(checked >= STEPS, "{}: {checked} marks checked", t.name());
        match t {
            MonitorTarget::Clean => {
                assert!(bars.is_empty(), "{bars:?}");
                assert!(medians.iter().all(|m| m["data-loss-class"] == "0"));
            }
            MonitorTarget::Dead => {
                assert!(medians.is_empty(), "{medians:?}");
                assert!(bars.iter().all(|m| m["data-loss-class"] == "7"));
            }
            _ => {
                // Some steps lost something (P(none in 6 × 15) = 0.9^90).
                assert!(medians.iter().any(|m| m["data-loss-class"] != "0"));
            }
        }
    }
    let drops = lab.echo_drops(MonitorTarget::Lossy);
    eprintln!("lossy: {drops:?}");
    drop(daemon);
}
