//! What a query asks for, typed once (docs/grafana.md#what-the-service-answers): its window in
//! epoch milliseconds, its profile type ID, its label selector and its node limit. Anything
//! else is a 400 (`invalid_argument`), never a query.

use pf_http::error::ApiError;
use pf_model::{LabelSelector, ProfileType};

use super::tables::Tables;

/// Nodes of a flame graph when the request does not say, as Pyroscope's
/// `querier.max-flamegraph-nodes-default`.
pub const MAX_NODES_DEFAULT: i64 = 8_192;
/// The most nodes a request may ask for (`querier.max-flamegraph-nodes-max`).
pub const MAX_NODES_MAX: i64 = 1 << 20;

const NANOS_PER_MILLI: i64 = 1_000_000;

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_argument", message)
}

/// `[start, end)` in epoch milliseconds; a profile belongs to it when its start lies in it
/// (docs/agents.md#pushing-from-agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowMs {
    pub start: i64,
    pub end: i64,
}

impl WindowMs {
    /// Both ends set, not negative, in order. A window reaching past what the store keeps
    /// (`ingest.retention_days`) is not refused: it answers with what is kept, as Grafana's
    /// "last 30 days" expects.
    pub fn read(start: i64, end: i64) -> Result<Self, ApiError> {
        if start <= 0 || end <= 0 {
            return Err(invalid(format!(
                "missing time range: start ({start}) and end ({end}) are epoch milliseconds"
            )));
        }
        if start > end {
            return Err(invalid(format!("start ({start}) is after end ({end})")));
        }
        Ok(WindowMs { start, end })
    }

    /// Whether a profile starting at `time_nanos` counts in the window; one without a time
    /// counts everywhere, as it does for `/profiles`.
    pub fn holds(&self, time_nanos: i64) -> bool {
        time_nanos == 0
            || (self.start.saturating_mul(NANOS_PER_MILLI) <= time_nanos
                && time_nanos < self.end.saturating_mul(NANOS_PER_MILLI))
    }
}

/// The five parts of a type ID, `<series>:<type>:<unit>:<period type>:<period unit>`; a part
/// the ID lacks is empty.
pub fn id_parts(id: &str) -> [&str; 5] {
    let mut parts = id.split(':');
    std::array::from_fn(|_| parts.next().unwrap_or_default())
}

/// A profile type ID the type table knows: `<series>:<type>:<unit>:<period type>:<period unit>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeId {
    pub id: String,
    pub profile_type: ProfileType,
}

impl TypeId {
    /// `text` when it names a series name and a sample type of one logical type of `tables`.
    pub fn read(text: &str, tables: &Tables) -> Result<Self, ApiError> {
        let parts: Vec<&str> = text.split(':').collect();
        let [name, kind, unit, period_kind, period_unit] = parts.as_slice() else {
            return Err(invalid(format!(
                "profile type ID {text:?} is not <name>:<type>:<unit>:<period type>:<period unit>"
            )));
        };
        if [period_kind, period_unit].iter().any(|p| p.is_empty()) {
            return Err(invalid(format!("profile type ID {text:?} has no period")));
        }
        let sample_type = format!("{kind}/{unit}");
        let known = tables.sample_types.iter().find(|(t, candidates)| {
            tables.series_names.get(t).map(String::as_str) == Some(*name)
                && candidates.contains(&sample_type)
        });
        match known {
            Some((&profile_type, _)) => Ok(TypeId {
                id: text.to_owned(),
                profile_type,
            }),
            None => Err(invalid(format!(
                "unknown profile type ID {text:?}: ProfileTypes lists the ones kept here"
            ))),
        }
    }
}

/// A Pyroscope selector, `{name="value", …}` with the operators of docs/gate.md (`=`, `!=`,
/// `=~`, `!~`); an empty one selects everything.
pub fn selector(text: &str, field: &str) -> Result<LabelSelector, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(LabelSelector::default());
    }
    let inside = trimmed
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| invalid(format!("{field}: {trimmed:?} is not a selector `{{…}}`")))?;
    LabelSelector::parse(Some(inside), field)
        .map_err(|e| invalid(format!("{field}: {}", ApiError::from(e))))
}

/// The AND of several selectors, as `Series`, `LabelNames` and `LabelValues` take them.
pub fn selectors(texts: &[String]) -> Result<LabelSelector, ApiError> {
    texts.iter().try_fold(LabelSelector::default(), |all, t| {
        Ok(all.and(&selector(t, "matchers")?))
    })
}

/// The node limit of a flame graph: unset or 0 is the default; negative or past the maximum is
/// refused.
pub fn max_nodes(asked: Option<i64>) -> Result<usize, ApiError> {
    match asked.unwrap_or(0) {
        0 => Ok(MAX_NODES_DEFAULT as usize),
        n if !(1..=MAX_NODES_MAX).contains(&n) => Err(invalid(format!(
            "max_nodes {n} is not between 1 and {MAX_NODES_MAX}"
        ))),
        n => usize::try_from(n).map_err(|_| invalid(format!("max_nodes {n} is too large"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_holds_the_profiles_that_start_in_it() {
        let w = WindowMs::read(1_000, 4_000).unwrap();
        assert!(w.holds(1_000_000_000));
        assert!(w.holds(3_999_999_999));
        assert!(!w.holds(4_000_000_000));
        assert!(!w.holds(999_999_999));
        assert!(w.holds(0), "an untimed profile counts everywhere");
        assert!(WindowMs::read(4_000, 1_000).is_err());
        assert!(WindowMs::read(0, 0).is_err());
    }

    #[test]
    fn selectors_are_braced_matchers() {
        let s = selector(r#"{service_name="checkout", version=~"1\\..*"}"#, "s").unwrap();
        assert_eq!(s.matchers().len(), 2);
        assert!(selector("{}", "s").unwrap().is_empty());
        assert!(selector("", "s").unwrap().is_empty());
        for bad in [
            "service_name=\"x\"",
            "{a=\"x\"",
            "{1a=\"x\"}",
            "{a=~\"(\"}",
            "{a=\"x\"} or 1",
        ] {
            assert!(selector(bad, "s").is_err(), "{bad}");
        }
    }

    #[test]
    fn max_nodes_defaults_and_bounds() {
        assert_eq!(max_nodes(None).unwrap(), 8_192);
        assert_eq!(max_nodes(Some(0)).unwrap(), 8_192);
        assert_eq!(max_nodes(Some(5)).unwrap(), 5);
        assert!(max_nodes(Some(-1)).is_err());
        assert!(max_nodes(Some(MAX_NODES_MAX + 1)).is_err());
    }
}
