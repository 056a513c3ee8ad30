//! `icmpkit decode`: one line (or JSON object) per ICMP or ICMPv6 packet of
//! a pcap/pcapng capture or of hex dumps. Other frames are skipped; a
//! malformed packet is shown as malformed, with the reason, and decoding
//! goes on.
//!
//! Fragmented datagrams are reassembled as tshark does by default
//! ([`icmpkit_capture::reassembly`]): the message is shown once, at the
//! frame of the fragment that completed it, with its whole length and the
//! frames of its fragments; the fragments themselves are counted in the
//! summary, not shown.

mod fields;
mod json;
mod pairing;
mod text;
mod time;

use std::collections::BTreeMap;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use icmpkit_capture::encap::{self, Layer, Stop};
use icmpkit_capture::hex::HexReader;
use icmpkit_capture::reassembly::{self, Outcome, Reassembler};
use icmpkit_capture::{CaptureError, Timestamp};
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
    /// Read hex dumps of IP packets (one per paragraph; `tcpdump -x`, `-X`,
    /// `-xx` and `-XX` output works) instead of a capture file.
    #[arg(long)]
    hex: bool,
    /// The time column of the text output, in tshark's `-t` formats: r
    /// seconds since the first frame, a local time of day, ad local date
    /// and time, u and ud the same in UTC, e seconds since the epoch, d
    /// since the previous frame, dd since the previous message shown, none
    /// no column. Hex dumps have no times.
    #[arg(short = 't', long = "time", value_name = "FORMAT", default_value = "r")]
    time: time::TimeFormat,
    /// Read the capture twice, as `tshark -2`, so that a request, too, is
    /// shown with the frame of its reply (a file only).
    #[arg(short = '2', long)]
    two_pass: bool,
    /// A pcap or pcapng file, or `-` for standard input.
    #[arg(default_value = "-")]
    input: String,
}

/// One packet to decode, wherever it came from.
#[derive(Debug, Clone, Copy)]
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
    /// For a datagram reassembled from fragments: the frames of its
    /// fragments, in the order they came (`frame` is the last); empty for
    /// a packet that came whole.
    pub fragments: &'a [u64],
    /// What is wrong with the fragments of a reassembled datagram.
    pub reassembly: Option<reassembly::Problem>,
    /// The text of the time column (see [`time`]); empty for none.
    pub time_column: &'a str,
    /// Its request or reply, when it is one of a pair.
    pub link: pairing::Link,
}

impl<'a> Packet<'a> {
    /// A packet that came whole in one frame.
    pub fn whole(frame: u64, time: Option<Timestamp>, ip: &'a [u8], encap: &'a [Layer]) -> Self {
        Self {
            frame,
            time,
            ip,
            encap,
            fragments: &[],
            reassembly: None,
            time_column: "",
            link: pairing::Link::default(),
        }
    }
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
    /// What reassembly did: datagrams made whole and their fragments,
    /// datagrams never completed and their fragments.
    pub reassembly: reassembly::Stats,
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
    let pairing = if args.two_pass {
        first_pass(args)?
    } else {
        pairing::Pairing::default()
    };
    if args.input == "-" && io::stdin().is_terminal() {
        // As cat-like tools do: say why nothing happens yet.
        let what = if args.hex { "hex dumps" } else { "a capture" };
        eprintln!("icmpkit decode: reading {what} from standard input (Ctrl-D to end)");
    }
    let input = crate::input::open(&args.input)?;
    let stdout = io::stdout();
    // Large writes: a capture's lines go out in 64 KiB blocks, as it is read.
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut renderer: Box<dyn Renderer> = if args.json {
        Box::new(json::Json::default())
    } else {
        Box::new(text::Text::default())
    };
    let mut counts = Counts::default();
    let mut run = Run {
        out: &mut out,
        renderer: renderer.as_mut(),
        counts: &mut counts,
        reassembler: Reassembler::new(),
        // JSON has its own `time`: no column to write.
        clock: time::Clock::new(if args.json {
            time::TimeFormat::None
        } else {
            args.time
        }),
        time_column: String::new(),
        pairing,
    };
    let error = if args.hex {
        decode_hex(input, &args.input, &mut run)?;
        None
    } else {
        decode_capture(input, &args.input, &mut run)?
    };
    counts.reassembly = run.reassembler.finish();
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

/// Reads the capture once, showing nothing, to learn each request's reply.
fn first_pass(args: &Args) -> Result<pairing::Pairing> {
    if args.input == "-" || args.hex {
        anyhow::bail!(
            "--two-pass reads a capture file twice: give a pcap or pcapng file, \
             not standard input or hex dumps"
        );
    }
    let mut observer = FirstPass::default();
    let mut counts = Counts::default();
    let mut sink = io::sink();
    let mut run = Run {
        out: &mut sink,
        renderer: &mut observer,
        counts: &mut counts,
        reassembler: Reassembler::new(),
        clock: time::Clock::new(time::TimeFormat::None),
        time_column: String::new(),
        pairing: pairing::Pairing::default(),
    };
    // A damaged capture is reported by the second pass.
    let _ = decode_capture(crate::input::open(&args.input)?, &args.input, &mut run)?;
    Ok(observer.0.finish())
}

/// The renderer of a first pass: it shows nothing and notes the pairs.
#[derive(Default)]
struct FirstPass(pairing::FirstPass);

impl Renderer for FirstPass {
    fn packet(
        &mut self,
        _: &mut dyn Write,
        packet: &Packet<'_>,
        _: &Dissection<'_>,
    ) -> io::Result<()> {
        self.0.observe(packet.frame, packet.link);
        Ok(())
    }

    fn finish(&mut self, _: &mut dyn Write, _: &Counts, _: Option<&str>) -> io::Result<()> {
        Ok(())
    }
}

/// Where a run's packets go.
struct Run<'r> {
    out: &'r mut dyn Write,
    renderer: &'r mut dyn Renderer,
    counts: &'r mut Counts,
    reassembler: Reassembler,
    clock: time::Clock,
    /// The time column of the packet being shown.
    time_column: String,
    pairing: pairing::Pairing,
}

impl Run<'_> {
    /// Takes one IP packet: shows it, holds it as a fragment, or shows the
    /// datagram it completes.
    fn emit(&mut self, packet: &Packet<'_>) -> io::Result<()> {
        self.counts.frames += 1;
        self.clock.observe(packet.time);
        let packet = match self.reassembler.push(packet.frame, packet.time, packet.ip) {
            Outcome::Whole => *packet,
            Outcome::Held => return Ok(()),
            Outcome::Complete(whole) => Packet {
                ip: whole.packet,
                fragments: whole.frames,
                reassembly: whole.problem,
                ..*packet
            },
        };
        let Some(d) = dissect::dissect(packet.ip) else {
            return Ok(());
        };
        self.clock.write(&mut self.time_column, packet.time);
        let packet = Packet {
            time_column: &self.time_column,
            link: self.pairing.link(packet.frame, &d),
            ..packet
        };
        let counts = &mut *self.counts;
        counts.icmp += 1;
        counts.malformed += u64::from(d.problem().is_some() || packet.reassembly.is_some());
        counts.bad_checksum += u64::from(d.checksum_status == dissect::ChecksumStatus::Invalid);
        self.renderer.packet(self.out, &packet, &d)
    }

    /// Notes a frame that carries no IP packet.
    fn skip(&mut self, time: Option<Timestamp>) {
        self.counts.frames += 1;
        self.clock.observe(time);
    }
}

/// Decodes a pcap/pcapng stream. Returns the capture error that stopped it
/// early, after every frame before it was decoded.
fn decode_capture(
    input: Box<dyn Read>,
    name: &str,
    run: &mut Run<'_>,
) -> Result<Option<CaptureError>> {
    let mut reader =
        crate::input::capture_reader(input, name, "; for hex dumps of IP packets use --hex")?;

    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return Ok(Some(e)),
        };
        run.clock.set_digits(frame.time_digits);
        let unwrapped = frame.innermost();
        run.counts.stopped(unwrapped.stop.as_ref());
        let Some(ip) = unwrapped.ip else {
            run.skip(Some(frame.timestamp));
            continue;
        };
        let packet = Packet::whole(frame.number, Some(frame.timestamp), ip, &unwrapped.path);
        run.emit(&packet)?;
    }
    Ok(None)
}

/// Decodes hex dumps as they arrive: each packet is written, and the output
/// flushed whenever the reader is about to wait for more input, so a dump
/// piped in while it is written is shown packet by packet.
fn decode_hex(input: Box<dyn Read>, name: &str, run: &mut Run<'_>) -> Result<()> {
    let mut reader = HexReader::new(input);
    let mut frame = 0;
    while let Some(ip) = reader
        .next_packet(&mut || run.out.flush())
        .with_context(|| format!("in {name}"))?
    {
        frame += 1;
        // A whole frame (`tcpdump -xx`) from its link layer down; a plain
        // packet is decoded as written (trailing bytes and all).
        let link = icmpkit_capture::hex::link_type_of(ip);
        let unwrapped = match link {
            Some(link) => encap::innermost(link, ip),
            None => encap::from_ip(ip),
        };
        run.counts.stopped(unwrapped.stop.as_ref());
        let (ip, path) = match unwrapped.ip {
            Some(inner) if !unwrapped.path.is_empty() || link.is_some() => {
                (inner, unwrapped.path.as_slice())
            }
            _ => (ip, &[][..]),
        };
        run.emit(&Packet::whole(frame, None, ip, path))?;
    }
    Ok(())
}
