//! Black-box tests: the service on a random port, a real PostgreSQL, a stub Pyroscope.

mod access;
mod access_split;
// Each includer uses a different part of it.
#[allow(dead_code)]
#[path = "../common/agents.rs"]
mod agents;
mod alerting;
mod alertmanager;
mod alertmanager_server;
mod app_names;
mod bad_inputs;
mod baselines;
mod bounded;
mod browser;
mod contract;
mod contract_catalog;
mod contract_profile_data;
mod db_tls;
mod demo;
mod diff;
mod embedded_auth;
mod fleet;
mod fleet_coverage;
mod fleet_summaries;
mod front_door;
mod gate;
mod helpers;
mod history;
mod history_outages;
mod history_writes;
mod ingest;
mod ingest_jfr;
mod ingest_otlp;
mod inuse;
mod inuse_sources;
mod json_canon;
#[path = "../common/jvm.rs"]
mod jvm;
mod labels;
mod leaks_real;
mod once;
mod openapi;
mod operations;
mod outbox;
mod outbox_claims;
mod outbox_replicas;
mod pgo;
mod pgo_oracle;
mod pgo_windows;
mod pictures;
#[path = "../common/profile_data.rs"]
mod profile_data;
mod profile_files;
mod profiles;
#[path = "../common/push_proto.rs"]
mod push_proto;
mod pyroscope_limits;
mod pyroscope_lines;
mod pyroscope_types;
mod pyroscope_watcher;
mod querier;
mod quiet_apps;
#[path = "../common/read_routes.rs"]
mod read_routes;
mod real_runtimes;
mod regression_cost;
mod regression_queries;
mod regression_settled;
mod regressions;
mod remote_errors;
mod robustness;
mod rules;
mod services;
mod significance;
mod significance_sources;
mod sites;
mod split;
mod split_degraded;
mod standin_checks;
mod stoppable_postgres;
mod store_integrity;
mod stubs;
mod suspects;
mod suspects_diff;
mod suspects_fixture;
mod suspects_real;
mod suspects_synthetic;
mod task_restart;
mod tls;
mod trends;
mod trends_replicas;
mod triage;
mod watch_split;
mod webhook_guard;
mod who_may_change;
mod windows;
