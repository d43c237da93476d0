//! The CIDR policy, and names judged through an injected resolver (no DNS needed).

use std::collections::HashMap;

use super::*;

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter().map(|n| n.parse().unwrap()).collect()
}

fn default_policy() -> AddressPolicy {
    AddressPolicy::new(
        nets(&["169.254.0.0/16", "fe80::/10", "0.0.0.0/8"]),
        Vec::new(),
    )
}

#[test]
fn metadata_and_link_local_are_denied_by_default_loopback_and_private_are_not() {
    let policy = default_policy();
    for denied in [
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "0.0.0.0",
        "0.1.2.3",
        "::ffff:169.254.169.254",
    ] {
        assert!(!policy.permits(denied.parse().unwrap()), "{denied}");
    }
    for allowed in [
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "93.184.216.34",
        "169.253.255.255",
        "169.255.0.0",
        "fd00::1",
    ] {
        assert!(policy.permits(allowed.parse().unwrap()), "{allowed}");
    }
}

#[test]
fn an_allow_range_is_an_exception_inside_a_denied_one() {
    let policy = AddressPolicy::new(
        nets(&["169.254.0.0/16", "127.0.0.0/8"]),
        nets(&["169.254.10.10/32"]),
    );
    assert!(policy.permits("169.254.10.10".parse().unwrap()));
    assert!(!policy.permits("169.254.10.11".parse().unwrap()));
    assert!(!policy.permits("127.0.0.1".parse().unwrap()));
    // Deny everything, allow one network: an allow list.
    let only_private = AddressPolicy::new(nets(&["0.0.0.0/0", "::/0"]), nets(&["10.0.0.0/8"]));
    assert!(only_private.permits("10.1.2.3".parse().unwrap()));
    assert!(!only_private.permits("8.8.8.8".parse().unwrap()));
    assert!(!only_private.permits("::1".parse().unwrap()));
}

/// Names resolved from a table; an unknown name does not resolve.
struct Table(HashMap<&'static str, Vec<IpAddr>>);

#[async_trait]
impl Resolver for Table {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        self.0
            .get(host)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such name"))
    }
}

pub(crate) fn guard_with(names: &[(&'static str, &[&str])]) -> AddressGuard {
    let table = names
        .iter()
        .map(|(name, ips)| (*name, ips.iter().map(|ip| ip.parse().unwrap()).collect()))
        .collect();
    AddressGuard::new(default_policy(), Arc::new(Table(table)))
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[tokio::test]
async fn a_literal_or_a_name_resolving_to_a_denied_range_is_refused_on_save() {
    let guard = guard_with(&[
        ("metadata.internal", &["169.254.169.254"]),
        ("mixed.example", &["93.184.216.34", "fe80::1"]),
        ("hooks.example", &["93.184.216.34", "10.0.0.7"]),
    ]);
    let denied = guard
        .check_url(&url("http://169.254.169.254/latest/meta-data"))
        .await
        .unwrap_err();
    assert_eq!(denied.address, "169.254.169.254".parse::<IpAddr>().unwrap());
    assert_eq!(
        denied.to_string(),
        "169.254.169.254 is an address webhooks may not reach: loopback, private, CGNAT, link-local and cloud metadata addresses are refused (outbound.deny) unless delivery.allow_cidrs names their range"
    );
    let denied = guard
        .check_url(&url("https://metadata.internal/x"))
        .await
        .unwrap_err();
    assert_eq!(
        denied.to_string(),
        "metadata.internal resolves to 169.254.169.254, which is an address webhooks may not reach: loopback, private, CGNAT, link-local and cloud metadata addresses are refused (outbound.deny) unless delivery.allow_cidrs names their range"
    );
    // One denied address among several is enough.
    assert!(guard
        .check_url(&url("http://mixed.example/"))
        .await
        .is_err());
    assert!(guard
        .check_url(&url("http://[fe80::1]:8080/"))
        .await
        .is_err());
    // Other spellings of an IPv4 literal are the same address.
    assert!(guard
        .check_url(&url("http://0xa9.0xfe.0xa9.0xfe/"))
        .await
        .is_err());
    assert!(guard
        .check_url(&url("http://[::ffff:169.254.169.254]/"))
        .await
        .is_err());

    assert_eq!(
        guard.check_url(&url("https://hooks.example/alert")).await,
        Ok(())
    );
    assert_eq!(
        guard.check_url(&url("http://127.0.0.1:9/hook")).await,
        Ok(())
    );
    // Not resolvable now: judged again when called.
    assert_eq!(
        guard.check_url(&url("http://not-yet.example/")).await,
        Ok(())
    );
}
