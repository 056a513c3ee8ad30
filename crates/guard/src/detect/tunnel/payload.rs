//! What one echo payload looks like: a tunnel tool's framing at its start,
//! and how random its bytes are.
//!
//! Pure functions of the bytes; the session logic that weighs them is in
//! the parent module.

use icmpkit_wire::checksum;

/// A tunnel tool's framing found at the start of echo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// ptunnel's magic `0xD5200880` (its 28-byte header starts with it).
    Ptunnel,
    /// ptunnel-ng's default magic `0xDEADC0DE`, in the same place.
    PtunnelNg,
    /// hans' client header: `hanc` and a message type from 1 to 9.
    HansClient,
    /// hans' server header: `hans` and a message type from 1 to 9.
    HansServer,
    /// A whole IPv4 packet (valid header checksum, total length equal to
    /// the data's), as icmptunnel and icmptx carry them.
    Ipv4Packet,
    /// A whole IPv6 packet (payload length plus 40 equal to the data's).
    Ipv6Packet,
    /// icmpsh's poll shape: an empty request answered with data, or data
    /// answered with an empty reply (a session fact, not a byte pattern).
    IcmpshPoll,
}

impl Signature {
    /// Which tool (or kind of tool) leaves this mark.
    pub const fn tool(self) -> &'static str {
        match self {
            Self::Ptunnel => "ptunnel",
            Self::PtunnelNg => "ptunnel-ng",
            Self::HansClient | Self::HansServer => "hans",
            Self::Ipv4Packet | Self::Ipv6Packet => "icmptunnel-style IP over ICMP",
            Self::IcmpshPoll => "icmpsh",
        }
    }

    /// The mark itself, as the explanation names it.
    pub const fn mark(self) -> &'static str {
        match self {
            Self::Ptunnel => "the magic 0xD5200880",
            Self::PtunnelNg => "the magic 0xDEADC0DE",
            Self::HansClient => "the client header \"hanc\"",
            Self::HansServer => "the server header \"hans\"",
            Self::Ipv4Packet => "a complete IPv4 packet",
            Self::Ipv6Packet => "a complete IPv6 packet",
            Self::IcmpshPoll => "an empty echo answered with data (or data with an empty echo)",
        }
    }

    /// How sure the mark alone makes a finding, in percent.
    pub const fn confidence(self) -> u8 {
        match self {
            // Four fixed bytes and a checksum-verified header rarely occur
            // by chance; hans' four letters and a type byte a little more.
            Self::Ptunnel | Self::PtunnelNg | Self::Ipv4Packet => 70,
            Self::HansClient | Self::HansServer => 60,
            Self::Ipv6Packet | Self::IcmpshPoll => 45,
        }
    }

    /// Whether it is a payload byte pattern (not the icmpsh shape, which
    /// is a kind of payload mismatch and is weighed as one).
    pub const fn is_pattern(self) -> bool {
        !matches!(self, Self::IcmpshPoll)
    }
}

/// The tool framing `data` starts with, if any. `truncated` says the
/// capture holds less than the whole data (an embedded packet's length
/// is then only checked to be at least what was captured).
pub fn signature(data: &[u8], truncated: bool) -> Option<Signature> {
    let head: [u8; 4] = data.get(..4)?.try_into().ok()?;
    match u32::from_be_bytes(head) {
        0xD520_0880 => return Some(Signature::Ptunnel),
        0xDEAD_C0DE => return Some(Signature::PtunnelNg),
        _ => {}
    }
    let hans_type = data.get(4).is_some_and(|t| (1..=9).contains(t));
    match &head {
        b"hanc" if hans_type => return Some(Signature::HansClient),
        b"hans" if hans_type => return Some(Signature::HansServer),
        _ => {}
    }
    let fits = |claimed: usize| {
        if truncated {
            claimed >= data.len()
        } else {
            claimed == data.len()
        }
    };
    match head[0] >> 4 {
        4 => {
            let header = usize::from(head[0] & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([head[2], head[3]]));
            (header >= 20 && total >= header && fits(total))
                .then(|| data.get(..header))
                .flatten()
                .filter(|h| checksum::is_valid(h))
                .map(|_| Signature::Ipv4Packet)
        }
        6 => {
            let payload = data.get(4..6)?;
            let total = usize::from(u16::from_be_bytes([payload[0], payload[1]])) + 40;
            (data.len() >= 40 && fits(total)).then_some(Signature::Ipv6Packet)
        }
        _ => None,
    }
}

/// Data shorter than this is not judged by its entropy (too few bytes to
/// tell random from patterned).
pub const ENTROPY_MIN_DATA: usize = 64;

/// Bytes skipped at the start of the data before the entropy sample: ping
/// puts its send time (8 or 16 bytes) there.
const SKIP: usize = 16;

/// Bytes of the data sampled for entropy at most.
const SAMPLE: usize = 256;

/// Shannon entropies of a sample of echo data, in bits per byte.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entropy {
    /// Of the bytes.
    pub bytes: f64,
    /// Of the differences between successive bytes (ping's counting
    /// pattern has high byte entropy but one difference).
    pub deltas: f64,
    /// The most either could be for a sample this long.
    pub ceiling: f64,
}

impl Entropy {
    /// Whether both measures reach `fraction` of the ceiling: random-looking
    /// bytes that no counting or repeating pattern explains.
    pub fn is_high(&self, fraction: f64) -> bool {
        let floor = self.ceiling * fraction;
        self.bytes >= floor && self.deltas >= floor
    }
}

/// `c * log2(c)` for every count a sample can hold, so the entropy of a
/// sample is sums and one subtraction.
#[derive(Debug)]
pub struct EntropyTable {
    c_log_c: Box<[f64; SAMPLE + 1]>,
}

impl Default for EntropyTable {
    fn default() -> Self {
        let mut c_log_c = Box::new([0.0; SAMPLE + 1]);
        for (c, v) in c_log_c.iter_mut().enumerate().skip(1) {
            let c = c as f64;
            *v = c * c.log2();
        }
        Self { c_log_c }
    }
}

impl EntropyTable {
    /// The entropies of `data`'s sample (up to 256 bytes after the first
    /// 16), or `None` for data shorter than [`ENTROPY_MIN_DATA`].
    pub fn measure(&self, data: &[u8]) -> Option<Entropy> {
        if data.len() < ENTROPY_MIN_DATA {
            return None;
        }
        let sample = &data[SKIP..data.len().min(SKIP + SAMPLE)];
        // Counts and their running sums of c·log2(c): raising a count from
        // c to c + 1 adds the difference of two table entries.
        let t = &self.c_log_c;
        let mut bytes = [0u16; 256];
        let mut deltas = [0u16; 256];
        let (mut bytes_sum, mut deltas_sum) = (0.0, 0.0);
        let count = |counts: &mut [u16; 256], sum: &mut f64, value: u8| {
            let c = &mut counts[usize::from(value)];
            *sum += t[usize::from(*c) + 1] - t[usize::from(*c)];
            *c += 1;
        };
        let mut previous = sample[0];
        count(&mut bytes, &mut bytes_sum, previous);
        for &b in &sample[1..] {
            count(&mut bytes, &mut bytes_sum, b);
            count(&mut deltas, &mut deltas_sum, b.wrapping_sub(previous));
            previous = b;
        }
        let shannon = |sum: f64, n: usize| {
            let n = n as f64;
            n.log2() - sum / n
        };
        Some(Entropy {
            bytes: shannon(bytes_sum, sample.len()),
            deltas: shannon(deltas_sum, sample.len() - 1),
            ceiling: ((sample.len() - 1) as f64).log2().min(8.0),
        })
    }
}
