//! A content-addressed store of OCI blobs (an OCI image layout's `blobs/`), every blob re-hashed.
//!
//! The host hands the blobs of an image layout (`oras copy -r --to-oci-layout`, `skopeo copy
//! --all`) by name; a blob whose content does not hash to its name is an error, so a manifest,
//! config or bundle read from the store is exactly the one its digest names. The layout's
//! `index.json` binds references to root digests — a binding nothing offline can prove, which the
//! input records as asserted.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sha2::{Digest, Sha256, Sha512};

use crate::Error;

/// `application/vnd.oci.image.index.v1+json`.
pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.oci.image.manifest.v1+json`.
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker's manifest list media type.
pub const MEDIA_TYPE_DOCKER_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker's image manifest media type.
pub const MEDIA_TYPE_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// At most this many blobs in one request.
pub const MAX_BLOBS: usize = 4096;

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of `bytes` with the algorithm of `name` (`sha256:` or `sha512:`).
fn digest_as(name: &str, bytes: &[u8]) -> Option<String> {
    match name.split_once(':')?.0 {
        "sha256" => Some(sha256_digest(bytes)),
        "sha512" => Some(format!("sha512:{}", hex(&Sha512::digest(bytes)))),
        _ => None,
    }
}

/// Blobs by digest, each checked.
#[derive(Debug, Clone, Default)]
pub struct Store {
    blobs: BTreeMap<String, Vec<u8>>,
    /// `index.json` reference annotations: reference name → root digest.
    names: Vec<(String, String)>,
}

impl Store {
    /// Builds the store from named blobs and an optional layout `index.json`.
    ///
    /// Fails when a name is not a digest this store can compute, a blob does not hash to its
    /// name, or `index.json` does not parse.
    pub fn new(blobs: &[(String, Vec<u8>)], index_json: Option<&[u8]>) -> Result<Store, Error> {
        if blobs.len() > MAX_BLOBS {
            return Err(Error::invalid_evidence(format!(
                "{} blobs, over the limit of {MAX_BLOBS}",
                blobs.len()
            )));
        }
        let mut store = Store::default();
        for (name, bytes) in blobs {
            let Some(actual) = digest_as(name, bytes) else {
                return Err(Error::invalid_evidence(format!(
                    "blob `{name}`: not a sha256 or sha512 digest name"
                )));
            };
            if &actual != name {
                return Err(Error::invalid_evidence(format!(
                    "blob `{name}` does not match its content (content digest {actual})"
                )));
            }
            store.blobs.insert(actual, bytes.clone());
        }
        if let Some(index) = index_json {
            let index: Json = serde_json::from_slice(index).map_err(|e| {
                Error::invalid_evidence(format!("the layout's index.json does not parse: {e}"))
            })?;
            for m in index["manifests"].as_array().into_iter().flatten() {
                let Some(digest) = m["digest"].as_str() else {
                    continue;
                };
                for key in [
                    "org.opencontainers.image.ref.name",
                    "io.containerd.image.name",
                ] {
                    if let Some(name) = m["annotations"][key].as_str() {
                        store.names.push((name.to_owned(), digest.to_owned()));
                    }
                }
            }
        }
        Ok(store)
    }

    /// Whether the store holds no blob.
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The blob named `digest`.
    pub fn get(&self, digest: &str) -> Option<&[u8]> {
        self.blobs.get(digest).map(Vec::as_slice)
    }

    /// The blob named `digest`, parsed as JSON.
    pub fn json(&self, digest: &str) -> Option<Json> {
        serde_json::from_slice(self.get(digest)?).ok()
    }

    /// The root digest `index.json` binds to one of `names` (tried in order).
    pub fn named(&self, names: &[String]) -> Option<&str> {
        names.iter().find_map(|want| {
            self.names
                .iter()
                .find(|(name, _)| name == want)
                .map(|(_, d)| d.as_str())
        })
    }

    /// Every stored manifest whose `subject.digest` is `digest` (what a registry's referrers API
    /// lists), as `(digest, manifest)`, in digest order.
    pub fn referrers(&self, digest: &str) -> Vec<(&str, Json)> {
        self.blobs
            .iter()
            .filter(|(_, bytes)| bytes.first() == Some(&b'{'))
            .filter_map(|(d, bytes)| {
                let m: Json = serde_json::from_slice(bytes).ok()?;
                (m["subject"]["digest"].as_str() == Some(digest)).then_some((d.as_str(), m))
            })
            .collect()
    }
}

/// A descriptor's media type, digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// `mediaType`.
    pub media_type: String,
    /// `digest`.
    pub digest: String,
    /// `size`.
    pub size: i64,
}

impl Descriptor {
    /// Reads a descriptor object.
    pub fn from_json(value: &Json) -> Option<Descriptor> {
        Some(Descriptor {
            media_type: value["mediaType"].as_str().unwrap_or_default().to_owned(),
            digest: value["digest"].as_str()?.to_owned(),
            size: value["size"].as_i64().unwrap_or_default(),
        })
    }
}

/// Whether a media type is an image manifest (OCI or Docker v2), as containerd's
/// `images.IsManifestType`.
pub fn is_manifest_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_MANIFEST || media_type == MEDIA_TYPE_DOCKER_MANIFEST
}

/// Whether a media type is an image index (OCI or Docker manifest list).
pub fn is_index_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_INDEX || media_type == MEDIA_TYPE_DOCKER_LIST
}
