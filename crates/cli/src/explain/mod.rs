//! `icmpkit explain`: the plain-language meaning of an ICMP type and code,
//! its usual causes and what to do, from `icmpkit_wire::meaning`; asked by
//! number, by name, or by what a tool printed (traceroute's `!H`, ping's
//! `Destination Host Unreachable`: `seen`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning::{self, Found, Status};

mod list;
mod render;
mod seen;
mod suggest;

use render::{explain_code, explain_type, family};
use seen::Seen;

/// Arguments of `icmpkit explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  icmpkit explain 3 4\n  icmpkit explain --v6 1 4\n  \
                        icmpkit explain frag-needed\n  icmpkit explain packet-too-big\n  \
                        icmpkit explain '!X'\n  icmpkit explain 'Frag needed and DF set (mtu = 1280)'\n  \
                        icmpkit explain --list"
)]
pub struct Args {
    /// ICMPv6: numbers are ICMPv6's, and a name or string of ICMPv4 is
    /// answered with its ICMPv6 counterpart.
    #[arg(long = "v6", short = '6', conflicts_with = "v4")]
    v6: bool,
    /// ICMPv4 (the default for numbers): a name or string of ICMPv6 is
    /// answered with its ICMPv4 counterpart.
    #[arg(long = "v4", short = '4')]
    v4: bool,
    /// List every type and code with its names (of one family with --v4
    /// or --v6).
    #[arg(long, conflicts_with_all = ["what", "code"])]
    list: bool,
    /// A type number (0-255), a name such as `frag-needed`, `port-unreachable`,
    /// `packet-too-big`, `v6:admin-prohibited`, a traceroute annotation
    /// (`!X`, `!F-1280`) or a line of ping (`Destination Host Unreachable`).
    #[arg(required_unless_present = "list")]
    what: Option<String>,
    /// The code number (0-255), with a type number.
    code: Option<String>,
}

/// Runs `icmpkit explain`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let text = if args.list {
        let versions: &[IpVersion] = match requested(args) {
            Some(IpVersion::V4) => &[IpVersion::V4],
            Some(IpVersion::V6) => &[IpVersion::V6],
            None => &[IpVersion::V4, IpVersion::V6],
        };
        list::list(versions)?
    } else {
        explain(args)?
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The family `--v4` or `--v6` asks for.
const fn requested(args: &Args) -> Option<IpVersion> {
    if args.v6 {
        Some(IpVersion::V6)
    } else if args.v4 {
        Some(IpVersion::V4)
    } else {
        None
    }
}

/// The whole explanation as text.
fn explain(args: &Args) -> Result<String> {
    let what = args.what.as_deref().unwrap_or_default();
    if let Ok(number) = what.parse::<u16>() {
        let msg_type = number_arg("TYPE", number)?;
        let code = match &args.code {
            None => None,
            Some(c) => Some(number_arg(
                "CODE",
                c.parse::<u16>().map_err(|_| {
                    anyhow::anyhow!("CODE must be a number from 0 to 255, not '{c}'")
                })?,
            )?),
        };
        let version = requested(args).unwrap_or(IpVersion::V4);
        let mut out = String::new();
        entry(&mut out, version, msg_type, code)?;
        return Ok(out);
    }
    if let Some(code) = &args.code {
        bail!(
            "a name such as '{what}' takes no CODE (got '{code}'): use `icmpkit explain TYPE CODE` for numbers",
        );
    }
    let (prefix, rest) = meaning::split_family(what);
    let wanted = requested(args).or(prefix);
    let Some((found, seen)) = resolve(rest, wanted).or_else(|| resolve(what, wanted)) else {
        bail!("{}", suggest::unknown_name(what));
    };
    let mut out = String::new();
    match &seen {
        Some(seen) => seen_line(&mut out, rest, seen)?,
        None => write!(
            out,
            "{} is {} ({})",
            rest.trim(),
            numbers(found),
            name_of(found)
        )?,
    }
    let shown = match wanted {
        Some(version) if version != found.version => {
            let other = meaning::counterpart(found);
            counterpart_clause(&mut out, version, other)?;
            other.unwrap_or(found)
        }
        _ => found,
    };
    if seen.is_some() || wanted.is_some_and(|v| v != found.version) {
        out.push_str(".\n\n");
    } else {
        out.clear();
    }
    entry(&mut out, shown.version, shown.msg_type, shown.code)?;
    if wanted.is_none() {
        also_in_other_family(&mut out, rest, found, seen.is_some())?;
    }
    Ok(out)
}

/// What a name or string stands for, in the wanted family where it has a
/// meaning there: a tool's exact string first (`Time to live exceeded` is
/// ping's line for code 0, not the type's name), then a name, then a ping
/// line without its number.
fn resolve(query: &str, wanted: Option<IpVersion>) -> Option<(Found, Option<Seen>)> {
    if let Some(seen) = seen::exact(query, wanted) {
        return Some((seen.found, Some(seen)));
    }
    let prefixed = match wanted {
        Some(IpVersion::V6) => format!("v6:{query}"),
        Some(IpVersion::V4) => format!("v4:{query}"),
        None => query.to_owned(),
    };
    if let Some(found) = meaning::find(&prefixed) {
        return Some((found, None));
    }
    seen::stem(query, wanted).map(|seen| (seen.found, Some(seen)))
}

/// The explanation of a type (and code), or the registry's word on an
/// unlisted type.
fn entry(out: &mut String, version: IpVersion, msg_type: u8, code: Option<u8>) -> Result<()> {
    let Some(info) = meaning::type_info(version, msg_type) else {
        let status = match meaning::status(version, msg_type) {
            Status::Reserved => "reserved",
            _ => "unassigned",
        };
        writeln!(
            out,
            "{} type {msg_type} is {status} in the IANA registry: no standard message uses it.",
            family(version)
        )?;
        return Ok(());
    };
    match code {
        Some(code) => explain_code(out, version, info, code),
        None => explain_type(out, version, info),
    }
}

fn number_arg(what: &str, n: u16) -> Result<u8> {
    u8::try_from(n).map_err(|_| anyhow::anyhow!("{what} must be from 0 to 255, not {n}"))
}

/// `ICMPv4 type 3 code 4` or `ICMPv6 type 2`.
fn numbers(found: Found) -> String {
    let mut s = format!("{} type {}", family(found.version), found.msg_type);
    if let Some(code) = found.code {
        let _ = write!(s, " code {code}");
    }
    s
}

/// The type's or code's IANA name.
fn name_of(found: Found) -> &'static str {
    found
        .code_info()
        .map_or_else(|| found.type_info().name, |c| c.name)
}

/// The start of the line that says which tool prints the string and what
/// it stands for.
fn seen_line(out: &mut String, query: &str, seen: &Seen) -> Result<()> {
    let query = query.trim();
    let quoted = if query.starts_with('!') {
        query.to_owned()
    } else {
        format!("\"{query}\"")
    };
    write!(
        out,
        "{quoted} is how {} reports {}",
        seen.tool.name(),
        numbers(seen.found)
    )?;
    if let Some(value) = seen.value {
        write!(out, ", {value}")?;
    }
    if seen.numbered {
        match seen::letter_for(seen.found) {
            Some(letter) => write!(out, " (which it prints as {letter})")?,
            None => out.push_str(" (a code it has no letter for)"),
        }
    }
    if !seen.also.is_empty() {
        let codes: Vec<String> = seen.also.iter().map(u8::to_string).collect();
        write!(out, "; also codes {}", codes.join(", "))?;
    }
    Ok(())
}

/// The end of the first line when the family asked for is not the one the
/// name or string belongs to.
fn counterpart_clause(out: &mut String, wanted: IpVersion, other: Option<Found>) -> Result<()> {
    match other {
        Some(other) => {
            let mut what = format!("type {}", other.msg_type);
            if let Some(code) = other.code {
                let _ = write!(what, " code {code}");
            }
            write!(
                out,
                "; in {} that is {what} ({})",
                family(wanted),
                name_of(other)
            )?;
        }
        None => write!(
            out,
            "; {} has no counterpart, so here is what it means in {}",
            family(wanted),
            match wanted {
                IpVersion::V4 => family(IpVersion::V6),
                IpVersion::V6 => family(IpVersion::V4),
            }
        )?,
    }
    Ok(())
}

/// Mentions the same name or string in the other family (port-unreachable
/// is both an ICMPv4 and an ICMPv6 code; `!H` is traceroute's for both).
fn also_in_other_family(out: &mut String, query: &str, shown: Found, seen: bool) -> Result<()> {
    let other = match shown.version {
        IpVersion::V4 => IpVersion::V6,
        IpVersion::V6 => IpVersion::V4,
    };
    let found = if seen {
        seen::exact(query, Some(other))
            .map(|s| s.found)
            .filter(|f| f.version == other)
    } else {
        meaning::find_all(query).find(|f| f.version == other)
    };
    let Some(found) = found else {
        return Ok(());
    };
    let what = match found.code_info() {
        Some(c) => format!("type {} code {} ({})", found.msg_type, c.code, c.name),
        None => format!("type {} ({})", found.msg_type, found.type_info().name),
    };
    let ask = if seen {
        let flag = if other == IpVersion::V6 {
            "--v6"
        } else {
            "--v4"
        };
        format!("{flag} '{}'", query.trim())
    } else {
        let prefix = if other == IpVersion::V6 { "v6:" } else { "v4:" };
        format!("{prefix}{query}")
    };
    let by = if seen {
        "for the same string"
    } else {
        "by the same name"
    };
    writeln!(
        out,
        "\n{} has {what} {by}: `icmpkit explain {ask}`.",
        family(other)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v6: bool, what: &str, code: Option<&str>) -> Args {
        Args {
            v6,
            v4: false,
            list: false,
            what: Some(what.to_owned()),
            code: code.map(str::to_owned),
        }
    }

    #[test]
    fn explains_type_and_code_by_number() {
        let text = explain(&args(false, "3", Some("4"))).unwrap();
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("ICMPv4 type 3 code 4: Fragmentation Needed"),
            "{first}"
        );
        assert!(text.contains("\nWhat it means\n"));
        assert!(text.contains("\nWhat you can do\n"));
    }

    #[test]
    fn names_resolve_to_the_same_text_as_numbers() {
        assert_eq!(
            explain(&args(false, "frag-needed", None)).unwrap(),
            explain(&args(false, "3", Some("4"))).unwrap()
        );
        let v6 = explain(&args(false, "packet-too-big", None)).unwrap();
        assert!(v6.starts_with("ICMPv6 type 2: Packet Too Big"), "{v6}");
        let v6port = explain(&args(true, "port-unreachable", None)).unwrap();
        assert!(v6port.starts_with("ICMPv6 type 1 code 4: "), "{v6port}");
    }

    #[test]
    fn mentions_the_other_family() {
        let text = explain(&args(false, "port-unreachable", None)).unwrap();
        assert!(
            text.starts_with("ICMPv4 type 3 code 3: Port Unreachable"),
            "{text}"
        );
        assert!(
            text.contains("`icmpkit explain v6:port-unreachable`"),
            "{text}"
        );
    }

    #[test]
    fn type_only_lists_codes() {
        let text = explain(&args(false, "11", None)).unwrap();
        assert!(text.contains("\nCodes\n    0  "), "{text}");
        assert!(text.contains("    1  "));
    }

    #[test]
    fn unassigned_and_unknown() {
        let text = explain(&args(false, "77", None)).unwrap();
        assert_eq!(
            text,
            "ICMPv4 type 77 is unassigned in the IANA registry: no standard message uses it.\n"
        );
        let text = explain(&args(false, "3", Some("99"))).unwrap();
        assert!(
            text.contains("code 99: not a code the IANA registry assigns"),
            "{text}"
        );
        assert!(text.contains("Known codes: 0, 1, 2,"), "{text}");
    }

    const UNASSIGNED: &str = "not a code the IANA registry assigns";

    #[test]
    fn every_assigned_code_of_both_registries_explains() {
        for (version, v6) in [(IpVersion::V4, false), (IpVersion::V6, true)] {
            for info in meaning::types(version) {
                let t = info.number.to_string();
                let assigned: Vec<u8> = if info.codes.is_empty() {
                    vec![0]
                } else {
                    info.codes.iter().map(|c| c.code).collect()
                };
                for code in &assigned {
                    let text = explain(&args(v6, &t, Some(&code.to_string()))).unwrap();
                    let first = format!("{} type {t} code {code}: ", family(version));
                    assert!(text.starts_with(&first), "{text}");
                    assert!(!text.contains(UNASSIGNED), "{text}");
                    assert!(text.contains("\nWhat it means\n"), "{text}");
                }
                let unassigned = (0..=255u8).find(|c| !assigned.contains(c)).unwrap();
                let text = explain(&args(v6, &t, Some(&unassigned.to_string()))).unwrap();
                assert!(text.contains(UNASSIGNED), "{text}");
            }
        }
    }

    #[test]
    fn a_type_with_only_code_0() {
        let text = explain(&args(false, "8", Some("0"))).unwrap();
        assert!(
            text.starts_with(
                "ICMPv4 type 8 code 0: Echo\n  Code:       0, the only code of this type\n  \
                 Kind:       informational message\n"
            ),
            "{text}"
        );
        let text = explain(&args(false, "8", Some("1"))).unwrap();
        assert!(
            text.starts_with(
                "ICMPv4 type 8 (Echo) code 1: not a code the IANA registry assigns for this \
                 type.\n  This type defines only code 0.\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_other_family_by_its_counterpart() {
        let text = explain(&args(true, "frag-needed", None)).unwrap();
        assert!(
            text.starts_with(
                "frag-needed is ICMPv4 type 3 code 4 (Fragmentation Needed and Don't Fragment \
                 was Set); in ICMPv6 that is type 2 (Packet Too Big).\n\nICMPv6 type 2: Packet Too Big\n"
            ),
            "{text}"
        );
        let mut v4 = args(false, "packet-too-big", None);
        v4.v4 = true;
        let text = explain(&v4).unwrap();
        assert!(text.contains("\n\nICMPv4 type 3 code 4: "), "{text}");
        let text = explain(&args(true, "Time to live exceeded", None)).unwrap();
        assert!(
            text.starts_with(
                "\"Time to live exceeded\" is how ping (iputils) reports ICMPv4 type 11 code 0; \
                 in ICMPv6 that is type 3 code 0 (hop limit exceeded in transit).\n\n\
                 ICMPv6 type 3 code 0: "
            ),
            "{text}"
        );
        let text = explain(&args(true, "tos-host-unreachable", None)).unwrap();
        assert!(
            text.starts_with(
                "tos-host-unreachable is ICMPv4 type 3 code 12 (Destination Host Unreachable \
                 for Type of Service); ICMPv6 has no counterpart, so here is what it means in \
                 ICMPv4.\n\nICMPv4 type 3 code 12: "
            ),
            "{text}"
        );
    }

    #[test]
    fn bad_input_says_what_to_do() {
        let e = explain(&args(false, "256", None)).unwrap_err();
        assert_eq!(e.to_string(), "TYPE must be from 0 to 255, not 256");
        let e = explain(&args(false, "3", Some("x"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CODE must be a number from 0 to 255, not 'x'"
        );
        let e = explain(&args(false, "prohibit", None)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("no ICMP type or code is called 'prohibit': did you mean "),
            "{e}"
        );
        let e = explain(&args(false, "zzzz", None)).unwrap_err();
        assert!(e.to_string().contains("give a type number"), "{e}");
    }
}
