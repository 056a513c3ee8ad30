//! SipHash-2-4 (Aumasson and Bernstein, "`SipHash`: a fast short-input PRF",
//! 2012): the keyed hash behind the sweep's permutation and its reply
//! validation.

/// SipHash-2-4 of `data` under the 128-bit `key` (read as two
/// little-endian 64-bit words, as in the paper).
pub fn siphash24(key: &[u8; 16], data: &[u8]) -> u64 {
    let mut state = Sip::new(key);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        state.compress(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    #[allow(
        clippy::cast_possible_truncation,
        reason = "the paper keeps the length mod 256"
    )]
    {
        last[7] = data.len() as u8;
    }
    state.compress(u64::from_le_bytes(last));
    state.finish()
}

/// A 128-bit key derived from `key` for one purpose, named by `label`, so
/// that the permutation and the validator never share a key.
pub fn derive_key(key: &[u8; 16], label: &[u8]) -> [u8; 16] {
    let mut input = Vec::with_capacity(label.len() + 1);
    input.extend_from_slice(label);
    input.push(0);
    let low = siphash24(key, &input);
    input.pop();
    input.push(1);
    let high = siphash24(key, &input);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&low.to_le_bytes());
    out[8..].copy_from_slice(&high.to_le_bytes());
    out
}

struct Sip {
    v: [u64; 4],
}

impl Sip {
    fn new(key: &[u8; 16]) -> Self {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&key[..8]);
        k1.copy_from_slice(&key[8..]);
        let (k0, k1) = (u64::from_le_bytes(k0), u64::from_le_bytes(k1));
        Self {
            v: [
                k0 ^ 0x736f_6d65_7073_6575,
                k1 ^ 0x646f_7261_6e64_6f6d,
                k0 ^ 0x6c79_6765_6e65_7261,
                k1 ^ 0x7465_6462_7974_6573,
            ],
        }
    }

    fn round(&mut self) {
        let v = &mut self.v;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    fn compress(&mut self, m: u64) {
        self.v[3] ^= m;
        self.round();
        self.round();
        self.v[0] ^= m;
    }

    fn finish(mut self) -> u64 {
        self.v[2] ^= 0xff;
        for _ in 0..4 {
            self.round();
        }
        self.v[0] ^ self.v[1] ^ self.v[2] ^ self.v[3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper_key() -> [u8; 16] {
        core::array::from_fn(|i| u8::try_from(i).unwrap())
    }

    fn message(len: usize) -> Vec<u8> {
        (0..len).map(|i| u8::try_from(i).unwrap()).collect()
    }

    /// The paper's Appendix A example: key 00..0f, message 00..0e.
    #[test]
    fn paper_appendix_a() {
        assert_eq!(siphash24(&paper_key(), &message(15)), 0xa129_ca61_49be_45e5);
    }

    /// The reference implementation's vectors.h (key 00..0f, message of
    /// length n = 00..n-1), read as little-endian 64-bit numbers.
    #[test]
    fn reference_vectors() {
        let expected: [(usize, u64); 6] = [
            (0, 0x726f_db47_dd0e_0e31),
            (1, 0x74f8_39c5_93dc_67fd),
            (2, 0x0d6c_8009_d9a9_4f5a),
            (3, 0x8567_6696_d7fb_7e2d),
            (8, 0x93f5_f579_9a93_2462),
            (63, 0x958a_324c_eb06_4572),
        ];
        for (len, want) in expected {
            assert_eq!(siphash24(&paper_key(), &message(len)), want, "length {len}");
        }
    }

    #[test]
    fn derived_keys_differ_by_label() {
        let key = paper_key();
        let a = derive_key(&key, b"permutation");
        let b = derive_key(&key, b"validator");
        assert_ne!(a, b);
        assert_ne!(a, key);
        assert_eq!(a, derive_key(&key, b"permutation"));
    }
}
