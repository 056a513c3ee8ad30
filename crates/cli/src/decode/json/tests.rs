use super::*;

use icmpkit_lab::packets;
use icmpkit_wire::dissect;
use serde_json::json;

#[test]
fn members_are_written_in_order_with_their_values_escaped() {
    let mut line = Vec::new();
    let members: Fields = vec![
        ("type", "packet".into()),
        ("frame", 1.into()),
        ("name", "a\"b\u{1b}".into()),
        ("quote", Value::Null),
        ("notes", json!([])),
    ];
    write_object(&mut line, &members).unwrap();
    assert_eq!(
        String::from_utf8(line).unwrap(),
        r#"{"type":"packet","frame":1,"name":"a\"b\u001b","quote":null,"notes":[]}"#
    );
}

#[test]
fn a_packet_object_names_each_member_once_in_the_documented_order() {
    let label = (16_u32 << 12 | 1 << 8 | 1).to_be_bytes();
    let ip = packets::time_exceeded_with_objects(&packets::object(1, 1, &label));
    let d = dissect::dissect(&ip).expect("an ICMP packet");
    let packet = Packet {
        frame: 3,
        time: None,
        ip: &ip,
        encap: &[],
        fragments: &[],
        reassembly: None,
        time_column: "",
        link: super::super::pairing::Link::default(),
    };
    let mut json = Json::default();
    let mut out = Vec::new();
    json.packet(&mut out, &packet, &d).unwrap();
    let line = std::str::from_utf8(&out).unwrap().trim_end();
    let value: Value = serde_json::from_str(line).unwrap();
    // Parsing keeps one of two members of the same name: written again,
    // the object would be shorter.
    assert_eq!(serde_json::to_string(&value).unwrap(), line);
    let names: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "type",
            "frame",
            "time",
            "version",
            "src",
            "dst",
            "ttl",
            "length",
            "icmp_type",
            "icmp_code",
            "type_name",
            "code_name",
            "checksum",
            "checksum_valid",
            "truncated",
            "malformed",
            "notes",
            "fragments",
            "response_to",
            "response_in",
            "no_response",
            "quote_len",
            "quote",
            "extension",
            "mpls",
            "encap",
            "outer"
        ]
    );
    assert_eq!(
        value["mpls"],
        json!([{"label": 16, "tc": 0, "s": 1, "ttl": 1}])
    );
}
