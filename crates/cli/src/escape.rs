//! Text that came off the wire, made safe to print: the one place where
//! strings a packet carries (RFC 5837 interface names, RFC 8335 interface
//! names, NDP DNSSL labels) are escaped, once, as they are written.
//!
//! A crafted packet must not reach the terminal: a name holding
//! `ESC ] 0 ; title BEL` would set the window title, `ESC [ 2 J` clear the
//! screen, a newline forge a line of output, and a right-to-left override
//! (U+202E) reorder what follows it. So:
//!
//! - text renderers pass such strings through [`text`] (or [`quoted`]):
//!   control characters (C0, DEL, C1) and the Unicode bidirectional
//!   formatting characters become `\xHH` or `\u{HHHH}`, and the backslash
//!   itself `\\`, so that what is printed reads back unambiguously;
//! - JSON is written by [`write_json`], which keeps every string's value
//!   and writes, besides what JSON itself escapes (C0, `"` and `\`), DEL,
//!   C1 and the bidirectional formatting characters as `\uHHHH`: the
//!   output holds no byte below 0x20 but the newline ending each object.
//!
//! Strings are kept raw everywhere before the output layer (the machines'
//! events, `decode::fields`), so nothing is escaped twice.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize as _;
use serde_json::Value;

/// Whether `c` may not be printed as it is: a control character (C0, DEL,
/// C1) or a Unicode bidirectional formatting character (Trojan Source).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with control and bidirectional formatting characters written as
/// `\xHH` (below U+0080) or `\u{HHHH}`, and `\` as `\\`. Borrows `s` when
/// nothing needed escaping, as is the case for any ordinary name.
pub fn text(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| c != '\\' && !is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s, false);
    Cow::Owned(out)
}

/// `s` between double quotes, escaped as [`text`] does, with `"` as `\"`.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(&mut out, s, true);
    out.push('"');
    out
}

fn escape_into(out: &mut String, s: &str, quote: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if quote => out.push_str("\\\""),
            c if is_unsafe(c) && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// A compact JSON formatter that also escapes DEL, C1 and the
/// bidirectional formatting characters (as `\uHHHH`, which keeps the
/// string's value).
struct TerminalSafe;

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Everything below DEL is printable here (serde_json escaped C0).
        if fragment.bytes().all(|b| b < 0x7f) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                // Every unsafe character is in the Basic Multilingual Plane.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Writes `value` as one line of compact JSON (without the newline),
/// escaped as the module says.
pub fn write_json<W: io::Write>(out: W, value: &Value) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, TerminalSafe);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

#[cfg(test)]
mod tests;
