use super::{Chromium, artifacts_dir};
use crate::http::Listen;
use crate::netns::Lab;

/// What a test's page looks like: a red bar drawn as SVG by a script,
/// so that the DOM dump shows what scripts drew.
const PAGE: &str = r##"<!doctype html><html><body style="margin:0;background:#fff">
<h1 style="font:24px sans-serif">icmpkit lab</h1>
<svg id="chart" width="300" height="100"></svg>
<script>
const bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
bar.setAttribute("x", "10"); bar.setAttribute("y", "20");
bar.setAttribute("width", "200"); bar.setAttribute("height", "50");
bar.setAttribute("fill", "#ff0000"); bar.setAttribute("class", "loss");
document.getElementById("chart").appendChild(bar);
</script></body></html>"##;

/// Serves [`PAGE`] to the first `requests` connections to `listener`.
fn serve(listener: std::net::TcpListener, requests: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        for stream in listener.incoming().take(requests).flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
        }
    })
}

#[test]
fn chromium_screenshots_a_page_in_a_namespace_and_dumps_what_its_script_drew() {
    let test = "chromium_screenshots_a_page_in_a_namespace_and_dumps_what_its_script_drew";
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let ns = lab.ns("host");
    let Some(chromium) = Chromium::find(Some(&ns)) else {
        return;
    };
    let listener = Listen::netns(ns.clone()).bind();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // Chromium may ask for /favicon.ico too: serve a few; the thread ends
    // with the listener when the test is done.
    let _server = serve(listener, 8);
    let dom = chromium.dump_dom(&url);
    assert!(
        dom.contains(
            r##"<rect x="10" y="20" width="200" height="50" fill="#ff0000" class="loss">"##
        ),
        "{dom}"
    );
    let png = artifacts_dir().join("lab-chromium-self-test.png");
    chromium.screenshot(&url, &png, 400, 200);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    eprintln!("screenshot: {} ({} bytes)", png.display(), bytes.len());
}
