//! Integer conversions with one rule: saturate, never panic, never wrap.

/// `n` in another integer type, saturated: a value the target cannot hold becomes the target's
/// nearest bound (a negative count read from a `bigint` is 0, a `u64` count past `i64::MAX` is
/// stored as `i64::MAX`). Never panics, never wraps. Every such conversion, between a database
/// integer and a domain one or between the integers of a profile format, goes through here,
/// so there is one rule.
pub fn saturate<T, N>(n: N) -> T
where
    T: Bounded,
    N: TryInto<T> + PartialOrd + Default + Copy,
{
    // `N::default()` is an integer's zero: below it the target's least value, above its greatest.
    n.try_into()
        .unwrap_or(if n < N::default() { T::MIN } else { T::MAX })
}

/// An integer type's least and greatest values, what [`saturate`] clamps to.
pub trait Bounded {
    const MIN: Self;
    const MAX: Self;
}

macro_rules! bounded {
    ($($ty:ty),+) => {
        $(
            impl Bounded for $ty {
                const MIN: Self = <$ty>::MIN;
                const MAX: Self = <$ty>::MAX;
            }
        )+
    };
}
bounded!(i32, i64, u32, u64, usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_saturate_at_the_bounds_of_their_target() {
        assert_eq!(saturate::<u64, i64>(-5), 0);
        assert_eq!(saturate::<u64, i64>(7), 7);
        assert_eq!(saturate::<i64, u64>(u64::MAX), i64::MAX);
        assert_eq!(saturate::<i32, i64>(i64::MIN), i32::MIN);
        assert_eq!(saturate::<i64, u128>(u128::MAX), i64::MAX);
        assert_eq!(saturate::<u32, usize>(3), 3);
    }
}
