//! Who the audit names, who may change which app, who sees webhooks whole: plain values in,
//! the decision out.

use std::collections::HashMap;

use actix_web::ResponseError;

use super::*;

fn token(name: &str, scope: Scope, team: Option<&str>) -> Access {
    Access::Token(Caller {
        name: name.into(),
        scope,
        team: team.map(String::from),
        relay: false,
    })
}

/// The registry: `checkout` is payments', `search-api` search's, `legacy` nobody's.
struct Owners(HashMap<&'static str, Option<&'static str>>);

fn owners() -> Owners {
    Owners(HashMap::from([
        ("checkout", Some("payments")),
        ("search-api", Some("search")),
        ("legacy", None),
    ]))
}

#[async_trait]
impl AppOwners for Owners {
    async fn registration(&self, app: &AppName) -> Result<Registration, SorError> {
        Ok(match self.0.get(app.as_str()) {
            Some(team) => Registration::Registered(team.map(String::from)),
            None => Registration::Unregistered,
        })
    }
}

fn app(name: &str) -> AppName {
    name.parse().unwrap()
}

#[test]
fn the_audit_names_the_token_and_keeps_a_claim_beside_it() {
    let reader = token("dashboards", Scope::Read, None);
    let got = reader.attribute(Some("mallory".into()), None);
    assert_eq!(got.by.as_deref(), Some("dashboards"));
    assert_eq!(got.on_behalf_of.as_deref(), Some("mallory"));
    // Claiming to be oneself adds nothing.
    let same = reader.attribute(Some("dashboards".into()), None);
    assert_eq!(same, Attribution::named("dashboards"));
    // A body's onBehalfOf is a claim too; createdBy wins when both are sent.
    let both = reader.attribute(Some("alice".into()), Some("bob".into()));
    assert_eq!(both.on_behalf_of.as_deref(), Some("alice"));
    // Without tokens, as before: the claim is who did it.
    let open = Access::Open.attribute(Some("alice".into()), None);
    assert_eq!(open, Attribution::named("alice"));
}

#[test]
fn the_relay_keeps_what_the_sending_process_authenticated() {
    let relay = Access::Token(Caller {
        name: "bors".into(),
        scope: Scope::Write,
        team: None,
        relay: true,
    });
    let got = relay.attribute(Some("dashboards".into()), Some("mallory".into()));
    assert_eq!(got.by.as_deref(), Some("dashboards"));
    assert_eq!(got.on_behalf_of.as_deref(), Some("mallory"));
    assert_eq!(relay.attribute(None, None), Attribution::named("bors"));
}

#[test]
fn only_an_admin_token_deletes_history_and_moves_apps() {
    assert!(Access::Open.require_admin("deleting").is_ok());
    assert!(token("root", Scope::Admin, None)
        .require_admin("deleting")
        .is_ok());
    for refused in [
        token("ci", Scope::Write, None),
        token("dashboards", Scope::Read, None),
        Access::Anonymous,
    ] {
        let err = refused
            .require_admin("deleting a history record")
            .unwrap_err();
        assert_eq!(err.status_code().as_u16(), 403);
        assert!(err.to_string().contains("admin"), "{err}");
    }
}

#[actix_web::test]
async fn a_team_token_changes_only_its_teams_apps() {
    let registry = owners();
    let payments = token("payments-ci", Scope::Write, Some("payments"));
    assert!(payments
        .may_change(Some(&registry), &app("checkout"))
        .await
        .is_ok());
    for other in ["search-api", "legacy", "unregistered"] {
        let err = payments
            .may_change(Some(&registry), &app(other))
            .await
            .unwrap_err();
        assert_eq!(err.status_code().as_u16(), 403, "{other}");
        assert!(err.to_string().contains("payments-ci"), "{err}");
    }
    let err = payments
        .may_change(None, &app("checkout"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("REGISTRY_URL"), "{err}");
    // Unbound tokens, and no tokens, reach every app, with or without a registry.
    for anyone in [token("ci", Scope::Write, None), Access::Open] {
        for name in ["checkout", "search-api", "unregistered"] {
            assert!(anyone.may_change(Some(&registry), &app(name)).await.is_ok());
            assert!(anyone.may_change(None, &app(name)).await.is_ok());
        }
    }
}

#[actix_web::test]
async fn webhooks_are_whole_only_for_who_may_change_them() {
    let registry = owners();
    let checkout = app("checkout");
    let sees = |access: Access| {
        let registry = &registry;
        let checkout = checkout.clone();
        async move { access.sees_secrets_of(Some(registry), &checkout).await }
    };
    assert!(sees(Access::Open).await);
    assert!(sees(token("ci", Scope::Write, None)).await);
    assert!(sees(token("payments-ci", Scope::Write, Some("payments"))).await);
    assert!(!sees(token("search-ci", Scope::Write, Some("search"))).await);
    assert!(!sees(token("dashboards", Scope::Read, None)).await);
    assert!(!sees(token("root-reader", Scope::Read, Some("payments"))).await);
    assert!(!sees(Access::Anonymous).await);
    // This deployment's own processes deliver what they read, whatever their token's scope.
    let relay = Access::Token(Caller {
        name: "bors".into(),
        scope: Scope::Read,
        team: None,
        relay: true,
    });
    assert!(sees(relay).await);
}
