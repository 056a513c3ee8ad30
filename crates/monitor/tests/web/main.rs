//! The web server (`icmpkit_monitor::web`): pages, graphs and the JSON API
//! over a fake daemon, through a real listener on loopback. Module names
//! start with `web_` so that `cargo test -p icmpkit-monitor web` runs them
//! with the unit tests of `web::`.

mod fake;
mod server;
mod web_api;
mod web_browser;
