//! How a group probes: its keys over `[defaults]` over [`Probing::default`],
//! each value checked alone and against the others.

use std::time::Duration;

use super::{Builder, Pick, show};
use crate::config::error::ConfigError;
use crate::config::model::{At, FamilyName, GroupSpec};
use crate::target::{Family, Probing};

impl Builder<'_> {
    /// How `own`'s targets are probed: its keys, else `inherited`'s, else
    /// [`Probing::default`]'s.
    pub(super) fn probing(
        &self,
        section: &str,
        own: &GroupSpec,
        inherited: Option<&GroupSpec>,
    ) -> Result<Probing, ConfigError> {
        /// A key of `own`, else of `inherited`.
        fn pick<'f, T>(
            own: &'f GroupSpec,
            inherited: Option<&'f GroupSpec>,
            key: fn(&GroupSpec) -> Option<&At<T>>,
        ) -> Option<Pick<'f, T>> {
            match key(own) {
                Some(value) => Some(Pick { value, own: true }),
                None => inherited
                    .and_then(key)
                    .map(|value| Pick { value, own: false }),
            }
        }
        // Where a picked value is: in `section`, or in [defaults].
        let place = |own: bool| if own { section } else { "defaults" };
        let d = Probing::default();

        let step_pick = pick(own, inherited, |g| g.step.as_ref());
        let step = match &step_pick {
            Some(p) => self.seconds(p.value, place(p.own), "step")?,
            None => d.step,
        };
        let pings_pick = pick(own, inherited, |g| g.pings.as_ref());
        let interval_pick = pick(own, inherited, |g| g.interval.as_ref());
        // `pings` and `interval` are one choice: the nearer table's.
        let (pings_pick, interval_pick) = match (&own.pings, &own.interval) {
            (Some(_), Some(interval)) => {
                return Err(self.at(
                    interval,
                    section,
                    "interval",
                    "give either `pings` or `interval`, not both: pings = step / interval",
                ));
            }
            (Some(_), None) => (pings_pick, None),
            (None, Some(_)) => (None, interval_pick),
            (None, None) => (pings_pick, interval_pick),
        };
        let pings = match (pings_pick, interval_pick) {
            (Some(p), _) => {
                let pings = *p.value.get_ref();
                let most = step.as_millis();
                match u32::try_from(pings) {
                    Ok(n) if n >= 1 && u128::from(n) <= most => n,
                    _ => {
                        return Err(self.picked(
                            section,
                            &p,
                            "pings",
                            format!(
                                "{pings} pings a step is out of range: give 1 to {most} (one a \
                                 millisecond in a {} step)",
                                show(step)
                            ),
                        ));
                    }
                }
            }
            (None, Some(p)) => {
                let interval = p.value.get_ref().0;
                let step_p = step_pick.as_ref().filter(|s| s.own && !p.own);
                let problem = if interval.is_zero() {
                    Some("an interval of 0 sends without a pause: give \"1s\"".to_owned())
                } else if interval > step {
                    Some(format!(
                        "the interval ({}) is longer than the step ({}): a step has at least one \
                         probe; give at most \"{}\"",
                        show(interval),
                        show(step),
                        show(step)
                    ))
                } else if step.as_nanos() % interval.as_nanos() != 0 {
                    Some(format!(
                        "the step ({}) is not a multiple of the interval ({}): pings = step / \
                         interval must be whole; give an interval that divides the step, as \"1s\"",
                        show(step),
                        show(interval)
                    ))
                } else {
                    None
                };
                if let Some(message) = problem {
                    return Err(match step_p {
                        Some(s) => self.picked(section, s, "step", message),
                        None => self.picked(section, &p, "interval", message),
                    });
                }
                let pings = step.as_nanos() / interval.as_nanos();
                match u32::try_from(pings) {
                    Ok(n) if interval >= Duration::from_millis(1) => n,
                    _ => {
                        return Err(self.picked(
                            section,
                            &p,
                            "interval",
                            format!(
                                "{} is shorter than a millisecond: give \"1ms\" or more",
                                show(interval)
                            ),
                        ));
                    }
                }
            }
            (None, None) => d.pings,
        };
        let family_pick = pick(own, inherited, |g| g.family.as_ref());
        let family = match family_pick.as_ref().map(|p| *p.value.get_ref()) {
            None | Some(FamilyName::Any) => Family::Any,
            Some(FamilyName::Ipv4) => Family::V4,
            Some(FamilyName::Ipv6) => Family::V6,
        };
        let size = match pick(own, inherited, |g| g.size.as_ref()) {
            None => d.size,
            Some(p) => {
                let size = *p.value.get_ref();
                let (most, why) = match family {
                    Family::V6 => (65_527, "with family = \"ipv6\""),
                    _ => (65_507, "(65527 with family = \"ipv6\")"),
                };
                match usize::try_from(size) {
                    Ok(n) if n <= most => n,
                    _ => {
                        // Blame the family when it is what made the size too big.
                        let family_own = family_pick.as_ref().filter(|f| f.own && !p.own);
                        let message = format!(
                            "size {size} is out of range: an echo carries 0 to {most} data bytes \
                                {why}"
                        );
                        return Err(match family_own {
                            Some(f) if (0..=65_527).contains(&size) => {
                                self.picked(section, f, "family", message)
                            }
                            _ => self.picked(section, &p, "size", message),
                        });
                    }
                }
            }
        };
        let tos = match pick(own, inherited, |g| g.tos.as_ref()) {
            None => d.tos,
            Some(p) => {
                let tos = *p.value.get_ref();
                u8::try_from(tos).map_err(|_| {
                    self.picked(
                        section,
                        &p,
                        "tos",
                        format!("tos {tos} is out of range: the TOS byte is 0 to 255"),
                    )
                })?
            }
        };
        let timeout = match pick(own, inherited, |g| g.timeout.as_ref()) {
            None => d.timeout.min(step),
            Some(p) => {
                let timeout = p.value.get_ref().0;
                if timeout.is_zero() {
                    return Err(self.picked(
                        section,
                        &p,
                        "timeout",
                        "a timeout of 0 counts every probe lost: give \"1s\"".to_owned(),
                    ));
                }
                if timeout > step {
                    let message = format!(
                        "the timeout ({}) is longer than the step ({}): a step is summed up one \
                         timeout after it ends, before the next one ends; give at most \"{}\"",
                        show(timeout),
                        show(step),
                        show(step)
                    );
                    let step_p = step_pick.as_ref().filter(|s| s.own && !p.own);
                    return Err(match step_p {
                        Some(s) => self.picked(section, s, "step", message),
                        None => self.picked(section, &p, "timeout", message),
                    });
                }
                timeout
            }
        };
        let trace_every = match pick(own, inherited, |g| g.trace_every.as_ref()) {
            None => None,
            Some(p) => {
                let every = p.value.get_ref().0;
                if every < Duration::from_secs(1) {
                    return Err(self.picked(
                        section,
                        &p,
                        "trace_every",
                        format!(
                            "tracing every {} is too often: give \"1s\" or more (\"10m\" is \
                                usual)",
                            show(every)
                        ),
                    ));
                }
                Some(every)
            }
        };
        let flag = |key: fn(&GroupSpec) -> Option<&At<bool>>, default: bool| {
            pick(own, inherited, key).map_or(default, |p| *p.value.get_ref())
        };
        Ok(Probing {
            step,
            pings,
            size,
            tos,
            df: flag(|g| g.df.as_ref(), d.df),
            family,
            timeout,
            trace_every,
            pmtu: flag(|g| g.pmtu.as_ref(), d.pmtu),
        })
    }
}
