//! # icmpkit-capture
//!
//! Reads pcap and pcapng capture files and hands out the IP packets they carry.
