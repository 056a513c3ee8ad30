//! [`SendPool`]: send-only sockets that share the sending of one
//! endpoint's batches, each on a thread of its own.
//!
//! On Linux most of a probe's cost is the kernel's, and it is paid by the
//! thread that sends: routing, the output path, and on a virtual link the
//! receiving host's whole answer too. A raw socket sends under its own
//! lock, so one socket is one core's worth of sending, however many
//! threads share it. A pool opens more raw sockets of the same kind and
//! options, each driven by a worker thread: a flush of a large batch
//! hands each worker an equal share of it and returns, so the driver's
//! thread builds the next batch and reads answers while the workers send
//! (zmap's split of sending from receiving). The endpoint settles the
//! shares (waits for them and delivers their refusals, in the order of
//! the shares) before its next flush, and the transport before it
//! sleeps; a batch too small to share the endpoint sends itself.
//!
//! The pool's sockets only send: their ICMP type filter drops every type,
//! so the kernel does not even copy what arrives to them, and they queue
//! no errors (a refusal carries its errno alone). The sockets are opened
//! with the transport's, while it may still open raw sockets; each thread
//! starts with its first share, from the driver's thread, whose
//! capabilities the transport has dropped by then: Linux keeps
//! capabilities per thread, and a thread started earlier would keep
//! `CAP_NET_RAW` for the whole run.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use icmpkit_net::{IcmpSocket, SendBatch, SocketChoice};
use icmpkit_proto::machine::SendFailure;
use icmpkit_wire::IpVersion;

use super::OpenError;
use super::endpoint::{Drained, configure};
use super::plan::SocketOptions;
use super::queue::SendQueue;
use super::sending::{Refusals, errno_of, send_queue};
use crate::transport::{Delivery, TransportError};

/// The fewest datagrams worth a share of their own: below this a batch is
/// sent by the endpoint alone (handing over costs a thread wake-up).
const MIN_SHARE: usize = 64;

/// What a worker hands back: its queue (emptied, for the next share), the
/// datagrams refused, and a failure that ends the run.
#[derive(Debug)]
struct Done {
    queue: SendQueue,
    refused: Vec<SendFailure>,
    failure: Option<TransportError>,
}

/// One send-only socket and the thread that sends on it.
#[derive(Debug)]
struct Worker {
    /// Its number, from 1 (the thread's name).
    number: usize,
    /// The socket, until the thread starts and takes it.
    socket: Option<IcmpSocket>,
    /// Closed on drop: the thread then ends.
    jobs: Option<SyncSender<SendQueue>>,
    done: Option<Receiver<Done>>,
    /// The queue for the next share, while the worker is idle.
    spare: Option<SendQueue>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread, unless it runs already.
    fn start(&mut self) -> std::io::Result<()> {
        let Some(socket) = self.socket.take() else {
            return Ok(());
        };
        let (jobs, job_rx) = mpsc::sync_channel(1);
        let (done_tx, done) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name(format!("icmpkit-send-{}", self.number))
            .spawn(move || work(&socket, &job_rx, &done_tx))
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot start a send thread: {e}"))
            })?;
        self.jobs = Some(jobs);
        self.done = Some(done);
        self.thread = Some(thread);
        Ok(())
    }
}

/// The send-only sockets of one endpoint and their threads.
#[derive(Debug)]
pub(super) struct SendPool {
    workers: Vec<Worker>,
    /// How many workers the current flush handed a share.
    busy: usize,
}

/// Collects a worker's refusals (its socket queues no errors).
struct Collect<'a> {
    queue: &'a SendQueue,
    refused: &'a mut Vec<SendFailure>,
}

impl Refusals for Collect<'_> {
    fn drain(&mut self) -> Result<Drained, TransportError> {
        Ok(Drained::default())
    }

    fn refuse(&mut self, index: usize, errno: i32, explained: bool) {
        if let Some(queued) = self.queue.get(index) {
            self.refused.push(SendFailure {
                tag: queued.tag,
                dst: queued.dst,
                errno,
                explained,
            });
        }
    }
}

/// The worker thread: sends each share it is given, hands it back.
fn work(socket: &IcmpSocket, jobs: &Receiver<SendQueue>, done: &SyncSender<Done>) {
    let mut batch = SendBatch::with_capacity(0);
    let mut ttl = socket.ttl().ok();
    while let Ok(mut queue) = jobs.recv() {
        let mut refused = Vec::new();
        let mut failure = None;
        let wanted = queue.ttl();
        let ttl_set = match wanted {
            Some(want) if ttl != Some(want) => socket.set_ttl(want).map(|()| ttl = Some(want)),
            _ => Ok(()),
        };
        let mut collect = Collect {
            queue: &queue,
            refused: &mut refused,
        };
        match ttl_set {
            Ok(()) => {
                if let Err(e) = send_queue(socket, &mut batch, &queue, false, &mut collect) {
                    failure = Some(e);
                }
            }
            Err(e) => {
                let errno = errno_of(&e);
                for i in 0..queue.len() {
                    collect.refuse(i, errno, false);
                }
            }
        }
        queue.clear();
        if done
            .send(Done {
                queue,
                refused,
                failure,
            })
            .is_err()
        {
            return;
        }
    }
}

impl SendPool {
    /// Opens `count` raw ICMP sockets of `version` with `options` (all
    /// but what only a receiving socket needs), each for a worker thread
    /// that starts with its first share. Needs `CAP_NET_RAW`, as the
    /// endpoint's own raw socket.
    pub fn open(
        version: IpVersion,
        count: usize,
        options: &SocketOptions,
    ) -> Result<Self, OpenError> {
        let options = SocketOptions {
            recv_errors: false,
            timestamps: false,
            recv_ttl: false,
            recv_buffer: None,
            ..options.clone()
        };
        let mut workers = Vec::with_capacity(count);
        for i in 0..count {
            let mut socket = IcmpSocket::open(version, SocketChoice::Raw)?;
            // Nothing is queued to it, so the kernel copies nothing to it.
            socket.set_type_filter(&[]).map_err(OpenError::Setup)?;
            socket.set_recv_buffer_size(1).map_err(OpenError::Setup)?;
            if let Some(index) = options.link_scope {
                socket.set_link_scope(index);
            }
            configure(&socket, &options)?;
            workers.push(Worker {
                number: i + 1,
                socket: Some(socket),
                jobs: None,
                done: None,
                spare: Some(SendQueue::new(icmpkit_net::MAX_BATCH)),
                thread: None,
            });
        }
        Ok(Self { workers, busy: 0 })
    }

    /// Moves `queue`'s datagrams in equal shares to idle workers, which
    /// start sending them at once. A queue too short to share (below
    /// [`MIN_SHARE`]) stays whole, as does what a gone worker could not
    /// take. Fails when a thread cannot be started.
    pub fn hand_out(&mut self, queue: &mut SendQueue) -> Result<(), TransportError> {
        let shares = (queue.len() / MIN_SHARE).min(self.workers.len());
        if shares < 1 {
            return Ok(());
        }
        let share = queue.len() / shares;
        // From the last share back, so each tail moved is one share.
        for k in (0..shares).rev() {
            let worker = &mut self.workers[k];
            worker.start().map_err(|source| TransportError::Io {
                operation: "sending",
                source,
            })?;
            let (Some(mut job), Some(jobs)) = (worker.spare.take(), worker.jobs.as_ref()) else {
                continue;
            };
            queue.move_tail(k * share, &mut job);
            if let Err(returned) = jobs.send(job) {
                // The thread is gone: its share goes back to the endpoint.
                let mut job = returned.0;
                job.move_tail(0, queue);
                worker.spare = Some(job);
                continue;
            }
            self.busy = self.busy.max(k + 1);
        }
        Ok(())
    }

    /// Whether shares handed out are not collected yet.
    pub fn has_shares_out(&self) -> bool {
        self.busy > 0
    }

    /// Waits for every worker given a share by the last
    /// [`SendPool::hand_out`], delivering their refusals in the order of
    /// the shares.
    pub fn collect(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        let busy = std::mem::take(&mut self.busy);
        let mut failure = None;
        for worker in self.workers.iter_mut().take(busy) {
            if worker.spare.is_some() {
                // Not handed a share this time.
                continue;
            }
            let Some(Ok(done)) = worker.done.as_ref().map(Receiver::recv) else {
                failure.get_or_insert(TransportError::Io {
                    operation: "sending",
                    source: std::io::Error::other("a send thread ended"),
                });
                continue;
            };
            for refused in done.refused {
                sink(Delivery::Refused(refused));
            }
            worker.spare = Some(done.queue);
            if let Some(f) = done.failure {
                failure.get_or_insert(f);
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

impl Drop for SendPool {
    fn drop(&mut self) {
        for worker in &mut self.workers {
            // Closing the channel ends the thread once its share is sent.
            worker.jobs = None;
        }
        for worker in &mut self.workers {
            if let Some(thread) = worker.thread.take() {
                let _ = thread.join();
            }
        }
    }
}
