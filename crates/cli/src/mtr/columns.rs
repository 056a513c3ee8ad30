//! mtr's table columns (its `--order` keys `LDRSNBAWVGJMXI`), their titles
//! and widths as mtr prints them, and the cell of each for a hop. Shared
//! by the report, the CSV and the live view.

use icmpkit_proto::mtr::{Figure, Hop};

/// One column of the hop table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
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
}

/// mtr's default order: `LS NABWV` (`Loss% Snt Last Avg Best Wrst StDev`).
pub const DEFAULT: [Column; 7] = [
    Column::Loss,
    Column::Sent,
    Column::Figure(Figure::Last),
    Column::Figure(Figure::Avg),
    Column::Figure(Figure::Best),
    Column::Figure(Figure::Worst),
    Column::Figure(Figure::StDev),
];

/// Every column with its key, title and width, in mtr's table order.
const ALL: [(char, Column, &str, usize); 14] = [
    ('L', Column::Loss, "Loss%", 6),
    ('D', Column::Drop, "Drop", 5),
    ('R', Column::Received, "Rcv", 5),
    ('S', Column::Sent, "Snt", 5),
    ('N', Column::Figure(Figure::Last), "Last", 6),
    ('B', Column::Figure(Figure::Best), "Best", 6),
    ('A', Column::Figure(Figure::Avg), "Avg", 6),
    ('W', Column::Figure(Figure::Worst), "Wrst", 6),
    ('V', Column::Figure(Figure::StDev), "StDev", 6),
    ('G', Column::Figure(Figure::Gmean), "Gmean", 6),
    ('J', Column::Figure(Figure::Jitter), "Jttr", 5),
    ('M', Column::Figure(Figure::Javg), "Javg", 5),
    ('X', Column::Figure(Figure::Jmax), "Jmax", 5),
    ('I', Column::Figure(Figure::Jint), "Jint", 5),
];

impl Column {
    fn entry(self) -> &'static (char, Column, &'static str, usize) {
        ALL.iter()
            .find(|e| e.1 == self)
            .expect("every column is in the table")
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

    /// Its value for `hop`, unpadded (`Loss%` as `12.5%`, figures in ms with
    /// one decimal; a figure before the first answer as `0.0`, as mtr).
    pub fn cell(self, hop: &Hop) -> String {
        let s = &hop.stats;
        match self {
            Self::Loss => format!("{:.1}%", s.loss_percent()),
            Self::Drop => s.dropped().to_string(),
            Self::Received => s.received().to_string(),
            Self::Sent => s.sent().to_string(),
            Self::Figure(f) => format!("{:.1}", s.figure(f).unwrap_or(0.0)),
        }
    }

    /// The columns of an `--order` string such as `LSNABWV`.
    pub fn parse_order(order: &str) -> Result<Vec<Self>, String> {
        order
            .chars()
            .map(|c| {
                ALL.iter().find(|e| e.0 == c).map(|e| e.1).ok_or_else(|| {
                    format!(
                        "--order {order}: unknown field '{c}' (use the keys {})",
                        ALL.iter().map(|e| e.0).collect::<String>()
                    )
                })
            })
            .collect()
    }
}
