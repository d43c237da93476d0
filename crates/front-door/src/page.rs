//! The front door as one self-contained HTML page (docs/front-door.md): the health line, the open
//! regressions and leaks, then every app with its types and links. No script, nothing
//! fetched; every name escaped by the page toolkit. Pure.

use super::model::{flame_graph, FrontApp, FrontDoor};
use pf_model::utc::{utc_text, CLOCK, DAY_CLOCK};
use pf_model::ProfileType;
use pf_pictures::{Cell, Page};

/// The page of `door`.
pub fn render(door: &FrontDoor) -> String {
    let mut page = Page::new("Pyroscope profiling functions");
    let health = &door.health;
    let class = match health.status.as_str() {
        "healthy" => "healthy",
        "degraded" => "warn",
        _ => "fail",
    };
    let checks = if health.down.is_empty() {
        "every check up".to_owned()
    } else {
        format!("down: {}", health.down.join(", "))
    };
    page.status_line(
        (class, &health.status),
        &format!("function {} · {checks} ·", health.function),
        &[
            ("health".to_owned(), "/health".to_owned()),
            ("metrics".to_owned(), "/metrics".to_owned()),
            ("Swagger UI".to_owned(), door.swagger_ui.clone()),
        ],
    );
    let open: Vec<_> = door
        .apps
        .iter()
        .flat_map(|a| a.open.iter().map(move |e| (a, e)))
        .collect();
    page.paragraph(&format!(
        "{} apps with profiles since {} (the last hour), {} open regressions and leaks; as of {}.",
        door.apps
            .iter()
            .filter(|a| a.summarized || !a.listed_types.is_empty())
            .count(),
        utc_text(door.since, CLOCK),
        open.len(),
        utc_text(door.generated_at, CLOCK)
    ));
    page.heading("Open regressions and leaks");
    if open.is_empty() {
        page.note("None.");
    } else {
        page.table(
            &[
                "App",
                "Type",
                "State",
                "Function",
                "Change (95 % CI)",
                "Since",
                "Version",
                "Likeliest commit",
                "Page",
            ],
            open.iter().map(|(app, e)| {
                vec![
                    Cell::Text(&app.app_name),
                    Cell::Text(e.profile_type.as_str()),
                    Cell::Owned(format!(
                        "{} {}",
                        e.state.as_str().replace('_', " "),
                        e.kind.as_str().replace('_', " ")
                    )),
                    Cell::Code(&e.function),
                    Cell::Text(&e.change),
                    Cell::Number(utc_text(e.changed_at, DAY_CLOCK)),
                    Cell::Text(e.version.as_deref().unwrap_or("")),
                    Cell::Text(e.suspect.as_deref().unwrap_or("")),
                    Cell::Links(vec![(format!("#{}", e.id), e.page.clone())]),
                ]
            }),
        );
    }
    page.heading("Apps");
    if door.apps.is_empty() {
        page.note("No app has profiles in the last hour yet.");
    }
    if let Some(error) = &door.listing_error {
        page.note(&format!(
            "Only summarized apps are listed: Profile Data could not list the last hour ({error})."
        ));
    }
    page.table(
        &["App", "#Open", "Types (newest summary)", "Pages"],
        door.apps.iter().map(|app| {
            let mut links = vec![("triage".to_owned(), app.triage.clone())];
            for t in &app.profile_types {
                let name = t.profile_type.as_str();
                links.push((format!("{name} trends"), t.trends.clone()));
                links.push((format!("{name} diff"), t.diff.clone()));
                links.push((format!("{name} flame graph"), t.flame_graph.clone()));
            }
            for &t in unsummarized(app) {
                let graph = flame_graph(&app.app_name, t);
                links.push((format!("{} flame graph", t.as_str()), graph));
            }
            vec![
                Cell::Text(&app.app_name),
                Cell::Number(app.open.len().to_string()),
                Cell::Owned(types_text(app)),
                Cell::Links(links),
            ]
        }),
    );
    page.finish()
}

/// The types of `app` listed but not summarized since `since`.
fn unsummarized(app: &FrontApp) -> impl Iterator<Item = &ProfileType> {
    app.listed_types
        .iter()
        .filter(|t| !app.profile_types.iter().any(|s| s.profile_type == **t))
}

/// An app's types as the page says them: the summarized ones with their newest slice, then
/// those that arrived and are not summarized yet, and those the watcher does not follow.
fn types_text(app: &FrontApp) -> String {
    let mut parts: Vec<String> = app
        .profile_types
        .iter()
        .map(|t| {
            format!(
                "{} ({})",
                t.profile_type.as_str(),
                utc_text(t.latest_slice, CLOCK)
            )
        })
        .collect();
    let (unfollowed, waiting): (Vec<&ProfileType>, Vec<&ProfileType>) =
        unsummarized(app).partition(|t| app.unfollowed_types.contains(t));
    let names = |types: &[&ProfileType]| {
        types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !waiting.is_empty() {
        parts.push(format!("{} (not summarized yet)", names(&waiting)));
    }
    if !unfollowed.is_empty() {
        parts.push(format!(
            "{} (not followed by the watcher)",
            names(&unfollowed)
        ));
    }
    if parts.is_empty() && !app.summarized {
        return "not summarized yet".to_owned();
    }
    if parts.is_empty() {
        return "none in the last hour".to_owned();
    }
    parts.join(", ")
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
