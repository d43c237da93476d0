//! The shapes of a select over a real Go program's pushed profiles: `max_nodes` cuts into
//! `other` as Pyroscope does and keeps every total, the pprof formats add up to `/profiles`'
//! total, and a call site keeps the stacks under it.

use pf_formats::formats::pyroscope_api::profile::Profile;
use pf_formats::formats::pyroscope_api::{
    Location, ProfileFormat, SelectMergeProfileRequest, SelectMergeStacktracesResponse,
    StackTraceSelector,
};
use prost::Message;

use super::grafana::{stacks, GO};
use super::{assert_whole, call, flame_selves, profiles_answer, pushed_go_app, CPU};

#[tokio::test]
async fn max_nodes_pprof_and_call_sites_keep_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let (app, t) = pushed_go_app(dir.path()).await;
    let (total, _) = profiles_answer(&app, "goapp", "cpu", t, t + 30).await;

    // Cut to 8 nodes: the rest is in `other`, every total kept.
    let mut cut = stacks(CPU, GO, (t, t + 30));
    cut.max_nodes = Some(8);
    let graph = call::<_, SelectMergeStacktracesResponse>(&app, "SelectMergeStacktraces", &cut)
        .await
        .flamegraph
        .unwrap();
    assert_eq!(graph.total as u64, total);
    assert!(
        graph.names.contains(&"other".to_owned()),
        "{:?}",
        graph.names
    );
    let nodes: usize = graph
        .levels
        .iter()
        .skip(1)
        .map(|l| l.values.len() / 4)
        .sum();
    let others: usize = graph
        .levels
        .iter()
        .skip(1)
        .flat_map(|l| l.values.chunks_exact(4))
        .filter(|n| graph.names[n[3] as usize] == "other")
        .count();
    // Pyroscope's rule: a node stays when its total is at least the 8th largest (ties stay).
    let full = call::<_, SelectMergeStacktracesResponse>(
        &app,
        "SelectMergeStacktraces",
        &stacks(CPU, GO, (t, t + 30)),
    )
    .await
    .flamegraph
    .unwrap();
    let mut totals: Vec<i64> = full
        .levels
        .iter()
        .skip(1)
        .flat_map(|l| l.values.chunks_exact(4).map(|n| n[1]))
        .collect();
    totals.sort_unstable_by(|a, b| b.cmp(a));
    assert!(totals.len() > 8, "the profile is large enough to cut");
    let kept = totals.iter().filter(|t| **t >= totals[7]).count();
    assert_eq!(
        nodes - others,
        kept,
        "{nodes} nodes, {others} of them other"
    );
    assert_whole(&graph);
    assert_eq!(
        flame_selves(&graph).values().sum::<u64>(),
        total,
        "self values add up to the total"
    );

    // As pprof, from both methods: its samples add up to the total.
    let mut as_pprof = stacks(CPU, GO, (t, t + 30));
    as_pprof.format = ProfileFormat::Pprof as i32;
    let answer: SelectMergeStacktracesResponse =
        call(&app, "SelectMergeStacktraces", &as_pprof).await;
    let bytes = answer.pprof.unwrap().profile.unwrap();
    let profile = Profile::decode(bytes.as_ref()).unwrap();
    let sum = |p: &Profile| p.sample.iter().map(|s| s.value[0]).sum::<i64>() as u64;
    assert_eq!(sum(&profile), total);
    let merged: Profile = call(
        &app,
        "SelectMergeProfile",
        &SelectMergeProfileRequest {
            profile_type_id: CPU.into(),
            label_selector: GO.into(),
            start: t * 1000,
            end: (t + 30) * 1000,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(sum(&merged), total);

    // A call site keeps the stacks under it: the total of its node.
    let first = &full.levels[1].values;
    let (name, under) = (full.names[first[3] as usize].clone(), first[1]);
    let mut site = stacks(CPU, GO, (t, t + 30));
    site.stack_trace_selector = Some(StackTraceSelector {
        call_site: vec![Location { name }],
        go_pgo: None,
    });
    let graph = call::<_, SelectMergeStacktracesResponse>(&app, "SelectMergeStacktraces", &site)
        .await
        .flamegraph
        .unwrap();
    assert_eq!(graph.total, under);
    assert_whole(&graph);
}
