//! Unit tests of settings loading and of the FUNCTION values.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_load_without_any_environment() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.function, Function::All);
    assert_eq!(s.server.port, 8080);
    assert_eq!(s.database.pool_size, 5);
    assert!(s.database.url.is_none() && s.database.host.is_none());
    assert_eq!(s.pyroscope.api, PyroscopeApi::Modern);
    assert_eq!(s.pyroscope.cache_ttl_secs, 10);
}

#[test]
fn flat_and_nested_environment_names_override_defaults() {
    let s = Settings::load_from(
        None,
        env(&[
            ("PORT", "9090"),
            ("DB_POOL_SIZE", "7"),
            ("FUNCTION", "ReadPyroscopeBaseline.sor.v1"),
            ("APP__PYROSCOPE__CACHE_TTL_SECS", "0"),
            ("APP__PYROSCOPE__API", "legacy"),
            ("BASELINE_URL", "http://baseline:8081"),
        ]),
    )
    .unwrap();
    assert_eq!(s.server.port, 9090);
    assert_eq!(s.database.pool_size, 7);
    assert_eq!(s.function, Function::BaselineSor);
    assert_eq!(s.pyroscope.cache_ttl_secs, 0);
    assert_eq!(s.pyroscope.api, PyroscopeApi::Legacy);
    assert_eq!(
        s.sors.baseline_url.unwrap().as_str(),
        "http://baseline:8081/"
    );
}

#[test]
fn all_serves_every_bor_as_v2_and_a_bor_function_only_itself() {
    for bor in [Bor::Triage, Bor::DiffReport, Bor::FleetSearch] {
        assert_eq!(Function::All.bor_version(bor), Some(BorVersion::V2));
        assert_eq!(Function::BaselineSor.bor_version(bor), None);
    }
    assert_eq!(
        Function::TriageV1.bor_version(Bor::Triage),
        Some(BorVersion::V1)
    );
    assert_eq!(Function::TriageV1.bor_version(Bor::DiffReport), None);
    assert_eq!(
        Function::FleetSearchV2.bor(),
        Some((Bor::FleetSearch, BorVersion::V2))
    );
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.triage.min_score, 5.0);
    assert_eq!(s.fleet.concurrency, 16);
    assert_eq!(s.history_writes.max_pending, 100_000);
    assert_eq!(s.history_writes.drain_timeout_secs, 10);
}

#[test]
fn an_unknown_function_lists_the_valid_values() {
    let err = Settings::load_from(None, env(&[("FUNCTION", "Nope.v9")])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("Nope.v9"), "{msg}");
    assert!(msg.contains("ReadPyroscopeFleetSearch.v2"), "{msg}");
}

#[test]
fn an_invalid_value_names_its_key() {
    let err = Settings::load_from(None, env(&[("PORT", "eighty")])).unwrap_err();
    assert!(err.to_string().contains("port"), "{err}");
    let err = Settings::load_from(None, env(&[("DB_POOL_SIZE", "0")])).unwrap_err();
    assert!(err.to_string().contains("database.pool_size"), "{err}");
    let err = Settings::load_from(None, env(&[("PYROSCOPE_URL", "not a url")])).unwrap_err();
    assert!(err.to_string().contains("url"), "{err}");
}

#[test]
fn no_profile_source_is_set_by_default_and_each_has_its_flat_name() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert!(s.pyroscope.url.is_none() && s.profiles.dir.is_none());
    assert_eq!(s.profiles.max_decoded_bytes, 256 << 20);
    assert_eq!(s.profiles.sample_types["cpu"][0], "cpu/nanoseconds");
    assert_eq!(s.profiles.sample_types["alloc"].len(), 4);
    let s = Settings::load_from(
        None,
        env(&[
            ("PROFILES_DIR", "/var/lib/profiles"),
            ("PYROSCOPE_URL", "http://pyro:4040"),
        ]),
    )
    .unwrap();
    assert_eq!(s.profiles.dir.unwrap().to_str(), Some("/var/lib/profiles"));
    assert_eq!(s.pyroscope.url.unwrap().as_str(), "http://pyro:4040/");
    let err = Settings::load_from(None, env(&[("APP__PROFILES__RESCAN_SECS", "0")])).unwrap_err();
    assert!(err.to_string().contains("profiles.rescan_secs"), "{err}");
}
