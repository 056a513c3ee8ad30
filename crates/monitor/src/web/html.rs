//! HTML and SVG text: escaping, URL segments, the page frame and its
//! style sheet (inline: the pages work offline and need nothing else).

use std::fmt::Write as _;

/// `text` safe in HTML and SVG text and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` percent-encoded as one URL path segment or query value (every
/// byte but RFC 3986's unreserved characters): a target name with a `/`
/// stays one segment.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The path of `name`'s page.
pub fn target_href(name: &str) -> String {
    format!("/target/{}", encode(name))
}

const STYLE: &str = r"
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:14px;margin:0;background:#f2f2f2;color:#222}
header{background:#2c3e50;color:#fff;padding:10px 20px;display:flex;align-items:baseline;gap:18px}
header a{color:#fff;text-decoration:none;font-weight:bold;font-size:17px}
header span{color:#c8d3dc;font-size:13px}
main{padding:16px 20px;max-width:1100px}
h1{font-size:20px;margin:4px 0 12px}
h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:5px 10px;text-align:left;border-bottom:1px solid #e6e6e6;white-space:nowrap}
th{background:#e9edf0;font-weight:600}
th a{color:#222;text-decoration:none}
th a:hover{text-decoration:underline}
tr:hover td{background:#f7fbff}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:#1a5fb4}
.pill{display:inline-block;min-width:58px;text-align:center;border-radius:9px;padding:1px 8px;font-size:12px;font-weight:600;color:#fff}
.up{background:#2e9e44}.down{background:#c01c28}.unknown{background:#888}.problem{background:#e66100}
.firing{background:#c01c28}.resolved{background:#2e9e44}
.swatch{display:inline-block;width:12px;height:12px;border:1px solid #555;vertical-align:middle;margin-right:4px}
form.filter{margin:0 0 12px;display:flex;gap:8px;align-items:center}
form.filter input,form.filter select{font:inherit;padding:3px 6px}
.muted{color:#777}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:8px 12px;margin:8px 0}
.graph{background:#fff;margin:0 0 14px;padding:6px;box-shadow:0 1px 2px rgba(0,0,0,.08);display:inline-block}
.ranges a,.ranges b{margin-right:12px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:3px 14px;margin:0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
code{font-family:'DejaVu Sans Mono',monospace;font-size:13px}
";

/// A whole page: `title` and `body` (already HTML), under the header
/// naming `agent`.
pub fn page(title: &str, agent: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} — icmpkit monitor</title><style>{STYLE}</style></head><body>\
         <header><a href=\"/\">icmpkit monitor</a><span>agent {a}</span></header>\
         <main>{body}</main></body></html>\n",
        t = escape(title),
        a = escape(agent),
    )
}

/// A status pill.
pub fn pill(class: &str, text: &str) -> String {
    format!(
        "<span class=\"pill {}\">{}</span>",
        escape(class),
        escape(text)
    )
}

#[cfg(test)]
mod tests;
