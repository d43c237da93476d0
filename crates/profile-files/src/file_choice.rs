//! Which pprof sample type answers a logical type for an app's files
//! (docs/agents.md#profiles-from-files, docs/runtimes.md): the first of the configured list that a
//! file has, read with the file's period type, and the profile-type ID reported for it.

use crate::dir::listed::ProfileFile;
use pf_model::ProfileType;
use pf_pprof::SampleType;

/// The pprof sample type chosen for a logical type, and the ID reported for it.
pub(super) struct Chosen {
    pub(super) sample_type: String,
    pub(super) id: String,
}

/// The first of `candidates` (`type/unit`) that one of `files` has as `profile_type`; the
/// first candidate when none has one. `series` starts the reported ID.
pub(super) fn choose(
    profile_type: ProfileType,
    candidates: &[String],
    series: &str,
    files: &[&ProfileFile],
) -> Chosen {
    for candidate in candidates {
        for file in files {
            let p = &file.profile;
            let found = p.sample_types.iter().find(|t| t.name() == *candidate);
            if let Some(t) = found.filter(|t| counts_as(profile_type, t, p.period_type.as_ref())) {
                let period = p.period_type.as_ref().unwrap_or(t);
                return Chosen {
                    sample_type: candidate.clone(),
                    id: format!(
                        "{series}:{}:{}:{}:{}",
                        t.kind, t.unit, period.kind, period.unit
                    ),
                };
            }
        }
    }
    let first = candidates.first().map_or("", String::as_str);
    let (kind, unit) = first.split_once('/').unwrap_or((first, ""));
    Chosen {
        sample_type: first.to_owned(),
        id: format!("{series}:{kind}:{unit}:{kind}:{unit}"),
    }
}

/// A profile type a file holds, named as Pyroscope names the series of a pushed pprof
/// (docs/grafana.md#profile-types).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeldType {
    /// `<series>:<type>:<unit>:<period type>:<period unit>`.
    pub id: String,
    pub profile_type: ProfileType,
    /// The pprof sample type read for it (`type/unit`).
    pub sample_type: String,
}

/// Every type of `candidates` (logical type → sample types, as `profiles.sample_types`) that
/// `file` holds, each sample type it has of it read as [`choose`] reads it, its ID starting
/// with the type's name in `series` (as `profiles.series_names`).
pub fn held_types(
    file: &ProfileFile,
    candidates: &std::collections::BTreeMap<ProfileType, Vec<String>>,
    series: &std::collections::BTreeMap<ProfileType, String>,
) -> Vec<HeldType> {
    let p = &file.profile;
    let mut held = Vec::new();
    for (&profile_type, names) in candidates {
        let name = series
            .get(&profile_type)
            .map_or(profile_type.as_str(), String::as_str);
        for t in &p.sample_types {
            let period = p.period_type.as_ref();
            if !names.contains(&t.name()) || !counts_as(profile_type, t, period) {
                continue;
            }
            let period = period.unwrap_or(t);
            held.push(HeldType {
                id: format!(
                    "{name}:{}:{}:{}:{}",
                    t.kind, t.unit, period.kind, period.unit
                ),
                profile_type,
                sample_type: t.name(),
            });
        }
    }
    held
}

/// Whether `file` has samples of `profile_type`: one of its `candidates` (`type/unit`), read
/// as [`choose`] reads it.
pub(super) fn holds(profile_type: ProfileType, candidates: &[String], file: &ProfileFile) -> bool {
    let p = &file.profile;
    p.sample_types.iter().any(|t| {
        candidates.iter().any(|c| t.name() == *c)
            && counts_as(profile_type, t, p.period_type.as_ref())
    })
}

/// Whether a file's `sample_type` is `profile_type` given its period type (docs/runtimes.md): a
/// count of samples taken on a wall-clock period (Node's profiler) is wall time, never CPU.
fn counts_as(
    profile_type: ProfileType,
    sample_type: &SampleType,
    period: Option<&SampleType>,
) -> bool {
    let of_samples = matches!(sample_type.kind.as_str(), "samples" | "sample");
    let on_wall = period.is_some_and(|p| p.kind == "wall");
    !(profile_type == ProfileType::Cpu && of_samples && on_wall)
}

#[cfg(test)]
mod tests {
    use super::counts_as;
    use pf_model::ProfileType;
    use pf_pprof::SampleType;

    fn t(kind: &str, unit: &str) -> SampleType {
        SampleType {
            kind: kind.into(),
            unit: unit.into(),
        }
    }

    #[test]
    fn a_count_of_samples_on_a_wall_period_is_wall_not_cpu() {
        let node = (t("samples", "count"), Some(t("wall", "nanoseconds")));
        assert!(!counts_as(ProfileType::Cpu, &node.0, node.1.as_ref()));
        assert!(counts_as(ProfileType::Wall, &node.0, node.1.as_ref()));
        let go = (t("samples", "count"), Some(t("cpu", "nanoseconds")));
        assert!(counts_as(ProfileType::Cpu, &go.0, go.1.as_ref()));
        assert!(counts_as(ProfileType::Cpu, &t("samples", "count"), None));
    }
}
