use super::*;

/// Every packet of `text`, or the first error.
fn packets(text: &str) -> Result<Vec<Vec<u8>>, HexError> {
    let mut reader = HexReader::new(text.as_bytes());
    let mut out = Vec::new();
    while let Some(p) = reader.next_packet(&mut || Ok(()))? {
        out.push(p.to_vec());
    }
    Ok(out)
}

fn error(text: &str) -> String {
    packets(text).unwrap_err().to_string()
}

#[test]
fn plain_and_separated_digits() {
    let p = packets("45 00 00 1c\n0a:0b\n\n6000 0000\n").unwrap();
    assert_eq!(
        p,
        vec![vec![0x45, 0, 0, 0x1c, 0x0a, 0x0b], vec![0x60, 0, 0, 0]]
    );
    assert_eq!(
        packets("0x45 0x00\r\n4-5\n").unwrap(),
        vec![vec![0x45, 0, 0x45]]
    );
    // Digits pair across words and lines.
    assert_eq!(packets("4 5 0\n0\n").unwrap(), vec![vec![0x45, 0]]);
    assert!(packets("").unwrap().is_empty());
    assert!(packets("\n\n  \n").unwrap().is_empty());
}

#[test]
fn tcpdump_offsets_are_skipped() {
    let text = "\t0x0000:  4500 0054 1234 4000 4001 0000 7f00 0001\n\t0x0010:  7f00 0001\n";
    let p = packets(text).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].len(), 20);
    assert_eq!(&p[0][..4], &[0x45, 0, 0, 0x54]);
    assert_eq!(&p[0][16..], &[0x7f, 0, 0, 1]);
}

#[test]
fn tcpdump_summary_lines_separate_packets() {
    let text = "13:20:51.000001 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 8\n\
                \t0x0000:  4500 001c 0001 0000 4001 0000 0a00 0001\n\
                \t0x0010:  0a00 0002 0800 f7fe 0001 0000\n\
                13:20:51.000002 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1, seq 1, length 8\n\
                \t0x0000:  4500 001c\n";
    let p = packets(text).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].len(), 28);
    assert_eq!(p[1], vec![0x45, 0, 0, 0x1c]);
}

#[test]
fn of_two_dumps_under_one_summary_line_the_last_is_the_packet() {
    let text = "12:00 IP a > b: ICMP\n\t0x0000:  0102 0304\n\t0x0000:  4500\n";
    assert_eq!(packets(text).unwrap(), vec![vec![0x45, 0]]);
}

#[test]
fn errors_name_the_line() {
    assert_eq!(
        error("45 00\n4g\n"),
        "hex input line 2: 'g' is not a hex digit"
    );
    assert_eq!(
        error("45 0\n\n"),
        "hex input line 1: odd number of hex digits in this packet"
    );
    // Not hex, and no offset line after it: not tcpdump's summary.
    assert_eq!(
        error("45 00\n\nhello\n\n45 00\n"),
        "hex input line 3: 'h' is not a hex digit"
    );
    // A bad digit on an offset line is an error at once.
    assert_eq!(
        error("\t0x0000:  45zz\n"),
        "hex input line 1: 'z' is not a hex digit"
    );
    // Control characters are named escaped.
    assert_eq!(
        error("\u{1b}[2J\n"),
        "hex input line 1: '\\u{1b}' is not a hex digit"
    );
}

#[test]
fn lines_and_packets_are_bounded() {
    let long_line = "0".repeat(MAX_LINE_LEN + 2);
    assert_eq!(
        error(&long_line),
        format!("hex input line 1: line longer than {MAX_LINE_LEN} bytes")
    );
    let line = "00".repeat(1000) + "\n";
    let text = line.repeat(MAX_PACKET_LEN / 1000 + 1);
    assert_eq!(
        error(&text),
        format!(
            "hex input line {}: packet longer than {MAX_PACKET_LEN} bytes (the largest IP packet)",
            MAX_PACKET_LEN / 1000 + 1
        )
    );
    // The largest packet is read.
    let text = "00".repeat(MAX_PACKET_LEN);
    assert_eq!(packets(&text).unwrap()[0].len(), MAX_PACKET_LEN);
}

/// Hands out its chunks one `read` at a time, logging each read.
struct Chunks {
    chunks: Vec<&'static [u8]>,
    log: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.chunks.is_empty() {
            return Ok(0);
        }
        let chunk = self.chunks.remove(0);
        buf[..chunk.len()].copy_from_slice(chunk);
        self.log.borrow_mut().push(format!("read {}", chunk.len()));
        Ok(chunk.len())
    }
}

#[test]
fn each_packet_is_handed_out_before_the_reader_waits_for_more() {
    let log = std::rc::Rc::default();
    let input = Chunks {
        // The first packet and its blank line, then the second packet cut
        // inside a line; the second ends at the end of input.
        chunks: vec![b"45 00\n00 1c\n\n45", b" 01\n"],
        log: std::rc::Rc::clone(&log),
    };
    let mut reader = HexReader::new(input);
    let mut wait = || {
        log.borrow_mut().push("wait".to_owned());
        Ok(())
    };
    assert_eq!(
        reader.next_packet(&mut wait).unwrap(),
        Some(&[0x45, 0, 0, 0x1c][..])
    );
    log.borrow_mut().push("packet 1".to_owned());
    assert_eq!(reader.next_packet(&mut wait).unwrap(), Some(&[0x45, 1][..]));
    log.borrow_mut().push("packet 2".to_owned());
    assert_eq!(reader.next_packet(&mut wait).unwrap(), None);
    assert_eq!(reader.next_packet(&mut wait).unwrap(), None);
    assert_eq!(
        *log.borrow(),
        [
            "wait", "read 15", "packet 1", "wait", "read 4", "wait", "packet 2"
        ]
    );
}

#[test]
fn a_failed_wait_ends_reading_with_its_error() {
    let mut reader = HexReader::new(&b"45 00\n"[..]);
    let e = reader
        .next_packet(&mut || Err(io::ErrorKind::BrokenPipe.into()))
        .unwrap_err();
    assert!(matches!(&e.problem, HexProblem::Io(io) if io.kind() == io::ErrorKind::BrokenPipe));
    assert!(error::Error::source(&e).is_some());
    assert!(reader.next_packet(&mut || Ok(())).unwrap().is_none());
}

#[test]
fn tcpdump_ascii_columns_are_left_out() {
    // `tcpdump -X`: the ASCII column holds hex-looking text ("cafe").
    let text = "\t0x0000:  4500 001c 0001 0000 4001 0000 0a00 0001  E...........cafe\n\
                \t0x0010:  0a00 0002 0800 f7fe 0001 00            ...........\n";
    let p = packets(text).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].len(), 27);
    assert_eq!(&p[0][24..], &[0, 1, 0]);
    // Offset lines in other layouts are kept whole.
    assert_eq!(
        packets("0x0000: 45 00 00 1c 00 01 00 00 40 01 00 00 0a 00 00 01 0a 00\n").unwrap()[0]
            .len(),
        18
    );
}

#[test]
fn a_dump_with_its_link_layer_is_told_from_an_ip_packet() {
    let ip = [
        0x45, 0, 0, 20, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    assert_eq!(link_type_of(&ip), None);
    let mut ethernet = vec![0x45; 12];
    ethernet.extend_from_slice(&[0x08, 0x00]);
    ethernet.extend_from_slice(&ip);
    assert_eq!(link_type_of(&ethernet), Some(crate::LinkType::Ethernet));
    // Neither: taken for an IP packet.
    assert_eq!(link_type_of(&[0x12, 0x34]), None);
    assert_eq!(link_type_of(&[]), None);
}
