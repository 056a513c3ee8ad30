//! The text of one explanation: a type with its codes, or one code.

use std::fmt::Write as _;

use anyhow::Result;
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning::{CodeInfo, Kind, Status, TypeInfo};

use crate::text::{wrap_into, wrap_with_first};

/// Width of wrapped text.
const WIDTH: usize = 78;

/// `ICMPv4` or `ICMPv6`.
pub(super) const fn family(version: IpVersion) -> &'static str {
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

/// A type: its names, meaning, causes, remedies and the list of its codes.
pub(super) fn explain_type(out: &mut String, version: IpVersion, info: &TypeInfo) -> Result<()> {
    writeln!(
        out,
        "{} type {}: {}",
        family(version),
        info.number,
        info.name
    )?;
    type_body(out, info)?;
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

/// Everything of a type's explanation after its first line, but its codes.
fn type_body(out: &mut String, info: &TypeInfo) -> Result<()> {
    writeln!(out, "  Kind:       {}", kind_word(info))?;
    details(
        out,
        info.reference,
        (info.short, info.name, info.aliases),
        info.meaning,
        info.causes,
        info.remedies,
    )
}

/// One code of a type. Code 0 of a type the registry gives no codes
/// ("No Code") is the type itself; any other code it does not name is
/// said to be unassigned.
pub(super) fn explain_code(
    out: &mut String,
    version: IpVersion,
    info: &TypeInfo,
    code: u8,
) -> Result<()> {
    if let Some(c) = info.code(code) {
        return write_code(out, version, info, c);
    }
    if code == 0 && info.codes.is_empty() {
        writeln!(
            out,
            "{} type {} code 0: {}",
            family(version),
            info.number,
            info.name
        )?;
        writeln!(out, "  Code:       0, the only code of this type")?;
        return type_body(out, info);
    }
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
    Ok(())
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
    details(
        out,
        c.reference,
        (c.short, c.name, c.aliases),
        c.meaning,
        c.causes,
        c.remedies,
    )
}

/// What a type's and a code's explanations end with: the reference, the
/// other `names` (short, name, aliases), what it means, its usual causes
/// and what to do.
fn details(
    out: &mut String,
    reference: &str,
    (short, name, aliases): (&str, &str, &[&str]),
    meaning: &str,
    causes: &[&str],
    remedies: &[&str],
) -> Result<()> {
    writeln!(out, "  Reference:  {reference}")?;
    names_line(out, short, name, aliases)?;
    section(out, "What it means", meaning);
    list(out, "Usual causes", causes);
    list(out, "What you can do", remedies);
    Ok(())
}

/// The names besides the IANA name (`None` when there are none).
pub(super) fn other_names(short: &str, name: &str, aliases: &[&str]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    if short != name {
        names.push(short);
    }
    names.extend(aliases);
    (!names.is_empty()).then(|| names.join(", "))
}

fn names_line(out: &mut String, short: &str, name: &str, aliases: &[&str]) -> Result<()> {
    if let Some(names) = other_names(short, name, aliases) {
        writeln!(out, "  Also:       {names}")?;
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
