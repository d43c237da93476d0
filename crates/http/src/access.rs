//! What a route may do for its caller (SPEC §35, docs/api.md#teams-and-admin-tokens): whom the
//! audit names, which apps a team's token changes, who deletes history and gives an app to
//! another team, and who sees a webhook's URL whole. The token was checked by the middleware
//! (`crate::auth`); this reads what it left, once, as [`Access`].

use std::collections::HashMap;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use async_trait::async_trait;

use crate::auth::{Authenticator, Caller};
use crate::auth_settings::Scope;
use crate::error::ApiError;
use crate::secrets::shown_channel;
use pf_infra::sor::SorError;
use pf_model::AppName;

/// Who is asking, as far as the edge knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No tokens are configured: everyone may do everything, and names what they claim.
    Open,
    /// Tokens are configured but this path is exempt (`auth.exempt`): nobody is known.
    Anonymous,
    /// A known token.
    Token(Caller),
}

/// What a stored row says of who made it: the identity that authenticated (`requestedBy`,
/// `createdBy`), and whom they said they acted for (`onBehalfOf`), kept beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub by: Option<String>,
    pub on_behalf_of: Option<String>,
}

impl Attribution {
    /// Someone named, acting for no one else (tests, and rows made without a request).
    pub fn named(by: &str) -> Self {
        Attribution {
            by: Some(by.to_owned()),
            on_behalf_of: None,
        }
    }
}

/// Someone named, acting for no one else.
impl From<&str> for Attribution {
    fn from(by: &str) -> Self {
        Attribution::named(by)
    }
}

/// Whether an app is in the registry, and whose it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    Unregistered,
    /// Registered; the team is its `teamOwner`, `None` when it names none.
    Registered(Option<String>),
}

/// The registry as the routes of other stores ask it who owns an app.
///
/// # Errors
/// `Unavailable` (or any other `SorError`) when the registry cannot be read: the change is
/// refused with it rather than allowed unchecked.
#[async_trait]
pub trait AppOwners: Send + Sync {
    async fn registration(&self, app: &AppName) -> Result<Registration, SorError>;
}

impl Access {
    /// The caller's token, when one authenticated.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Access::Token(caller) => Some(caller),
            Access::Open | Access::Anonymous => None,
        }
    }

    /// The team the caller's token is bound to.
    pub fn team(&self) -> Option<&str> {
        self.caller().and_then(|c| c.team.as_deref())
    }

    /// Who a row is attributed to. `claimed` is who the request says made it (`X-Requested-By`,
    /// a body's `createdBy` or `requestedBy`), `claimed_for` a body's `onBehalfOf`. In open mode
    /// both are kept as sent, as before tokens. With a token its name is who made it and a
    /// claim is kept as `onBehalfOf`, never instead; except from the deployment's own relay
    /// (`sors.token`), whose rows carry what the sending process authenticated.
    pub fn attribute(&self, claimed: Option<String>, claimed_for: Option<String>) -> Attribution {
        match self {
            Access::Open => Attribution {
                by: claimed,
                on_behalf_of: claimed_for,
            },
            Access::Token(caller) if caller.relay => Attribution {
                by: claimed.or_else(|| Some(caller.name.clone())),
                on_behalf_of: claimed_for,
            },
            Access::Token(caller) => Attribution {
                by: Some(caller.name.clone()),
                on_behalf_of: claimed.or(claimed_for).filter(|c| *c != caller.name),
            },
            Access::Anonymous => Attribution {
                by: None,
                on_behalf_of: claimed.or(claimed_for),
            },
        }
    }

    /// 403 unless the caller is an `admin` token (or there are no tokens at all): deleting a
    /// history record, changing an app's `teamOwner`.
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        match self {
            Access::Open => Ok(()),
            Access::Token(caller) if caller.scope == Scope::Admin => Ok(()),
            Access::Token(caller) => Err(ApiError::Forbidden(format!(
                "{what} needs an admin token; the token `{}` is not one",
                caller.name
            ))),
            Access::Anonymous => Err(ApiError::Forbidden(format!("{what} needs an admin token"))),
        }
    }

    /// 403 unless the caller may change `app`'s baselines, rules and registry entry: any app
    /// for a token bound to no team (and without tokens); for a team's token, only an app the
    /// registry gives to its team. An app the registry does not hold belongs to no team yet:
    /// a team's token registers it for its team first (`POST /services`).
    pub async fn may_change(
        &self,
        owners: Option<&dyn AppOwners>,
        app: &AppName,
    ) -> Result<(), ApiError> {
        let (Some(caller), Some(team)) = (self.caller(), self.team()) else {
            return Ok(());
        };
        let Some(owners) = owners else {
            return Err(ApiError::Forbidden(format!(
                "the token `{}` is bound to team `{team}`, and this process reaches no registry \
                 to tell whose `{app}` is (set REGISTRY_URL)",
                caller.name
            )));
        };
        let refused = |why: String| {
            ApiError::Forbidden(format!(
                "{why}; the token `{}` changes only team `{team}`'s apps",
                caller.name
            ))
        };
        match owners.registration(app).await? {
            Registration::Registered(Some(owner)) if owner == team => Ok(()),
            Registration::Registered(Some(owner)) => {
                Err(refused(format!("`{app}` belongs to team `{owner}`")))
            }
            Registration::Registered(None) => Err(refused(format!(
                "`{app}` is registered without a teamOwner (an admin token gives it one)"
            ))),
            Registration::Unregistered => Err(refused(format!(
                "`{app}` is not in the registry: register it for team `{team}` first \
                 (POST /services)"
            ))),
        }
    }

    /// Whether the caller sees the webhook URLs of `app` whole: without tokens, as before;
    /// with them, only a token that may change the app (`write` or `admin`, of its team when
    /// bound to one). Everyone else sees them redacted (`crate::secrets`).
    pub async fn sees_secrets_of(&self, owners: Option<&dyn AppOwners>, app: &AppName) -> bool {
        let relay = self.caller().is_some_and(|c| c.relay);
        if relay || self.team().is_none() || !self.writes() {
            return self.sees_secrets_registered(None);
        }
        match owners.map(|o| o.registration(app)) {
            Some(lookup) => match lookup.await {
                Ok(Registration::Registered(team)) => self.sees_secrets_registered(team.as_deref()),
                Ok(Registration::Unregistered) | Err(_) => false,
            },
            None => false,
        }
    }

    /// [`Access::sees_secrets_of`] an app whose registration names `team_owner`.
    pub fn sees_secrets_registered(&self, team_owner: Option<&str>) -> bool {
        match self {
            Access::Open => true,
            Access::Anonymous => false,
            // This deployment's own processes deliver the webhooks they read.
            Access::Token(caller) if caller.relay => true,
            Access::Token(caller) if !caller.scope.writes() => false,
            Access::Token(caller) => match caller.team.as_deref() {
                None => true,
                Some(team) => team_owner == Some(team),
            },
        }
    }

    /// Whether the caller may change anything at all (no tokens, or a `write` or `admin` one).
    fn writes(&self) -> bool {
        match self {
            Access::Open => true,
            Access::Anonymous => false,
            Access::Token(caller) => caller.scope.writes(),
        }
    }
}

/// A row that may name a webhook (a rule, a registration): its app and its channel.
pub trait Notifies {
    fn app_name(&self) -> &str;
    fn channel_mut(&mut self) -> &mut Option<String>;
}

impl Access {
    /// Redacts the webhook URLs in `rows` that the caller may not see whole
    /// ([`Access::sees_secrets_of`], `crate::secrets::shown_channel`), asking the registry once
    /// per app at most.
    pub async fn redact<T: Notifies>(&self, owners: Option<&dyn AppOwners>, rows: &mut [T]) {
        let mut whole: HashMap<String, bool> = HashMap::new();
        for row in rows {
            if row.channel_mut().is_none() {
                continue;
            }
            let app = row.app_name().to_owned();
            let sees = match whole.get(&app) {
                Some(sees) => *sees,
                None => {
                    let sees = match app.parse::<AppName>() {
                        Ok(name) => self.sees_secrets_of(owners, &name).await,
                        Err(_) => false,
                    };
                    whole.insert(app, sees);
                    sees
                }
            };
            if !sees {
                let channel = row.channel_mut();
                *channel = channel.as_deref().map(shown_channel);
            }
        }
    }
}

impl FromRequest for Access {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let access = match req.extensions().get::<Caller>() {
            Some(caller) => Access::Token(caller.clone()),
            None => {
                let tokens = req
                    .app_data::<web::Data<Authenticator>>()
                    .is_some_and(|auth| auth.enabled());
                if tokens {
                    Access::Anonymous
                } else {
                    Access::Open
                }
            }
        };
        std::future::ready(Ok(access))
    }
}

/// The registry of this process for [`Access::may_change`], when it has one: the routes of
/// the stores take it as `Option<web::Data<dyn AppOwners>>`.
pub fn owners(data: &Option<web::Data<dyn AppOwners>>) -> Option<&dyn AppOwners> {
    data.as_ref().map(|d| d.get_ref())
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
