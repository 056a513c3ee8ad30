//! The live view in a real terminal: tmux runs this test binary's
//! [`pane`] test in a pane of its own, sends it keys and reads the screen.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use icmpkit_driver::Signals;
use icmpkit_proto::machine::Signal;
use icmpkit_proto::mtr::Path;

use super::{DESTINATION, Rounds, ip, session};
use crate::mtr::tui::{Update, run, terminal};

/// What the pane runs: `run` (the live view over a feed of probes) or
/// `panic` (a panic while the terminal is taken).
const MODE: &str = "ICMPKIT_TUI_PANE";

/// How long the pane may take for each step.
const STEP: Duration = Duration::from_secs(20);

/// Not a test of its own: what [`the_live_view_takes_and_gives_back_a_real_terminal`]
/// and [`a_panic_gives_the_terminal_back_before_its_message`] run in a pane.
#[test]
#[ignore = "run in a tmux pane by the tests below"]
fn pane() {
    match std::env::var(MODE).as_deref() {
        Ok("run") => {
            let signals = Signals::none();
            let (tx, rx) = mpsc::channel();
            let feeder = {
                let signals = signals.clone();
                std::thread::spawn(move || feed(&tx, &signals))
            };
            let path = run(session(), Path::new(ip(DESTINATION), 1), &rx, &signals)
                .expect("the live view runs");
            let stopped = signals.take() == Some(Signal::Stop);
            drop(rx);
            let _ = feeder.join();
            println!(
                "pane: the view gave back {} hops, stop raised: {stopped}",
                path.hops().len()
            );
        }
        Ok("panic") => {
            let _raw = terminal::Raw::enter().expect("a terminal");
            print!("on the alternate screen");
            std::io::stdout().flush().expect("the pane takes output");
            panic!("the view panics on purpose");
        }
        other => panic!("{MODE} is {other:?}: this test only runs in a pane"),
    }
}

/// Three hops answering every 50 ms, as a network thread would, until
/// stopped or for 30 s at most.
fn feed(tx: &mpsc::Sender<Update>, signals: &Signals) {
    let mut rounds = Rounds::new(Duration::from_millis(50));
    for round in 0..600 {
        if signals.take() == Some(Signal::Stop) {
            return;
        }
        rounds.probe(round, 1, Some(("10.0.0.1", 1_000)));
        rounds.probe(round, 2, Some(("198.51.100.1", 5_000)));
        rounds.probe(round, 3, Some((DESTINATION, 9_000)));
        for result in rounds.results.drain(..) {
            if tx.send(Update::Probe(result)).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A tmux server of this test alone (its socket in a directory of its
/// own), killed and removed when dropped.
struct Tmux {
    dir: PathBuf,
}

impl Tmux {
    /// A 100x30 pane running [`pane`] in `mode`, then `stty -a` into a
    /// file once it ends.
    fn start(mode: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("icmpkit-tui-{mode}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let tmux = Self { dir };
        let exe = std::env::current_exe().expect("the test binary");
        let command = format!(
            "{MODE}={mode} '{}' --ignored --exact mtr::tui::tests::tmux::pane --nocapture \
             --test-threads=1 --quiet; stty -a > '{}'; sleep 60",
            exe.display(),
            tmux.dir.join("stty").display(),
        );
        tmux.run(&[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            &command,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(self.dir.join("socket"))
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .expect("tmux is installed");
        assert!(output.status.success(), "tmux {args:?}: {output:?}");
        output
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    fn alternate_screen(&self) -> bool {
        let out = self.run(&["display-message", "-p", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn keys(&self, keys: &str) {
        self.run(&["send-keys", keys]);
    }

    /// The screen once it shows every one of `texts`.
    fn wait_for(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the pane never showed {texts:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `stty -a` as the pane's shell saw it once the test ended.
    fn stty(&self) -> String {
        let path = self.dir.join("stty");
        let deadline = Instant::now() + STEP;
        loop {
            if let Ok(text) = std::fs::read_to_string(&path)
                && text.contains("icanon")
            {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the pane never ended:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(self.dir.join("socket"))
            .arg("kill-server")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `stty -a` shows a cooked terminal: line editing and echo on.
fn cooked(stty: &str) -> bool {
    let flags: Vec<&str> = stty.split_whitespace().collect();
    flags.contains(&"icanon") && flags.contains(&"echo")
}

#[test]
fn the_live_view_takes_and_gives_back_a_real_terminal() {
    let tmux = Tmux::start("run");
    let screen = tmux.wait_for(&["My traceroute [icmpkit]", " 3. 203.0.113.9 "]);
    assert!(screen.contains(" 1. 10.0.0.1 "), "{screen}");
    assert!(tmux.alternate_screen());
    tmux.keys("d");
    tmux.wait_for(&["rounds", "Scale:"]);
    tmux.keys("p");
    tmux.wait_for(&[" paused "]);
    tmux.keys("q");
    let screen = tmux.wait_for(&["pane: the view gave back 3 hops, stop raised: true"]);
    assert!(!screen.contains("My traceroute"), "{screen}");
    assert!(!tmux.alternate_screen());
    let stty = tmux.stty();
    assert!(cooked(&stty), "{stty}");
}

#[test]
fn a_panic_gives_the_terminal_back_before_its_message() {
    let tmux = Tmux::start("panic");
    let screen = tmux.wait_for(&["the view panics on purpose"]);
    assert!(!screen.contains("on the alternate screen"), "{screen}");
    let stty = tmux.stty();
    assert!(cooked(&stty), "{stty}");
    assert!(!tmux.alternate_screen());
}
