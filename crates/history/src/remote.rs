//! `HistorySor` over HTTP: a History SOR process's `/history` routes.

use async_trait::async_trait;
use chrono::SecondsFormat;
use futures_util::stream::{self, StreamExt};

use super::model::HistoryList;
use super::model::{CreateHistoryRequest, HistoryQuery, HistoryRecord, NewHistoryRecord};
use super::IDEMPOTENCY_KEY_HEADER;
use crate::{endpoints, HistorySor};
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::AppName;

/// Creates sent at once by `create_many`: the SOR has no batch route, and one POST at a time
/// would make the round trip the limit of a BOR's history writes.
const CONCURRENT_CREATES: usize = 16;

/// The assessment history kept by a History SOR at another address.
#[derive(Clone)]
pub struct RemoteHistoryStore {
    remote: RemoteSor,
}

impl RemoteHistoryStore {
    /// A store answering through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteHistoryStore { remote }
    }
}

#[async_trait]
impl HistorySor for RemoteHistoryStore {
    /// Sent with the record's key as `Idempotency-Key`, so a retry stores it once. Not retried
    /// here: the history writer retries at its own level.
    #[tracing::instrument(skip_all, fields(app = %record.app_name))]
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError> {
        let key = record.key.to_string();
        let body = CreateHistoryRequest {
            app_name: Some(record.app_name.into_inner()),
            diagnosis: Some(record.diagnosis),
            severity: Some(record.severity),
            profile_types: Some(record.profile_types),
            top_functions: record.top_functions,
            recommendation: record.recommendation,
            requested_by: record.requested_by,
            on_behalf_of: record.on_behalf_of,
            labels: record.labels,
        };
        let header = (IDEMPOTENCY_KEY_HEADER, key.as_str());
        self.remote
            .send_json_with_header(endpoints::CREATE.at([]), header, &body)
            .await
    }

    /// One keyed POST per record, a few at a time. Of several failures, one worth retrying
    /// is answered, so the caller tries the whole batch again rather than give up a record.
    #[tracing::instrument(skip_all, fields(records = records.len()))]
    async fn create_many(&self, records: &[NewHistoryRecord]) -> Result<(), SorError> {
        let failures: Vec<SorError> = stream::iter(records.iter().cloned())
            .map(|record| self.create(record))
            .buffer_unordered(CONCURRENT_CREATES)
            .filter_map(|result| std::future::ready(result.err()))
            .collect()
            .await;
        let retryable = failures
            .iter()
            .position(SorError::is_transient)
            .unwrap_or(0);
        match failures.into_iter().nth(retryable) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn list(
        &self,
        app: AppName,
        query: HistoryQuery,
    ) -> Result<Vec<HistoryRecord>, SorError> {
        // RFC 3339 with sub-second digits, so the remote bound is the exact same instant.
        let instant =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let mut params = vec![
            ("limit", query.limit.to_string()),
            ("offset", query.offset.to_string()),
        ];
        if let Some(from) = query.from {
            params.push(("from", instant(from)));
        }
        if let Some(to) = query.to {
            params.push(("to", instant(to)));
        }
        let call = endpoints::LIST.at([app.as_str()]);
        let list: HistoryList = self.remote.fetch(call, &params).await?;
        Ok(list.history)
    }

    #[tracing::instrument(skip_all, fields(app = %app))]
    async fn latest(&self, app: AppName) -> Result<HistoryRecord, SorError> {
        self.remote
            .fetch(endpoints::LATEST.at([app.as_str()]), &[])
            .await
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn delete(&self, id: i32) -> Result<(), SorError> {
        let id = id.to_string();
        self.remote.perform(endpoints::DELETE.at([&id])).await
    }
}
