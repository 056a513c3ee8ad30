//! The history: every step of every target kept in an embedded store
//! (redb), raw for a while, then consolidated smokeping's way.

pub mod retention;
