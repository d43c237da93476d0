//! The embedded PostgreSQL trusts no one (SPEC §35, issue 77): every connection, over
//! loopback, gives the superuser's password, generated at the first start and kept 0600 in
//! the data directory; a data directory an older version made with `trust` is given one at
//! start, its data kept. Knocked on with `psql`, as a local process would.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use sqlx::{Connection, PgConnection};

use pf_infra::db::embedded::PASSWORD_FILE;

use crate::stoppable_postgres::StoppablePostgres;

/// `psql -h 127.0.0.1 -p <port> -U <user> -w -c 'select 1'`, with `password` (or none) and
/// nothing else of the environment's (no ~/.pgpass, no PG* variables).
fn psql(port: u16, user: &str, password: Option<&str>) -> Output {
    let mut command = std::process::Command::new("psql");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PGPASSFILE", "/dev/null")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", user])
        .args(["-d", "postgres", "-w", "-At", "-c", "select 1"]);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command.output().unwrap_or_else(|e| {
        panic!("this test runs psql: install postgresql-client (scripts/test does): {e}")
    })
}

/// Asserts `psql` got in, or was refused for want of the right password.
fn assert_refused(output: &Output, who: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "{who} got in without the password"
    );
    assert!(
        stderr.contains("no password supplied")
            || stderr.contains("password authentication failed"),
        "{who}: {stderr}"
    );
}

fn assert_in(output: &Output, who: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{who}: {stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1", "{who}");
}

#[tokio::test]
async fn the_embedded_postgresql_refuses_psql_without_its_password() {
    let pg = StoppablePostgres::start("password").await;
    let file = pg.data_dir().join(PASSWORD_FILE);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
    let password = pg.password();
    assert_eq!(password.len(), 64, "32 random bytes as hex");

    // The superuser, and the service's user, without the password or with a wrong one.
    for user in ["postgres", "pyroscope"] {
        assert_refused(&psql(pg.port(), user, None), user);
        assert_refused(&psql(pg.port(), user, Some("guess")), user);
    }
    assert_in(
        &psql(pg.port(), "postgres", Some(&password)),
        "postgres with its password",
    );
    let hba = std::fs::read_to_string(pg.data_dir().join("pg_hba.conf")).unwrap();
    assert!(!hba.contains("trust"), "{hba}");
    assert!(hba.contains("scram-sha-256"), "{hba}");
}

#[tokio::test]
async fn a_cluster_an_older_version_made_with_trust_is_upgraded_on_start_keeping_its_data() {
    let mut pg = StoppablePostgres::start("upgrade").await;
    // Made as an older version made it: no password, every local connection trusted, data in it.
    let mut conn = PgConnection::connect(&pg.url()).await.unwrap();
    sqlx::raw_sql(
        "create table kept (note text); insert into kept values ('from before'); \
         alter role postgres password null",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    pg.stop().await;
    let data = pg.data_dir().to_path_buf();
    let trust =
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n";
    std::fs::write(data.join("pg_hba.conf"), trust).unwrap();
    std::fs::remove_file(data.join(PASSWORD_FILE)).unwrap();
    pg.restart().await;

    // The start gave it a password and took trust away.
    let password = pg.password();
    assert_eq!(password.len(), 64);
    assert_refused(
        &psql(pg.port(), "postgres", None),
        "postgres after the upgrade",
    );
    assert_in(
        &psql(pg.port(), "postgres", Some(&password)),
        "postgres with its new password",
    );
    let hba = std::fs::read_to_string(data.join("pg_hba.conf")).unwrap();
    assert!(!hba.contains("trust"), "{hba}");
    // Its data is still there.
    let mut conn = PgConnection::connect(&pg.url()).await.unwrap();
    let note: String = sqlx::query_scalar("select note from kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(note, "from before");
}
