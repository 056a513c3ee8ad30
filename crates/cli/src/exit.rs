//! Exit codes, one type for every subcommand, as iputils has them: 0 every
//! target answered (trace: the destination was reached; sweep: at least one
//! host was found; guard: no finding at `--fail-on`'s severity or worse), 1 otherwise, 2 usage or system error (mapped in `main`);
//! 130 (128 + SIGINT, as a shell reports it) for a sweep cut short by
//! Ctrl-C after its summary.

use std::process::ExitCode;

use icmpkit_proto::machine::Verdict;

/// How a subcommand that ran to its end exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything answered, or a command with no such notion succeeded.
    Success,
    /// 1: something did not answer.
    Unanswered,
    /// 1: `guard` raised a finding at `--fail-on`'s severity or worse.
    Flagged,
    /// 130: stopped by SIGINT (Ctrl-C), the summary printed.
    Interrupted,
}

impl From<Verdict> for Exit {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Answered => Self::Success,
            Verdict::Unanswered => Self::Unanswered,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Unanswered | Exit::Flagged => ExitCode::from(1),
            Exit::Interrupted => ExitCode::from(INTERRUPTED),
        }
    }
}

/// The exit code of a run stopped by SIGINT: 128 + 2, what a shell
/// reports for a program Ctrl-C killed.
pub const INTERRUPTED: u8 = 130;

/// The exit code of a usage or system error.
pub const ERROR: u8 = 2;
