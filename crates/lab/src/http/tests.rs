use std::time::Duration;

use super::{HttpReceiver, Listen, urlencode};
use crate::netns::Lab;

#[test]
fn the_receiver_records_method_path_headers_and_body_and_answers_its_status() {
    let receiver = HttpReceiver::start(&Listen::loopback());
    let endpoint = receiver.endpoint().clone();
    let response = endpoint.post("/hook?x=1", "application/json", br#"{"status":"firing"}"#);
    assert_eq!(response.status, 200);
    receiver.respond_with(500);
    assert_eq!(endpoint.get("/second").status, 500);
    let requests = receiver.wait_for(2, Duration::from_secs(5));
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/hook?x=1");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].json()["status"], "firing");
    assert_eq!(requests[1].method, "GET");
    assert!(requests[1].body.is_empty());
}

#[test]
fn a_receiver_in_a_namespace_is_reached_there_and_only_there() {
    let Some(lab) = Lab::host("a_receiver_in_a_namespace_is_reached_there_and_only_there") else {
        return;
    };
    let receiver = HttpReceiver::start(&Listen::netns(lab.ns("host")));
    assert_eq!(
        receiver.endpoint().post("/in", "text/plain", b"hi").status,
        200
    );
    let mut here = receiver.endpoint().clone();
    here.ns = None;
    // The same port on this namespace's loopback is another socket, if any.
    if let Ok(response) = here.request("POST", "/out", Some("text/plain"), b"no") {
        assert_ne!(response.status, 200);
    }
    let requests = receiver.wait_for(1, Duration::from_secs(5));
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, b"hi");
}

#[test]
fn query_strings_are_percent_encoded() {
    assert_eq!(
        urlencode("rate(x{job=\"a b\"}[1m])"),
        "rate%28x%7Bjob%3D%22a%20b%22%7D%5B1m%5D%29"
    );
    assert_eq!(urlencode("A-z_0.9~"), "A-z_0.9~");
}
