//! Platforms as `github.com/containerd/platforms` parses, normalizes, formats and matches them.
//! STUB: API fixed, body to be written.

use crate::Error;

/// A normalized platform.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Platform {
    /// `linux`, `windows`, …
    pub os: String,
    /// `amd64`, `arm64`, …
    pub architecture: String,
    /// `v7`, … (empty for `arm64`'s default `v8`).
    pub variant: String,
}

impl Platform {
    /// `platforms.Parse` + `Normalize`.
    pub fn parse(s: &str) -> Result<Platform, Error> {
        Err(Error::malformed_source(format!(
            "cannot parse platform {s:?} yet"
        )))
    }
    /// `platforms.Format`: `os/arch[/variant]`.
    pub fn format(&self) -> String {
        if self.variant.is_empty() {
            format!("{}/{}", self.os, self.architecture)
        } else {
            format!("{}/{}/{}", self.os, self.architecture, self.variant)
        }
    }
    /// The platform of an OCI descriptor or config (`{"os", "architecture", "variant"}`),
    /// normalized.
    pub fn from_oci(value: &serde_json::Value) -> Option<Platform> {
        let _ = value;
        None
    }
    /// Whether an image built for `other` serves this platform (containerd's `Only` matcher).
    pub fn matches(&self, other: &Platform) -> bool {
        self == other
    }
}
