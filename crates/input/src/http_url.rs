//! HTTP(S) sources as Go's `net/url` splits them. STUB: API fixed.

use std::collections::BTreeMap;

/// An HTTP source: what `input.http` carries before any evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpSource {
    /// The full source identifier.
    pub url: String,
    /// `http` or `https`.
    pub schema: String,
    /// `host[:port]`.
    pub host: String,
    /// The decoded path.
    pub path: String,
    /// The parsed query.
    pub query: BTreeMap<String, Vec<String>>,
}
