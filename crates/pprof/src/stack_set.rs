//! Stacks kept once each, numbered in the order first seen: every stack's ids in one flat
//! arena, found by one hash of its ids and a chain of the stacks that share that hash. A merge
//! of an answer whose stacks are nearly all new allocates nothing per stack and hashes each
//! once, where a map of boxed stacks allocated a box and hashed twice (look up, then insert).

use std::collections::HashMap;
use std::hash::Hasher;

use super::hash::{BuildIntHasher, IntHasher};

/// The end of a chain.
const NONE: u32 = u32::MAX;

#[derive(Default)]
pub struct StackSet {
    /// Every stack's ids, one after another.
    ids: Vec<u64>,
    /// Where stack `n` ends in `ids` (it starts where stack `n - 1` ends).
    ends: Vec<usize>,
    /// The first stack of each hash.
    first: HashMap<u64, u32, BuildIntHasher>,
    /// The next stack with the same hash as stack `n`.
    next: Vec<u32>,
}

impl StackSet {
    /// How many stacks are kept.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Room for `stacks` more stacks of about `ids` ids in all.
    pub fn reserve(&mut self, stacks: usize, ids: usize) {
        self.first.reserve(stacks);
        self.ends.reserve(stacks);
        self.next.reserve(stacks);
        self.ids.reserve(ids);
    }

    /// Stack `n`'s ids.
    pub fn get(&self, n: usize) -> &[u64] {
        let start = if n == 0 { 0 } else { self.ends[n - 1] };
        &self.ids[start..self.ends[n]]
    }

    /// The number of `stack`, kept now when it is new (`true` then).
    pub fn slot(&mut self, stack: &[u64]) -> (usize, bool) {
        let mut hasher = IntHasher::default();
        hasher.write_usize(stack.len());
        for &id in stack {
            hasher.write_u64(id);
        }
        self.slot_hashed(stack, hasher.finish())
    }

    fn slot_hashed(&mut self, stack: &[u64], hash: u64) -> (usize, bool) {
        let n = u32::try_from(self.len()).unwrap_or(NONE);
        let mut at = *self.first.entry(hash).or_insert(n);
        if at == n {
            self.push(stack);
            return (n as usize, true);
        }
        loop {
            if self.get(at as usize) == stack {
                return (at as usize, false);
            }
            match self.next[at as usize] {
                NONE => {
                    self.next[at as usize] = n;
                    self.push(stack);
                    return (n as usize, true);
                }
                later => at = later,
            }
        }
    }

    fn push(&mut self, stack: &[u64]) {
        self.ids.extend_from_slice(stack);
        self.ends.push(self.ids.len());
        self.next.push(NONE);
    }
}

#[cfg(test)]
mod tests {
    use crate::stack_set::StackSet;

    #[test]
    fn each_stack_once_in_the_order_first_seen() {
        let mut set = StackSet::default();
        assert_eq!(set.slot(&[1, 2, 3]), (0, true));
        assert_eq!(set.slot(&[1, 2]), (1, true));
        assert_eq!(set.slot(&[]), (2, true));
        assert_eq!(set.slot(&[1, 2, 3]), (0, false));
        assert_eq!(set.slot(&[]), (2, false));
        assert_eq!(
            (set.get(0), set.get(1), set.get(2)),
            (&[1, 2, 3][..], &[1, 2][..], &[][..])
        );
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn stacks_that_share_a_hash_are_told_apart() {
        let mut set = StackSet::default();
        for n in 0..5u64 {
            assert_eq!(set.slot_hashed(&[n, 9], 42), (n as usize, true));
        }
        for n in (0..5u64).rev() {
            assert_eq!(set.slot_hashed(&[n, 9], 42), (n as usize, false));
        }
        assert_eq!(set.get(3), &[3, 9]);
    }
}
