use super::*;
use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::parse_file;

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 16,
};

const BUDGET: CompactionBudget = CompactionBudget {
    limits: LIMITS,
    memory_bytes: 16 << 20,
};

fn push(dir: &Path, time: i64, hot: i64) -> PathBuf {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        time_nanos: time * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        ..Header::default()
    };
    let stacks = [Stack {
        frames: vec!["main".into(), "hot".into()],
        values: vec![hot],
    }];
    fs::create_dir_all(dir).unwrap();
    let temporary = staged(dir, &to_bytes(&profile(&header, &stacks), true)).unwrap();
    placed(dir, &temporary, &stored_name(time)).unwrap()
}

fn stored(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_closed_pieces_pushes_become_one_file_that_sums_them() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("busy");
    for (t, hot) in [(1000, 1), (1010, 2), (1020, 4)] {
        push(&app, t, hot);
    }
    let open = push(&app, 1210, 8);
    // Pieces of 300 s: [900, 1200) is closed at 1250, [1200, 1500) is not.
    let done = compact(root.path(), SliceSecs::FIVE_MINUTES, 1250, BUDGET, &[]).unwrap();
    assert_eq!(
        done,
        Compacted {
            merged: 1,
            replaced: 3,
            left: 0
        }
    );
    let files = stored(&app);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.contains(&open));
    let merged = files.iter().find(|f| **f != open).unwrap();
    assert!(merged
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("000000000900-"));
    let parsed = parse_file(&fs::read(merged).unwrap(), LIMITS).unwrap();
    assert_eq!(parsed.stats(0).unwrap().total_samples, 7);
    assert_eq!(parsed.time_nanos, 1000 * 1_000_000_000);
    // A second pass finds nothing more to do.
    assert_eq!(
        compact(root.path(), SliceSecs::FIVE_MINUTES, 1250, BUDGET, &[]).unwrap(),
        Compacted::default()
    );
}

/// A push of `samples` identical samples at `time`: small as gzip, large once decoded.
fn identical(dir: &Path, time: i64, samples: usize) -> PathBuf {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        time_nanos: time * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        ..Header::default()
    };
    let one = Stack {
        frames: vec!["main".into(), "spin".into()],
        values: vec![1],
    };
    let stacks = vec![one; samples];
    fs::create_dir_all(dir).unwrap();
    let temporary = staged(dir, &to_bytes(&profile(&header, &stacks), true)).unwrap();
    placed(dir, &temporary, &stored_name(time)).unwrap()
}

#[test]
fn a_piece_is_merged_in_runs_within_the_memory_budget_and_a_push_too_big_for_it_stays() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("busy");
    // 20 000 samples of ~9 bytes: ~180 KB decoded each, ~2.9 MB of memory by prost.
    let small: Vec<PathBuf> = (0..4).map(|k| identical(&app, 1000 + k, 20_000)).collect();
    let big = identical(&app, 1100, 200_000);
    // 8 MiB of memory: pprofs of at most 512 KiB, so two small pushes a run and the big one
    // (~1.8 MB) alone.
    let budget = CompactionBudget {
        limits: Limits {
            max_decoded_bytes: 64 << 20,
            ..LIMITS
        },
        memory_bytes: 8 << 20,
    };
    let done = compact(root.path(), SliceSecs::FIVE_MINUTES, 1250, budget, &[]).unwrap();
    assert_eq!(
        done,
        Compacted {
            merged: 2,
            replaced: 4,
            left: 1
        }
    );
    let files = stored(&app);
    assert!(files.contains(&big), "the big push stays as it was");
    assert!(small.iter().all(|f| !files.contains(f)));
    // Every sample is still read once: 4 × 20 000 + 200 000.
    let total: u64 = files
        .iter()
        .map(|f| {
            let raw = fs::read(f).unwrap();
            let parsed = parse_file(
                &raw,
                Limits {
                    max_decoded_bytes: 64 << 20,
                    ..LIMITS
                },
            )
            .unwrap();
            parsed.stats(0).unwrap().total_samples
        })
        .sum();
    assert_eq!(total, 280_000);
}

/// A compaction stopped midway in `app`: two sources, their merged file in place, and the
/// journal naming them all; returns the merged file.
fn midway(app: &Path) -> PathBuf {
    let a = push(app, 1000, 1);
    let b = push(app, 1010, 2);
    let merged = push(app, 900, 3);
    let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_owned();
    let journal = format!("{}\n{}\n{}", name(&merged), name(&a), name(&b));
    let journal_name = format!("{JOURNAL}{}", name(&merged));
    placed(
        app,
        &staged(app, journal.as_bytes()).unwrap(),
        &journal_name,
    )
    .unwrap();
    merged
}

#[test]
fn a_journal_left_by_a_crash_is_finished_or_forgotten() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("busy");
    let merged = midway(&app);
    // And a journal whose merged file never arrived.
    let journal = staged(&app, b"x\ny").unwrap();
    placed(&app, &journal, &format!("{JOURNAL}000000000900-none.pb.gz")).unwrap();
    recover(&app).unwrap();
    assert_eq!(stored(&app), [merged]);
}

#[tokio::test]
async fn while_a_journal_stands_the_reader_counts_the_merged_file_and_not_its_sources() {
    use crate::ProfileDir;
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("busy");
    let merged = midway(&app);
    let skip = std::sync::Arc::new(|_: &Path, _: &pf_pprof::PprofError| {});
    let dir = ProfileDir::new(
        root.path().to_path_buf(),
        LIMITS,
        std::time::Duration::from_secs(60),
        skip,
    );
    let files: Vec<PathBuf> = dir
        .snapshot()
        .await
        .files
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(files, [merged]);
}
