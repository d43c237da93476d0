//! `Function`: which of the thirteen functions a process serves (docs/split-deployment.md), and
//! the BORs' versions.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use crate::Name;

/// The thirteen functions a process can serve, plus `all` (docs/split-deployment.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    All,
    ProfileDataSor,
    BaselineSor,
    HistorySor,
    RegistrySor,
    AlertRuleSor,
    TriageV1,
    TriageV2,
    DiffReportV1,
    DiffReportV2,
    FleetSearchV1,
    FleetSearchV2,
    AlertEvaluator,
    Watch,
}

impl Function {
    /// Every function with the `FUNCTION` value that selects it.
    pub const ALL: [(Function, &'static str); 14] = [
        (Function::All, "all"),
        (Function::ProfileDataSor, "ReadPyroscopeProfile.sor.v1"),
        (Function::BaselineSor, "ReadPyroscopeBaseline.sor.v1"),
        (Function::HistorySor, "CreatePyroscopeTriageHistory.sor.v1"),
        (Function::RegistrySor, "ReadPyroscopeServiceRegistry.sor.v1"),
        (Function::AlertRuleSor, "ReadPyroscopeAlertRule.sor.v1"),
        (Function::TriageV1, "ReadPyroscopeTriageAssessment.v1"),
        (Function::TriageV2, "ReadPyroscopeTriageAssessment.v2"),
        (Function::DiffReportV1, "ReadPyroscopeDiffReport.v1"),
        (Function::DiffReportV2, "ReadPyroscopeDiffReport.v2"),
        (Function::FleetSearchV1, "ReadPyroscopeFleetSearch.v1"),
        (Function::FleetSearchV2, "ReadPyroscopeFleetSearch.v2"),
        (Function::AlertEvaluator, "EvaluatePyroscopeAlertRules.v1"),
        (Function::Watch, "WatchPyroscopeProfiles.v1"),
    ];

    /// The `FUNCTION` value of this function.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("all", |(_, name)| name)
    }

    /// Whether this process serves `other`'s routes.
    pub fn hosts(self, other: Function) -> bool {
        self == Function::All || self == other
    }

    /// The business function this value selects, with its version; `None` for SORs and `all`.
    pub fn bor(self) -> Option<(Bor, BorVersion)> {
        match self {
            Function::TriageV1 => Some((Bor::Triage, BorVersion::V1)),
            Function::TriageV2 => Some((Bor::Triage, BorVersion::V2)),
            Function::DiffReportV1 => Some((Bor::DiffReport, BorVersion::V1)),
            Function::DiffReportV2 => Some((Bor::DiffReport, BorVersion::V2)),
            Function::FleetSearchV1 => Some((Bor::FleetSearch, BorVersion::V1)),
            Function::FleetSearchV2 => Some((Bor::FleetSearch, BorVersion::V2)),
            _ => None,
        }
    }

    /// Which version of `bor` this process serves, if any; `all` serves every BOR as v2.
    pub fn bor_version(self, bor: Bor) -> Option<BorVersion> {
        match (self, self.bor()) {
            (Function::All, _) => Some(BorVersion::V2),
            (_, Some((own, version))) if own == bor => Some(version),
            _ => None,
        }
    }

    /// What `bor` needs in this process: nothing where it does not run.
    pub fn bor_needs(self, bor: Bor) -> &'static [Name] {
        self.bor_version(bor).map_or(&[], BorVersion::needs)
    }
}

/// The three business functions (BORs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bor {
    Triage,
    DiffReport,
    FleetSearch,
}

impl Bor {
    /// Its module's row in the table.
    pub fn module(self) -> Name {
        match self {
            Bor::Triage => Name::Triage,
            Bor::DiffReport => Name::DiffReport,
            Bor::FleetSearch => Name::FleetSearch,
        }
    }

    /// Logs that this BOR started, and which of the optional SORs its version reaches.
    pub fn log_ready(self, version: BorVersion, baselines: bool, history: bool, registry: bool) {
        tracing::info!(
            bor = ?self,
            ?version,
            baselines,
            history,
            registry,
            "business function ready"
        );
    }
}

/// A BOR's version: v1 reads profiles only; v2 also uses baselines, history and the registry
/// when it can reach them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BorVersion {
    V1,
    V2,
}

impl BorVersion {
    /// What a BOR of this version needs (rule 1 of docs/split-deployment.md#the-dependency-rule):
    /// v1 Profile Data and the watcher's reads alone; v2 also the registry, and baselines and
    /// history through the reads and the writer the BORs of a process share.
    pub fn needs(self) -> &'static [Name] {
        match self {
            BorVersion::V1 => &[Name::ProfileData, Name::WatcherStores],
            BorVersion::V2 => &[
                Name::ProfileData,
                Name::WatcherStores,
                Name::Registry,
                Name::BaselineReads,
                Name::HistoryWriter,
            ],
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Function {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(Function::All);
        }
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(value))
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                let valid: Vec<&str> = Self::ALL.iter().map(|(_, name)| *name).collect();
                format!(
                    "unknown FUNCTION `{value}`; valid values: {}",
                    valid.join(", ")
                )
            })
    }
}

impl<'de> Deserialize<'de> for Function {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}
