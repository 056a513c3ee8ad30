//! Reader tests on hand-built pcap and pcapng byte vectors.

use std::io::{self, Cursor, Read};

use crate::{
    CaptureError, CaptureFormat, CaptureReader, LinkType, MAX_INTERFACES, Position, Timestamp,
};

/// A 28-byte IPv4 ICMP echo request, 10.0.0.1 -> 10.0.0.2.
const V4: [u8; 28] = [
    0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0,
    2, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
];

fn ethernet_v4() -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    f.extend_from_slice(&V4);
    f
}

/// Writes integers in one byte order.
struct Out {
    big: bool,
    bytes: Vec<u8>,
}

impl Out {
    fn new(big: bool) -> Self {
        Self {
            big,
            bytes: Vec::new(),
        }
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
        self
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(b);
        self
    }
    fn pad4(&mut self) -> &mut Self {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
        self
    }
}

/// A pcap file: `(seconds, fraction, data, original length)` records.
fn pcap(big: bool, nano: bool, link: u32, records: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
    let mut o = Out::new(big);
    o.u32(if nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    o.u16(2).u16(4).u32(0).u32(0).u32(65535).u32(link);
    for &(s, f, data, orig) in records {
        o.u32(s)
            .u32(f)
            .u32(u32::try_from(data.len()).unwrap())
            .u32(orig);
        o.raw(data);
    }
    o.bytes
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap()
}

/// A pcapng block with `body` padded to 4 bytes.
fn block(big: bool, block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = 12 + len32(body.len().next_multiple_of(4));
    let mut o = Out::new(big);
    o.u32(block_type).u32(total).raw(body).pad4().u32(total);
    o.bytes
}

fn shb(big: bool) -> Vec<u8> {
    let mut o = Out::new(big);
    o.u32(0x1a2b_3c4d).u16(1).u16(0).raw(&[0xff; 8]);
    block(big, 0x0a0d_0d0a, &o.bytes)
}

/// An Interface Description Block with optional `if_tsresol` and `if_tsoffset`.
fn idb(big: bool, link: u16, snap: u32, tsresol: Option<u8>, tsoffset: Option<i64>) -> Vec<u8> {
    let mut o = Out::new(big);
    o.u16(link).u16(0).u32(snap);
    o.u16(2).u16(4).raw(b"eth0"); // if_name, skipped
    if let Some(r) = tsresol {
        o.u16(9).u16(1).raw(&[r]).pad4();
    }
    if let Some(off) = tsoffset {
        let b = if big {
            off.to_be_bytes()
        } else {
            off.to_le_bytes()
        };
        o.u16(14).u16(8).raw(&b);
    }
    o.u16(0).u16(0);
    block(big, 1, &o.bytes)
}

fn epb(big: bool, iface: u32, ts: u64, data: &[u8], orig: u32) -> Vec<u8> {
    let mut o = Out::new(big);
    #[allow(clippy::cast_possible_truncation)] // splitting a u64 into halves
    o.u32(iface)
        .u32((ts >> 32) as u32)
        .u32(ts as u32)
        .u32(len32(data.len()))
        .u32(orig)
        .raw(data)
        .pad4();
    o.u16(1).u16(3).raw(b"hi!").pad4().u16(0).u16(0); // opt_comment
    block(big, 6, &o.bytes)
}

fn opb(big: bool, iface: u16, ts: u32, data: &[u8]) -> Vec<u8> {
    let mut o = Out::new(big);
    o.u16(iface)
        .u16(0)
        .u32(0)
        .u32(ts)
        .u32(len32(data.len()))
        .u32(len32(data.len()))
        .raw(data);
    block(big, 2, &o.bytes)
}

fn spb(big: bool, orig: u32, data: &[u8]) -> Vec<u8> {
    let mut o = Out::new(big);
    o.u32(orig).raw(data);
    block(big, 3, &o.bytes)
}

/// Reads every frame: `(number, timestamp, link type, interface, bytes, original length)`,
/// and the error that ended reading, if any.
type Owned = (u64, Timestamp, LinkType, u32, Vec<u8>, u32);
fn read_all(bytes: &[u8]) -> Result<(Vec<Owned>, Option<CaptureError>), CaptureError> {
    let mut reader = CaptureReader::new(Cursor::new(bytes))?;
    let mut frames = Vec::new();
    while let Some(next) = reader.next_frame() {
        match next {
            Ok(f) => frames.push((
                f.number,
                f.timestamp,
                f.link_type,
                f.interface,
                f.captured.to_vec(),
                f.original_len,
            )),
            Err(e) => {
                assert!(
                    reader.next_frame().is_none(),
                    "reader must stop after an error"
                );
                return Ok((frames, Some(e)));
            }
        }
    }
    assert!(reader.next_frame().is_none());
    Ok((frames, None))
}

fn ts(seconds: u64, nanoseconds: u32) -> Timestamp {
    Timestamp {
        seconds,
        nanoseconds,
    }
}

fn open_error(bytes: &[u8]) -> String {
    CaptureReader::new(Cursor::new(bytes))
        .expect_err("should fail to open")
        .to_string()
}

fn read_error(bytes: &[u8]) -> String {
    read_all(bytes)
        .unwrap()
        .1
        .expect("should end in an error")
        .to_string()
}

#[test]
fn pcap_little_endian_microseconds_ethernet() {
    let frame = ethernet_v4();
    let file = pcap(
        false,
        false,
        1,
        &[(100, 250, &frame, 60), (101, 999_999, &frame, 42)],
    );
    let reader = CaptureReader::new(Cursor::new(&file)).unwrap();
    assert_eq!(
        reader.format(),
        CaptureFormat::Pcap {
            nanosecond: false,
            big_endian: false
        }
    );
    let (frames, err) = read_all(&file).unwrap();
    assert!(err.is_none());
    assert_eq!(
        frames,
        vec![
            (
                1,
                ts(100, 250_000),
                LinkType::Ethernet,
                0,
                frame.clone(),
                60
            ),
            (
                2,
                ts(101, 999_999_000),
                LinkType::Ethernet,
                0,
                frame.clone(),
                42
            ),
        ]
    );
    let mut reader = CaptureReader::new(Cursor::new(&file)).unwrap();
    let first = reader.next_frame().unwrap().unwrap();
    assert_eq!(first.network_layer(), Some(&V4[..]));
    assert_eq!(first.timestamp.to_string(), "100.000250000");
}

#[test]
fn pcap_big_endian_nanoseconds_raw_ip() {
    let file = pcap(true, true, 101, &[(7, 123_456_789, &V4, 28)]);
    assert_eq!(
        CaptureReader::new(Cursor::new(&file)).unwrap().format(),
        CaptureFormat::Pcap {
            nanosecond: true,
            big_endian: true
        }
    );
    let (frames, err) = read_all(&file).unwrap();
    assert!(err.is_none());
    assert_eq!(
        frames,
        vec![(1, ts(7, 123_456_789), LinkType::RawIp, 0, V4.to_vec(), 28)]
    );
}

#[test]
fn pcap_all_byte_orders_and_resolutions() {
    for big in [false, true] {
        for nano in [false, true] {
            let file = pcap(big, nano, 228, &[(1, 5, &V4, 28)]);
            let (frames, err) = read_all(&file).unwrap();
            assert!(err.is_none());
            let nanos = if nano { 5 } else { 5_000 };
            assert_eq!(frames[0].1, ts(1, nanos), "big {big} nano {nano}");
            assert_eq!(frames[0].2, LinkType::Ipv4);
        }
    }
}

#[test]
fn pcap_fraction_past_one_second_carries() {
    let file = pcap(false, false, 1, &[(10, 2_500_000, &[], 0)]);
    assert_eq!(read_all(&file).unwrap().0[0].1, ts(12, 500_000_000));
}

#[test]
fn pcap_link_types() {
    let cases = [
        (0, LinkType::Null),
        (1, LinkType::Ethernet),
        (12, LinkType::RawIp),
        (14, LinkType::RawIp),
        (101, LinkType::RawIp),
        (108, LinkType::Loop),
        (113, LinkType::LinuxSll),
        (228, LinkType::Ipv4),
        (229, LinkType::Ipv6),
        (276, LinkType::LinuxSll2),
        (9, LinkType::Ppp),
        (50, LinkType::PppHdlc),
        (104, LinkType::CiscoHdlc),
        (129, LinkType::ArcnetLinux),
        (226, LinkType::Ipnet),
        (242, LinkType::Ipoib),
        (147, LinkType::Other(147)),
        // FCS flags in the upper bits do not change the link type.
        (0x1400_0001, LinkType::Ethernet),
    ];
    for (code, expected) in cases {
        let file = pcap(false, false, code, &[(0, 0, &V4, 28)]);
        assert_eq!(read_all(&file).unwrap().0[0].2, expected, "code {code}");
    }
}

#[test]
fn not_a_capture_shows_the_magic() {
    assert_eq!(
        open_error(b"\x7fELF\x02\x01\x01\x00"),
        "not a pcap or pcapng capture: file starts with 0x7f454c46"
    );
}

#[test]
fn short_files() {
    assert_eq!(
        open_error(b""),
        "capture file header truncated: needs 4 bytes, file ends after 0"
    );
    assert_eq!(
        open_error(&[0xd4, 0xc3]),
        "capture file header truncated: needs 4 bytes, file ends after 2"
    );
    let file = pcap(false, false, 1, &[]);
    assert_eq!(
        open_error(&file[..10]),
        "pcap file header truncated: needs 24 bytes, file ends after 10"
    );
    let (frames, err) = read_all(&file).unwrap();
    assert!(frames.is_empty() && err.is_none());
}

#[test]
fn pcap_unsupported_version() {
    let mut file = pcap(false, false, 1, &[]);
    file[4] = 3;
    file[6] = 1;
    let err = CaptureReader::new(Cursor::new(&file)).err().unwrap();
    assert!(matches!(
        err,
        CaptureError::UnsupportedVersion {
            format: "pcap",
            major: 3,
            minor: 1
        }
    ));
    assert_eq!(
        err.to_string(),
        "pcap version 3.1 is not supported (expected 2.x)"
    );
    assert_eq!(err.position(), None);
}

#[test]
fn truncated_final_record_after_earlier_frames() {
    let data = [0x45; 98];
    let mut file = pcap(
        false,
        false,
        101,
        &[(0, 0, &V4, 28), (0, 0, &V4, 28), (0, 0, &data, 98)],
    );
    file.truncate(file.len() - 58);
    let (frames, err) = read_all(&file).unwrap();
    assert_eq!(frames.len(), 2);
    let err = err.unwrap();
    assert_eq!(err.position(), Some(Position::Frame(3)));
    assert_eq!(
        err.to_string(),
        "frame 3: record truncated: header says 98 bytes, file ends after 40"
    );
}

#[test]
fn truncated_record_header() {
    let file = pcap(true, false, 1, &[(0, 0, &V4, 28), (0, 0, &V4, 28)]);
    let cut = 24 + 16 + 28 + 5;
    assert_eq!(
        read_error(&file[..cut]),
        "frame 2: pcap record header truncated: needs 16 bytes, file ends after 5"
    );
}

#[test]
fn absurd_length_rejected_before_reading_it() {
    let mut file = pcap(false, false, 1, &[(0, 0, &[], 0)]);
    file[24 + 8..24 + 12].copy_from_slice(&0x1000_0001u32.to_le_bytes());
    file.extend_from_slice(&[0; 64]);
    let mut reader = CaptureReader::new(Cursor::new(&file)).unwrap();
    let err = match reader.next_frame() {
        Some(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(
        err.to_string(),
        "frame 1: record length 268435457 exceeds the limit of 268435456 bytes"
    );
    // Nothing past the record header was read.
    assert_eq!(reader.into_inner().position(), 24 + 16);
}

/// A source that fails after `ok` bytes.
struct Failing<'a> {
    data: &'a [u8],
    ok: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.ok).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn io_errors_are_wrapped() {
    let file = pcap(false, false, 1, &[(0, 0, &V4, 28), (0, 0, &V4, 28)]);
    let mut reader = CaptureReader::new(Failing {
        data: &file,
        ok: 24 + 44 + 20,
    })
    .unwrap();
    assert!(reader.next_frame().unwrap().is_ok());
    let err = match reader.next_frame() {
        Some(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(err.to_string(), "frame 2: read failed: disk on fire");
    assert!(std::error::Error::source(&err).is_some());
    let err = CaptureReader::new(Failing { data: &file, ok: 0 })
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "read failed: disk on fire");
}

/// A source that hands out one byte at a time, interrupted between bytes.
struct Trickle<'a> {
    data: &'a [u8],
    interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match (self.data.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.data = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn short_and_interrupted_reads() {
    let mut file = shb(false);
    file.extend(idb(false, 1, 0, None, None));
    file.extend(epb(false, 0, 5, &ethernet_v4(), 42));
    let mut reader = CaptureReader::new(Trickle {
        data: &file,
        interrupt: false,
    })
    .unwrap();
    let frame = reader.next_frame().unwrap().unwrap();
    assert_eq!(frame.captured, &ethernet_v4()[..]);
    assert!(reader.next_frame().is_none());
}

#[test]
fn pcapng_blocks_in_both_byte_orders() {
    for big in [false, true] {
        let eth = ethernet_v4();
        let mut file = shb(big);
        file.extend(block(big, 0x0bad, &[1, 2, 3, 4, 5])); // unknown block, skipped
        file.extend(idb(big, 1, 0, None, None));
        file.extend(block(big, 5, &[0; 12])); // Interface Statistics, skipped
        file.extend(epb(big, 0, 1_500_000, &eth, 60));
        file.extend(spb(big, 42, &eth));
        file.extend(opb(big, 0, 2_000_001, &eth));
        file.extend(block(big, 4, &[0; 4])); // Name Resolution, skipped
        assert_eq!(
            CaptureReader::new(Cursor::new(&file)).unwrap().format(),
            CaptureFormat::Pcapng
        );
        let (frames, err) = read_all(&file).unwrap();
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            frames,
            vec![
                (
                    1,
                    ts(1, 500_000_000),
                    LinkType::Ethernet,
                    0,
                    eth.clone(),
                    60
                ),
                (
                    2,
                    Timestamp::default(),
                    LinkType::Ethernet,
                    0,
                    eth.clone(),
                    42
                ),
                (3, ts(2, 1_000), LinkType::Ethernet, 0, eth.clone(), 42),
            ],
            "big {big}"
        );
    }
}

#[test]
fn pcapng_interfaces_and_timestamp_resolutions() {
    let mut file = shb(false);
    file.extend(idb(false, 1, 0, Some(9), None)); // nanoseconds
    file.extend(idb(false, 276, 0, Some(0x8a), Some(-5))); // 2^-10 s, offset -5 s
    file.extend(idb(false, 101, 0, Some(0), Some(1_000))); // whole seconds, offset
    file.extend(epb(false, 0, 3_000_000_007, &[], 0));
    file.extend(epb(false, 1, 10 * 1024 + 512, &[], 0));
    file.extend(epb(false, 2, 77, &V4, 28));
    let (frames, err) = read_all(&file).unwrap();
    assert!(err.is_none(), "{err:?}");
    let got: Vec<_> = frames.iter().map(|f| (f.1, f.2, f.3)).collect();
    assert_eq!(
        got,
        vec![
            (ts(3, 7), LinkType::Ethernet, 0),
            (ts(5, 500_000_000), LinkType::LinuxSll2, 1),
            (ts(1_077, 0), LinkType::RawIp, 2),
        ]
    );
}

#[test]
fn pcapng_several_sections_restart_interfaces() {
    let mut file = shb(false);
    file.extend(idb(false, 1, 0, None, None));
    file.extend(epb(false, 0, 0, &ethernet_v4(), 42));
    file.extend(shb(true));
    file.extend(idb(true, 229, 0, None, None));
    file.extend(epb(true, 0, 0, &[0x60], 1));
    file.extend(shb(false));
    file.extend(epb(false, 0, 0, &[], 0));
    let (frames, err) = read_all(&file).unwrap();
    let got: Vec<_> = frames.iter().map(|f| (f.0, f.2)).collect();
    assert_eq!(got, vec![(1, LinkType::Ethernet), (2, LinkType::Ipv6)]);
    // The third section has no interfaces: its packet names a missing one.
    assert_eq!(
        err.unwrap().to_string(),
        "frame 3: Enhanced Packet Block: interface id 0 has no Interface Description Block in this section"
    );
}

#[test]
fn pcapng_interfaces_are_bounded_per_section() {
    let one = idb(false, 101, 0, None, None);
    let mut file = shb(false);
    for _ in 0..MAX_INTERFACES {
        file.extend_from_slice(&one);
    }
    file.extend(epb(false, 65_535, 0, &[0x45], 1));
    let (frames, err) = read_all(&file).unwrap();
    assert_eq!((frames.len(), err.map(|e| e.to_string())), (1, None));
    // One more is refused with the reason, before the frame after it.
    let at = file.len() - epb(false, 65_535, 0, &[0x45], 1).len();
    file.splice(at..at, one.iter().copied());
    let (frames, err) = read_all(&file).unwrap();
    assert!(frames.is_empty());
    assert_eq!(
        err.unwrap().to_string(),
        format!(
            "block before frame 1: Interface Description Block: interface id {MAX_INTERFACES} \
             exceeds the limit of {MAX_INTERFACES} interfaces a section may describe"
        )
    );
    // A new section starts counting again.
    let mut file = shb(false);
    for _ in 0..MAX_INTERFACES {
        file.extend_from_slice(&one);
    }
    file.extend(shb(false));
    file.extend_from_slice(&one);
    file.extend(epb(false, 0, 0, &[0x45], 1));
    let (frames, err) = read_all(&file).unwrap();
    assert_eq!((frames.len(), err.map(|e| e.to_string())), (1, None));
}

#[test]
fn pcapng_simple_packet_block_lengths() {
    let mut file = shb(true);
    file.extend(idb(true, 101, 20, None, None));
    file.extend(spb(true, 28, &V4)); // cut to the 20-byte snap length
    file.extend(spb(true, 3, &V4[..4])); // cut to the original length (drops padding)
    let (frames, err) = read_all(&file).unwrap();
    assert!(err.is_none());
    assert_eq!(frames[0].4, &V4[..20]);
    assert_eq!(frames[0].5, 28);
    assert_eq!(frames[1].4, &V4[..3]);
}

#[test]
fn pcapng_header_errors() {
    let mut bad_magic = shb(false);
    bad_magic[8..12].copy_from_slice(&[1, 2, 3, 4]);
    assert_eq!(
        open_error(&bad_magic),
        "Section Header Block: byte-order magic 16909060 is neither 0x1a2b3c4d nor 0x4d3c2b1a"
    );
    let mut version = shb(true);
    version[12..14].copy_from_slice(&[0, 2]);
    assert_eq!(
        open_error(&version),
        "pcapng version 2.0 is not supported (expected 1.x)"
    );
    let file = shb(false);
    assert_eq!(
        open_error(&file[..10]),
        "Section Header Block truncated: needs 12 bytes, file ends after 10"
    );
    assert_eq!(
        open_error(&file[..20]),
        "Section Header Block truncated: header says 28 bytes, file ends after 20"
    );
    let mut short = shb(false);
    short[4] = 24;
    assert_eq!(
        open_error(&short),
        "Section Header Block: block total length 24 is too short for the block's fixed fields"
    );
}

#[test]
fn pcapng_block_errors() {
    let start = |big| {
        let mut f = shb(big);
        f.extend(idb(big, 1, 0, None, None));
        f
    };
    // A truncated final block after a complete frame.
    let mut file = start(false);
    file.extend(epb(false, 0, 0, &V4, 28));
    let last = epb(false, 0, 0, &[0; 100], 100);
    file.extend(&last[..48]);
    let (frames, err) = read_all(&file).unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(
        err.unwrap().to_string(),
        format!(
            "frame 2: Enhanced Packet Block truncated: header says {} bytes, file ends after 48",
            last.len()
        )
    );
    // A truncated block header.
    let mut file = start(true);
    file.extend(&[0, 0, 0, 6, 0]);
    assert_eq!(
        read_error(&file),
        "block before frame 1: pcapng block header truncated: needs 8 bytes, file ends after 5"
    );
    // A truncated Interface Description Block.
    let mut file = shb(false);
    file.extend(&idb(false, 1, 0, None, None)[..16]);
    assert!(
        read_error(&file).starts_with(
            "block before frame 1: Interface Description Block truncated: header says"
        )
    );
    // Lengths the format forbids.
    let mut odd = start(false);
    odd.extend(epb(false, 0, 0, &V4, 28));
    let at = odd.len() - epb(false, 0, 0, &V4, 28).len() + 4;
    odd[at] = 0x3d;
    assert_eq!(
        read_error(&odd),
        "frame 1: Enhanced Packet Block: block total length 61 is not a multiple of 4"
    );
    odd[at] = 8;
    assert_eq!(
        read_error(&odd),
        "frame 1: Enhanced Packet Block: block total length 8 is too short for the block's fixed fields"
    );
    let mut huge = start(false);
    huge.extend(&[6, 0, 0, 0, 0, 0, 0, 0x20]);
    assert_eq!(
        read_error(&huge),
        "frame 1: Enhanced Packet Block length 536870912 exceeds the limit of 268435456 bytes"
    );
    // An Enhanced Packet Block too short for its fixed fields.
    let mut tiny = start(false);
    tiny.extend(block(false, 6, &[0; 16]));
    assert_eq!(
        read_error(&tiny),
        "frame 1: Enhanced Packet Block: block total length 28 is too short for the block's fixed fields"
    );
    // A captured length running past the block.
    let mut over = start(false);
    let mut b = epb(false, 0, 0, &V4, 28);
    b[20] = 200;
    over.extend(b);
    assert_eq!(
        read_error(&over),
        "frame 1: Enhanced Packet Block: captured length 200 runs past the end of the block"
    );
    // Trailing length differing from the leading one.
    let mut trailer = start(false);
    trailer.extend(epb(false, 0, 0, &V4, 28));
    let n = trailer.len();
    trailer[n - 4] = 0;
    assert_eq!(
        read_error(&trailer),
        "frame 1: Enhanced Packet Block: trailing block total length 0 differs from the leading one"
    );
    // A resolution too fine to represent.
    let mut fine = shb(false);
    fine.extend(idb(false, 1, 0, Some(0x7f), None));
    assert_eq!(
        read_error(&fine),
        "block before frame 1: Interface Description Block: if_tsresol 127 is finer than this reader can represent"
    );
    // A Simple Packet Block without any interface.
    let mut lonely = shb(false);
    lonely.extend(spb(false, 4, &[1, 2, 3, 4]));
    assert_eq!(
        read_error(&lonely),
        "frame 1: Simple Packet Block: interface id 0 has no Interface Description Block in this section"
    );
}

/// A small deterministic generator for the robustness tests.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

fn sample_files() -> Vec<Vec<u8>> {
    let eth = ethernet_v4();
    let mut ng = shb(false);
    ng.extend(idb(false, 1, 0, Some(9), Some(3)));
    ng.extend(epb(false, 0, 99, &eth, 42));
    ng.extend(spb(false, 42, &eth));
    ng.extend(shb(true));
    ng.extend(idb(true, 113, 64, None, None));
    ng.extend(opb(true, 0, 1, &eth));
    vec![
        pcap(false, false, 1, &[(1, 2, &eth, 42), (3, 4, &eth, 42)]),
        pcap(true, true, 276, &[(1, 2, &eth, 42)]),
        ng,
    ]
}

/// Reads as much as possible; returns the frames read.
fn drain(bytes: &[u8]) -> usize {
    let Ok(mut reader) = CaptureReader::new(Cursor::new(bytes)) else {
        return 0;
    };
    let mut n = 0;
    while let Some(Ok(frame)) = reader.next_frame() {
        let _ = frame.network_layer();
        n += 1;
    }
    n
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for file in sample_files() {
        let full = drain(&file);
        assert!(full > 0);
        for cut in 0..file.len() {
            assert!(drain(&file[..cut]) <= full);
            if cut > 0 {
                // Unless the cut falls exactly between blocks, reading ends in an error.
                let result = read_all(&file[..cut]);
                if let Ok((frames, None)) = result {
                    assert!(frames.len() <= full);
                }
            }
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for file in sample_files() {
        for _ in 0..2_000 {
            let mut bytes = file.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = u8::try_from(rng.next() & 0xff).unwrap();
            }
            drain(&bytes);
        }
    }
}

/// The digits of a second each frame's timestamps resolve, as tshark
/// shows them.
#[test]
fn timestamp_digits_follow_the_resolution() {
    let digits = |bytes: &[u8]| {
        let mut reader = CaptureReader::new(Cursor::new(bytes)).unwrap();
        let mut all = Vec::new();
        while let Some(frame) = reader.next_frame() {
            all.push(frame.unwrap().time_digits);
        }
        all
    };
    assert_eq!(digits(&pcap(false, false, 228, &[(1, 5, &V4, 28)])), [6]);
    assert_eq!(digits(&pcap(true, true, 228, &[(1, 5, &V4, 28)])), [9]);
    let mut file = shb(false);
    file.extend(idb(false, 1, 0, Some(9), None)); // nanoseconds
    file.extend(idb(false, 276, 0, Some(0x8a), None)); // 2^-10 s
    file.extend(idb(false, 101, 0, Some(0), None)); // whole seconds
    file.extend(idb(false, 101, 0, None, None)); // microseconds
    for interface in 0..4 {
        file.extend(epb(false, interface, 0, &[], 0));
    }
    assert_eq!(digits(&file), [9, 4, 0, 6]);
}

#[test]
fn link_addressing_reads_ethernet_group_bits_and_sll_packet_types() {
    use crate::{LinkAddressing, LinkType, link_addressing};
    let mut eth = vec![0xff; 6];
    eth.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    assert_eq!(
        link_addressing(LinkType::Ethernet, &eth),
        Some(LinkAddressing::Broadcast)
    );
    eth[..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    assert_eq!(
        link_addressing(LinkType::Ethernet, &eth),
        Some(LinkAddressing::Multicast)
    );
    eth[0] = 0x02;
    assert_eq!(link_addressing(LinkType::Ethernet, &eth), None);
    let sll = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    assert_eq!(
        link_addressing(LinkType::LinuxSll, &sll),
        Some(LinkAddressing::Outgoing)
    );
    let mut sll2 = [0u8; 20];
    sll2[10] = 3;
    assert_eq!(
        link_addressing(LinkType::LinuxSll2, &sll2),
        Some(LinkAddressing::OtherHost)
    );
    assert_eq!(link_addressing(LinkType::RawIp, &[0x45]), None);
}
