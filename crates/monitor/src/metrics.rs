//! `/metrics`: what the daemon knows, as Prometheus metrics in
//! `OpenMetrics` text (prometheus-client), encoded from the live state at
//! each scrape.
//!
//! Per target (labels `target`, `host`, `ip`, `group`, `agent` and the
//! configuration's own labels):
//! - `icmpkit_monitor_probes_sent_total`, `icmpkit_monitor_probes_received_total`;
//! - `smokeping_response_duration_seconds`, the histogram of every RTT,
//!   under `smokeping_prober`'s name and with its buckets (50 µs × 2^k,
//!   k = 0..19), so its dashboards work unchanged; exported once (a
//!   second copy under our own name would double the largest part of a
//!   scrape: 23 lines per target), and `smokeping_requests_total`;
//! - of the last closed step: `icmpkit_monitor_step_loss_ratio`,
//!   `icmpkit_monitor_step_rtt_median_seconds`,
//!   `icmpkit_monitor_step_jitter_seconds`, `icmpkit_monitor_up` (1 when
//!   the step had an answer);
//! - of the path: `icmpkit_monitor_path_hops`,
//!   `icmpkit_monitor_path_changes_total`, `icmpkit_monitor_path_mtu_bytes`;
//!
//! For the daemon: `icmpkit_monitor_targets`,
//! `icmpkit_monitor_late_samples_total`, `icmpkit_monitor_probes_abandoned_total`,
//! `icmpkit_monitor_kernel_drops_total`,
//! `icmpkit_monitor_history_pending_steps`,
//! `icmpkit_monitor_history_dropped_steps_total`,
//! `icmpkit_monitor_config_reloads_total` by `result`. Label values are
//! escaped as the text format requires.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::live::{Live, RttHistogram, SharedLive, TargetStatus, rtt_buckets};

type Labels = Vec<(String, String)>;

/// `value` as a label value of the text format: backslash, double quote
/// and line feed escaped (prometheus-client writes values as given, and
/// names and labels come from a configuration file).
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The labels of `target`'s series.
fn labels(agent: &str, target: &TargetStatus) -> Labels {
    let mut labels = vec![
        ("target".to_owned(), escape(&target.name)),
        ("host".to_owned(), escape(&target.host)),
        (
            "ip".to_owned(),
            target.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        ),
        ("group".to_owned(), escape(&target.group)),
        ("agent".to_owned(), escape(agent)),
    ];
    for (k, v) in target.labels.iter() {
        if !labels.iter().any(|(name, _)| name == k) {
            labels.push((k.clone(), escape(v)));
        }
    }
    labels
}

/// A histogram already counted (prometheus-client's own is for observing).
#[derive(Debug)]
struct Counted(RttHistogram);

impl EncodeMetric for Counted {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> std::fmt::Result {
        let buckets: Vec<(f64, u64)> = rtt_buckets()
            .chain(std::iter::once(f64::MAX))
            .zip(self.0.counts())
            .collect();
        encoder.encode_histogram::<prometheus_client::encoding::NoLabelSet>(
            self.0.sum,
            self.0.count(),
            &buckets,
            None,
        )
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// One family: `name` of `kind`, a value per target where `value` gives one.
fn family<M: EncodeMetric>(
    encoder: &mut DescriptorEncoder<'_>,
    live: &Live,
    name: &str,
    help: &str,
    kind: MetricType,
    value: impl Fn(&TargetStatus) -> Option<M>,
) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, kind)?;
    for target in &live.targets {
        if let Some(metric) = value(target) {
            metric.encode(family.encode_family(&labels(&live.agent, target))?)?;
        }
    }
    Ok(())
}

fn counter(v: u64) -> ConstCounter<u64> {
    ConstCounter::new(v)
}

fn gauge(v: Option<f64>) -> Option<ConstGauge<f64>> {
    v.map(ConstGauge::new)
}

/// The collector registered for `/metrics`.
#[derive(Debug)]
struct LiveCollector(SharedLive);

impl Collector for LiveCollector {
    fn encode(&self, mut e: DescriptorEncoder<'_>) -> std::fmt::Result {
        let live = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let live = &*live;
        let e = &mut e;
        family(
            e,
            live,
            "icmpkit_monitor_probes_sent",
            "Echo Requests sent to the target",
            MetricType::Counter,
            |t| Some(counter(t.sent)),
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_probes_received",
            "Echo Requests answered (duplicates not counted)",
            MetricType::Counter,
            |t| Some(counter(t.received())),
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_step_loss_ratio",
            "The fraction of probes lost in the last closed step",
            MetricType::Gauge,
            |t| gauge(t.last_step.as_ref().and_then(crate::step::StepBrief::loss)),
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_step_rtt_median_seconds",
            "The median RTT of the last closed step",
            MetricType::Gauge,
            |t| {
                gauge(
                    t.last_step
                        .as_ref()
                        .and_then(crate::step::StepBrief::median_us)
                        .map(|us| f64::from(us) / 1e6),
                )
            },
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_step_jitter_seconds",
            "The mean difference of successive RTTs in the last closed step",
            MetricType::Gauge,
            |t| {
                gauge(
                    t.last_step
                        .as_ref()
                        .and_then(|s| s.jitter_us)
                        .map(|us| f64::from(us) / 1e6),
                )
            },
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_up",
            "1 when the last closed step had an answer, 0 when every probe was lost",
            MetricType::Gauge,
            |t| gauge(t.up.map(|up| f64::from(u8::from(up)))),
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_path_hops",
            "Hops of the last path traced",
            MetricType::Gauge,
            |t| {
                #[allow(clippy::cast_precision_loss, reason = "a hop count")]
                gauge(t.path().map(|p| p.hops.len() as f64))
            },
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_path_changes",
            "Times the traced path changed",
            MetricType::Counter,
            |t| t.path().map(|_| counter(t.path_changes())),
        )?;
        family(
            e,
            live,
            "icmpkit_monitor_path_mtu_bytes",
            "The path MTU last found",
            MetricType::Gauge,
            |t| gauge(t.path().and_then(|p| p.pmtu).map(f64::from)),
        )?;
        family(
            e,
            live,
            "smokeping_requests",
            "Number of ping requests sent (smokeping_prober's name)",
            MetricType::Counter,
            |t| Some(counter(t.sent)),
        )?;
        family(
            e,
            live,
            "smokeping_response_duration_seconds",
            "Round-trip times of the answered probes (smokeping_prober's name and buckets)",
            MetricType::Histogram,
            |t| Some(Counted(t.rtt.clone())),
        )?;
        // The daemon's own series carry `agent` too: several agents
        // scraped into one Prometheus are told apart by it.
        let agent_value = escape(&live.agent);
        let agent = [("agent", agent_value.as_str())];
        #[allow(clippy::cast_precision_loss, reason = "a target count")]
        let targets = ConstGauge::new(live.targets.len() as f64);
        targets.encode(
            e.encode_descriptor(
                "icmpkit_monitor_targets",
                "Targets configured",
                None,
                MetricType::Gauge,
            )?
            .encode_family(&agent)?,
        )?;
        let late = ConstCounter::new(live.late_samples);
        late.encode(
            e.encode_descriptor(
                "icmpkit_monitor_late_samples",
                "Samples that came for a step already closed",
                None,
                MetricType::Counter,
            )?
            .encode_family(&agent)?,
        )?;
        for (name, help, value) in [
            (
                "icmpkit_monitor_probes_abandoned",
                "Probes in flight when their prober stopped (reloads, the end): in no step",
                live.probes_abandoned,
            ),
            (
                "icmpkit_monitor_kernel_drops",
                "Datagrams the kernel dropped for a full receive queue (answers lost on this host)",
                live.kernel_drops,
            ),
            (
                "icmpkit_monitor_history_dropped_steps",
                "Steps the history dropped because its backlog after failed writes was full",
                live.history_dropped,
            ),
        ] {
            ConstCounter::new(value).encode(
                e.encode_descriptor(name, help, None, MetricType::Counter)?
                    .encode_family(&agent)?,
            )?;
        }
        #[allow(clippy::cast_precision_loss, reason = "a step count")]
        let pending = ConstGauge::new(live.history_pending as f64);
        pending.encode(
            e.encode_descriptor(
                "icmpkit_monitor_history_pending_steps",
                "Steps held in memory after a failed history write, written with the next one",
                None,
                MetricType::Gauge,
            )?
            .encode_family(&agent)?,
        )?;
        let mut reloads = e.encode_descriptor(
            "icmpkit_monitor_config_reloads",
            "Configuration reloads, by result",
            None,
            MetricType::Counter,
        )?;
        for (result, n) in [("success", live.reloads.0), ("failure", live.reloads.1)] {
            ConstCounter::new(n).encode(
                reloads.encode_family(&[("agent", live.agent.as_str()), ("result", result)])?,
            )?;
        }
        Ok(())
    }
}

/// A registry whose collector reads `live` at each scrape.
pub fn registry(live: SharedLive) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(LiveCollector(live)));
    registry
}

/// The `OpenMetrics` text of `registry`.
pub fn encode(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry)?;
    Ok(text)
}

#[cfg(test)]
mod tests;
