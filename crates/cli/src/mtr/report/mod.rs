//! What `icmpkit mtr` prints when it does not draw the live view, all of
//! it formatting over a [`Path`]:
//!
//! - `--report` / `--report-wide` ([`write_start`], [`write_table`]):
//!   mtr 0.95's report, byte for byte (its `report.c`), with `-e` its
//!   MPLS lines (and ours for RFC 5837 interfaces) under a hop, then our
//!   addition: when a hop has a verdict ([`HopVerdict::line`]), a blank
//!   line and one line per such hop, ` 2. 10.0.1.2: <verdict>`;
//! - `--csv` ([`write_csv`]): mtr 0.95's CSV;
//! - `--json` ([`report_json`]): one typed record of the whole path
//!   (not mtr's string-typed JSON), its schema in `crate::json_lines`;
//! - `--json-probes` ([`probe_json`]): one record per resolved probe.
//!
//! Names come from the caller (`name`: the reverse lookup of an address,
//! `None` with `-n` or when none is found), so numeric and resolved runs
//! print alike.
//!
//! [`HopVerdict::line`]: icmpkit_proto::mtr::loss::HopVerdict::line

mod csv;
mod json;
mod text;

use std::net::IpAddr;
use std::time::SystemTime;

use icmpkit_proto::mtr::Hop;
#[cfg(doc)]
use icmpkit_proto::mtr::Path;
use icmpkit_proto::trace::Extension;

pub use csv::write_csv;
pub use json::{probe_json, report_json};
pub use text::{write_start, write_table};

use super::columns::Column;
use crate::trace::render;

/// What a report says about the run besides the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// This machine's name, after `HOST:` (`icmpkit_net::host_name`).
    pub local_host: String,
    /// The target as the user named it (the CSV's `Host`, the JSON's
    /// `target`).
    pub target: String,
    /// The probes' source address.
    pub source: IpAddr,
    /// When the run started.
    pub started: SystemTime,
    /// The local time zone's offset from UTC at `started`, in seconds
    /// east (mtr prints local time: `Start: 2026-12-04T15:04:44+0100`).
    pub utc_offset: i32,
}

/// How the table of the report and the CSV is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout<'a> {
    /// The columns, in order (`columns::DEFAULT` or `--order`).
    pub columns: &'a [Column],
    /// `--report-wide`: names never cut, and in the CSV one row more per
    /// extra address of a hop (mtr's `-w`).
    pub wide: bool,
    /// `--show-ips` (mtr's `-b`): `name (address)` for a named address.
    pub show_ips: bool,
    /// `--mpls` (mtr's `-e`): the report prints a hop's MPLS labels under
    /// its row, then its RFC 5837 interfaces ([`extension_lines`]).
    pub mpls: bool,
}

/// The addresses mtr keeps per hop (`MAX_PATH`): the first this many
/// that answered are the only ones it can list.
const ADDRESSES_KEPT: usize = 8;

/// An address as mtr names it (`snprint_addr`): its name, `name
/// (address)` with `show_ips`, the address when it has no name; `???`
/// for none.
fn label(
    address: Option<IpAddr>,
    show_ips: bool,
    name: &mut dyn FnMut(IpAddr) -> Option<String>,
) -> String {
    let Some(address) = address else {
        return "???".to_owned();
    };
    match name(address) {
        Some(n) if show_ips => format!("{n} ({address})"),
        Some(n) => n,
        None => address.to_string(),
    }
}

/// The other addresses of a hop that mtr lists under its row: of the
/// first [`ADDRESSES_KEPT`] to answer, all but the latest, first seen
/// first.
fn extra_addresses(hop: &Hop) -> impl Iterator<Item = IpAddr> + '_ {
    let latest = hop.latest_address();
    hop.addresses
        .iter()
        .take(ADDRESSES_KEPT)
        .map(|s| s.address)
        .filter(move |&a| Some(a) != latest)
}

/// The lines under a hop for its extensions, as `icmpkit trace` prints
/// them ([`render::extension_lines`]), without indent: each label of its
/// MPLS stacks (`[MPLS: Lbl 24001 TC 0 S 1 TTL 1]`, mtr's line), then
/// each of its RFC 5837 interfaces (`[Incoming interface: index 2,
/// 198.51.100.7, name "eth2", MTU 1500]`), oldest first. The live view
/// shows them too.
pub fn extension_lines(hop: &Hop) -> impl Iterator<Item = String> + '_ {
    let mpls = hop
        .mpls
        .iter()
        .flat_map(|stack| render::extension_lines(&Extension::Mpls(stack.clone())));
    let interfaces = hop.interfaces.iter().flat_map(render::extension_lines);
    mpls.chain(interfaces)
}

#[cfg(test)]
mod tests;
