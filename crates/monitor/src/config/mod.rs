//! The configuration file (TOML), read and checked.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::alert::rule::{Receiver, Rule};
use crate::history::retention::Retention;
use crate::target::Targets;

/// A checked configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The `agent` label of every series (default: the host name).
    pub agent: String,
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Where the history lives (a directory).
    pub data_dir: PathBuf,
    /// How long history is kept.
    pub retention: Retention,
    /// What is monitored.
    pub targets: Targets,
    /// Alert rules.
    pub alerts: Vec<Rule>,
    /// Where alerts go.
    pub receivers: Vec<Receiver>,
}
