//! Status codes, JSON shapes, sorting and filtering, escaping.

use std::sync::atomic::Ordering;

use serde_json::Value;

use crate::fake::{self, NOW};
use crate::server::Server;

async fn server() -> Server {
    Server::start(fake::state(true, &[]).0).await
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect()
}

#[tokio::test]
async fn the_target_list_has_every_target_in_configuration_order() {
    let s = server().await;
    let list = s.json("/api/targets").await;
    assert_eq!(
        names(&list),
        ["gw", "lossy", "down", "net/10.0.1.5", "<b>evil</b>"]
    );
    let gw = &list[0];
    assert_eq!(gw["host"], "10.0.0.1");
    assert_eq!(gw["ip"], "10.0.0.1");
    assert_eq!(gw["group"], "core");
    assert_eq!(gw["status"], "up");
    assert_eq!(gw["labels"]["site"], "fra1");
    assert_eq!(gw["step_start"], NOW - 300);
    assert!(gw["median_ms"].as_f64().expect("a median") > 1.0);
    assert_eq!(gw["loss"], 0.0);
    assert_eq!(list[2]["status"], "down");
    assert_eq!(list[2]["loss"], 1.0);
    assert_eq!(list[2]["median_ms"], Value::Null);
    assert_eq!(list[4]["status"], "unknown");
    assert_eq!(list[4]["loss"], Value::Null);
}

#[tokio::test]
async fn targets_sort_by_loss_descending_with_missing_values_last() {
    let s = server().await;
    let list = s.json("/api/targets?sort=loss&desc=1").await;
    let losses: Vec<Option<f64>> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["loss"].as_f64())
        .collect();
    assert_eq!(names(&list)[0], "down");
    assert_eq!(losses.last(), Some(&None));
    let known: Vec<f64> = losses.iter().flatten().copied().collect();
    assert!(known.windows(2).all(|w| w[0] >= w[1]), "{losses:?}");
    let by_name = s.json("/api/targets?sort=name").await;
    let mut sorted = names(&by_name);
    sorted.sort_unstable();
    assert_eq!(names(&by_name), sorted);
}

#[tokio::test]
async fn targets_filter_by_group_and_by_part_of_the_name() {
    let s = server().await;
    assert_eq!(
        names(&s.json("/api/targets?group=edge").await),
        ["down", "net/10.0.1.5"]
    );
    assert_eq!(names(&s.json("/api/targets?q=LOS").await), ["lossy"]);
    assert_eq!(
        names(&s.json("/api/targets?group=x%26y&q=evil").await),
        ["<b>evil</b>"]
    );
    assert!(names(&s.json("/api/targets?group=none").await).is_empty());
}

#[tokio::test]
async fn a_bad_sort_is_a_400_that_names_the_valid_columns() {
    let s = server().await;
    let reply = s.get("/api/targets?sort=colour").await;
    assert_eq!(reply.status, 400);
    let error: Value = serde_json::from_str(&reply.body).expect("JSON");
    let message = error["error"].as_str().expect("a message");
    assert!(message.contains("`sort=colour`"), "{message}");
    assert!(
        message.contains("name, host, ip, group, loss, median"),
        "{message}"
    );
    let page = s.get("/?desc=maybe").await;
    assert_eq!(page.status, 400);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("desc=maybe"), "{}", page.body);
}

#[tokio::test]
async fn a_target_has_its_status_last_step_and_path() {
    let s = server().await;
    let t = s.json("/api/targets/net%2F10.0.1.5").await;
    assert_eq!(t["name"], "net/10.0.1.5");
    assert_eq!(t["ip"], "10.0.1.5");
    let step = &t["last_step"];
    assert_eq!(step["start"], NOW - 300);
    assert_eq!(step["step"], 300);
    assert_eq!(step["sent"], 20);
    assert_eq!(
        step["received"].as_u64().expect("a count") + step["lost"].as_u64().expect("a count"),
        20
    );
    // The step's RTTs are the history's (smoke), not the live state's.
    assert_eq!(step["rtts_ms"], Value::Null);
    assert!(step["min_ms"].as_f64().expect("a min") <= step["max_ms"].as_f64().expect("a max"));
    assert_eq!(t["path"]["hops"][1], Value::Null);
    assert_eq!(t["path"]["hops"][3], "10.0.1.5");
    assert_eq!(t["path"]["pmtu"], 1500);
    assert_eq!(t["path_changes"], 3);
}

#[tokio::test]
async fn an_unknown_target_is_a_404_everywhere() {
    let s = server().await;
    for path in [
        "/api/targets/nope",
        "/api/targets/nope/history",
        "/api/targets/nope/paths",
        "/target/nope/graph.svg",
    ] {
        let reply = s.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.content_type.starts_with("application/json"), "{path}");
        assert_eq!(
            reply.body, r#"{"error":"no target named \"nope\""}"#,
            "{path}"
        );
    }
    let page = s.get("/target/%3Cscript%3E").await;
    assert_eq!(page.status, 404);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("&lt;script&gt;"));
    assert!(!page.body.contains("<script>"));
    assert_eq!(s.get("/no/such/page").await.status, 404);
}

#[tokio::test]
async fn the_history_is_the_series_in_seconds_and_milliseconds() {
    let s = server().await;
    let from = NOW - 3 * 3600;
    let h = s
        .json(&format!(
            "/api/targets/lossy/history?from={from}&to={NOW}&points=600"
        ))
        .await;
    assert_eq!(h["target"], "lossy");
    assert_eq!(
        (h["from"].as_i64(), h["to"].as_i64()),
        (Some(from), Some(NOW))
    );
    assert_eq!(h["step"], 60);
    let points = h["points"].as_array().expect("points");
    // 180 steps less the 20 minutes the fake daemon was down.
    assert_eq!(points.len(), 160);
    let p = &points[0];
    assert_eq!(p["start"], from);
    assert_eq!(p["sent"], 20);
    let median = p["median_ms"].as_f64().expect("a median");
    assert!((20.0..40.0).contains(&median), "{median}");
    let smoke: Vec<f64> = p["smoke_ms"]
        .as_array()
        .expect("smoke")
        .iter()
        .map(|v| v.as_f64().expect("ms"))
        .collect();
    assert_eq!(smoke.len(), 20);
    assert!(smoke.windows(2).all(|w| w[0] <= w[1]));
    let lost = p["lost"].as_f64().expect("lost");
    assert_eq!(p["loss"].as_f64(), Some(lost / 20.0));

    let down = s
        .json(&format!(
            "/api/targets/down/history?range=30h&to={NOW}&points=100"
        ))
        .await;
    assert_eq!(down["step"], 3600);
    let first = &down["points"][0];
    assert_eq!(first["median_ms"], Value::Null);
    assert_eq!(first["loss"], 1.0);
    assert_eq!(first["smoke_ms"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_history_parameters_are_400s_naming_them() {
    let s = server().await;
    for (query, param, valid) in [
        ("range=1w", "range", "3h, 30h, 10d, 400d"),
        ("points=0", "points", "from 1 to 20000"),
        ("from=yesterday", "from", "Unix seconds"),
        ("from=200&to=100", "from", "before `to`"),
    ] {
        let reply = s.get(&format!("/api/targets/gw/history?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(
            reply.body.contains(&format!("`{param}=")),
            "{query}: {}",
            reply.body
        );
        assert!(reply.body.contains(valid), "{query}: {}", reply.body);
    }
}

#[tokio::test]
async fn paths_are_listed_with_their_changes_marked() {
    let s = server().await;
    let p = s
        .json(&format!(
            "/api/targets/net%2F10.0.1.5/paths?range=30h&to={NOW}"
        ))
        .await;
    let paths = p["paths"].as_array().expect("paths");
    assert!(paths.len() >= 9, "{}", paths.len());
    assert_eq!(paths[0]["changed"], false);
    let changes = paths.iter().filter(|p| p["changed"] == true).count();
    assert!((1..=3).contains(&changes), "{changes}");
    for w in paths.windows(2) {
        let changed = w[0]["hops"][2] != w[1]["hops"][2];
        assert_eq!(w[1]["changed"], changed);
    }
}

#[tokio::test]
async fn alerts_are_listed_as_the_board_has_them() {
    let s = server().await;
    let alerts = s.json("/api/alerts").await;
    assert_eq!(alerts[0]["rule"], "HighLoss");
    assert_eq!(alerts[0]["state"], "firing");
    assert_eq!(alerts[0]["labels"]["team"], "net");
    assert_eq!(alerts[0]["value"], 0.1);
    assert_eq!(alerts[1]["state"], "resolved");
    assert_eq!(alerts[1]["value"], Value::Null);
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let s = server().await;
    assert_eq!(s.get("/-/healthy").await.status, 200);
    assert_eq!(s.get("/-/ready").await.status, 200);
}

#[tokio::test]
async fn a_reload_answers_with_its_message_or_its_error() {
    let (state, count) = fake::state(true, &[]);
    let s = Server::start(state).await;
    let ok = s.request("POST", "/-/reload").await;
    assert_eq!(
        (ok.status, ok.body.as_str()),
        (200, "reloaded: 5 targets, 1 added\n")
    );
    assert_eq!(s.get("/-/reload").await.status, 405);
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (state, count) = fake::state(false, &[]);
    let s = Server::start(state).await;
    let bad = s.request("POST", "/-/reload").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("monitor.toml:12: key `pings`"),
        "{}",
        bad.body
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_overview_links_every_target_and_escapes_names() {
    let s = server().await;
    let page = s.get("/?sort=median&desc=1").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("href=\"/target/net%2F10.0.1.5\""));
    assert!(page.body.contains("href=\"/target/%3Cb%3Eevil%3C%2Fb%3E\""));
    assert!(page.body.contains("&lt;b&gt;evil&lt;/b&gt;"));
    assert!(!page.body.contains("<b>evil</b>"));
    assert!(page.body.contains("x&amp;y"));
    // The active column's header links to the other direction.
    assert!(
        page.body.contains("href=\"/?sort=median\">Median ▼</a>"),
        "{}",
        page.body
    );
    let rows: Vec<&str> = page
        .body
        .split("<tr data-target=\"")
        .skip(1)
        .map(|r| r.split('"').next().expect("a name"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], "net/10.0.1.5");
    let edge = s.get("/?group=edge").await.body;
    assert_eq!(edge.matches("<tr data-target=").count(), 2);
    assert!(edge.contains("<option value=\"edge\" selected>"));
}

#[tokio::test]
async fn a_target_page_stacks_four_graphs_and_lists_path_changes() {
    let s = server().await;
    let page = s.get(&format!("/target/net%2F10.0.1.5?to={NOW}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for range in ["3h", "30h", "10d", "400d"] {
        assert!(
            page.body
                .contains(&format!("<div class=\"graph\" data-range=\"{range}\"><svg")),
            "{range}"
        );
    }
    assert_eq!(page.body.matches("<svg").count(), 4);
    assert!(page.body.contains("hop 3: 10.0.2."), "path changes listed");
    assert!(
        page.body
            .contains("<td class=\"num\">4</td><td>10.0.1.5</td>"),
        "the last hop list"
    );
    let one = s
        .get(&format!("/target/lossy?range=30h&to={NOW}"))
        .await
        .body;
    assert_eq!(one.matches("<svg").count(), 1);
    assert!(one.contains("<b>Last 30 hours</b>"));
    assert!(one.contains("HighLoss"), "the target's alert");
    let evil = s.get("/target/%3Cb%3Eevil%3C%2Fb%3E").await;
    assert_eq!(evil.status, 200);
    assert!(!evil.body.contains("<b>evil</b>"));
}

#[tokio::test]
async fn a_graph_is_an_svg_image() {
    let s = server().await;
    let svg = s
        .get(&format!(
            "/target/lossy/graph.svg?range=3h&to={NOW}&width=600&height=240"
        ))
        .await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.content_type, "image/svg+xml; charset=utf-8");
    assert!(svg.body.starts_with("<svg") && svg.body.contains("width=\"600\" height=\"240\""));
    assert!(svg.body.contains("class=\"median\""));
    let bad = s.get("/target/lossy/graph.svg?width=5").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("`width=5`"));
}

#[tokio::test]
async fn a_broken_history_is_a_500_in_the_api_and_a_note_on_the_page() {
    let s = Server::start(fake::state(true, &["gw"]).0).await;
    let reply = s.get("/api/targets/gw/history").await;
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("corrupt"));
    let page = s.get("/target/gw").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("no history: redb: table of gw is corrupt")
    );
}
