use super::*;

fn stat(name: &str, self_samples: u64, total_samples: u64) -> FunctionStat {
    FunctionStat {
        name: name.into(),
        self_percent: 0.0,
        self_samples,
        total_samples,
        part_self_samples: Vec::new(),
    }
}

fn slice(start: i64, total: u64, functions: &[(&str, u64)]) -> SliceSummary {
    let stats = functions.iter().map(|(n, s)| stat(n, *s, *s)).collect();
    SliceSummary::of(start, total, Vec::new(), stats, 100)
}

#[test]
fn a_summary_keeps_the_top_by_self_then_total_samples() {
    let stats = vec![
        stat("b", 5, 5),
        stat("main", 0, 100),
        stat("a", 5, 9),
        stat("idle", 0, 0),
        stat("run", 0, 50),
    ];
    let s = SliceSummary::of(0, 100, vec!["2".into(), "1".into(), "2".into()], stats, 4);
    let names: Vec<&str> = s.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "main", "run"]);
    assert_eq!(s.versions, ["1", "2"]);
}

#[test]
fn the_top_by_mean_counts_a_missing_slice_as_zero() {
    let slices = [
        slice(0, 100, &[("a", 10), ("b", 30)]),
        slice(300, 100, &[("a", 10)]),
    ];
    // a: (10 + 10) / 2 = 10; b: (30 + 0) / 2 = 15.
    assert_eq!(
        top_by_mean(&slices, 10),
        vec![("b".to_owned(), 15.0), ("a".to_owned(), 10.0)]
    );
}

#[test]
fn suggestions_follow_the_formula_and_need_half_the_slices() {
    // a kept in 20 slices at 1..=20 %; b in 1 of 20 (left out).
    let mut slices: Vec<SliceSummary> = (1..=20)
        .map(|k| slice(k * 300, 100, &[("a", k as u64)]))
        .collect();
    slices[0] = slice(300, 100, &[("a", 1), ("b", 90)]);
    let got = suggestions(&slices, 20);
    assert_eq!(got.len(), 1);
    let a = &got[0];
    // Nearest rank: ceil(0.95 × 20) = 19th of 1..=20 → 19; 19 + max(1, 3.8) = 22.8.
    assert_eq!((a.p95, a.max, a.slices), (19.0, 20.0, 20));
    assert_eq!(a.suggested_max_self_percent, 22.8);
    assert!((a.mean - 10.5).abs() < 1e-9);
}

#[test]
fn small_shares_get_at_least_one_point_and_round_up() {
    assert_eq!(round_up_tenth(0.41 + 1.0), 1.5);
    assert_eq!(round_up_tenth(3.0), 3.0);
    assert_eq!(round_up_tenth(0.1 + 0.2), 0.3);
    assert_eq!(nearest_rank(&[1.0], 0.95), 1.0);
    assert_eq!(nearest_rank(&[], 0.95), 0.0);
}
