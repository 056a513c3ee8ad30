//! mtr's table columns (its `--order` keys `LDRSNBAWVGJMXI` and the space
//! ` `), their titles, widths and cells as mtr 0.95 prints them
//! (`data_fields` in mtr's `ui/mtr.c`), plus our `F` (`Real%`). Shared by
//! the report, the CSV and the live view.
//!
//! A cell is mtr's `printf` of the field (`" %4.1f%%"`, `" %5d"`, ...): it
//! starts with a space and is as wide as its column unless the value is
//! too big for it (`100.0%` makes ` 100.0%`, one more than the 6 of
//! `Loss%`); the report lets the next cell overwrite what overflows, as
//! mtr does (see `report`).

use icmpkit_proto::mtr::{Figure, Hop};

/// One column of the hop table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// mtr's blank field ` `: one space between columns (in mtr's
    /// default order, between `Snt` and `Last`).
    Space,
    /// `Loss%` (`L`).
    Loss,
    /// `Drop` (`D`).
    Drop,
    /// `Rcv` (`R`).
    Received,
    /// `Snt` (`S`).
    Sent,
    /// A figure of [`Figure`]: `Last` (`N`), `Best` (`B`), `Avg` (`A`),
    /// `Wrst` (`W`), `StDev` (`V`), `Gmean` (`G`), `Jttr` (`J`), `Javg`
    /// (`M`), `Jmax` (`X`), `Jint` (`I`).
    Figure(Figure),
    /// Ours, not mtr's: `Real%` (`F`), the loss that persists to the end
    /// of the path from this hop on ([`Hop::real_loss`]); `-` while it is
    /// not known (no probe answered here or later yet, or not assessed).
    RealLoss,
}

/// mtr's default order, `LS NABWV`: `Loss%`, `Snt`, a space, `Last`,
/// `Avg`, `Best`, `Wrst`, `StDev`.
pub const DEFAULT: [Column; 8] = [
    Column::Loss,
    Column::Sent,
    Column::Space,
    Column::Figure(Figure::Last),
    Column::Figure(Figure::Avg),
    Column::Figure(Figure::Best),
    Column::Figure(Figure::Worst),
    Column::Figure(Figure::StDev),
];

/// mtr's jitter view (its `j` key), `DR AGJMXI`: `Drop`, `Rcv`, a space,
/// `Avg`, `Gmean`, `Jttr`, `Javg`, `Jmax`, `Jint`.
pub const JITTER: [Column; 9] = [
    Column::Drop,
    Column::Received,
    Column::Space,
    Column::Figure(Figure::Avg),
    Column::Figure(Figure::Gmean),
    Column::Figure(Figure::Jitter),
    Column::Figure(Figure::Javg),
    Column::Figure(Figure::Jmax),
    Column::Figure(Figure::Jint),
];

/// The live view's default: mtr's with the real loss (`Real%`) after
/// `Loss%`, `LFS NABWV`.
pub const LIVE: [Column; 9] = [
    Column::Loss,
    Column::RealLoss,
    Column::Sent,
    Column::Space,
    Column::Figure(Figure::Last),
    Column::Figure(Figure::Avg),
    Column::Figure(Figure::Best),
    Column::Figure(Figure::Worst),
    Column::Figure(Figure::StDev),
];

/// How mtr prints a field (its `printf` format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `" "`.
    Blank,
    /// A percentage, `" %4.1f%%"`.
    Percent,
    /// A count, `" %Nd"` with N = width - 1.
    Count,
    /// Milliseconds, `" %N.1f"` with N = width - 1.
    Millis,
}

/// Every column with its key, title, width and format, in mtr's table
/// order (`data_fields`), ours last.
const ALL: [(char, Column, &str, usize, Format); 16] = [
    (' ', Column::Space, " ", 1, Format::Blank),
    ('L', Column::Loss, "Loss%", 6, Format::Percent),
    ('D', Column::Drop, "Drop", 5, Format::Count),
    ('R', Column::Received, "Rcv", 6, Format::Count),
    ('S', Column::Sent, "Snt", 6, Format::Count),
    ('N', Column::Figure(Figure::Last), "Last", 6, Format::Millis),
    ('B', Column::Figure(Figure::Best), "Best", 6, Format::Millis),
    ('A', Column::Figure(Figure::Avg), "Avg", 6, Format::Millis),
    (
        'W',
        Column::Figure(Figure::Worst),
        "Wrst",
        6,
        Format::Millis,
    ),
    (
        'V',
        Column::Figure(Figure::StDev),
        "StDev",
        6,
        Format::Millis,
    ),
    (
        'G',
        Column::Figure(Figure::Gmean),
        "Gmean",
        6,
        Format::Millis,
    ),
    (
        'J',
        Column::Figure(Figure::Jitter),
        "Jttr",
        5,
        Format::Millis,
    ),
    ('M', Column::Figure(Figure::Javg), "Javg", 5, Format::Millis),
    ('X', Column::Figure(Figure::Jmax), "Jmax", 5, Format::Millis),
    ('I', Column::Figure(Figure::Jint), "Jint", 5, Format::Millis),
    ('F', Column::RealLoss, "Real%", 6, Format::Percent),
];

/// A column's value for a hop, before formatting.
enum Value {
    /// Nothing (the space).
    Blank,
    /// A count.
    Count(u64),
    /// A percentage or milliseconds; `None`: not known.
    Number(Option<f64>),
}

impl Column {
    fn entry(self) -> &'static (char, Column, &'static str, usize, Format) {
        // Every variant is in ALL (the test `every_column_is_in_the_table`
        // checks); the first row is a harmless fallback.
        ALL.iter().find(|e| e.1 == self).unwrap_or(&ALL[0])
    }

    /// Its `--order` key.
    pub fn key(self) -> char {
        self.entry().0
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        self.entry().2
    }

    /// Its width, right-aligned, as mtr prints it.
    pub fn width(self) -> usize {
        self.entry().3
    }

    fn value(self, hop: &Hop) -> Value {
        let s = &hop.stats;
        match self {
            Self::Space => Value::Blank,
            Self::Loss => Value::Number(Some(s.loss_percent())),
            Self::Drop => Value::Count(s.dropped()),
            Self::Received => Value::Count(s.received()),
            Self::Sent => Value::Count(s.sent()),
            // mtr shows 0.0 before the first answer.
            Self::Figure(f) => Value::Number(Some(s.figure(f).unwrap_or(0.0))),
            Self::RealLoss => Value::Number(hop.real_loss),
        }
    }

    /// Its cell for `hop` as mtr prints it: a space, then the value
    /// right-aligned in the rest of the width (`  0.0%`, `    10`,
    /// `   1.2`); longer when the value does not fit. `Real%` not known
    /// is `-`.
    pub fn cell(self, hop: &Hop) -> String {
        let digits = self.width().saturating_sub(1);
        match (self.entry().4, self.value(hop)) {
            (Format::Percent, Value::Number(Some(v))) => format!(" {v:4.1}%"),
            (Format::Millis, Value::Number(Some(v))) => format!(" {v:digits$.1}"),
            (_, Value::Count(n)) => format!(" {n:digits$}"),
            (_, Value::Number(None)) => format!(" {:>digits$}", "-"),
            (_, Value::Blank | Value::Number(Some(_))) => " ".to_owned(),
        }
    }

    /// Its field for `hop` in mtr's CSV: counts as integers, percentages
    /// and milliseconds with two decimals (`12.50`), `Real%` not known
    /// empty. The space column holds the `Drop` count: mtr 0.95 prints
    /// the number behind its blank field there, and CSV readers written
    /// for it expect a number.
    pub fn csv_field(self, hop: &Hop) -> String {
        match self.value(hop) {
            Value::Blank => hop.stats.dropped().to_string(),
            Value::Count(n) => n.to_string(),
            Value::Number(Some(v)) => format!("{v:.2}"),
            Value::Number(None) => String::new(),
        }
    }

    /// The columns of an `--order` string such as `LS NABWV`.
    pub fn parse_order(order: &str) -> Result<Vec<Self>, String> {
        order
            .chars()
            .map(|c| {
                ALL.iter()
                    .map(|e| e.1)
                    .find(|col| col.key() == c)
                    .ok_or_else(|| {
                        format!(
                            "--order {order}: unknown field '{c}' (use the keys {}, or a space)",
                            ALL.iter()
                                .map(|e| e.0)
                                .filter(|&k| k != ' ')
                                .collect::<String>()
                        )
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use icmpkit_proto::mtr::HopStats;

    use super::*;

    fn variants() -> Vec<Column> {
        let figures = Figure::ALL;
        let mut all = vec![
            Column::Space,
            Column::Loss,
            Column::Drop,
            Column::Received,
            Column::Sent,
            Column::RealLoss,
        ];
        all.extend(figures.map(Column::Figure));
        all
    }

    #[test]
    fn every_column_is_in_the_table() {
        for c in variants() {
            assert_eq!(c.entry().1, c, "{c:?}");
        }
        assert_eq!(variants().len(), ALL.len());
    }

    #[test]
    fn keys_titles_and_widths_are_mtrs() {
        let order = Column::parse_order("LDRS NBAWVGJMXIF").unwrap();
        let titles: Vec<_> = order.iter().map(|c| c.title()).collect();
        assert_eq!(
            titles,
            [
                "Loss%", "Drop", "Rcv", "Snt", " ", "Last", "Best", "Avg", "Wrst", "StDev",
                "Gmean", "Jttr", "Javg", "Jmax", "Jint", "Real%"
            ]
        );
        let widths: Vec<_> = order.iter().map(|c| c.width()).collect();
        assert_eq!(widths, [6, 5, 6, 6, 1, 6, 6, 6, 6, 6, 6, 5, 5, 5, 5, 6]);
        let keys: String = order.iter().map(|c| c.key()).collect();
        assert_eq!(keys, "LDRS NBAWVGJMXIF");
        assert_eq!(Column::parse_order("LS NABWV").unwrap(), DEFAULT);
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_keys_to_use() {
        assert_eq!(
            Column::parse_order("LZ"),
            Err("--order LZ: unknown field 'Z' (use the keys LDRSNBAWVGJMXIF, or a space)".into())
        );
    }

    fn hop(rtts: &[Option<u64>]) -> Hop {
        let mut stats = HopStats::default();
        for rtt in rtts {
            stats.record(rtt.map(Duration::from_micros));
        }
        let mut hop = blank_hop();
        hop.stats = stats;
        hop
    }

    fn blank_hop() -> Hop {
        Hop::new(1)
    }

    fn cells(hop: &Hop, order: &str) -> Vec<String> {
        Column::parse_order(order)
            .unwrap()
            .iter()
            .map(|c| c.cell(hop))
            .collect()
    }

    #[test]
    fn cells_are_mtrs_printf() {
        let h = hop(&[Some(1_500), None, Some(12_250), Some(250)]);
        assert_eq!(
            cells(&h, "LDRS NBAWVJ"),
            [
                " 25.0%", "    1", "     3", "     4", " ", "   0.2", "   0.2", "   4.7", "  12.2",
                "   6.6", " 12.0"
            ]
        );
        assert_eq!(
            h.stats.figure(Figure::Avg),
            Some(4.666),
            "mtr's integer microseconds"
        );
    }

    #[test]
    fn a_hop_without_answers_shows_full_loss_and_zero_times() {
        let h = hop(&[None, None]);
        // ` 100.0%` is one wider than its column, as in mtr.
        assert_eq!(cells(&h, "LSNF"), [" 100.0%", "     2", "   0.0", "     -"]);
        let csv: Vec<_> = Column::parse_order("LS NF")
            .unwrap()
            .iter()
            .map(|c| c.csv_field(&h))
            .collect();
        assert_eq!(csv, ["100.00", "2", "2", "0.00", ""]);
    }

    #[test]
    fn real_loss_is_formatted_like_loss() {
        let mut h = hop(&[Some(1_000), None]);
        h.real_loss = Some(12.5);
        assert_eq!(Column::RealLoss.cell(&h), " 12.5%");
        assert_eq!(Column::RealLoss.csv_field(&h), "12.50");
    }
}
