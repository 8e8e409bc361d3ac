//! What the input rests on: for each resolved field, whether it was verified inside verdict
//! (a hash recomputed, a signature checked), asserted by the host (a binding nothing offline can
//! prove, such as a tag → digest), or failed (so the field was left out, as Buildx leaves it).

use serde_json::{Value as Json, json};

/// The facts recorded while building one input, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    entries: Vec<Json>,
}

impl Facts {
    fn push(&mut self, field: &str, status: &str, how: String) {
        self.entries
            .push(json!({"field": field, "status": status, "how": how}));
    }
    /// `field` was verified: `how`.
    pub fn verified(&mut self, field: &str, how: impl Into<String>) {
        self.push(field, "verified", how.into());
    }
    /// `field` rests on the host's word: `how`.
    pub fn asserted(&mut self, field: &str, how: impl Into<String>) {
        self.push(field, "asserted", how.into());
    }
    /// `field` was left out: `why`.
    pub fn failed(&mut self, field: &str, why: impl Into<String>) {
        self.push(field, "failed", why.into());
    }
    /// Records the facts of a nested input under `prefix`.
    pub fn nest(&mut self, prefix: &str, nested: Facts) {
        for mut e in nested.entries {
            if let Some(f) = e["field"].as_str() {
                e["field"] = json!(format!("{prefix}.{f}"));
            }
            self.entries.push(e);
        }
    }
    /// The facts as a JSON array.
    pub fn to_json(&self) -> Json {
        Json::Array(self.entries.clone())
    }
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
