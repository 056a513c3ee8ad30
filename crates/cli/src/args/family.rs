//! `-4` / `-6`.

use icmpkit_wire::IpVersion;

/// `-4` or `-6`: restrict names to one address family, refuse addresses
/// of the other.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct FamilyArgs {
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
}

impl FamilyArgs {
    /// The family asked for, if any.
    pub fn version(self) -> Option<IpVersion> {
        match (self.ipv4, self.ipv6) {
            (true, _) => Some(IpVersion::V4),
            (_, true) => Some(IpVersion::V6),
            _ => None,
        }
    }
}
