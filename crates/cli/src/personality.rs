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
//! number per probe) and, as traceroute, no line about its sockets on
//! stderr, `tracepath` is `icmpkit trace --pmtu --format
//! tracepath` (tracepath's walk and lines, its exit codes: 0 once the walk
//! ran, 1 for an error, 130 for Ctrl-C, which kills tracepath), and `mtr`
//! is `icmpkit mtr`. An option the real tool has and icmpkit lacks (ping's
//! `-3 -C -d -H -j -r`, the list in `Tool::lacking`) is named as such,
//! not as an unknown option.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::{ArgMatches, Command, FromArgMatches};

use crate::{mtr, ping, trace};

mod command;
mod complain;

use command::tracepath_to_trace;
pub(crate) use complain::invalid_option;
use complain::{complain, missing_destination};

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
        Some(match base_name(argv0)? {
            "ping" => Tool::Ping,
            "ping6" => Tool::Ping6,
            "traceroute" => Tool::Traceroute,
            "traceroute6" => Tool::Traceroute6,
            "tracepath" => Tool::Tracepath,
            "tracepath6" => Tool::Tracepath6,
            "mtr" => Tool::Mtr,
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

    /// The exit code of an error once the command line parsed: 1 for
    /// tracepath's (glibc's `error(1, ...)`) and for a number ping
    /// refuses (iputils' `strtol_or_err` exits `EXIT_FAILURE`), 2 (icmpkit's
    /// own) otherwise.
    fn error_exit(self, error: &anyhow::Error) -> u8 {
        let refused_number = || {
            error.chain().any(|cause| {
                cause
                    .downcast_ref::<ping::args::InvalidArgument>()
                    .is_some()
            })
        };
        match self {
            Tool::Tracepath | Tool::Tracepath6 => 1,
            Tool::Ping | Tool::Ping6 if refused_number() => 1,
            _ => crate::exit::ERROR,
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
}

/// The file name of a program path (`/usr/bin/ping` → `ping`).
pub fn base_name(argv0: &OsStr) -> Option<&str> {
    Path::new(argv0).file_name()?.to_str()
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
        let bare = argv.len() == 1 + tool.implied().len();
        return missing_destination(tool, program, &mut command, bare);
    }
    Outcome::Run(Box::new(matches))
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
        Outcome::Run(matches) => {
            let result = work(tool, &matches);
            let error_exit = result.as_ref().err().map(|e| tool.error_exit(e));
            let code = crate::finish(program, result);
            match error_exit {
                Some(exit) if code == ExitCode::from(crate::exit::ERROR) => ExitCode::from(exit),
                _ => code,
            }
        }
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
            args.upstream = true;
            ping::run(&args)
        }
        Tool::Traceroute | Tool::Traceroute6 => {
            let mut args = trace::Args::from_arg_matches(matches)?;
            args.no_sockets_line = true;
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
            let argv = tracepath_to_trace(matches)?;
            let command = <trace::Args as clap::Args>::augment_args(Command::new("trace"));
            let args = trace::Args::from_arg_matches(&command.try_get_matches_from(argv)?)?;
            let code = trace::run(&args)?;
            // tracepath exits 0 whether or not the destination answered.
            Ok(if code == ExitCode::from(1) {
                ExitCode::SUCCESS
            } else {
                code
            })
        }
        Tool::Mtr => mtr::run(&mtr::Args::from_arg_matches(matches)?),
    }
}

#[cfg(test)]
mod tests;
