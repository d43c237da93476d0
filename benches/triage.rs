//! Cost of one cached triage without I/O: diagnosing a profile with the shipped rules, and a
//! whole v2 assessment (two types, baselines, the answer rendered as JSON) over in-memory SORs.
//! Run with `cargo bench --bench triage -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use pf_baselines::BaselineSor;
use pf_baselines::{Baseline, BaselinePatch, NewBaseline};
use pf_formats::formats::flamegraph::parse_connect;
use pf_infra::sor::SorError;
use pf_model::{
    AppName, CallTree, FunctionSite, FunctionStat, ProfileType, ReportFormat, Severity, TimeWindow,
};
use pf_profiles::ProfileDataSor;
use pf_profiles::{DiffTrees, LabelQuery, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery};
use pf_triage::{RuleSet, TriageRequest, TriageService};

#[path = "../tests/common/profile_data.rs"]
mod profile_data;
use profile_data::testdata;

/// The top 50 functions of a generated 5 000-node graph, led by a GC frame as in the load
/// script's stub, so the scored categories have something to find.
fn top_functions() -> Vec<FunctionStat> {
    let graph = testdata::generate(5_000, 0x5eed);
    let stats = parse_connect(graph.to_connect_json().as_bytes()).expect("generated graph parses");
    let mut functions = vec![FunctionStat {
        part_self_samples: Vec::new(),
        name: "G1 Young Generation".to_owned(),
        self_percent: 12.5,
        self_samples: stats.total_samples / 8,
        total_samples: stats.total_samples / 8,
    }];
    functions.extend(stats.functions.iter().take(49).map(|f| FunctionStat {
        part_self_samples: Vec::new(),
        name: f.name.clone(),
        self_percent: stats.self_percent(f),
        self_samples: f.self_samples,
        total_samples: f.total_samples,
    }));
    functions
}

/// A Profile Data SOR answering every query with the same ranked functions, as the cache does.
struct CachedProfiles(Vec<FunctionStat>);

#[async_trait]
impl ProfileDataSor for CachedProfiles {
    async fn apps(&self, _: TimeWindow) -> Result<Vec<String>, SorError> {
        Ok(Vec::new())
    }

    async fn app_types(&self, _: TimeWindow) -> Result<Vec<pf_profiles::AppTypes>, SorError> {
        Ok(Vec::new())
    }

    async fn profile(&self, query: ProfileQuery) -> Result<Profile, SorError> {
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        Ok(Profile {
            labels: Default::default(),
            app_name: query.app.into_inner(),
            profile_type: query.profile_type,
            from: query.window.from,
            to: query.window.to,
            profile_type_id: "process_cpu:cpu:nanoseconds:cpu:nanoseconds".to_owned(),
            total_samples: 5_000_000,
            truncated_percent: 0.4,
            functions: self.0.iter().take(limit).cloned().collect(),
            partial: None,
        })
    }

    async fn diff(&self, _: ProfileDiffQuery) -> Result<ProfileDiff, SorError> {
        Err(SorError::Unexpected("not used by triage".to_owned()))
    }

    async fn tree(&self, _: ProfileQuery) -> Result<Arc<CallTree>, SorError> {
        Err(SorError::Unexpected("not used by triage".to_owned()))
    }

    async fn diff_trees(&self, _: ProfileDiffQuery) -> Result<DiffTrees, SorError> {
        Err(SorError::Unexpected("not used by triage".to_owned()))
    }

    async fn label_values(&self, _: LabelQuery) -> Result<Vec<String>, SorError> {
        Err(SorError::Unexpected("not used by triage".to_owned()))
    }
    async fn sites(&self, _: ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        Ok(Vec::new())
    }
    async fn pgo(&self, _: pf_profiles::PgoQuery) -> Result<Vec<u8>, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }

    async fn holding(
        &self,
        _: pf_model::ProfileType,
        _: TimeWindow,
        _: Vec<String>,
    ) -> Result<Option<std::sync::Arc<pf_profiles::Holding>>, SorError> {
        Ok(None)
    }
}

/// A Baseline SOR holding one threshold per type, on the GC frame.
struct Thresholds;

#[async_trait]
impl BaselineSor for Thresholds {
    async fn upsert(&self, _: NewBaseline) -> Result<Baseline, SorError> {
        Err(SorError::Unexpected("read-only".to_owned()))
    }

    async fn list(&self, app: AppName, _: Option<ProfileType>) -> Result<Vec<Baseline>, SorError> {
        let now = Utc::now();
        Ok([ProfileType::Cpu, ProfileType::Alloc]
            .into_iter()
            .enumerate()
            .map(|(i, profile_type)| Baseline {
                id: i as i32 + 1,
                app_name: app.to_string(),
                profile_type,
                function_name: "G1 Young Generation".to_owned(),
                max_self_percent: 10.0,
                severity: Severity::Warning,
                created_by: None,
                on_behalf_of: None,
                created_at: now,
                updated_at: now,
            })
            .collect())
    }

    async fn update(&self, _: i32, _: BaselinePatch) -> Result<Baseline, SorError> {
        Err(SorError::Unexpected("read-only".to_owned()))
    }

    async fn delete(&self, _: i32) -> Result<(), SorError> {
        Err(SorError::Unexpected("read-only".to_owned()))
    }
}

fn bench(c: &mut Criterion) {
    let functions = top_functions();
    let rules = Arc::new(RuleSet::shipped().expect("shipped rules load"));
    let mut group = c.benchmark_group("triage");

    group.bench_function("diagnose_cpu_top50", |b| {
        b.iter(|| rules.diagnose(ProfileType::Cpu, black_box(&functions), 5.0))
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let service = TriageService::new(
        Arc::new(CachedProfiles(functions.clone())),
        Some(Arc::new(Thresholds)),
        None,
        rules.clone(),
        5.0,
    );
    let request = TriageRequest {
        labels: Default::default(),
        app: "app-001".parse().expect("valid app name"),
        window: TimeWindow::new(1_700_000_000, 1_700_003_600).expect("valid window"),
        types: vec![ProfileType::Cpu, ProfileType::Alloc],
        limit: 10,
        format: ReportFormat::Json,
        requested_by: None,
    };
    group.bench_function("assess_cpu_alloc_v2_as_json", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let report = service
                    .assess(black_box(request.clone()))
                    .await
                    .expect("in-memory SORs answer");
                serde_json::to_vec(&report).expect("reports serialise")
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
