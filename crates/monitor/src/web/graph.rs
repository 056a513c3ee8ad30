//! smokeping's graph, drawn server-side as SVG text: time across, RTT up;
//! per point the smoke (the spread of its RTTs, in greys darker toward
//! the median), the median as a short bar coloured by the point's loss,
//! total loss as a bar at the top; nothing where there is no data.
//!
//! Every median bar carries `data-start`, `data-loss` (percent lost) and
//! `data-loss-class` (the index in [`LOSS_COLOURS`]) so that tests, and a
//! browser, can check what was drawn.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::html::escape;
use super::source::{Point, Series};
use super::utc::{self, Civil};

/// smokeping's loss colours, from no loss to total loss (`SmokePing`
/// `lib/Smokeping.pm`, `get_detail`, the default `%lc` since commits
/// 0e86640 and 3f58817 of 2021: buckets by fraction of the pings).
pub const LOSS_COLOURS: [&str; 8] = [
    "#26ff00", "#00b8ff", "#0059ff", "#7e00ff", "#ff00ff", "#ff5500", "#ff0000", "#a00000",
];

/// The loss classes for a step of `pings` probes, smokeping's way: the
/// upper bounds (in lost probes) 0, 1 %, 5 %, 10 %, 25 %, 50 % of the
/// pings (each at least 1, 2, 3, 4, 5), pings − 1 and pings. For 20
/// pings: 0, 1, 2, 3, 4–5, 6–10, 11–19, 20.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossScale {
    pings: u32,
    /// Upper bound in lost probes → colour index, ascending.
    bounds: BTreeMap<u32, usize>,
}

impl LossScale {
    /// The scale for steps of `pings` probes.
    pub fn new(pings: u32) -> Self {
        let p = pings.max(1);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "Perl's int() of a fraction of a u32"
        )]
        let share = |f: f64, min: u32| ((f * f64::from(p)) as u32).max(min);
        let entries = [
            (share(0.01, 1), 1),
            (share(0.05, 2), 2),
            (share(0.10, 3), 3),
            (share(0.25, 4), 4),
            (share(0.50, 5), 5),
            (p - 1, 6),
            (p, 7),
        ];
        // As in smokeping's hash: a later entry wins a bound shared with an
        // earlier one; bounds above the pings are never reached. No loss is
        // always green (smokeping paints it red for a single ping).
        let mut bounds = BTreeMap::new();
        for (bound, colour) in entries {
            if bound > 0 && bound <= p {
                bounds.insert(bound, colour);
            }
        }
        bounds.insert(0, 0);
        Self { pings: p, bounds }
    }

    /// The colour index of `lost` probes out of the scale's pings.
    pub fn class(&self, lost: u32) -> usize {
        self.bounds
            .range(lost..)
            .next()
            .map_or(LOSS_COLOURS.len() - 1, |(_, &c)| c)
    }

    /// The legend: each class's label (`"4-5/20"`) and colour index.
    pub fn legend(&self) -> Vec<(String, usize)> {
        let mut below = 0;
        let mut legend = Vec::new();
        for (&bound, &colour) in &self.bounds {
            let label = if bound == 0 {
                "0".to_owned()
            } else if bound == below + 1 {
                format!("{bound}/{}", self.pings)
            } else {
                format!("{}-{bound}/{}", below + 1, self.pings)
            };
            legend.push((label, colour));
            below = bound;
        }
        legend
    }
}

/// The colour index of a point's loss on the scale of `pings` probes a
/// step: a point of another count (several steps consolidated) has its
/// loss scaled to `pings` first, as smokeping's averaged loss counts are;
/// some loss never rounds to none, nor partial loss to total.
pub fn loss_class(point: &Point, pings: u32) -> usize {
    let pings = pings.max(1);
    let scale = LossScale::new(pings);
    if point.sent == pings || point.sent == 0 {
        return scale.class(point.lost);
    }
    let (lost, sent) = (u64::from(point.lost), u64::from(point.sent));
    let mut scaled = u32::try_from((lost * u64::from(pings) + sent / 2) / sent).unwrap_or(pings);
    if lost > 0 {
        scaled = scaled.max(1);
    }
    if lost < sent {
        scaled = scaled.min(pings - 1);
    }
    scale.class(scaled)
}

/// Where things go in the picture, pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    from: i64,
    to: i64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    /// The RTT at the top of the plot, milliseconds.
    y_max_ms: f64,
}

const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 24.0;
const MARGIN_TOP: f64 = 28.0;
const MARGIN_BOTTOM: f64 = 64.0;
/// The height of the total-loss bar at the top of the plot.
const LOSS_BAR: f64 = 6.0;

impl Frame {
    fn new(from: i64, to: i64, width: u32, height: u32, y_max_ms: f64) -> Self {
        let (w, h) = (f64::from(width), f64::from(height));
        Self {
            from,
            to: to.max(from + 1),
            left: MARGIN_LEFT,
            right: (w - MARGIN_RIGHT).max(MARGIN_LEFT + 1.0),
            top: MARGIN_TOP,
            bottom: (h - MARGIN_BOTTOM).max(MARGIN_TOP + 1.0),
            y_max_ms,
        }
    }

    #[allow(clippy::cast_precision_loss, reason = "seconds within a graph's span")]
    fn x(&self, t: i64) -> f64 {
        let span = (self.to - self.from) as f64;
        self.left + (t - self.from) as f64 / span * (self.right - self.left)
    }

    fn y(&self, us: u32) -> f64 {
        let ms = f64::from(us) / 1000.0;
        let y = self.bottom - ms / self.y_max_ms * (self.bottom - self.top);
        y.clamp(self.top, self.bottom)
    }

    fn y_ms(&self, ms: f64) -> f64 {
        self.bottom - ms / self.y_max_ms * (self.bottom - self.top)
    }
}

/// A round step for about `ticks` ticks up to `top`, and the top rounded up
/// to it.
fn nice_axis(top: f64, ticks: f64) -> (f64, f64) {
    let top = if top.is_finite() && top > 0.0 {
        top
    } else {
        1.0
    };
    let raw = top / ticks;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    (step, (top / step).ceil() * step)
}

/// The RTT at the top of the graph, milliseconds: the 95th percentile of
/// the points' highest RTTs with 5 % headroom, or smokeping's 1.2 × the
/// highest median, whichever is higher; then rounded up to a tick.
fn y_axis(series: &Series) -> (f64, f64) {
    let mut tops: Vec<u32> = series
        .points
        .iter()
        .filter_map(|p| p.smoke_us.last().copied().or(p.median_us))
        .collect();
    tops.sort_unstable();
    let p95 = tops.get(tops.len().saturating_sub(1) * 95 / 100).copied();
    let max_median = series.points.iter().filter_map(|p| p.median_us).max();
    let top_ms = match (p95, max_median) {
        (None, None) => 10.0,
        (a, b) => (f64::from(a.unwrap_or(0)) * 1.05).max(f64::from(b.unwrap_or(0)) * 1.2) / 1000.0,
    };
    nice_axis(top_ms.max(0.1), 5.0)
}

/// A tick every `Seconds` or every so many months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeStep {
    Seconds(i64),
    Months(u32),
}

/// The time ticks of `from..=to`, at most about eight, with labels.
fn time_ticks(from: i64, to: i64) -> Vec<(i64, String)> {
    const STEPS: [i64; 14] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        1_209_600,
    ];
    let span = (to - from).max(1);
    let step = STEPS.into_iter().find(|s| span / s <= 8).map_or_else(
        || {
            let months = [1u32, 2, 3, 6, 12]
                .into_iter()
                .find(|m| span / (i64::from(*m) * 2_629_746) <= 8)
                .unwrap_or(12);
            TimeStep::Months(months)
        },
        TimeStep::Seconds,
    );
    let mut ticks = Vec::new();
    match step {
        TimeStep::Seconds(s) => {
            let mut t = from.div_euclid(s) * s;
            if t < from {
                t += s;
            }
            while t <= to {
                let c = Civil::of(t);
                let label = if s < 86_400 && (c.hour, c.minute) != (0, 0) {
                    format!("{:02}:{:02}", c.hour, c.minute)
                } else {
                    format!("{:02}-{:02}", c.month, c.day)
                };
                ticks.push((t, label));
                t += s;
            }
        }
        TimeStep::Months(m) => {
            let c = Civil::of(from);
            let (mut year, mut month) = (c.year, c.month);
            // Align to a multiple of `m` months within the year.
            month = ((month - 1) / m) * m + 1;
            loop {
                let t = Civil::month_start(year, month);
                if t > to {
                    break;
                }
                if t >= from {
                    ticks.push((t, format!("{year:04}-{month:02}")));
                }
                month += m;
                if month > 12 {
                    month -= 12;
                    year += 1;
                }
            }
        }
    }
    ticks
}

/// The number of pings most points have (the legend's scale).
fn usual_pings(series: &Series) -> u32 {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for p in series.points.iter().filter(|p| p.sent > 0) {
        *counts.entry(p.sent).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(sent, n)| (n, sent))
        .map_or(20, |(sent, _)| sent)
}

/// Percent with at most one decimal: `10`, `1.7`, `100`.
pub(crate) fn percent(lost: u32, sent: u32) -> String {
    if sent == 0 {
        return "0".to_owned();
    }
    let p = f64::from(lost) * 100.0 / f64::from(sent);
    let text = format!("{p:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

/// Milliseconds for a label: `12.3`, `0.045`.
pub(crate) fn ms(us: u32) -> String {
    let ms = f64::from(us) / 1000.0;
    if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

/// The smoke of one point: pairs of its RTTs from the outside in, each
/// pair a band, greys darker toward the median (smokeping's `smokecol`:
/// grey `190 / half × (half − i) + 50` for the i-th pair from outside).
/// More than 20 RTTs are thinned to 20 quantiles first.
fn smoke_bands(smoke: &[u32]) -> Vec<(u32, u32, u8)> {
    let thinned: Vec<u32>;
    let values = if smoke.len() > 20 {
        let n = smoke.len() - 1;
        thinned = (0..20).map(|j| smoke[(j * n + 19 / 2) / 19]).collect();
        &thinned[..]
    } else {
        smoke
    };
    let count = values.len();
    if count < 3 {
        return Vec::new();
    }
    #[allow(clippy::cast_precision_loss, reason = "at most 20")]
    let half = count as f64 / 2.0;
    let mut bands = Vec::new();
    let (mut bottom, mut top) = (0, count - 1);
    let mut i = 1.0;
    while top > bottom {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "50 to 240"
        )]
        let grey = (190.0 / half * (half - i) + 50.0) as u8;
        bands.push((values[bottom], values[top], grey));
        bottom += 1;
        top -= 1;
        i += 1.0;
    }
    bands
}

/// The graph of `series` from `from` to `to` (Unix seconds), `width` ×
/// `height` pixels, under `title`: an SVG document. Loss colours are on
/// the scale of the probe count most points have.
pub fn smoke_svg(
    series: &Series,
    from: i64,
    to: i64,
    width: u32,
    height: u32,
    title: &str,
) -> String {
    smoke_svg_with_pings(series, from, to, width, height, title, usual_pings(series))
}

/// [`smoke_svg`] with loss colours on the scale of `pings` probes a step
/// (the target's; points consolidating several steps are scaled to it).
pub fn smoke_svg_with_pings(
    series: &Series,
    from: i64,
    to: i64,
    width: u32,
    height: u32,
    title: &str,
    pings: u32,
) -> String {
    let (y_step, y_max) = y_axis(series);
    let fr = Frame::new(from, to, width, height, y_max);
    let step = i64::from(series.step.max(1));
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="smoke" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11" data-from="{from}" data-to="{to}" data-step="{}">"#,
        series.step
    );
    let _ = write!(
        out,
        r##"<title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/><rect x="{l:.1}" y="{tp:.1}" width="{w:.1}" height="{h:.1}" fill="#fcfcfc"/>"##,
        t = escape(title),
        l = fr.left,
        tp = fr.top,
        w = fr.right - fr.left,
        h = fr.bottom - fr.top
    );
    let clip = format!("plot-{from}-{to}-{width}");
    let _ = write!(
        out,
        r#"<defs><clipPath id="{clip}"><rect x="{l:.1}" y="{tp:.1}" width="{w:.1}" height="{h:.1}"/></clipPath></defs>"#,
        l = fr.left,
        tp = fr.top,
        w = fr.right - fr.left,
        h = fr.bottom - fr.top
    );

    // Grid and y labels.
    out.push_str(r##"<g class="grid" stroke="#e4e4e4" stroke-width="1">"##);
    let mut y_ticks = Vec::new();
    let mut tick = 0.0;
    while tick <= y_max + y_step / 1000.0 {
        y_ticks.push(tick);
        tick += y_step;
    }
    for v in &y_ticks {
        let y = fr.y_ms(*v);
        let _ = write!(
            out,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
            fr.left, fr.right
        );
    }
    let x_ticks = time_ticks(from, to);
    for (t, _) in &x_ticks {
        let x = fr.x(*t);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}"/>"#,
            fr.top, fr.bottom
        );
    }
    out.push_str("</g>");

    // Smoke, median line, median bars, loss bars: clipped to the plot.
    let _ = write!(out, r#"<g clip-path="url(#{clip})">"#);
    // One path per grey, lightest first: each point's inner (darker)
    // bands land over its outer ones, as smokeping stacks them.
    let mut greys: BTreeMap<u8, String> = BTreeMap::new();
    for p in &series.points {
        if p.sent == 0 {
            continue;
        }
        let (x0, x1) = (fr.x(p.start), fr.x(p.start + step));
        let w = (x1 - x0).max(1.0);
        for (lo, hi, grey) in smoke_bands(&p.smoke_us) {
            let (y_hi, y_lo) = (fr.y(hi), fr.y(lo));
            let d = greys.entry(grey).or_default();
            let _ = write!(
                d,
                "M{x0:.1} {y_hi:.1}h{w:.1}v{:.1}h-{w:.1}z",
                (y_lo - y_hi).max(0.5)
            );
        }
    }
    out.push_str(r#"<g class="smoke-bands">"#);
    for (grey, d) in greys.iter().rev() {
        let _ = write!(
            out,
            r##"<path d="{d}" fill="#{grey:02x}{grey:02x}{grey:02x}"/>"##
        );
    }
    out.push_str("</g>");

    // The median as a thin dark line, broken where a step has no median.
    let mut d = String::new();
    let mut last: Option<i64> = None;
    for p in &series.points {
        let Some(m) = p.median_us.filter(|_| p.sent > 0) else {
            last = None;
            continue;
        };
        let (x0, x1, y) = (fr.x(p.start), fr.x(p.start + step), fr.y(m));
        let verb = if last == Some(p.start - step) {
            'L'
        } else {
            'M'
        };
        let _ = write!(d, "{verb}{x0:.2} {y:.2}L{x1:.2} {y:.2}");
        last = Some(p.start);
    }
    if !d.is_empty() {
        let _ = write!(
            out,
            r##"<path class="median-line" d="{d}" fill="none" stroke="#202020" stroke-width="0.6"/>"##
        );
    }

    out.push_str(r#"<g class="medians">"#);
    for p in &series.points {
        if p.sent == 0 {
            continue;
        }
        let class = loss_class(p, pings);
        let colour = LOSS_COLOURS[class];
        let (x0, x1) = (fr.x(p.start), fr.x(p.start + step));
        let w = (x1 - x0).max(1.0);
        let loss = percent(p.lost, p.sent);
        match p.median_us {
            Some(m) => {
                let y = fr.y(m);
                let _ = write!(
                    out,
                    r#"<rect class="median" x="{x0:.2}" y="{:.2}" width="{w:.2}" height="2.4" fill="{colour}" data-start="{}" data-loss="{loss}" data-loss-class="{class}" data-median-ms="{}"/>"#,
                    y - 1.2,
                    p.start,
                    ms(m)
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<rect class="loss-bar" x="{x0:.2}" y="{:.2}" width="{w:.2}" height="{LOSS_BAR}" fill="{colour}" data-start="{}" data-loss="{loss}" data-loss-class="{class}"/>"#,
                    fr.top, p.start
                );
            }
        }
    }
    out.push_str("</g></g>");

    // Frame, labels, title.
    let _ = write!(
        out,
        r##"<rect x="{l:.1}" y="{tp:.1}" width="{w:.1}" height="{h:.1}" fill="none" stroke="#888888"/>"##,
        l = fr.left,
        tp = fr.top,
        w = fr.right - fr.left,
        h = fr.bottom - fr.top
    );
    out.push_str(r##"<g class="y-labels" fill="#333333" text-anchor="end">"##);
    let decimals = if y_step >= 1.0 {
        0
    } else if y_step >= 0.1 {
        1
    } else {
        2
    };
    for v in &y_ticks {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}">{v:.decimals$}</text>"#,
            fr.left - 6.0,
            fr.y_ms(*v) + 4.0
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<text x="14" y="{:.1}" fill="#333333" text-anchor="middle" transform="rotate(-90 14 {:.1})">RTT (ms)</text>"##,
        f64::midpoint(fr.top, fr.bottom),
        f64::midpoint(fr.top, fr.bottom)
    );
    out.push_str(r##"<g class="x-labels" fill="#333333" text-anchor="middle">"##);
    for (t, label) in &x_ticks {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" data-t="{t}">{label}</text>"#,
            fr.x(*t),
            fr.bottom + 15.0
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="18" text-anchor="middle" font-size="13" font-weight="bold" fill="#222222">{}</text>"##,
        f64::from(width) / 2.0,
        escape(title)
    );

    // Summary and legend.
    let (rtt, loss) = summary(series);
    let _ = write!(
        out,
        r##"<text class="summary" x="{:.1}" y="{:.1}" fill="#333333">{}<tspan dx="22">{}</tspan></text>"##,
        fr.left,
        fr.bottom + 32.0,
        escape(&rtt),
        escape(&loss)
    );
    if width >= 700 {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#666666" font-size="10" text-anchor="end">{} to {} UTC</text>"##,
            fr.right,
            // On the legend's line, right: clear of a long title and of
            // the summary above.
            fr.bottom + 51.0,
            utc::minutes(from),
            utc::minutes(to)
        );
    }
    let y = fr.bottom + 51.0;
    let _ = write!(
        out,
        r##"<g class="legend"><text x="{:.1}" y="{y:.1}" fill="#333333">loss:</text>"##,
        fr.left
    );
    let mut x = fr.left + 34.0;
    for (label, colour) in LossScale::new(pings).legend() {
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="14" height="9" fill="{}" stroke="#555555" stroke-width="0.5" data-loss-class="{colour}"/><text x="{:.1}" y="{y:.1}" fill="#333333">{label}</text>"##,
            y - 8.5,
            LOSS_COLOURS[colour],
            x + 18.0
        );
        #[allow(clippy::cast_precision_loss, reason = "a short label")]
        let advance = 26.0 + 6.5 * label.len() as f64;
        x += advance;
    }
    out.push_str("</g></svg>");
    out
}

/// smokeping's lines under the graph: the median RTT's average, maximum,
/// minimum and last; the packet loss's average and last.
fn summary(series: &Series) -> (String, String) {
    let medians: Vec<u32> = series.points.iter().filter_map(|p| p.median_us).collect();
    let rtt = if series.points.is_empty() {
        "median rtt: no data yet".to_owned()
    } else if medians.is_empty() {
        "median rtt: no answer".to_owned()
    } else {
        let sum: u64 = medians.iter().map(|&m| u64::from(m)).sum();
        let avg = u32::try_from(sum / medians.len() as u64).unwrap_or(u32::MAX);
        format!(
            "median rtt: {} ms avg, {} max, {} min, {} now",
            ms(avg),
            ms(medians.iter().copied().max().unwrap_or(0)),
            ms(medians.iter().copied().min().unwrap_or(0)),
            ms(medians.last().copied().unwrap_or(0)),
        )
    };
    let (sent, lost) = series.points.iter().fold((0u64, 0u64), |(s, l), p| {
        (s + u64::from(p.sent), l + u64::from(p.lost))
    });
    let last = series.points.iter().rev().find(|p| p.sent > 0);
    let loss = match last {
        Some(p) => {
            #[allow(clippy::cast_precision_loss, reason = "a percentage")]
            let avg = lost as f64 * 100.0 / sent as f64;
            format!(
                "packet loss: {avg:.2} % avg, {} % now",
                percent(p.lost, p.sent)
            )
        }
        None => "packet loss: no probe".to_owned(),
    };
    (rtt, loss)
}

#[cfg(test)]
mod tests;
