//! `ADDR` or `ADDR/LEN`: the one parser of address specifications for
//! ping, sweep and trace.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address, or a prefix when a length follows a `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrSpec {
    /// The address (of the prefix: host bits may be set).
    pub addr: IpAddr,
    /// The prefix length, when one was given (checked against the family).
    pub len: Option<u8>,
}

/// Why a specification is not an `ADDR` or `ADDR/LEN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrSpecError {
    /// The part before `/` is no IPv4 or IPv6 address.
    #[error("{0}: not an IPv4 or IPv6 address or prefix (ADDRESS/LENGTH)")]
    NotAnAddress(String),
    /// The part after `/` is no number.
    #[error("{0}: the prefix length must be a number")]
    BadLength(String),
    /// The length is longer than the family's addresses.
    #[error("{spec}: an {family} prefix length is at most {max}")]
    TooLong {
        /// The specification as given.
        spec: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// 32 or 128.
        max: u8,
    },
}

impl AddrSpec {
    /// Whether `text` looks like a prefix (has a `/`), so that a name is
    /// never taken for one.
    pub fn is_prefix(text: &str) -> bool {
        text.contains('/')
    }
}

impl FromStr for AddrSpec {
    type Err = AddrSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (addr, len) = match spec.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (spec, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| AddrSpecError::NotAnAddress(spec.to_owned()))?;
        let len = len
            .map(|l| {
                l.trim()
                    .parse::<u8>()
                    .map_err(|_| AddrSpecError::BadLength(spec.to_owned()))
            })
            .transpose()?;
        let (family, max) = match addr {
            IpAddr::V4(_) => ("IPv4", 32),
            IpAddr::V6(_) => ("IPv6", 128),
        };
        if len.is_some_and(|l| l > max) {
            return Err(AddrSpecError::TooLong {
                spec: spec.to_owned(),
                family,
                max,
            });
        }
        Ok(Self { addr, len })
    }
}

impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.len {
            Some(len) => write!(f, "{}/{len}", self.addr),
            None => write!(f, "{}", self.addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_a_prefix_and_every_bad_form_parse_as_documented() {
        let spec: AddrSpec = "10.0.0.0/24".parse().unwrap();
        assert_eq!(spec.addr, "10.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(spec.len, Some(24));
        assert_eq!(spec.to_string(), "10.0.0.0/24");
        let spec: AddrSpec = " ::1 ".parse().unwrap();
        assert_eq!(spec.len, None);
        assert_eq!(
            "host/24".parse::<AddrSpec>().unwrap_err().to_string(),
            "host/24: not an IPv4 or IPv6 address or prefix (ADDRESS/LENGTH)"
        );
        assert_eq!(
            "10.0.0.0/x".parse::<AddrSpec>().unwrap_err().to_string(),
            "10.0.0.0/x: the prefix length must be a number"
        );
        assert_eq!(
            "10.0.0.0/33".parse::<AddrSpec>().unwrap_err().to_string(),
            "10.0.0.0/33: an IPv4 prefix length is at most 32"
        );
        assert_eq!(
            "::/129".parse::<AddrSpec>().unwrap_err().to_string(),
            "::/129: an IPv6 prefix length is at most 128"
        );
        assert!("2001:db8::/128".parse::<AddrSpec>().is_ok());
        assert!(AddrSpec::is_prefix("a/b") && !AddrSpec::is_prefix("host"));
    }
}
