//! `scanner-probe`: nmap's ICMP probe shapes, as its captures show them
//! (`lab/guard/record.sh`, `nmap -sn -PE -PP -PM` and `nmap -O`):
//!
//! | shape | nmap | bytes |
//! |---|---|---|
//! | empty echo | `-PE` host discovery | echo request, code 0, no data |
//! | zero timestamp | `-PP` | timestamp request, originate timestamp 0 |
//! | address mask | `-PM` | address mask request (type 17) |
//! | IE1 | OS detection | echo request, code 9, 120 zero bytes (DF set) |
//! | IE2 | OS detection | IPv4 echo request, code 0, TOS 4, 150 zero bytes |
//!
//! ping, fping, mtr and traceroute send data (56, 56, 36, 32 bytes by
//! default) and set the originate timestamp: none of their shapes match.
//!
//! Two shapes from one source, or either OS-detection probe, raise a
//! Medium finding at once. A single weak shape (empty echo, zero
//! timestamp, address mask) is weak evidence (`ping -s 0` sends empty
//! echo too): it waits [`Settings::scanner_grace`] for more shapes from
//! the same source and is then raised Low with a low confidence, when the
//! source next sends a probe or at the end of the input. Empty echoes many
//! times to the same few destinations (a flood, `ping -s 0`) are not
//! nmap's one-per-host discovery and raise nothing here. A source's shapes
//! are put together within [`Settings::window`] of its first.
//!
//! Per source: 176 bytes with its key, in a [`Bounded`] map of
//! [`Settings::sources`] entries (about 2.9 MB at the default 16,384).

use core::net::IpAddr;

use icmpkit_wire::IpVersion;

use super::Settings;
use super::sweep::Kind;
use crate::bounded::{Bounded, Distinct, fingerprint};
use crate::detect::{Alerts, Detection, Evidence, Finding, Severity};
use crate::observe::{Nanos, Seen, Timestamp};

/// A probe shape, a bit in a source's set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Shape {
    /// Echo request with no data (`-PE`).
    EmptyEcho = 1,
    /// Timestamp request with originate timestamp 0 (`-PP`).
    ZeroTimestamp = 2,
    /// Address mask request (`-PM`).
    Mask = 4,
    /// OS detection's first echo probe: code 9, 120 zero bytes.
    Ie1 = 8,
    /// OS detection's second echo probe: TOS 4, 150 zero bytes.
    Ie2 = 16,
}

impl Shape {
    const ALL: [Self; 5] = [
        Self::EmptyEcho,
        Self::ZeroTimestamp,
        Self::Mask,
        Self::Ie1,
        Self::Ie2,
    ];

    /// The name in explanations.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EmptyEcho => "echo request with no data (-PE)",
            Self::ZeroTimestamp => "timestamp request with a zero originate timestamp (-PP)",
            Self::Mask => "address mask request (-PM)",
            Self::Ie1 => "OS-detection echo with code 9 and 120 zero bytes (IE1)",
            Self::Ie2 => "OS-detection echo with TOS 4 and 150 zero bytes (IE2)",
        }
    }

    /// The shape of a request, if it is one of nmap's.
    pub fn of(seen: &Seen<'_>, kind: Kind) -> Option<Self> {
        let icmp = seen.d.icmp;
        if seen.d.truncated {
            return None;
        }
        match kind {
            Kind::Echo => {
                let data = icmp.get(8..)?;
                match (seen.code(), data.len()) {
                    (0, 0) => Some(Self::EmptyEcho),
                    (9, 120) if zeros(data) => Some(Self::Ie1),
                    // fping -b 150 sends 150 zero bytes too, with TOS 0.
                    (0, 150) if zeros(data) && tos(seen) == Some(4) => Some(Self::Ie2),
                    _ => None,
                }
            }
            Kind::Timestamp => {
                (icmp.len() == 20 && zeros(icmp.get(8..12)?)).then_some(Self::ZeroTimestamp)
            }
            Kind::Mask => Some(Self::Mask),
            Kind::Probe => None,
        }
    }

    /// Whether one is enough to name nmap.
    const fn is_strong(self) -> bool {
        matches!(self, Self::Ie1 | Self::Ie2)
    }
}

/// The IPv4 type-of-service byte (`None` for IPv6).
fn tos(seen: &Seen<'_>) -> Option<u8> {
    match seen.version() {
        IpVersion::V4 => seen.ip.get(1).copied(),
        IpVersion::V6 => None,
    }
}

fn zeros(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

/// The shapes in `bits`, named and joined with "; ".
fn shape_names(bits: u8) -> String {
    let names: Vec<_> = Shape::ALL
        .iter()
        .filter(|s| bits & **s as u8 != 0)
        .map(|s| s.name())
        .collect();
    names.join("; ")
}

/// The first probe of a source, kept to raise a weak finding later.
#[derive(Debug, Clone, Copy)]
struct First {
    frame: u64,
    time: Timestamp,
    now: Nanos,
    dst: IpAddr,
    version: IpVersion,
    msg_type: u8,
    code: u8,
}

/// One source's probe shapes.
#[derive(Debug, Clone)]
struct Source {
    shapes: u8,
    probes: u32,
    empty_echoes: u32,
    destinations: Distinct<8>,
    first: First,
    /// Whether a finding was raised (or judged not to be) for its shapes.
    settled: bool,
}

impl Source {
    fn strong(&self) -> bool {
        self.shapes.count_ones() >= 2
            || Shape::ALL
                .iter()
                .any(|s| s.is_strong() && self.shapes & *s as u8 != 0)
    }

    /// Whether the weak evidence looks like nmap's one probe per host and
    /// not a flood or a `ping -s 0` session to the same few hosts.
    fn one_per_host(&self) -> bool {
        // Eight hosts or more (the set is full): a sweep, whatever the
        // number of echoes.
        let hosts = u32::try_from(self.destinations.len()).unwrap_or(u32::MAX);
        self.destinations.is_full() || self.empty_echoes <= hosts.saturating_mul(2) + 2
    }
}

/// The scanner-shape detector's state.
#[derive(Debug)]
pub struct Scanners {
    grace: Nanos,
    window: Nanos,
    sources: Bounded<IpAddr, Source>,
}

impl Scanners {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            grace: settings.scanner_grace,
            window: settings.window,
            sources: Bounded::new(settings.sources),
        }
    }

    /// Sees a request of `kind`.
    pub fn request(&mut self, seen: &Seen<'_>, kind: Kind, alerts: &mut Alerts) {
        let Some(shape) = Shape::of(seen, kind) else {
            return;
        };
        let (src, now) = (seen.src(), seen.now);
        if alerts.suppress(Detection::ScannerProbe, src, now) {
            return;
        }
        let fresh = || Source {
            shapes: 0,
            probes: 0,
            empty_echoes: 0,
            destinations: Distinct::default(),
            first: First {
                frame: seen.frame,
                time: seen.time,
                now,
                dst: seen.dst(),
                version: seen.version(),
                msg_type: seen.msg_type(),
                code: seen.code(),
            },
            settled: false,
        };
        let source = self.sources.entry(src, fresh);
        // Shapes are put together within a window, not over days.
        if now.saturating_sub(source.first.now) >= self.window || now < source.first.now {
            if !source.settled && !source.strong() {
                raise_weak(src, source, alerts);
            }
            *source = fresh();
        }
        let before = source.shapes;
        source.shapes |= shape as u8;
        source.probes = source.probes.saturating_add(1);
        source.destinations.insert(fingerprint(&seen.dst()));
        if shape == Shape::EmptyEcho {
            source.empty_echoes = source.empty_echoes.saturating_add(1);
        }
        if source.strong() {
            if before == source.shapes && source.settled {
                return;
            }
            source.settled = true;
            let source = &*source;
            alerts.raise(Detection::ScannerProbe, src, now, || strong(seen, source));
        } else if !source.settled && now.saturating_sub(source.first.now) >= self.grace {
            source.settled = true;
            raise_weak(src, source, alerts);
        }
    }

    /// The input ended: raises the weak evidence still waiting.
    pub fn finish(&mut self, alerts: &mut Alerts) {
        for (&src, source) in self.sources.iter() {
            if !source.settled && !source.strong() {
                raise_weak(src, source, alerts);
            }
        }
    }

    /// Sources held.
    pub fn held(&self) -> usize {
        self.sources.len()
    }
}

/// The Medium finding: several shapes, or an OS-detection probe.
fn strong(seen: &Seen<'_>, source: &Source) -> Finding {
    let count = source.shapes.count_ones();
    let confidence = if count >= 3
        || (count >= 2 && source.shapes & (Shape::Ie1 as u8 | Shape::Ie2 as u8) != 0)
    {
        95
    } else if count == 2 {
        85
    } else {
        80
    };
    let hosts = source.destinations.len();
    Finding::about(
        seen,
        Detection::ScannerProbe,
        confidence,
        Evidence::packets(source.probes.into(), source.first.frame)
            .fact("shapes", shape_names(source.shapes))
            .fact("destinations", hosts),
        format!(
            "{} sent probes shaped as nmap's ({}) to {}{hosts} address{}, the latest to {}: \
             ordinary ping tools never send these.",
            seen.src(),
            shape_names(source.shapes),
            if source.destinations.is_full() {
                "at least "
            } else {
                ""
            },
            if hosts == 1 { "" } else { "es" },
            seen.dst(),
        ),
    )
}

/// Raises the Low finding of one weak shape, unless it looks like a flood
/// or a ping session rather than discovery.
fn raise_weak(src: IpAddr, source: &Source, alerts: &mut Alerts) {
    // Empty echoes alone: only to two hosts or more, a few each. One to
    // one host is what a spoofed-source flood leaves per source (a finding
    // each would let an attacker choose how much the guard writes).
    if source.shapes == Shape::EmptyEcho as u8
        && (!source.one_per_host() || source.destinations.len() < 2)
    {
        return;
    }
    let first = source.first;
    alerts.raise(Detection::ScannerProbe, src, first.now, || {
        let hosts = source.destinations.len();
        let names = shape_names(source.shapes);
        Finding {
            detection: Detection::ScannerProbe,
            severity: Severity::Low,
            confidence: if hosts >= 2 { 45 } else { 30 },
            time: first.time,
            frame: first.frame,
            src,
            dst: first.dst,
            version: first.version,
            msg_type: first.msg_type,
            code: first.code,
            evidence: Evidence::packets(source.probes.into(), first.frame)
                .fact("shapes", names.as_str())
                .fact("destinations", hosts),
            explanation: format!(
                "{src} sent {} probe{} shaped as nmap's {names} to {}{hosts} address{}: one of \
                 nmap's host-discovery shapes, but alone weak evidence (other tools can send it \
                 too), so the severity is lowered to low.",
                source.probes,
                if source.probes == 1 { "" } else { "s" },
                if source.destinations.is_full() {
                    "at least "
                } else {
                    ""
                },
                if hosts == 1 { "" } else { "es" },
            ),
        }
    });
}

/// The bytes of one entry (key and value).
#[cfg(test)]
pub(crate) const fn entry_size() -> usize {
    core::mem::size_of::<(IpAddr, Source)>()
}
