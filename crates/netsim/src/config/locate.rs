//! Where in the file a byte offset is: line, column, the table it is in
//! (`link 3`, `router 2`) and the key it belongs to, for messages.

/// A place in a topology file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    /// The line, from 1.
    pub line: usize,
    /// The column (in characters), from 1.
    pub column: usize,
    /// The table: `router 2` (the second `[[router]]`), `link 3`, or
    /// empty at the top level.
    pub section: String,
    /// The key, when one is found (`mtu`, `answers.udp`).
    pub key: Option<String>,
}

/// Where `at` is in `text`; `key` overrides the key found there.
pub(super) fn locate(text: &str, at: usize, key: Option<&str>) -> Place {
    let at = floor_char_boundary(text, at.min(text.len()));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let (section, prefix, body_start) = section_at(text, at);
    // A key the caller names is a path from the node's table; one found
    // here is a path from the table holding it.
    let key = match key {
        Some(k) if k.contains('.') => Some(k.to_owned()),
        Some(k) => Some(format!("{prefix}{k}")),
        None => key_at(text, at, body_start).map(|k| format!("{prefix}{k}")),
    };
    Place {
        line,
        column,
        section,
        key,
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The table holding `at`: its name for messages, the prefix of its keys
/// (`answers.` in `[router.answers]`), and where its body starts.
fn section_at(text: &str, at: usize) -> (String, String, usize) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut current = (String::new(), String::new(), 0);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if start > at {
            break;
        }
        let end = start + line.len();
        if let Some((name, array)) = header(line) {
            if array {
                let count = if let Some((_, c)) = counts.iter_mut().find(|(n, _)| *n == name) {
                    *c += 1;
                    *c
                } else {
                    counts.push((name, 1));
                    1
                };
                current = (format!("{name} {count}"), String::new(), end);
            } else {
                let (first, rest) = name.split_once('.').unwrap_or((name, ""));
                current = match counts.iter().find(|(n, _)| *n == first) {
                    Some((_, count)) if !rest.is_empty() => {
                        (format!("{first} {count}"), format!("{rest}."), end)
                    }
                    _ => (name.to_owned(), String::new(), end),
                };
            }
        }
        start = end;
    }
    current
}

/// A table header line's name and whether it is an array of tables.
fn header(line: &str) -> Option<(&str, bool)> {
    let line = line.split('#').next()?.trim();
    let (inner, array) = if let Some(inner) = line.strip_prefix("[[") {
        (inner.strip_suffix("]]")?, true)
    } else {
        (line.strip_prefix('[')?.strip_suffix(']')?, false)
    };
    let inner = inner.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    (!inner.is_empty() && inner.chars().all(bare)).then_some((inner, array))
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// The key `at` is in, as a path through inline tables
/// (`rate_limit.linux.ratelimit`): the key itself when `at` is on one,
/// else the key whose value holds `at`. Reads the table's text from
/// `body_start`, skipping strings and comments.
fn key_at(text: &str, at: usize, body_start: usize) -> Option<String> {
    let bytes = text.as_bytes();
    // The keys of the inline tables open at `at`, and the last key seen.
    let mut path: Vec<&str> = Vec::new();
    let mut key: Option<&str> = None;
    let mut token: Option<&str> = None;
    let mut i = body_start.min(at);
    while i < at {
        match bytes[i] {
            quote @ (b'"' | b'\'') => i = string_end(bytes, i, quote),
            b'#' => i = text[i..].find('\n').map_or(text.len(), |n| i + n),
            b'=' => key = token,
            b'{' => path.extend(key),
            b'}' => key = path.pop(),
            c if is_key_char(char::from(c)) => {
                let len = text[i..]
                    .find(|c: char| !is_key_char(c))
                    .unwrap_or(text.len() - i);
                token = Some(&text[i..i + len]);
                i += len;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = &text[at..];
    let len = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
    if len > 0 && rest[len..].trim_start().starts_with('=') {
        key = Some(&rest[..len]);
    }
    path.push(key?);
    Some(path.join("."))
}

/// Where the string opened by `quote` at `start` ends (after its closing
/// quote), a basic string's escapes skipped.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 1\n\n[[router]]\nname = \"r1\"\n\n[[link]]\nbetween = [\"a\", \"b\"]\n\n[[router]]\nname = \"r2\"\nrate_limit = { burst = 1, per_second = x }\nrate_limit = { linux = { ratelimit = \"{=#\\\"\", mask = 3 } } # } {\nmpls = [{ label = 1 }, { label = 2, tc = 9 }]\n[router.answers]\nudp = 3\n";

    fn at(needle: &str) -> usize {
        TEXT.find(needle).unwrap()
    }

    #[test]
    fn sections_count_their_tables_and_keys_are_found() {
        let p = locate(TEXT, at("1\n"), None);
        assert_eq!((p.line, p.column, p.section.as_str()), (1, 8, ""));
        assert_eq!(p.key.as_deref(), Some("seed"));
        let p = locate(TEXT, at("\"b\""), None);
        assert_eq!((p.line, p.column, p.section.as_str()), (7, 17, "link 1"));
        assert_eq!(p.key.as_deref(), Some("between"));
        let p = locate(TEXT, at("x }"), None);
        assert_eq!(p.section, "router 2");
        assert_eq!(p.key.as_deref(), Some("rate_limit.per_second"));
        let p = locate(TEXT, at("#"), None);
        assert_eq!(p.key.as_deref(), Some("rate_limit.linux.ratelimit"));
        let p = locate(TEXT, at("mask"), None);
        assert_eq!(p.key.as_deref(), Some("rate_limit.linux.mask"));
        let p = locate(TEXT, at("{ label = 2"), None);
        assert_eq!(p.key.as_deref(), Some("mpls"));
        let p = locate(TEXT, at("9 }"), None);
        assert_eq!(p.key.as_deref(), Some("mpls.tc"));
        let p = locate(TEXT, at("udp"), None);
        assert_eq!(
            (p.section.as_str(), p.key.as_deref()),
            ("router 2", Some("answers.udp"))
        );
        let p = locate(TEXT, at("3\n"), Some("answers.udp"));
        assert_eq!(p.key.as_deref(), Some("answers.udp"));
    }
}
