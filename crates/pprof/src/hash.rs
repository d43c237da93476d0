//! A multiplicative hasher for the integer keys of the stack trie: SipHash's resistance to
//! chosen keys is not needed for indexes the service assigns itself, and the trie does one
//! lookup per new frame. The PGO merge keys its tables of merged ids with it too.

use std::hash::{BuildHasherDefault, Hasher};

/// Fx-style hashing of integers (as in rustc): rotate, xor, multiply.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Eight bytes at a time: a slice of integers (a stack of ids) is hashed as its bytes.
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in words.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

pub type BuildIntHasher = BuildHasherDefault<IntHasher>;
