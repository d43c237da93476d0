//! The addresses a URL from user input may reach: a pure CIDR check ([`AddressPolicy`]) and the
//! resolution of names against it ([`AddressGuard`]), which is also the DNS resolver of the
//! HTTP client that calls such URLs. Since the client connects only to the addresses this
//! resolver returned, and returns none unless every one passed, a name that resolves to a
//! public address when checked and to a denied one when called (DNS rebinding) is refused.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ipnet::IpNet;
use url::{Host, Url};

/// How long a check on save waits for DNS; a name that does not resolve in time is checked
/// again when it is called.
const SAVE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// Refused ranges and their exceptions.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    deny: Vec<IpNet>,
    allow: Vec<IpNet>,
}

impl AddressPolicy {
    pub fn new(deny: Vec<IpNet>, allow: Vec<IpNet>) -> Self {
        AddressPolicy { deny, allow }
    }

    /// Whether `ip` may be reached: it is in an `allow` range, or in no `deny` range. An
    /// IPv4-mapped IPv6 address (`::ffff:169.254.169.254`) is judged as the IPv4 one.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        let within = |nets: &[IpNet]| nets.iter().any(|net| net.contains(&ip));
        within(&self.allow) || !within(&self.deny)
    }
}

/// A URL that leads to an address the policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{host}{} is an address webhooks may not reach: loopback, private, CGNAT, link-local and \
     cloud metadata addresses are refused (outbound.deny) unless delivery.allow_cidrs names \
     their range",
    resolved(host, address)
)]
pub struct AddressDenied {
    /// The host as the URL names it.
    pub host: String,
    /// The refused address it is or resolves to.
    pub address: IpAddr,
}

/// ` resolves to <address>, which` when the host is a name; nothing for a literal.
fn resolved(host: &str, address: &IpAddr) -> String {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if literal.parse::<IpAddr>().is_ok() {
        String::new()
    } else {
        format!(" resolves to {address}, which")
    }
}

/// The webhook a notification channel names, when it is an `http(s)://` URL; any other text is
/// a channel name (`#payments-oncall`).
pub fn webhook_url(channel: &str) -> Option<Url> {
    Url::parse(channel)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// Turns a host name into addresses; injectable so tests need no DNS.
#[async_trait]
pub trait Resolver: Send + Sync {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>>;
}

/// The system resolver (`getaddrinfo`, through tokio).
pub struct SystemResolver;

#[async_trait]
impl Resolver for SystemResolver {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, 0))
            .await?
            .map(|a| a.ip())
            .collect())
    }
}

/// The policy and the resolver it judges names with.
#[derive(Clone)]
pub struct AddressGuard {
    policy: Arc<AddressPolicy>,
    resolver: Arc<dyn Resolver>,
}

impl AddressGuard {
    pub fn new(policy: AddressPolicy, resolver: Arc<dyn Resolver>) -> Self {
        AddressGuard {
            policy: Arc::new(policy),
            resolver,
        }
    }

    /// `policy` judged with the system resolver.
    pub fn system(policy: AddressPolicy) -> Self {
        Self::new(policy, Arc::new(SystemResolver))
    }

    /// The check of a URL's host when it is an IP literal; a name passes (it is checked when
    /// resolved). The HTTP client does not resolve literals, so callers check them before.
    pub fn check_literal(&self, url: &Url) -> Result<(), AddressDenied> {
        let address = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        self.judge(url.host_str().unwrap_or_default(), address)
    }

    /// The check of a notification channel when it is saved: a webhook (an `http(s)://` URL,
    /// [`webhook_url`]) as [`AddressGuard::check_url`] judges it; a channel name passes.
    pub async fn check_channel(&self, channel: &str) -> Result<(), AddressDenied> {
        match webhook_url(channel) {
            Some(url) => self.check_url(&url).await,
            None => Ok(()),
        }
    }

    /// The check when a URL is saved: a literal is judged, a name is resolved and each of its
    /// addresses judged. A name that does not resolve now passes: it may exist when called,
    /// and it is judged again then.
    pub async fn check_url(&self, url: &Url) -> Result<(), AddressDenied> {
        self.check_literal(url)?;
        let Some(Host::Domain(host)) = url.host() else {
            return Ok(());
        };
        match tokio::time::timeout(SAVE_LOOKUP_TIMEOUT, self.resolver.lookup(host)).await {
            Ok(Ok(addresses)) => addresses
                .into_iter()
                .try_for_each(|ip| self.judge(host, ip)),
            Ok(Err(_)) | Err(_) => Ok(()),
        }
    }

    fn judge(&self, host: &str, address: IpAddr) -> Result<(), AddressDenied> {
        if self.policy.permits(address) {
            Ok(())
        } else {
            Err(AddressDenied {
                host: host.to_owned(),
                address,
            })
        }
    }
}

/// As the HTTP client's resolver: every address of the name, or an error when one is refused.
impl reqwest::dns::Resolve for AddressGuard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.clone();
        Box::pin(async move {
            let host = name.as_str();
            let addresses = guard.resolver.lookup(host).await?;
            for ip in &addresses {
                guard.judge(host, *ip)?;
            }
            // The port is the URL's: the client sets it on each address.
            let addrs: reqwest::dns::Addrs =
                Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[path = "address_guard_tests.rs"]
pub(crate) mod tests;
