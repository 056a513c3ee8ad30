//! TODO(iptables)
