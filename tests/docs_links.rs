//! Every relative link of README.md and docs/*.md leads somewhere: a file or directory of the
//! checkout, and an `#anchor` to a heading of the page it names, by GitHub's rule (lowercase,
//! spaces to `-`, punctuation dropped, a repeated heading suffixed `-1`, `-2`, …). Links to
//! other sites are not followed. And the README's map of the house names every crate and
//! every folder of `src/`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The pages checked: README.md and every Markdown file directly under docs/.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The lines of a page outside fenced code blocks, with their line numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut in_code = false;
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            lines.push((number + 1, line));
        }
    }
    lines
}

/// A heading's text, if the line is an ATX heading.
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && rest.starts_with(' '))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// GitHub's anchor of a heading: lowercase, punctuation (anything but letters, digits, `_`,
/// `-` and spaces) dropped, each space a `-`.
fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings, repeated ones numbered as GitHub numbers them.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anchors = HashSet::new();
    for (_, line) in prose(text) {
        let Some(text) = heading(line) else { continue };
        let base = slug(text);
        let count = seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        anchors.insert(anchor);
    }
    anchors
}

/// A line with its inline code spans removed: what is between backticks is not a link.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// The targets of the inline links and images of a line: what follows `](` up to `)`.
fn targets(line: &str) -> Vec<String> {
    let line = without_code(line);
    let mut found = Vec::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find([')', ' ']).unwrap_or(rest.len());
        found.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    found
}

#[test]
fn every_relative_link_of_the_readme_and_the_docs_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages(root) {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(root).unwrap().display().to_string();
        for (number, line) in prose(&text) {
            for target in targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((path, anchor)) => (path, Some(anchor)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(path)
                };
                if !file.exists() {
                    broken.push(format!("{name}:{number}: {target}: no such file"));
                    continue;
                }
                let Some(anchor) = anchor else { continue };
                if file.extension().is_none_or(|ext| ext != "md") {
                    broken.push(format!(
                        "{name}:{number}: {target}: an anchor into a non-Markdown file"
                    ));
                    continue;
                }
                let linked = std::fs::read_to_string(&file).unwrap();
                if !anchors(&linked).contains(anchor) {
                    broken.push(format!("{name}:{number}: {target}: no such heading"));
                }
            }
        }
    }
    assert!(checked > 0, "no relative links found: the parser is broken");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_follow_githubs_rule() {
    assert_eq!(slug("How sure is a diff?"), "how-sure-is-a-diff");
    assert_eq!(slug("Whole, or live (issue #20)"), "whole-or-live-issue-20");
    assert_eq!(
        slug("pprof files beside flame-graph JSON"),
        "pprof-files-beside-flame-graph-json"
    );
    assert_eq!(slug("`gate` in CI"), "gate-in-ci");
    let page = "# A\n\n## Same\n\n```\n## Not a heading\n```\n\n## Same\n";
    assert_eq!(
        anchors(page),
        HashSet::from(["a".to_owned(), "same".to_owned(), "same-1".to_owned()])
    );
    assert_eq!(
        targets("see [x](a.md#b) and `[y](not.md)` and ![z](img.png \"title\")"),
        vec!["a.md#b", "img.png"]
    );
}

/// The folders the README's Architecture map names (its first code block in that section):
/// a line at the margin names a root (`crates/`, `src/`), one indented by two spaces a folder
/// of it, by four a subfolder: `crates/model`, `src/watch`, `src/infra/sor`.
fn mapped_folders(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split("## Architecture")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .unwrap_or_default();
    let mut folders = BTreeSet::new();
    let (mut root, mut parent) = (String::new(), String::new());
    for line in section.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(folder) = name.strip_suffix('/') else {
            continue;
        };
        match line.len() - line.trim_start().len() {
            0 => root = folder.to_owned(),
            2 => {
                parent = format!("{root}/{folder}");
                folders.insert(parent.clone());
            }
            4 => {
                folders.insert(format!("{parent}/{folder}"));
            }
            _ => {}
        }
    }
    folders
}

/// `root/name` for every folder of `root/`.
fn folders_of(root: &Path, under: &str) -> BTreeSet<String> {
    fs::read_dir(root.join(under))
        .unwrap_or_else(|e| panic!("{under}/: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| format!("{under}/{}", e.file_name().to_string_lossy()))
        .filter(|name| name != "src/testing")
        .collect()
}

#[test]
fn the_readme_map_names_every_crate_and_every_top_folder_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let mapped = mapped_folders(&readme);
    let mut actual = folders_of(root, "crates");
    actual.extend(folders_of(root, "src"));
    let top: BTreeSet<String> = mapped
        .iter()
        .filter(|f| f.matches('/').count() == 1)
        .cloned()
        .collect();
    assert_eq!(top, actual, "README's map against crates/ and src/");
    for sub in mapped.iter().filter(|f| f.matches('/').count() > 1) {
        // A crate's folders are under its src/.
        let in_crate = sub
            .strip_prefix("crates/")
            .and_then(|rest| rest.split_once('/'))
            .map(|(name, inner)| root.join("crates").join(name).join("src").join(inner));
        assert!(
            root.join(sub).is_dir() || in_crate.is_some_and(|p| p.is_dir()),
            "the map names {sub}"
        );
    }
    // And the reader sees a map that names a folder src/ lacks.
    let planted = mapped_folders("## Architecture\n```\nsrc/\n  ghost/  x\n    sub/  y\n```\n");
    assert_eq!(
        planted,
        BTreeSet::from(["src/ghost".to_owned(), "src/ghost/sub".to_owned()])
    );
}
