//! TODO(consequence)
