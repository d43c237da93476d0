//! A multiplicative hasher for the integer keys of the stack trie: SipHash's resistance to
//! chosen keys is not needed for indexes the service assigns itself, and the trie does one
//! lookup per new frame.

use std::hash::{BuildHasherDefault, Hasher};

/// Fx-style hashing of integers (as in rustc): rotate, xor, multiply.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

pub type BuildIntHasher = BuildHasherDefault<IntHasher>;
