//! The codes of Extended Echo (PROBE, RFC 8335), the same in ICMPv4 (42, 43)
//! and ICMPv6 (160, 161).

use super::{CodeInfo, brief_code};

const NO_ERROR: CodeInfo = brief_code(
    0,
    "No Error",
    "No error",
    "RFC 8335 §2",
    "The only code of a request, and of a reply that answers the query.",
);

/// Extended Echo Request's only code.
pub(super) const REQUEST_CODES: &[CodeInfo] = &[NO_ERROR];

/// Extended Echo Reply's codes, 0 through 4.
pub(super) const REPLY_CODES: &[CodeInfo] = &[
    NO_ERROR,
    brief_code(
        1,
        "Malformed Query",
        "Malformed Query",
        "RFC 8335 §3",
        "The request's Interface Identification Object was missing or malformed.",
    ),
    brief_code(
        2,
        "No Such Interface",
        "No Such Interface",
        "RFC 8335 §3",
        "The probed node has no interface matching the name, index or address given.",
    ),
    brief_code(
        3,
        "No Such Table Entry",
        "No Such Table Entry",
        "RFC 8335 §3",
        "The query named a neighbour address that is not in the probed node's ARP or neighbour table.",
    ),
    brief_code(
        4,
        "Multiple Interfaces Satisfy Query",
        "Multiple Interfaces Satisfy Query",
        "RFC 8335 §3",
        "The identification matched more than one interface, so the node cannot tell which to report.",
    ),
];
