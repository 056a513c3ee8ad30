//! Why a topology file could not be read, and where.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::locate::{Place, locate};

/// Why a topology file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not a topology: where and why.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ConfigError {
    /// Where the mistake is, for [`ConfigError::Invalid`].
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid { at, .. } => Some(at),
        }
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> String {
        match self {
            Self::Read { source, .. } => source.to_string(),
            Self::Invalid { message, .. } => message.clone(),
        }
    }
}

/// A place in a topology file: `chain.toml:14:7: link 3, mtu`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, when read by [`super::load`].
    pub file: Option<PathBuf>,
    /// The line, from 1.
    pub line: usize,
    /// The column (in characters), from 1.
    pub column: usize,
    /// The table: `router 2` (the second `[[router]]` table), `link 3`,
    /// or empty for the top level.
    pub section: String,
    /// The key, when known (`mtu`, `answers.udp`).
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}:{}", file.display(), self.line, self.column)?,
            None => write!(f, "line {}, column {}", self.line, self.column)?,
        }
        match (self.section.is_empty(), &self.key) {
            (true, None) => Ok(()),
            (true, Some(key)) => write!(f, ": {key}"),
            (false, None) => write!(f, ": {}", self.section),
            (false, Some(key)) => write!(f, ": {}, {key}", self.section),
        }
    }
}

/// The text being read, to turn spans into [`Location`]s.
#[derive(Debug, Clone, Copy)]
pub(super) struct Source<'a> {
    pub text: &'a str,
    pub file: Option<&'a Path>,
}

impl Source<'_> {
    /// An error at `span`, about `key` (found from the text when `None`;
    /// `Some("")`: about the whole table, no key).
    pub(super) fn error(
        &self,
        span: &Range<usize>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ConfigError {
        let Place {
            line,
            column,
            section,
            key,
        } = locate(self.text, span.start, key);
        let key = key.filter(|k| !k.is_empty());
        ConfigError::Invalid {
            at: Location {
                file: self.file.map(Path::to_path_buf),
                line,
                column,
                section,
                key,
            },
            message: message.into(),
        }
    }

    /// A TOML syntax error: where, without a table or key (the text
    /// around is not a valid table).
    pub(super) fn syntax_error(&self, error: &toml::de::Error) -> ConfigError {
        let mut e = self.error(
            &error.span().unwrap_or(0..0),
            Some(""),
            error.message().trim_end(),
        );
        if let ConfigError::Invalid { at, .. } = &mut e {
            at.section.clear();
        }
        e
    }

    /// A serde error, its wording made about keys and values rather than
    /// fields and variants. A missing key is located at its table; an
    /// unknown one at itself (its path found there).
    pub(super) fn serde_error(&self, error: &toml::de::Error) -> ConfigError {
        let message = error.message().trim_end();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let text = if let Some(key) = missing {
            format!("missing key `{key}`: add {key} = ... to the table")
        } else {
            let message = message
                .replace("unknown field", "unknown key")
                .replace("unknown variant", "unknown value");
            match message.split_once(", expected ") {
                Some((head, keys)) if head.starts_with("unknown key") => {
                    let keys = match keys.strip_prefix("one of ") {
                        Some(list) => list.to_owned(),
                        None => keys.replacen(" or ", " and ", 1),
                    };
                    format!("{head}: valid keys are {keys}")
                }
                Some((head, values)) if head.starts_with("unknown value") => {
                    format!("{head}: write {values}")
                }
                _ => message.replace(
                    ", expected a sequence",
                    ": write a list, as [\"r1\", \"r2\"]",
                ),
            }
        };
        self.error(&error.span().unwrap_or(0..0), missing, text)
    }
}
