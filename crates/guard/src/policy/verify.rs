//! TODO(verify)
