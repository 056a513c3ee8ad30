//! Tests for ICMPv6.
