//! Property tests: building never panics, and whatever is built is sound.
