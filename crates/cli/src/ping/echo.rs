//! What every ping mode reads off the socket: the fields of an Echo message
//! (a reply, or our own request quoted back by the error queue). The
//! parsing lives in `icmpkit_proto::ping`; these names stay for the
//! several-target loop.

use icmpkit_proto::ping::{EchoKind, echo_fields};
use icmpkit_wire::IpVersion;

/// Which Echo message is wanted.
pub use icmpkit_proto::ping::EchoKind as Kind;

/// The identifier, sequence number and data of `icmp` when it is an Echo
/// message of `kind` in `version`'s ICMP.
pub fn fields(version: IpVersion, icmp: &[u8], kind: EchoKind) -> Option<(u16, u16, &[u8])> {
    echo_fields(version, icmp, kind)
}
