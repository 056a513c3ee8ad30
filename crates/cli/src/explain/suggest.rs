//! What to say about a name nothing matches: the names it is a few typing
//! errors away from (an edit distance over every name, alias and string a
//! tool prints), or nothing rather than names that only share a letter.

use std::fmt::Write as _;

use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning;

use super::seen;

/// At most this many suggestions.
const MOST: usize = 6;

/// Names longer than this get no suggestions.
const LONGEST: usize = 64;

/// The error for a name nothing matches, with suggestions when some name
/// is close.
pub(super) fn unknown_name(name: &str) -> String {
    let name = name.trim();
    if name.starts_with('!') {
        return format!(
            "traceroute prints no '{name}': its annotations are !N, !H, !P, !S, !F-MTU, !X, !V, \
             !C and !<CODE> (Linux), and also !U, !W, !I, !A, !Z, !Q, !T (BSD)"
        );
    }
    let mut msg = format!("no ICMP type or code is called '{name}'");
    let suggestions = close_names(name);
    if suggestions.is_empty() {
        msg.push_str(
            ": give a type number (`icmpkit explain 3 4`) or a name such as frag-needed, \
             port-unreachable, packet-too-big, echo-request",
        );
    } else {
        let shown: Vec<String> = suggestions
            .iter()
            .map(|s| {
                if s.contains(' ') {
                    format!("'{s}'")
                } else {
                    s.clone()
                }
            })
            .collect();
        let _ = write!(msg, ": did you mean {}?", shown.join(", "));
    }
    msg
}

/// Lower case letters and digits only.
fn flat(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every name `explain` reads, in table order: aliases first (they are
/// what one types), then IANA and short names, then tools' strings.
fn candidates() -> Vec<String> {
    let mut aliases: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for version in [IpVersion::V4, IpVersion::V6] {
        for info in meaning::types(version) {
            aliases.extend(info.aliases.iter().map(|a| (*a).to_owned()));
            names.extend([info.name.to_owned(), info.short.to_owned()]);
            for c in info.codes {
                aliases.extend(c.aliases.iter().map(|a| (*a).to_owned()));
                names.extend([c.name.to_owned(), c.short.to_owned()]);
            }
        }
    }
    let tools = seen::known_strings()
        .into_iter()
        .filter(|s| !s.starts_with('!'));
    aliases.into_iter().chain(names).chain(tools).collect()
}

/// The names within a few edits of `name` (about one in four of its
/// letters), containing it whole when it is at least five letters long, or
/// having it as a word (`ttl` in `ttl-exceeded`); only the closest (a near
/// miss hides those a letter further). Under four letters only whole
/// words count, under three nothing: any short name is a letter or two
/// from too many others.
fn close_names(name: &str) -> Vec<String> {
    let wanted = flat(name);
    // No name is longer than this; the distance costs the product of
    // the two lengths, so a pasted screenful gets no suggestion.
    if wanted.len() < 3 || wanted.len() > LONGEST {
        return Vec::new();
    }
    let limit = if wanted.len() < 4 {
        0
    } else {
        (wanted.len() / 4).max(1)
    };
    let mut scored: Vec<(usize, usize, String)> = Vec::new();
    for (order, candidate) in candidates().into_iter().enumerate() {
        let key = flat(&candidate);
        let a_word = candidate
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case(&wanted));
        let distance = if a_word || (wanted.len() >= 5 && key.contains(&wanted)) {
            0
        } else {
            strsim::damerau_levenshtein(&wanted, &key)
        };
        if limit == 0 && distance > 0 {
            continue;
        }
        if distance <= limit
            && !scored
                .iter()
                .any(|(_, _, s)| flat(s) == key || s.eq_ignore_ascii_case(&candidate))
        {
            scored.push((distance, order, candidate));
        }
    }
    scored.sort();
    let best = scored.first().map_or(0, |(d, _, _)| *d);
    scored
        .into_iter()
        .take_while(|(d, _, _)| *d == best)
        .take(MOST)
        .map(|(_, _, s)| s)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_errors_find_the_name() {
        assert_eq!(close_names("frag-neded")[0], "frag-needed");
        assert_eq!(close_names("port-unreachble")[0], "port-unreachable");
        assert_eq!(close_names("pakcet-too-big")[0], "packet-too-big");
        assert_eq!(
            close_names("Destination Host Unreachabel")[0],
            "Destination Host Unreachable"
        );
        assert!(
            close_names("prohibit")
                .iter()
                .any(|s| s == "admin-prohibited")
        );
    }

    #[test]
    fn nothing_rather_than_junk() {
        assert!(close_names("x").is_empty());
        assert!(close_names("tt").is_empty());
        assert!(close_names("ttx").is_empty());
        assert!(close_names("zzzz").is_empty());
        assert!(close_names("nonsense-name").is_empty());
        assert!(unknown_name("!Y").starts_with("traceroute prints no '!Y': its annotations are"));
    }
}
