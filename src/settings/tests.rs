//! Unit tests of settings loading and of the FUNCTION values.

use std::path::Path;

use super::*;
use pf_http::auth_settings::{Scope, DEFAULT_EXEMPT};
use pf_model::ProfileType;
use pf_profiles::PyroscopeApi;

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
    assert_eq!(s.database.pool_size.get(), 5);
    assert!(s.database.url.is_none() && s.database.host.is_none());
    assert_eq!(s.pyroscope.api, PyroscopeApi::Modern);
    assert_eq!(s.pyroscope.cache_ttl_secs, Duration::from_secs(10));
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
    assert_eq!(s.database.pool_size.get(), 7);
    assert_eq!(s.function, Function::BaselineSor);
    assert_eq!(s.pyroscope.cache_ttl_secs, Duration::ZERO);
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
    assert_eq!(s.fleet.concurrency.get(), 16);
    assert_eq!(s.history_writes.max_pending.get(), 100_000);
    assert_eq!(s.history_writes.drain_timeout_secs, Duration::from_secs(10));
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
    // A regression settled before its reference (240 slices before the 16 watched, confirmed at
    // least 5 + 3 slices after its change point) lies wholly after its change point would be
    // found again against a mix of its old and new level (docs/regressions.md).
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.watch.settle_slices.get(), 288);
    for (value, valid) in [("247", false), ("248", true), ("0", false)] {
        let got = Settings::load_from(None, env(&[("APP__WATCH__SETTLE_SLICES", value)]));
        match (got, valid) {
            (Ok(_), true) => {}
            (Err(err), false) => assert!(err.to_string().contains("watch.settle_slices"), "{err}"),
            (got, _) => panic!(
                "settle_slices {value}: {:?}",
                got.map(|s| s.watch.settle_slices)
            ),
        }
    }
}

#[test]
fn durations_are_read_in_seconds_and_a_zero_where_none_makes_sense_names_its_key() {
    let s = Settings::load_from(None, env(&[("APP__ALERTS__INTERVAL_SECS", "2")])).unwrap();
    assert_eq!(s.alerts.interval_secs, Duration::from_secs(2));
    assert_eq!(s.watch.slice_secs.duration(), Duration::from_secs(300));
    for key in [
        "alerts.interval_secs",
        "alerts.window_secs",
        "alerts.delivery_timeout_secs",
        "alerts.give_up_after_secs",
        "fleet.app_timeout_secs",
        "pyroscope.request_timeout_secs",
        "profiles.rescan_secs",
    ] {
        let err = zero_refused(key);
        assert!(err.contains("positive number of seconds"), "{err}");
    }
    for key in [
        "alerts.retry_initial_millis",
        "history_writes.base_delay_ms",
    ] {
        let err = zero_refused(key);
        assert!(err.contains("positive number of milliseconds"), "{err}");
    }
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.history_writes.base_delay_ms, Duration::from_millis(200));
    // Zero is a duration of its own where it means "none": no caching.
    let s = Settings::load_from(None, env(&[("APP__FLEET__SUMMARIES_CACHE_SECS", "0")])).unwrap();
    assert_eq!(s.fleet.summaries_cache_secs, Duration::ZERO);
    let err = Settings::load_from(None, env(&[("APP__WATCH__LAG_SECS", "-1")])).unwrap_err();
    assert!(err.to_string().contains("watch.lag_secs"), "{err}");
}

#[test]
fn counts_that_cannot_be_zero_fail_at_zero_naming_their_key() {
    for key in [
        "server.max_body_bytes",
        "fleet.concurrency",
        "history_writes.max_pending",
        "alerts.delivery_concurrency",
        "alerts.give_up_after_attempts",
        "alerts.keep_settled_days",
        "watch.top_functions",
        "watch.retention_days",
        "watch.concurrency",
        "watch.confirm_slices",
        "pyroscope.max_nodes",
        "profiles.max_decoded_bytes",
        "profiles.max_stack_depth",
    ] {
        zero_refused(key);
    }
}

/// The error of a zero set for `key` through the environment; it names the key.
fn zero_refused(key: &str) -> String {
    let name = format!("APP__{}", key.to_uppercase().replace('.', "__"));
    let err = Settings::load_from(None, env(&[(&name, "0")])).unwrap_err();
    let err = err.to_string();
    assert!(err.contains(&format!("`{key}`")), "{err}");
    err
}

#[test]
fn no_profile_source_is_set_by_default_and_each_has_its_flat_name() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert!(s.pyroscope.url.is_none() && s.profiles.dir.is_none());
    assert_eq!(s.profiles.max_decoded_bytes.get(), 256 << 20);
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

/// Two well-formed digests.
const DIGEST_A: &str = "0f8a4b1e3a9ce7ba9d4e74d3d3f4e5a4b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7";
const DIGEST_B: &str = "1f8a4b1e3a9ce7ba9d4e74d3d3f4e5a4b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7";

fn invalid(result: Result<Settings, SettingsError>) -> String {
    match result {
        Err(e @ SettingsError::Invalid { .. }) => e.to_string(),
        Err(e) => panic!("not an invalid value but {e}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn api_tokens_are_read_from_the_environment_by_name_scope_and_digest() {
    let tokens = format!(
        " ci:write:{DIGEST_A} , dashboards:read:{} ,",
        DIGEST_B.to_uppercase()
    );
    let s = Settings::load_from(None, env(&[("API_TOKENS", &tokens)])).unwrap();
    assert_eq!(s.auth.tokens.len(), 2);
    assert_eq!(s.auth.tokens[0].name, "ci");
    assert_eq!(s.auth.tokens[0].scope, Scope::Write);
    assert_eq!(s.auth.tokens[1].name, "dashboards");
    assert_eq!(s.auth.tokens[1].scope, Scope::Read);
    assert_eq!(s.auth.tokens[1].team, None);
    let digest = s.auth.tokens[1].digest().unwrap();
    assert_eq!((digest[0], digest[31]), (0x1f, 0xe7));
    assert_eq!(s.auth.exempt, DEFAULT_EXEMPT.map(String::from).to_vec());
    // A fourth part binds a token to a team; `admin` is a scope.
    let bound = format!("payments-ci:write:{DIGEST_A}:payments,root:admin:{DIGEST_B}");
    let s = Settings::load_from(None, env(&[("API_TOKENS", &bound)])).unwrap();
    assert_eq!(s.auth.tokens[0].team.as_deref(), Some("payments"));
    assert_eq!(s.auth.tokens[1].scope, Scope::Admin);
    assert_eq!(s.auth.tokens[1].team, None);
    // None by default: everything open.
    assert!(Settings::load_from(None, env(&[]))
        .unwrap()
        .auth
        .tokens
        .is_empty());
}

#[test]
fn a_malformed_api_tokens_entry_stops_startup_naming_it_without_its_content() {
    let secret = "plaintext-token-pasted-by-mistake";
    let message = invalid(Settings::load_from(
        None,
        env(&[("API_TOKENS", &format!("ci:write:{DIGEST_A},{secret}"))]),
    ));
    assert!(
        message.contains("`API_TOKENS` entry 2 must be name:scope:sha256hex"),
        "{message}"
    );
    assert!(!message.contains(secret), "{message}");

    let message = invalid(Settings::load_from(
        None,
        env(&[("API_TOKENS", &format!("ci:root:{DIGEST_A}"))]),
    ));
    assert!(
        message.contains("entry 1 (`ci`): the scope must be read, write, admin or ingest"),
        "{message}"
    );
    let message = invalid(Settings::load_from(
        None,
        env(&[("API_TOKENS", &format!("ci:write:{DIGEST_A}:a:b"))]),
    ));
    assert!(message.contains("three or four parts"), "{message}");

    let message = invalid(Settings::load_from(
        None,
        env(&[("API_TOKENS", "ci:read:abc123")]),
    ));
    assert!(
        message.contains("token 1 (`ci`): sha256 must be 64 hex digits"),
        "{message}"
    );
    assert!(!message.contains("abc123"), "{message}");

    let twice = format!("ci:read:{DIGEST_A},ci:write:{DIGEST_B}");
    let message = invalid(Settings::load_from(None, env(&[("API_TOKENS", &twice)])));
    assert!(
        message.contains("token 2 (`ci`): the name is used twice"),
        "{message}"
    );

    let same = format!("ci:read:{DIGEST_A},deploy:write:{DIGEST_A}");
    let message = invalid(Settings::load_from(None, env(&[("API_TOKENS", &same)])));
    assert!(message.contains("the digest is used twice"), "{message}");
}

#[test]
fn outbound_ranges_default_to_everything_inside_the_network_and_bad_ones_stop_startup() {
    use pf_infra::address_guard::AddressPolicy;
    use std::net::IpAddr;

    let s = Settings::load_from(None, env(&[])).unwrap();
    assert!(s.outbound.allow.is_empty() && s.delivery.allow_cidrs.is_empty());
    let policy = AddressPolicy::new(s.outbound.deny.clone(), Vec::new());
    let inside = [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "100.64.0.1",
        "100.100.100.200",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "::",
        "fd00:ec2::254",
        "fc00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ];
    for address in inside {
        let ip: IpAddr = address.parse().unwrap();
        assert!(!policy.permits(ip), "{address} must be refused by default");
    }
    for outside in [
        "93.184.216.34",
        "172.32.0.1",
        "100.128.0.1",
        "2606:4700::1111",
    ] {
        assert!(policy.permits(outside.parse().unwrap()), "{outside}");
    }
    // delivery.allow_cidrs, from the environment, names exceptions; a bad one stops startup.
    let s = Settings::load_from(
        None,
        env(&[("DELIVERY_ALLOW_CIDRS", "127.0.0.0/8, fd00:ec2::/32")]),
    )
    .unwrap();
    let allowed: Vec<String> = s
        .delivery
        .allow_cidrs
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(allowed, ["127.0.0.0/8", "fd00:ec2::/32"]);
    let err = Settings::load_from(None, env(&[("DELIVERY_ALLOW_CIDRS", "10.0.0.0/33")]))
        .err()
        .unwrap();
    assert!(err.to_string().contains("DELIVERY_ALLOW_CIDRS"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[outbound]\ndeny = [\"169.254.0.0/33\"]\n").unwrap();
    let err = Settings::load_from(file.to_str(), env(&[])).err().unwrap();
    assert!(err.to_string().contains("outbound.deny"), "{err}");

    std::fs::write(
        &file,
        "[outbound]\ndeny = [\"127.0.0.0/8\"]\nallow = [\"127.0.0.1/32\"]\n",
    )
    .unwrap();
    let s = Settings::load_from(file.to_str(), env(&[])).unwrap();
    assert_eq!(s.outbound.deny[0].to_string(), "127.0.0.0/8");
    assert_eq!(s.outbound.allow[0].to_string(), "127.0.0.1/32");
}

#[test]
fn the_database_tls_settings_come_from_the_environment() {
    use pf_infra::db::settings::SslMode;

    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.database.ssl_mode, None);
    let s = Settings::load_from(
        None,
        env(&[
            ("DB_SSL_MODE", "verify-full"),
            ("DB_SSL_ROOT_CERT", "/etc/pg/ca.pem"),
        ]),
    )
    .unwrap();
    assert_eq!(s.database.ssl_mode, Some(SslMode::VerifyFull));
    assert_eq!(
        s.database.ssl_root_cert.as_deref(),
        Some(std::path::Path::new("/etc/pg/ca.pem"))
    );
    let err = Settings::load_from(None, env(&[("DB_SSL_MODE", "sometimes")]))
        .err()
        .unwrap();
    assert!(err.to_string().contains("ssl_mode"), "{err}");
}

#[test]
fn the_sor_token_comes_from_the_environment() {
    use secrecy::ExposeSecret;
    let s = Settings::load_from(None, env(&[("SOR_TOKEN", "s3cret")])).unwrap();
    assert_eq!(s.sors.token.unwrap().expose_secret(), "s3cret");
}

#[test]
fn pyroscope_credentials_and_tls_files_have_flat_names_and_a_certificate_needs_its_key() {
    use secrecy::ExposeSecret;
    let s = Settings::load_from(
        None,
        env(&[
            ("PYROSCOPE_TENANT_ID", "812345"),
            ("PYROSCOPE_USERNAME", "812345"),
            ("PYROSCOPE_PASSWORD", "glc_secret"),
            ("PYROSCOPE_BEARER_TOKEN", "bearer_secret"),
            ("PYROSCOPE_CA_FILE", "/etc/ca.pem"),
            ("PYROSCOPE_CLIENT_CERT", "/etc/client.pem"),
            ("PYROSCOPE_CLIENT_KEY", "/etc/client.key"),
        ]),
    )
    .unwrap();
    let p = &s.pyroscope;
    assert_eq!(p.tenant_id.as_deref(), Some("812345"));
    assert_eq!(p.username.as_deref(), Some("812345"));
    let password = p.password.as_ref().map(|s| s.expose_secret());
    assert_eq!(password, Some("glc_secret"));
    let token = p.bearer_token.as_ref().map(|s| s.expose_secret());
    assert_eq!(token, Some("bearer_secret"));
    assert_eq!(p.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
    assert_eq!(p.client_cert.as_deref(), Some(Path::new("/etc/client.pem")));
    assert_eq!(p.client_key.as_deref(), Some(Path::new("/etc/client.key")));
    // The settings' debug form (what a careless log line would print) hides the secrets.
    let shown = format!("{s:?}");
    assert!(!shown.contains("glc_secret") && !shown.contains("bearer_secret"));

    let err = invalid(Settings::load_from(
        None,
        env(&[("PYROSCOPE_CLIENT_CERT", "/etc/client.pem")]),
    ));
    assert!(err.contains("`pyroscope.client_key` must be set"), "{err}");
    let err = invalid(Settings::load_from(
        None,
        env(&[("PYROSCOPE_CLIENT_KEY", "/etc/client.key")]),
    ));
    assert!(err.contains("`pyroscope.client_cert` must be set"), "{err}");
}

#[test]
fn watched_types_are_read_as_profile_types_and_an_unknown_one_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("watch.toml");
    std::fs::write(&file, "[watch]\ntypes = [\"heap\", \"cpu\", \"cpu\"]\n").unwrap();
    let path = file.to_str().unwrap();
    let s = Settings::load_from(Some(path), env(&[])).unwrap();
    assert_eq!(
        s.watch.profile_types(),
        [ProfileType::Cpu, ProfileType::Inuse]
    );
    std::fs::write(&file, "[watch]\ntypes = [\"cpu\", \"bogus\"]\n").unwrap();
    let err = Settings::load_from(Some(path), env(&[])).unwrap_err();
    assert!(err.to_string().contains("watch.types"), "{err}");
}

#[test]
fn the_profile_source_is_decided_once_from_the_url_and_the_directory() {
    let source = |pairs: &[(&str, &str)]| {
        Settings::load_from(None, env(pairs))
            .unwrap()
            .profile_source()
    };
    let url = "http://scraper:s3cret@pyro:4040/";
    assert_eq!(
        source(&[("PYROSCOPE_URL", url)]).unwrap(),
        ProfileSource::Pyroscope(Url::parse(url).unwrap())
    );
    assert_eq!(
        source(&[("PROFILES_DIR", "/srv/profiles")]).unwrap(),
        ProfileSource::Files("/srv/profiles".into())
    );
    assert_eq!(source(&[]).unwrap(), ProfileSource::PushesAndDemo);
    let both = source(&[("PYROSCOPE_URL", url), ("PROFILES_DIR", "/srv/profiles")]).unwrap_err();
    assert_eq!(both.key, "profiles.dir");
    assert!(
        both.reason.contains("/srv/profiles") && both.reason.contains("pyro:4040"),
        "{}",
        both.reason
    );
    assert!(!both.reason.contains("s3cret"), "{}", both.reason);
}
