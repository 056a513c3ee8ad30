//! `--csv`: mtr 0.95's CSV (`csv_close` in its `ui/report.c`).
//!
//! A header, then one row per hop:
//!
//! ```text
//! Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,Last,Avg,Best,Wrst,StDev,
//! icmpkit.0.1.0,1796393106,OK,example.net,1,10.0.0.254,0.00,10,0,0.41,0.45,0.38,0.57,0.05
//! ```
//!
//! As mtr: each title is followed by a comma (so the header ends with
//! one), the blank column's title is a space and its field is the `Drop`
//! count, percentages and milliseconds have two decimals, `Host` is the
//! target as named, and with `--report-wide` each other address of a hop
//! gets a row of its own with the hop's figures. Where we differ:
//! `Mtr_Version` names icmpkit and its version, and `Start_Time` is when
//! the run started (mtr writes the time it ended there).

use std::io::{self, Write};
use std::net::IpAddr;

use icmpkit_proto::mtr::{Hop, Path};

use super::{Header, Layout, extra_addresses, label};
use crate::mtr::time::unix_seconds;

/// The `Mtr_Version` field.
const VERSION: &str = concat!("icmpkit.", env!("CARGO_PKG_VERSION"));

/// The path as mtr's CSV (nothing at all for a path without hops, as
/// mtr).
pub fn write_csv(
    out: &mut dyn Write,
    header: &Header,
    path: &Path,
    layout: &Layout<'_>,
    name: &mut dyn FnMut(IpAddr) -> Option<String>,
) -> io::Result<()> {
    let hops = path.hops();
    if hops.is_empty() {
        return Ok(());
    }
    let mut titles = String::from("Mtr_Version,Start_Time,Status,Host,Hop,Ip,");
    for column in layout.columns {
        titles.push_str(column.title());
        titles.push(',');
    }
    writeln!(out, "{titles}")?;
    let started = unix_seconds(header.started);
    let row = |out: &mut dyn Write, hop: &Hop, ip: &str| {
        write!(
            out,
            "{VERSION},{started},OK,{},{},{ip}",
            header.target, hop.ttl
        )?;
        for column in layout.columns {
            write!(out, ",{}", column.csv_field(hop))?;
        }
        writeln!(out)
    };
    for hop in hops {
        row(
            out,
            hop,
            &label(hop.latest_address(), layout.show_ips, name),
        )?;
        if layout.wide {
            for address in extra_addresses(hop) {
                row(out, hop, &label(Some(address), layout.show_ips, name))?;
            }
        }
    }
    Ok(())
}
