//! One echo session's state: what its requests and replies carried, and
//! which of the tunnel factors hold.

use core::net::IpAddr;

use icmpkit_wire::IpVersion;

use super::Settings;
use super::payload::{EntropyTable, Signature, signature};
use crate::bounded::Distinct;
use crate::observe::{Echo, EchoKind, Nanos, SECOND, Seen, Timestamp};

/// Payloads a session has sampled for entropy in full; after them, one in
/// sixteen.
const SAMPLED_IN_FULL: u32 = 16;

/// Which echo session a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// Who sends the requests.
    pub requester: IpAddr,
    /// Where they go (for a reply: who answered).
    pub peer: IpAddr,
    /// The echo identifier.
    pub ident: u16,
}

impl Key {
    /// The session of `requester`'s echoes with `peer` under `ident`.
    pub fn new(requester: IpAddr, peer: IpAddr, ident: u16) -> Self {
        Self {
            requester,
            peer,
            ident,
        }
    }
}

/// What a session keeps of its first mismatching reply, to raise it alone
/// (Low) when no second one follows.
#[derive(Debug, Clone, Copy)]
pub struct Mismatch {
    /// The reply's frame.
    pub frame: u64,
    /// Its capture time.
    pub time: Timestamp,
    /// When, in nanoseconds.
    pub now: Nanos,
    /// Its family.
    pub version: IpVersion,
    /// Its type.
    pub msg_type: u8,
    /// Its code.
    pub code: u8,
    /// Its sequence number.
    pub seq: u16,
    /// Replies compared in the session so far.
    pub compared: u32,
}

/// The independent signs of a tunnel a session shows (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Factors(u8);

impl Factors {
    /// A reply's data was not its request's.
    pub const MISMATCH: Self = Self(1);
    /// One direction carries far more bytes than the other.
    pub const ASYMMETRIC: Self = Self(2);
    /// A tool's magic or a whole IP packet starts the data.
    pub const SIGNATURE: Self = Self(4);
    /// Payloads look random.
    pub const ENTROPY: Self = Self(8);
    /// The data size varies.
    pub const SIZES: Self = Self(16);
    /// Far more bytes than monitoring sends.
    pub const VOLUME: Self = Self(32);

    /// The independent groups: mismatch and asymmetry both come of replies
    /// that are not echoes, so they count once.
    const GROUPS: [u8; 5] = [1 | 2, 4, 8, 16, 32];

    /// Whether every factor of `other` holds.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    fn with(self, other: Self, on: bool) -> Self {
        if on { Self(self.0 | other.0) } else { self }
    }

    /// How many independent groups hold.
    pub fn groups(self) -> usize {
        Self::GROUPS.iter().filter(|&&g| self.0 & g != 0).count()
    }

    /// The factors' names, for the evidence.
    pub fn names(self) -> Vec<&'static str> {
        [
            (Self::MISMATCH, "payload-mismatch"),
            (Self::ASYMMETRIC, "asymmetric-sizes"),
            (Self::SIGNATURE, "tool-signature"),
            (Self::ENTROPY, "high-entropy"),
            (Self::SIZES, "varying-sizes"),
            (Self::VOLUME, "volume"),
        ]
        .into_iter()
        .filter(|(f, _)| self.contains(*f))
        .map(|(_, n)| n)
        .collect()
    }
}

/// What one message changed that may raise a finding.
#[derive(Debug, Clone, Copy, Default)]
pub struct Change {
    /// A signature seen for the first time in the session.
    pub signature: Option<Signature>,
    /// A reply's data did not match its request's.
    pub mismatch: bool,
    /// The payloads just became unusual (entropy or sizes).
    pub unusual: bool,
    /// The session just became long and steady.
    pub long: bool,
}

/// One echo session.
#[derive(Debug, Clone)]
pub struct Session {
    /// When its first message was seen.
    pub first: Nanos,
    /// Its first frame.
    pub first_frame: u64,
    /// Requests seen.
    pub requests: u32,
    /// Replies seen.
    pub replies: u32,
    /// Data bytes of the requests.
    pub request_bytes: u64,
    /// Data bytes of the replies.
    pub reply_bytes: u64,
    /// When the first request was seen.
    pub first_request: Nanos,
    /// When the latest was.
    pub last_request: Nanos,
    /// The longest pause between two requests.
    pub max_gap: Nanos,
    /// Distinct request data sizes (whole messages only).
    pub request_sizes: Distinct<4>,
    /// Distinct reply data sizes.
    pub reply_sizes: Distinct<4>,
    /// The smallest data size seen.
    pub min_size: usize,
    /// The largest.
    pub max_size: usize,
    /// The latest request's sequence number and data size.
    last: Option<(u16, usize)>,
    /// Replies whose data was compared with their request's.
    pub replies_compared: u32,
    /// Replies whose data was not their request's.
    pub mismatches: u32,
    /// The first of them.
    pub first_mismatch_frame: u64,
    /// When.
    pub first_mismatch_time: Nanos,
    /// A single mismatch not raised yet.
    pub pending: Option<Mismatch>,
    /// The first tool framing seen (a byte pattern).
    pub signature: Option<Signature>,
    /// Payloads sampled for entropy.
    pub sampled: u32,
    /// Of them, random-looking.
    pub high_entropy: u32,
    /// The highest byte entropy of those, in bits per byte.
    pub max_entropy: f64,
    /// Whether a message was cut short by the capture (its data cannot
    /// be compared or sized).
    truncated: bool,
    /// The factors `echo-tunnel` was raised with (none yet: empty).
    pub factors_raised: Factors,
    /// What the session has already raised or noted ([`Said`] bits).
    said: u8,
}

/// Bits of [`Session`]'s `said`: what it raised or noted once.
struct Said;

impl Said {
    const UNUSUAL: u8 = 1;
    const LONG: u8 = 2;
    const ICMPSH: u8 = 4;
}

impl Session {
    /// A session that starts with `seen`.
    pub fn new(seen: &Seen<'_>) -> Self {
        Self {
            first: seen.now,
            first_frame: seen.frame,
            requests: 0,
            replies: 0,
            request_bytes: 0,
            reply_bytes: 0,
            first_request: 0,
            last_request: 0,
            max_gap: 0,
            request_sizes: Distinct::default(),
            reply_sizes: Distinct::default(),
            min_size: usize::MAX,
            max_size: 0,
            last: None,
            replies_compared: 0,
            mismatches: 0,
            first_mismatch_frame: 0,
            first_mismatch_time: 0,
            pending: None,
            signature: None,
            sampled: 0,
            high_entropy: 0,
            max_entropy: 0.0,
            truncated: false,
            factors_raised: Factors::default(),
            said: 0,
        }
    }

    /// Messages seen.
    pub fn packets(&self) -> u64 {
        u64::from(self.requests) + u64::from(self.replies)
    }

    /// The data size of the latest request.
    pub fn last_request_size(&self) -> Option<usize> {
        self.last.map(|(_, len)| len)
    }

    /// The single mismatch pending, taken if the session has gone `settle`
    /// without another by `now`.
    pub fn settled_mismatch(&mut self, now: Nanos, settle: Nanos) -> Option<Mismatch> {
        self.pending
            .filter(|m| now.saturating_sub(m.now) >= settle)
            .inspect(|_| self.pending = None)
    }

    /// Whether the data size varies enough to be a factor.
    pub fn sizes_vary(&self, settings: &Settings) -> bool {
        self.request_sizes.len().max(self.reply_sizes.len()) >= settings.sizes
    }

    /// Takes one echo message of the session.
    pub fn observe(
        &mut self,
        seen: &Seen<'_>,
        echo: &Echo<'_>,
        settings: &Settings,
        table: &EntropyTable,
    ) -> Change {
        let mut change = Change::default();
        let now = seen.now;
        let data = echo.data;
        let len = data.len();
        let truncated = seen.d.truncated;
        match echo.kind {
            EchoKind::Request => self.request(now, echo.seq, len, truncated, settings, &mut change),
            EchoKind::Reply => self.reply(seen, echo, truncated, &mut change),
        }
        if !truncated {
            self.min_size = self.min_size.min(len);
            self.max_size = self.max_size.max(len);
        }
        if self.signature.is_none()
            && let Some(sig) = signature(data, truncated)
        {
            self.signature = Some(sig);
            change.signature = Some(sig);
        }
        if len >= super::ENTROPY_MIN_DATA
            && (self.sampled < SAMPLED_IN_FULL || self.packets().is_multiple_of(16))
            && let Some(e) = table.measure(data)
        {
            self.sampled += 1;
            if e.is_high(settings.entropy_fraction) {
                self.high_entropy += 1;
                self.max_entropy = self.max_entropy.max(e.bytes);
            }
        }
        if self.said & Said::UNUSUAL == 0
            && (self.high_entropy >= settings.high_entropy_payloads || self.sizes_vary(settings))
        {
            self.said |= Said::UNUSUAL;
            change.unusual = true;
        }
        change
    }

    fn request(
        &mut self,
        now: Nanos,
        seq: u16,
        len: usize,
        truncated: bool,
        settings: &Settings,
        change: &mut Change,
    ) {
        if self.requests == 0 {
            self.first_request = now;
        } else {
            self.max_gap = self.max_gap.max(now.saturating_sub(self.last_request));
        }
        self.requests = self.requests.saturating_add(1);
        self.last_request = now;
        self.request_bytes += len as u64;
        if truncated {
            // Its reply's data cannot be compared with what was captured.
            self.truncated = true;
        } else {
            self.request_sizes.insert(len as u64);
        }
        self.last = Some((seq, len));
        if self.said & Said::LONG == 0
            && now.saturating_sub(self.first_request) >= settings.long_session
            && self.max_gap <= settings.steady_gap
        {
            self.said |= Said::LONG;
            change.long = true;
        }
    }

    fn reply(&mut self, seen: &Seen<'_>, echo: &Echo<'_>, truncated: bool, change: &mut Change) {
        let len = echo.data.len();
        self.replies = self.replies.saturating_add(1);
        self.reply_bytes += len as u64;
        if truncated {
            self.truncated = true;
            return;
        }
        self.reply_sizes.insert(len as u64);
        let Some(m) = echo.matched else {
            return;
        };
        if self.truncated {
            // A request or reply of the session was cut by the snap
            // length: its captured data says nothing of what was sent.
            return;
        }
        self.replies_compared = self.replies_compared.saturating_add(1);
        if m.same_data {
            return;
        }
        self.mismatches = self.mismatches.saturating_add(1);
        change.mismatch = true;
        if self.mismatches == 1 {
            self.first_mismatch_frame = seen.frame;
            self.first_mismatch_time = seen.now;
            self.pending = Some(Mismatch {
                frame: seen.frame,
                time: seen.time,
                now: seen.now,
                version: seen.version(),
                msg_type: seen.msg_type(),
                code: seen.code(),
                seq: echo.seq,
                compared: self.replies_compared,
            });
        } else {
            self.pending = None;
        }
        if self.said & Said::ICMPSH == 0
            && let Some((seq, request_len)) = self.last
            && seq == echo.seq
            && (request_len == 0) != (len == 0)
        {
            self.said |= Said::ICMPSH;
            change.signature = Some(Signature::IcmpshPoll);
        }
    }

    /// The factors that hold now.
    pub fn factors(&self, settings: &Settings) -> Factors {
        let (small, big) = if self.request_bytes <= self.reply_bytes {
            (self.request_bytes, self.reply_bytes)
        } else {
            (self.reply_bytes, self.request_bytes)
        };
        let asymmetric = self.requests >= 8 && self.replies >= 8 && big >= 4 * small + 256;
        let bytes = self.request_bytes + self.reply_bytes;
        let seconds = (self.last_request.max(self.first) - self.first).max(SECOND) / SECOND;
        let volume =
            bytes >= settings.volume_bytes && bytes / seconds >= settings.volume_per_second;
        Factors::default()
            .with(Factors::MISMATCH, self.mismatches > 0)
            .with(Factors::ASYMMETRIC, asymmetric)
            .with(Factors::SIGNATURE, self.signature.is_some())
            .with(
                Factors::ENTROPY,
                self.high_entropy >= settings.high_entropy_payloads,
            )
            .with(Factors::SIZES, self.sizes_vary(settings))
            .with(Factors::VOLUME, volume)
    }

    /// "3 request sizes and at least 4 reply sizes, 0 to 64 bytes".
    pub fn sizes_text(&self) -> String {
        let n = |d: &Distinct<4>| {
            if d.is_full() {
                format!("at least {}", d.len())
            } else {
                d.len().to_string()
            }
        };
        format!(
            "{} request sizes and {} reply sizes, {} to {} bytes",
            n(&self.request_sizes),
            n(&self.reply_sizes),
            self.min_size,
            self.max_size
        )
    }

    /// Each factor of `factors` in plain language, with its numbers.
    pub fn describe(&self, factors: Factors) -> Vec<String> {
        let mut out = Vec::new();
        if factors.contains(Factors::MISMATCH) {
            out.push(format!(
                "{} of {} replies compared did not return their request's data",
                self.mismatches, self.replies_compared
            ));
        }
        if factors.contains(Factors::ASYMMETRIC) {
            let text = format!(
                "requests carried {} bytes of data and replies {} (ping's replies return the \
                 requests' bytes)",
                self.request_bytes, self.reply_bytes
            );
            // One sign with the mismatch: replies that are not echoes.
            match out.last_mut() {
                Some(mismatch) => *mismatch = format!("{mismatch}, and {text}"),
                None => out.push(text),
            }
        }
        if let Some(sig) = self
            .signature
            .filter(|_| factors.contains(Factors::SIGNATURE))
        {
            out.push(format!(
                "the data starts with {}, as {} sends",
                sig.mark(),
                sig.tool()
            ));
        }
        if factors.contains(Factors::ENTROPY) {
            out.push(format!(
                "{} of {} sampled payloads look random (up to {:.2} bits per byte)",
                self.high_entropy, self.sampled, self.max_entropy
            ));
        }
        if factors.contains(Factors::SIZES) {
            out.push(format!(
                "the data size varies ({}) where ping sends one",
                self.sizes_text()
            ));
        }
        if factors.contains(Factors::VOLUME) {
            out.push(format!(
                "{} bytes of data, far more than monitoring sends",
                self.request_bytes + self.reply_bytes
            ));
        }
        out
    }
}
