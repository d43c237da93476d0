//! The Pyroscope Java agent's labels: the multipart part `labels` of a JFR push is a
//! `LabelsSnapshot` (the agent's `jfr_labels.proto`, declared here by hand with its tags): each
//! context ID that the JFR's events carry (`contextId`) maps to label pairs, whose names and
//! values are IDs into the snapshot's strings.

use std::collections::HashMap;

use prost::Message;

/// `io.pyroscope.labels.pb.Context`: label name ID → value ID.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Context {
    #[prost(map = "int64, int64", tag = "1")]
    pub labels: HashMap<i64, i64>,
}

/// `io.pyroscope.labels.pb.LabelsSnapshot`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LabelsSnapshot {
    #[prost(map = "int64, message", tag = "1")]
    pub contexts: HashMap<i64, Context>,
    #[prost(map = "int64, string", tag = "2")]
    pub strings: HashMap<i64, String>,
}

/// Label pairs by context ID, resolved once.
#[derive(Debug, Default)]
pub struct ContextLabels(HashMap<i64, Vec<(String, String)>>);

impl ContextLabels {
    /// The snapshot's contexts resolved; a pair naming a string the snapshot lacks is left
    /// out, as are empty names and values.
    pub fn decode(snapshot: &[u8]) -> Result<Self, String> {
        let snapshot = LabelsSnapshot::decode(snapshot)
            .map_err(|e| format!("the part `labels` is not a LabelsSnapshot: {e}"))?;
        let text = |id: &i64| snapshot.strings.get(id).filter(|s| !s.is_empty());
        let contexts = snapshot
            .contexts
            .iter()
            .map(|(id, context)| {
                let mut pairs: Vec<(String, String)> = context
                    .labels
                    .iter()
                    .filter_map(|(k, v)| Some((text(k)?.clone(), text(v)?.clone())))
                    .collect();
                pairs.sort();
                (*id, pairs)
            })
            .collect();
        Ok(ContextLabels(contexts))
    }

    /// The labels of context `id` (none for 0 or an unknown ID).
    pub fn of(&self, id: i64) -> &[(String, String)] {
        self.0.get(&id).map_or(&[], Vec::as_slice)
    }
}
