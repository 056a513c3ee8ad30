//! [`PingConfig`] and iputils' checks on it.

use std::fmt;
use std::time::Duration;

use icmpkit_wire::IpVersion;

use super::{DEFAULT_LINGER, MIN_USER_INTERVAL};

/// The options of one ping run, in iputils' terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingConfig {
    /// IPv4 (ICMPv4) or IPv6 (ICMPv6).
    pub version: IpVersion,
    /// The Echo identifier. With a datagram ICMP socket the kernel picks
    /// it (the socket's "port"): set this to the value the socket reports,
    /// since replies carry that one.
    pub ident: u16,
    /// `-s`: data bytes after the 8-byte ICMP header, default 56.
    pub payload_len: usize,
    /// `-p`: up to 16 fill bytes, repeated; empty for iputils' default fill.
    pub pattern: Vec<u8>,
    /// `-c`: stop after this many replies (see [`PingSession`]); `None`
    /// runs until the deadline or forever.
    ///
    /// [`PingSession`]: super::PingSession
    pub count: Option<u64>,
    /// `-i`, default 1 s. With `-f` and no `-i` the CLI sets it to zero,
    /// as iputils does.
    pub interval: Duration,
    /// `-w`: stop this long after the start, whatever happens. `Some(0)`
    /// means no deadline, as iputils' `-w 0`.
    pub deadline: Option<Duration>,
    /// `-W`: how long to wait for replies after the last of `-c` probes
    /// when none was answered; default 10 s.
    pub linger: Duration,
    /// `-l`: probes sent back to back at the start, default 1.
    pub preload: u32,
    /// `-A`: the interval follows the RTT's EWMA (never below
    /// [`Self::adaptive_floor`]).
    pub adaptive: bool,
    /// The floor for `-A`: [`MIN_USER_INTERVAL`] for a user, zero for
    /// root (iputils checks `uid`).
    pub adaptive_floor: Duration,
    /// `-f`: flood output; with a zero interval, also the 100-per-second
    /// limit while `preload` probes are unanswered.
    pub flood: bool,
    /// A random number drawn once per run, written into every probe.
    pub nonce: u64,
    /// `-N`: every probe is this Node Information query (ICMPv6) instead
    /// of an Echo Request; set `payload_len` to 0 with it (a query has no
    /// echo data, and no time is measured, as in iputils).
    pub node_info: Option<super::NodeInfoQuery>,
}

impl PingConfig {
    /// iputils' defaults for `version`, `ident` and `nonce`: 56 data
    /// bytes, no pattern, no count, 1 s interval, no deadline, 10 s linger,
    /// preload 1, not adaptive, no flood.
    pub fn new(version: IpVersion, ident: u16, nonce: u64) -> Self {
        Self {
            version,
            ident,
            payload_len: 56,
            pattern: Vec::new(),
            count: None,
            interval: Duration::from_secs(1),
            deadline: None,
            linger: DEFAULT_LINGER,
            preload: 1,
            adaptive: false,
            adaptive_floor: MIN_USER_INTERVAL,
            flood: false,
            nonce,
            node_info: None,
        }
    }

    /// The largest `-s`: 65507 for IPv4 (65535 - 20 - 8), 65527 for IPv6
    /// (65535 - 8; the IPv6 header is not in the payload length).
    pub fn max_payload_len(version: IpVersion) -> usize {
        match version {
            IpVersion::V4 => 65_507,
            IpVersion::V6 => 65_527,
        }
    }

    /// The length of the ICMP message [`super::PingSession::build_echo`]
    /// writes: 8 + `payload_len`, or the Node Information query's.
    pub fn echo_len(&self) -> usize {
        match &self.node_info {
            Some(query) => query.message_len(),
            None => 8 + self.payload_len,
        }
    }

    /// The deadline, with iputils' `-w 0` meaning none.
    pub(crate) fn effective_deadline(&self) -> Option<Duration> {
        self.deadline.filter(|d| !d.is_zero())
    }

    /// Checks the options as iputils does, in the order it does (option
    /// parsing, then `setup()`); `privileged` is iputils' `uid == 0`.
    pub fn validate(&self, privileged: bool) -> Result<(), ConfigError> {
        if self.count == Some(0) {
            return Err(ConfigError::Count(0));
        }
        let max = Self::max_payload_len(self.version);
        if self.payload_len > max {
            return Err(ConfigError::PayloadLen {
                value: self.payload_len,
                max,
            });
        }
        if self.pattern.len() > 16 {
            return Err(ConfigError::Pattern(self.pattern.len()));
        }
        if self.interval.as_millis() > u128::from(i32::MAX.unsigned_abs() / 1000) * 1000 {
            return Err(ConfigError::Interval(self.interval));
        }
        if self.linger < Duration::from_millis(1)
            || self.linger.as_millis() > u128::from(i32::MAX.unsigned_abs() / 1000) * 1000
        {
            return Err(ConfigError::Linger(self.linger));
        }
        if self.preload == 0 || self.preload > 65_536 {
            return Err(ConfigError::Preload(self.preload));
        }
        if !privileged && self.preload > 3 {
            return Err(ConfigError::PreloadForUser(self.preload));
        }
        if !privileged && self.interval < MIN_USER_INTERVAL {
            return Err(ConfigError::IntervalForUser);
        }
        let interval_ms = self.interval.as_millis();
        if interval_ms >= u128::from(i32::MAX.unsigned_abs() / self.preload) {
            return Err(ConfigError::PreloadAndInterval(interval_ms));
        }
        Ok(())
    }
}

/// An option iputils would refuse; `Display` gives iputils' message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// `-c` out of range (`1..=LONG_MAX`).
    Count(u64),
    /// `-s` above the largest payload for the IP version.
    PayloadLen {
        /// The value given.
        value: usize,
        /// The largest allowed.
        max: usize,
    },
    /// `-p` longer than 16 bytes (iputils silently reads only 16; we
    /// refuse).
    Pattern(usize),
    /// `-i` above `INT_MAX / 1000` seconds.
    Interval(Duration),
    /// `-W` below 1 ms or above `INT_MAX / 1000` seconds.
    Linger(Duration),
    /// `-l` out of range (1..=65536).
    Preload(u32),
    /// `-l` above 3 for a user.
    PreloadForUser(u32),
    /// `-i` below 2 ms (or `-f` without `-i`) for a user.
    IntervalForUser,
    /// `interval_ms * preload` would overflow iputils' `int`.
    PreloadAndInterval(u128),
}

impl ConfigError {
    /// Whether iputils finds this in `setup()`, after it printed the
    /// `PING` header (a user's short interval, an interval too long for
    /// the preload), not while it reads the options.
    pub fn after_header(&self) -> bool {
        matches!(self, Self::IntervalForUser | Self::PreloadAndInterval(_))
    }

    /// The command-line option at fault, e.g. `'c'`.
    pub fn option(&self) -> char {
        match self {
            Self::Count(_) => 'c',
            Self::PayloadLen { .. } => 's',
            Self::Pattern(_) => 'p',
            Self::Interval(_) | Self::IntervalForUser | Self::PreloadAndInterval(_) => 'i',
            Self::Linger(_) => 'W',
            Self::Preload(_) | Self::PreloadForUser(_) => 'l',
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(v) => write!(
                f,
                "invalid argument: '{v}': out of range: 1 <= value <= {}",
                i64::MAX
            ),
            Self::PayloadLen { value, max } => write!(
                f,
                "invalid argument: '{value}': out of range: 0 <= value <= {max}"
            ),
            Self::Pattern(len) => write!(
                f,
                "invalid -p pattern: {len} bytes; at most 16 bytes are allowed"
            ),
            Self::Interval(d) => write!(f, "bad timing interval: {}", d.as_secs_f64()),
            Self::Linger(d) => write!(f, "bad linger time: {}", d.as_secs_f64()),
            Self::Preload(v) => write!(
                f,
                "invalid argument: '{v}': out of range: 1 <= value <= 65536"
            ),
            Self::PreloadForUser(v) => {
                write!(f, "cannot set preload to value greater than 3: {v}")
            }
            Self::IntervalForUser => write!(
                f,
                "cannot flood; minimal interval allowed for user is {}ms",
                MIN_USER_INTERVAL.as_millis()
            ),
            Self::PreloadAndInterval(ms) => {
                write!(f, "illegal preload and/or interval: {ms}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PingConfig {
        PingConfig::new(IpVersion::V4, 1, 2)
    }

    fn refusal(c: &PingConfig, privileged: bool) -> (char, String) {
        let e = c.validate(privileged).unwrap_err();
        (e.option(), e.to_string())
    }

    #[test]
    fn defaults_pass() {
        assert_eq!(base().validate(false), Ok(()));
        assert_eq!(base().echo_len(), 64);
    }

    #[test]
    fn payload_limits_per_version() {
        let mut c = base();
        c.payload_len = 70_000;
        assert_eq!(
            refusal(&c, true),
            (
                's',
                "invalid argument: '70000': out of range: 0 <= value <= 65507".to_owned()
            )
        );
        c.payload_len = 65_507;
        assert_eq!(c.validate(true), Ok(()));
        c.payload_len = 65_527;
        c.version = IpVersion::V6;
        assert_eq!(c.validate(true), Ok(()));
        c.payload_len = 65_528;
        assert_eq!(
            refusal(&c, true).1,
            "invalid argument: '65528': out of range: 0 <= value <= 65527"
        );
    }

    #[test]
    fn zero_count() {
        let mut c = base();
        c.count = Some(0);
        assert_eq!(
            refusal(&c, true),
            (
                'c',
                "invalid argument: '0': out of range: 1 <= value <= 9223372036854775807".to_owned()
            )
        );
    }

    #[test]
    fn user_interval_floor_and_flood() {
        let mut c = base();
        c.interval = Duration::ZERO;
        c.flood = true;
        assert_eq!(
            refusal(&c, false),
            (
                'i',
                "cannot flood; minimal interval allowed for user is 2ms".to_owned()
            )
        );
        assert!(c.validate(false).unwrap_err().after_header());
        assert_eq!(c.validate(true), Ok(()));
        c.interval = Duration::from_millis(2);
        assert_eq!(c.validate(false), Ok(()));
    }

    #[test]
    fn preload_rules() {
        let mut c = base();
        c.preload = 4;
        assert_eq!(
            refusal(&c, false),
            (
                'l',
                "cannot set preload to value greater than 3: 4".to_owned()
            )
        );
        assert_eq!(c.validate(true), Ok(()));
        c.preload = 0;
        assert_eq!(
            refusal(&c, true).1,
            "invalid argument: '0': out of range: 1 <= value <= 65536"
        );
        c.preload = 65_536;
        // INT_MAX / 65536 = 32767 ms.
        c.interval = Duration::from_millis(32_766);
        assert_eq!(c.validate(true), Ok(()));
        c.interval = Duration::from_millis(32_767);
        assert_eq!(
            refusal(&c, true),
            ('i', "illegal preload and/or interval: 32767".to_owned())
        );
    }

    #[test]
    fn linger_and_pattern() {
        let mut c = base();
        c.linger = Duration::from_micros(500);
        assert_eq!(
            refusal(&c, true),
            ('W', "bad linger time: 0.0005".to_owned())
        );
        c.linger = DEFAULT_LINGER;
        c.pattern = vec![0; 17];
        assert_eq!(refusal(&c, true).0, 'p');
        c.interval = Duration::from_secs(2_147_484);
        c.pattern.clear();
        assert_eq!(
            refusal(&c, true),
            ('i', "bad timing interval: 2147484".to_owned())
        );
    }
}
