//! The front door as one self-contained HTML page (SPEC §24): the health line, the open
//! regressions and leaks, then every app with its types and links. No script, nothing
//! fetched; every name escaped by the page toolkit. Pure.

use chrono::DateTime;

use super::model::FrontDoor;
use crate::pictures::{Cell, Page};

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
            .filter(|a| a.latest_slice.is_some())
            .count(),
        clock(door.since),
        open.len(),
        clock(door.generated_at)
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
                    Cell::Number(day_clock(e.changed_at)),
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
    page.table(
        &["App", "#Open", "Types (newest summary)", "Pages"],
        door.apps.iter().map(|app| {
            let types = app
                .profile_types
                .iter()
                .map(|t| format!("{} ({})", t.profile_type.as_str(), clock(t.latest_slice)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut links = vec![("triage".to_owned(), app.triage.clone())];
            for t in &app.profile_types {
                let name = t.profile_type.as_str();
                links.push((format!("{name} trends"), t.trends.clone()));
                links.push((format!("{name} diff"), t.diff.clone()));
                links.push((format!("{name} flame graph"), t.flame_graph.clone()));
            }
            vec![
                Cell::Text(&app.app_name),
                Cell::Number(app.open.len().to_string()),
                Cell::Owned(if types.is_empty() {
                    "none in the last hour".to_owned()
                } else {
                    types
                }),
                Cell::Links(links),
            ]
        }),
    );
    page.finish()
}

/// A time of today as people read it on the page: `10:35 UTC`.
fn clock(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%H:%M UTC").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// A time of the last days: `25 Nov 19:50 UTC`.
fn day_clock(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%d %b %H:%M UTC").to_string())
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
