//! The clap definition of each tool's command line: the `icmpkit`
//! subcommand's own, named as the tool, with the tool's version flag and
//! long names, or (tracepath) the tool's few options, turned into `icmpkit
//! trace --pmtu` arguments.

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::{Tool, VERSION_ID};
use crate::{mtr, ping, trace};

impl Tool {
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
            // getopt takes an option twice, the last one winning: scripts
            // that append to a default set (`ping6 -6`, `ping -c 1 -c 2`).
            .args_override_self(true)
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

/// tracepath's first destination port (its probes count up from it).
const TRACEPATH_PORT: u16 = 44_444;

/// The `icmpkit trace` arguments of a tracepath command line: a path MTU
/// walk printed as tracepath prints it. Its numbers are read as tracepath
/// reads them (`invalid argument: '300': out of range: 0 <= value <=
/// 255`); a port of 0 is its default, and `HOST/PORT` its old way of
/// giving one.
pub(super) fn tracepath_to_trace(m: &ArgMatches) -> anyhow::Result<Vec<String>> {
    let mut argv = vec![
        "trace".to_owned(),
        "--pmtu".to_owned(),
        "--format".to_owned(),
        "tracepath".to_owned(),
    ];
    for (id, flag) in [
        ("ipv4", "-4"),
        ("ipv6", "-6"),
        ("numeric", "-n"),
        ("both", "--both"),
    ] {
        if m.get_flag(id) {
            argv.push(flag.to_owned());
        }
    }
    let number = |id: &str, max: i64| -> anyhow::Result<Option<i64>> {
        m.get_one::<String>(id)
            .map(|v| tracepath_number(v, max))
            .transpose()
    };
    let length = number("length", i64::from(i32::MAX))?;
    if let Some(hops) = number("hops", 255)? {
        argv.extend(["-m".to_owned(), hops.to_string()]);
    }
    let given = m.get_one::<String>("host").map_or("", String::as_str);
    let mut host = given;
    let mut port = number("port", i64::from(u16::MAX))?.filter(|&p| p != 0);
    if port.is_none()
        && let Some((name, p)) = given.split_once('/')
    {
        port = Some(tracepath_number(p, i64::from(u16::MAX))?);
        host = name;
    }
    let port = port.filter(|&p| p != 0).unwrap_or(TRACEPATH_PORT.into());
    argv.extend(["-p".to_owned(), port.to_string(), host.to_owned()]);
    if let Some(length) = length {
        argv.push(length.to_string());
    }
    Ok(argv)
}

/// A number of tracepath's command line, from 0 to `max`, or the error
/// in its words.
fn tracepath_number(value: &str, max: i64) -> anyhow::Result<i64> {
    let n: i64 = value
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid argument: '{value}'"))?;
    if !(0..=max).contains(&n) {
        anyhow::bail!("invalid argument: '{value}': out of range: 0 <= value <= {max}");
    }
    Ok(n)
}
