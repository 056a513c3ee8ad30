//! Node Information queries (RFC 4620, iputils' `-N`): what each probe
//! asks instead of an Echo Request, and the nonce that names its probe.
//!
//! A query carries no identifier: its 8-byte nonce is the sequence number
//! (2 bytes, as iputils writes it) and 6 bytes mixed from the run's nonce
//! and that number, so a response names its probe and another run's (or a
//! stale) response does not match.

use icmpkit_wire::icmpv6::{self, node_info};

/// What every probe of a `-N` run asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfoQuery {
    /// The Qtype (`node_info::QTYPE_*`).
    pub qtype: u16,
    /// The Qtype's flags (`node_info::FLAG_*`).
    pub flags: u16,
    /// The subject's kind (`node_info::SUBJECT_*`).
    pub subject_code: u8,
    /// The subject: an IPv6 or IPv4 address, or a name in wire format.
    pub subject: Vec<u8>,
}

impl NodeInfoQuery {
    /// The length of the query message.
    pub fn message_len(&self) -> usize {
        node_info::FIXED_LEN + self.subject.len()
    }

    /// Writes the query of sequence number `seq` for a run of `run_nonce`
    /// into the start of `out` (checksum left to the kernel, which
    /// computes it for every ICMPv6 socket). Returns its length.
    ///
    /// # Panics
    ///
    /// If `out` is shorter than [`NodeInfoQuery::message_len`].
    pub fn write(&self, run_nonce: u64, seq: u16, out: &mut [u8]) -> usize {
        let len = self.message_len();
        let repr = icmpv6::Repr::NodeInformationQuery {
            code: self.subject_code.into(),
            qtype: self.qtype,
            flags: self.flags,
            nonce: nonce(run_nonce, seq),
            data: &self.subject,
        };
        let unspecified = std::net::Ipv6Addr::UNSPECIFIED;
        repr.emit(
            &mut icmpv6::Packet::new_unchecked(&mut out[..len]),
            unspecified,
            unspecified,
        );
        len
    }
}

/// The nonce of query `seq`: the sequence number, then 6 bytes of the
/// run's nonce and `seq` mixed (splitmix64's finalizer).
pub fn nonce(run_nonce: u64, seq: u16) -> [u8; 8] {
    let mut z = run_nonce.wrapping_add(u64::from(seq).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let mut out = [0u8; 8];
    out[..2].copy_from_slice(&seq.to_be_bytes());
    out[2..].copy_from_slice(&z.to_be_bytes()[..6]);
    out
}

/// The sequence number a response's `nonce` names, when it is one of
/// this run's.
pub fn seq_of(run_nonce: u64, response_nonce: [u8; 8]) -> Option<u16> {
    let seq = u16::from_be_bytes([response_nonce[0], response_nonce[1]]);
    (nonce(run_nonce, seq) == response_nonce).then_some(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_names_its_sequence_number_for_its_run_only() {
        let n = nonce(42, 7);
        assert_eq!(n[..2], [0, 7]);
        assert_eq!(seq_of(42, n), Some(7));
        assert_eq!(seq_of(43, n), None);
        let mut forged = n;
        forged[1] = 8;
        assert_eq!(seq_of(42, forged), None);
    }

    #[test]
    fn a_query_is_written_as_rfc_4620_lays_it_out() {
        let query = NodeInfoQuery {
            qtype: node_info::QTYPE_NODE_ADDRESSES,
            flags: node_info::FLAG_ALL,
            subject_code: node_info::SUBJECT_IPV6,
            subject: std::net::Ipv6Addr::LOCALHOST.octets().to_vec(),
        };
        let mut out = vec![0u8; query.message_len()];
        assert_eq!(query.write(1, 3, &mut out), 32);
        assert_eq!(out[0..2], [139, 0]);
        assert_eq!(out[4..8], [0, 3, 0, 2]);
        assert_eq!(out[8..16], nonce(1, 3));
        assert_eq!(out[16..], std::net::Ipv6Addr::LOCALHOST.octets());
    }
}
