//! What tools print for an ICMP error, read back into the type and code:
//! traceroute's annotations (`!H`, `!F-1280`, `!<13>`) and iputils ping's
//! lines (`Destination Host Unreachable`, `Packet too big: mtu=1280`).
//!
//! Nothing here repeats those strings: each is found by generating what
//! icmpkit prints as that tool (`trace`'s annotation from
//! `icmpkit_proto::trace::Outcome`, ping's line from `ping::iputils`) for
//! every error type and code, and comparing. The only table is that of BSD
//! traceroute's letters, which icmpkit never prints.

use std::net::Ipv4Addr;

use icmpkit_proto::trace::Outcome;
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning::Found;

use crate::ping::iputils;

/// The tool whose output a string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tool {
    /// Linux traceroute (Dmitry Butskoy's, as `icmpkit trace` prints it).
    Traceroute,
    /// BSD traceroute (FreeBSD, macOS): the letters Linux's does not use.
    BsdTraceroute,
    /// iputils ping.
    Ping,
}

impl Tool {
    /// How the tool is named in a sentence.
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Traceroute => "traceroute",
            Self::BsdTraceroute => "BSD traceroute",
            Self::Ping => "ping (iputils)",
        }
    }
}

/// The number a string carries besides the type and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value {
    /// A next-hop MTU (Fragmentation Needed, Packet Too Big).
    Mtu(u32),
    /// A Parameter Problem's pointer.
    Pointer(u32),
    /// A Redirect's new gateway.
    Gateway(Ipv4Addr),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Mtu(mtu) => write!(f, "next-hop MTU {mtu}"),
            Self::Pointer(p) => write!(f, "pointer {p}"),
            Self::Gateway(g) => write!(f, "new gateway {g}"),
        }
    }
}

/// A string a tool prints, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    /// Which tool prints it.
    pub tool: Tool,
    /// The message it stands for (the first code, when several print the same).
    pub found: Found,
    /// The number it carries, if any.
    pub value: Option<Value>,
    /// Further codes of the same type the tool prints the same way.
    pub also: Vec<u8>,
    /// A traceroute annotation by number (`!<13>`), not by letter.
    pub numbered: bool,
}

/// The ICMP error types of a family (the only ones either tool annotates).
const fn error_types(version: IpVersion) -> &'static [u8] {
    match version {
        IpVersion::V4 => &[3, 4, 5, 11, 12],
        IpVersion::V6 => &[1, 2, 3, 4],
    }
}

/// The families to look in, the preferred one first.
fn families(preferred: Option<IpVersion>) -> [IpVersion; 2] {
    match preferred {
        Some(IpVersion::V6) => [IpVersion::V6, IpVersion::V4],
        _ => [IpVersion::V4, IpVersion::V6],
    }
}

/// Reads a traceroute annotation or an iputils ping line exactly as the
/// tool prints it (case and spacing aside), in the preferred family first.
pub(super) fn exact(query: &str, preferred: Option<IpVersion>) -> Option<Seen> {
    let query = query.trim();
    if query.starts_with('!') {
        return families(preferred)
            .into_iter()
            .find_map(|v| annotation(query, v));
    }
    let line = ping_text(query);
    families(preferred)
        .into_iter()
        .find_map(|v| ping_line(&line, v, false))
}

/// Reads an iputils ping line without its number (`Frag needed and DF
/// set`, `Packet too big`): what is left when the value and the words that
/// introduce it are cut off.
pub(super) fn stem(query: &str, preferred: Option<IpVersion>) -> Option<Seen> {
    let line = ping_text(query.trim());
    families(preferred)
        .into_iter()
        .find_map(|v| ping_line(&line, v, true))
}

/// Every string `exact` reads without a number, for suggestions: the
/// annotations and ping's lines.
pub(super) fn known_strings() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for v in [IpVersion::V4, IpVersion::V6] {
        for &t in error_types(v) {
            for c in 0..=255u8 {
                if let Some(note) =
                    Outcome::of_error(v, t, c, Some(1280)).and_then(|o| o.annotation())
                    && !note.starts_with("!<")
                {
                    push(note.split('-').next().unwrap_or(&note).to_owned());
                }
                if usize::from(c) <= named_codes(v, t) {
                    let (before, after) = raw_template(v, t, c);
                    let text = if after.is_some() {
                        cut_stem(&before)
                    } else {
                        &before
                    };
                    push(text.trim_end().to_owned());
                }
            }
        }
    }
    for &(letter, _) in BSD_LETTERS {
        push(format!("!{letter}"));
    }
    out
}

/// The highest code of a type the registry names (ping prints "Bad Code"
/// beyond it).
fn named_codes(version: IpVersion, msg_type: u8) -> usize {
    icmpkit_wire::meaning::type_info(version, msg_type)
        .and_then(|t| t.codes.last())
        .map_or(0, |c| usize::from(c.code))
}

/// BSD traceroute's letters for ICMPv4 Destination Unreachable codes that
/// Linux traceroute folds into `!N`, `!H` and `!X` (FreeBSD traceroute(8)).
const BSD_LETTERS: &[(char, u8)] = &[
    ('U', 6),
    ('W', 7),
    ('I', 8),
    ('A', 9),
    ('Z', 10),
    ('Q', 11),
    ('T', 12),
];

/// The code a letter stands for first where Linux traceroute prints it for
/// several: traceroute(8) calls `!X` "communication administratively
/// prohibited", the name of ICMPv4 code 13.
const PRIMARY: &[(IpVersion, &str, u8)] = &[(IpVersion::V4, "X", 13)];

/// `!H`, `!F-1280`, `!F`, `!<13>`, `!13`, `!<12-0>`, `!U`...
fn annotation(query: &str, version: IpVersion) -> Option<Seen> {
    let body = &query[1..];
    let unreachable = match version {
        IpVersion::V4 => 3,
        IpVersion::V6 => 1,
    };
    let found = |msg_type, code| Found {
        version,
        msg_type,
        code: Some(code),
    };
    // `!<13>` or `!13`: an unreachable code with no letter of its own.
    let number = body
        .strip_prefix('<')
        .and_then(|b| b.strip_suffix('>'))
        .unwrap_or(body);
    if let Ok(code) = number.parse::<u8>() {
        return Some(Seen {
            tool: Tool::Traceroute,
            found: found(unreachable, code),
            value: None,
            also: Vec::new(),
            numbered: true,
        });
    }
    // `!<12-0>`: the type and code of an error traceroute has no mark for.
    if let Some((t, c)) = body
        .strip_prefix('<')
        .and_then(|b| b.strip_suffix('>'))
        .and_then(|b| b.split_once('-'))
        && let (Ok(msg_type), Ok(code)) = (t.parse::<u8>(), c.parse::<u8>())
    {
        return Some(Seen {
            tool: Tool::Traceroute,
            found: found(msg_type, code),
            value: None,
            also: Vec::new(),
            numbered: false,
        });
    }
    let (letters, mtu) = match body.split_once('-') {
        Some((l, m)) => (l, Some(m.parse::<u32>().ok()?)),
        None => (body, None),
    };
    let mut hits: Vec<(u8, u8)> = Vec::new();
    for &t in error_types(version) {
        for c in 0..=255u8 {
            let Some(note) = Outcome::of_error(version, t, c, Some(mtu.unwrap_or(0)))
                .and_then(|o| o.annotation())
            else {
                continue;
            };
            let generated = note.split('-').next().unwrap_or(&note);
            if !note.starts_with("!<") && generated[1..].eq_ignore_ascii_case(letters) {
                hits.push((t, c));
            }
        }
    }
    if let Some(at) = PRIMARY
        .iter()
        .find(|(v, l, _)| *v == version && l.eq_ignore_ascii_case(letters))
        .and_then(|&(_, _, code)| {
            hits.iter()
                .position(|&(t, c)| t == unreachable && c == code)
        })
    {
        hits[..=at].rotate_right(1);
    }
    if let Some(&(t, c)) = hits.first() {
        let value = (generated_has_mtu(version, t, c) && mtu.is_some())
            .then(|| Value::Mtu(mtu.unwrap_or(0)));
        let also = hits[1..]
            .iter()
            .filter(|&&(other, code)| {
                other == t && icmpkit_wire::meaning::code_info(version, other, code).is_some()
            })
            .map(|&(_, code)| code)
            .collect();
        let code = (!(version == IpVersion::V6 && t == 2)).then_some(c);
        return Some(Seen {
            tool: Tool::Traceroute,
            found: Found {
                version,
                msg_type: t,
                code,
            },
            value,
            also,
            numbered: false,
        });
    }
    if version == IpVersion::V4 && mtu.is_none() {
        let mut chars = letters.chars();
        if let (Some(letter), None) = (chars.next(), chars.next()) {
            let letter = letter.to_ascii_uppercase();
            if let Some(&(_, code)) = BSD_LETTERS.iter().find(|(l, _)| *l == letter) {
                return Some(Seen {
                    tool: Tool::BsdTraceroute,
                    found: found(unreachable, code),
                    value: None,
                    also: Vec::new(),
                    numbered: false,
                });
            }
        }
    }
    None
}

/// The letter traceroute prints for an unreachable code, if it has one.
pub(super) fn letter_for(found: Found) -> Option<String> {
    let code = found.code?;
    Outcome::of_error(found.version, found.msg_type, code, None)
        .and_then(|o| o.annotation())
        .filter(|note| !note.starts_with("!<"))
}

/// Whether traceroute's annotation for this message carries an MTU.
fn generated_has_mtu(version: IpVersion, msg_type: u8, code: u8) -> bool {
    Outcome::of_error(version, msg_type, code, Some(1))
        .and_then(|o| o.annotation())
        .is_some_and(|n| n.starts_with("!F-"))
}

/// A ping line without what iputils prints before the message: `From
/// 10.0.0.1 icmp_seq=1 ` (or `From 10.0.0.1: icmp_seq=1 `).
fn ping_text(query: &str) -> String {
    let mut text = query;
    if text
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("from "))
        && let Some(at) = text.find("icmp_seq=")
    {
        let rest = &text[at + "icmp_seq=".len()..];
        text = rest
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
    }
    collapse(text)
}

/// Lower case, runs of white space as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A value iputils is never given; where it shows up in a generated line
/// is where the line's number goes.
const MARK: u32 = 3_141_592_653;

/// iputils' line for a message, split where its number goes: the part
/// before it and, if there is a number, the part after.
fn template(version: IpVersion, msg_type: u8, code: u8) -> (String, Option<String>) {
    split_at_mark(collapse(&iputils::error_text(
        version, msg_type, code, MARK,
    )))
}

/// [`template`] as iputils prints it, case and spaces kept.
fn raw_template(version: IpVersion, msg_type: u8, code: u8) -> (String, Option<String>) {
    split_at_mark(iputils::error_text(version, msg_type, code, MARK))
}

fn split_at_mark(text: String) -> (String, Option<String>) {
    for mark in [MARK.to_string(), Ipv4Addr::from(MARK).to_string()] {
        if let Some((before, after)) = text.split_once(&mark) {
            return (before.to_owned(), Some(after.to_owned()));
        }
    }
    (text, None)
}

/// Reads `line` (collapsed) as iputils' line for a message of `version`;
/// with `stem`, as the line cut before its number.
fn ping_line(line: &str, version: IpVersion, stem: bool) -> Option<Seen> {
    for &t in error_types(version) {
        for c in 0..=255u8 {
            let (before, after) = template(version, t, c);
            let value = match (&after, stem) {
                (None, false) => (line == before).then_some(None),
                (None, true) => None,
                (Some(after), false) => line
                    .strip_prefix(before.as_str())
                    .and_then(|rest| rest.strip_suffix(after.as_str()))
                    .and_then(|number| read_value(version, t, number))
                    .map(Some),
                (Some(_), true) => (line == cut_stem(&before)).then_some(None),
            };
            if let Some(value) = value {
                let code = (!(version == IpVersion::V6 && t == 2)).then_some(c);
                return Some(Seen {
                    tool: Tool::Ping,
                    found: Found {
                        version,
                        msg_type: t,
                        code,
                    },
                    value,
                    also: Vec::new(),
                    numbered: false,
                });
            }
        }
    }
    None
}

/// The number in a ping line, as what it is for that message.
fn read_value(version: IpVersion, msg_type: u8, text: &str) -> Option<Value> {
    match (version, msg_type) {
        (IpVersion::V4, 5) => text.parse().ok().map(Value::Gateway),
        (IpVersion::V4, 12) | (IpVersion::V6, 4) => text.parse().ok().map(Value::Pointer),
        _ => text.parse().ok().map(Value::Mtu),
    }
}

/// The words before a line's number without those that introduce it:
/// `frag needed and df set (mtu = ` → `frag needed and df set`.
fn cut_stem(before: &str) -> &str {
    const INTRODUCERS: [&str; 5] = ["mtu", "pointer", "new", "nexthop", "at"];
    let mut end = before.len();
    loop {
        let head = before[..end].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let word_start = head
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        let word = &head[word_start..];
        if word_start == 0 || !INTRODUCERS.iter().any(|i| i.eq_ignore_ascii_case(word)) {
            return head;
        }
        end = word_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        query: &str,
        preferred: Option<IpVersion>,
    ) -> (IpVersion, u8, Option<u8>, Option<Value>) {
        let seen = exact(query, preferred)
            .or_else(|| stem(query, preferred))
            .unwrap_or_else(|| panic!("{query}"));
        (
            seen.found.version,
            seen.found.msg_type,
            seen.found.code,
            seen.value,
        )
    }

    #[test]
    fn traceroute_annotations() {
        use IpVersion::{V4, V6};
        assert_eq!(read("!H", None), (V4, 3, Some(1), None));
        assert_eq!(read("!h", None), (V4, 3, Some(1), None));
        assert_eq!(read("!N", None), (V4, 3, Some(0), None));
        assert_eq!(read("!P", None), (V4, 3, Some(2), None));
        assert_eq!(read("!S", None), (V4, 3, Some(5), None));
        assert_eq!(read("!X", None), (V4, 3, Some(13), None));
        assert_eq!(read("!X", Some(V6)), (V6, 1, Some(1), None));
        assert_eq!(read("!V", None), (V4, 3, Some(14), None));
        assert_eq!(read("!C", None), (V4, 3, Some(15), None));
        assert_eq!(read("!F", None), (V4, 3, Some(4), None));
        assert_eq!(
            read("!F-1280", None),
            (V4, 3, Some(4), Some(Value::Mtu(1280)))
        );
        assert_eq!(
            read("!F-1280", Some(V6)),
            (V6, 2, None, Some(Value::Mtu(1280)))
        );
        assert_eq!(read("!H", Some(V6)), (V6, 1, Some(3), None));
        assert_eq!(read("!<13>", None), (V4, 3, Some(13), None));
        assert_eq!(read("!13", None), (V4, 3, Some(13), None));
        assert_eq!(read("!<12-0>", None), (V4, 12, Some(0), None));
        assert_eq!(read("!<4-1>", Some(V6)), (V6, 4, Some(1), None));
        assert_eq!(read("!U", None), (V4, 3, Some(6), None));
        assert_eq!(read("!W", None), (V4, 3, Some(7), None));
        assert_eq!(exact("!N", None).unwrap().also, [6, 8, 11]);
        assert_eq!(exact("!X", None).unwrap().also, [9, 10]);
        assert_eq!(exact("!X", Some(V6)).unwrap().also, [5, 6]);
        assert_eq!(exact("!Y", None), None);
        assert_eq!(exact("!F-x", None), None);
        assert_eq!(exact("!", None), None);
    }

    #[test]
    fn ping_lines() {
        use IpVersion::{V4, V6};
        assert_eq!(
            read("Destination Host Unreachable", None),
            (V4, 3, Some(1), None)
        );
        assert_eq!(
            read("destination net unreachable", None),
            (V4, 3, Some(0), None)
        );
        assert_eq!(
            read("Destination Port Unreachable", None),
            (V4, 3, Some(3), None)
        );
        assert_eq!(read("Packet filtered", None), (V4, 3, Some(13), None));
        assert_eq!(read("Time to live exceeded", None), (V4, 11, Some(0), None));
        assert_eq!(
            read("Frag needed and DF set (mtu = 1280)", None),
            (V4, 3, Some(4), Some(Value::Mtu(1280)))
        );
        assert_eq!(read("Frag needed and DF set", None), (V4, 3, Some(4), None));
        assert_eq!(
            read("Destination unreachable: Address unreachable", None),
            (V6, 1, Some(3), None)
        );
        assert_eq!(
            read("Packet too big: mtu=1280", None),
            (V6, 2, None, Some(Value::Mtu(1280)))
        );
        assert_eq!(
            read("Time exceeded: Hop limit", None),
            (V6, 3, Some(0), None)
        );
        assert_eq!(
            read(
                "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable",
                None
            ),
            (V4, 3, Some(1), None)
        );
        assert_eq!(
            read("Parameter problem: pointer = 20", None),
            (V4, 12, Some(0), Some(Value::Pointer(20)))
        );
        assert_eq!(
            read("Redirect Host(New nexthop: 10.0.0.3)", None),
            (
                V4,
                5,
                Some(1),
                Some(Value::Gateway(Ipv4Addr::new(10, 0, 0, 3)))
            )
        );
        assert_eq!(
            read("Dest Unreachable, Bad Code: 99", None),
            (V4, 3, Some(99), None)
        );
        assert_eq!(exact("Destination Host Unreachablex", None), None);
    }

    #[test]
    fn odd_input_reads_as_nothing_without_panic() {
        for query in [
            "",
            "!",
            "!!",
            "!<",
            "!<>",
            "!-",
            "!F-",
            "!F-é",
            "!é",
            "!<300>",
            "From ",
            "from x icmp_seq=",
            "Fromé icmp_seq=1 x",
            "é",
            "Frag needed and DF set (mtu = )",
            "Frag needed and DF set (mtu = 99999999999)",
            "Redirect Host(New nexthop: x)",
        ] {
            let _ = exact(query, None);
            let _ = stem(query, Some(IpVersion::V6));
        }
        assert_eq!(exact("!<300>", None), None);
        assert_eq!(exact("", None), None);
    }

    #[test]
    fn every_generated_string_reads_back() {
        for v in [IpVersion::V4, IpVersion::V6] {
            for &t in error_types(v) {
                for c in 0..=255u8 {
                    let line = iputils::error_text(v, t, c, 1280);
                    let seen = exact(&line, Some(v)).unwrap_or_else(|| panic!("{line}"));
                    assert_eq!(seen.found.version, v, "{line}");
                    assert_eq!(seen.found.msg_type, t, "{line}");
                    if let Some(code) = seen.found.code {
                        // Source Quench and Parameter Problem print no code.
                        if !matches!((v, t), (IpVersion::V4, 4 | 12)) {
                            assert_eq!(code, c, "{line}");
                        }
                    }
                    if let Some(note) =
                        Outcome::of_error(v, t, c, Some(1280)).and_then(|o| o.annotation())
                    {
                        let seen = exact(&note, Some(v)).unwrap_or_else(|| panic!("{note}"));
                        assert_eq!(seen.found.version, v, "{note}");
                    }
                }
            }
        }
    }
}
