//! `/health` entry for the profile files: which source answers, and what it holds.

use std::sync::Arc;

use async_trait::async_trait;

use super::source::ProfileDir;
use pf_infra::probe::HealthCheck;

/// `/health` entry `profiles`: `{source: "files" | "demo", dir, apps, files, skipped}`. Not
/// required, like Pyroscope: an empty or missing directory answers empty profiles.
pub struct ProfileFilesCheck {
    pub dir: Arc<ProfileDir>,
    /// `files` (`PROFILES_DIR`) or `demo` (neither source set).
    pub source: &'static str,
}

#[async_trait]
impl HealthCheck for ProfileFilesCheck {
    fn name(&self) -> &'static str {
        "profiles"
    }

    fn required(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<Option<serde_json::Value>, String> {
        let snapshot = self.dir.snapshot().await;
        if let Some(error) = &snapshot.error {
            return Err(format!("{} profiles: {error}", self.source));
        }
        let mut apps: Vec<&str> = snapshot.files.iter().map(|f| f.app.as_str()).collect();
        apps.dedup();
        Ok(Some(serde_json::json!({
            "source": self.source,
            "dir": self.dir.dir().display().to_string(),
            "apps": apps.len(),
            "files": snapshot.files.len(),
            "skipped": snapshot.skipped,
        })))
    }
}
