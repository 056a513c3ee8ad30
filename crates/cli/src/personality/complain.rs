//! What clap reports about a command line, in the tool's own words: a
//! missing destination, an unknown option (or one of the real tool's that
//! icmpkit lacks), an option without its value, `-4` with `-6`.

use std::ffi::OsString;

use clap::Command;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::{Dialect, Missing, Outcome, Tool};

/// No destination: `bare` when the user gave no argument at all
/// (traceroute then prints its usage and exits 0, but with options it
/// says the host is missing and exits 2).
pub(super) fn missing_destination(
    tool: Tool,
    program: &str,
    command: &mut Command,
    bare: bool,
) -> Outcome {
    if matches!(tool, Tool::Traceroute | Tool::Traceroute6) && !bare {
        return Outcome::stderr(
            "Specify \"host\" missing argument.\n".to_owned(),
            tool.usage_exit(),
        );
    }
    match tool.missing() {
        Missing::UsageError => Outcome::stderr(
            format!("{program}: usage error: Destination address required\n"),
            tool.missing_exit(),
        ),
        Missing::Usage | Missing::Localhost => {
            Outcome::stderr(command.render_help().to_string(), tool.missing_exit())
        }
    }
}

/// getopt's words for an unknown short option (`-Z`, or the first letter
/// of `-Zx`): `invalid option -- 'Z'`.
pub(crate) fn invalid_option(flag: &str) -> String {
    let letter = flag.trim_start_matches('-').chars().next().unwrap_or('-');
    let letter = if flag.starts_with("--") { '-' } else { letter };
    format!("invalid option -- '{letter}'")
}

/// A clap error in the tool's words.
pub(super) fn complain(
    tool: Tool,
    program: &str,
    command: &mut Command,
    argv: &[OsString],
    error: &clap::Error,
) -> Outcome {
    let name = program;
    let code = tool.usage_exit();
    let usage = format!("\n{}\n", command.render_usage());
    let invalid_arg = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    // `-c <COUNT>` → `-c`; `--file <FILE>` → `--file`.
    let flag = invalid_arg
        .split([' ', '='])
        .next()
        .unwrap_or_default()
        .to_owned();
    let argc = || position(argv, &flag).saturating_sub(tool.implied().len());
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Outcome::stdout(error.render().to_string())
        }
        ErrorKind::MissingRequiredArgument
            if argv.iter().any(|a| {
                a.to_str()
                    .is_some_and(|a| tool.version_flags().contains(&a))
            }) =>
        {
            Outcome::stdout(tool.version_text())
        }
        ErrorKind::MissingRequiredArgument => {
            let bare = argv.len() == 1 + tool.implied().len();
            missing_destination(tool, program, command, bare)
        }
        ErrorKind::UnknownArgument
            if let Some((_, what)) = tool.lacking().iter().find(|(f, _)| *f == flag) =>
        {
            Outcome::stderr(
                format!(
                    "{name}: {flag} ({what}) is a {} option that icmpkit does not have\n",
                    tool.name()
                ),
                code,
            )
        }
        ErrorKind::UnknownArgument => match tool.dialect() {
            Dialect::Traceroute => {
                Outcome::stderr(format!("Bad option `{flag}' (argc {})\n", argc()), code)
            }
            Dialect::Getopt { long: true } if flag.starts_with("--") => {
                Outcome::stderr(format!("{name}: unrecognized option '{flag}'{usage}"), code)
            }
            Dialect::Getopt { .. } => {
                Outcome::stderr(format!("{name}: {}{usage}", invalid_option(&flag)), code)
            }
        },
        ErrorKind::InvalidValue if value_missing(error) => {
            // The option was the last argument: `-m`, `-nm` or `--max-hops`.
            let typed = argv
                .last()
                .map(|a| a.to_string_lossy().into_owned())
                .unwrap_or_default();
            let flag = if typed.starts_with("--") {
                typed.split('=').next().unwrap_or_default().to_owned()
            } else {
                format!("-{}", typed.chars().last().unwrap_or('-'))
            };
            match tool.dialect() {
                Dialect::Traceroute => {
                    let value = invalid_arg.split_once(' ').map_or("", |(_, v)| v);
                    Outcome::stderr(
                        format!(
                            "Option `{flag}' (argc {}) requires an argument: `{flag} {}'\n",
                            (argv.len() - 1).saturating_sub(tool.implied().len()),
                            value.replace(['<', '>'], "").to_lowercase()
                        ),
                        code,
                    )
                }
                Dialect::Getopt { .. } => Outcome::stderr(
                    format!(
                        "{name}: option requires an argument -- '{}'{usage}",
                        flag.trim_start_matches('-'),
                    ),
                    code,
                ),
            }
        }
        ErrorKind::ArgumentConflict if is_family_conflict(error, &invalid_arg) => {
            // tracepath's own words, and glibc's `error(2, ...)`.
            let only = match tool {
                Tool::Tracepath | Tool::Tracepath6 => "Only",
                _ => "only",
            };
            Outcome::stderr(
                format!("{name}: {only} one -4 or -6 option may be specified\n"),
                2,
            )
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            Outcome::stderr(format!("{name}: {first}{usage}"), code)
        }
    }
}

/// Whether an `InvalidValue` error is an option given without its value.
fn value_missing(error: &clap::Error) -> bool {
    matches!(error.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty())
}

/// Whether a conflict is `-4` against `-6`.
fn is_family_conflict(error: &clap::Error, invalid_arg: &str) -> bool {
    let prior = match error.get(ContextKind::PriorArg) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(s)) => s.clone(),
        _ => Vec::new(),
    };
    let family = |a: &str| a == "-4" || a == "-6";
    family(invalid_arg) && prior.iter().any(|p| family(p))
}

/// The index in `argv` of the argument that holds `flag` (traceroute's
/// `argc`): the argument itself, or the cluster of short options with its
/// letter.
fn position(argv: &[OsString], flag: &str) -> usize {
    let letter = flag.strip_prefix('-').filter(|l| !l.starts_with('-'));
    argv.iter()
        .skip(1)
        .position(|a| {
            let a = a.to_string_lossy();
            a == flag
                || a.starts_with(&format!("{flag}="))
                || letter.is_some_and(|l| {
                    a.starts_with('-') && !a.starts_with("--") && a[1..].contains(l)
                })
        })
        .map_or(argv.len(), |p| p + 1)
}
