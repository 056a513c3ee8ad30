//! The query parameters of the pages and the API, checked: a bad one is
//! a 400 that names it and what it may be.

use std::collections::HashMap;

/// A query parameter that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad query parameter `{param}={value}`: {expected}")]
pub struct QueryError {
    /// The parameter's name.
    pub param: &'static str,
    /// What it was.
    pub value: String,
    /// What it may be.
    pub expected: String,
}

impl QueryError {
    fn new(param: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self {
            param,
            value: value.to_owned(),
            expected: expected.into(),
        }
    }
}

/// The raw parameters of a request.
pub(crate) type Params = HashMap<String, String>;

/// A graph's time span, smokeping's four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphRange {
    /// The last 3 hours.
    Hours3,
    /// The last 30 hours.
    Hours30,
    /// The last 10 days.
    Days10,
    /// The last 400 days.
    Days400,
}

impl GraphRange {
    /// All four, shortest first.
    pub const ALL: [GraphRange; 4] = [Self::Hours3, Self::Hours30, Self::Days10, Self::Days400];

    /// Its name in a query (`3h`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Hours3 => "3h",
            Self::Hours30 => "30h",
            Self::Days10 => "10d",
            Self::Days400 => "400d",
        }
    }

    /// Its title (`Last 3 hours`).
    pub fn title(self) -> &'static str {
        match self {
            Self::Hours3 => "Last 3 hours",
            Self::Hours30 => "Last 30 hours",
            Self::Days10 => "Last 10 days",
            Self::Days400 => "Last 400 days",
        }
    }

    /// Its length, seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Self::Hours3 => 3 * 3600,
            Self::Hours30 => 30 * 3600,
            Self::Days10 => 10 * 86_400,
            Self::Days400 => 400 * 86_400,
        }
    }

    fn parse(value: &str) -> Result<Self, QueryError> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == value)
            .ok_or_else(|| QueryError::new("range", value, "one of 3h, 30h, 10d, 400d"))
    }
}

/// A column of the overview to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Configuration order.
    #[default]
    Config,
    /// The target's name.
    Name,
    /// The configured host.
    Host,
    /// The address probed.
    Ip,
    /// The group.
    Group,
    /// problem, down, unknown, up.
    Status,
    /// The last step's loss.
    Loss,
    /// The last step's median RTT.
    Median,
    /// Probes sent since the start.
    Sent,
    /// Probes answered since the start.
    Received,
}

impl SortKey {
    /// Every key, in the overview's column order.
    pub const ALL: [SortKey; 10] = [
        Self::Config,
        Self::Status,
        Self::Name,
        Self::Host,
        Self::Ip,
        Self::Group,
        Self::Loss,
        Self::Median,
        Self::Sent,
        Self::Received,
    ];

    /// Its name in a query.
    pub fn name(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Name => "name",
            Self::Host => "host",
            Self::Ip => "ip",
            Self::Group => "group",
            Self::Status => "status",
            Self::Loss => "loss",
            Self::Median => "median",
            Self::Sent => "sent",
            Self::Received => "received",
        }
    }

    fn parse(value: &str) -> Result<Self, QueryError> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.name()).collect();
                QueryError::new("sort", value, format!("one of {}", names.join(", ")))
            })
    }
}

fn flag(params: &Params, param: &'static str) -> Result<bool, QueryError> {
    match params.get(param).map(String::as_str) {
        None | Some("" | "0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(other) => Err(QueryError::new(param, other, "1 or 0 (true or false)")),
    }
}

fn text(params: &Params, param: &str) -> Option<String> {
    params.get(param).filter(|v| !v.is_empty()).cloned()
}

/// The latest time a query may name: 2^34 s, in the year 2514.
pub const MAX_TIME: i64 = 1 << 34;
/// The longest span a query may ask for: 4000 days.
pub const MAX_SPAN: i64 = 4000 * 86_400;

fn seconds(params: &Params, param: &'static str) -> Result<Option<i64>, QueryError> {
    params
        .get(param)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<i64>()
                .ok()
                .filter(|t| (0..=MAX_TIME).contains(t))
                .ok_or_else(|| {
                    QueryError::new(
                        param,
                        v,
                        format!("a time in Unix seconds from 0 to {MAX_TIME}"),
                    )
                })
        })
        .transpose()
}

/// The overview's (and `/api/targets`') sorting and filtering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverviewQuery {
    /// The column to sort by (`sort=`).
    pub sort: SortKey,
    /// Descending (`desc=1`).
    pub desc: bool,
    /// Only this group (`group=`).
    pub group: Option<String>,
    /// Only names containing this, case-insensitive (`q=`).
    pub name: Option<String>,
}

impl OverviewQuery {
    pub(crate) fn parse(params: &Params) -> Result<Self, QueryError> {
        Ok(Self {
            sort: params
                .get("sort")
                .filter(|v| !v.is_empty())
                .map_or(Ok(SortKey::default()), |v| SortKey::parse(v))?,
            desc: flag(params, "desc")?,
            group: text(params, "group"),
            name: text(params, "q"),
        })
    }
}

/// The time span of a graph, the history or the paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// From, Unix seconds.
    pub from: i64,
    /// To, Unix seconds.
    pub to: i64,
    /// The named range asked for, if any.
    pub range: Option<GraphRange>,
}

impl Span {
    /// `from=` and `to=` (Unix seconds) or `range=` ending at `to=` or now;
    /// `default` when none is given.
    pub(crate) fn parse(
        params: &Params,
        now: i64,
        default: GraphRange,
    ) -> Result<Self, QueryError> {
        let range = params
            .get("range")
            .filter(|v| !v.is_empty())
            .map(|v| GraphRange::parse(v))
            .transpose()?;
        let to = seconds(params, "to")?.unwrap_or(now);
        let from =
            seconds(params, "from")?.unwrap_or_else(|| to - range.unwrap_or(default).seconds());
        if from >= to || to - from > MAX_SPAN {
            return Err(QueryError::new(
                "from",
                &from.to_string(),
                format!("a time before `to` ({to}), at most 4000 days before"),
            ));
        }
        Ok(Self { from, to, range })
    }
}

/// The most points `/api/targets/{name}/history` returns by default, and
/// at most.
pub const DEFAULT_POINTS: usize = 800;
/// The most points a request may ask for.
pub const MAX_POINTS: usize = 20_000;

/// `points=`: how many points at most.
pub(crate) fn points(params: &Params) -> Result<usize, QueryError> {
    match params.get("points").filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_POINTS),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_POINTS).contains(n))
            .ok_or_else(|| {
                QueryError::new("points", v, format!("a number from 1 to {MAX_POINTS}"))
            }),
    }
}

/// The graph's size in pixels (`width=`, `height=`).
pub(crate) fn size(params: &Params, default: (u32, u32)) -> Result<(u32, u32), QueryError> {
    let one = |param: &'static str, default: u32, max: u32| match params
        .get(param)
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (200..=max).contains(n))
            .ok_or_else(|| {
                QueryError::new(param, v, format!("a number of pixels from 200 to {max}"))
            }),
    };
    Ok((
        one("width", default.0, 4000)?,
        one("height", default.1, 2000)?,
    ))
}

#[cfg(test)]
mod tests;
