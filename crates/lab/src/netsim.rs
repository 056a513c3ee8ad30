//! `icmpkit netsim up` in a lab namespace, for the tests that send through
//! its TUN device: [`Netsim`] starts it and waits for its ready line,
//! [`Capture`] records the device with tcpdump, [`craft`] writes crafted
//! packets onto the device (`lab/netsim/craft.py`), and
//! [`Netsim::interrupt`] stops it with SIGINT and returns its JSON summary.
//!
//! ```ignore
//! let lab = Lab::host(test)?;
//! let netsim = Netsim::start(&lab, "host", icmpkit!(), &["--json", "examples/netsim/chain.toml"]);
//! let capture = Capture::start(&lab, "host", "netsim0", test);
//! craft(&lab, "host", "netsim0", "echo 198.51.100.1 203.0.113.10 1 7 1\n");
//! let file = capture.stop();
//! let summary = netsim.interrupt();
//! ```

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::netns::Lab;
use crate::text;

/// The bound on every program run here, in seconds.
pub const BOUND: u32 = 60;

/// A running `icmpkit netsim up` and the lines of its stderr; stopped
/// (SIGTERM) when dropped without [`Netsim::interrupt`], as when a test
/// fails, so that its device goes away with it.
pub struct Netsim {
    /// `None` once interrupted.
    child: Option<Child>,
    stderr: mpsc::Receiver<String>,
    ready: String,
}

/// The lines of `reader`, as they come, on a channel.
fn lines(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

impl Netsim {
    /// Starts `icmpkit netsim up ARGS` (`icmpkit` being the binary under
    /// test, [`icmpkit!`](crate::icmpkit)) in `lab`'s namespace `ns`,
    /// bounded to [`BOUND`] seconds, and waits (10 s at most) for its
    /// ready line (`netsim0 up: ...; Ctrl-C stops it`).
    pub fn start(lab: &Lab, ns: &str, icmpkit: &str, args: &[&str]) -> Netsim {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &lab.ns(ns), "timeout"])
            .arg(BOUND.to_string())
            .args([icmpkit, "netsim", "up"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start netsim up");
        let stderr = lines(child.stderr.take().expect("piped stderr"));
        let ready = stderr
            .recv_timeout(Duration::from_secs(10))
            .expect("netsim up says it is up within 10 s");
        assert!(ready.ends_with("; Ctrl-C stops it"), "{ready}");
        Netsim {
            child: Some(child),
            stderr,
            ready,
        }
    }

    /// The ready line it printed on stderr.
    pub fn ready_line(&self) -> &str {
        &self.ready
    }

    /// SIGINT (to `timeout`, which passes it on), then its summary (it
    /// must have been started with `--json`); asserts that it exits well
    /// with nothing more on stderr.
    pub fn interrupt(mut self) -> serde_json::Value {
        let child = self.child.take().expect("interrupted once");
        assert!(signal(&child, "-INT"), "kill -INT netsim up");
        let out = child.wait_with_output().unwrap();
        let rest: Vec<String> = self.stderr.try_iter().collect();
        assert!(out.status.success(), "{rest:?}");
        assert!(rest.is_empty(), "{rest:?}");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
    }
}

impl Drop for Netsim {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take()
            && signal(&child, "-TERM")
        {
            let _ = child.wait();
        }
    }
}

/// Sends `signal` (`-INT`, `-TERM`) to `child`, a `timeout` that passes it
/// on to the program it bounds (a SIGKILL would leave that program
/// running unbounded); whether it was sent. Never panics (it runs in
/// `drop` too).
fn signal(child: &Child, signal: &str) -> bool {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args([signal, &pid]).status();
    sent.is_ok_and(|s| s.success())
}

/// tcpdump recording a device of a lab namespace into a pcap file;
/// stopped and its file removed when dropped without [`Capture::stop`].
pub struct Capture {
    child: Child,
    file: PathBuf,
}

impl Capture {
    /// Starts `tcpdump -i DEV -w FILE` in `lab`'s namespace `ns` (FILE in
    /// the temporary directory, named after `test`), and waits (10 s at
    /// most) until it listens.
    pub fn start(lab: &Lab, ns: &str, dev: &str, test: &str) -> Capture {
        let file =
            std::env::temp_dir().join(format!("icmpkit-{test}-{}-{dev}.pcap", std::process::id()));
        let path = file.to_str().expect("a UTF-8 temporary directory");
        let mut child = Command::new("ip")
            .args(["netns", "exec", &lab.ns(ns), "timeout"])
            .arg(BOUND.to_string())
            // Immediate mode (nothing held back when it stops), and frames
            // small enough that a burst fits the ring (with the default
            // snapshot length, 2 MB holds 8 frames).
            .args(["tcpdump", "-n", "-U", "--immediate-mode", "-s", "2048"])
            .args(["-B", "8192", "-i", dev, "-w", path])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tcpdump");
        let stderr = lines(child.stderr.take().expect("piped stderr"));
        let line = stderr
            .recv_timeout(Duration::from_secs(10))
            .expect("tcpdump listens within 10 s");
        assert!(line.contains("listening on"), "tcpdump: {line}");
        Capture { child, file }
    }

    /// Stops tcpdump (SIGINT) and returns the file it wrote, which the
    /// caller removes ([`std::fs::remove_file`]) when done.
    pub fn stop(mut self) -> PathBuf {
        // Let what is in flight reach the device first.
        std::thread::sleep(Duration::from_millis(300));
        assert!(signal(&self.child, "-INT"), "kill -INT tcpdump");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "tcpdump: {status}");
        std::mem::take(&mut self.file)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if !self.file.as_os_str().is_empty() {
            if signal(&self.child, "-TERM") {
                let _ = self.child.wait();
            }
            let _ = std::fs::remove_file(&self.file);
        }
    }
}

/// `lab/netsim/craft.py`, the writer of crafted packets.
pub fn craft_script() -> PathBuf {
    crate::repo().join("lab/netsim/craft.py")
}

/// Writes the packets of `specs` (one per line, as `lab/netsim/craft.py`
/// reads them: `echo SRC DST TTL ID SEQ`, `udp ...`, `error ...`,
/// `frag ...`, `sleep S`) onto `dev` in `lab`'s namespace `ns`, straight
/// to the program reading the device; returns how many it wrote.
pub fn craft(lab: &Lab, ns: &str, dev: &str, specs: &str) -> usize {
    let script = craft_script();
    let mut child = Command::new("ip")
        .args(["netns", "exec", &lab.ns(ns), "timeout"])
        .arg(BOUND.to_string())
        .arg("python3")
        .arg(&script)
        .arg(dev)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start craft.py");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(specs.as_bytes())
        .expect("write the specs");
    let out = child.wait_with_output().expect("craft.py");
    assert!(out.status.success(), "craft.py: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    stdout
        .trim()
        .strip_prefix("sent ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("craft.py: {stdout}"))
}

/// A topology file of `examples/netsim/`, as a path argument.
pub fn example(name: &str) -> String {
    let path: PathBuf = crate::repo().join("examples/netsim").join(name);
    assert!(Path::new(&path).is_file(), "{}", path.display());
    path.to_str().expect("a UTF-8 repository path").to_owned()
}
