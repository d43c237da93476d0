//! The values of one label on one app's series (docs/profiles-over-time.md: the versions seen in a
//! slice).

use tokio::time::Instant;

use super::{decode, legacy, modern, PyroscopeClient};
use pf_infra::sor::SorError;
use pf_model::{AppName, TimeWindow};
use pf_profiles::PyroscopeApi;

impl PyroscopeClient {
    /// Sorted, unique values of label `name` on the series of `app` in `window`. `source` is
    /// the legacy application query (`<app>.<suffix>{}`); the modern API selects by app label.
    pub async fn label_values(
        &self,
        subject: (&AppName, &str),
        name: &str,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let mut values = Vec::new();
        for piece in self.pieces(window).windows {
            values.extend(self.label_values_of(subject, name, piece, deadline).await?);
        }
        values.sort_unstable();
        values.dedup();
        Ok(values)
    }

    /// [`PyroscopeClient::label_values`] in a window within Pyroscope's limits: one call.
    async fn label_values_of(
        &self,
        (app, source): (&AppName, &str),
        name: &str,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let mut values: Vec<String> = match self.api {
            PyroscopeApi::Modern => {
                let url = self.endpoint(&[modern::SERVICE, modern::LABEL_VALUES]);
                let mut body = modern::LabelValuesRequest::new(name, window);
                body.matchers = vec![modern::selector(&self.app_label, app.as_str())];
                let bytes = self
                    .fetch(modern::LABEL_VALUES, deadline, self.max_retries, || {
                        self.connect_post(url.clone()).json(&body)
                    })
                    .await?;
                decode::<modern::LabelValuesResponse>(&bytes, "LabelValues answer")?.names
            }
            PyroscopeApi::Legacy => {
                let url = self.endpoint(&[legacy::LABEL_VALUES]);
                let params = legacy::label_value_params(name, source, window);
                let bytes = self
                    .fetch(legacy::LABEL_VALUES, deadline, self.max_retries, || {
                        self.outbound.client().get(url.clone()).query(&params)
                    })
                    .await?;
                decode(&bytes, "label-values answer")?
            }
        };
        values.retain(|v| !v.is_empty());
        values.sort_unstable();
        values.dedup();
        Ok(values)
    }
}
