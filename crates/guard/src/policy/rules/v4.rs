//! ICMPv4: RFC 1122 and RFC 1812 for what hosts and routers need, RFC 6918
//! and RFC 6633 for what is deprecated, RFC 8335 for extended echo.

use super::{Codes, Fate, Hook, List, Role, always, related_only};

/// Echo Reply.
const ECHO_REPLY: u8 = 0;
/// Destination Unreachable.
const UNREACHABLE: u8 = 3;
/// Destination Unreachable's Fragmentation Needed code.
const FRAG_NEEDED: u8 = 4;
/// Source Quench (deprecated by RFC 6633).
const SOURCE_QUENCH: u8 = 4;
/// Redirect.
const REDIRECT: u8 = 5;
/// Echo Request.
const ECHO_REQUEST: u8 = 8;
/// Router Advertisement and Router Solicitation (RFC 1256).
const ROUTER_DISCOVERY: [u8; 2] = [9, 10];
/// Time Exceeded.
const TIME_EXCEEDED: u8 = 11;
/// Parameter Problem.
const PARAMETER_PROBLEM: u8 = 12;
/// Timestamp and Timestamp Reply.
const TIMESTAMP: [u8; 2] = [13, 14];
/// The types RFC 6918 deprecated: Alternate Host Address, Information
/// Request and Reply, Address Mask Request and Reply, Traceroute, Datagram
/// Conversion Error, Mobile Host Redirect, IPv6 Where-Are-You and
/// I-Am-Here, Mobile Registration Request and Reply, Domain Name Request
/// and Reply, SKIP.
const DEPRECATED: [u8; 15] = [6, 15, 16, 17, 18, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39];
/// Extended Echo Request (RFC 8335).
const EXTENDED_ECHO_REQUEST: u8 = 42;
/// Extended Echo Reply (RFC 8335).
const EXTENDED_ECHO_REPLY: u8 = 43;

/// The ICMPv4 decisions of one hook.
pub(super) fn decide(list: &mut List<'_>) {
    if list.hook == Hook::Output {
        output(list);
        return;
    }
    list.add_codes(
        &[UNREACHABLE],
        Codes::Only(vec![FRAG_NEEDED]),
        always(Fate::Accept),
        "Fragmentation Needed drives path-MTU discovery: without it large transfers hang",
        "RFC 1191 §3",
    );
    if list.transit() {
        list.hide_topology(UNREACHABLE, TIME_EXCEEDED);
    }
    errors(list);
    echo(list);
    list.add(
        &[SOURCE_QUENCH],
        always(Fate::Drop),
        "Source Quench is deprecated: hosts must ignore it, routers must not send it",
        "RFC 6633 §3",
    );
    if list.transit() {
        list.add(
            &[REDIRECT],
            always(Fate::Drop),
            "a router sends Redirects only onto its own link: one in transit is forged",
            "RFC 1812 §5.2.7.2",
        );
    } else {
        list.add(
            &[REDIRECT],
            always(Fate::Drop),
            "a Redirect rewrites this machine's routes on the word of anyone on the link",
            "RFC 1122 §3.2.2.2",
        );
    }
    list.add(
        &ROUTER_DISCOVERY,
        always(Fate::Drop),
        "router discovery is unused (routes come from configuration or DHCP); a forged one installs a route",
        "RFC 1256",
    );
    list.add(
        &TIMESTAMP,
        always(Fate::Drop),
        "timestamps reveal the clock and help fingerprinting; nothing needs them",
        "RFC 1812 §4.3.3.8",
    );
    list.add(
        &DEPRECATED,
        always(Fate::Drop),
        "deprecated types: nobody may send them, nobody acts on them",
        "RFC 6918 §2",
    );
    list.add(
        &[],
        always(Fate::Drop),
        "every other type: unassigned, reserved or experimental, silently discarded",
        "RFC 1122 §3.2.2",
    );
}

/// The error messages (Unreachable but Frag Needed, Time Exceeded,
/// Parameter Problem).
fn errors(list: &mut List<'_>) {
    let types = [UNREACHABLE, TIME_EXCEEDED, PARAMETER_PROBLEM];
    match (list.hook, list.role()) {
        (Hook::Forward, Role::Router) => list.add(
            &types,
            always(Fate::Accept),
            "errors in transit pass whatever flow they belong to: routes may be asymmetric",
            "RFC 1812 §5.2.7",
        ),
        (Hook::Forward, _) => list.add(
            &types,
            related_only(),
            "errors about tracked flows pass (unreachable, traceroute); unsolicited ones are scans or forged",
            "RFC 1812 §5.2.7",
        ),
        (_, Role::Router) => list.add(
            &types,
            always(Fate::Accept),
            super::STATELESS_ERRORS,
            "RFC 1122 §3.2.2",
        ),
        _ => list.add(
            &types,
            related_only(),
            "errors about this machine's own flows; unsolicited ones are scans or forged resets",
            "RFC 1122 §3.2.2",
        ),
    }
}

/// Echo and extended echo.
fn echo(list: &mut List<'_>) {
    if list.transit() && list.role() == Role::Router {
        list.add(
            &[ECHO_REPLY],
            always(Fate::Accept),
            "echo replies in transit: a stateless router may not have seen the request",
            "RFC 1812 §4.3.3.6",
        );
    } else if list.role() == Role::Router {
        list.add(
            &[ECHO_REPLY],
            always(Fate::Accept),
            super::STATELESS_REPLIES,
            "RFC 1122 §3.2.2.6",
        );
    } else {
        list.add(
            &[ECHO_REPLY],
            related_only(),
            "echo replies to requests that went out; unsolicited ones are scans or reflected floods",
            "RFC 1122 §3.2.2.6",
        );
    }
    list.echo_requests(
        &[ECHO_REQUEST],
        "ping works for monitoring; ",
        "RFC 1122 §3.2.2.6",
    );
    list.echo_requests(
        &[EXTENDED_ECHO_REQUEST],
        "extended echo as ping: ",
        "RFC 8335 §2",
    );
    list.add(
        &[EXTENDED_ECHO_REPLY],
        always(Fate::Limit(list.options.echo_rate)),
        "extended echo replies: conntrack cannot pair them with requests, so limited per source",
        "RFC 8335 §3",
    );
}

/// The output hook (only with `--hide-topology`).
fn output(list: &mut List<'_>) {
    if list.options.hide_topology.is_none() {
        return;
    }
    list.add_codes(
        &[UNREACHABLE],
        Codes::Only(vec![FRAG_NEEDED]),
        always(Fate::Accept),
        "Fragmentation Needed still leaves: hiding it would break path-MTU discovery",
        "RFC 1191 §3",
    );
    list.hide_topology(UNREACHABLE, TIME_EXCEEDED);
}
