//! From the file as read ([`super::model`]) to a [`Config`], each mistake
//! located at the table and key it is about.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod alerts;
mod probing;

use super::error::{ConfigError, Source, join_or, near_miss};
use super::host::{Host, MAX_TARGETS, prefix_addresses};
use super::model::{At, DurationValue, File, GroupSpec, HistorySpec, TargetSpec};
use super::{Config, DEFAULT_GROUP, DEFAULT_LISTEN, default_agent, default_data_dir};
use crate::history::retention::{Level, Retention};
use crate::target::{Family, Group, Probing, Target, Targets};

/// How a receiver waits for one delivery unless told.
pub const DEFAULT_RECEIVER_TIMEOUT: Duration = Duration::from_secs(5);

/// Steps before a step that make an `rtt_over_baseline` rule's baseline,
/// unless told.
pub const DEFAULT_BASELINE_STEPS: u32 = 12;

/// Label names the daemon sets itself.
const RESERVED_LABELS: [&str; 9] = [
    "agent",
    "target",
    "host",
    "ip",
    "group",
    // Prometheus's own: histogram buckets, summaries, alerts.
    "le",
    "quantile",
    "alertname",
    "severity",
];

/// The name of the `index`th (from 0) entry of the array of tables
/// `array` in messages: `target "gw"` by its name, else `target 3`.
pub(super) fn section(array: &str, index: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{array} {name:?}"),
        None => format!("{array} {}", index + 1),
    }
}

/// Builds the configuration `file` describes (`source` its text).
pub(super) fn build(source: Source<'_>, file: &File) -> Result<Config, ConfigError> {
    let b = Builder { source };
    let agent = match &file.agent {
        Some(agent) => b.non_empty(
            agent,
            "",
            "agent",
            "write the agent's name, as agent = \"lab-a\"",
        )?,
        None => default_agent(),
    };
    let listen = match &file.listen {
        Some(listen) => listen.get_ref().parse::<SocketAddr>().map_err(|_| {
            b.at(
                listen,
                "",
                "listen",
                format!(
                    "{:?} is not an address and port: write \"127.0.0.1:9470\" or \"[::1]:9470\"",
                    listen.get_ref()
                ),
            )
        })?,
        None => DEFAULT_LISTEN,
    };
    let data_dir = match &file.data_dir {
        Some(dir) => PathBuf::from(b.non_empty(
            dir,
            "",
            "data_dir",
            "write a directory, as data_dir = \"/var/lib/icmpkit-monitor\"",
        )?),
        None => default_data_dir(),
    };
    let retention = match &file.history {
        Some(history) => b.retention(history.get_ref())?,
        None => Retention::default(),
    };
    let defaults = file.defaults.as_ref().map(At::get_ref);
    let mut groups = b.groups(defaults, &file.group)?;
    let (targets, entries) = b.targets(defaults, &mut groups, &file.target)?;
    let targets = Targets { groups, targets };
    let receivers = b.receivers(&file.receiver)?;
    let alerts = b.alerts(&file.alert, &targets, &entries, &receivers)?;
    Ok(Config {
        agent,
        listen,
        data_dir,
        retention,
        targets,
        alerts,
        receivers,
    })
}

/// The targets of a `[[target]]` entry, by its name: a range of
/// [`Targets::targets`] (more than one for a prefix).
type Entries = HashMap<String, Range<usize>>;

struct Builder<'a> {
    source: Source<'a>,
}

/// A key's value as a group sees it: its own or inherited from
/// `[defaults]`.
struct Pick<'f, T> {
    value: &'f At<T>,
    own: bool,
}

impl Builder<'_> {
    /// An error about `key` of `section`, at `value`.
    fn at<T>(
        &self,
        value: &At<T>,
        section: &str,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        self.source
            .error(value.span().start, section, Some(key), message)
    }

    /// An error about `key` at a value picked for the group `section`.
    fn picked<T>(
        &self,
        section: &str,
        p: &Pick<'_, T>,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        let section = if p.own { section } else { "defaults" };
        self.at(p.value, section, key, message)
    }

    /// An error about a whole table (a key missing, two that conflict).
    fn table<T>(&self, table: &At<T>, section: &str, message: impl Into<String>) -> ConfigError {
        self.source
            .error(table.span().start, section, None, message)
    }

    fn non_empty(
        &self,
        value: &At<String>,
        section: &str,
        key: &str,
        fix: &str,
    ) -> Result<String, ConfigError> {
        if value.get_ref().trim().is_empty() {
            return Err(self.at(value, section, key, format!("the {key} is empty: {fix}")));
        }
        Ok(value.get_ref().clone())
    }

    fn retention(&self, history: &HistorySpec) -> Result<Retention, ConfigError> {
        let mut retention = Retention::default();
        if let Some(raw) = &history.raw {
            retention.raw = self.seconds(raw, "history", "raw")?;
        }
        let Some(levels) = &history.levels else {
            return Ok(retention);
        };
        retention.levels.clear();
        let mut finer = Level {
            step: Duration::ZERO,
            keep: retention.raw,
        };
        for (i, level) in levels.get_ref().iter().enumerate() {
            let n = i + 1;
            let step_key = format!("levels[{n}].step");
            let keep_key = format!("levels[{n}].keep");
            let spec = level.get_ref();
            let step = self.seconds(&spec.step, "history", &step_key)?;
            let keep = self.seconds(&spec.keep, "history", &keep_key)?;
            let (s, fs) = (step.as_secs(), finer.step.as_secs());
            if fs > 0 && (s <= fs || s % fs != 0) {
                return Err(self.at(
                    &spec.step,
                    "history",
                    &step_key,
                    format!(
                        "a level's step ({}) must be a multiple of the finer level's ({}) and \
                         longer: its points are made of whole points of that level; give {}",
                        show(step),
                        show(finer.step),
                        show(finer.step * 2)
                    ),
                ));
            }
            let kept_before = if i == 0 {
                "raw steps are kept"
            } else {
                "the finer level is kept"
            };
            if keep <= finer.keep {
                return Err(self.at(
                    &spec.keep,
                    "history",
                    &keep_key,
                    format!(
                        "{} is no longer than {kept_before} ({}): coarser levels are there to \
                         keep longer; give more than {}",
                        show(keep),
                        show(finer.keep),
                        show(finer.keep)
                    ),
                ));
            }
            if keep < step {
                return Err(self.at(
                    &spec.keep,
                    "history",
                    &keep_key,
                    format!(
                        "{} is shorter than the level's step ({}): give at least one step",
                        show(keep),
                        show(step)
                    ),
                ));
            }
            finer = Level { step, keep };
            retention.levels.push(finer);
        }
        Ok(retention)
    }

    /// A duration of whole seconds, at least one.
    fn seconds(
        &self,
        value: &At<DurationValue>,
        section: &str,
        key: &str,
    ) -> Result<Duration, ConfigError> {
        let d = value.get_ref().0;
        if d < Duration::from_secs(1) || d.subsec_nanos() != 0 {
            return Err(self.at(
                value,
                section,
                key,
                format!(
                    "{} is not a whole number of seconds, at least one: steps and history are \
                     counted in seconds; give \"{}s\"",
                    show(d),
                    d.as_secs().max(1)
                ),
            ));
        }
        Ok(d)
    }

    fn groups(
        &self,
        defaults: Option<&GroupSpec>,
        specs: &[At<GroupSpec>],
    ) -> Result<Vec<Group>, ConfigError> {
        if let Some(name) = defaults.and_then(|d| d.name.as_ref()) {
            return Err(self.at(
                name,
                "defaults",
                "name",
                "[defaults] has no name: it is what every group inherits; name groups in \
                    [[group]] tables",
            ));
        }
        // The defaults alone: their mistakes reported once, at them.
        if let Some(spec) = defaults {
            self.probing("defaults", spec, None)?;
        }
        let mut groups: Vec<Group> = Vec::with_capacity(specs.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, spec) in specs.iter().enumerate() {
            let g = spec.get_ref();
            let name = g.name.as_ref().map(|n| n.get_ref().as_str());
            let section = section("group", i, name);
            let Some(name_at) = &g.name else {
                return Err(self.table(
                    spec,
                    &section,
                    "missing key `name`: add name = \"...\" (targets join a group by its name)",
                ));
            };
            let name = self.non_empty(name_at, &section, "name", "write name = \"core\"")?;
            if let Some(&first) = seen.get(name.as_str()) {
                return Err(self.at(
                    name_at,
                    &section,
                    "name",
                    format!(
                        "group {} is also named {name:?}: give each group its own name",
                        first + 1
                    ),
                ));
            }
            seen.insert(name_at.get_ref(), i);
            let probing = self.probing(&section, g, defaults)?;
            let labels = self.labels(&section, defaults, g)?;
            groups.push(Group {
                name: name.into(),
                probing,
                labels,
            });
        }
        Ok(groups)
    }

    /// The labels of a group: inherited, then its own over them.
    fn labels(
        &self,
        section: &str,
        defaults: Option<&GroupSpec>,
        own: &GroupSpec,
    ) -> Result<BTreeMap<String, String>, ConfigError> {
        let mut labels = match defaults.and_then(|d| d.labels.as_ref()) {
            Some(inherited) => self.check_labels("defaults", inherited)?,
            None => BTreeMap::new(),
        };
        if let Some(mine) = &own.labels {
            labels.extend(self.check_labels(section, mine)?);
        }
        Ok(labels)
    }

    /// Labels whose names Prometheus takes and the daemon does not set.
    fn check_labels(
        &self,
        section: &str,
        labels: &At<BTreeMap<String, String>>,
    ) -> Result<BTreeMap<String, String>, ConfigError> {
        for name in labels.get_ref().keys() {
            let key = format!("labels.{name}");
            let mut chars = name.chars();
            let valid = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with("__");
            if !valid {
                return Err(self.at(
                    labels,
                    section,
                    &key,
                    format!(
                        "{name:?} is not a label name: Prometheus takes letters, digits and `_`, \
                         not first a digit, not `__` first; write {:?}",
                        label_name(name)
                    ),
                ));
            }
            if RESERVED_LABELS.contains(&name.as_str()) {
                return Err(self.at(
                    labels,
                    section,
                    &key,
                    format!(
                        "the label {name:?} is set by the daemon or by Prometheus ({}): \
                         choose another name",
                        RESERVED_LABELS.join(", ")
                    ),
                ));
            }
        }
        Ok(labels.get_ref().clone())
    }

    fn targets(
        &self,
        defaults: Option<&GroupSpec>,
        groups: &mut Vec<Group>,
        specs: &[At<TargetSpec>],
    ) -> Result<(Vec<Target>, Entries), ConfigError> {
        let mut by_group: HashMap<String, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.to_string(), i))
            .collect();
        let mut targets: Vec<Target> = Vec::with_capacity(specs.len());
        // Every target's name, and the entry it came from.
        let mut names: HashMap<String, usize> = HashMap::with_capacity(specs.len());
        let mut entries = Entries::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let t = spec.get_ref();
            let host = t.host.get_ref();
            let entry_name = t.name.as_ref().map_or(host, At::get_ref);
            let section = section("target", i, Some(entry_name));
            let kind = Host::parse(host).map_err(|m| self.at(&t.host, &section, "host", m))?;
            if let Some(name) = &t.name {
                self.non_empty(
                    name,
                    &section,
                    "name",
                    "write name = \"gw\", or leave it out for the host",
                )?;
            }
            let group = match &t.group {
                None => self.default_group(defaults, groups, &mut by_group)?,
                Some(g) => match by_group.get(g.get_ref().as_str()) {
                    Some(&index) => index,
                    None if g.get_ref() == DEFAULT_GROUP => {
                        self.default_group(defaults, groups, &mut by_group)?
                    }
                    None => {
                        let known: Vec<&str> = groups.iter().map(|g| &*g.name).collect();
                        return Err(self.at(
                            g,
                            &section,
                            "group",
                            unknown("group", g.get_ref(), &known, "[[group]]"),
                        ));
                    }
                },
            };
            let probing = &groups[group].probing;
            let literal = match kind {
                Host::Address(ip) | Host::Prefix(ip, _) => Some(ip),
                Host::Name => None,
            };
            if let Some(ip) = literal {
                let wanted = match probing.family {
                    Family::V4 if ip.is_ipv6() => Some(("IPv6", "ipv4")),
                    Family::V6 if ip.is_ipv4() => Some(("IPv4", "ipv6")),
                    _ => None,
                };
                if let Some((is, only)) = wanted {
                    return Err(self.at(
                        &t.host,
                        &section,
                        "host",
                        format!(
                            "{host} is {is} but group {:?} probes with family = {only:?}: give an \
                             address of that family, or put the target in another group",
                            groups[group].name
                        ),
                    ));
                }
                if ip.is_ipv4() && probing.size > 65_507 {
                    return Err(self.at(
                        &t.host,
                        &section,
                        "host",
                        format!(
                            "{host} is IPv4 but group {:?} sends {} data bytes, more than IPv4's \
                             65507: give the group a smaller size",
                            groups[group].name, probing.size
                        ),
                    ));
                }
            }
            let labels = match &t.labels {
                Some(labels) => Some(self.check_labels(&section, labels)?)
                    .filter(|l| !l.is_empty())
                    .map(Arc::new),
                None => None,
            };
            let first = targets.len();
            let mut add =
                |name: String, ip: Option<IpAddr>, host: String| -> Result<(), ConfigError> {
                    if targets.len() >= MAX_TARGETS {
                        return Err(self.at(
                        &t.host,
                        &section,
                        "host",
                        format!(
                            "this entry makes more than {MAX_TARGETS} targets in all, the most one \
                             daemon monitors: split the configuration between daemons"
                        ),
                    ));
                    }
                    if let Some(&other) = names.get(&name) {
                        let key = if t.name.is_some() { "name" } else { "host" };
                        let at = t.name.as_ref().unwrap_or(&t.host);
                        let o = specs[other].get_ref();
                        let other_name = o.name.as_ref().unwrap_or(&o.host).get_ref();
                        let other_line = self.source.line_of(specs[other].span().start);
                        return Err(self.at(
                            at,
                            &section,
                            key,
                            format!(
                                "the target name {name:?} is taken by target {other_name:?} (line \
                             {other_line}): give this entry its own `name`"
                            ),
                        ));
                    }
                    names.insert(name.clone(), i);
                    let name: Arc<str> = name.into();
                    // A target named by its host keeps one copy of both.
                    let host = if host == *name {
                        Arc::clone(&name)
                    } else {
                        host.into()
                    };
                    targets.push(Target {
                        name,
                        host,
                        ip,
                        group,
                        labels: labels.clone(),
                    });
                    Ok(())
                };
            match kind {
                Host::Address(ip) => add(entry_name.clone(), Some(ip), host.clone())?,
                Host::Name => add(entry_name.clone(), None, host.clone())?,
                Host::Prefix(network, len) => {
                    for ip in prefix_addresses(network, len) {
                        let name = match &t.name {
                            Some(name) => format!("{}/{ip}", name.get_ref()),
                            None => ip.to_string(),
                        };
                        // Each address is its own host (as smokeping_prober
                        // labels it): the prefix is in the name.
                        add(name, Some(ip), ip.to_string())?;
                    }
                }
            }
            entries.insert(entry_name.clone(), first..targets.len());
        }
        Ok((targets, entries))
    }

    /// The index of the group "default", added (probing as `[defaults]`
    /// says) the first time a target is in it without a `[[group]]` of
    /// that name.
    fn default_group(
        &self,
        defaults: Option<&GroupSpec>,
        groups: &mut Vec<Group>,
        by_group: &mut HashMap<String, usize>,
    ) -> Result<usize, ConfigError> {
        if let Some(&index) = by_group.get(DEFAULT_GROUP) {
            return Ok(index);
        }
        let (probing, labels) = match defaults {
            Some(spec) => (
                self.probing("defaults", spec, None)?,
                match &spec.labels {
                    Some(labels) => self.check_labels("defaults", labels)?,
                    None => BTreeMap::new(),
                },
            ),
            None => (Probing::default(), BTreeMap::new()),
        };
        groups.push(Group {
            name: DEFAULT_GROUP.into(),
            probing,
            labels,
        });
        by_group.insert(DEFAULT_GROUP.to_owned(), groups.len() - 1);
        Ok(groups.len() - 1)
    }
}

/// No `what` named `name`: a near miss, or the names there are.
fn unknown(what: &str, name: &str, known: &[&str], declare: &str) -> String {
    if let Some(near) = near_miss(name, known.iter().copied()) {
        return format!("no {what} named {name:?}: did you mean {near:?}?");
    }
    if known.is_empty() {
        return format!("no {what} named {name:?}: add a {declare} with name = {name:?}");
    }
    let list: Vec<String> = known.iter().map(|k| format!("{k:?}")).collect();
    format!(
        "no {what} named {name:?}: {what}s are {}",
        join_or(&list, "and")
    )
}

/// A label name made valid, for messages.
fn label_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out.trim_start_matches("__").to_owned()
}

/// A duration as humantime writes it: `5m`, `1h 30m`.
fn show(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
