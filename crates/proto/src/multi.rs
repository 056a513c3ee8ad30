//! Multi-target scheduling.
