//! Stormpath timestamps: UTC ISO-8601 with milliseconds, e.g. `2016-01-26T20:50:03.931Z`.
//!
//! Use with `#[serde(with = "stormpath_client::timestamp")]` on an `OffsetDateTime` field.

use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

/// Formats a timestamp as `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC.
#[must_use]
pub fn format(at: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// Serde serializer for [`format()`].
///
/// # Errors
/// Only the serializer's own errors.
pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*at))
}

/// Serde deserializer accepting any RFC 3339 timestamp.
///
/// # Errors
/// When the text is not an RFC 3339 timestamp.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(d)?;
    OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom)
}

/// The same, for `Option<OffsetDateTime>` fields.
pub mod option {
    use super::*;

    /// Serializes `Some` as a timestamp and `None` as `null`.
    ///
    /// # Errors
    /// Only the serializer's own errors.
    pub fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&format(*at)),
            None => s.serialize_none(),
        }
    }

    /// Deserializes `null` or an RFC 3339 timestamp.
    ///
    /// # Errors
    /// When the text is not an RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_milliseconds_and_z() {
        let at = time::macros::datetime!(2016-01-26 20:50:03.931 UTC);
        assert_eq!(super::format(at), "2016-01-26T20:50:03.931Z");
    }
}
