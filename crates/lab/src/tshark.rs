//! What `icmpkit decode --json` and tshark say of a capture, side by side:
//! tshark's `-T fields` output as [`Row`]s keyed by field name
//! ([`fields`]), and, with feature `json`, our JSON records
//! ([`decode_json`]). Both reduce to a [`Verdict`] per frame.
//!
//! ```ignore
//! use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS};
//! let theirs: BTreeMap<u64, Verdict> = tshark::fields(&file, ICMP, &VERDICT_FIELDS)
//!     .iter()
//!     .map(|row| (row.frame(), row.verdict()))
//!     .collect();
//! ```
//!
//! Whether tshark is installed is the caller's to ask
//! ([`require::program`](crate::require::program)) before calling
//! [`fields`].

use std::collections::BTreeMap;
use std::path::Path;

use crate::peers::bounded;
use crate::text;

/// The display filter of the frames with an ICMP or ICMPv6 message.
pub const ICMP: &str = "icmp or icmpv6";

/// (type, code, checksum status as tshark numbers it: 1 good, 0 bad,
/// 2 unverified) of one ICMP or ICMPv6 message.
pub type Verdict = (u8, u8, u8);

/// The fields [`Row::frame`] and [`Row::verdict`] read.
pub const VERDICT_FIELDS: [&str; 7] = [
    "frame.number",
    "icmp.type",
    "icmp.code",
    "icmp.checksum.status",
    "icmpv6.type",
    "icmpv6.code",
    "icmpv6.checksum.status",
];

/// One frame of tshark's `-T fields` output: every occurrence of each
/// field asked for, by field name, in the order tshark dissected them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(BTreeMap<String, Vec<String>>);

impl Row {
    /// Every occurrence of `field` (none: empty); `field` must be one
    /// [`fields`] was asked for.
    pub fn all(&self, field: &str) -> &[String] {
        self.0
            .get(field)
            .unwrap_or_else(|| panic!("tshark was not asked for {field}"))
    }

    /// The first occurrence of `field`, or `""` when it has none.
    pub fn first(&self, field: &str) -> &str {
        self.all(field).first().map_or("", String::as_str)
    }

    /// The frame number (`frame.number`).
    pub fn frame(&self) -> u64 {
        self.first("frame.number").parse().expect("frame number")
    }

    /// The first ICMP message's verdict ([`VERDICT_FIELDS`]): ICMP's when
    /// the frame has one, otherwise ICMPv6's. A checksum tshark did not
    /// check is 2 (unverified).
    pub fn verdict(&self) -> Verdict {
        let proto = if self.first("icmp.type").is_empty() {
            "icmpv6"
        } else {
            "icmp"
        };
        let field = |name: &str| self.first(&format!("{proto}.{name}"));
        (
            field("type").parse().expect("type"),
            field("code").parse().expect("code"),
            field("checksum.status").parse().unwrap_or(2),
        )
    }
}

/// Runs `tshark -n -r FILE -Y FILTER -T fields -e FIELD...` (every
/// occurrence of each field, bounded to 60 seconds) and returns one
/// [`Row`] per frame that passes `filter`, in frame order.
pub fn fields(file: &Path, filter: &str, fields: &[&str]) -> Vec<Row> {
    fields_with(file, filter, fields, &[])
}

/// [`fields`], with more tshark options before `-r` (`-2`: two passes, so
/// that a request knows its reply, `icmp.resp_in`).
pub fn fields_with(file: &Path, filter: &str, fields: &[&str], options: &[&str]) -> Vec<Row> {
    let mut command = bounded(60, "tshark");
    command.args(options);
    command.args(["-n", "-r"]).arg(file);
    command.args(["-Y", filter, "-T", "fields"]);
    // Values hold `,` and `:` (addresses, frame.protocols), never a tab or `|`.
    command.args(["-E", "occurrence=a", "-E", "separator=\t"]);
    command.args(["-E", "aggregator=|"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().expect("run tshark");
    assert!(
        output.status.success(),
        "tshark failed on {}: {}",
        file.display(),
        text(&output.stderr)
    );
    text(&output.stdout)
        .lines()
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(columns.len(), fields.len(), "{}: {line}", file.display());
            let occurrences = |column: &str| -> Vec<String> {
                if column.is_empty() {
                    Vec::new()
                } else {
                    column.split('|').map(str::to_owned).collect()
                }
            };
            Row(fields
                .iter()
                .zip(columns)
                .map(|(field, column)| ((*field).to_owned(), occurrences(column)))
                .collect())
        })
        .collect()
}

/// Runs `icmpkit decode --json FILE`, `icmpkit` being the binary under
/// test ([`icmpkit!`](crate::icmpkit)), asserts that it succeeds, and
/// returns its records, one a line: packets, then the summary.
#[cfg(feature = "json")]
pub fn decode_json(icmpkit: &str, file: &Path) -> Vec<serde_json::Value> {
    let output = std::process::Command::new(icmpkit)
        .args(["decode", "--json"])
        .arg(file)
        .output()
        .expect("run icmpkit");
    assert!(
        output.status.success(),
        "{}: {}",
        file.display(),
        text(&output.stderr)
    );
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// The verdict of one packet record of [`decode_json`], numbered as
/// tshark numbers it (`checksum_valid` true 1, false 0, null 2).
#[cfg(feature = "json")]
pub fn verdict(packet: &serde_json::Value) -> Verdict {
    let n = |k: &str| u8::try_from(packet[k].as_u64().expect(k)).expect(k);
    let status = match packet["checksum_valid"].as_bool() {
        Some(true) => 1,
        Some(false) => 0,
        None => 2,
    };
    (n("icmp_type"), n("icmp_code"), status)
}
