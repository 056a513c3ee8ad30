//! The platform layer: every system call lives below this module, so that
//! another operating system is one more file here. Only Linux exists now.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(target_os = "linux"))]
compile_error!("icmpkit-net supports Linux only for now");
