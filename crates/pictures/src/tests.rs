use roxmltree::Document;

use super::*;
pub(crate) use pf_testing::trees::tree_of;

/// (title, x, width, fill) of every frame.
fn frames_of(svg: &str) -> Vec<(String, f64, f64, String)> {
    let doc = Document::parse(svg).expect("the SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("f"))
        .map(|g| {
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_default()
                .to_owned();
            let rect = g
                .children()
                .find(|c| c.has_tag_name("rect"))
                .expect("a rect");
            let num = |a| {
                rect.attribute(a)
                    .and_then(|v| v.parse().ok())
                    .expect("a number")
            };
            let fill = rect.attribute("fill").unwrap_or_default().to_owned();
            (title, num("x"), num("width"), fill)
        })
        .collect()
}

fn captions(interactive: bool) -> Captions<'static> {
    Captions {
        title: "Flame graph",
        subtitle: "checkout · cpu",
        interactive,
    }
}

#[test]
fn frames_carry_their_samples_and_widths_proportional_to_them() {
    let tree = tree_of(&[
        ("main;java/util/HashMap.resize", 600),
        ("main;com/acme/Pricing.apply", 300),
        ("G1 Young Generation", 100),
    ]);
    let svg = flame_graph(&tree, &captions(true));
    let frames = frames_of(&svg);
    let find = |name: &str| {
        frames
            .iter()
            .find(|f| f.0.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("a frame for {name} in {frames:?}"))
    };
    assert_eq!(find("all").0, "all (1,000 samples, 100.00%)");
    let resize = find("java/util/HashMap.resize");
    assert_eq!(resize.0, "java/util/HashMap.resize (600 samples, 60.00%)");
    let apply = find("com/acme/Pricing.apply");
    assert_eq!(apply.0, "com/acme/Pricing.apply (300 samples, 30.00%)");
    let all = find("all");
    assert!(
        (resize.2 / all.2 - 0.6).abs() < 1e-3,
        "{} of {}",
        resize.2,
        all.2
    );
    assert!((apply.2 / all.2 - 0.3).abs() < 1e-3);
    assert!((find("main").2 / all.2 - 0.9).abs() < 1e-3);
    // Children start at their parent's left edge.
    assert!((find("main").1 - all.1).abs() < 1e-6);
    assert!(svg.contains("<script>"), "a standalone picture zooms");
    assert!(!flame_graph(&tree, &captions(false)).contains("<script"));
}

#[test]
fn hostile_names_render_as_text() {
    let hostile = [
        "<script>alert(1)</script>",
        "]]><svg onload=alert(1)>",
        "a & b \"quoted\" 'single'",
        "ctl\u{1}char",
    ];
    let stacks: Vec<(&str, u64)> = hostile.iter().map(|n| (*n, 100)).collect();
    for svg in [
        flame_graph(&tree_of(&stacks), &captions(true)),
        diff_flame_graph(
            &tree_of(&stacks),
            &tree_of(&stacks[..1]),
            &captions(false),
            &Default::default(),
        ),
    ] {
        let titles: Vec<String> = frames_of(&svg).into_iter().map(|f| f.0).collect();
        for name in &hostile[..3] {
            assert!(
                titles.iter().any(|t| t.starts_with(&format!("{name} ("))),
                "{name} is a frame's text: {titles:?}"
            );
        }
        assert!(titles.iter().any(|t| t.starts_with("ctl\u{fffd}char (")));
        assert!(!svg.contains("<script>alert"));
        assert!(!svg.contains("<svg onload"));
    }
}

#[test]
fn a_regression_is_red_and_an_improvement_blue() {
    let baseline = tree_of(&[("main;slow", 100), ("main;fast", 500), ("main;same", 400)]);
    // Twice the samples: shares, not counts, are compared.
    let current = tree_of(&[("main;slow", 1000), ("main;fast", 200), ("main;same", 800)]);
    let svg = diff_flame_graph(&current, &baseline, &captions(false), &Default::default());
    let frames = frames_of(&svg);
    let get = |name: &str| {
        frames
            .iter()
            .find(|f| f.0.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("{name} in {frames:?}"))
    };
    let slow = get("slow");
    assert_eq!(
        slow.0,
        "slow (1,000 samples; baseline 10.00%, current 50.00%, +40.00 pp)"
    );
    assert_eq!(slow.3, "rgb(255,0,0)", "the largest growth is full red");
    let fast = get("fast");
    assert_eq!(
        fast.0,
        "fast (200 samples; baseline 50.00%, current 10.00%, -40.00 pp)"
    );
    assert_eq!(fast.3, "rgb(0,0,255)", "the largest shrink is full blue");
    assert_eq!(
        get("same").3,
        "rgb(225,225,225)",
        "an unchanged share is grey"
    );
}

#[test]
fn a_new_path_counts_from_zero() {
    let baseline = tree_of(&[("main;a", 100)]);
    let current = tree_of(&[("main;a", 50), ("main;b;a", 50)]);
    let svg = diff_flame_graph(&current, &baseline, &captions(false), &Default::default());
    let titles: Vec<String> = frames_of(&svg).into_iter().map(|f| f.0).collect();
    assert!(titles.contains(&"b (50 samples; baseline 0.00%, current 50.00%, +50.00 pp)".into()));
    // `a` under `b` is not `a` under `main`: matched by path, not by name.
    assert!(titles.contains(&"a (50 samples; baseline 0.00%, current 50.00%, +50.00 pp)".into()));
    assert!(titles.contains(&"a (50 samples; baseline 100.00%, current 50.00%, -50.00 pp)".into()));
}

#[test]
fn an_empty_profile_is_an_empty_picture() {
    let svg = flame_graph(&CallTree::default(), &captions(true));
    assert!(frames_of(&svg).is_empty());
}
