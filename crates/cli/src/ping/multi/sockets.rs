//! A [`Transport`] over one ICMP socket per family, for several-target
//! ping and PROBE until `icmpkit_driver::real` (the socket plan with
//! batched I/O) takes its place: sends one datagram per call, waits on
//! every socket at once, reads replies and the error queue.

use std::io;
use std::time::Instant;

use icmpkit_driver::{Delivery, Transport, TransportError};
use icmpkit_net::{Clocks, ErrorOrigin, IcmpSocket};
use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, SendFailure, SocketError, Transmit,
};
use icmpkit_wire::IpVersion;

/// The sockets of a run, by family.
pub struct IcmpTransport {
    sockets: [Option<IcmpSocket>; 2],
    kernel_times: bool,
    buf: Vec<u8>,
    err_buf: Vec<u8>,
}

const fn slot(version: IpVersion) -> usize {
    match version {
        IpVersion::V4 => 0,
        IpVersion::V6 => 1,
    }
}

fn io_error(operation: &'static str, source: io::Error) -> TransportError {
    TransportError::Io { operation, source }
}

impl IcmpTransport {
    /// The transport over `v4` and `v6`; replies carry kernel receive
    /// times when `kernel_times` (the sockets have timestamps on).
    pub fn new(v4: Option<IcmpSocket>, v6: Option<IcmpSocket>, kernel_times: bool) -> Self {
        Self {
            sockets: [v4, v6],
            kernel_times,
            buf: vec![0; 65_536 + 128],
            err_buf: vec![0; 65_536 + 128],
        }
    }

    /// Hands every queued error of socket `index` to `sink`; how many.
    fn drain_errors(
        &mut self,
        index: usize,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<usize, TransportError> {
        let Some(socket) = &self.sockets[index] else {
            return Ok(0);
        };
        let mut seen = 0;
        while let Some(queued) = socket
            .recv_error(&mut self.err_buf)
            .map_err(|e| io_error("reading the error queue", e))?
        {
            seen += 1;
            let source = match queued.origin {
                ErrorOrigin::Local => ErrorSource::Local,
                ErrorOrigin::Icmp | ErrorOrigin::Icmp6 => ErrorSource::Icmp,
                ErrorOrigin::Other(_) => continue,
            };
            sink(Delivery::Input(Input::SocketError(SocketError {
                channel: Channel::Icmp,
                source,
                errno: queued.errno,
                icmp_type: queued.icmp_type,
                icmp_code: queued.icmp_code,
                info: queued.info,
                offender: queued.offender,
                dst: queued.dst,
                read_at: Instant::now(),
                original: queued.original(&self.err_buf),
            })));
        }
        Ok(seen)
    }

    /// Hands everything socket `index` holds to `sink`.
    fn receive_from(
        &mut self,
        index: usize,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        loop {
            let Some(socket) = &self.sockets[index] else {
                return Ok(());
            };
            let received = match socket.try_recv(&mut self.buf) {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err(e) => {
                    // A pending socket error: its reason is in the queue.
                    if self.drain_errors(index, sink)? == 0 {
                        return Err(io_error("recvmsg", e));
                    }
                    continue;
                }
            };
            let clocks = Clocks::read();
            let kernel_at = if self.kernel_times {
                clocks.kernel_instant(received.kernel_time)
            } else {
                None
            };
            sink(Delivery::Input(Input::Datagram(Datagram {
                channel: Channel::Icmp,
                from: received.from,
                hop_limit: received.ttl,
                read_at: clocks.now,
                kernel_at,
                bytes: received.icmp(&self.buf),
            })));
        }
    }
}

impl Transport for IcmpTransport {
    fn now(&mut self) -> Instant {
        Instant::now()
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let index = slot(transmit.version());
        let Some(socket) = &self.sockets[index] else {
            return Err(TransportError::NoSocket {
                channel: "ICMP",
                version: if index == 0 { 4 } else { 6 },
            });
        };
        if let Err(e) = socket.send_to(bytes, transmit.dst) {
            let explained = self.drain_errors(index, sink)? > 0;
            sink(Delivery::Refused(SendFailure {
                tag: transmit.tag,
                dst: transmit.dst,
                errno: e.raw_os_error().unwrap_or(0),
                explained,
            }));
        }
        Ok(())
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        let sockets: Vec<&IcmpSocket> = self.sockets.iter().flatten().collect();
        let timeout = deadline.saturating_duration_since(Instant::now());
        if sockets.is_empty() {
            std::thread::sleep(timeout);
            return Ok(());
        }
        icmpkit_net::wait_any(&sockets, timeout).map_err(|e| io_error("poll", e))?;
        Ok(())
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        for index in 0..2 {
            self.drain_errors(index, sink)?;
            self.receive_from(index, sink)?;
        }
        Ok(())
    }
}
