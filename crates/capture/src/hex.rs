//! Hex dumps of IP packets, read as a stream ([`HexReader`]).
//!
//! One packet per paragraph (blocks separated by a blank line). Within a
//! block, white space, `:` `.` `,` `-` separators and `0x` prefixes are
//! ignored, so `45 00 00 54 ...`, `45:00:00:54` and `0x45 0x00` all work.
//!
//! `tcpdump -n -x` output works as it is: once a line starts with one of
//! tcpdump's offsets (`\t0x0000:  4500 0054 ...`), every other line is a
//! summary line (`12:00:00.000000 IP 10.0.0.1 > ...`) that starts a new
//! packet and is skipped, and of the dumps under one summary line the last
//! (the `-x` one) is kept. A line that is not hex before any offset was seen
//! is such a summary line when an offset line comes next, and an error
//! otherwise.
//!
//! `tcpdump -X` (and `-XX`) output works too: the ASCII column after the
//! hex of each offset line is left out. With `-xx` or `-XX` the dump holds
//! the link-layer header as well: [`link_type_of`] tells which.
//!
//! The reader holds one line and one packet at a time, each bounded
//! ([`MAX_LINE_LEN`], [`MAX_PACKET_LEN`]), and hands out each packet as soon
//! as its end is read: a dump piped in while it is written is decoded as it
//! comes.

use std::io::{self, BufRead, BufReader, Read};
use std::{error, fmt};

mod frame;
pub use frame::link_type_of;

/// The longest line read, in bytes: a whole [`MAX_PACKET_LEN`] packet
/// written with generous separators (`0x45, `) fits.
pub const MAX_LINE_LEN: usize = 1 << 20;

/// The longest packet read, in bytes: an IPv6 header and the largest
/// payload its length field can give (IPv4 packets are shorter).
pub const MAX_PACKET_LEN: usize = 40 + 65_535;

/// What is wrong with a line of hex input.
#[derive(Debug)]
#[non_exhaustive]
pub enum HexProblem {
    /// A character that is neither a hex digit nor a separator.
    NotHexDigit(char),
    /// The packet ends with half a byte.
    OddDigits,
    /// The line is longer than [`MAX_LINE_LEN`].
    LineTooLong,
    /// The packet is longer than [`MAX_PACKET_LEN`].
    PacketTooLong,
    /// Reading the input (or the caller's work before a wait) failed.
    Io(io::Error),
}

/// Why hex input could not be read as packets, and on which line.
#[derive(Debug)]
pub struct HexError {
    /// The 1-based line the problem is on.
    pub line: usize,
    /// What is wrong.
    pub problem: HexProblem,
}

impl fmt::Display for HexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotHexDigit(c) => write!(f, "{c:?} is not a hex digit"),
            Self::OddDigits => f.write_str("odd number of hex digits in this packet"),
            Self::LineTooLong => write!(f, "line longer than {MAX_LINE_LEN} bytes"),
            Self::PacketTooLong => write!(
                f,
                "packet longer than {MAX_PACKET_LEN} bytes (the largest IP packet)"
            ),
            Self::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hex input line {}: {}", self.line, self.problem)
    }
}

impl error::Error for HexError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match &self.problem {
            HexProblem::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads IP packets from hex text, one at a time, as the text arrives.
#[derive(Debug)]
pub struct HexReader<R> {
    input: BufReader<R>,
    /// The line being read (bytes, without its end).
    line: Vec<u8>,
    /// The number of the last line read.
    line_no: usize,
    /// An offset line was seen: other lines are tcpdump summary lines.
    tcpdump: bool,
    /// A line that was not hex, before any offset line: a summary line if
    /// an offset line comes next, else this error.
    suspect: Option<HexError>,
    /// The packet being read, and the line of its unpaired digit.
    current: Vec<u8>,
    pending_nibble: Option<(u8, usize)>,
    /// The packet handed out last.
    packet: Vec<u8>,
    ended: bool,
}

impl<R: Read> HexReader<R> {
    /// Reads hex text from `input` (buffered here).
    pub fn new(input: R) -> Self {
        Self {
            input: BufReader::with_capacity(1 << 16, input),
            line: Vec::new(),
            line_no: 0,
            tcpdump: false,
            suspect: None,
            current: Vec::new(),
            pending_nibble: None,
            packet: Vec::new(),
            ended: false,
        }
    }

    /// The next packet; `None` at the end of the input. `before_wait` runs
    /// whenever every byte read so far has been used and the reader is about
    /// to wait for more (a caller flushes its output there, so that a packet
    /// is shown before the next one arrives). After an error, `None`.
    ///
    /// # Errors
    ///
    /// The line that is not hex, the packet that is too long or ends with
    /// half a byte, or the failure of a read or of `before_wait`.
    pub fn next_packet(
        &mut self,
        before_wait: &mut dyn FnMut() -> io::Result<()>,
    ) -> Result<Option<&[u8]>, HexError> {
        while !self.ended {
            let read = self.read_line(before_wait).and_then(|more| {
                if more {
                    self.take_line()
                } else {
                    self.ended = true;
                    match self.suspect.take() {
                        Some(error) => Err(error),
                        None => self.finish(),
                    }
                }
            });
            match read {
                Ok(true) => return Ok(Some(&self.packet)),
                Ok(false) => {}
                Err(error) => {
                    self.ended = true;
                    return Err(error);
                }
            }
        }
        Ok(None)
    }

    fn error(&self, problem: HexProblem) -> HexError {
        HexError {
            line: self.line_no,
            problem,
        }
    }

    /// Reads the next line into `self.line`; `false` at the end of input.
    fn read_line(
        &mut self,
        before_wait: &mut dyn FnMut() -> io::Result<()>,
    ) -> Result<bool, HexError> {
        self.line.clear();
        self.line_no += 1;
        loop {
            let available = self.input.buffer();
            let (used, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (end + 1, true),
                None => (available.len(), false),
            };
            if self.line.len() + used > MAX_LINE_LEN + 1 {
                return Err(self.error(HexProblem::LineTooLong));
            }
            self.line.extend_from_slice(&available[..used]);
            self.input.consume(used);
            if complete {
                return Ok(true);
            }
            before_wait().map_err(|e| self.error(HexProblem::Io(e)))?;
            match self.input.fill_buf() {
                Ok([]) => return Ok(!self.line.is_empty()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(HexProblem::Io(e))),
            }
        }
    }

    /// Takes in the line read; `true` when it ended a packet.
    fn take_line(&mut self) -> Result<bool, HexError> {
        let raw = std::mem::take(&mut self.line);
        let result = self.take_text(&String::from_utf8_lossy(&raw));
        self.line = raw;
        result
    }

    fn take_text(&mut self, text: &str) -> Result<bool, HexError> {
        let line = text.trim();
        let offset = offset_token(line);
        let mut ended = false;
        if let Some(error) = self.suspect.take() {
            match offset {
                // The line before was tcpdump's summary of this packet.
                Some(_) => {
                    self.tcpdump = true;
                    ended = self.finish()?;
                }
                None if line.is_empty() => {
                    self.suspect = Some(error);
                    return Ok(false);
                }
                None => return Err(error),
            }
        }
        if line.is_empty() {
            return self.finish();
        }
        let digits = match offset {
            Some(offset) => {
                self.tcpdump = true;
                if offset == "0x0000:" {
                    // tcpdump may print a dump of its own (of an ICMP
                    // payload it could not decode) before the -x dump of
                    // the packet: the last dump of a summary block is the
                    // packet.
                    self.current.clear();
                    self.pending_nibble = None;
                }
                tcpdump_hex(&line[offset.len()..])
            }
            // A tcpdump summary line: the next packet begins.
            None if self.tcpdump => return self.finish(),
            None => line,
        };
        if let Some(c) = first_non_hex(digits) {
            let error = self.error(HexProblem::NotHexDigit(c));
            if offset.is_some() {
                return Err(error);
            }
            self.suspect = Some(error);
            return Ok(ended);
        }
        for word in digits.split_whitespace() {
            for c in word.strip_prefix("0x").unwrap_or(word).chars() {
                let Some(value) = c.to_digit(16) else {
                    continue;
                };
                let value = u8::try_from(value).unwrap_or_default();
                match self.pending_nibble.take() {
                    None => self.pending_nibble = Some((value, self.line_no)),
                    Some((high, _)) => self.current.push(high << 4 | value),
                }
            }
            if self.current.len() > MAX_PACKET_LEN {
                return Err(self.error(HexProblem::PacketTooLong));
            }
        }
        Ok(ended)
    }

    /// Ends the packet being read; `true` when it had bytes, which are now
    /// in `self.packet`.
    fn finish(&mut self) -> Result<bool, HexError> {
        if let Some((_, line)) = self.pending_nibble.take() {
            return Err(HexError {
                line,
                problem: HexProblem::OddDigits,
            });
        }
        if self.current.is_empty() {
            return Ok(false);
        }
        std::mem::swap(&mut self.packet, &mut self.current);
        self.current.clear();
        Ok(true)
    }
}

/// The first character of `digits` that is neither a hex digit, a
/// separator, white space nor part of a `0x` prefix.
fn first_non_hex(digits: &str) -> Option<char> {
    digits.split_whitespace().find_map(|word| {
        word.strip_prefix("0x")
            .unwrap_or(word)
            .chars()
            .find(|&c| !c.is_ascii_hexdigit() && !matches!(c, ':' | '.' | ',' | '-'))
    })
}

/// The hex part of an offset line's `rest` (what follows the offset):
/// tcpdump writes 16 bytes as 8 groups of 4 digits, each after a space,
/// and with `-X` pads them to 40 characters and adds two spaces and the
/// bytes as ASCII, which is left out here. Other offset lines are kept
/// whole.
fn tcpdump_hex(rest: &str) -> &str {
    // " " + 8 × " xxxx": the ASCII column starts after.
    const HEX_PART: usize = 41;
    let groups = rest
        .split_whitespace()
        .next()
        .is_some_and(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_hexdigit()));
    match rest.get(..HEX_PART) {
        Some(hex) if groups => hex,
        _ => rest,
    }
}

/// The `0x0000:` offset that starts a line of `tcpdump -x` output.
fn offset_token(line: &str) -> Option<&str> {
    let first = line.split_whitespace().next()?;
    let digits = first.strip_prefix("0x")?.strip_suffix(':')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(first)
}

#[cfg(test)]
mod tests;
