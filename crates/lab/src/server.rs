//! Long-running programs a test starts and stops (feature `monitor`):
//! Prometheus, `VictoriaMetrics`, `smokeping_prober`, `blackbox_exporter`, or
//! the daemon under test. A [`Server`] runs in a namespace or here, bounded
//! in time (`timeout`), in a process group of its own, with a scratch
//! directory ([`Scratch`]) for its configuration and data; it is ready when
//! an HTTP path answers 200 (a bounded wait), and when dropped it is
//! stopped (SIGTERM to its group, SIGKILL 10 s later) and its directory
//! removed. Its stderr goes to a file, printed when the test fails.
//!
//! The daemon under test, in the monitoring lab's first agent, reachable
//! from the router (where Prometheus runs); its history in a directory of
//! the test's own, which outlives a restart:
//!
//! ```ignore
//! let data = Scratch::new("history");
//! let scratch = Scratch::new("icmpkit-monitor");
//! let config = scratch.write("monitor.toml", &format!("data_dir = {:?}\n...", data.path()));
//! let endpoint = Listen::at(lab.ns("agent"), AGENT4.parse()?).free_endpoint();
//! let args = ["monitor", "--listen", &endpoint.addr.to_string(), "--config", config.to_str()?];
//! let daemon = Server::start(scratch, endpoint, icmpkit!(), &args.map(String::from), "/metrics");
//! daemon.signal("-HUP"); // reload
//! ```

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::http::Endpoint;

/// The longest a server may run, in seconds: killed (by `timeout`) after
/// that even if the test process died without dropping it.
pub const BOUND: u32 = 900;

/// The longest [`Server::start`] waits for a server to be ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `program`, killed after `seconds` (`timeout`), inside `ns` when given
/// (`ip netns exec`): how every peer and daemon of a test runs.
pub fn bounded(ns: Option<&str>, seconds: u32, program: &str) -> Command {
    let mut command = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "timeout"]);
            c
        }
        None => Command::new("timeout"),
    };
    command.arg(seconds.to_string()).arg(program);
    command
}

/// A directory of its own in the temporary directory, removed when
/// dropped.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// A new, empty directory named after `what` and this process.
    pub fn new(what: &str) -> Scratch {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("icmpkit-lab-{}x{n}-{what}", std::process::id()));
        // Left by an earlier process that had this id and was killed.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        Scratch { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` into file `name` in it; the file's path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Calls `check` every 100 ms until it returns something, for `within` at
/// most; panics saying `what` was awaited when it never does.
pub fn poll<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running server; stopped, and its scratch directory removed, when
/// dropped.
pub struct Server {
    name: String,
    child: Option<Child>,
    endpoint: Endpoint,
    // Declared last: removed after the server stopped.
    scratch: Scratch,
}

impl Server {
    /// Starts `icmpkit monitor --listen ENDPOINT --config CONFIG`
    /// (`icmpkit`: the binary under test) as [`Server::start`] does, ready
    /// when `ready_path` answers.
    pub fn monitor(
        scratch: Scratch,
        endpoint: Endpoint,
        icmpkit: &str,
        config: &Path,
        ready_path: &str,
    ) -> Server {
        let args = [
            "monitor".to_owned(),
            "--listen".to_owned(),
            endpoint.addr.to_string(),
            "--config".to_owned(),
            config.display().to_string(),
        ];
        Server::start(scratch, endpoint, icmpkit, &args, ready_path)
    }

    /// Starts `program args` in `endpoint`'s namespace (or here), its
    /// stdout and stderr into `scratch` (`stdout.log`, `stderr.log`), and
    /// waits until `GET ready_path` at `endpoint` answers 200
    /// ([`READY_TIMEOUT`] at most). Panics with its stderr when it exits
    /// or is not ready in time.
    pub fn start(
        scratch: Scratch,
        endpoint: Endpoint,
        program: &str,
        args: &[String],
        ready_path: &str,
    ) -> Server {
        let name = Path::new(program)
            .file_name()
            .map_or_else(|| program.to_owned(), |n| n.to_string_lossy().into_owned());
        let log = |file: &str| {
            let path = scratch.path().join(file);
            File::create(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()))
        };
        let mut command = bounded(endpoint.ns.as_deref(), BOUND, program);
        command
            .args(args)
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"))
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let mut server = Server {
            name,
            child: Some(child),
            endpoint,
            scratch,
        };
        server.wait_ready(ready_path);
        server
    }

    fn wait_ready(&mut self, path: &str) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let last = match self.endpoint.request("GET", path, None, &[]) {
                Ok(response) if response.status == 200 => return,
                Ok(response) => format!("{}: {}", response.status, response.text()),
                Err(e) => e.to_string(),
            };
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("{} exited ({status}): {}", self.name, self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready at {} within {READY_TIMEOUT:?} (last: {last}): {}",
                self.name,
                self.endpoint.url(path),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Where it listens.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Its scratch directory (configuration, data, logs).
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// What it wrote on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read(self.scratch.path().join("stderr.log"))
            .map(|b| crate::text(&b))
            .unwrap_or_default()
    }

    /// The process id of the program itself (`ip netns exec` and
    /// `timeout` before it: its only child), for reading its `/proc`.
    pub fn pid(&self) -> Option<u32> {
        let child = self.child.as_ref()?;
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id()))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// Sends `signal` (`-HUP`, `-KILL`, ...) to the program itself (not
    /// to `timeout`, which would pass on only some); whether it was sent.
    pub fn signal(&self, signal: &str) -> bool {
        self.pid().is_some_and(|pid| {
            Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// Whether it has exited, and how (`None`: still running, or
    /// stopped by [`Server::stop`]).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Stops it now: SIGTERM to its process group, SIGKILL after 10 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            let stderr = std::fs::read(self.scratch.path().join("stderr.log")).unwrap_or_default();
            let tail = crate::text(&stderr[stderr.len().saturating_sub(8000)..]);
            eprintln!(
                "--- {} at {} (stderr, last 8000 bytes) ---\n{tail}",
                self.name,
                self.endpoint.url("")
            );
        }
    }
}
