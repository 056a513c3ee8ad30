//! ICMPv6: RFC 4890 §4.3 (transit) and §4.4 (local), with the types IANA
//! assigned since (154–161).

use super::{Codes, Fate, Hook, List, Role, always, on_link_only, related_only};

/// Destination Unreachable.
const UNREACHABLE: u8 = 1;
/// Packet Too Big.
const PACKET_TOO_BIG: u8 = 2;
/// Time Exceeded.
const TIME_EXCEEDED: u8 = 3;
/// Parameter Problem.
const PARAMETER_PROBLEM: u8 = 4;
/// Echo Request.
const ECHO_REQUEST: u8 = 128;
/// Echo Reply.
const ECHO_REPLY: u8 = 129;
/// Neighbour discovery proper, which must come from the link (hop limit
/// 255): Router Solicitation and Advertisement, Neighbor Solicitation and
/// Advertisement, Inverse Neighbor Discovery Solicitation and
/// Advertisement, SEND Certification Path Solicitation and Advertisement.
const NEIGHBOUR_DISCOVERY: [u8; 8] = [133, 134, 135, 136, 141, 142, 148, 149];
/// Multicast Listener Query, Report, Done, Report v2 and Multicast Router
/// Advertisement, Solicitation and Termination: sent with hop limit 1 from
/// a link-local address (RFC 3810 §5, RFC 4286 §4).
const MULTICAST_DISCOVERY: [u8; 7] = [130, 131, 132, 143, 151, 152, 153];
/// Redirect.
const REDIRECT: u8 = 137;
/// Every link-local type (never forwarded): neighbour and multicast
/// discovery, and Redirect.
const LINK_LOCAL: [u8; 16] = [
    130, 131, 132, 133, 134, 135, 136, 137, 141, 142, 143, 148, 149, 151, 152, 153,
];
/// Router Renumbering.
const ROUTER_RENUMBERING: u8 = 138;
/// Node Information Query and Response.
const NODE_INFORMATION: [u8; 2] = [139, 140];
/// Mobile IPv6: Home Agent Address Discovery Request and Reply, Mobile
/// Prefix Solicitation and Advertisement.
const MOBILE_IPV6: [u8; 4] = [144, 145, 146, 147];
/// Seamoby (experimental mobility).
const SEAMOBY: u8 = 150;
/// Assigned since RFC 4890, all for low-power or mobile networks: fast handovers (`FMIPv6`)
/// (154), RPL Control (155), `ILNPv6` Locator Update (156), 6LoWPAN
/// Duplicate Address Request and Confirmation (157, 158), MPL Control
/// (159).
const CONSTRAINED_NETWORKS: [u8; 6] = [154, 155, 156, 157, 158, 159];
/// Extended Echo Request (RFC 8335).
const EXTENDED_ECHO_REQUEST: u8 = 160;
/// Extended Echo Reply (RFC 8335).
const EXTENDED_ECHO_REPLY: u8 = 161;

/// The ICMPv6 decisions of one hook.
pub(super) fn decide(list: &mut List<'_>) {
    match list.hook {
        Hook::Output => list.hide_topology(UNREACHABLE, TIME_EXCEEDED),
        Hook::Forward => transit(list),
        Hook::Input => local(list),
    }
}

/// Addressed to this machine: RFC 4890 §4.4.
fn local(list: &mut List<'_>) {
    list.add(
        &[PACKET_TOO_BIG],
        always(Fate::Accept),
        "Packet Too Big drives path-MTU discovery: without it large transfers hang",
        "RFC 4890 §4.4.1",
    );
    if list.role() == Role::Router {
        list.add(
            &[UNREACHABLE, TIME_EXCEEDED, PARAMETER_PROBLEM],
            always(Fate::Accept),
            super::STATELESS_ERRORS,
            "RFC 4890 §4.4.1, §4.4.2",
        );
    } else {
        list.add(
            &[UNREACHABLE, TIME_EXCEEDED, PARAMETER_PROBLEM],
            related_only(),
            "errors about this machine's own flows; unsolicited ones are scans or forged",
            "RFC 4890 §4.4.1, §4.4.2",
        );
    }
    echo(list, "RFC 4890 §4.4.1");
    list.add(
        &NEIGHBOUR_DISCOVERY,
        on_link_only(),
        "neighbour and router discovery, only from the link itself: hop limit 255",
        "RFC 4890 §4.4.1",
    );
    list.add(
        &MULTICAST_DISCOVERY,
        always(Fate::Accept),
        "multicast listener and router discovery: hop limit 1, the stack checks the source",
        "RFC 4890 §4.4.1",
    );
    list.add(
        &[REDIRECT],
        always(Fate::Drop),
        "a Redirect rewrites this machine's routes on the word of anyone on the link",
        "RFC 4890 §4.4.4",
    );
    list.add(
        &[ROUTER_RENUMBERING],
        always(Fate::Drop),
        "router renumbering is unused and would let its sender renumber the network",
        "RFC 4890 §4.4.3",
    );
    list.add(
        &NODE_INFORMATION,
        always(Fate::Drop),
        "node information queries reveal names and addresses to anyone who asks",
        "RFC 4890 §4.4.4",
    );
    list.add(
        &MOBILE_IPV6,
        always(Fate::Drop),
        "Mobile IPv6 discovery is for home agents, which this machine is not",
        "RFC 4890 §4.4.3",
    );
    constrained_networks(list);
    list.add(
        &[],
        always(Fate::Drop),
        "every other type: experimental (Seamoby, 100, 101, 200, 201), unassigned or reserved",
        "RFC 4890 §4.4.4, §4.4.5",
    );
}

/// Passing through: RFC 4890 §4.3.
fn transit(list: &mut List<'_>) {
    list.add(
        &[PACKET_TOO_BIG],
        always(Fate::Accept),
        "Packet Too Big drives path-MTU discovery: without it large transfers hang",
        "RFC 4890 §4.3.1",
    );
    list.hide_topology(UNREACHABLE, TIME_EXCEEDED);
    let errors = [UNREACHABLE, TIME_EXCEEDED, PARAMETER_PROBLEM];
    if list.role() == Role::Router {
        list.add(
            &errors,
            always(Fate::Accept),
            "errors in transit pass whatever flow they belong to: routes may be asymmetric",
            "RFC 4890 §4.3.1, §4.3.2",
        );
    } else {
        list.add(
            &errors,
            related_only(),
            "errors about tracked flows pass (unreachable, traceroute); unsolicited ones are scans or forged",
            "RFC 4890 §4.3.1, §4.3.2",
        );
    }
    echo(list, "RFC 4890 §4.3.1");
    list.add(
        &MOBILE_IPV6,
        always(Fate::Accept),
        "Mobile IPv6 home agent and prefix discovery between mobile nodes and home agents",
        "RFC 4890 §4.3.2",
    );
    list.add(
        &LINK_LOCAL,
        always(Fate::Drop),
        "link-local messages (discovery, Redirect) are never forwarded: one in transit is forged",
        "RFC 4890 §4.3.3",
    );
    list.add(
        &[ROUTER_RENUMBERING, NODE_INFORMATION[0], NODE_INFORMATION[1]],
        always(Fate::Drop),
        "router renumbering and node information: unused, and they reveal or reconfigure",
        "RFC 4890 §4.3.5",
    );
    list.add(
        &[SEAMOBY],
        always(Fate::Drop),
        "Seamoby: an experiment that ended, nothing sends it",
        "RFC 4890 §4.3.4",
    );
    constrained_networks(list);
    list.add(
        &[],
        always(Fate::Drop),
        "every other type: experimental (100, 101, 200, 201), unassigned or reserved",
        "RFC 4890 §4.3.4, §4.3.5",
    );
}

/// Echo and extended echo, local or in transit.
fn echo(list: &mut List<'_>, cite: &'static str) {
    if list.transit() && list.role() == Role::Router {
        list.add(
            &[ECHO_REPLY],
            always(Fate::Accept),
            "echo replies in transit: a stateless router may not have seen the request",
            cite,
        );
    } else if list.role() == Role::Router {
        list.add(
            &[ECHO_REPLY],
            always(Fate::Accept),
            super::STATELESS_REPLIES,
            cite,
        );
    } else {
        list.add(
            &[ECHO_REPLY],
            related_only(),
            "echo replies to requests that went out; unsolicited ones are scans or reflected floods",
            cite,
        );
    }
    list.echo_requests(&[ECHO_REQUEST], "ping works for monitoring; ", cite);
    list.echo_requests(
        &[EXTENDED_ECHO_REQUEST],
        "extended echo as ping: ",
        "RFC 8335 §2",
    );
    list.add_codes(
        &[EXTENDED_ECHO_REPLY],
        Codes::All,
        always(Fate::Limit(list.options.echo_rate)),
        "extended echo replies: conntrack cannot pair them with requests, so limited per source",
        "RFC 8335 §3",
    );
}

/// The types assigned since RFC 4890 for low-power and mobile networks.
fn constrained_networks(list: &mut List<'_>) {
    list.add(
        &CONSTRAINED_NETWORKS,
        always(Fate::Drop),
        "FMIPv6, RPL, ILNP, 6LoWPAN DAR/DAC, MPL: for mobile and low-power networks",
        "RFC 5568, RFC 6550, RFC 6743, RFC 6775, RFC 7731",
    );
}
