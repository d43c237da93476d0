//! The database over TLS (SPEC §35, issue 77): a PostgreSQL started here with `ssl = on`, a
//! certificate a CA made here signed, and a pg_hba.conf that rejects every TCP connection
//! without TLS. The service reaches it with `?sslmode=require` and serves its stores; with
//! `sslmode=verify-full` and a CA that did not sign it, it stops at startup naming the setting.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use reqwest::Client;
use secrecy::SecretString;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::{json_with_status, settings_without_database, spawn_server, wait_until_ready};
use crate::stoppable_postgres::StoppablePostgres;
use crate::stubs::tls_front::{write_pem, TestCa};

/// Writes `content` as `name` in the data directory, owned by the server's user and readable
/// by it alone (PostgreSQL refuses a key file others may read).
fn server_file(data_dir: &Path, name: &str, content: &str) {
    let owner = std::fs::metadata(data_dir).expect("the data directory");
    let path = write_pem(data_dir, name, content);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
}

/// A server that speaks TLS with a certificate `ca` signed for 127.0.0.1 and `localhost`, and
/// rejects every connection over TCP that does not.
async fn tls_only_postgres(ca: &TestCa) -> StoppablePostgres {
    let mut pg = StoppablePostgres::start("tls").await;
    pg.stop().await;
    let data = pg.data_dir().to_path_buf();
    let issued = ca.issue(&["127.0.0.1", "localhost"]);
    server_file(&data, "server.crt", &issued.cert_pem);
    server_file(&data, "server.key", &issued.key_pem);
    let hba = "hostnossl all all 0.0.0.0/0 reject\n\
               hostnossl all all ::/0 reject\n\
               hostssl all all 127.0.0.1/32 scram-sha-256\n\
               hostssl all all ::1/128 scram-sha-256\n";
    server_file(&data, "tls_hba.conf", hba);
    // After everything the embedded server writes: its own pg_hba.conf is not read any more.
    let conf = format!(
        "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nhba_file = '{}'\n",
        data.join("tls_hba.conf").display()
    );
    let mut postgresql_conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    postgresql_conf.push_str(&conf);
    std::fs::write(data.join("postgresql.conf"), postgresql_conf).unwrap();
    pg.restart().await;
    pg
}

fn url(pg: &StoppablePostgres, query: &str) -> String {
    format!(
        "postgres://postgres:{}@127.0.0.1:{}/postgres?{query}",
        pg.password(),
        pg.port()
    )
}

#[tokio::test]
async fn the_service_serves_its_stores_from_a_postgresql_that_only_speaks_tls() {
    let ca = TestCa::new("Database CA");
    let pg = tls_only_postgres(&ca).await;
    // Without TLS, the server turns the connection away.
    let Err(refused) = PgConnection::connect(&url(&pg, "sslmode=disable")).await else {
        panic!("a connection without TLS is let in");
    };
    let message = refused.to_string();
    assert!(message.contains("no encryption"), "{message}");

    let mut settings = settings_without_database();
    settings.database.url = Some(SecretString::from(url(&pg, "sslmode=require")));
    settings.database.embedded.enabled = false;
    let address = spawn_server(settings).await;
    wait_until_ready(&address).await;
    let client = Client::new();
    let baseline = json!({"appName": "checkout", "profileType": "cpu",
                          "functionName": "G1 Young Generation", "maxSelfPercent": 15.0});
    let res = client
        .post(format!("{address}/baselines"))
        .json(&baseline)
        .send()
        .await;
    json_with_status(res.unwrap(), 201).await;
    let res = client
        .get(format!("{address}/baselines/checkout"))
        .send()
        .await;
    let listed = json_with_status(res.unwrap(), 200).await;
    assert_eq!(listed["baselines"].as_array().unwrap().len(), 1);

    // The connections are TLS: PostgreSQL says so of every one of them.
    let mut admin = PgConnection::connect(&url(&pg, "sslmode=require"))
        .await
        .unwrap();
    let plain: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_ssl join pg_stat_activity using (pid) \
         where not ssl and backend_type = 'client backend'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!(plain, 0);
}

#[tokio::test]
async fn verify_full_checks_the_certificate_and_a_wrong_sslrootcert_stops_startup_naming_it() {
    let ca = TestCa::new("Database CA");
    let pg = tls_only_postgres(&ca).await;
    let dir = tempfile::tempdir().unwrap();
    let right = write_pem(dir.path(), "right-ca.pem", &ca.pem);
    let wrong = write_pem(dir.path(), "wrong-ca.pem", &TestCa::new("Another CA").pem);
    let with_root = |root: &Path| {
        let mut settings = settings_without_database();
        let query = format!("sslmode=verify-full&sslrootcert={}", root.display());
        settings.database.url = Some(SecretString::from(url(&pg, &query)));
        settings.database.embedded.enabled = false;
        settings
    };

    // The CA that signed it: the service starts and its stores answer.
    let address = spawn_server(with_root(&right)).await;
    wait_until_ready(&address).await;
    let res = Client::new().get(format!("{address}/rules")).send().await;
    json_with_status(res.unwrap(), 200).await;

    // Another CA: startup stops, naming the setting and the file.
    let stopped = pyroscope_functions::app::Application::build(with_root(&wrong)).await;
    let message = stopped.err().expect("startup stops").to_string();
    assert!(
        message.contains("sslrootcert") && message.contains("wrong-ca.pem"),
        "{message}"
    );
    assert!(message.contains("UnknownIssuer"), "{message}");
    // And through the `DB_*` fields: `database.ssl_root_cert`.
    let mut settings = settings_without_database();
    settings.database.embedded.enabled = false;
    settings.database.host = Some("127.0.0.1".into());
    settings.database.port = pg.port();
    settings.database.name = "postgres".into();
    settings.database.user = "postgres".into();
    settings.database.password = Some(SecretString::from(pg.password()));
    settings.database.ssl_mode = Some(pf_infra::db::settings::SslMode::VerifyFull);
    settings.database.ssl_root_cert = Some(wrong.clone());
    let stopped = pyroscope_functions::app::Application::build(settings).await;
    let message = stopped.err().expect("startup stops").to_string();
    assert!(message.contains("database.ssl_root_cert"), "{message}");
}
