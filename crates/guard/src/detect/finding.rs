//! A finding: one detection raised about one subject, with its evidence
//! and a plain-language explanation.

use core::net::IpAddr;

use icmpkit_wire::IpVersion;

use super::catalog::{Detection, Severity};
use crate::observe::{Nanos, Seen, Timestamp};

/// One thing the guard found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What was found.
    pub detection: Detection,
    /// How bad it is (the catalog's severity unless the detector judged
    /// otherwise).
    pub severity: Severity,
    /// How sure the detector is, in percent (1 to 100).
    pub confidence: u8,
    /// When it was raised (the capture time of the packet that raised it).
    pub time: Timestamp,
    /// The frame that raised it.
    pub frame: u64,
    /// The source of that packet.
    pub src: IpAddr,
    /// Its destination.
    pub dst: IpAddr,
    /// Its ICMP family.
    pub version: IpVersion,
    /// Its type.
    pub msg_type: u8,
    /// Its code.
    pub code: u8,
    /// What the finding rests on.
    pub evidence: Evidence,
    /// What happened, in plain language, with the numbers.
    pub explanation: String,
}

impl Finding {
    /// A finding about the message `seen`, with the catalog's severity,
    /// `confidence` percent, the evidence and the explanation.
    pub fn about(
        seen: &Seen<'_>,
        detection: Detection,
        confidence: u8,
        evidence: Evidence,
        explanation: String,
    ) -> Self {
        Self {
            detection,
            severity: detection.info().severity,
            confidence: confidence.clamp(1, 100),
            time: seen.time,
            frame: seen.frame,
            src: seen.src(),
            dst: seen.dst(),
            version: seen.version(),
            msg_type: seen.msg_type(),
            code: seen.code(),
            evidence,
            explanation,
        }
    }

    /// The same finding with another severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// What a finding rests on: how many packets, over what window, at what
/// rate, from which frame on, and named facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// The packets that make the case (in the window, or in all).
    pub packets: u64,
    /// The window they were counted over, in seconds, when there is one.
    pub window: Option<f64>,
    /// Their rate, in packets per second, when it matters.
    pub rate: Option<f64>,
    /// The first frame of the evidence.
    pub first_frame: u64,
    /// Further facts, in the order they are best read.
    pub facts: Vec<Fact>,
}

impl Evidence {
    /// Evidence of `packets` packets from `first_frame` on.
    pub fn packets(packets: u64, first_frame: u64) -> Self {
        Self {
            packets,
            first_frame,
            ..Self::default()
        }
    }

    /// Evidence of one packet, the frame `frame`.
    pub fn one(frame: u64) -> Self {
        Self::packets(1, frame)
    }

    /// The same with the window (nanoseconds) and the rate it gives: only
    /// for a window of a second or more (three packets in a millisecond
    /// are no rate of 3,000 a second).
    #[must_use]
    pub fn over(mut self, window: Nanos) -> Self {
        let seconds = window as f64 / 1e9;
        self.window = Some(seconds);
        if seconds >= 1.0 {
            self.rate = Some(self.packets as f64 / seconds);
        }
        self
    }

    /// The same with one more fact.
    #[must_use]
    pub fn fact(mut self, name: &'static str, value: impl Into<FactValue>) -> Self {
        self.facts.push(Fact {
            name,
            value: value.into(),
        });
        self
    }
}

/// A named fact of the evidence (`"mtu": 296`, `"gateway": 192.0.2.99`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Its name (snake case, as JSON shows it).
    pub name: &'static str,
    /// Its value.
    pub value: FactValue,
}

/// The value of a [`Fact`].
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    /// A count or other whole number.
    Count(u64),
    /// A measured number (entropy, seconds, a ratio).
    Number(f64),
    /// An address.
    Address(IpAddr),
    /// Text (a tool's name, a magic in hex).
    Text(String),
}

impl From<u64> for FactValue {
    fn from(v: u64) -> Self {
        Self::Count(v)
    }
}

impl From<u32> for FactValue {
    fn from(v: u32) -> Self {
        Self::Count(u64::from(v))
    }
}

impl From<u16> for FactValue {
    fn from(v: u16) -> Self {
        Self::Count(u64::from(v))
    }
}

impl From<u8> for FactValue {
    fn from(v: u8) -> Self {
        Self::Count(u64::from(v))
    }
}

impl From<usize> for FactValue {
    fn from(v: usize) -> Self {
        Self::Count(v as u64)
    }
}

impl From<f64> for FactValue {
    fn from(v: f64) -> Self {
        Self::Number(v)
    }
}

impl From<IpAddr> for FactValue {
    fn from(v: IpAddr) -> Self {
        Self::Address(v)
    }
}

impl From<String> for FactValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for FactValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl core::fmt::Display for FactValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Count(v) => write!(f, "{v}"),
            Self::Number(v) => write!(f, "{v:.2}"),
            Self::Address(v) => write!(f, "{v}"),
            Self::Text(v) => f.write_str(v),
        }
    }
}
