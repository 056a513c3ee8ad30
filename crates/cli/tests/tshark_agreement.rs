//! The decoder agrees with tshark on type, code and checksum status for
//! every ICMP and ICMPv6 packet of the kernel capture corpus: the committed
//! one (`tests/fixtures/kernel`) and, as root, one recorded afresh from the
//! running kernel by `lab/capture-corpus.sh` in namespaces of its own.
//! Fragmented datagrams are reassembled as tshark reassembles them (the
//! same frames, whole lengths and fragment frames).
//! Requests and replies are paired as tshark pairs them (`icmp.resp_to`
//! read once, `icmp.resp_in` with two passes, `-2`).
//! Every packet whose IPv4 options the decoder finds Linux would refuse
//! is answered in the corpus by the kernel's Parameter Problem, with the
//! pointer the decoder said.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS, Verdict};
use icmpkit_lab::{icmpkit, repo, require};
use serde_json::Value;

/// (IP version, type, code)
type Kind = (u64, u8, u8);

fn captures(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("capture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "kernel corpus missing from {}",
        dir.display()
    );
    files
}

fn tshark(file: &Path) -> BTreeMap<u64, Verdict> {
    tshark::fields(file, ICMP, &VERDICT_FIELDS)
        .iter()
        .map(|row| (row.frame(), row.verdict()))
        .collect()
}

/// The Parameter Problem pointer a packet's note says Linux answers it
/// with, if its IPv4 options are ones Linux refuses.
fn refused(packet: &Value) -> Option<u64> {
    const SAYS: &str = "(Linux answers Parameter Problem, pointer ";
    let notes = packet["notes"].as_array().expect("notes");
    notes.iter().find_map(|note| {
        let note = note.as_str()?;
        let at = note.find(SAYS)? + SAYS.len();
        note[at..].trim_end_matches(')').parse().ok()
    })
}

/// Who sent an echo request: (source, id, sequence).
type EchoKey = (String, u64, u64);

fn echo_key(src: &Value, id: &Value, seq: &Value) -> EchoKey {
    let n = |v: &Value| v.as_u64().unwrap_or(u64::MAX);
    (src.to_string(), n(id), n(seq))
}

/// Our verdicts by frame, and the kinds of message seen. Packets with
/// options Linux refuses must each be answered by the kernel's Parameter
/// Problem with the pointer we name; nothing else is malformed.
fn ours(file: &Path) -> (BTreeMap<u64, Verdict>, BTreeSet<Kind>, BTreeSet<u64>) {
    let mut map = BTreeMap::new();
    let mut refused_frames = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut refusals: BTreeMap<EchoKey, u64> = BTreeMap::new();
    let mut answered = 0;
    for v in tshark::decode_json(icmpkit!(), file) {
        if v["type"] == "summary" {
            assert_eq!(v["malformed"], refusals.len(), "{}: {v}", file.display());
            continue;
        }
        assert_eq!(v["type"], "packet");
        assert!(v["malformed"].is_null(), "{}: {v}", file.display());
        if let Some(pointer) = refused(&v) {
            let key = echo_key(&v["src"], &v["id"], &v["seq"]);
            refusals.insert(key, pointer);
            refused_frames.insert(v["frame"].as_u64().expect("frame"));
        }
        if v["icmp_type"] == 12 && v["version"] == 4 {
            let q = &v["quote"];
            let key = echo_key(&q["src"], &q["icmp_id"], &q["icmp_seq"]);
            let ours = refusals.get(&key);
            assert_eq!(
                ours,
                v["pointer"].as_u64().as_ref(),
                "{}: {v}",
                file.display()
            );
            answered += 1;
        }
        let (t, c, status) = tshark::verdict(&v);
        map.insert(v["frame"].as_u64().expect("frame"), (t, c, status));
        seen.insert((v["version"].as_u64().expect("version"), t, c));
    }
    assert_eq!(
        answered,
        refusals.len(),
        "{}: the kernel did not answer every packet we say it refuses",
        file.display()
    );
    (map, seen, refused_frames)
}

/// Compares every capture of `dir` with tshark; returns the kinds seen.
fn compare_dir(dir: &Path) -> BTreeSet<Kind> {
    let mut compared = 0;
    let mut seen = BTreeSet::new();
    for file in captures(dir) {
        let theirs = tshark(&file);
        let (mut ours, kinds, refused) = ours(&file);
        // tshark stops at an IPv4 option shorter than its minimum and
        // shows no ICMP there; we show the message, with the refusal.
        ours.retain(|frame, _| !refused.contains(frame) || theirs.contains_key(frame));
        assert_eq!(ours, theirs, "{}", file.display());
        // (A message tshark reassembles and we do not would differ in
        // frame above: tshark is asked only where we reassembled.)
        let reassembled = our_reassembled(&file);
        if !reassembled.is_empty() {
            assert_eq!(
                reassembled,
                tshark_reassembled(&file),
                "{}: reassembled messages",
                file.display()
            );
        }
        for two_pass in [false, true] {
            let theirs = tshark_pairs(&file, two_pass);
            let mut ours = our_pairs(&file, two_pass);
            ours.retain(|frame, _| !refused.contains(frame) || theirs.contains_key(frame));
            assert_eq!(ours, theirs, "{} (two passes: {two_pass})", file.display());
        }
        compared += ours.len();
        seen.extend(kinds);
    }
    assert!(
        compared > 100,
        "only {compared} packets compared in {}",
        dir.display()
    );
    seen
}

/// (whole IP length, fragment frames) of each reassembled message, by frame.
type Reassembled = BTreeMap<u64, (u64, Vec<u64>)>;

fn tshark_reassembled(file: &Path) -> Reassembled {
    let fields = [
        "frame.number",
        "ip.hdr_len",
        "ip.reassembled.length",
        "ipv6.reassembled.length",
        "ip.fragment",
        "ipv6.fragment",
    ];
    tshark::fields(file, ICMP, &fields)
        .iter()
        .filter_map(|row| {
            let number = |field: &str| row.first(field).parse::<u64>().ok();
            // tshark's reassembled length is the payload's: add the header
            // (no IPv6 extension headers in the corpus).
            let length = match number("ip.reassembled.length") {
                Some(payload) => payload + number("ip.hdr_len")?,
                None => number("ipv6.reassembled.length")? + 40,
            };
            let frames = [row.all("ip.fragment"), row.all("ipv6.fragment")].concat();
            let frames = frames.iter().map(|f| f.parse().expect("a frame")).collect();
            Some((row.frame(), (length, frames)))
        })
        .collect()
}

fn our_reassembled(file: &Path) -> Reassembled {
    tshark::decode_json(icmpkit!(), file)
        .iter()
        .filter(|v| v["fragments"].as_array().is_some_and(|f| !f.is_empty()))
        .map(|v| {
            let frames = v["fragments"].as_array().expect("fragments");
            let frames = frames
                .iter()
                .map(|f| f.as_u64().expect("a frame"))
                .collect();
            let length = v["length"].as_u64().expect("length");
            (v["frame"].as_u64().expect("frame"), (length, frames))
        })
        .collect()
}

/// (response in, response to, no response found) of an echo request or
/// reply, by frame.
type Pairs = BTreeMap<u64, (Option<u64>, Option<u64>, bool)>;

/// The fields [`tshark_pairs`] reads.
const PAIR_FIELDS: [&str; 9] = [
    "frame.number",
    "icmp.type",
    "icmpv6.type",
    "icmp.resp_in",
    "icmp.resp_to",
    "icmp.no_resp",
    "icmpv6.resp_in",
    "icmpv6.resp_to",
    "icmpv6.no_resp",
];

/// Whether an ICMP or ICMPv6 type is an echo request or reply (tshark
/// does not pair RFC 8335 extended echo; we do, see `our_pairs`).
fn is_echo(icmp_type: u64, version: u64) -> bool {
    matches!((version, icmp_type), (4, 0 | 8) | (6, 128 | 129))
}

fn tshark_pairs(file: &Path, two_pass: bool) -> Pairs {
    let options: &[&str] = if two_pass { &["-2"] } else { &[] };
    tshark::fields_with(file, ICMP, &PAIR_FIELDS, options)
        .iter()
        .filter_map(|row| {
            let (version, t) = match row.first("icmp.type") {
                "" => (6, row.first("icmpv6.type")),
                t => (4, t),
            };
            if !is_echo(t.parse().ok()?, version) {
                return None;
            }
            let p = if version == 4 { "icmp" } else { "icmpv6" };
            let frame = |f: &str| row.first(&format!("{p}.{f}")).parse().ok();
            let none = !row.first(&format!("{p}.no_resp")).is_empty();
            Some((row.frame(), (frame("resp_in"), frame("resp_to"), none)))
        })
        .collect()
}

fn our_pairs(file: &Path, two_pass: bool) -> Pairs {
    let mut args = vec!["decode", "--json"];
    if two_pass {
        args.push("--two-pass");
    }
    let output = Command::new(icmpkit!())
        .args(args)
        .arg(file)
        .output()
        .expect("run icmpkit");
    assert!(output.status.success());
    let mut pairs = Pairs::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        let (Some(t), Some(version)) = (v["icmp_type"].as_u64(), v["version"].as_u64()) else {
            continue;
        };
        let link = (
            v["response_in"].as_u64(),
            v["response_to"].as_u64(),
            v["no_response"] == true,
        );
        if is_echo(t, version) {
            pairs.insert(v["frame"].as_u64().expect("frame"), link);
        } else if matches!(t, 43 | 161) {
            // Extended echo replies are paired too (the kernel answers each).
            assert!(link.1.is_some(), "{}: {v}", file.display());
        }
    }
    pairs
}

/// The messages the corpus script makes the kernel send.
fn assert_covers_kernel_messages(seen: &BTreeSet<Kind>) {
    let mut wanted = vec![
        (4, 0, 0),
        (4, 8, 0),
        (4, 11, 0),
        (4, 11, 1),
        (4, 12, 0),
        (4, 14, 0),
    ];
    wanted.extend([0, 1, 2, 3, 4, 9, 10, 13].map(|c| (4, 3, c)));
    wanted.extend([(4, 42, 0), (4, 43, 0), (4, 43, 1), (4, 43, 2)]);
    wanted.extend([0, 1, 3, 4, 5, 6].map(|c| (6, 1, c)));
    wanted.extend([
        (6, 2, 0),
        (6, 3, 0),
        (6, 3, 1),
        (6, 4, 1),
        (6, 4, 2),
        (6, 128, 0),
    ]);
    wanted.extend([(6, 129, 0), (6, 160, 0), (6, 161, 0)]);
    let missing: Vec<_> = wanted.iter().filter(|w| !seen.contains(w)).collect();
    assert!(
        missing.is_empty(),
        "the kernel corpus lacks (version, type, code) {missing:?}"
    );
}

#[test]
fn committed_corpus_agrees_with_tshark() {
    if !require::program("tshark") {
        return;
    }
    let seen = compare_dir(&repo().join("tests/fixtures/kernel"));
    assert_covers_kernel_messages(&seen);
}

/// Records the corpus afresh from this machine's kernel (root: network
/// namespaces) and compares again: the script that remakes the fixtures
/// works, and the decoder agrees with tshark on what today's kernel sends.
/// The script talks only to addresses inside the namespaces it creates and
/// removes them on exit, even on failure.
#[test]
fn freshly_recorded_corpus_agrees_with_tshark() {
    if !require::root("freshly_recorded_corpus_agrees_with_tshark") {
        return;
    }
    if !require::program("tshark") {
        return;
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("kernel-corpus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new("timeout")
        .arg("180")
        .arg(repo().join("lab/capture-corpus.sh"))
        .arg(&out)
        .status()
        .expect("run lab/capture-corpus.sh");
    assert!(status.success(), "lab/capture-corpus.sh failed: {status}");
    let seen = compare_dir(&out);
    assert_covers_kernel_messages(&seen);
    std::fs::remove_dir_all(&out).expect("remove the fresh corpus");
}

/// An ICMP or ICMPv6 packet built by `icmpkit_lab::packets`, its addresses
/// swapped (the checksums stay right).
fn reversed(mut p: Vec<u8>) -> Vec<u8> {
    let (src, len) = if p[0] >> 4 == 4 { (12, 4) } else { (8, 16) };
    let (a, b) = p[src..src + 2 * len].split_at_mut(len);
    a.swap_with_slice(b);
    p
}

#[test]
fn duplicate_replies_are_paired_as_tshark_pairs_them() {
    use icmpkit_lab::packets::{icmp, pcap, v4, v6};
    let request = v4(icmp(8, 0, [0, 7, 0, 1], b"x"));
    let reply = reversed(v4(icmp(0, 0, [0, 7, 0, 1], b"x")));
    let request6 = v6(icmp(128, 0, [0, 7, 0, 1], b"x"));
    let reply6 = reversed(v6(icmp(129, 0, [0, 7, 0, 1], b"x")));
    let packets = [
        &request, &request, &reply, &reply, // 1-4: sent twice, answered twice
        &request, &reply, &reply, // 5-7: sent again, answered twice
        &request6, &reply6, &reply6, // 8-10
    ];
    let records: Vec<(&[u8], u32)> = packets
        .iter()
        .map(|p| (p.as_slice(), u32::try_from(p.len()).unwrap()))
        .collect();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("duplicate-replies.pcap");
    std::fs::write(&file, pcap(&records)).unwrap();
    let to = |f| (None, Some(f), false);
    let alone = (None, None, false);
    assert_eq!(
        our_pairs(&file, false),
        Pairs::from([
            (1, alone),
            (2, alone),
            (3, to(2)),
            (4, alone),
            (5, alone),
            (6, to(5)),
            (7, alone),
            (8, alone),
            (9, to(8)),
            (10, alone),
        ])
    );
    let unanswered = (None, None, true);
    let answered = |f| (Some(f), None, false);
    assert_eq!(
        our_pairs(&file, true),
        Pairs::from([
            (1, unanswered),
            (2, answered(3)),
            (3, to(2)),
            (4, alone),
            (5, answered(6)),
            (6, to(5)),
            (7, alone),
            (8, answered(9)),
            (9, to(8)),
            (10, alone),
        ])
    );
    if !require::program("tshark") {
        return;
    }
    for two_pass in [false, true] {
        assert_eq!(
            our_pairs(&file, two_pass),
            tshark_pairs(&file, two_pass),
            "two passes: {two_pass}"
        );
    }
}
