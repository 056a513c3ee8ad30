//! Typed parsing of option values every subcommand reads: integers in a
//! range, TOS bytes, seconds. Each subcommand words the error its peer
//! tool's way (iputils ping and traceroute differ), so these return what
//! went wrong, not a message.

/// Why a value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueError {
    /// Not a number at all.
    NotANumber,
    /// A number outside the range allowed.
    OutOfRange(i128),
}

/// An integer within `min..=max` (surrounding blanks allowed).
pub fn integer(value: &str, min: u64, max: u64) -> Result<u64, ValueError> {
    match value.trim().parse::<i128>() {
        Ok(n) if n >= i128::from(min) && n <= i128::from(max) => {
            u64::try_from(n).map_err(|_| ValueError::OutOfRange(n))
        }
        Ok(n) => Err(ValueError::OutOfRange(n)),
        Err(_) => Err(ValueError::NotANumber),
    }
}

/// A TOS byte: decimal, or hex after `0x`/`0X`.
pub fn tos(value: &str) -> Result<u8, ValueError> {
    let parsed = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => value.parse::<u32>(),
    };
    let n = parsed.map_err(|_| ValueError::NotANumber)?;
    u8::try_from(n).map_err(|_| ValueError::OutOfRange(i128::from(n)))
}

/// A finite, non-negative number of seconds; `None` otherwise.
pub fn seconds(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_tos_bytes_and_seconds_say_what_is_wrong() {
        assert_eq!(integer(" 7 ", 1, 255), Ok(7));
        assert_eq!(integer("0", 1, 255), Err(ValueError::OutOfRange(0)));
        assert_eq!(integer("-3", 0, 9), Err(ValueError::OutOfRange(-3)));
        assert_eq!(integer("x", 1, 255), Err(ValueError::NotANumber));
        assert_eq!(tos("0x10"), Ok(16));
        assert_eq!(tos("0XfF"), Ok(255));
        assert_eq!(tos("184"), Ok(184));
        assert_eq!(tos("256"), Err(ValueError::OutOfRange(256)));
        assert_eq!(tos("0x100"), Err(ValueError::OutOfRange(256)));
        assert_eq!(tos("ef"), Err(ValueError::NotANumber));
        assert_eq!(seconds("0.2"), Some(0.2));
        assert_eq!(seconds("-1"), None);
        assert_eq!(seconds("inf"), None);
        assert_eq!(seconds("x"), None);
    }
}
