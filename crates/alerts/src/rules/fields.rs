//! The checks of the fields an alert rule adds to the shared ones: where it notifies, and how
//! long its value must hold before it fires.

use url::Url;

use pf_http::secrets::is_redacted;
use pf_model::{optional_text, InputError, MAX_SHORT_TEXT};

/// Longest `forSeconds`: a week. A rule that must hold longer is not an alert.
pub const MAX_FOR_SECONDS: i64 = 7 * 24 * 3600;

/// A `notificationChannel`: free text (`#payments-oncall`), or an `http(s)://` URL that gets a
/// webhook. A URL of any other scheme (`file:`, `gopher:`, `mailto:`) is refused, since the
/// service would be asked to reach it; so is a redacted URL as readers see one, sent back.
pub fn notification_channel(value: Option<String>) -> Result<Option<String>, InputError> {
    let value = optional_text(value, "notificationChannel", MAX_SHORT_TEXT)?;
    if value.as_deref().is_some_and(is_redacted) {
        return Err(redacted_channel());
    }
    if let Some(Ok(url)) = value.as_deref().map(Url::parse) {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InputError::new(
                "invalid_notification_channel",
                format!(
                    "notificationChannel may be a channel name or an http(s) URL, not a {}: URL",
                    url.scheme()
                ),
            ));
        }
    }
    Ok(value)
}

/// The refusal of a redacted webhook sent back as if it were one.
pub fn redacted_channel() -> InputError {
    InputError::new(
        "redacted_notification_channel",
        "notificationChannel is a redacted webhook as readers see it: send the whole URL, or \
         leave the field out to keep the stored one",
    )
}

/// A `forSeconds`: 0 (the default) to a week.
pub fn for_seconds(value: Option<i64>) -> Result<Option<i32>, InputError> {
    match value {
        None => Ok(None),
        Some(secs @ 0..=MAX_FOR_SECONDS) => Ok(i32::try_from(secs).ok()),
        Some(secs) => Err(InputError::new(
            "out_of_range",
            format!("forSeconds must be between 0 and {MAX_FOR_SECONDS}, got {secs}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_names_or_http_urls() {
        for ok in [
            "#payments-oncall",
            "team payments",
            "https://hooks.example/x",
            "http://10.0.0.1:9000/",
        ] {
            assert_eq!(
                notification_channel(Some(ok.into())).unwrap().as_deref(),
                Some(ok)
            );
        }
        for bad in [
            "file:///etc/passwd",
            "gopher://x",
            "mailto:a@b.c",
            "ftp://x/y",
        ] {
            let err = notification_channel(Some(bad.into())).unwrap_err();
            assert_eq!(err.code(), "invalid_notification_channel", "{bad}");
        }
        let redacted = pf_http::secrets::shown_channel("https://hooks.example/secret");
        let err = notification_channel(Some(redacted)).unwrap_err();
        assert_eq!(err.code(), "redacted_notification_channel");
    }

    #[test]
    fn for_seconds_is_a_non_negative_bounded_duration() {
        assert_eq!(for_seconds(None).unwrap(), None);
        assert_eq!(for_seconds(Some(0)).unwrap(), Some(0));
        assert_eq!(for_seconds(Some(300)).unwrap(), Some(300));
        assert_eq!(for_seconds(Some(-1)).unwrap_err().code(), "out_of_range");
        assert!(for_seconds(Some(MAX_FOR_SECONDS + 1)).is_err());
    }
}
