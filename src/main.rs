//! Entry point: parse arguments, load settings, start logging, run.

use std::process::ExitCode;

use pyroscope_functions::settings::Settings;
use pyroscope_functions::startup::Application;
use pyroscope_functions::telemetry;

#[actix_web::main]
async fn main() -> ExitCode {
    telemetry::init_tracing();
    let args: Vec<String> = std::env::args().collect();
    let config_file = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let settings = match Settings::load(config_file) {
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
}
