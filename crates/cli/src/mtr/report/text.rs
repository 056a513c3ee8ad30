//! `--report` and `--report-wide`: mtr 0.95's report (`report_open`,
//! `report_close` in its `ui/report.c`, built with `HAVE_IPINFO` as the
//! mtr here is, without the AS lookups of `-z` and `-y`), then the hops'
//! verdicts.
//!
//! With `-e` ([`Layout::mpls`]), a hop's MPLS labels follow its row, one
//! line each as mtr's `print_mpls` prints them (`       [MPLS: Lbl 24001
//! TC 0 S 1 TTL 1]`), and then, our addition, its RFC 5837 interfaces
//! in the same way. Two differences from mtr 0.95, both deliberate:
//! mtr prints the bottom-of-stack flag with `%cu` (a raw byte and a `u`,
//! fixed upstream in 181a108 "fix(mpls): print stack flag without
//! suffix"), where we print `S 1`; and mtr keeps one stack per address
//! (its first answer's), printed under that address's line, so a hop
//! with one address never shows its labels (that branch is under
//! `-y`/`-z` only), where we print every distinct stack of a hop, under
//! its row, as mtr's live view does.
//!
//! mtr builds each line in a buffer: the host part `sprintf`'d first,
//! then each cell at a fixed offset (33 past the start, or right after
//! the host part when wide), each one cutting whatever the one before
//! wrote past that offset. So a name longer than 25 bytes is cut, and a
//! cell too wide for its column (` 100.0%`) loses its last character to
//! the next (`100.0     5`); in wide mode the titles start two columns
//! left of the cells. [`Line`] does the same.

use std::io::{self, Write};
use std::net::IpAddr;

use icmpkit_proto::mtr::Path;

use super::{Header, Layout, extension_lines, extra_addresses, label};
use crate::mtr::time::mtr_time;

/// Where the cells start without `--report-wide` (mtr's `len_hosts`).
const HOST_WIDTH: usize = 33;

/// A line built as mtr builds it, in bytes as C counts them.
struct Line(Vec<u8>);

impl Line {
    /// `text` padded with spaces to `width` bytes (`%-*s`).
    fn padded(prefix: &str, text: &str, width: usize) -> Self {
        let mut bytes = Vec::with_capacity(prefix.len() + width.max(text.len()));
        bytes.extend_from_slice(prefix.as_bytes());
        bytes.extend_from_slice(text.as_bytes());
        bytes.resize(prefix.len() + width.max(text.len()), b' ');
        Self(bytes)
    }

    /// Writes `text` at byte `at`, cutting what was there from `at` on.
    fn put(&mut self, at: usize, text: &str) {
        self.0.resize(at, b' ');
        self.0.extend_from_slice(text.as_bytes());
    }

    /// The cells from `start`, each `width` after the one before.
    fn cells<'a>(&mut self, start: usize, cells: impl Iterator<Item = (String, usize)> + 'a) {
        let mut at = start;
        for (text, width) in cells {
            self.put(at, &text);
            at += width;
        }
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.0)?;
        out.write_all(b"\n")
    }
}

/// mtr's first line, printed when the run starts:
/// `Start: 2026-12-04T14:04:44+0000`.
pub fn write_start(out: &mut dyn Write, header: &Header) -> io::Result<()> {
    writeln!(
        out,
        "Start: {}",
        mtr_time(header.started, header.utc_offset)
    )
}

/// mtr's table (`HOST:` line, one row per hop, with `-e` its extension
/// lines under it, then its other addresses), then, if any hop has a
/// verdict line, a blank line and ` 2. 10.0.1.2: <verdict>` for each
/// such hop (our addition).
pub fn write_table(
    out: &mut dyn Write,
    header: &Header,
    path: &Path,
    layout: &Layout<'_>,
    name: &mut dyn FnMut(IpAddr) -> Option<String>,
) -> io::Result<()> {
    let hops = path.hops();
    let labels: Vec<String> = hops
        .iter()
        .map(|h| label(h.latest_address(), layout.show_ips, name))
        .collect();
    let host_width = if layout.wide {
        labels
            .iter()
            .map(String::len)
            .chain([header.local_host.len()])
            .max()
            .unwrap_or(0)
    } else {
        HOST_WIDTH
    };
    let start = |line: &Line| {
        if layout.wide {
            line.0.len()
        } else {
            HOST_WIDTH
        }
    };

    let mut line = Line::padded("HOST: ", &header.local_host, host_width);
    let titles = layout
        .columns
        .iter()
        .map(|c| (format!("{:>w$}", c.title(), w = c.width()), c.width()));
    line.cells(start(&line), titles);
    line.write(out)?;

    for (hop, hop_label) in hops.iter().zip(&labels) {
        let mut line = Line::padded(&format!(" {:2}.|-- ", hop.ttl), hop_label, host_width);
        let cells = layout.columns.iter().map(|c| (c.cell(hop), c.width()));
        line.cells(start(&line), cells);
        line.write(out)?;
        if layout.mpls {
            for extension in extension_lines(hop) {
                writeln!(out, "       {extension}")?;
            }
        }
        for address in extra_addresses(hop) {
            let extra = label(Some(address), layout.show_ips, name);
            Line::padded("        ", &extra, host_width).write(out)?;
        }
    }

    let verdicts: Vec<String> = hops
        .iter()
        .zip(&labels)
        .flat_map(|(hop, hop_label)| {
            hop.verdict
                .line()
                .into_iter()
                .chain(hop.burst_line())
                .map(move |text| format!(" {:2}. {hop_label}: {text}", hop.ttl))
        })
        .collect();
    if !verdicts.is_empty() {
        writeln!(out)?;
        for verdict in verdicts {
            writeln!(out, "{verdict}")?;
        }
    }
    Ok(())
}
