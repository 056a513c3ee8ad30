//! Shell completions and manual pages, generated from the clap definitions
//! (`clap_complete`, `clap_mangen`) by two hidden subcommands:
//! `icmpkit completions SHELL` prints a script, `icmpkit manpages DIR`
//! writes `icmpkit.1` and one `icmpkit-SUBCOMMAND.1` per subcommand.
//!
//! Subcommands rather than a build script: the definitions are the
//! binary's own types, spread over its modules, which a build script cannot
//! reach; and so whoever has the binary (a package build, `cargo install`)
//! can make the files that match it.

use std::fs::File;
use std::io::{self, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Command;
use clap_complete::Shell;

/// Arguments of `icmpkit completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

/// Arguments of `icmpkit manpages`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManpagesArgs {
    /// The directory to write the pages in (made if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Prints the completion script of `command` for a shell.
pub fn completions(args: &CompletionsArgs, mut command: Command) -> Result<ExitCode> {
    let name = command.get_name().to_owned();
    // Into memory first: clap_complete panics on a failed write (a closed
    // pipe), where the error should reach `main`.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the manual pages of `command` and of each visible subcommand
/// into `args.dir`, and prints their paths.
pub fn manpages(args: &ManpagesArgs, command: Command) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir).with_context(|| format!("making {}", args.dir.display()))?;
    let mut command = command;
    command.build();
    let name = command.get_name().to_owned();
    let mut written = vec![write_page(&args.dir, &name, command.clone())?];
    // clap's own `help` subcommand needs no page.
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let page = format!("{name}-{}", sub.get_name());
        // The page's title and synopsis name the command as it is typed.
        let sub = sub
            .clone()
            .name(page.clone())
            .bin_name(format!("{name} {}", sub.get_name()));
        written.push(write_page(&args.dir, &page, sub)?);
    }
    let mut out = io::stdout().lock();
    for path in written {
        writeln!(out, "{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `DIR/PAGE.1`.
fn write_page(dir: &Path, page: &str, command: Command) -> Result<PathBuf> {
    let path = dir.join(format!("{page}.1"));
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    clap_mangen::Man::new(command)
        .render(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
