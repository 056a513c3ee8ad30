//! Option values parsed with the option named in the error: `-m 0: out
//! of range, use 1 to 255`. Every subcommand whose peer words its
//! messages this way (traceroute, mtr) uses these.

use anyhow::Result;

use crate::args::values::{self, ValueError};

/// An integer option within `min..=max`, named in the message.
pub fn integer(option: &str, value: &str, min: u64, max: u64) -> Result<u64> {
    values::integer(value, min, max).map_err(|e| match e {
        ValueError::OutOfRange(_) => {
            anyhow::anyhow!("{option} {value}: out of range, use {min} to {max}")
        }
        ValueError::NotANumber => {
            anyhow::anyhow!("{option} {value:?}: not a number, use {min} to {max}")
        }
    })
}

/// An integer option that fits a `u8`.
pub fn small(option: &str, value: &str, min: u8, max: u8) -> Result<u8> {
    Ok(u8::try_from(integer(
        option,
        value,
        min.into(),
        max.into(),
    )?)?)
}

/// A port option (1 to 65535).
pub fn port(option: &str, value: &str) -> Result<u16> {
    Ok(u16::try_from(integer(option, value, 1, 65_535)?)?)
}

/// A non-negative number of seconds.
pub fn seconds(option: &str, value: &str) -> Result<f64> {
    values::seconds(value)
        .ok_or_else(|| anyhow::anyhow!("{option} {value:?}: not a number of seconds (e.g. 5.0)"))
}

/// A TOS byte, decimal or 0x hex.
pub fn tos(option: &str, value: &str) -> Result<u8> {
    values::tos(value).map_err(|_| {
        anyhow::anyhow!("{option} {value}: not a TOS byte (0 to 255, or 0x00 to 0xff)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_name_the_option_and_the_range() {
        assert_eq!(
            small("-m", "0", 1, 255).unwrap_err().to_string(),
            "-m 0: out of range, use 1 to 255"
        );
        assert_eq!(
            port("-p", "0").unwrap_err().to_string(),
            "-p 0: out of range, use 1 to 65535"
        );
        assert_eq!(small("-q", "3", 1, 10).unwrap(), 3);
        assert!(
            integer("-N", "many", 1, 10)
                .unwrap_err()
                .to_string()
                .contains("not a number")
        );
    }
}
