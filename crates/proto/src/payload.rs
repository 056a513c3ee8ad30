//! The data of an Echo Request: who sent it, which probe it is, and a fill
//! the reply must echo unchanged.
//!
//! ```text
//! offset 0        8                16                      payload_len
//!        | nonce  | probe number   | fill ...               |
//!        | u64 BE | u64 BE         | pattern, or byte i = i |
//! ```
//!
//! iputils puts a `struct timeval` (16 bytes on 64-bit Linux) in the first
//! 16 bytes; we put an identification there instead and keep the send time
//! in our own table, so a reply cannot lie about its RTT and another ping
//! process on the host (a raw socket sees every reply) is told apart by its
//! nonce. The 64-bit number resolves the 16-bit sequence wrap.
//!
//! The fill mirrors iputils' `setup()` and `fill()`: with no pattern, data
//! byte `i` is `i` (wrapping at 256), so after the 16-byte identification
//! the bytes run 0x10, 0x11, ...; with a `-p` pattern of `n` bytes, data
//! byte `i` is `pattern[i % n]` (iputils fills from the start of the data,
//! the timestamp area included, then overwrites the first 16 bytes).
//!
//! A payload shorter than [`ID_LEN`] carries no identification, only fill
//! (iputils then sends no timestamp either and prints no time).

/// The length of the identification: 8 bytes nonce + 8 bytes probe number.
pub const ID_LEN: usize = 16;

/// The fill byte iputils puts at data offset `index`.
pub fn fill_byte(index: usize, pattern: &[u8]) -> u8 {
    if pattern.is_empty() {
        // Truncation is the point: iputils stores `i` in an unsigned char.
        #[allow(clippy::cast_possible_truncation)]
        let byte = index as u8;
        byte
    } else {
        pattern[index % pattern.len()]
    }
}

/// Writes a whole payload into `data` (its length is the payload length):
/// the identification when `data` has room for it, then the fill.
pub fn write(data: &mut [u8], nonce: u64, number: u64, pattern: &[u8]) {
    for (i, byte) in data.iter_mut().enumerate() {
        *byte = fill_byte(i, pattern);
    }
    write_identification(data, nonce, number);
}

/// Writes only the identification of a payload into `data`, whose fill
/// [`write()`] wrote for an earlier probe (the fill is the same in every
/// probe); nothing when `data` has no room for it.
pub fn write_identification(data: &mut [u8], nonce: u64, number: u64) {
    if let Some(id) = data.get_mut(..ID_LEN) {
        id[..8].copy_from_slice(&nonce.to_be_bytes());
        id[8..].copy_from_slice(&number.to_be_bytes());
    }
}

/// The nonce and probe number at the start of `data`, if it is long enough.
pub fn identify(data: &[u8]) -> Option<(u64, u64)> {
    let id = data.get(..ID_LEN)?;
    let mut nonce = [0; 8];
    let mut number = [0; 8];
    nonce.copy_from_slice(&id[..8]);
    number.copy_from_slice(&id[8..]);
    Some((u64::from_be_bytes(nonce), u64::from_be_bytes(number)))
}

/// The first fill byte that differs from what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongByte {
    /// Offset in the data (iputils prints it as `#index`).
    pub index: usize,
    /// What was sent.
    pub expected: u8,
    /// What came back.
    pub found: u8,
}

/// Compares the fill of an echoed payload with what was sent, as iputils
/// does: bytes from offset 16 up to the payload length (or the end of the
/// reply, if shorter); a payload under 16 bytes is not checked.
pub fn first_wrong_byte(data: &[u8], payload_len: usize, pattern: &[u8]) -> Option<WrongByte> {
    let end = payload_len.min(data.len());
    (ID_LEN..end).find_map(|index| {
        let expected = fill_byte(index, pattern);
        let found = data[index];
        (found != expected).then_some(WrongByte {
            index,
            expected,
            found,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fill_is_the_offset_after_the_identification() {
        let mut data = [0xa5; 20];
        write(&mut data, 0x0102_0304_0506_0708, 0x1_0000, &[]);
        assert_eq!(
            data,
            [
                1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0x10, 0x11, 0x12, 0x13
            ]
        );
        assert_eq!(identify(&data), Some((0x0102_0304_0506_0708, 0x1_0000)));
    }

    #[test]
    fn default_fill_wraps_at_256() {
        let mut data = vec![0; 300];
        write(&mut data, 0, 0, &[]);
        assert_eq!(data[255], 0xff);
        assert_eq!(data[256], 0x00);
        assert_eq!(data[299], 43);
    }

    #[test]
    fn pattern_repeats_from_the_start_of_the_data() {
        let mut data = [0; 21];
        write(&mut data, 0, 7, &[0xab, 0xcd, 0xef]);
        // Offsets 16..21 are 16%3=1, 2, 0, 1, 2.
        assert_eq!(data[16..], [0xcd, 0xef, 0xab, 0xcd, 0xef]);
    }

    #[test]
    fn short_payload_is_only_fill() {
        let mut data = [0xa5; 5];
        write(&mut data, u64::MAX, u64::MAX, &[]);
        assert_eq!(data, [0, 1, 2, 3, 4]);
        assert_eq!(identify(&data), None);
    }

    #[test]
    fn wrong_byte_is_found_and_short_payloads_are_not_checked() {
        let mut data = [0; 24];
        write(&mut data, 1, 2, &[]);
        assert_eq!(first_wrong_byte(&data, 24, &[]), None);
        data[20] = 0;
        assert_eq!(
            first_wrong_byte(&data, 24, &[]),
            Some(WrongByte {
                index: 20,
                expected: 0x14,
                found: 0
            })
        );
        // A truncated reply is checked only as far as it goes.
        assert_eq!(first_wrong_byte(&data[..20], 24, &[]), None);
        assert_eq!(first_wrong_byte(&[9; 10], 10, &[]), None);
    }
}
