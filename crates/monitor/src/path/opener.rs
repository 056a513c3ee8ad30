//! [`SocketOpener`]: where a trace's sockets are opened.
//!
//! [`RealTransport::open`] drops `CAP_NET_RAW` (every capability) of the
//! thread that calls it, and Linux keeps capabilities per thread: a
//! daemon's tokio worker that opened one transport can never open a raw
//! socket again, and which worker runs a task is chance. So every open
//! happens on a short-lived thread of its own, which gives up only its own
//! capabilities. That thread is started either from the caller's thread
//! ([`SocketOpener::here`]: its capabilities and network namespace at the
//! time of the call) or from a thread kept for the purpose
//! ([`SocketOpener::start`]: the capabilities and namespace of the thread
//! that started it, kept for the daemon's life, whatever the other threads
//! drop meanwhile). That kept thread holds `CAP_NET_RAW` (when the process
//! had it) and does nothing but start the opening threads.

use std::sync::mpsc;

use icmpkit_driver::real::{RealTransport, SocketPlan};

use super::PathError;

/// A job for an opening thread.
type Job = Box<dyn FnOnce() + Send>;

/// Where trace sockets are opened (see the module's documentation).
/// Cloning shares the kept thread; it ends when the last clone drops.
#[derive(Debug, Clone, Default)]
pub struct SocketOpener {
    /// The kept thread's queue; `None`: open from the caller's thread.
    kept: Option<mpsc::Sender<Job>>,
}

/// Sockets open for a trace.
#[derive(Debug)]
pub(super) struct OpenSockets {
    /// The transport.
    pub transport: RealTransport,
    /// They are the unprivileged ones (a ping socket, its error queue).
    pub unprivileged: bool,
}

impl SocketOpener {
    /// Opens sockets on threads started from the thread that asks, with
    /// its capabilities and network namespace at that moment (tests, a
    /// one-off trace).
    pub fn here() -> Self {
        Self::default()
    }

    /// Starts the kept thread: every later open runs on a thread it starts,
    /// with the capabilities and the network namespace of the thread
    /// calling this, now. A daemon calls it at start-up, before anything
    /// opens a socket on this thread (which would drop its `CAP_NET_RAW`).
    ///
    /// # Errors
    /// The thread could not be started.
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("path sockets".to_owned())
            .spawn(move || {
                for job in queue {
                    // A job that cannot get its thread is dropped: its
                    // caller hears that as `PathError::OpenerGone`.
                    let _ = std::thread::Builder::new()
                        .name("path open".to_owned())
                        .spawn(job);
                }
            })?;
        Ok(Self { kept: Some(jobs) })
    }

    /// Opens `raw` and, when that fails, `unprivileged`, on an opening
    /// thread; both failures make [`PathError::NoSockets`].
    pub(super) async fn open(
        &self,
        raw: SocketPlan,
        unprivileged: SocketPlan,
    ) -> Result<OpenSockets, PathError> {
        self.run(move || match RealTransport::open(&raw) {
            Ok(transport) => Ok(OpenSockets {
                transport,
                unprivileged: false,
            }),
            Err(raw) => match RealTransport::open(&unprivileged) {
                Ok(transport) => Ok(OpenSockets {
                    transport,
                    unprivileged: true,
                }),
                Err(dgram) => Err(PathError::NoSockets { raw, dgram }),
            },
        })
        .await?
    }

    /// Opens the sockets of `plan` on an opening thread (the probers'
    /// sockets: `SocketChoice::Auto` there picks raw when the kept
    /// thread has `CAP_NET_RAW`).
    pub async fn open_transport(&self, plan: SocketPlan) -> Result<RealTransport, String> {
        match self.run(move || RealTransport::open(&plan)).await {
            Ok(Ok(transport)) => Ok(transport),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Runs `open` on an opening thread and hands back what it returned.
    async fn run<T: Send + 'static>(
        &self,
        open: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PathError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(open());
        });
        match &self.kept {
            Some(jobs) => jobs.send(job).map_err(|_| PathError::OpenerGone)?,
            None => {
                std::thread::Builder::new()
                    .name("path open".to_owned())
                    .spawn(job)
                    .map_err(PathError::Thread)?;
            }
        }
        answer.await.map_err(|_| PathError::OpenerGone)
    }
}
