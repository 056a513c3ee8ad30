//! Point-to-point serial link headers: PPP (RFC 1661), PPP in HDLC-like
//! framing (RFC 1662) and Cisco HDLC (RFC 1547 section 4.3.1).

use super::{Carried, Expect, be16};

/// PPP's protocol numbers for IPv4 and IPv6.
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
/// PPP's protocol numbers for MPLS unicast and multicast (RFC 3032 §4.3).
const PPP_MPLS: [u16; 2] = [0x0281, 0x0283];

/// The HDLC-like framing's all-stations address and unnumbered-information
/// control byte, which a link may agree to leave out (address and control
/// field compression).
const HDLC_ADDRESS: u8 = 0xff;
const HDLC_CONTROL: u8 = 0x03;

/// A Cisco HDLC header: address (unicast `0x0f` or multicast `0x8f`),
/// control 0, then a 2-byte Ethernet type.
struct CiscoHdlc;

impl CiscoHdlc {
    const ADDRESSES: [u8; 2] = [0x0f, 0x8f];
    const CONTROL: u8 = 0;
    const ETHERTYPE_AT: usize = 2;
    const LEN: usize = 4;
}

/// Cisco HDLC.
pub(super) fn cisco_hdlc(data: &[u8]) -> Option<Carried<'_>> {
    let [address, control, ..] = *data else {
        return None;
    };
    if !CiscoHdlc::ADDRESSES.contains(&address) || control != CiscoHdlc::CONTROL {
        return None;
    }
    let ethertype = be16(data, CiscoHdlc::ETHERTYPE_AT)?;
    Some(Carried::Ethertype(ethertype, data.get(CiscoHdlc::LEN..)?))
}

/// A PPP frame as link types 9 and 50 record it, read as Wireshark does for
/// both: a first byte of `0x0f` or `0x8f` makes it Cisco HDLC; `0xff 0x03`
/// are the HDLC-like address and control, and without them the frame starts
/// at the protocol field.
pub(super) fn ppp_or_cisco(data: &[u8]) -> Option<Carried<'_>> {
    match *data {
        [first, ..] if CiscoHdlc::ADDRESSES.contains(&first) => cisco_hdlc(data),
        _ => ppp(data),
    }
}

/// A PPP frame (as PPTP's GRE carries it too): `0xff 0x03` address and
/// control, unless compressed away, then the protocol field and the IPv4,
/// IPv6 or MPLS payload.
pub(crate) fn ppp(data: &[u8]) -> Option<Carried<'_>> {
    match *data {
        [HDLC_ADDRESS, HDLC_CONTROL, ref rest @ ..] => ppp_protocol(rest),
        [HDLC_ADDRESS, ..] => None,
        _ => ppp_protocol(data),
    }
}

/// The PPP protocol field and what follows. The field is 2 bytes, or 1 when
/// the link agreed to protocol field compression: protocol numbers have an
/// even first byte and an odd last one, so an odd first byte is a whole
/// compressed protocol number.
fn ppp_protocol(data: &[u8]) -> Option<Carried<'_>> {
    let first = *data.first()?;
    let (protocol, len) = if first & 1 == 1 {
        (u16::from(first), 1)
    } else {
        (be16(data, 0)?, 2)
    };
    let payload = data.get(len..)?;
    match protocol {
        PPP_IPV4 => Some(Carried::Ip(Expect::V4, payload)),
        PPP_IPV6 => Some(Carried::Ip(Expect::V6, payload)),
        p if PPP_MPLS.contains(&p) => Some(Carried::Mpls(payload)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{V4, v6};
    use super::super::{LinkType, network_layer};

    fn framed(header: &[u8], payload: &[u8]) -> Vec<u8> {
        [header, payload].concat()
    }

    #[test]
    fn ppp_every_framing() {
        let p6 = v6();
        for link in [LinkType::Ppp, LinkType::PppHdlc] {
            let cases: [(&[u8], &[u8]); 6] = [
                (&[0xff, 0x03, 0x00, 0x21], &V4), // full framing
                (&[0xff, 0x03, 0x00, 0x57], &p6), // full framing, IPv6
                (&[0x00, 0x21], &V4),             // address and control compressed
                (&[0xff, 0x03, 0x21], &V4),       // protocol field compressed
                (&[0x57], &p6),                   // both compressed
                (&[0x0f, 0x00, 0x08, 0x00], &V4), // Cisco HDLC, as Wireshark reads it
            ];
            for (header, payload) in cases {
                let frame = framed(header, payload);
                assert_eq!(
                    network_layer(link, &frame),
                    Some(payload),
                    "{link} {header:02x?}"
                );
            }
        }
    }

    #[test]
    fn ppp_skips_other_protocols_and_cut_headers() {
        for link in [LinkType::Ppp, LinkType::PppHdlc] {
            // LCP, IPCP, IPv4 labelled IPv6, a control byte other than 0x03.
            for header in [
                &[0xff, 0x03, 0xc0, 0x21][..],
                &[0x80, 0x21],
                &[0xff, 0x03, 0x00, 0x57],
                &[0xff, 0x01, 0x00, 0x21],
            ] {
                assert_eq!(
                    network_layer(link, &framed(header, &V4)),
                    None,
                    "{header:02x?}"
                );
            }
            // Cut inside or right after the header.
            for cut in [
                &[][..],
                &[0xff],
                &[0xff, 0x03],
                &[0xff, 0x03, 0x00],
                &[0xff, 0x03, 0x00, 0x21],
            ] {
                assert_eq!(network_layer(link, cut), None, "{cut:02x?}");
            }
        }
    }

    #[test]
    fn cisco_hdlc() {
        let p6 = v6();
        let unicast = framed(&[0x0f, 0x00, 0x08, 0x00], &V4);
        assert_eq!(network_layer(LinkType::CiscoHdlc, &unicast), Some(&V4[..]));
        let multicast = framed(&[0x8f, 0x00, 0x86, 0xdd], &p6);
        assert_eq!(
            network_layer(LinkType::CiscoHdlc, &multicast),
            Some(&p6[..])
        );
        // SLARP, a wrong address, a wrong control byte, a wrong version.
        for header in [
            &[0x0f, 0x00, 0x80, 0x35][..],
            &[0xff, 0x00, 0x08, 0x00],
            &[0x0f, 0x03, 0x08, 0x00],
            &[0x0f, 0x00, 0x86, 0xdd],
        ] {
            assert_eq!(
                network_layer(LinkType::CiscoHdlc, &framed(header, &V4)),
                None
            );
        }
        for len in 0..=4 {
            assert_eq!(network_layer(LinkType::CiscoHdlc, &unicast[..len]), None);
        }
    }
}
