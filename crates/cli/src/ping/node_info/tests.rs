//! `-N` words and answers as iputils has them.

use super::*;

fn request(values: &[&str]) -> Result<Request> {
    Request::parse(&values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>())
}

/// A response of `code`, `qtype`, `flags`, sequence number 1, and `data`.
fn response(code: u8, qtype: u16, flags: u16, data: &[u8]) -> Vec<u8> {
    let mut m = vec![140, code, 0, 0];
    m.extend(qtype.to_be_bytes());
    m.extend(flags.to_be_bytes());
    m.extend([0, 1, 9, 9, 9, 9, 9, 9]);
    m.extend(data);
    m
}

#[test]
fn options_set_the_qtype_flags_and_subject_as_iputils_does() {
    let r = request(&["ipv6-all", "ipv6-global"]).unwrap();
    assert_eq!(
        (r.qtype, r.flags),
        (
            Some(node_info::QTYPE_NODE_ADDRESSES),
            FLAG_ALL | FLAG_GLOBAL
        )
    );
    assert_eq!(
        request(&["fqdn"]).unwrap().qtype,
        Some(node_info::QTYPE_NODE_NAME)
    );
    let r = request(&["name", "subject-ipv4=192.0.2.11"]).unwrap();
    assert_eq!(
        r.subject,
        Some((node_info::SUBJECT_IPV4, vec![192, 0, 2, 11]))
    );
    let r = request(&["name", "subject-name=Host"]).unwrap();
    assert_eq!(
        r.subject,
        Some((node_info::SUBJECT_NAME, b"\x04host\x00\x00".to_vec()))
    );
    let r = request(&["name", "subject-name=h.example"]).unwrap();
    assert_eq!(r.subject.unwrap().1, b"\x01h\x07example\x00");
    assert!(request(&["name", "ipv4"]).is_err());
    assert!(
        request(&["nonsense"])
            .unwrap_err()
            .to_string()
            .starts_with("ping -6 -N")
    );
    assert!(request(&["subject-ipv6=::1", "subject-ipv4=192.0.2.11"]).is_err());
    // The target's address is the subject by default; IPv4 targets ping.
    let q = request(&["ipv4"])
        .unwrap()
        .query("::1".parse().unwrap())
        .unwrap();
    assert_eq!(
        (q.subject_code, q.subject.len()),
        (node_info::SUBJECT_IPV6, 16)
    );
    assert!(
        request(&["ipv4"])
            .unwrap()
            .query("192.0.2.11".parse().unwrap())
            .is_none()
    );
    assert!(
        request(&[])
            .unwrap()
            .query("::1".parse().unwrap())
            .is_none()
    );
}

#[test]
fn answers_print_as_iputils_prints_them() {
    let name = response(0, 2, 0, b"\0\0\0\0\x04host\x07example\0\x04mini\0\0");
    assert_eq!(answer(&name), " host.example., mini; seq=1;");
    let mut v6 = vec![0, 0, 0, 0];
    v6.extend(
        "2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    v6.extend([0, 0, 0]);
    assert_eq!(
        answer(&response(0, 3, 1, &v6)),
        " 2001:db8::1, parse error (truncated) (truncated); seq=1;"
    );
    assert_eq!(
        answer(&response(0, 4, 0, &[0, 0, 0, 0, 192, 0, 2, 11])),
        " 192.0.2.11; seq=1;"
    );
    assert_eq!(answer(&response(1, 2, 0, &[])), " refused; seq=1;");
    assert_eq!(answer(&response(2, 9, 0, &[])), " unknown; seq=1;");
    assert_eq!(
        answer(&response(3, 2, 0, &[])),
        " unknown code(300); seq=1;"
    );
    assert_eq!(
        answer(&response(0, 0, 0, &[])),
        " unknown qtype(0x00); seq=1;"
    );
    assert_eq!(
        answer(&response(0, 2, 0, &[0])),
        " parse error (too short); seq=1;"
    );
}

#[test]
fn a_response_line_is_iputils_reply_line_without_a_time() {
    let mut l = Line {
        bytes: 41,
        from: "::1",
        answer: " host.example., mini; seq=1;",
        ident: None,
        ttl: Some(64),
        duplicate: false,
    };
    assert_eq!(
        line(&l),
        "41 bytes from ::1: host.example., mini; seq=1; ttl=64"
    );
    l.ident = Some(7);
    l.duplicate = true;
    assert_eq!(
        line(&l),
        "41 bytes from ::1: host.example., mini; seq=1; ident=7 ttl=64 (DUP!)"
    );
}
