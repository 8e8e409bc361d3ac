//! Provenance materials: `pkg:docker/…` package URLs (BuildKit `util/purl.PURLToRef`) and the
//! material → source mapping of BX `policy/materials.go` (`parseSLSAMaterial`). STUB: API fixed.

use std::collections::BTreeMap;

use crate::{Error, Platform, Source};

/// The source a provenance material (`uri` + `digest`) refers to, and its platform, or an error
/// for an unsupported material (Buildx then puts an empty input in its place).
pub fn material_source(
    uri: &str,
    digest: &BTreeMap<String, String>,
) -> Result<(Source, Option<Platform>), Error> {
    let _ = digest;
    Err(Error::unsupported_source(format!(
        "unsupported material URI {uri:?}"
    )))
}
