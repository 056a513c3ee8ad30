//! Why a configuration could not be read, and where.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::locate::path_at;

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (in the message, so not also a `source()`: an error chain
        /// would print it twice).
        error: io::Error,
    },
    /// The file is not a configuration: where and why.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A target given on the command line ([`super::quick`]) is not one.
    #[error("target {target:?}: {message}")]
    Target {
        /// The argument as given.
        target: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ConfigError {
    /// Where the mistake is, for [`ConfigError::Invalid`].
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Invalid { at, .. } => Some(at),
            Self::Read { .. } | Self::Target { .. } => None,
        }
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> String {
        match self {
            Self::Read { error, .. } => error.to_string(),
            Self::Invalid { message, .. } | Self::Target { message, .. } => message.clone(),
        }
    }
}

/// A place in a configuration, as
/// ``monitor.toml:14:8: target "gw", key `host` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file's name (or what [`super::parse`] was told to call the
    /// text).
    pub origin: String,
    /// The line, from 1.
    pub line: usize,
    /// The column (in characters), from 1.
    pub column: usize,
    /// The table: `target "gw"` (an entry of an array of tables, by its
    /// name), `alert 2` (the second `[[alert]]`, when it has no name),
    /// `history`, `defaults`, or empty at the top level.
    pub section: String,
    /// The key, when the mistake is about one: `host`, `labels.site`,
    /// `levels[2].step` (entries of a list counted from 1).
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)?;
        match (self.section.is_empty(), &self.key) {
            (true, None) => Ok(()),
            (true, Some(key)) => write!(f, ": key `{key}`"),
            (false, None) => write!(f, ": {}", self.section),
            (false, Some(key)) => write!(f, ": {}, key `{key}`", self.section),
        }
    }
}

/// The text being read, to turn byte offsets into [`Location`]s.
#[derive(Debug, Clone, Copy)]
pub(super) struct Source<'a> {
    pub text: &'a str,
    pub origin: &'a str,
}

impl Source<'_> {
    /// An error at byte `at`, in `section` (as [`Location::section`]),
    /// about `key`.
    pub(super) fn error(
        &self,
        at: usize,
        section: impl Into<String>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = line_column(self.text, at);
        ConfigError::Invalid {
            at: Location {
                origin: self.origin.to_owned(),
                line,
                column,
                section: section.into(),
                key: key.map(str::to_owned),
            },
            message: message.into(),
        }
    }

    /// The line (from 1) of byte `at`.
    pub(super) fn line_of(&self, at: usize) -> usize {
        line_column(self.text, at).0
    }

    /// An error of the TOML reader: a syntax error (no table or key to
    /// name: the text around is not a valid table) or a serde error, its
    /// table and key found in the text, its wording made about keys and
    /// values rather than fields and variants.
    pub(super) fn toml_error(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim_end();
        match toml::de::DeTable::parse(self.text) {
            Err(_) if message == "duplicate key" => self.error(
                span.start,
                "",
                None,
                "duplicate key: a table gives each key once; remove one",
            ),
            Err(_) => self.error(span.start, "", None, message),
            Ok(root) => {
                let found = path_at(root.get_ref(), span.start);
                let missing = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next());
                let key = match (missing, found.key) {
                    (Some(missing), Some(table)) => Some(format!("{table}.{missing}")),
                    (Some(missing), None) => Some(missing.to_owned()),
                    (None, key) => key,
                };
                self.error(span.start, found.section, key.as_deref(), reword(message))
            }
        }
    }
}

/// The line and column (both from 1, the column in characters) of byte
/// `at` of `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// serde's words for a mistake made into the file's: keys and values, the
/// valid ones listed, a near miss suggested.
fn reword(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("missing key `{key}`: add {key} = ... to the table");
    }
    for (serde_word, word, verb) in [
        ("unknown field `", "key", "valid keys are"),
        ("unknown variant `", "value", "write"),
    ] {
        let Some(rest) = message.strip_prefix(serde_word) else {
            continue;
        };
        let Some((given, expected)) = rest.split_once("`, expected ") else {
            continue;
        };
        let choices: Vec<&str> = expected
            .trim_start_matches("one of ")
            .split([',', ' '])
            .filter_map(|s| s.strip_prefix('`').and_then(|s| s.strip_suffix('`')))
            .collect();
        let hint = near_miss(given, choices.iter().copied())
            .map(|c| format!(" did you mean `{c}`?"))
            .unwrap_or_default();
        let list = choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>();
        return format!(
            "unknown {word} `{given}`:{hint} {verb} {}",
            join_or(&list, if word == "key" { "and" } else { "or" })
        );
    }
    let message = message
        .replace("expected i64", "expected a whole number")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected a table");

    // "invalid type: string "x", expected ...": say what to write.
    match message.strip_prefix("invalid type: ") {
        Some(rest) => match rest.split_once(", expected ") {
            Some((found, expected)) => {
                let fix = if expected == "a string" {
                    "write it in quotes".to_owned()
                } else if found.starts_with("string") && expected.contains("number") {
                    "write it without quotes".to_owned()
                } else if expected == "a list" {
                    "write a list, as [\"a\", \"b\"]".to_owned()
                } else if expected == "a table" {
                    "write a table, as { name = \"value\" }".to_owned()
                } else {
                    format!("write {expected}")
                };
                format!("{found} is not {expected}: {fix}")
            }
            None => format!("wrong type: {rest}"),
        },
        None => message,
    }
}

/// `a, b and c`.
pub(super) fn join_or(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// The choice closest to `given`, when it is close enough to be a typo:
/// at most one edit for short words, two for longer ones.
pub(super) fn near_miss<'c>(
    given: &str,
    choices: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = if given.chars().count() <= 4 { 1 } else { 2 };
    choices
        .into_iter()
        .map(|c| (edit_distance(given, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, in characters (case-insensitive).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
