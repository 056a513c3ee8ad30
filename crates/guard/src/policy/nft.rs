//! TODO(nft)
