//! The lab `policy verify` runs in: the trace lab of `lab/lib.sh` (the one
//! lab builder, embedded here), its addresses, and loading a ruleset into
//! one of its namespaces. [`Lab`] removes every namespace when dropped, on
//! a panic too, and [`Lab::up`] arranges the same on SIGINT, SIGTERM and
//! SIGHUP.
//!
//! ```text
//!                                 .-- r3a --.
//! client --- r1 --- r2 --(ECMP)--<           >-- r4 ===== server
//!                                 '-- r3b --'        MTU 1280
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use icmpkit_guard::policy::verify::RulesetFormat;
use icmpkit_guard::policy::{IpVersion, Role};

/// `lab/lib.sh`, the one lab builder of the repository.
const LIB: &str = include_str!("../../../../../lab/lib.sh");

/// The MTU of the r4-server link.
pub const SMALL_MTU: u32 = 1280;

/// The longest building or removing the lab may take.
const LAB_SECONDS: u32 = 30;

/// The addresses of the trace lab over one IP version (`lab_trace` in
/// `lab/lib.sh`).
#[derive(Debug, Clone)]
pub struct Addresses {
    /// The client.
    pub client: IpAddr,
    /// r1's address toward r2 (outside).
    pub r1_outside: IpAddr,
    /// The server.
    pub server: IpAddr,
    /// What each hop of a trace from the client to the server may answer
    /// from (r3a or r3b by the probe's flow; over IPv6, r4 answers from the
    /// address the probe came in on).
    pub hops: Vec<Vec<IpAddr>>,
}

fn a4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn a6(net: u16, host: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, net, 0, 0, 0, 0, host))
}

impl Addresses {
    /// The lab's addresses over `version`.
    pub fn of(version: IpVersion) -> Addresses {
        match version {
            IpVersion::V4 => Addresses {
                client: a4(192, 0, 2, 2),
                r1_outside: a4(203, 0, 113, 1),
                server: a4(198, 51, 100, 2),
                hops: vec![
                    vec![a4(192, 0, 2, 254)],
                    vec![a4(203, 0, 113, 2)],
                    vec![a4(203, 0, 113, 6), a4(203, 0, 113, 10)],
                    vec![a4(203, 0, 113, 14)],
                    vec![a4(198, 51, 100, 2)],
                ],
            },
            IpVersion::V6 => Addresses {
                client: a6(1, 2),
                r1_outside: a6(0x12, 1),
                server: a6(2, 2),
                hops: vec![
                    vec![a6(1, 1)],
                    vec![a6(0x12, 2)],
                    vec![a6(0x23a, 2), a6(0x23b, 2)],
                    vec![a6(0x3a4, 2), a6(0x3b4, 2)],
                    vec![a6(2, 2)],
                ],
            },
        }
    }

    /// The r4 address the server routes through.
    fn r4_server_side(version: IpVersion) -> IpAddr {
        match version {
            IpVersion::V4 => a4(198, 51, 100, 1),
            IpVersion::V6 => a6(2, 1),
        }
    }
}

/// The namespace a ruleset for `role` is loaded in: the client for a
/// host (it uploads across the small link, so it must receive Frag Needed
/// and Packet Too Big from r4), r1 for a router or firewall (those errors
/// then pass its forward hook).
pub fn protected_machine(role: Role) -> &'static str {
    if role.forwards() { "r1" } else { "client" }
}

/// A running trace lab; dropping it removes its namespaces.
#[derive(Debug)]
pub struct Lab {
    prefix: String,
}

impl Lab {
    /// Builds the lab in namespaces `ikverify<pid>-NAME`, and removes them
    /// on SIGINT, SIGTERM or SIGHUP (then exits, 128 + the signal).
    pub fn up() -> anyhow::Result<Lab> {
        let prefix = format!("ikverify{}", std::process::id());
        remove_on_signal(&prefix)?;
        let lab = Lab { prefix };
        let out = lab_script(&["up", &lab.prefix, &SMALL_MTU.to_string()])?;
        if !out.status.success() {
            bail!(
                "cannot build the lab (lab/lib.sh lab_trace): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        lab.server_advertises_full_mss()?;
        Ok(lab)
    }

    /// The full name of namespace `name` (client, r1, r2, r3a, r3b, r4,
    /// server).
    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// `ip netns exec NS timeout SECONDS program args`, output collected.
    pub fn run(
        &self,
        name: &str,
        limit: Duration,
        program: &str,
        args: &[&str],
    ) -> std::io::Result<Output> {
        Command::new("ip")
            .args(["netns", "exec", &self.ns(name), "timeout"])
            .arg(format!("{:.1}", limit.as_secs_f64()))
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
    }

    /// Loads `file` (of `format`) in namespace `name`; the loader's own
    /// message when it refuses.
    pub fn load(&self, name: &str, file: &Path, format: RulesetFormat) -> anyhow::Result<()> {
        let loader = match format {
            RulesetFormat::Nft => "nft",
            RulesetFormat::Iptables => "iptables-restore",
            RulesetFormat::Ip6tables => "ip6tables-restore",
        };
        let path = file.to_string_lossy();
        let mut args = Vec::new();
        if format == RulesetFormat::Nft {
            args.push("-f");
        }
        args.push(&path);
        let out = self
            .run(name, Duration::from_secs(20), loader, &args)
            .with_context(|| format!("cannot run {loader}"))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.trim();
            if out.status.code() == Some(127) {
                bail!("{loader} is not installed: {said}");
            }
            bail!("{loader} refused {}: {said}", file.display());
        }
        Ok(())
    }

    /// The server advertises a TCP MSS for a 1500-byte path (`advmss`),
    /// not for its own 1280-byte link: so that the client sends segments
    /// too big for that link and must learn the path MTU from r4's
    /// Fragmentation Needed or Packet Too Big (with the server's own MSS,
    /// TCP would never need path-MTU discovery here).
    fn server_advertises_full_mss(&self) -> anyhow::Result<()> {
        for (version, family, mss) in [(IpVersion::V4, "-4", "1460"), (IpVersion::V6, "-6", "1440")]
        {
            let via = Addresses::r4_server_side(version).to_string();
            let out = self.run(
                "server",
                Duration::from_secs(5),
                "ip",
                &[
                    family, "route", "replace", "default", "via", &via, "dev", "s0", "advmss", mss,
                ],
            )?;
            if !out.status.success() {
                bail!(
                    "cannot set the server's advmss: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
        Ok(())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        remove(&self.prefix);
    }
}

/// Runs `lab_main trace ARGS` from the embedded library under bash.
fn lab_script(args: &[&str]) -> anyhow::Result<Output> {
    use std::io::Write as _;
    let mut child = Command::new("timeout")
        .arg(LAB_SECONDS.to_string())
        .args(["bash", "-s", "--"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run bash to build the lab")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(LIB.as_bytes())
            .and_then(|()| stdin.write_all(b"\nlab_main trace \"$@\"\n"))
            .context("cannot give the lab library to bash")?;
    }
    child
        .wait_with_output()
        .context("cannot wait for the lab script")
}

/// Removes every namespace of the lab `prefix` (best effort: it runs on the
/// way out, where an error has nowhere to go).
fn remove(prefix: &str) {
    let _ = lab_script(&["down", prefix]);
}

/// On SIGINT, SIGTERM or SIGHUP: remove the lab, then exit with 128 + the
/// signal's number.
fn remove_on_signal(prefix: &str) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot install the signal handlers")?;
    let prefix = prefix.to_owned();
    std::thread::Builder::new()
        .name("lab cleanup".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                eprintln!("icmpkit: interrupted, removing the lab");
                remove(&prefix);
                std::process::exit(128 + signal);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}
