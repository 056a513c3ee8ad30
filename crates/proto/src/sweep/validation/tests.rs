use super::*;
use icmpkit_wire::checksum;

const KEY: [u8; 16] = *b"validator key 01";
const OTHER_KEY: [u8; 16] = *b"validator key 02";

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

/// The payload a probe carries, `len` bytes.
fn payload(v: &Validator, addr: IpAddr, attempt: u8, sent: Duration, len: usize) -> Vec<u8> {
    let mut data = vec![0xa5; len];
    v.probe(addr, attempt, sent).write_payload(&mut data);
    data
}

/// A small deterministic generator (xorshift64*) for forged fields.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn accepts_its_own_replies() {
    let v = Validator::new(KEY);
    for addr in [v4("192.0.2.3"), v4("198.51.100.200"), v6("2001:db8::1")] {
        let sent = Duration::from_nanos(1_234_567_891);
        let data = payload(&v, addr, 2, sent, 56);
        let (ident, seq) = v.ident_seq(addr);
        assert_eq!(
            v.check_reply(addr, ident, seq, &data),
            Some(Stamp { attempt: 2, sent })
        );
        assert_eq!(data[16..], [0; 40], "zeros after the stamp");
    }
}

#[test]
fn fields_are_stable_and_keyed() {
    let addr = v4("192.0.2.3");
    let a = Validator::new(KEY).probe(addr, 0, Duration::ZERO);
    let b = Validator::new(KEY).probe(addr, 0, Duration::ZERO);
    let c = Validator::new(OTHER_KEY).probe(addr, 0, Duration::ZERO);
    assert_eq!(a, b);
    assert_ne!((a.ident, a.seq), (c.ident, c.seq));
    assert_ne!(a.tag, c.tag);
    // The stamp: attempt in the top byte, nanoseconds below.
    let d = Validator::new(KEY).probe(addr, 3, Duration::from_nanos(0x0102_0304));
    assert_eq!(d.stamp, [3, 0, 0, 0, 1, 2, 3, 4]);
}

#[test]
fn rejects_forged_replies() {
    let v = Validator::new(KEY);
    let target = v4("192.0.2.3");
    let sent = Duration::from_millis(5);
    let good = payload(&v, target, 0, sent, 16);
    let (ident, seq) = v.ident_seq(target);

    // Random ident/seq/data.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..10_000 {
        let r = rng.next().to_le_bytes();
        let data: Vec<u8> = (0..2).flat_map(|_| rng.next().to_le_bytes()).collect();
        let (fi, fs) = (
            u16::from_le_bytes([r[0], r[1]]),
            u16::from_le_bytes([r[2], r[3]]),
        );
        accepted += usize::from(v.check_reply(target, fi, fs, &data).is_some());
        // Right ident/seq, random payload.
        accepted += usize::from(v.check_reply(target, ident, seq, &data).is_some());
    }
    assert_eq!(accepted, 0);

    // Right ident/seq and payload, but from another address.
    let other = v4("192.0.2.2");
    assert_eq!(v.check_reply(other, ident, seq, &good), None);
    let (oi, os) = v.ident_seq(other);
    assert_eq!(
        v.check_reply(other, oi, os, &good),
        None,
        "tag names the target"
    );

    // Replayed from a run with another key.
    let old = Validator::new(OTHER_KEY);
    let (old_ident, old_seq) = old.ident_seq(target);
    let replay = payload(&old, target, 0, sent, 16);
    assert_eq!(v.check_reply(target, old_ident, old_seq, &replay), None);
    assert_eq!(v.check_reply(target, ident, seq, &replay), None);

    // Each altered byte of the tag or stamp.
    for i in 0..16 {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        assert_eq!(v.check_reply(target, ident, seq, &bad), None, "byte {i}");
    }
    // Truncated.
    assert_eq!(v.check_reply(target, ident, seq, &good[..15]), None);
    assert!(v.check_reply(target, ident, seq, &good).is_some());
}

#[test]
fn errors_quoting_our_probe() {
    let v = Validator::new(KEY);
    let target = v6("2001:db8:2::2");
    let sent = Duration::from_micros(250);
    let data = payload(&v, target, 1, sent, 32);
    let (ident, seq) = v.ident_seq(target);
    assert_eq!(
        v.check_error(target, ident, seq, &data),
        Some(QuotedProbe {
            stamp: Some(Stamp { attempt: 1, sent })
        })
    );
    // An RFC 792 quote: header only.
    assert_eq!(
        v.check_error(target, ident, seq, &[]),
        Some(QuotedProbe { stamp: None })
    );
    // A quote cut inside the stamp, an altered tag, the wrong destination.
    assert_eq!(v.check_error(target, ident, seq, &data[..12]), None);
    let mut bad = data.clone();
    bad[0] ^= 0x80;
    assert_eq!(v.check_error(target, ident, seq, &bad), None);
    assert_eq!(v.check_error(v6("2001:db8:2::3"), ident, seq, &data), None);
    assert_eq!(v.check_error(target, ident ^ 1, seq, &data), None);
}

#[test]
fn build_echo_v4_is_a_valid_echo_request() {
    let v = Validator::new(KEY);
    let target = v4("198.51.100.2");
    let sent = Duration::from_nanos(42);
    let mut buf = [0xa5u8; 64];
    let len = v.build_echo(target, 0, sent, 20, &mut buf);
    assert_eq!(len, 28);
    assert_eq!(buf[28..], [0xa5; 36], "nothing written past the message");
    assert_eq!(buf[..2], [8, 0], "type 8 code 0");
    assert!(checksum::is_valid(&buf[..len]));
    let repr = icmpv4::Repr::parse_bytes(&buf[..len]).unwrap();
    let icmpv4::Repr::EchoRequest {
        ident,
        seq_no,
        data,
    } = repr
    else {
        panic!("{repr:?}");
    };
    assert_eq!(data.len(), 20);
    assert_eq!(
        v.check_reply(target, ident, seq_no, data),
        Some(Stamp { attempt: 0, sent })
    );
}

#[test]
fn build_echo_v6_and_the_minimum_payload() {
    let v = Validator::new(KEY);
    let target = v6("2001:db8::2");
    let mut buf = [0xa5u8; 64];
    // A payload of 4 is raised to the 16 of tag and stamp.
    let len = v.build_echo(target, 5, Duration::from_secs(3), 4, &mut buf);
    assert_eq!(len, 24);
    assert_eq!(Validator::echo_len(4), 24);
    assert_eq!(buf[..2], [128, 0], "type 128 code 0");
    let (ident, seq) = v.ident_seq(target);
    assert_eq!(
        buf[4..8],
        [ident.to_be_bytes(), seq.to_be_bytes()].concat()[..]
    );
    assert_eq!(
        v.check_reply(target, ident, seq, &buf[8..len]),
        Some(Stamp {
            attempt: 5,
            sent: Duration::from_secs(3)
        })
    );
}

#[test]
#[should_panic(expected = "build_echo: buffer of 10 bytes, need 24")]
fn build_echo_short_buffer() {
    Validator::new(KEY).build_echo(v4("192.0.2.3"), 0, Duration::ZERO, 0, &mut [0; 10]);
}
