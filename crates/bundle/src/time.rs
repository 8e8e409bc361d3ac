//! Instants as seconds + nanoseconds since the Unix epoch, and RFC 3339 parsing/formatting.

use core::fmt;

/// An instant: seconds since 1970-01-01T00:00:00Z plus nanoseconds. Ordered.
///
/// Wide enough for X.509's `99991231235959Z` and for proto3's `Timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since the epoch.
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// A whole-second instant.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp { secs, nanos: 0 }
    }

    /// An instant from nanoseconds since the epoch.
    pub const fn from_unix_nanos(ns: i64) -> Self {
        Timestamp {
            secs: ns.div_euclid(1_000_000_000),
            nanos: ns.rem_euclid(1_000_000_000) as u32,
        }
    }

    /// Nanoseconds since the epoch, saturating outside the `i64` range (years 1677–2262).
    pub fn unix_nanos(self) -> i64 {
        (self.secs as i128 * 1_000_000_000 + self.nanos as i128)
            .clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    /// Parses an RFC 3339 time (`2024-03-19T17:26:26Z`, `…+02:00`, fractional seconds allowed).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
        Some(Timestamp {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
        })
    }

    /// RFC 3339 in UTC with `Z`, fractional seconds only when non-zero (Go's `time.RFC3339Nano`).
    pub fn to_rfc3339(self) -> String {
        match chrono::DateTime::from_timestamp(self.secs, self.nanos) {
            Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            None => format!("@{}.{:09}", self.secs, self.nanos),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn round_trips_and_orders() {
        let a = Timestamp::parse_rfc3339("2022-12-31T23:59:59.999Z").unwrap();
        let b = Timestamp::parse_rfc3339("2023-01-01T00:00:00Z").unwrap();
        assert!(a < b);
        assert_eq!(a.to_rfc3339(), "2022-12-31T23:59:59.999Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-01-01T02:00:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
        assert_eq!(Timestamp::from_unix_nanos(-1).secs, -1);
    }
}
