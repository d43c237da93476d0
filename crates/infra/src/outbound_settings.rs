//! Which addresses the service may call at URLs from user input (a rule's or a registration's
//! webhook).

use ipnet::IpNet;
use serde::Deserialize;

/// Ranges of addresses refused or allowed for user-supplied URLs. Operator-set URLs
/// (Pyroscope, the SORs, Alertmanager) are trusted and not checked.
#[derive(Debug, Clone, Deserialize)]
pub struct OutboundSettings {
    /// Refused ranges; by default loopback, private (RFC 1918, `fc00::/7`), CGNAT, link-local,
    /// cloud metadata and "this network" (config/default.toml).
    pub deny: Vec<IpNet>,
    /// Exceptions to `deny`, as `delivery.allow_cidrs` (its older name, still read).
    #[serde(default)]
    pub allow: Vec<IpNet>,
}

/// `[delivery]`: where notifications may go although `outbound.deny` refuses it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryAddressSettings {
    /// Ranges a webhook may reach inside the denied ones: an in-cluster receiver, say
    /// (`["10.42.0.0/16"]`; env `DELIVERY_ALLOW_CIDRS`, comma-separated).
    #[serde(default)]
    pub allow_cidrs: Vec<IpNet>,
}

/// Reads `DELIVERY_ALLOW_CIDRS`: CIDR ranges separated by commas.
///
/// # Errors
/// The first entry that is not a CIDR range (`10.0.0.0/8`, `::1/128`), named.
pub fn parse_cidrs(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .map_err(|e| format!("`{entry}` is not a CIDR range (e.g. 10.0.0.0/8): {e}"))
        })
        .collect()
}
