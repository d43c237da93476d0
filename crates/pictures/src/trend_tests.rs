use roxmltree::Document;

use super::*;

fn chart<'a>(starts: &'a [i64], lines: Vec<TrendLine<'a>>, marks: Vec<TrendMark>) -> String {
    trend_svg(&TrendChart {
        title: "checkout · cpu",
        subtitle: "self share per slice",
        starts,
        lines,
        fits: Vec::new(),
        marks,
        unit: "%",
    })
}

/// One line, "f", of `values` over `starts`, with `marks`.
fn one_line_chart(starts: &[i64], values: &[Option<f64>], marks: Vec<TrendMark>) -> String {
    let line = TrendLine { label: "f", values };
    chart(starts, vec![line], marks)
}

/// The path (`d`) of the first line drawn in `svg`.
fn first_path(svg: &str) -> String {
    let doc = Document::parse(svg).unwrap();
    series(&doc)[0].attribute("d").unwrap().to_owned()
}

fn series<'a>(doc: &'a Document) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("series"))
        .collect()
}

#[test]
fn one_path_per_line_named_after_its_function() {
    let starts = [0, 300, 600];
    let a = [Some(1.0), Some(2.0), Some(1.5)];
    let b = [Some(0.5), Some(0.4), Some(0.6)];
    let svg = chart(
        &starts,
        vec![
            TrendLine {
                label: "main",
                values: &a,
            },
            TrendLine {
                label: "<script>",
                values: &b,
            },
        ],
        vec![],
    );
    let doc = Document::parse(&svg).expect("XML");
    let paths = series(&doc);
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[1].attribute("data-function"), Some("<script>"));
    assert_eq!(paths[0].attribute("d").unwrap().matches('M').count(), 1);
    assert!(!svg.contains("<script>"), "labels are escaped");
}

#[test]
fn a_missing_value_breaks_the_line() {
    let starts = [0, 300, 600, 900, 1200];
    let a = [Some(1.0), Some(2.0), None, Some(1.0), Some(1.0)];
    let svg = one_line_chart(&starts, &a, vec![]);
    let d = first_path(&svg);
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert_eq!(d.matches('L').count(), 2, "{d}");
}

#[test]
fn the_highest_value_reaches_the_top_of_a_nice_axis() {
    let starts = [0, 300];
    let a = [Some(0.0), Some(4.0)];
    let svg = one_line_chart(&starts, &a, vec![]);
    // 4 % rounds up to a 5 % axis: 4/5 of the plot height above the bottom.
    let expected_y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * 0.8;
    let d = first_path(&svg);
    assert!(d.ends_with(&format!("{expected_y:.1}")), "{d}");
    assert!(svg.contains(">5%<"));
    assert_eq!(nice_ceiling(0.37), 0.5);
    assert_eq!(nice_ceiling(12.0), 20.0);
    assert_eq!(nice_ceiling(0.0), 1.0);
}

#[test]
fn version_marks_are_dashed_and_labelled() {
    let starts = [0, 300, 600];
    let a = [Some(1.0), Some(1.0), Some(3.0)];
    let svg = one_line_chart(
        &starts,
        &a,
        vec![TrendMark {
            index: 2,
            text: "version 2.0".into(),
            kind: MarkKind::Version,
        }],
    );
    let doc = Document::parse(&svg).unwrap();
    let mark = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("mark version"))
        .expect("a version mark");
    assert!(mark.descendants().any(|n| n.text() == Some("version 2.0")));
}

#[test]
fn nothing_to_draw_says_so() {
    let svg = chart(&[], vec![], vec![]);
    let doc = Document::parse(&svg).unwrap();
    assert!(series(&doc).is_empty());
    assert!(svg.contains("No summarized slices"));
}

#[test]
fn a_single_point_is_still_drawn() {
    let a = [Some(2.0)];
    let svg = chart(
        &[0],
        vec![TrendLine {
            label: "f",
            values: &a,
        }],
        vec![],
    );
    let doc = Document::parse(&svg).unwrap();
    assert!(series(&doc)[0].attribute("d").unwrap().contains('h'));
}
