//! Fleet arithmetic: substring search and hotspot grouping over apps' top functions. Pure.

use std::collections::HashMap;

use pf_model::{normalize_function_name, separator_form, FunctionStat};

/// How many of each app's top functions are searched and grouped.
pub const TOP_FUNCTIONS: usize = 50;

/// One app's top functions, ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct AppTop {
    pub app: String,
    pub functions: Vec<FunctionStat>,
}

impl AppTop {
    /// Ranks `functions` by self samples (then name) and keeps the top [`TOP_FUNCTIONS`].
    pub fn new(app: String, mut functions: Vec<FunctionStat>) -> Self {
        functions.sort_by(|a, b| {
            b.self_samples
                .cmp(&a.self_samples)
                .then_with(|| a.name.cmp(&b.name))
        });
        functions.truncate(TOP_FUNCTIONS);
        AppTop { app, functions }
    }
}

/// Functions whose name contains `query`, ignoring case and treating `/`, `.` and `::` alike;
/// by selfPercent (largest first), then app, then function name.
pub fn search<'a>(query: &str, apps: &'a [AppTop]) -> Vec<(&'a str, &'a FunctionStat)> {
    let needle = separator_form(query, true);
    let mut found: Vec<(&str, &FunctionStat)> = apps
        .iter()
        .flat_map(|top| top.functions.iter().map(move |f| (top.app.as_str(), f)))
        .filter(|(_, f)| separator_form(&f.name, true).contains(&needle))
        .collect();
    found.sort_by(|(app_a, a), (app_b, b)| {
        b.self_percent
            .total_cmp(&a.self_percent)
            .then_with(|| app_a.cmp(app_b))
            .then_with(|| a.name.cmp(&b.name))
    });
    found
}

/// A function hot across apps.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotScore {
    /// The name as Pyroscope gave it, in the first app (by app name) where it appears.
    pub function: String,
    /// (app, selfPercent), largest first, then app.
    pub services: Vec<(String, f64)>,
    pub max_self_percent: f64,
    /// `services.len() × max_self_percent`.
    pub impact_score: f64,
}

/// Groups the apps' top functions by normalised name and ranks the groups by impact score,
/// then service count (largest first), then name; at most `limit`.
///
/// Within one app, variants of one normalised name (two lambda classes of one restart
/// straddling the window) add up: they are the same code.
pub fn hotspots(apps: &[AppTop], limit: usize) -> Vec<HotspotScore> {
    let mut ordered: Vec<&AppTop> = apps.iter().collect();
    ordered.sort_by(|a, b| a.app.cmp(&b.app));
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<HotspotScore> = Vec::new();
    for top in ordered {
        for f in &top.functions {
            let slot = *index
                .entry(normalize_function_name(&f.name))
                .or_insert_with(|| {
                    groups.push(HotspotScore {
                        function: f.name.clone(),
                        services: Vec::new(),
                        max_self_percent: 0.0,
                        impact_score: 0.0,
                    });
                    groups.len() - 1
                });
            let services = &mut groups[slot].services;
            match services.last_mut() {
                Some((app, percent)) if *app == top.app => *percent += f.self_percent,
                _ => services.push((top.app.clone(), f.self_percent)),
            }
        }
    }
    for group in &mut groups {
        group
            .services
            .sort_by(|(app_a, a), (app_b, b)| b.total_cmp(a).then_with(|| app_a.cmp(app_b)));
        group.max_self_percent = group.services.first().map_or(0.0, |(_, p)| *p);
        group.impact_score = group.services.len() as f64 * group.max_self_percent;
    }
    groups.sort_by(|a, b| {
        b.impact_score
            .total_cmp(&a.impact_score)
            .then_with(|| b.services.len().cmp(&a.services.len()))
            .then_with(|| a.function.cmp(&b.function))
    });
    groups.truncate(limit);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use pf_testing::pct;

    fn app(name: &str, functions: Vec<FunctionStat>) -> AppTop {
        AppTop::new(name.to_owned(), functions)
    }

    #[test]
    fn search_ignores_case_and_separator_style() {
        let apps = [
            app(
                "b-svc",
                vec![
                    pct("java/util/HashMap.resize", 3.0),
                    pct("com/acme/Other.run", 9.0),
                ],
            ),
            app("a-svc", vec![pct("java.util.HashMap.resize", 3.0)]),
            app(
                "c-svc",
                vec![pct("std::collections::hashmap::HashMap::resize", 7.0)],
            ),
        ];
        let found: Vec<(&str, &str)> = search("hashmap.RESIZE", &apps)
            .into_iter()
            .map(|(a, f)| (a, f.name.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("c-svc", "std::collections::hashmap::HashMap::resize"),
                ("a-svc", "java.util.HashMap.resize"),
                ("b-svc", "java/util/HashMap.resize"),
            ]
        );
        assert_eq!(search("util/hashmap", &apps).len(), 2);
        assert!(search("nothing", &apps).is_empty());
    }

    #[test]
    fn only_each_apps_top_50_functions_are_considered() {
        let mut functions: Vec<FunctionStat> = (0..50)
            .map(|i| pct(&format!("f{i:02}"), 1.0 + i as f64))
            .collect();
        functions.push(pct("needle", 0.5));
        assert!(search("needle", &[app("a", functions)]).is_empty());
    }

    #[test]
    fn hotspots_rank_by_impact_then_service_count_then_name() {
        let apps = [
            app(
                "b",
                vec![pct("shared", 10.0), pct("solo-b", 30.0), pct("tie-x", 5.0)],
            ),
            app(
                "a",
                vec![pct("shared", 6.0), pct("tie-y", 10.0), pct("tie-x", 5.0)],
            ),
        ];
        let ranked = hotspots(&apps, 10);
        let order: Vec<(&str, usize, f64)> = ranked
            .iter()
            .map(|h| (h.function.as_str(), h.services.len(), h.impact_score))
            .collect();
        // solo-b 1×30 = 30; shared 2×10 = 20; tie-x 2×5 = 10 beats tie-y 1×10 = 10 on count.
        assert_eq!(
            order,
            [
                ("solo-b", 1, 30.0),
                ("shared", 2, 20.0),
                ("tie-x", 2, 10.0),
                ("tie-y", 1, 10.0)
            ]
        );
        assert_eq!(
            ranked[1].services,
            [("b".to_owned(), 10.0), ("a".to_owned(), 6.0)]
        );
        assert_eq!(hotspots(&apps, 1).len(), 1);
    }

    #[test]
    fn equal_impact_and_count_fall_back_to_the_name() {
        let apps = [app("a", vec![pct("zeta", 4.0), pct("alpha", 4.0)])];
        let names: Vec<_> = hotspots(&apps, 10)
            .into_iter()
            .map(|h| h.function)
            .collect();
        assert_eq!(names, ["alpha", "zeta"]);
    }

    #[test]
    fn hotspots_group_by_normalised_name_and_show_the_first_apps_spelling() {
        let apps = [
            app("z-svc", vec![pct("Foo$$Lambda$9/0x02.apply", 4.0)]),
            app(
                "a-svc",
                vec![
                    pct("Foo$$Lambda$7/0x01.apply", 2.0),
                    pct("Foo$$Lambda$8/0x03.apply", 1.0),
                ],
            ),
        ];
        let ranked = hotspots(&apps, 10);
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].function, "Foo$$Lambda$7/0x01.apply");
        assert_eq!(
            ranked[0].services,
            [("z-svc".to_owned(), 4.0), ("a-svc".to_owned(), 3.0)]
        );
        assert_eq!(ranked[0].impact_score, 8.0);
    }
}
