//! A classic BPF interpreter for the tests of this module's programs: the
//! kernel's rules for the instructions they use (a load past the end drops
//! the packet; the return value is the number of bytes kept).

use super::{ABS, ADD_X, ALU, AND, B, H, IMM, IND, JEQ, JMP, JSET, LD, LDX, LSH, MISC, MSH, RET};
use crate::sys::SockFilter;

/// The first ancillary offset (`SKF_AD_OFF`, as an unsigned offset).
const AD_OFF: u32 = 0xffff_f000;

/// Runs `program` over `packet`, whose ethertype (what the ancillary load
/// `SKF_AD_PROTOCOL` reads) is `protocol`: the bytes kept (0: dropped).
/// Panics on an instruction it does not know, or a jump out of the
/// program.
pub(super) fn run(program: &[SockFilter], packet: &[u8], protocol: u16) -> u32 {
    let (mut a, mut x) = (0u32, 0u32);
    let mut pc = 0;
    let load = |at: u32, size: u16| -> Option<u32> {
        if at == AD_OFF && size == H {
            return Some(u32::from(protocol));
        }
        let at = usize::try_from(at).ok()?;
        match size {
            H => Some(u32::from(u16::from_be_bytes(
                packet.get(at..at.checked_add(2)?)?.try_into().ok()?,
            ))),
            B => Some(u32::from(*packet.get(at)?)),
            _ => panic!("load size {size:#x}"),
        }
    };
    loop {
        let i = *program.get(pc).expect("the program ran off its end");
        pc += 1;
        match i.code & 0x07 {
            LD => {
                let at = match i.code & 0xe0 {
                    ABS => i.k,
                    IND => x.wrapping_add(i.k),
                    _ => panic!("{i:?}"),
                };
                let Some(v) = load(at, i.code & 0x18) else {
                    return 0;
                };
                a = v;
            }
            LDX => match i.code & 0xe0 {
                IMM => x = i.k,
                MSH => match load(i.k, B) {
                    Some(v) => x = 4 * (v & 0xf),
                    None => return 0,
                },
                _ => panic!("{i:?}"),
            },
            ALU => match i.code & 0xf8 {
                ADD_X => a = a.wrapping_add(x),
                AND => a &= i.k,
                LSH => a <<= i.k,
                _ => panic!("{i:?}"),
            },
            JMP => {
                let taken = match i.code & 0xf8 {
                    JEQ => a == i.k,
                    JSET => a & i.k != 0,
                    _ => panic!("{i:?}"),
                };
                pc += usize::from(if taken { i.jt } else { i.jf });
            }
            RET => return i.k,
            MISC => x = a,
            _ => panic!("{i:?}"),
        }
    }
}
