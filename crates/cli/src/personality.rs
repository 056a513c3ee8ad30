//! One binary, many names (as busybox): invoked through a link named
//! `ping`, `ping6`, `traceroute`, `traceroute6`, `tracepath`, `tracepath6`
//! or `mtr`, icmpkit takes that tool's options and speaks with its name.
//!
//! Each tool is a [`Tool`]: the clap definition of the `icmpkit`
//! subcommand that does its work, given the tool's name, its version flag
//! and the long names the tool has for the same letters; and the tool's
//! own wording for what clap reports (a missing destination, an unknown
//! option, an option without its value), its exit codes included. The
//! work itself is the subcommand's: `ping` is `icmpkit ping` (with the
//! current upstream iputils header), `ping6` is `ping -6`, `traceroute` is
//! `icmpkit trace` with traceroute's classic probes (a port or sequence
//! number per probe), `tracepath` is `icmpkit trace --pmtu` (its output is
//! trace's path-MTU walk, not tracepath's), and `mtr` is `icmpkit mtr`.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command, FromArgMatches};

use crate::{mtr, ping, trace};

/// The id of the version flag every tool gets.
const VERSION_ID: &str = "tool_version";

/// A tool icmpkit can stand in for, chosen by the name it was run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// iputils `ping`.
    Ping,
    /// iputils `ping6`: `ping -6`.
    Ping6,
    /// Butskoy's `traceroute`.
    Traceroute,
    /// `traceroute6`: `traceroute -6`.
    Traceroute6,
    /// iputils `tracepath`.
    Tracepath,
    /// `tracepath6`: `tracepath -6`.
    Tracepath6,
    /// `mtr`.
    Mtr,
}

/// How a tool words a complaint about its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// glibc getopt, as iputils and mtr print it: `ping: invalid option --
    /// 'Z'`. `long` says whether the tool knows long options (mtr:
    /// `unrecognized option '--foo'`; ping reads `--foo` as the letter `-`).
    Getopt { long: bool },
    /// Butskoy traceroute's own: ``Bad option `-Z' (argc 1)``.
    Traceroute,
}

/// What a tool does when no destination is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// iputils ping: `ping: usage error: Destination address required`.
    UsageError,
    /// traceroute and tracepath: the usage on stderr, then the exit code.
    Usage,
    /// mtr: trace `localhost`.
    Localhost,
}

impl Tool {
    /// The tool a program name (`argv[0]`, a path or not) stands for.
    pub fn from_program(argv0: &OsStr) -> Option<Tool> {
        let name = Path::new(argv0).file_name()?.to_str()?;
        Some(match name {
            "ping" => Tool::Ping,
            "ping6" => Tool::Ping6,
            "traceroute" => Tool::Traceroute,
            "traceroute6" => Tool::Traceroute6,
            "tracepath" => Tool::Tracepath,
            "tracepath6" => Tool::Tracepath6,
            "mtr" => Tool::Mtr,
            // i18 merge: "fping" => Tool::Fping (run: crate::fping::Args from clap, crate::fping::run)
            _ => return None,
        })
    }

    /// The name the tool speaks with.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Ping => "ping",
            Tool::Ping6 => "ping6",
            Tool::Traceroute => "traceroute",
            Tool::Traceroute6 => "traceroute6",
            Tool::Tracepath => "tracepath",
            Tool::Tracepath6 => "tracepath6",
            Tool::Mtr => "mtr",
        }
    }

    /// Options the real tool has and icmpkit does not: what each does,
    /// and what to use instead. Said as such, not as an unknown option.
    fn lacking(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Tool::Ping | Tool::Ping6 => &[
                ("-3", "RTT precision without rounding"),
                ("-C", "connect() on the socket"),
                ("-d", "SO_DEBUG"),
                ("-H", "reverse lookups even of numeric targets"),
                ("-j", "iputils' JSON: use --json, icmpkit's JSON lines"),
                ("-r", "SO_DONTROUTE"),
            ],
            Tool::Traceroute | Tool::Traceroute6 => &[
                ("-d", "socket debugging"),
                ("--debug", "socket debugging"),
                ("-g", "loose source routing"),
                ("--gateway", "loose source routing"),
                ("-l", "IPv6 flow labels"),
                ("--flowlabel", "IPv6 flow labels"),
                ("-r", "SO_DONTROUTE"),
                (
                    "-M",
                    "traceroute's modules: use -I (ICMP), -U (UDP) or -T (TCP)",
                ),
                (
                    "--module",
                    "traceroute's modules: use -I (ICMP), -U (UDP) or -T (TCP)",
                ),
                ("-O", "module options"),
                ("--options", "module options"),
                ("-D", "DCCP probes: use -I, -U or -T"),
                ("--dccp", "DCCP probes: use -I, -U or -T"),
                ("-P", "raw protocol probes: use -I, -U or -T"),
                ("--protocol", "raw protocol probes: use -I, -U or -T"),
                ("--fwmark", "firewall marks"),
            ],
            _ => &[],
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Tool::Traceroute | Tool::Traceroute6 => Dialect::Traceroute,
            Tool::Mtr => Dialect::Getopt { long: true },
            _ => Dialect::Getopt { long: false },
        }
    }

    fn missing(self) -> Missing {
        match self {
            Tool::Ping | Tool::Ping6 => Missing::UsageError,
            Tool::Mtr => Missing::Localhost,
            _ => Missing::Usage,
        }
    }

    /// The exit code of a usage error, the tool's: iputils ping and
    /// traceroute 2, tracepath 255 (its `exit(-1)`), mtr 1.
    fn usage_exit(self) -> u8 {
        match self {
            Tool::Tracepath | Tool::Tracepath6 => 255,
            Tool::Mtr => 1,
            _ => 2,
        }
    }

    /// The exit code without a destination (traceroute's usage exits 0).
    fn missing_exit(self) -> u8 {
        match self {
            Tool::Traceroute | Tool::Traceroute6 => 0,
            other => other.usage_exit(),
        }
    }

    /// The flags that print the version.
    fn version_flags(self) -> &'static [&'static str] {
        match self {
            Tool::Mtr => &["-v", "--version"],
            Tool::Traceroute | Tool::Traceroute6 => &["-V", "--version"],
            _ => &["-V"],
        }
    }

    /// What the version flag prints. iputils' tools add a line of build
    /// features, in their format, answered for this binary.
    fn version_text(self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        let mut text = format!("{} from icmpkit {version}\n", self.name());
        if matches!(
            self,
            Tool::Ping | Tool::Ping6 | Tool::Tracepath | Tool::Tracepath6
        ) {
            text.push_str(
                "libcap: no, IDN: no, NLS: no, error.h: no, getrandom(): no, __fpending(): no\n",
            );
        }
        text
    }

    /// The arguments the tool's name implies before the user's.
    fn implied(self) -> &'static [&'static str] {
        match self {
            Tool::Ping6 | Tool::Traceroute6 | Tool::Tracepath6 => &["-6"],
            _ => &[],
        }
    }

    /// The id of the destination argument.
    fn destination_id(self) -> &'static str {
        match self {
            Tool::Ping | Tool::Ping6 => "targets",
            _ => "host",
        }
    }

    /// The clap definition of the tool's command line.
    pub fn command(self) -> Command {
        let version = self.version_flags();
        let mut flag = Arg::new(VERSION_ID)
            .short(version[0].chars().nth(1).unwrap_or('V'))
            .action(ArgAction::SetTrue)
            .help("Print the version and exit");
        if version.contains(&"--version") {
            flag = flag.long("version");
        }
        let base = Command::new(self.name())
            .about(format!(
                "icmpkit standing in for {}: its options, its output, its messages.",
                self.name()
            ))
            .disable_version_flag(true)
            .arg(flag);
        let destination = self.destination_id();
        match self {
            Tool::Ping | Tool::Ping6 => <ping::Args as clap::Args>::augment_args(base).after_help(
                "Examples:\n  ping -c 3 127.0.0.1\n  ping -6 -c 3 ::1\n  ping -c 1 -W 1 localhost",
            ),
            Tool::Traceroute | Tool::Traceroute6 => {
                traceroute_long_names(<trace::Args as clap::Args>::augment_args(
                    base.arg(
                        Arg::new("extensions")
                            .short('e')
                            .long("extensions")
                            .action(ArgAction::SetTrue)
                            .help("Show ICMP extensions (icmpkit always does)"),
                    ),
                ))
                .after_help("Examples:\n  traceroute -n 127.0.0.1\n  traceroute -I -q 1 ::1")
            }
            Tool::Tracepath | Tool::Tracepath6 => tracepath_command(base),
            Tool::Mtr => <mtr::Args as clap::Args>::augment_args(base)
                .mut_arg(destination, |a| {
                    a.required(false).default_value("localhost")
                })
                .after_help(
                    "Examples:\n  mtr -r -c 10 127.0.0.1\n  mtr -j -c 5 ::1\n\n\
                     Keys in the live view: q quit, p pause/resume, r reset, d display mode, \
                     n names, j jitter columns, b burst check, ? help.",
                ),
        }
    }
}

/// traceroute's long names for the letters `icmpkit trace` shares with
/// it (traceroute 2.1: `--icmp`, `--max-hops`, ...), and `--mtu`, its
/// path-MTU walk.
fn traceroute_long_names(command: Command) -> Command {
    [
        ("icmp", "icmp"),
        ("udp", "udp"),
        ("tcp", "tcp"),
        ("queries", "queries"),
        ("first_ttl", "first"),
        ("max_ttl", "max-hops"),
        ("wait", "wait"),
        ("in_flight", "sim-queries"),
        ("port", "port"),
        ("source", "source"),
        ("interface", "interface"),
        ("tos", "tos"),
        ("dont_fragment", "dont-fragment"),
        ("sendwait", "sendwait"),
        ("pmtu", "mtu"),
    ]
    .into_iter()
    .fold(command, |command, (id, long)| {
        command.mut_arg(id, |a| a.long(long))
    })
}

/// tracepath's options (`-4 -6 -b -l -m -n -p -V`), turned into `icmpkit
/// trace --pmtu` arguments by [`tracepath_to_trace`].
fn tracepath_command(base: Command) -> Command {
    let flag = |id: &'static str, short: char, help: &'static str| {
        Arg::new(id)
            .short(short)
            .action(ArgAction::SetTrue)
            .help(help)
    };
    let value = |id: &'static str, short: char, name: &'static str, help: &'static str| {
        Arg::new(id).short(short).value_name(name).help(help)
    };
    base.arg(flag("ipv4", '4', "IPv4 only").conflicts_with("ipv6"))
        .arg(flag("ipv6", '6', "IPv6 only"))
        .arg(flag(
            "both",
            'b',
            "Print both name and address (icmpkit always does, unless -n)",
        ))
        .arg(value(
            "length",
            'l',
            "LENGTH",
            "The first probe's size, IP header included",
        ))
        .arg(value("hops", 'm', "HOPS", "The highest TTL probed (30)"))
        .arg(flag("numeric", 'n', "Numeric output: no reverse lookups"))
        .arg(value(
            "port",
            'p',
            "PORT",
            "The destination port of the UDP probes",
        ))
        .arg(
            Arg::new("host")
                .value_name("DESTINATION")
                .help("The host to trace"),
        )
        .after_help("Examples:\n  tracepath -n 127.0.0.1\n  tracepath -6 ::1")
}

/// The `icmpkit trace` arguments of a tracepath command line.
fn tracepath_to_trace(m: &ArgMatches) -> Vec<String> {
    let mut argv = vec!["trace".to_owned(), "--pmtu".to_owned()];
    for (id, flag) in [("ipv4", "-4"), ("ipv6", "-6"), ("numeric", "-n")] {
        if m.get_flag(id) {
            argv.push(flag.to_owned());
        }
    }
    for (id, option) in [("hops", "-m"), ("port", "-p")] {
        if let Some(v) = m.get_one::<String>(id) {
            argv.extend([option.to_owned(), v.clone()]);
        }
    }
    if let Some(host) = m.get_one::<String>("host") {
        argv.push(host.clone());
    }
    if let Some(length) = m.get_one::<String>("length") {
        argv.push(length.clone());
    }
    argv
}

/// The user's arguments after the tool name's implied ones.
fn arguments(tool: Tool, user: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut argv = vec![OsString::from(tool.name())];
    argv.extend(tool.implied().iter().map(OsString::from));
    argv.extend(user);
    argv
}

/// What running a tool's command line comes to before any work: the
/// text to print and the exit code, or the arguments to work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Print `stdout` and `stderr`, exit with `code`.
    Done {
        /// For standard output.
        stdout: String,
        /// For standard error.
        stderr: String,
        /// The exit code.
        code: u8,
    },
    /// Run the subcommand with these matches.
    Run(Box<ArgMatches>),
}

impl Outcome {
    fn stdout(text: String) -> Self {
        Outcome::Done {
            stdout: text,
            stderr: String::new(),
            code: 0,
        }
    }

    fn stderr(text: String, code: u8) -> Self {
        Outcome::Done {
            stdout: String::new(),
            stderr: text,
            code,
        }
    }
}

/// Parses a tool's command line as the tool would: `program` is the
/// name it was run as (`argv[0]`, which its messages start with, as
/// glibc's `error()` and getopt print it), `user` the arguments after it.
pub fn parse(tool: Tool, program: &str, user: impl IntoIterator<Item = OsString>) -> Outcome {
    let argv = arguments(tool, user);
    let mut command = tool.command();
    let matches = match command.try_get_matches_from_mut(&argv) {
        Ok(matches) => matches,
        Err(error) => return complain(tool, program, &mut command, &argv, &error),
    };
    if matches.get_flag(VERSION_ID) {
        return Outcome::stdout(tool.version_text());
    }
    if !matches.contains_id(tool.destination_id()) {
        return missing_destination(tool, program, &mut command);
    }
    Outcome::Run(Box::new(matches))
}

fn missing_destination(tool: Tool, program: &str, command: &mut Command) -> Outcome {
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

/// A clap error in the tool's words.
fn complain(
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
        ErrorKind::MissingRequiredArgument => missing_destination(tool, program, command),
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
                let letter = flag.trim_start_matches('-').chars().next().unwrap_or('-');
                let letter = if flag.starts_with("--") { '-' } else { letter };
                Outcome::stderr(format!("{name}: invalid option -- '{letter}'{usage}"), code)
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
        ErrorKind::ArgumentConflict if is_family_conflict(error, &invalid_arg) => Outcome::stderr(
            format!("{name}: only one -4 or -6 option may be specified\n"),
            code,
        ),
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

/// Runs icmpkit as `tool`, run as `program`, with the arguments after
/// the program name.
pub fn run(tool: Tool, program: &str, user: impl IntoIterator<Item = OsString>) -> ExitCode {
    match parse(tool, program, user) {
        Outcome::Done {
            stdout,
            stderr,
            code,
        } => {
            print!("{stdout}");
            eprint!("{stderr}");
            ExitCode::from(code)
        }
        Outcome::Run(matches) => crate::finish(program, work(tool, &matches)),
    }
}

/// Does the work of a tool's parsed command line.
fn work(tool: Tool, matches: &ArgMatches) -> Result<ExitCode> {
    match tool {
        Tool::Ping | Tool::Ping6 => {
            let mut args = ping::Args::from_arg_matches(matches)?;
            // Current iputils takes whole seconds for -w.
            if let Some(deadline) = &args.deadline {
                ping::args::integer(deadline, 0, i32::MAX.unsigned_abs().into())?;
            }
            args.upstream_header = true;
            ping::run(&args)
        }
        Tool::Traceroute | Tool::Traceroute6 => {
            let mut args = trace::Args::from_arg_matches(matches)?;
            // traceroute's default probes take a port (UDP) or sequence
            // number (ICMP) of their own; its -U keeps one port, 53
            // unless -p.
            if args.udp {
                args.port.get_or_insert_with(|| "53".to_owned());
            } else {
                args.no_paris = true;
            }
            let code = trace::run(&args)?;
            // traceroute exits 0 whether or not the destination answered.
            Ok(if code == ExitCode::from(1) {
                ExitCode::SUCCESS
            } else {
                code
            })
        }
        Tool::Tracepath | Tool::Tracepath6 => {
            let argv = tracepath_to_trace(matches);
            let command = <trace::Args as clap::Args>::augment_args(Command::new("trace"));
            let args = trace::Args::from_arg_matches(&command.try_get_matches_from(argv)?)?;
            trace::run(&args)
        }
        Tool::Mtr => mtr::run(&mtr::Args::from_arg_matches(matches)?),
    }
}

#[cfg(test)]
mod tests;
