//! Headless Chromium loads the overview and a target page from a test
//! server: the screenshots are kept under `target/screens/` to be looked
//! at, and the DOM the browser built is checked for the drawn series.
//! Skipped (with a note) where Chromium is not installed.

use std::path::{Path, PathBuf};

use crate::fake::{self, NOW};
use crate::server::Server;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
}

/// Where the screenshots go: `target/screens/`.
fn screens() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/")
        .join("screens");
    std::fs::create_dir_all(&dir).expect("target/screens");
    dir
}

/// Runs headless Chromium on `url` with `args`; its standard output.
async fn run(browser: &Path, url: &str, args: &[String]) -> String {
    let profile = std::env::temp_dir().join(format!(
        "icmpkit-web-chromium-{}-{}",
        std::process::id(),
        args.join("").len()
    ));
    let out = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .await
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_draws_the_pages_and_the_loss_colours() {
    let Some(browser) = chromium() else {
        eprintln!("no chromium: the browser test is skipped");
        return;
    };
    let s = Server::start(fake::state(true, &[]).0).await;
    let dir = screens();
    for (file, path, width, height) in [
        ("overview.png", "/?sort=loss&desc=1".to_owned(), 1200, 760),
        (
            "target-lossy.png",
            format!("/target/lossy?to={NOW}"),
            1200,
            1750,
        ),
        (
            "target-path.png",
            format!("/target/net%2F10.0.1.5?range=10d&to={NOW}"),
            1200,
            1100,
        ),
        (
            "graph-lossy-3h.png",
            format!("/target/lossy/graph.svg?range=3h&to={NOW}"),
            860,
            300,
        ),
    ] {
        let png = dir.join(file);
        let _ = std::fs::remove_file(&png);
        run(
            &browser,
            &s.url(&path),
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={width},{height}"),
            ],
        )
        .await;
        let size = std::fs::metadata(&png).map_or(0, |m| m.len());
        assert!(size > 10_000, "{file}: {size} bytes");
    }

    // The browser's DOM of the 10 % target's 3 h graph: its medians with
    // their loss classes; most steps lose 1 or 2 of 20 (blue shades).
    let dom = run(
        &browser,
        &s.url(&format!("/target/lossy?range=3h&to={NOW}")),
        &["--dump-dom".to_owned()],
    )
    .await;
    let classes: Vec<&str> = dom
        .split("class=\"median\"")
        .skip(1)
        .filter_map(|r| r.split("data-loss-class=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(classes.len(), 160, "one median per step with an answer");
    let lossy = classes.iter().filter(|c| **c != "0").count();
    assert!(lossy > 80, "{lossy} of 160 steps drawn with loss");
    assert!(
        dom.contains("fill=\"#0059ff\""),
        "2/20 lost drawn in smokeping's blue"
    );
}
