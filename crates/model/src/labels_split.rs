//! A selector cut in two by label name (docs/grafana.md#labels-and-series): the querier's
//! matchers on a series' own labels choose files, the others choose samples.

use super::LabelSelector;

impl LabelSelector {
    /// The matchers on the names `pick` takes, and the others, each in order.
    pub fn split(&self, pick: impl Fn(&str) -> bool) -> (LabelSelector, LabelSelector) {
        let (picked, rest) = self.0.iter().cloned().partition(|m| pick(&m.name));
        (LabelSelector(picked), LabelSelector(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selector_splits_by_name_keeping_order() {
        let s = LabelSelector::parse(Some(r#"service_name="a",version="1",__name__="x""#), "l")
            .unwrap();
        let (own, rest) = s.split(|n| n == "service_name" || n.starts_with("__"));
        assert_eq!(own.to_string(), r#"service_name="a",__name__="x""#);
        assert_eq!(rest.to_string(), r#"version="1""#);
    }
}
