//! `icmpkit guard --listen ADDR`: the live guard's counts as Prometheus
//! metrics (`OpenMetrics` text, `prometheus-client`) at `/metrics`, served by
//! axum on a thread of its own.
//!
//! The capture loop owns the [`Guard`]; after each batch of packets it
//! publishes a [`Snapshot`] of the counts, and a scrape encodes the latest
//! one: a scrape never waits for the capture, nor the capture for a scrape
//! (beyond swapping the snapshot).
//!
//! Metrics (all `icmpkit_guard_` prefixed):
//! `messages_total` and `bytes_total` by `version`, `icmp_type`,
//! `icmp_code` and `message`; `direction_messages_total` by `direction`;
//! `malformed_total`, `bad_checksum_total`, `echo_replies_unmatched_total`;
//! `findings_total` by `detection`, `family` and `severity`, and
//! `finding_repeats_total` by `detection`; `message_rate` (messages per
//! second) by `window` (`1s`, `10s`, `60s`); `state_entries` by `kind`
//! (what the bounded state holds now); and, from the kernel,
//! `capture_packets_total` and `capture_drops_total`.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use icmpkit_guard::Guard;
use icmpkit_guard::detect::{Detection, Tally};
use icmpkit_guard::engine::Held;
use icmpkit_guard::observe::Direction;
use icmpkit_guard::traffic::MessageKey;
use icmpkit_wire::meaning;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

/// The counts a scrape shows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    messages: Vec<(MessageKey, u64, u64)>,
    directions: [u64; 4],
    malformed: u64,
    bad_checksum: u64,
    unmatched: u64,
    findings: Vec<(Detection, Tally)>,
    rates: [f64; 3],
    held: Held,
    /// Packets the kernel captured and dropped, when capturing live.
    capture: Option<(u64, u64)>,
}

impl Snapshot {
    /// The guard's counts now, the capture's (packets, drops), and the
    /// message rates over the windows ending at `now` (capture time).
    pub fn of(guard: &mut Guard, capture: Option<(u64, u64)>, now: u64) -> Self {
        let held = guard.held();
        let rates = guard.traffic_mut().rates(now);
        let findings = guard.tallies().collect();
        let t = guard.traffic();
        Self {
            messages: t
                .by_message()
                .map(|(k, s)| (*k, s.packets, s.bytes))
                .collect(),
            directions: t.by_direction,
            malformed: t.malformed,
            bad_checksum: t.bad_checksum,
            unmatched: t.echo.replies_unmatched,
            findings,
            rates,
            held,
            capture,
        }
    }
}

/// The latest snapshot, shared by the capture loop and the server.
pub type Shared = Arc<Mutex<Option<Snapshot>>>;

#[derive(Debug)]
struct Counts(Shared);

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (Vec<(&'static str, String)>, u64)>,
) -> std::fmt::Result {
    let c = ConstCounter::new(0u64);
    let mut family = encoder.encode_descriptor(name, help, None, c.metric_type())?;
    for (labels, value) in rows {
        ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (Vec<(&'static str, String)>, f64)>,
) -> std::fmt::Result {
    let g = ConstGauge::new(0.0f64);
    let mut family = encoder.encode_descriptor(name, help, None, g.metric_type())?;
    for (labels, value) in rows {
        ConstGauge::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// A counter without labels.
fn single(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    let c = ConstCounter::new(value);
    c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)
}

#[allow(clippy::cast_precision_loss)]
impl Collector for Counts {
    fn encode(&self, mut e: DescriptorEncoder<'_>) -> std::fmt::Result {
        let guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(s) = guard.as_ref() else {
            return Ok(());
        };
        let message_labels = |k: &MessageKey| {
            vec![
                (
                    "version",
                    if k.version == icmpkit_wire::IpVersion::V4 {
                        "4"
                    } else {
                        "6"
                    }
                    .to_owned(),
                ),
                ("icmp_type", k.msg_type.to_string()),
                ("icmp_code", k.code.to_string()),
                (
                    "message",
                    meaning::summary(k.version, k.msg_type, k.code).to_string(),
                ),
            ]
        };
        counter(
            &mut e,
            "icmpkit_guard_messages",
            "ICMP and ICMPv6 messages seen, by type and code",
            s.messages.iter().map(|(k, p, _)| (message_labels(k), *p)),
        )?;
        counter(
            &mut e,
            "icmpkit_guard_bytes",
            "IP bytes of the ICMP messages seen, by type and code",
            s.messages.iter().map(|(k, _, b)| (message_labels(k), *b)),
        )?;
        counter(
            &mut e,
            "icmpkit_guard_direction_messages",
            "ICMP messages seen, by direction",
            Direction::ALL
                .iter()
                .zip(s.directions)
                .map(|(d, n)| (vec![("direction", d.name().to_owned())], n)),
        )?;
        single(
            &mut e,
            "icmpkit_guard_malformed",
            "ICMP messages malformed at any layer",
            s.malformed,
        )?;
        single(
            &mut e,
            "icmpkit_guard_bad_checksum",
            "ICMP messages whose checksum did not verify",
            s.bad_checksum,
        )?;
        single(
            &mut e,
            "icmpkit_guard_echo_replies_unmatched",
            "Echo replies that matched no request seen",
            s.unmatched,
        )?;
        counter(
            &mut e,
            "icmpkit_guard_findings",
            "Findings raised, by detection and severity",
            s.findings.iter().flat_map(|(d, t)| {
                let info = d.info();
                icmpkit_guard::Severity::ALL
                    .into_iter()
                    .zip(t.by_severity)
                    .filter(|(_, n)| *n > 0)
                    .map(move |(severity, n)| {
                        (
                            vec![
                                ("detection", info.name.to_owned()),
                                ("family", info.family.name().to_owned()),
                                ("severity", severity.name().to_owned()),
                            ],
                            n,
                        )
                    })
            }),
        )?;
        counter(
            &mut e,
            "icmpkit_guard_finding_repeats",
            "Repeats of a finding within its hold time, counted but not raised",
            s.findings
                .iter()
                .filter(|(_, t)| t.repeats > 0)
                .map(|(d, t)| (vec![("detection", d.name().to_owned())], t.repeats)),
        )?;
        gauge(
            &mut e,
            "icmpkit_guard_message_rate",
            "ICMP messages per second over the last window",
            ["1s", "10s", "60s"]
                .iter()
                .zip(s.rates)
                .map(|(w, r)| (vec![("window", (*w).to_owned())], r)),
        )?;
        let h = s.held;
        gauge(
            &mut e,
            "icmpkit_guard_state_entries",
            "Entries of bounded state held now",
            [
                ("echo_requests", h.echo_requests),
                ("reassembling", h.reassembling),
                ("reassembly_bytes", h.reassembly_bytes),
                ("detector_entries", h.detector_entries),
            ]
            .map(|(k, v)| (vec![("kind", k.to_owned())], v as f64)),
        )?;
        if let Some((packets, drops)) = s.capture {
            single(
                &mut e,
                "icmpkit_guard_capture_packets",
                "Packets the kernel's capture filter passed",
                packets,
            )?;
            single(
                &mut e,
                "icmpkit_guard_capture_drops",
                "Packets the kernel dropped for a full capture ring",
                drops,
            )?;
        }
        Ok(())
    }
}

/// Serves `/metrics` on `addr` from `shared` until the process ends.
/// Binds now, so that an address in use is an error at start.
pub fn serve(addr: SocketAddr, shared: Shared) -> Result<JoinHandle<()>> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("--listen {addr}: cannot listen there"))?;
    listener.set_nonblocking(true)?;
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Counts(shared)));
    let registry = Arc::new(registry);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("cannot start the metrics server")?;
    Ok(std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let app = axum::Router::new().route(
                "/metrics",
                axum::routing::get(move || {
                    let registry = Arc::clone(&registry);
                    async move {
                        let mut body = String::new();
                        let _ = prometheus_client::encoding::text::encode(&mut body, &registry);
                        (
                            [(
                                "content-type",
                                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                            )],
                            body,
                        )
                    }
                }),
            );
            let _ = axum::serve(listener, app).await;
        });
    }))
}
