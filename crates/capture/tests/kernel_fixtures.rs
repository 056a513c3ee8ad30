//! Reads every capture in `tests/fixtures/kernel/` (recorded from the Linux
//! kernel by `lab/capture-corpus.sh`) and checks it against the ground truth
//! stored beside it: the frame count tshark reported (`FILE.frames`) and
//! tshark's ICMP type, code and checksum verdict per frame (`FILE.tshark.csv`).
//! Fragments go through the [`Reassembler`], as tshark reassembles: the
//! message is at the frame of the fragment that completes it.

use std::collections::BTreeMap;
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use icmpkit_capture::reassembly::{Outcome, Reassembler};
use icmpkit_capture::{CaptureFormat, CaptureReader, LinkType};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kernel")
}

fn captures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .expect("tests/fixtures/kernel exists")
        .map(|entry| entry.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .collect();
    files.sort();
    files
}

fn sidecar(capture: &Path, suffix: &str) -> String {
    let mut name = capture.as_os_str().to_owned();
    name.push(suffix);
    fs::read_to_string(&name).unwrap_or_else(|e| panic!("{}: {e}", Path::new(&name).display()))
}

/// What one frame's outermost ICMP message is, as we read it.
#[derive(Debug, PartialEq, Eq)]
struct Icmp {
    v6: bool,
    kind: u8,
    code: u8,
    checksum_ok: bool,
}

fn ones_complement_sum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            sum += hi | pair.get(1).copied().map_or(0, u32::from);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    u16::try_from(sum).unwrap()
}

/// The outer ICMP message of an IP packet (no IPv6 extension headers in these
/// fixtures' outer packets), with its checksum verified.
fn icmp_of(ip: &[u8]) -> Option<Icmp> {
    match ip.first()? >> 4 {
        4 if ip.get(9) == Some(&1) => {
            let body = ip.get(usize::from(ip[0] & 0x0f) * 4..)?;
            Some(Icmp {
                v6: false,
                kind: body[0],
                code: body[1],
                checksum_ok: ones_complement_sum(&[body]) == 0xffff,
            })
        }
        6 if ip.get(6) == Some(&58) => {
            let body = ip.get(40..)?;
            let len = u32::try_from(body.len()).unwrap().to_be_bytes();
            let pseudo = [&ip[8..40], &len[..], &[0, 0, 0, 58][..], body];
            Some(Icmp {
                v6: true,
                kind: body[0],
                code: body[1],
                checksum_ok: ones_complement_sum(&pseudo) == 0xffff,
            })
        }
        _ => None,
    }
}

/// Parses one line of the stored tshark output. Fields that occur more than
/// once (the ICMP message quoted inside an error) are joined with ',' too, so
/// each of the three ICMP fields of a row holds `k` values: the first is the
/// outer message's.
fn parse_row(line: &str) -> (u64, Icmp) {
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!((fields.len() - 4) % 3, 0, "unexpected row {line:?}");
    let k = (fields.len() - 4) / 3;
    let number = fields[0].parse().unwrap();
    let (v6, start) = if fields[1].is_empty() {
        (true, 4)
    } else {
        (false, 1)
    };
    let icmp = Icmp {
        v6,
        kind: fields[start].parse().unwrap(),
        code: fields[start + k].parse().unwrap(),
        checksum_ok: fields[start + 2 * k] == "1",
    };
    (number, icmp)
}

#[test]
fn every_kernel_fixture_matches_tshark() {
    let files = captures();
    assert!(files.len() >= 14, "only {} fixtures found", files.len());
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let expected_frames: u64 = sidecar(&path, ".frames").trim().parse().unwrap();
        let expected: BTreeMap<u64, Icmp> = sidecar(&path, ".tshark.csv")
            .lines()
            .map(parse_row)
            .collect();

        let file = BufReader::new(fs::File::open(&path).unwrap());
        let mut reader = CaptureReader::new(file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let extension = path.extension().and_then(|e| e.to_str());
        match reader.format() {
            CaptureFormat::Pcapng => assert_eq!(extension, Some("pcapng"), "{name}"),
            CaptureFormat::Pcap { nanosecond, .. } => {
                assert_eq!(extension, Some("pcap"), "{name}");
                assert_eq!(nanosecond, name.contains("nanosecond"), "{name}");
            }
        }
        let mut seen = BTreeMap::new();
        let mut link_types = Vec::new();
        let mut reassembler = Reassembler::new();
        let mut with_options = Vec::new();
        while let Some(frame) = reader.next_frame() {
            let frame = frame.unwrap_or_else(|e| panic!("{name}: {e}"));
            if !link_types.contains(&frame.link_type) {
                link_types.push(frame.link_type);
            }
            let ip = frame
                .network_layer()
                .unwrap_or_else(|| panic!("{name} frame {}: no IP packet", frame.number));
            if ip[0] >> 4 == 4 && ip[0] & 0x0f > 5 {
                with_options.push(frame.number);
            }
            let icmp = match reassembler.push(frame.number, Some(frame.timestamp), ip) {
                Outcome::Whole => icmp_of(ip),
                Outcome::Held => continue,
                Outcome::Complete(whole) => icmp_of(whole.packet),
            };
            let icmp = icmp.unwrap_or_else(|| panic!("{name} frame {}: no ICMP", frame.number));
            seen.insert(frame.number, icmp);
        }
        assert_eq!(reassembler.finish().incomplete_fragments, 0, "{name}");
        // tshark shows no ICMP behind an IPv4 option shorter than its
        // minimum (`ipv4-options.pcap`).
        seen.retain(|frame, _| expected.contains_key(frame) || !with_options.contains(frame));
        assert_eq!(reader.frames_read(), expected_frames, "{name}: frame count");
        assert_eq!(
            seen, expected,
            "{name}: ICMP type, code and checksum per frame"
        );

        let expected_links = if name.contains("mixed-links") {
            vec![LinkType::Ethernet, LinkType::LinuxSll2]
        } else if name.contains("any-sll2") {
            vec![LinkType::LinuxSll2]
        } else if name.contains("any-sll") {
            vec![LinkType::LinuxSll]
        } else {
            vec![LinkType::Ethernet]
        };
        assert_eq!(link_types, expected_links, "{name}: link types");
    }
}
