//! Docker image references, normalized as `github.com/distribution/reference` does
//! (`ParseNormalizedNamed`, `FamiliarName`, `TagNameOnly`). STUB: API fixed, body to be written.

use crate::Error;

/// A normalized image reference: domain, path, optional tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry domain (`docker.io` for Docker Hub).
    pub domain: String,
    /// Repository path (`library/alpine`).
    pub path: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl Reference {
    /// `ParseNormalizedNamed`: parses and normalizes (`alpine` → `docker.io/library/alpine`).
    pub fn parse_normalized(s: &str) -> Result<Reference, Error> {
        Err(Error::malformed_source(format!("cannot parse {s:?} yet")))
    }
    /// `TagNameOnly`: adds `:latest` when there is neither tag nor digest.
    pub fn tag_name_only(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".into());
        }
        self
    }
    /// `Name()`: domain + `/` + path.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
    /// `FamiliarName()`: Docker Hub loses `docker.io/` and `library/`; other registries keep the
    /// domain.
    pub fn familiar_name(&self) -> String {
        self.name()
    }
}

impl core::fmt::Display for Reference {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}
