//! Which addresses the service may call at URLs from user input (a rule's webhook).

use ipnet::IpNet;
use serde::Deserialize;

/// Ranges of addresses refused or allowed for user-supplied URLs. Operator-set URLs
/// (Pyroscope, the SORs, Alertmanager) are trusted and not checked.
#[derive(Debug, Clone, Deserialize)]
pub struct OutboundSettings {
    /// Refused ranges; by default cloud metadata and link-local (169.254.0.0/16, fe80::/10)
    /// and "this network" (0.0.0.0/8).
    pub deny: Vec<IpNet>,
    /// Exceptions to `deny`: an address in one of these is allowed even inside a denied range.
    #[serde(default)]
    pub allow: Vec<IpNet>,
}
