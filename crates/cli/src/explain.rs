//! `icmpkit explain`: the plain-language meaning of an ICMP type and code,
//! its usual causes and what to do, from `icmpkit_wire::meaning`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning::{self, CodeInfo, Kind, Status, TypeInfo};

use crate::text::{wrap_into, wrap_with_first};

/// Arguments of `icmpkit explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  icmpkit explain 3 4\n  icmpkit explain --v6 1 4\n  \
                        icmpkit explain frag-needed\n  icmpkit explain packet-too-big"
)]
pub struct Args {
    /// Explain an ICMPv6 type (numbers are ICMPv4 by default).
    #[arg(long = "v6", short = '6')]
    v6: bool,
    /// A type number (0-255) or a name such as `frag-needed`, `port-unreachable`,
    /// `packet-too-big`, `v6:admin-prohibited`.
    what: String,
    /// The code number (0-255), with a type number.
    code: Option<String>,
}

/// Width of wrapped text.
const WIDTH: usize = 78;

/// Runs `icmpkit explain`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let text = explain(args)?;
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The whole explanation as text.
fn explain(args: &Args) -> Result<String> {
    let (version, msg_type, code) = if let Ok(number) = args.what.parse::<u16>() {
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
        let version = if args.v6 {
            IpVersion::V6
        } else {
            IpVersion::V4
        };
        (version, msg_type, code)
    } else {
        if let Some(code) = &args.code {
            bail!(
                "a name such as '{}' takes no CODE (got '{code}'): use `icmpkit explain TYPE CODE` for numbers",
                args.what
            );
        }
        let name = if args.v6 && !args.what.contains(':') {
            format!("v6:{}", args.what)
        } else {
            args.what.clone()
        };
        let Some(found) = meaning::find(&name) else {
            bail!("{}", unknown_name(&args.what));
        };
        (found.version, found.msg_type, found.code)
    };
    let mut out = String::new();
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
        return Ok(out);
    };
    match code {
        Some(code) => explain_code(&mut out, version, info, code)?,
        None => explain_type(&mut out, version, info)?,
    }
    also_in_other_family(&mut out, &args.what, version)?;
    Ok(out)
}

fn number_arg(what: &str, n: u16) -> Result<u8> {
    u8::try_from(n).map_err(|_| anyhow::anyhow!("{what} must be from 0 to 255, not {n}"))
}

const fn family(version: IpVersion) -> &'static str {
    match version {
        IpVersion::V4 => "ICMPv4",
        IpVersion::V6 => "ICMPv6",
    }
}

fn kind_word(info: &TypeInfo) -> &'static str {
    match (info.kind, info.status) {
        (_, Status::Deprecated) => "deprecated",
        (_, Status::Experimental) => "experimental",
        (_, Status::Reserved) => "reserved",
        (_, Status::Unassigned) => "unassigned",
        (Kind::Error, Status::Current) => "error message",
        (Kind::Informational, Status::Current) => "informational message",
    }
}

fn explain_type(out: &mut String, version: IpVersion, info: &TypeInfo) -> Result<()> {
    writeln!(
        out,
        "{} type {}: {}",
        family(version),
        info.number,
        info.name
    )?;
    writeln!(out, "  Kind:       {}", kind_word(info))?;
    writeln!(out, "  Reference:  {}", info.reference)?;
    names_line(out, info.short, info.name, info.aliases)?;
    section(out, "What it means", info.meaning);
    list(out, "Usual causes", info.causes);
    list(out, "What you can do", info.remedies);
    if !info.codes.is_empty() {
        out.push_str("\nCodes\n");
        for c in info.codes {
            writeln!(out, "  {:>3}  {}", c.code, c.name)?;
        }
        writeln!(
            out,
            "\n  `icmpkit explain {}{} CODE` explains one code.",
            if version == IpVersion::V6 {
                "--v6 "
            } else {
                ""
            },
            info.number
        )?;
    }
    Ok(())
}

fn explain_code(out: &mut String, version: IpVersion, info: &TypeInfo, code: u8) -> Result<()> {
    let Some(c) = info.code(code) else {
        writeln!(
            out,
            "{} type {} ({}) code {code}: not a code the IANA registry assigns for this type.",
            family(version),
            info.number,
            info.name
        )?;
        if info.codes.is_empty() {
            writeln!(out, "  This type defines only code 0.")?;
        } else {
            let known: Vec<String> = info.codes.iter().map(|c| c.code.to_string()).collect();
            writeln!(out, "  Known codes: {}.", known.join(", "))?;
        }
        section(out, "About the type", info.meaning);
        return Ok(());
    };
    write_code(out, version, info, c)
}

fn write_code(out: &mut String, version: IpVersion, info: &TypeInfo, c: &CodeInfo) -> Result<()> {
    writeln!(
        out,
        "{} type {} code {}: {}",
        family(version),
        info.number,
        c.code,
        c.name
    )?;
    writeln!(out, "  Type:       {} ({})", info.name, kind_word(info))?;
    writeln!(out, "  Reference:  {}", c.reference)?;
    names_line(out, c.short, c.name, c.aliases)?;
    section(out, "What it means", c.meaning);
    list(out, "Usual causes", c.causes);
    list(out, "What you can do", c.remedies);
    Ok(())
}

fn names_line(out: &mut String, short: &str, name: &str, aliases: &[&str]) -> Result<()> {
    let mut names: Vec<&str> = Vec::new();
    if short != name {
        names.push(short);
    }
    names.extend(aliases);
    if !names.is_empty() {
        writeln!(out, "  Also:       {}", names.join(", "))?;
    }
    Ok(())
}

fn section(out: &mut String, title: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(title);
    out.push('\n');
    wrap_into(out, text, "  ", WIDTH);
}

fn list(out: &mut String, title: &str, items: &[&str]) {
    if items.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(title);
    out.push('\n');
    for item in items {
        wrap_with_first(out, item, "  - ", "    ", WIDTH);
    }
}

/// Mentions the same name in the other family (port-unreachable is both an
/// ICMPv4 and an ICMPv6 code).
fn also_in_other_family(out: &mut String, name: &str, shown: IpVersion) -> Result<()> {
    if name.parse::<u16>().is_ok() {
        return Ok(());
    }
    for other in meaning::find_all(name).filter(|f| f.version != shown) {
        let what = match other.code_info() {
            Some(c) => format!("type {} code {} ({})", other.msg_type, c.code, c.name),
            None => format!("type {} ({})", other.msg_type, other.type_info().name),
        };
        let prefix = if other.version == IpVersion::V6 {
            "v6:"
        } else {
            "v4:"
        };
        writeln!(
            out,
            "\n{} has {what} by the same name: `icmpkit explain {prefix}{name}`.",
            family(other.version)
        )?;
    }
    Ok(())
}

/// The error for a name nothing matches, with suggestions.
fn unknown_name(name: &str) -> String {
    let wanted: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut suggestions: Vec<String> = Vec::new();
    for version in [IpVersion::V4, IpVersion::V6] {
        for info in meaning::types(version) {
            let names = info
                .aliases
                .iter()
                .chain(info.codes.iter().flat_map(|c| c.aliases));
            for alias in names {
                let flat: String = alias.chars().filter(char::is_ascii_alphanumeric).collect();
                if !wanted.is_empty()
                    && flat.contains(&wanted)
                    && !suggestions.iter().any(|s| s == alias)
                {
                    suggestions.push((*alias).to_owned());
                }
            }
        }
    }
    let mut msg = format!("no ICMP type or code is called '{name}'");
    if suggestions.is_empty() {
        msg.push_str(
            ": give a type number (`icmpkit explain 3 4`) or a name such as frag-needed, \
             port-unreachable, packet-too-big, echo-request",
        );
    } else {
        suggestions.truncate(8);
        let _ = write!(msg, ": did you mean {}?", suggestions.join(", "));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v6: bool, what: &str, code: Option<&str>) -> Args {
        Args {
            v6,
            what: what.to_owned(),
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
