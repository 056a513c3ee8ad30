//! [`ThreadedTransport`]: a [`RealTransport`] whose sockets are read by a
//! thread of their own, for machines that send and receive at high rates
//! on a host with cores to spare.

use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use icmpkit_net::WaitSet;
use icmpkit_proto::machine::{Datagram, Input, Overflow, SocketError, Transmit};

use super::endpoint::Endpoint;
use super::{OpenError, RealTransport, SocketPlan};
use crate::transport::{Delivery, Transport, TransportError};

/// How many batches may wait for the driver before the receive thread
/// waits for it (and the kernel's receive buffers fill, as they would
/// with one thread).
const BATCHES_IN_FLIGHT: usize = 64;

/// The most batches one [`Transport::receive`] delivers: the driver goes
/// back to sending and keeping time.
const BATCHES_PER_RECEIVE: usize = 16;

/// The longest the receive thread waits before it looks whether the
/// transport was dropped.
const POLL_SLICE: Duration = Duration::from_millis(20);

/// The buffer the receive thread reads queued errors into.
const ERROR_BUFFER: usize = 65_536;

/// One delivery read on the receive thread, its bytes in [`Batch::bytes`].
#[derive(Debug, Clone)]
enum Item {
    /// The datagram, the range of its bytes and options, and where its
    /// options start.
    Datagram(Datagram<'static>, Range<usize>, usize),
    Error(SocketError<'static>, Range<usize>),
    Overflow(Overflow),
}

/// What the receive thread read from one socket in one go, owned; the
/// driver sends each batch back, emptied, to be filled again.
#[derive(Debug, Default)]
struct Batch {
    bytes: Vec<u8>,
    items: Vec<Item>,
}

impl Batch {
    /// Keeps a copy of `delivery`.
    fn push(&mut self, delivery: Delivery<'_>) {
        let input = match delivery {
            Delivery::Input(input) => input,
            Delivery::Overflow(overflow) => {
                self.items.push(Item::Overflow(overflow));
                return;
            }
            // A reader never sends, so it refuses nothing.
            Delivery::Refused(_) => return,
        };
        let start = self.bytes.len();
        match input {
            Input::Datagram(d) => {
                self.bytes.extend_from_slice(d.bytes);
                let options = self.bytes.len();
                self.bytes.extend_from_slice(d.ip_options);
                let range = start..self.bytes.len();
                let copy = Datagram {
                    bytes: &[],
                    ip_options: &[],
                    ..d
                };
                self.items.push(Item::Datagram(copy, range, options));
            }
            Input::SocketError(e) => {
                self.bytes.extend_from_slice(e.original);
                let range = start..self.bytes.len();
                self.items
                    .push(Item::Error(SocketError { original: &[], ..e }, range));
            }
        }
    }

    /// Hands every delivery to `sink`, in order.
    fn deliver(&self, sink: &mut dyn FnMut(Delivery<'_>)) {
        for item in &self.items {
            let input = match item {
                Item::Overflow(overflow) => {
                    sink(Delivery::Overflow(*overflow));
                    continue;
                }
                Item::Datagram(d, range, options) => Input::Datagram(Datagram {
                    bytes: self.bytes.get(range.start..*options).unwrap_or(&[]),
                    ip_options: self.bytes.get(*options..range.end).unwrap_or(&[]),
                    ..*d
                }),
                Item::Error(e, range) => Input::SocketError(SocketError {
                    original: self.bytes.get(range.clone()).unwrap_or(&[]),
                    ..*e
                }),
            };
            sink(Delivery::Input(input));
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
    }
}

/// What the receive thread hands over: a batch, or the failure that ended
/// it.
type Handed = Result<Batch, TransportError>;

/// A [`RealTransport`] whose receiving sockets are read by a thread of
/// their own (`recvmmsg(2)` into owned buffers handed over a channel),
/// while the driver's thread sends: for high-rate machines on a host with
/// a core to spare, where one thread cannot both build and send tens of
/// thousands of probes a second and read their answers. It implements
/// [`Transport`], so [`crate::drive`] runs it unchanged, and a machine
/// sees the same deliveries as over a [`RealTransport`].
///
/// A refused send still finds the error the kernel queued about it: the
/// two threads take turns on each error queue, a flush holding it from
/// its first send to its last refusal. Dropping the transport stops the
/// thread (within 20 ms) and closes the sockets.
#[derive(Debug)]
pub struct ThreadedTransport {
    sender: RealTransport,
    batches: Receiver<Handed>,
    recycle: Sender<Batch>,
    ready: Option<Handed>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ThreadedTransport {
    /// Opens every socket of `plan` as [`RealTransport::open`] does
    /// (dropping `CAP_NET_RAW`, for the receive thread too), and starts
    /// the receive thread.
    pub fn open(plan: &SocketPlan) -> Result<Self, OpenError> {
        Self::new(RealTransport::open(plan)?)
    }

    /// Starts a receive thread for the sockets of `transport`, which from
    /// now on only sends.
    pub fn new(mut transport: RealTransport) -> Result<Self, OpenError> {
        let (readers, waiting) = transport.split_readers();
        let (to_driver, batches) = mpsc::sync_channel(BATCHES_IN_FLIGHT);
        let (recycle, recycled) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("icmpkit-receive".to_owned())
                .spawn(move || read(readers, waiting, &to_driver, &recycled, &stop))
                .map_err(|e| {
                    OpenError::Setup(io::Error::new(
                        e.kind(),
                        format!("cannot start the receive thread: {e}"),
                    ))
                })?
        };
        Ok(Self {
            sender: transport,
            batches,
            recycle,
            ready: None,
            stop,
            thread: Some(thread),
        })
    }

    /// The sockets, for what a front end reads before it builds its
    /// machine ([`RealTransport::dgram_ident`], [`RealTransport::icmp_kind`],
    /// [`RealTransport::local_addr`], [`RealTransport::socket`]).
    pub fn real(&self) -> &RealTransport {
        &self.sender
    }

    /// Hands `handed` to `sink` and its emptied batch back to the thread.
    fn deliver(
        &mut self,
        handed: Handed,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let mut batch = handed?;
        batch.deliver(sink);
        batch.clear();
        // The thread may have ended; the batch is then dropped.
        let _ = self.recycle.send(batch);
        Ok(())
    }
}

/// The end of the receive thread, when it ended without saying why.
fn thread_ended() -> TransportError {
    TransportError::Io {
        operation: "receiving",
        source: io::Error::other("the receive thread ended"),
    }
}

/// The receive thread: waits on every reader's socket and hands over
/// what each read, until the transport is dropped or a read fails for
/// good (the failure is handed over, and ends the run).
fn read(
    mut readers: Vec<Endpoint>,
    mut waiting: WaitSet,
    to_driver: &SyncSender<Handed>,
    recycled: &Receiver<Batch>,
    stop: &AtomicBool,
) {
    let mut buf = vec![0; ERROR_BUFFER];
    let mut spare = None;
    while !stop.load(Ordering::Relaxed) {
        if waiting.is_empty() {
            std::thread::sleep(POLL_SLICE);
            continue;
        }
        match waiting.wait(POLL_SLICE) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(source) => {
                let _ = to_driver.send(Err(TransportError::Io {
                    operation: "waiting for input",
                    source,
                }));
                return;
            }
        }
        for (i, reader) in readers.iter_mut().enumerate() {
            let ready = waiting.readiness(i).unwrap_or_default();
            if !(ready.readable || ready.error) {
                continue;
            }
            let mut batch = spare
                .take()
                .or_else(|| recycled.try_recv().ok())
                .unwrap_or_default();
            if let Err(e) = reader.receive(&mut buf, true, None, &mut |d| batch.push(d)) {
                let _ = to_driver.send(Err(e));
                return;
            }
            if batch.items.is_empty() {
                spare = Some(batch);
            } else if to_driver.send(Ok(batch)).is_err() {
                // The transport was dropped.
                return;
            }
        }
    }
}

impl Drop for ThreadedTransport {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // A thread waiting for room in the channel fails to send, and ends.
        let (_, closed) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.batches, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Transport for ThreadedTransport {
    fn now(&mut self) -> Instant {
        Instant::now()
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        self.sender.send(transmit, bytes, sink)
    }

    fn flush(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        self.sender.flush(sink)
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        if deadline > Instant::now() {
            self.sender.settle()?;
        }
        if self.ready.is_some() {
            return Ok(());
        }
        let timeout = deadline.saturating_duration_since(Instant::now());
        match self.batches.recv_timeout(timeout) {
            Ok(handed) => self.ready = Some(handed),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Err(thread_ended()),
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<(), TransportError> {
        self.sender.settle()
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        self.sender.deliver_settled(sink);
        if let Some(handed) = self.ready.take() {
            self.deliver(handed, sink)?;
        }
        for _ in 0..BATCHES_PER_RECEIVE {
            match self.batches.try_recv() {
                Ok(handed) => self.deliver(handed, sink)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(thread_ended()),
            }
        }
        Ok(())
    }
}
