//! Which files and samples a query reads (docs/grafana.md#labels-and-series). A file of the
//! profile directories is one series per profile type it holds, labelled as Pyroscope labels a
//! pushed profile: `service_name` (its app), `__name__`, `__profile_type__`, `__type__`,
//! `__unit__`, `__period_type__`, `__period_unit__`, and each string label its samples carry with
//! one value (the push's labels). Matchers on those reserved names pick files; the others pick
//! samples by their string labels, as `/profiles?labels=` does.

use std::collections::BTreeMap;

use super::request::{id_parts, TypeId, WindowMs};
use super::tables::Tables;
use pf_model::LabelSelector;
use pf_profile_files::{held_types, HeldType, ProfileFile, Snapshot};

/// The label that names the app, as Pyroscope's agents send it.
pub const SERVICE_NAME: &str = "service_name";

/// Labels every series has, from its file rather than its samples.
const RESERVED: [&str; 7] = [
    SERVICE_NAME,
    "__name__",
    "__profile_type__",
    "__type__",
    "__unit__",
    "__period_type__",
    "__period_unit__",
];

/// A series' labels, by name.
pub type SeriesLabels = BTreeMap<String, String>;

/// The labels of `file`'s series of `held`.
pub fn series_labels(file: &ProfileFile, held: &HeldType) -> SeriesLabels {
    let mut labels = SeriesLabels::new();
    for name in file.profile.labels.names() {
        let mut values = file.profile.labels.values(name).into_iter().flatten();
        if let (Some(one), None) = (values.next(), values.next()) {
            labels.insert(name.to_owned(), one.to_owned());
        }
    }
    let [name, kind, unit, period_kind, period_unit] = id_parts(&held.id);
    let reserved = [
        (SERVICE_NAME, file.app.as_str()),
        ("__profile_type__", held.id.as_str()),
        ("__name__", name),
        ("__type__", kind),
        ("__unit__", unit),
        ("__period_type__", period_kind),
        ("__period_unit__", period_unit),
    ];
    for (name, value) in reserved {
        labels.insert(name.to_owned(), value.to_owned());
    }
    labels
}

/// Every series of the window's files: each file's label set per type it holds.
pub fn all_series<'a>(
    snapshot: &'a Snapshot,
    tables: &'a Tables,
    window: WindowMs,
) -> impl Iterator<Item = (&'a ProfileFile, HeldType, SeriesLabels)> + 'a {
    snapshot
        .files
        .iter()
        .filter(move |f| window.holds(f.time_nanos))
        .flat_map(move |f| {
            held_types(f, &tables.sample_types, &tables.series_names)
                .into_iter()
                .map(move |held| {
                    let labels = series_labels(f, &held);
                    (f, held, labels)
                })
        })
}

/// Whether a series' labels pass `selector`.
pub fn selects(selector: &LabelSelector, labels: &SeriesLabels) -> bool {
    selector
        .filter()
        .matches(|name| labels.get(name).map(String::as_str))
}

/// What a select reads: the files (with their series' labels), the sample type, and the
/// matchers left for the samples.
pub struct Picked<'a> {
    pub files: Vec<(&'a ProfileFile, SeriesLabels)>,
    pub sample_type: String,
    pub samples: LabelSelector,
}

/// The files of `type_id` in `window` whose series pass the matchers of `selector` on reserved
/// names; its other matchers are left for the samples.
pub fn pick<'a>(
    snapshot: &'a Snapshot,
    tables: &'a Tables,
    type_id: &TypeId,
    selector: &LabelSelector,
    window: WindowMs,
) -> Picked<'a> {
    let (by_file, by_sample) = selector.split(|name| RESERVED.contains(&name));
    let by_file = by_file.filter();
    let mut sample_type = String::new();
    let mut files = Vec::new();
    for (file, held, labels) in all_series(snapshot, tables, window) {
        if held.id == type_id.id && by_file.matches(|name| labels.get(name).map(String::as_str)) {
            sample_type = held.sample_type;
            files.push((file, labels));
        }
    }
    Picked {
        files,
        sample_type,
        samples: by_sample,
    }
}
