//! An app's trend as one self-contained HTML page (`GET /trends/{appName}?format=html`,
//! docs/front-door.md#an-apps-trend-as-a-page): the line chart of its top functions with versions
//! and its regressions marked, the marked changes with links to their pages, and the same trend's
//! other forms. Pure.

use crate::ChangeMark;
use pf_model::trend_view::Trends;
use pf_model::utc::{utc_text, MINUTE};
use pf_pictures::{href, trends_svg_changes, Cell, Page};

/// The page of `trends`, with `marks` on the chart and listed below it.
pub fn render(trends: &Trends, marks: &[ChangeMark]) -> String {
    let mut page = Page::new(&format!(
        "Trend: {} · {}",
        trends.app_name, trends.profile_type
    ));
    page.facts(&[
        ("App", trends.app_name.clone()),
        ("Profile type", trends.profile_type.to_string()),
        (
            "Window",
            format!(
                "{} – {}",
                utc_text(trends.from, MINUTE),
                utc_text(trends.to, MINUTE)
            ),
        ),
        (
            "Slices",
            format!(
                "{} summarized, {} s each",
                trends.slices.len(),
                trends.slice_seconds
            ),
        ),
    ]);
    if trends.slices.is_empty() {
        page.note("No summarized slice in this window.");
    } else {
        let changes: Vec<(i64, String)> = marks
            .iter()
            .map(|m| (m.at, short_name(&m.function).to_owned()))
            .collect();
        page.svg(&trends_svg_changes(trends, &changes));
    }
    page.heading("Regressions and leaks in this window");
    if marks.is_empty() {
        page.note("None.");
    } else {
        page.table(
            &["Change point", "What", "Function", "Page"],
            marks.iter().map(|m| {
                vec![
                    Cell::Owned(utc_text(m.at, MINUTE)),
                    Cell::Text(&m.what),
                    Cell::Code(&m.function),
                    Cell::Links(vec![("page".to_owned(), m.href.clone())]),
                ]
            }),
        );
    }
    page.heading("The same trend");
    let app = trends.app_name.as_str();
    let window = |format: &str| {
        href(
            &["trends", app],
            &[
                ("type", trends.profile_type.to_string()),
                ("from", trends.from.to_string()),
                ("to", trends.to.to_string()),
                ("format", format.to_owned()),
            ],
        )
    };
    page.table(
        &["As", "Link"],
        [
            vec![
                Cell::Text("JSON"),
                Cell::Links(vec![("trend".to_owned(), window("json"))]),
            ],
            vec![
                Cell::Text("SVG"),
                Cell::Links(vec![("chart".to_owned(), window("svg"))]),
            ],
            vec![
                Cell::Text("Front door"),
                Cell::Links(vec![("every app".to_owned(), "/".to_owned())]),
            ],
        ],
    );
    page.finish()
}

/// The last segment of a function name: `java/util/regex/Pattern.compile` → `Pattern.compile`.
fn short_name(function: &str) -> &str {
    function.rsplit(['/', '\\']).next().unwrap_or(function)
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::ChangeMark;
    use pf_model::trend_view::{TrendSeries, TrendSlice, Trends};
    use pf_model::ProfileType;

    #[test]
    fn the_page_marks_each_change_and_escapes_names() {
        let trends = Trends {
            app_name: "a<b".into(),
            profile_type: ProfileType::Cpu,
            slice_seconds: 300,
            from: 0,
            to: 900,
            slices: (0..3)
                .map(|i| TrendSlice {
                    start: i * 300,
                    total_samples: 100,
                    versions: vec![],
                })
                .collect(),
            series: vec![TrendSeries {
                function: "<f>".into(),
                self_samples: vec![Some(1), Some(5), Some(6)],
                self_percent: vec![Some(1.0), Some(5.0), Some(6.0)],
                total_samples: vec![Some(1), Some(5), Some(6)],
            }],
        };
        let marks = [ChangeMark {
            at: 300,
            function: "pkg/<f>".into(),
            what: "confirmed regression".into(),
            href: "/regressions/3?format=html".into(),
        }];
        let html = render(&trends, &marks);
        assert!(!html.contains("<f>") && !html.contains("a<b"), "{html}");
        assert!(
            html.contains("class=\"mark change\""),
            "the change is marked on the chart"
        );
        assert!(html.contains("<a href=\"/regressions/3?format=html\">page</a>"));
        assert!(
            html.contains("href=\"/trends/a%3Cb?type=cpu&amp;from=0&amp;to=900&amp;format=svg\"")
        );
    }
}
