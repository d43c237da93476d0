use super::*;

use crate::{SliceSecs, Slices};

const FIVE_MINUTES: Slices = Slices {
    slice_secs: SliceSecs::FIVE_MINUTES,
    lag_secs: 0,
};

fn stored(start: i64, total: u64, functions: &str) -> StoredSlice {
    StoredSlice {
        start,
        total_samples: total,
        versions: vec!["1.0".into()],
        refs: Vec::new(),
        functions: functions.into(),
    }
}

fn trend(slices: Vec<StoredSlice>, pick: TrendPick) -> Trends {
    let app = "checkout".parse().unwrap();
    let window = TimeWindow { from: 0, to: 900 };
    trends_of(app, ProfileType::Cpu, FIVE_MINUTES, window, slices, pick).unwrap()
}

#[test]
fn the_top_by_mean_counts_a_slice_without_the_function_as_zero() {
    // a: (10 + 10) / 2 = 10 %; b: (30 + 0) / 2 = 15 %; c: (5 + 5) / 2 = 5 %.
    let slices = vec![
        stored(0, 100, r#"[["b",30,30],["a",10,12],["c",5,5]]"#),
        stored(300, 200, r#"[["a",20,20],["c",10,10]]"#),
    ];
    let t = trend(slices, TrendPick::Top(2));
    let names: Vec<&str> = t.series.iter().map(|s| s.function.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
    assert_eq!(t.series[0].self_samples, [Some(30), None]);
    assert_eq!(t.series[1].self_percent, [Some(10.0), Some(10.0)]);
    assert_eq!(t.series[1].total_samples, [Some(12), Some(20)]);
    assert_eq!(t.slices.len(), 2);
    assert_eq!((t.slices[1].start, t.slices[1].total_samples), (300, 200));
}

#[test]
fn named_functions_are_shown_in_the_order_asked_also_twice_and_with_escapes() {
    let slices = vec![stored(0, 10, r#"[["a\"b",4,4],["c",1,1]]"#)];
    let names = vec![
        "c".to_owned(),
        "a\"b".to_owned(),
        "c".to_owned(),
        "zz".to_owned(),
    ];
    let t = trend(slices, TrendPick::Named(names));
    let got: Vec<(&str, Option<u64>)> = t
        .series
        .iter()
        .map(|s| (s.function.as_str(), s.self_samples[0]))
        .collect();
    assert_eq!(
        got,
        [
            ("c", Some(1)),
            ("a\"b", Some(4)),
            ("c", Some(1)),
            ("zz", None)
        ]
    );
}

#[test]
fn functions_that_are_not_the_stored_json_are_an_error() {
    let app: AppName = "checkout".parse().unwrap();
    let bad = vec![stored(0, 10, "{not json")];
    let window = TimeWindow { from: 0, to: 300 };
    assert!(trends_of(
        app,
        ProfileType::Cpu,
        FIVE_MINUTES,
        window,
        bad,
        TrendPick::Top(1)
    )
    .is_err());
}
