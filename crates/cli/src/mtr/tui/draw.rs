//! A frame, drawn from a [`View`] alone: mtr's curses layout (a header,
//! ` Host` and the column titles, a row per hop with its extra lines),
//! clipped to any size.

use std::fmt::Write as _;

use icmpkit_proto::mtr::{HISTORY, Hop, Slot};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::keys::HELP;
use super::view::{Display, View, clock};
use crate::mtr::columns::Column;
use crate::mtr::report::extension_lines;

/// Below this height the header keeps only the host line and the titles.
const COMPACT_BELOW: u16 = 10;

/// The width the strip mode gives the hop's name (mtr: 30 columns less
/// the two of the gap).
const STRIP_HOST: usize = 28;

/// The strip's levels, fastest first: a character and its colour each.
/// A probe in level `i` took at most `low + (high - low) * ((i+1)/10)²`
/// (the scale is finer at the fast end, where most probes are).
const LEVELS: [(char, Color); 10] = [
    ('.', Color::Green),
    ('1', Color::Green),
    ('2', Color::Green),
    ('3', Color::Yellow),
    ('4', Color::Yellow),
    ('5', Color::Magenta),
    ('a', Color::Red),
    ('b', Color::Red),
    ('c', Color::Red),
    ('>', Color::Red),
];

/// The character of an unanswered probe in the strip.
const LOST: char = '?';

/// Draws `view` over the whole frame.
pub fn draw(frame: &mut Frame, view: &View) {
    let area = frame.area();
    let width = usize::from(area.width);
    let compact = area.height < COMPACT_BELOW;
    let scale = Scale::of(view, strip_columns(width));

    let mut header = Vec::new();
    if !compact {
        header.push(Line::from(Span::styled(
            centered("My traceroute [icmpkit]", width),
            bold(),
        )));
    }
    header.push(route_line(view, width));
    if !compact {
        header.push(keys_line(view));
    }
    let (body, titles) = match view.display {
        Display::Table => {
            let columns = view.columns();
            if !compact {
                header.push(Line::from(Span::styled(groups(columns, width), bold())));
            }
            (table(view, columns, width), table_titles(columns, width))
        }
        Display::Strip => {
            if !compact {
                header.push(Line::default());
            }
            let cols = strip_columns(width);
            let title = format!("{} Last {cols:3} rounds", fit(" Host", STRIP_HOST));
            (strip(view, &scale, cols), title)
        }
    };
    header.push(Line::from(Span::styled(titles, bold())));

    let mut footer = Vec::new();
    if view.display == Display::Strip {
        footer.push(scale.legend());
    }
    footer.push(status_line(view));

    // The footer stays at the bottom; the hops get the rows between.
    let room = usize::from(area.height).saturating_sub(header.len() + footer.len());
    let mut lines = header;
    let shown = body.len().min(room);
    lines.extend(body.into_iter().take(room));
    lines.extend(std::iter::repeat_n(Line::default(), room - shown));
    lines.extend(footer);
    frame.render_widget(Paragraph::new(lines), area);

    if view.help {
        help(frame, area);
    }
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

/// `text` cut or padded with spaces to exactly `width` characters.
fn fit(text: &str, width: usize) -> String {
    format!("{text:<width$.width$}")
}

/// `text` in the middle of `width` columns (or cut, if wider).
fn centered(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(text.chars().count()) / 2;
    format!("{:pad$}{text}", "")
}

/// `left` and `right` at both ends of `width` columns; `right` is left out
/// when both do not fit.
fn both_ends(left: &str, right: &str, width: usize) -> String {
    let (l, r) = (left.chars().count(), right.chars().count());
    if l + 1 + r > width {
        left.to_owned()
    } else {
        format!("{left}{:gap$}{right}", "", gap = width - l - r)
    }
}

/// `local -> target (address)`, and the time at the right.
fn route_line(view: &View, width: usize) -> Line<'static> {
    let s = &view.session;
    let destination = s.destination.to_string();
    let route = if s.target == destination {
        format!("{} -> {destination}", s.local_host)
    } else {
        format!("{} -> {} ({destination})", s.local_host, s.target)
    };
    Line::from(both_ends(&route, &clock(view, view.now), width))
}

/// `Keys:` with the key letters in bold, as mtr's.
fn keys_line(view: &View) -> Line<'static> {
    let mut spans = vec![Span::raw("Keys:  ")];
    let pause = if view.paused { "resume" } else { "pause" };
    for (key, rest) in [
        ("?", " help   "),
        ("p", &*format!(" {pause}   ")),
        ("d", " display   "),
        ("n", " names   "),
        ("b", " burst check   "),
        ("r", " reset   "),
        ("q", " quit"),
    ] {
        spans.push(Span::styled(key.to_owned(), bold()));
        spans.push(Span::raw(rest.to_owned()));
    }
    Line::from(spans)
}

/// The stats part of a table row: each cell right-aligned to its width.
fn cells(columns: &[Column], cell: impl Fn(Column) -> String) -> String {
    columns.iter().fold(String::new(), |mut row, &c| {
        let _ = write!(row, "{:>w$}", cell(c), w = c.width());
        row
    })
}

/// The width of the host part of a table row: what the columns leave, and
/// at least enough for an address's first characters.
fn host_width(columns: &[Column], width: usize) -> usize {
    let stats: usize = columns.iter().map(|c| c.width()).sum();
    width.saturating_sub(stats + 1).max(12)
}

/// mtr's ` Host` and the titles, over the columns.
fn table_titles(columns: &[Column], width: usize) -> String {
    let host = fit(" Host", host_width(columns, width));
    format!("{host}{}", cells(columns, |c| c.title().to_owned()))
}

/// `Packets` over the packet counts and `Pings` over the figures, each
/// centred over its run of columns.
fn groups(columns: &[Column], width: usize) -> String {
    let mut line = " ".repeat(host_width(columns, width));
    let mut rest = columns;
    while let Some(first) = rest.first() {
        let figure = matches!(first, Column::Figure(_));
        let run = rest
            .iter()
            .take_while(|c| matches!(c, Column::Figure(_)) == figure)
            .count();
        let span: usize = rest[..run].iter().map(|c| c.width()).sum();
        let word = if figure { "Pings" } else { "Packets" };
        line.push_str(&fit(&centered(word, span), span));
        rest = &rest[run..];
    }
    line
}

/// A hop's row: `TTL. host`, its figures, its extra lines: its MPLS
/// labels and RFC 5837 interfaces, its other addresses, its verdict.
fn table(view: &View, columns: &[Column], width: usize) -> Vec<Line<'static>> {
    let host_width = host_width(columns, width);
    let mut lines = Vec::new();
    for hop in view.path.hops() {
        let host = format!("{:>2}. {}", hop.ttl, hop_name(view, hop));
        lines.push(Line::from(format!(
            "{}{}",
            fit(&host, host_width),
            cells(columns, |c| c.cell(hop))
        )));
        lines.extend(extension_lines(hop).map(|text| Line::from(format!("    {text}"))));
        let latest = hop.latest_address();
        if hop.addresses.len() > 1 {
            for seen in hop.addresses.iter().filter(|s| Some(s.address) != latest) {
                lines.push(Line::from(format!(
                    "    {} [{}]",
                    view.host(seen.address),
                    seen.count
                )));
            }
        }
        lines.extend(verdict(hop));
    }
    lines
}

/// The hop's name on its row: the latest address that answered (with its
/// count when several did), `???` when none did, and the annotation of a
/// final error (`!H`).
fn hop_name(view: &View, hop: &Hop) -> String {
    let Some(address) = hop.latest_address() else {
        return "???".to_owned();
    };
    let mut name = view.host(address);
    if hop.addresses.len() > 1 {
        let count = hop
            .addresses
            .iter()
            .find(|s| s.address == address)
            .map_or(0, |s| s.count);
        let _ = write!(name, " [{count}]");
    }
    if let Some(annotation) = &hop.annotation {
        name.push(' ');
        name.push_str(annotation);
    }
    name
}

/// The hop's verdict and its latest burst check in plain words, dim.
fn verdict(hop: &Hop) -> impl Iterator<Item = Line<'static>> {
    hop.verdict
        .line()
        .into_iter()
        .chain(hop.burst_line())
        .map(|text| Line::from(Span::styled(format!("    {text}"), dim())))
}

/// The rounds the strip shows in `width` columns.
fn strip_columns(width: usize) -> usize {
    width.saturating_sub(STRIP_HOST + 2).min(HISTORY)
}

/// Each hop's latest `cols` rounds, newest at the right.
fn strip(view: &View, scale: &Scale, cols: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for hop in view.path.hops() {
        let host = format!("{:>2}. {}", hop.ttl, hop_name(view, hop));
        let mut spans = vec![Span::raw(format!("{} ", fit(&host, STRIP_HOST)))];
        let shown = hop.history.len().min(cols);
        spans.push(Span::raw(" ".repeat(cols - shown)));
        spans.extend(
            hop.history
                .iter()
                .skip(hop.history.len() - shown)
                .map(|slot| scale.slot(*slot)),
        );
        lines.push(Line::from(spans));
        lines.extend(verdict(hop));
    }
    lines
}

/// The RTT levels of the strip, from the fastest and slowest probe shown.
struct Scale {
    /// The most milliseconds of each level but the last; empty before
    /// the first answer.
    bounds: Vec<f64>,
}

impl Scale {
    fn of(view: &View, cols: usize) -> Self {
        let rtts = view.path.hops().iter().flat_map(|hop| {
            let shown = hop.history.len().min(cols);
            hop.history
                .iter()
                .skip(hop.history.len() - shown)
                .filter_map(|slot| match slot {
                    Slot::Answered(rtt) => Some(rtt.as_secs_f64() * 1000.0),
                    Slot::Lost => None,
                })
        });
        let (low, high) = rtts.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), ms| {
            (lo.min(ms), hi.max(ms))
        });
        if low > high {
            return Self { bounds: Vec::new() };
        }
        let steps = LEVELS.len() - 1;
        #[allow(clippy::cast_precision_loss)] // ten levels
        let bounds = (1..=steps)
            .map(|i| {
                let share = i as f64 / LEVELS.len() as f64;
                low + (high - low) * share * share
            })
            .collect();
        Self { bounds }
    }

    fn level(&self, ms: f64) -> usize {
        self.bounds
            .iter()
            .position(|&bound| ms <= bound)
            .unwrap_or(LEVELS.len() - 1)
    }

    fn slot(&self, slot: Slot) -> Span<'static> {
        match slot {
            Slot::Lost => Span::styled(LOST.to_string(), bold().fg(Color::Red)),
            Slot::Answered(rtt) => {
                let (c, colour) = LEVELS[self.level(rtt.as_secs_f64() * 1000.0)];
                Span::styled(c.to_string(), Style::new().fg(colour))
            }
        }
    }

    /// `Scale:` and the most milliseconds of each level.
    fn legend(&self) -> Line<'static> {
        let mut spans = vec![Span::styled("Scale:", bold())];
        for (i, bound) in self.bounds.iter().enumerate() {
            let (c, colour) = LEVELS[i];
            spans.push(Span::raw("  "));
            spans.push(Span::styled(c.to_string(), Style::new().fg(colour)));
            spans.push(Span::raw(format!(":{bound:.1} ms")));
        }
        if !self.bounds.is_empty() {
            let (c, colour) = LEVELS[LEVELS.len() - 1];
            spans.push(Span::raw("  "));
            spans.push(Span::styled(c.to_string(), Style::new().fg(colour)));
        }
        spans.push(Span::raw("  "));
        spans.push(Span::styled(LOST.to_string(), bold().fg(Color::Red)));
        spans.push(Span::raw(":no answer"));
        Line::from(spans)
    }
}

/// `paused`, then the latest events, or the rounds so far.
fn status_line(view: &View) -> Line<'static> {
    let mut spans = Vec::new();
    if view.paused {
        spans.push(Span::styled(
            " paused ",
            Style::new().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    let text = if view.events.is_empty() {
        let since = clock(view, view.session.started);
        format!("{} rounds since {since}", view.path.rounds())
    } else {
        Vec::from(view.events.clone()).join("; ")
    };
    spans.push(Span::raw(text));
    Line::from(spans)
}

/// The keys, in a box over the middle of the screen.
fn help(frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{key:<3}"), bold()),
                Span::raw(*what),
            ])
        })
        .collect();
    let width = lines.iter().map(Line::width).max().unwrap_or(0) + 4;
    let height = lines.len() + 2;
    let width = u16::try_from(width).unwrap_or(u16::MAX).min(area.width);
    let height = u16::try_from(height).unwrap_or(u16::MAX).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(" Keys ")),
        rect,
    );
}
