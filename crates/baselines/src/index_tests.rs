//! The thresholds' index: names normalised, the strictest kept.

use super::BaselineIndex;
use crate::testing::baseline;
use pf_model::ProfileType;

#[test]
fn baselines_match_by_normalised_name_and_type_keeping_the_strictest() {
    let index = BaselineIndex::new(vec![
        baseline(
            "a",
            ProfileType::Cpu,
            "com/acme/Foo$$Lambda$12/0x01.apply",
            20.0,
        ),
        baseline(
            "a",
            ProfileType::Cpu,
            "com/acme/Foo$$Lambda$99/0x02.apply",
            10.0,
        ),
        baseline("a", ProfileType::Alloc, "x", 5.0),
    ]);
    let hit = index
        .get(
            ProfileType::Cpu,
            "com/acme/Foo$$Lambda$7/0x0000000801234.apply",
        )
        .unwrap();
    assert_eq!(hit.max_self_percent, 10.0);
    assert!(index.get(ProfileType::Cpu, "x").is_none());
    assert!(index.get(ProfileType::Alloc, "x").is_some());
}
