//! How a report is answered: `format=` of the BOR routes, one parser for all of them.

use utoipa::openapi::schema::ObjectBuilder;

use super::{string, InputError};

/// A report's representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Markdown,
    /// A (differential) flame graph.
    Svg,
    /// One self-contained page: the report, its flame graph and its query.
    Html,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Svg => "svg",
            ReportFormat::Html => "html",
        }
    }

    /// The media type of a response in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            ReportFormat::Json => "application/json",
            ReportFormat::Markdown => "text/markdown; charset=utf-8",
            ReportFormat::Svg => "image/svg+xml; charset=utf-8",
            ReportFormat::Html => "text/html; charset=utf-8",
        }
    }

    /// The OpenAPI schema of a route's `format`: the names of its `valid` formats (the parser
    /// also ignores case).
    pub fn schema_of(valid: &[ReportFormat]) -> ObjectBuilder {
        string()
            .enum_values(Some(valid.iter().map(|f| f.as_str())))
            .examples(["json"])
    }

    /// Reads `format` (case-insensitive, JSON when absent) among the `valid` ones of a route;
    /// anything else is an `invalid_format` that lists them.
    pub fn parse(raw: Option<&str>, valid: &[ReportFormat]) -> Result<Self, InputError> {
        let Some(raw) = raw.map(str::trim) else {
            return Ok(ReportFormat::Json);
        };
        valid
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(raw))
            .ok_or_else(|| {
                let names: Vec<&str> = valid.iter().map(|f| f.as_str()).collect();
                InputError::new(
                    "invalid_format",
                    format!("format must be one of {}, got `{raw}`", names.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_among_the_valid_ones() {
        let valid = [ReportFormat::Json, ReportFormat::Html];
        assert_eq!(
            ReportFormat::parse(None, &valid).unwrap(),
            ReportFormat::Json
        );
        assert_eq!(
            ReportFormat::parse(Some(" HTML "), &valid).unwrap(),
            ReportFormat::Html
        );
        let err = ReportFormat::parse(Some("svg"), &valid).unwrap_err();
        assert_eq!(err.code(), "invalid_format");
        assert_eq!(
            err.to_string(),
            "format must be one of json, html, got `svg`"
        );
    }
}
