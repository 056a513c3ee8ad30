use super::*;

use serde_json::json;

/// A name as a hostile router would send it: window title, clear screen,
/// a forged line, C1 CSI, a right-to-left override, a backslash.
const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\r\nfake\u{9b}1m\u{202e}ab\\\u{7f}";

#[test]
fn ordinary_names_are_borrowed_unchanged() {
    for name in ["eth0", "ge-0/0/1.100", "Ethernet1/1 (uplink)", "网口", ""] {
        assert!(
            matches!(text(name), Cow::Borrowed(n) if n == name),
            "{name}"
        );
    }
    assert_eq!(quoted("eth0"), "\"eth0\"");
}

#[test]
fn controls_and_bidi_overrides_are_written_as_escapes() {
    assert_eq!(
        text(HOSTILE),
        "\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0afake\\u{9b}1m\\u{202e}ab\\\\\\x7f"
    );
    assert_eq!(quoted("a\"b\tc"), "\"a\\\"b\\x09c\"");
    for c in [
        '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{2066}', '\u{2069}',
    ] {
        assert_eq!(text(&c.to_string()), format!("\\u{{{:x}}}", u32::from(c)));
    }
    // Not formatting characters: kept.
    assert_eq!(text("\u{2070}\u{2065}\u{202f}"), "\u{2070}\u{2065}\u{202f}");
}

#[test]
fn json_keeps_the_value_and_no_byte_below_0x20_dels_or_c1_reach_the_output() {
    let value = json!({"name": HOSTILE, "plain": "ok", "list": [HOSTILE]});
    let mut out = Vec::new();
    write_json(&mut out, &value).unwrap();
    let written = String::from_utf8(out).unwrap();
    assert!(written.bytes().all(|b| b >= 0x20 && b != 0x7f), "{written}");
    assert!(
        !written.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{written}"
    );
    assert!(
        written.contains("\\u009b1m\\u202eab\\\\\\u007f"),
        "{written}"
    );
    let back: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(back, value);
    // Without anything to escape it is serde_json's own compact text.
    let plain = json!({"type": "reply", "rtt_ms": 1.5, "from": "10.0.0.1"});
    let mut out = Vec::new();
    write_json(&mut out, &plain).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), plain.to_string());
}
