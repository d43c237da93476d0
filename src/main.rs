//! Entry point: parse arguments; serve (the default), run the deploy gate, or probe readiness.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use pf_gate::GateArgs;
use pf_infra::telemetry;
use pyroscope_functions::app::settings::Settings;
use pyroscope_functions::app::Application;

/// Turns Grafana Pyroscope profiles into triage, diff reports and fleet hotspots.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Settings file (also `APP_CONFIG`); the server's only option.
    #[arg(long, value_name = "PATH")]
    config: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        /// Settings file (also `APP_CONFIG`).
        #[arg(long, value_name = "PATH")]
        config: Option<String>,
    },
    /// Ask a running service for a diff report and exit with its verdict (for CI pipelines).
    Gate(Box<GateArgs>),
    /// Exit 0 when this machine's service answers 200 on /health/ready (the container's probe).
    Healthcheck {
        /// Settings file (also `APP_CONFIG`), for the port.
        #[arg(long, value_name = "PATH")]
        config: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.config),
        Some(Command::Serve { config }) => serve(config.or(cli.config)),
        Some(Command::Gate(args)) => pf_gate::run(&args),
        Some(Command::Healthcheck { config }) => healthcheck(config.or(cli.config)),
    }
}

/// Two malloc arenas, not glibc's eight per core: memory a push thread or a worker freed is then
/// reused by the next, where with an arena each it stayed resident beside the budget that
/// bounds the pushes (SPEC §34; the hostile tests measured 662 MiB of peak resident memory
/// after a push of 300 000 locations and eight large pushes, with the pushes' budget at 192).
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt changes a setting of glibc's allocator, before any thread but this one
    // allocates.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Probes the port the settings give, as the server would bind it.
fn healthcheck(config_file: Option<String>) -> ExitCode {
    match Settings::load(config_file.as_deref()) {
        Ok(settings) => pyroscope_functions::app::healthcheck(settings.server.port),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// The server, as `#[actix_web::main]` would run it.
fn serve(config_file: Option<String>) -> ExitCode {
    few_malloc_arenas();
    actix_web::rt::System::new().block_on(async move {
        telemetry::init_tracing();
        let settings = match Settings::load(config_file.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                tracing::error!(error = %e, "cannot start");
                return ExitCode::from(2);
            }
        };
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(e) => {
                eprintln!("{e}");
                tracing::error!(error = %e, "cannot start");
                return ExitCode::from(1);
            }
        };
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "server failed");
                ExitCode::FAILURE
            }
        }
    })
}
