//! Profiles pushed by agents (docs/agents.md#pushing-from-agents): the bodies of Pyroscope's
//! `/ingest`, of its Connect `Push` and of OTLP/HTTP profiles decoded into one form, [`Pushed`] —
//! an app, its labels, its time and a pprof — which the profile store keeps. A JFR recording
//! (`formats::jfr`) becomes one pprof per logical type it has events of. Pure: bytes in, values
//! out; the routes and the store do the I/O.

mod form;
mod intake;
mod jfr_push;
mod model;
mod name;
mod otlp;
mod push;
mod refusal;
mod routes;
mod settings;
mod start;
mod wire_docs;

pub use form::{ingest_body, BodyForm, IngestQuery};
pub use model::WireEncoding;
pub use name::parse_name;
pub use otlp::{decode_otlp, OtlpExport};
pub use pf_profile_files::{IngestError, LabelSet, Pushed};
pub use push::{decode_push, gunzip};
pub use routes::ROUTES;
pub use settings::IngestSettings;
pub use start::{start, Ingest, IntakeSettings};
pub use wire_docs::ConnectErrorBody;

#[cfg(test)]
mod tests {
    use pf_profile_files::LabelSet;

    #[test]
    fn label_names_become_selectable_and_empty_labels_are_left_out() {
        let mut labels = LabelSet::default();
        labels.insert("service.name", "cart");
        labels.insert("9lives", "x");
        labels.insert("empty", "");
        labels.insert("", "nameless");
        labels.insert("version", "1");
        labels.insert("version", "2");
        assert_eq!(
            labels.pairs(),
            [("_9lives", "x"), ("service_name", "cart"), ("version", "2")]
        );
    }
}

#[cfg(test)]
#[path = "decode_fuzz_tests.rs"]
mod decode_fuzz_tests;
