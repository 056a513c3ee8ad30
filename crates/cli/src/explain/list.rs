//! `icmpkit explain --list`: every type and code of a registry with its
//! names, one a line; the numbers the registry leaves unassigned as ranges.

use std::fmt::Write as _;

use anyhow::Result;
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning;

use super::render::{family, other_names};

/// The listing of the given families.
pub(super) fn list(versions: &[IpVersion]) -> Result<String> {
    let mut out = String::new();
    for (i, &version) in versions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        writeln!(
            out,
            "{} types and codes (TYPE CODE NAME; also)",
            family(version)
        )?;
        let mut next = 0u16;
        for info in meaning::types(version) {
            gap(&mut out, next, u16::from(info.number))?;
            next = u16::from(info.number) + 1;
            line(
                &mut out,
                info.number,
                None,
                info.name,
                info.short,
                info.aliases,
            )?;
            for c in info.codes {
                line(
                    &mut out,
                    info.number,
                    Some(c.code),
                    c.name,
                    c.short,
                    c.aliases,
                )?;
            }
        }
        gap(&mut out, next, 256)?;
    }
    Ok(out)
}

/// The unassigned numbers from `from` up to (not including) `to`.
fn gap(out: &mut String, from: u16, to: u16) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    let last = to - 1;
    let numbers = if from == last {
        format!("{from}")
    } else {
        format!("{from}-{last}")
    };
    writeln!(out, "{numbers:>7}      Unassigned")?;
    Ok(())
}

fn line(
    out: &mut String,
    msg_type: u8,
    code: Option<u8>,
    name: &str,
    short: &str,
    aliases: &[&str],
) -> Result<()> {
    let code = code.map_or(String::new(), |c| c.to_string());
    write!(out, "{msg_type:>7} {code:>4} {name}")?;
    if let Some(names) = other_names(short, name, aliases) {
        write!(out, "; {names}")?;
    }
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_code_is_listed_once() {
        for version in [IpVersion::V4, IpVersion::V6] {
            let text = list(&[version]).unwrap();
            for info in meaning::types(version) {
                let head = format!("{:>7}      {}", info.number, info.name);
                assert_eq!(
                    text.lines().filter(|l| l.starts_with(&head)).count(),
                    1,
                    "{head}"
                );
                for c in info.codes {
                    let head = format!("{:>7} {:>4} {}", info.number, c.code, c.name);
                    assert_eq!(
                        text.lines().filter(|l| l.starts_with(&head)).count(),
                        1,
                        "{head}"
                    );
                }
            }
        }
        let v4 = list(&[IpVersion::V4]).unwrap();
        assert!(v4.contains("\n 44-252      Unassigned\n"), "{v4}");
        let v6 = list(&[IpVersion::V6]).unwrap();
        assert!(v6.contains("\n   5-99      Unassigned\n"), "{v6}");
        assert!(
            v6.lines().last().unwrap().starts_with("    255      "),
            "{v6}"
        );
    }
}
