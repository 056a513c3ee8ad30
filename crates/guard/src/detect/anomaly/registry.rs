//! The type and code registry as the per-packet path asks it.

use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning::{self, Status};

/// Types set aside for private experiments (RFC 4727, RFC 4443 §2.1), as
/// opposed to types an experimental protocol defines.
pub(super) const fn private_experiment(version: IpVersion, msg_type: u8) -> bool {
    match version {
        IpVersion::V4 => matches!(msg_type, 253 | 254),
        IpVersion::V6 => matches!(msg_type, 100 | 101 | 200 | 201),
    }
}

/// The registry of one family as the per-packet path asks it: whether a
/// type is unknown and which codes it defines, one bit each, built once
/// from [`meaning`] (whose lookups walk its tables).
pub(super) struct Registry {
    /// Per type: unassigned, reserved or experimental.
    pub(super) unknown: [bool; 256],
    /// Per type: bit `c` set when code `c` is defined (a type with no code
    /// entries defines only 0).
    codes: [[u64; 4]; 256],
}

impl Registry {
    fn build(version: IpVersion) -> Self {
        let mut registry = Self {
            unknown: [true; 256],
            codes: [[0; 4]; 256],
        };
        for msg_type in 0..=255u8 {
            let t = usize::from(msg_type);
            registry.unknown[t] = matches!(
                meaning::status(version, msg_type),
                Status::Unassigned | Status::Reserved | Status::Experimental
            );
            let Some(info) = meaning::type_info(version, msg_type) else {
                continue;
            };
            if info.codes.is_empty() {
                registry.codes[t][0] = 1;
            }
            for c in info.codes {
                registry.codes[t][usize::from(c.code / 64)] |= 1 << (c.code % 64);
            }
        }
        registry
    }

    /// The registry of `version`'s family.
    pub(super) fn of(version: IpVersion) -> &'static Self {
        static V4: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        static V6: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        match version {
            IpVersion::V4 => V4.get_or_init(|| Self::build(IpVersion::V4)),
            IpVersion::V6 => V6.get_or_init(|| Self::build(IpVersion::V6)),
        }
    }

    pub(super) fn code_known(&self, msg_type: u8, code: u8) -> bool {
        self.codes[usize::from(msg_type)][usize::from(code / 64)] & (1 << (code % 64)) != 0
    }
}
