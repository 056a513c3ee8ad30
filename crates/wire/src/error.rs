//! Why a run of bytes is not the structure it claims to be.
//!
//! Every parser in this crate reports failure with [`Malformed`], whose
//! `Display` says in one sentence what is wrong, naming the offending value,
//! so that `icmpkit decode` can print it as the packet's malformed reason.

use core::fmt;

/// The reason bytes could not be read as the structure they claim to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformed {
    /// Fewer bytes are present than the fixed part of the structure needs.
    Truncated {
        /// The structure being read, e.g. `"ICMPv4 header"`.
        what: &'static str,
        /// How many bytes it needs.
        needed: usize,
        /// How many bytes there are.
        available: usize,
    },
    /// A length field claims more bytes than remain.
    Overrun {
        /// The structure being read.
        what: &'static str,
        /// The length field, e.g. `"total length"`.
        field: &'static str,
        /// How many bytes the field claims.
        claimed: usize,
        /// How many bytes there are.
        available: usize,
    },
    /// A field holds a value the format forbids.
    Invalid {
        /// The structure being read.
        what: &'static str,
        /// The field, e.g. `"IHL"`.
        field: &'static str,
        /// The value found.
        value: u32,
        /// The rule it breaks, completing the sentence
        /// "`<field> <value> <rule>`", e.g. `"is below the minimum of 5"`.
        rule: &'static str,
    },
    /// A chain of headers or options is longer than the parser will walk.
    TooMany {
        /// What is being counted, e.g. `"IPv6 extension headers"`.
        what: &'static str,
        /// The most the parser accepts.
        limit: usize,
    },
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated {
                what,
                needed,
                available,
            } => write!(
                f,
                "{what} truncated: needs {needed} bytes, only {available} present"
            ),
            Self::Overrun {
                what,
                field,
                claimed,
                available,
            } => write!(
                f,
                "{what}: {field} claims {claimed} bytes but only {available} are present"
            ),
            Self::Invalid {
                what,
                field,
                value,
                rule,
            } => write!(f, "{what}: {field} {value} {rule}"),
            Self::TooMany { what, limit } => {
                write!(f, "more than {limit} {what}: refusing to walk further")
            }
        }
    }
}

impl core::error::Error for Malformed {}

/// The result of a parse in this crate.
pub type Result<T> = core::result::Result<T, Malformed>;

/// Checks that `buf` holds at least `needed` bytes for `what`.
pub fn need(what: &'static str, buf: &[u8], needed: usize) -> Result<()> {
    if buf.len() < needed {
        Err(Malformed::Truncated {
            what,
            needed,
            available: buf.len(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_name_the_value() {
        let e = Malformed::Invalid {
            what: "IPv4 header",
            field: "IHL",
            value: 3,
            rule: "is below the minimum of 5",
        };
        assert_eq!(
            e.to_string(),
            "IPv4 header: IHL 3 is below the minimum of 5"
        );
        let e = Malformed::Truncated {
            what: "ICMPv4 header",
            needed: 8,
            available: 5,
        };
        assert_eq!(
            e.to_string(),
            "ICMPv4 header truncated: needs 8 bytes, only 5 present"
        );
        assert!(need("x", &[0; 3], 4).is_err());
        assert!(need("x", &[0; 4], 4).is_ok());
    }
}
