//! Arguments every subcommand reads the same way, defined once: the
//! address family (`-4`/`-6`), address and prefix specifications
//! (`ADDR` or `ADDR/LEN`), and typed value parsers. Each subcommand keeps
//! the letters its peer tool uses (iputils ping's `-t` is the TTL,
//! traceroute's is the TOS) and flattens these groups into its own `Args`.

mod family;
pub mod named;
pub mod prefix;
pub mod values;

pub use family::FamilyArgs;
pub use prefix::{AddrSpec, scoped};
