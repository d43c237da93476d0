//! Who may call this process, and where a user's URL may lead: the access control and the
//! address guard as the HTTP edge and the alert delivery get them.

use std::net::IpAddr;

use actix_web::web;

use crate::app::openapi;
use crate::app::openapi::RoutesDoc;
use crate::settings::Settings;
use pf_http::auth::Authenticator;
use pf_infra::address_guard::{AddressGuard, AddressPolicy};
use secrecy::ExposeSecret;

/// What the HTTP edge is given: the access control and the address guard as the routes' app
/// data, and the OpenAPI document it serves.
pub(super) struct Edge {
    pub(super) auth: web::Data<Authenticator>,
    pub(super) guard: web::Data<AddressGuard>,
    pub(super) doc: utoipa::openapi::OpenApi,
}

/// The edge of `settings` for `routes`: the document declares the bearer scheme when tokens
/// are required.
pub(super) fn edge(settings: &Settings, routes: &[RoutesDoc]) -> Edge {
    let auth = authenticator(settings);
    let mut doc = openapi::document(routes);
    if auth.enabled() {
        doc = openapi::secured(doc, auth.exempt());
    }
    Edge {
        auth: web::Data::new(auth),
        guard: web::Data::new(address_guard(settings)),
        doc,
    }
}

/// The access control of `settings`; warns when there is none and the service listens beyond
/// loopback, where anyone who reaches the port can change thresholds and rules. `sors.token`,
/// which this deployment's processes send each other, relays who a BOR authenticated.
fn authenticator(settings: &Settings) -> Authenticator {
    let relay = settings
        .sors
        .token
        .as_ref()
        .map(|t| t.expose_secret().as_bytes());
    let auth = Authenticator::new(&settings.auth).with_relay(relay);
    let host = settings.server.host.as_str();
    if !auth.enabled() && !is_loopback(host) {
        tracing::warn!(
            host,
            "no API tokens are configured and the service listens beyond loopback: anyone who \
             reaches it can change baselines and alert rules (set API_TOKENS)"
        );
    }
    auth
}

fn is_loopback(host: &str) -> bool {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The addresses a webhook may reach: none in `outbound.deny` unless `delivery.allow_cidrs` (or
/// its older name `outbound.allow`) names its range.
pub(super) fn address_guard(settings: &Settings) -> AddressGuard {
    let outbound = &settings.outbound;
    let mut allow = outbound.allow.clone();
    allow.extend(settings.delivery.allow_cidrs.iter().copied());
    AddressGuard::system(AddressPolicy::new(outbound.deny.clone(), allow))
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_loopback_hosts_stay_quiet() {
        for quiet in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(quiet), "{quiet}");
        }
        for loud in ["0.0.0.0", "::", "10.0.0.5", "service.internal"] {
            assert!(!is_loopback(loud), "{loud}");
        }
    }
}
