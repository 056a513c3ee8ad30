//! `icmpkit decode`: one line (or JSON object) per ICMP or ICMPv6 packet of
//! a pcap/pcapng capture or of hex dumps. Other frames are skipped; a
//! malformed packet is shown as malformed, with the reason, and decoding
//! goes on.

mod fields;
mod json;
mod text;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use icmpkit_capture::encap::{self, Layer, Stop};
use icmpkit_capture::hex::HexReader;
use icmpkit_capture::{CaptureError, CaptureReader, Timestamp};
use icmpkit_wire::dissect::{self, Dissection};

/// Arguments of `icmpkit decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit decode capture.pcapng\n  \
                        icmpkit decode --json capture.pcap | jq .\n  \
                        echo '4500001c...' | icmpkit decode --hex -")]
pub struct Args {
    /// Print one JSON object per ICMP packet (and a final summary object).
    #[arg(long)]
    json: bool,
    /// Read hex dumps of IP packets (one per paragraph; `tcpdump -x` output
    /// works) instead of a capture file.
    #[arg(long)]
    hex: bool,
    /// A pcap or pcapng file, or `-` for standard input.
    #[arg(default_value = "-")]
    input: String,
}

/// One packet to decode, wherever it came from.
pub struct Packet<'a> {
    /// 1-based frame (or hex paragraph) number.
    pub frame: u64,
    /// Capture time, when there is one.
    pub time: Option<Timestamp>,
    /// The IP packet: the innermost one, when the frame holds tunnels.
    pub ip: &'a [u8],
    /// The tunnels it came through, outermost first (see
    /// [`encap::innermost`]); empty for a plain packet.
    pub encap: &'a [Layer],
}

/// What a run saw, for the summary.
#[derive(Debug, Default)]
pub struct Counts {
    /// Frames or hex packets read.
    pub frames: u64,
    /// ICMP/ICMPv6 packets decoded (malformed ones included).
    pub icmp: u64,
    /// ICMP packets malformed at any layer (see `Dissection::problem`).
    pub malformed: u64,
    /// ICMP packets whose checksum did not verify.
    pub bad_checksum: u64,
    /// Frames whose walk through tunnels stopped early, by reason (a
    /// truncated tunnel header, too many layers, encrypted MACsec).
    pub tunnel_stops: BTreeMap<String, u64>,
}

impl Counts {
    /// Counts a walk that stopped early.
    fn stopped(&mut self, stop: Option<&Stop>) {
        if let Some(stop) = stop {
            *self.tunnel_stops.entry(stop.to_string()).or_default() += 1;
        }
    }
}

/// Writes decoded packets in one of the output formats.
trait Renderer {
    /// Writes one ICMP packet.
    fn packet(
        &mut self,
        out: &mut dyn Write,
        packet: &Packet<'_>,
        d: &Dissection<'_>,
    ) -> io::Result<()>;
    /// Writes the end of the run (`error` is a damaged capture's reason).
    fn finish(
        &mut self,
        out: &mut dyn Write,
        counts: &Counts,
        error: Option<&str>,
    ) -> io::Result<()>;
}

/// Runs `icmpkit decode`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let input = open(&args.input)?;
    let stdout = io::stdout();
    // Large writes: a capture's lines go out in 64 KiB blocks, as it is read.
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut renderer: Box<dyn Renderer> = if args.json {
        Box::new(json::Json::default())
    } else {
        Box::new(text::Text::default())
    };
    let mut counts = Counts::default();
    let error = if args.hex {
        decode_hex(input, &args.input, &mut out, renderer.as_mut(), &mut counts)?;
        None
    } else {
        decode_capture(input, &args.input, &mut out, renderer.as_mut(), &mut counts)?
    };
    renderer.finish(
        &mut out,
        &counts,
        error.as_ref().map(ToString::to_string).as_deref(),
    )?;
    out.flush()?;
    match error {
        Some(error) => {
            Err(anyhow::Error::new(error).context(format!("{}: capture is damaged", args.input)))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

fn open(path: &str) -> Result<Box<dyn Read>> {
    if path == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let file = File::open(path).with_context(|| format!("cannot open {path}"))?;
    Ok(Box::new(file))
}

fn emit(
    out: &mut dyn Write,
    renderer: &mut dyn Renderer,
    counts: &mut Counts,
    packet: &Packet<'_>,
) -> io::Result<()> {
    counts.frames += 1;
    let Some(d) = dissect::dissect(packet.ip) else {
        return Ok(());
    };
    counts.icmp += 1;
    counts.malformed += u64::from(d.problem().is_some());
    counts.bad_checksum += u64::from(d.checksum_status == dissect::ChecksumStatus::Invalid);
    renderer.packet(out, packet, &d)
}

/// Decodes a pcap/pcapng stream. Returns the capture error that stopped it
/// early, after every frame before it was decoded.
fn decode_capture(
    input: Box<dyn Read>,
    name: &str,
    out: &mut dyn Write,
    renderer: &mut dyn Renderer,
    counts: &mut Counts,
) -> Result<Option<CaptureError>> {
    let mut reader = match CaptureReader::new(BufReader::with_capacity(1 << 16, input)) {
        Ok(reader) => reader,
        Err(CaptureError::NotACapture { magic }) => anyhow::bail!(
            "{name} is not a pcap or pcapng capture (it starts with 0x{:08x}); \
             for hex dumps of IP packets use --hex",
            u32::from_be_bytes(magic)
        ),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {name}"))),
    };
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return Ok(Some(e)),
        };
        let unwrapped = frame.innermost();
        counts.stopped(unwrapped.stop.as_ref());
        let Some(ip) = unwrapped.ip else {
            counts.frames += 1;
            continue;
        };
        let packet = Packet {
            frame: frame.number,
            time: Some(frame.timestamp),
            ip,
            encap: &unwrapped.path,
        };
        emit(out, renderer, counts, &packet)?;
    }
    Ok(None)
}

/// Decodes hex dumps as they arrive: each packet is written, and the output
/// flushed whenever the reader is about to wait for more input, so a dump
/// piped in while it is written is shown packet by packet.
fn decode_hex(
    input: Box<dyn Read>,
    name: &str,
    out: &mut dyn Write,
    renderer: &mut dyn Renderer,
    counts: &mut Counts,
) -> Result<()> {
    let mut reader = HexReader::new(input);
    let mut frame = 0;
    while let Some(ip) = reader
        .next_packet(&mut || out.flush())
        .with_context(|| format!("in {name}"))?
    {
        frame += 1;
        // A plain packet is decoded as written (trailing bytes and all).
        let unwrapped = encap::from_ip(ip);
        counts.stopped(unwrapped.stop.as_ref());
        let (ip, path) = match unwrapped.ip {
            Some(inner) if !unwrapped.path.is_empty() => (inner, unwrapped.path.as_slice()),
            _ => (ip, &[][..]),
        };
        let packet = Packet {
            frame,
            time: None,
            ip,
            encap: path,
        };
        emit(out, renderer, counts, &packet)?;
    }
    Ok(())
}
