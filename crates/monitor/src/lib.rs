//! `icmpkit monitor`: a daemon that pings (and traces) many targets
//! continuously and keeps what it measured — Prometheus metrics, an
//! embedded history, smokeping's graphs on a web page, and alerts.
//!
//! The daemon runs the shared machines (`icmpkit_proto::multi::MultiPing`,
//! the trace machines) over the shared driver (`icmpkit_driver::tokio`);
//! it grows no protocol of its own. What it adds is time: samples gathered
//! into steps ([`step`]), steps kept ([`history`]), judged ([`alert`]) and
//! shown ([`web`], [`metrics`]).
//!
//! Modules:
//! - [`target`]: what is monitored and how (targets, groups, probing).
//! - [`step`]: samples, per-step summaries and the aggregator (sans-IO).
//! - [`config`]: the TOML file, read and checked, every mistake located.
//! - [`prober`]: one fping-style machine per probing profile, samples out.
//! - [`live`]: what the daemon knows now, read by `/metrics` and the pages.
//! - [`history`]: the embedded store (redb): raw steps and consolidations.
//! - [`alert`]: rules, their hysteresis, and delivery.
//! - [`path`]: periodic traces and path-MTU checks, path changes.
//! - [`metrics`]: `/metrics` (prometheus-client, `OpenMetrics` text).
//! - [`web`]: the HTTP server: overview, target pages, SVG graphs, `/api`.
//! - [`daemon`]: the process: probers, aggregation, reload, shutdown.

pub mod alert;
pub mod config;
pub mod daemon;
pub mod history;
pub mod live;
pub mod metrics;
pub mod path;
pub mod prober;
pub mod step;
pub mod target;
pub mod web;
