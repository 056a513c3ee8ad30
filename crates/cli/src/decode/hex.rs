//! Hex input for `icmpkit decode --hex`: IP packets written as hex digits.
//!
//! One packet per paragraph (blocks separated by a blank line). Within a
//! block, white space, `:` `.` `,` `-` separators and `0x` prefixes are
//! ignored, so `45 00 00 54 ...`, `45:00:00:54` and `0x45 0x00` all work.
//!
//! `tcpdump -n -x` output works as it is: when the text has tcpdump's
//! offset lines (`\t0x0000:  4500 0054 ...`), each of its summary lines
//! (`12:00:00.000000 IP 10.0.0.1 > ...`) starts a new packet and is skipped,
//! and of the dumps under one summary line the last (the `-x` one) is kept.

use std::fmt;

/// Why hex text could not be read as packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexError {
    /// The 1-based line the problem is on.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hex input line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for HexError {}

/// Splits `text` into packets of bytes, one per paragraph.
pub fn parse_packets(text: &str) -> Result<Vec<Vec<u8>>, HexError> {
    let tcpdump = text.lines().any(|l| offset_token(l).is_some());
    let mut packets = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut pending_nibble: Option<(u8, usize)> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim();
        if line.is_empty() {
            finish(&mut packets, &mut current, &mut pending_nibble)?;
            continue;
        }
        let mut words = line.split_whitespace().peekable();
        if let Some(offset) = offset_token(line) {
            words.next();
            if offset == "0x0000:" {
                // tcpdump may print a dump of its own (of an ICMP payload it
                // could not decode) before the -x dump of the packet: the
                // last dump of a summary block is the packet.
                current.clear();
                pending_nibble = None;
            }
        } else if tcpdump {
            // A tcpdump summary line: the next packet begins.
            finish(&mut packets, &mut current, &mut pending_nibble)?;
            continue;
        }
        for word in words {
            let digits = word.strip_prefix("0x").unwrap_or(word);
            for c in digits.chars() {
                if matches!(c, ':' | '.' | ',' | '-') {
                    continue;
                }
                let Some(value) = c.to_digit(16) else {
                    return Err(HexError {
                        line: line_no,
                        reason: format!("'{c}' is not a hex digit"),
                    });
                };
                let value = u8::try_from(value).unwrap_or_default();
                match pending_nibble.take() {
                    None => pending_nibble = Some((value, line_no)),
                    Some((high, _)) => current.push(high << 4 | value),
                }
            }
        }
    }
    finish(&mut packets, &mut current, &mut pending_nibble)?;
    Ok(packets)
}

/// The `0x0000:` offset that starts a line of `tcpdump -x` output.
fn offset_token(line: &str) -> Option<&str> {
    let first = line.split_whitespace().next()?;
    let digits = first.strip_prefix("0x")?.strip_suffix(':')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(first)
}

fn finish(
    packets: &mut Vec<Vec<u8>>,
    current: &mut Vec<u8>,
    pending: &mut Option<(u8, usize)>,
) -> Result<(), HexError> {
    if let Some((_, line)) = pending.take() {
        return Err(HexError {
            line,
            reason: "odd number of hex digits in this packet".to_owned(),
        });
    }
    if !current.is_empty() {
        packets.push(std::mem::take(current));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_separated_digits() {
        let p = parse_packets("45 00 00 1c\n0a:0b\n\n6000 0000\n").unwrap();
        assert_eq!(
            p,
            vec![vec![0x45, 0, 0, 0x1c, 0x0a, 0x0b], vec![0x60, 0, 0, 0]]
        );
    }

    #[test]
    fn tcpdump_offsets_are_skipped() {
        let text = "\t0x0000:  4500 0054 1234 4000 4001 0000 7f00 0001\n\t0x0010:  7f00 0001\n";
        let p = parse_packets(text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 20);
        assert_eq!(&p[0][..4], &[0x45, 0, 0, 0x54]);
        assert_eq!(&p[0][16..], &[0x7f, 0, 0, 1]);
    }

    #[test]
    fn tcpdump_summary_lines_separate_packets() {
        let text = "13:20:51.000001 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 8\n\
                    \t0x0000:  4500 001c 0001 0000 4001 0000 0a00 0001\n\
                    \t0x0010:  0a00 0002 0800 f7fe 0001 0000\n\
                    13:20:51.000002 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1, seq 1, length 8\n\
                    \t0x0000:  4500 001c\n";
        let p = parse_packets(text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 28);
        assert_eq!(p[1], vec![0x45, 0, 0, 0x1c]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_packets("45 00\n4g\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.reason, "'g' is not a hex digit");
        let e = parse_packets("45 0\n\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "hex input line 1: odd number of hex digits in this packet"
        );
        assert!(parse_packets("").unwrap().is_empty());
    }
}
