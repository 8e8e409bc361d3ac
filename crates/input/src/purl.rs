//! Provenance materials: `pkg:docker/…` package URLs (BuildKit `util/purl.PURLToRef` over
//! `packageurl-go` v0.1.1 `FromString`) and the material → source mapping of BX
//! `policy/materials.go` (`parseSLSAMaterial`).
//!
//! Error codes tell the caller what Buildx does with the material:
//! [`ErrorCode::UnsupportedSource`](crate::ErrorCode::UnsupportedSource) — `parseSLSAMaterial`
//! failed and Buildx puts an empty input in the material's place;
//! [`ErrorCode::MalformedSource`](crate::ErrorCode::MalformedSource) — the material mapped to a
//! source that `sourceToInput` cannot build (an unparsable HTTP URL), which makes Buildx fail
//! the whole input (`failed to build material input for …`).

use std::collections::BTreeMap;

use crate::git_url::{GitSource, GitUrl};
use crate::http_url::{HttpSource, path_join, path_unescape};
use crate::reference::{Reference, parse_digest};
use crate::{Error, Platform, Source};

/// A parsed package URL (`packageurl.PackageURL`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageUrl {
    /// The type, lowercased (`docker`).
    pub purl_type: String,
    /// The namespace, segments unescaped (`library`, `docker`).
    pub namespace: String,
    /// The name (unescaped only when a version follows).
    pub name: String,
    /// The version after `@`, unescaped.
    pub version: String,
    /// The qualifiers in order (key lowercased; pairs with empty values dropped).
    pub qualifiers: Vec<(String, String)>,
    /// The subpath after `#`.
    pub subpath: String,
}

fn unsupported(message: impl Into<String>) -> Error {
    Error::unsupported_source(message)
}

impl PackageUrl {
    /// `packageurl.FromString`. Where Go panics (a qualifier without `=`, e.g. a trailing `?`),
    /// this is an error.
    pub fn parse(purl: &str) -> Result<PackageUrl, Error> {
        let (mut remainder, subpath) =
            match purl.split_once('#') {
                Some((r, right)) => {
                    let right = right.trim_matches('/');
                    let mut sides = Vec::new();
                    for item in right.split('/') {
                        let item = item.replace('.', "");
                        if !item.is_empty() {
                            sides.push(path_unescape(&item).map_err(|e| {
                                unsupported(format!("failed to unescape path: {e}"))
                            })?);
                        }
                    }
                    (r, sides.join("/"))
                }
                None => (purl, String::new()),
            };
        let mut qualifiers = Vec::new();
        if let Some(index) = remainder.rfind('?') {
            for item in remainder[index + 1..].split('&') {
                let kv: Vec<&str> = item.split('=').collect();
                let key = path_unescape(&kv[0].to_lowercase())
                    .map_err(|e| unsupported(format!("failed to unescape qualifier key: {e}")))?;
                if !valid_qualifier_key(&key) {
                    return Err(unsupported(format!("invalid qualifier key: '{key}'")));
                }
                let Some(raw) = kv.get(1) else {
                    return Err(unsupported(format!(
                        "qualifier {item:?} has no '=' (packageurl-go panics)"
                    )));
                };
                if raw.is_empty() {
                    continue;
                }
                let value = path_unescape(raw)
                    .map_err(|e| unsupported(format!("failed to unescape qualifier value: {e}")))?;
                qualifiers.push((key, value));
            }
            remainder = &remainder[..index];
        }
        let rest = match remainder.split_once(':') {
            Some(("pkg", rest)) => rest.trim_start_matches('/'),
            _ => return Err(unsupported("scheme is missing")),
        };
        let Some((purl_type, rest)) = rest.split_once('/') else {
            return Err(unsupported("type is missing"));
        };
        let purl_type = purl_type.to_lowercase();
        let index = rest.rfind('/');
        let mut name = index.map_or(rest, |i| &rest[i + 1..]).to_string();
        let mut version = String::new();
        if let Some(at) = name.find('@') {
            version = path_unescape(&name[at + 1..])
                .map_err(|e| unsupported(format!("failed to unescape purl version: {e}")))?;
            name = path_unescape(&name[..at])
                .map_err(|e| unsupported(format!("failed to unescape purl name: {e}")))?;
        }
        let mut namespaces = Vec::new();
        if let Some(i) = index {
            for item in rest[..i].split('/').filter(|s| !s.is_empty()) {
                namespaces.push(
                    path_unescape(item)
                        .map_err(|e| unsupported(format!("failed to unescape path: {e}")))?,
                );
            }
        }
        if name.is_empty() {
            return Err(unsupported("name is required"));
        }
        Ok(PackageUrl {
            purl_type,
            namespace: namespaces.join("/"),
            name,
            version,
            qualifiers,
            subpath,
        })
    }
}

/// `^[A-Za-z\.\-_][0-9A-Za-z\.\-_]*$`.
fn valid_qualifier_key(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || matches!(b[0], b'.' | b'-' | b'_'))
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

/// BuildKit `purl.PURLToRef`: the normalized reference string and the `platform` qualifier
/// (`platforms.Parse`, **not** normalized: `linux/arm64/v8` stays so).
pub fn purl_to_ref(purl: &str) -> Result<(String, Option<Platform>), Error> {
    let p = PackageUrl::parse(purl)?;
    if p.purl_type != "docker" {
        return Err(unsupported(format!(
            "invalid package type {:?}, expecting docker",
            p.purl_type
        )));
    }
    let mut reference = if p.namespace.is_empty() {
        p.name.clone()
    } else {
        format!("{}/{}", p.namespace, p.name)
    };
    let mut digest_version = String::new();
    if !p.version.is_empty() {
        if parse_digest(&p.version).is_ok() {
            reference = format!("{reference}@{}", p.version);
            digest_version = p.version.clone();
        } else {
            reference = format!("{reference}:{}", p.version);
        }
    }
    let mut platform = None;
    for (key, value) in &p.qualifiers {
        if key == "platform" {
            platform =
                Some(Platform::parse_unnormalized(value).map_err(|e| unsupported(e.message))?);
        }
        if key == "digest" {
            if !digest_version.is_empty() {
                if &digest_version != value {
                    return Err(unsupported(format!(
                        "digest {value:?} does not match version {digest_version:?}"
                    )));
                }
                continue;
            }
            parse_digest(value).map_err(|e| unsupported(e.message))?;
            reference = format!("{reference}@{value}");
            digest_version = value.clone();
        }
    }
    if digest_version.is_empty() && p.version.is_empty() {
        reference.push_str(":latest");
    }
    let named = Reference::parse_normalized(&reference)
        .map_err(|e| unsupported(format!("invalid image url {purl:?}: {}", e.message)))?;
    Ok((named.to_string(), platform))
}

/// The source a provenance material (`uri` + `digest`) refers to, and its platform, or an error
/// for an unsupported material (Buildx then puts an empty input in its place; see the module
/// documentation for the two error codes). The platform is the purl's `platform` qualifier as
/// `platforms.Parse` gives it (not normalized); `None` means the parent input's platform applies
/// (BX `policy/input.go` `firstNonNilPlatform`).
///
/// * `pkg:docker/…`: the purl's reference; a `sha256` digest (with or without `sha256:`) is
///   added, or must equal the reference's own (`material digest mismatch …`).
/// * a git URL (`ParseURL` succeeds and the path ends with `.git`, any case, or the scheme is
///   `ssh`/`git`): the BuildKit identifier `host/path[#ref[:subdir]]` with `git.fullurl` = `uri`.
///   The material's digest is not used.
/// * another `http(s)://` URL: an HTTP source (digest not used either).
pub fn material_source(
    uri: &str,
    digest: &BTreeMap<String, String>,
) -> Result<(Source, Option<Platform>), Error> {
    if uri.starts_with("pkg:docker/") {
        return docker_material(uri, digest);
    }
    if let Ok(gu) = GitUrl::parse(uri) {
        let http = matches!(gu.scheme.as_str(), "http" | "https");
        if gu.path.to_lowercase().ends_with(".git") || !http {
            return git_material(uri, &gu);
        }
    }
    if uri.starts_with("https://") || uri.starts_with("http://") {
        let h = HttpSource::parse(uri)?;
        return Ok((Source::Http(h), None));
    }
    Err(unsupported(format!("unsupported material URI {uri:?}")))
}

fn docker_material(
    uri: &str,
    digest: &BTreeMap<String, String>,
) -> Result<(Source, Option<Platform>), Error> {
    let (ref_str, platform) = purl_to_ref(uri)?;
    let mut named = Reference::parse_normalized(&ref_str).map_err(|e| {
        unsupported(format!(
            "invalid docker reference {ref_str:?} from {uri:?}: {}",
            e.message
        ))
    })?;
    let checksum = digest.get("sha256").map_or("", |s| s.trim());
    if !checksum.is_empty() {
        let dgst = match parse_digest(checksum) {
            Ok(()) => checksum.to_string(),
            Err(_) => {
                let prefixed = format!("sha256:{checksum}");
                parse_digest(&prefixed).map_err(|e| {
                    unsupported(format!(
                        "invalid material digest {checksum:?} for {uri:?}: {}",
                        e.message
                    ))
                })?;
                prefixed
            }
        };
        match &named.digest {
            Some(own) if *own != dgst => {
                return Err(unsupported(format!(
                    "material digest mismatch for {uri:?}: ref has {own} but provenance has {dgst}"
                )));
            }
            Some(_) => {}
            None => {
                named = named.with_digest(&dgst).map_err(|e| {
                    unsupported(format!(
                        "failed to add digest {dgst:?} to {ref_str:?}: {}",
                        e.message
                    ))
                })?;
            }
        }
    }
    // `sourceToInput` parses the identifier `docker-image://<named>` again.
    let again = Reference::parse_normalized(&named.to_string()).map_err(|e| {
        Error::malformed_source(format!("failed to parse image source reference: {e}"))
    })?;
    Ok((Source::Image(again), platform))
}

fn git_material(uri: &str, gu: &GitUrl) -> Result<(Source, Option<Platform>), Error> {
    let mut id = format!("{}{}", gu.host, path_join(&["/", &gu.path]));
    if let Some((reference, subdir)) = &gu.opts
        && (!reference.is_empty() || !subdir.is_empty())
    {
        id.push('#');
        id.push_str(reference);
        if !subdir.is_empty() {
            id.push(':');
            id.push_str(subdir);
        }
    }
    let g = GitSource::from_identifier(&id, Some(uri))?;
    Ok((Source::Git(g), None))
}
