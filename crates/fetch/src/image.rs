//! An image's evidence fetched from its registry into an OCI image layout (`oci/` of the
//! evidence directory): Buildx's chain (model §6.1), nothing more.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};
use verdict_input::image::{
    ANNOTATION_PREDICATE_TYPE, ARTIFACT_TYPE_BUNDLE, ARTIFACT_TYPE_COSIGN, attestation_for,
    media_type, select_manifest,
};
use verdict_input::oci::{self, Descriptor};
use verdict_input::reference::Reference;
use verdict_input::{Platform, provenance};

use crate::cache::BlobCache;
use crate::client::{MANIFEST_TYPES, Registry};
use crate::{FetchCode, FetchError, Fetched, MAX_REFERRERS, Options, check_digest, is_digest};

/// The evidence of the image `reference` for `platform`; `Ok(None)` when the platform does not
/// parse (the component names what is wrong with it).
pub fn fetch_image(
    reference: &Reference,
    platform: &str,
    options: &Options,
) -> Result<Option<Fetched>, FetchError> {
    let Ok(platform) = Platform::parse(platform) else {
        return Ok(None);
    };
    Walk::new(reference, options)?
        .run(reference, &platform)
        .map(Some)
}

struct Walk<'o> {
    registry: Registry<'o>,
    cache: Option<BlobCache>,
    options: &'o Options,
    /// Fetched blobs by digest.
    blobs: BTreeMap<String, Vec<u8>>,
    cached: u64,
    cached_bytes: u64,
}

impl<'o> Walk<'o> {
    fn new(reference: &Reference, options: &'o Options) -> Result<Walk<'o>, FetchError> {
        Ok(Walk {
            registry: Registry::new(&reference.domain, &reference.path, options)?,
            cache: options.cache.as_deref().map(BlobCache::new),
            options,
            blobs: BTreeMap::new(),
            cached: 0,
            cached_bytes: 0,
        })
    }

    fn run(mut self, reference: &Reference, platform: &Platform) -> Result<Fetched, FetchError> {
        let (root, root_json) = match &reference.digest {
            Some(digest) => {
                let json = self.manifest(digest, "the image")?;
                (digest.clone(), json)
            }
            None => self.tagged(reference)?,
        };
        let root_type = media_type(&root_json, "");
        if oci::is_index_type(&root_type) {
            if let Some(manifest) = select_manifest(&root_json, platform) {
                let json = self.manifest(&manifest.digest, "the platform's manifest")?;
                self.config(&json)?;
                if let Some(attestation) = attestation_for(&root_json, &manifest.digest) {
                    let att = self.manifest(&attestation.digest, "the attestation manifest")?;
                    self.provenance(&att)?;
                    self.signatures(&attestation.digest)?;
                }
            }
        } else if oci::is_manifest_type(&root_type) {
            self.config(&root_json)?;
        }
        Ok(self.layout(reference, &root, &root_type))
    }

    /// The root by tag: its bytes' digest is the root (the registry's binding of the tag is
    /// asserted, as a layout's `index.json` binding is).
    fn tagged(&mut self, reference: &Reference) -> Result<(String, Json), FetchError> {
        let tag = reference.tag.as_deref().unwrap_or("latest");
        let what = format!("the tag {tag}");
        // With a cache, ask the tag's digest first (a HEAD: no body, and not a "pull" in Docker
        // Hub's rate limit); the root is then the manifest of that digest, from the cache when it
        // holds it, checked against the digest either way.
        if self.cache.is_some() {
            let head = self
                .registry
                .head(&format!("manifests/{tag}"), MANIFEST_TYPES, &what)?;
            if head.status.is_success()
                && let Some(digest) = head.digest.filter(|d| is_digest(d))
            {
                let json = self.manifest(&digest, &what)?;
                return Ok((digest, json));
            }
        }
        let response = self.registry.get(
            &format!("manifests/{tag}"),
            MANIFEST_TYPES,
            self.options.max_manifest,
            &what,
            false,
        )?;
        let digest = oci::sha256_digest(&response.body);
        self.progress(&what, &digest, response.body.len(), false);
        let json = parse_json(&response.body, &what)?;
        if let Some(cache) = &self.cache {
            cache.put(&digest, &response.body);
        }
        self.keep(&digest, response.body);
        Ok((digest, json))
    }

    /// A manifest by digest (cache first), parsed.
    fn manifest(&mut self, digest: &str, what: &str) -> Result<Json, FetchError> {
        self.by_digest(digest, true, what)?;
        parse_json(&self.blobs[digest], what)
    }

    /// The manifest's config blob.
    fn config(&mut self, manifest: &Json) -> Result<(), FetchError> {
        if let Some(config) = manifest["config"]["digest"].as_str() {
            self.by_digest(config, false, "the image config")?;
        }
        Ok(())
    }

    /// The attestation manifest's SLSA provenance layers.
    fn provenance(&mut self, attestation: &Json) -> Result<(), FetchError> {
        for layer in attestation["layers"].as_array().into_iter().flatten() {
            let slsa = layer["annotations"][ANNOTATION_PREDICATE_TYPE]
                .as_str()
                .is_some_and(provenance::is_slsa);
            if slsa && let Some(digest) = layer["digest"].as_str() {
                self.by_digest(digest, false, "a provenance layer")?;
            }
        }
        Ok(())
    }

    /// The signature manifests referring to `subject` (the referrers API, else the tag schema),
    /// those whose own `subject` is it, and each one's first layer when it is a bundle.
    fn signatures(&mut self, subject: &str) -> Result<(), FetchError> {
        // The tag schema's name for the subject: `<alg>-<hex>`.
        let schema_tag = subject.replacen(':', "-", 1);
        let listing = self.registry.get(
            &format!("referrers/{subject}"),
            oci::MEDIA_TYPE_INDEX,
            self.options.max_manifest,
            "the referrers of the attestation manifest",
            true,
        )?;
        let index = if listing.status.is_success() {
            self.progress("the referrers API", subject, listing.body.len(), false);
            listing.body
        } else {
            // No referrers API (distribution 2.8): the tag schema.
            let what = "the referrers tag";
            let tagged = self.registry.get(
                &format!("manifests/{schema_tag}"),
                MANIFEST_TYPES,
                self.options.max_manifest,
                what,
                true,
            )?;
            if !tagged.status.is_success() {
                return Ok(());
            }
            self.progress(what, &schema_tag, tagged.body.len(), false);
            tagged.body
        };
        let index = parse_json(&index, "the referrers listing")?;
        let wanted = index["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["artifactType"]
                    .as_str()
                    .is_none_or(|t| t == ARTIFACT_TYPE_BUNDLE || t == ARTIFACT_TYPE_COSIGN)
            })
            .filter_map(Descriptor::from_json)
            .filter(|d| oci::is_manifest_type(&d.media_type) || d.media_type.is_empty())
            // A listing names what refers to the subject, never what the chain already holds
            // (the config, a manifest, a bundle): those are not dropped or replaced by it.
            .filter(|d| !self.blobs.contains_key(&d.digest))
            .take(4 * MAX_REFERRERS)
            .collect::<Vec<_>>();
        let mut kept = 0;
        for descriptor in wanted {
            if kept == MAX_REFERRERS {
                break;
            }
            let manifest = self.manifest(&descriptor.digest, "a signature manifest")?;
            // Only what refers to the manifest asked about: a listing (or a tag anyone who can
            // push may write) that names another image's signature adds nothing.
            if manifest["subject"]["digest"].as_str() != Some(subject) {
                self.blobs.remove(&descriptor.digest);
                continue;
            }
            kept += 1;
            let layer = &manifest["layers"][0];
            if layer["mediaType"].as_str() == Some(ARTIFACT_TYPE_BUNDLE)
                && let Some(digest) = layer["digest"].as_str()
            {
                self.by_digest(digest, false, "a signature bundle")?;
            }
        }
        Ok(())
    }

    /// Holds the blob or manifest `digest`: already held, from the cache when it holds it, else
    /// from the registry, checked against the digest before it is kept (and cached).
    fn by_digest(&mut self, digest: &str, manifest: bool, what: &str) -> Result<(), FetchError> {
        if !is_digest(digest) {
            return Err(FetchError::new(
                FetchCode::MalformedResponse,
                format!("{what}: {digest:?} is not a sha256 or sha512 digest"),
            ));
        }
        if self.blobs.contains_key(digest) {
            return Ok(());
        }
        let cap = if manifest {
            self.options.max_manifest
        } else {
            self.options.max_blob
        };
        if let Some(bytes) = self.cache.as_ref().and_then(|c| c.get(digest, cap)) {
            self.cached += 1;
            self.cached_bytes += bytes.len() as u64;
            if self.cached_bytes + self.registry.stats.bytes > self.options.max_total {
                return Err(FetchError::new(
                    FetchCode::TooLarge,
                    format!(
                        "{what}: the check's evidence is over {} bytes in all",
                        self.options.max_total
                    ),
                ));
            }
            self.progress(what, digest, bytes.len(), true);
            self.keep(digest, bytes);
            return Ok(());
        }
        let (path, accept) = if manifest {
            (format!("manifests/{digest}"), MANIFEST_TYPES)
        } else {
            (format!("blobs/{digest}"), "*/*")
        };
        let response = self.registry.get(&path, accept, cap, what, false)?;
        check_digest(digest, &response.body, what)?;
        self.progress(what, digest, response.body.len(), false);
        if let Some(cache) = &self.cache {
            cache.put(digest, &response.body);
        }
        self.keep(digest, response.body);
        Ok(())
    }

    fn keep(&mut self, digest: &str, bytes: Vec<u8>) {
        self.blobs.insert(digest.to_owned(), bytes);
    }

    fn progress(&self, what: &str, digest: &str, bytes: usize, cached: bool) {
        if self.options.progress {
            let short = digest.get(..19).unwrap_or(digest);
            let from = if cached { "cached" } else { "fetched" };
            eprintln!("  {from} {what} {short}… ({bytes} bytes)");
        }
    }

    /// The OCI image layout of what was fetched: `oci-layout`, `index.json` binding the reference
    /// to the root, and `blobs/<alg>/<hex>`.
    fn layout(self, reference: &Reference, root: &str, root_type: &str) -> Fetched {
        let root_size = self.blobs.get(root).map_or(0, Vec::len);
        let index = json!({
            "schemaVersion": 2,
            "mediaType": oci::MEDIA_TYPE_INDEX,
            "manifests": [{
                "mediaType": root_type,
                "digest": root,
                "size": root_size,
                "annotations": {"org.opencontainers.image.ref.name": reference.to_string()},
            }],
        });
        let mut files = vec![
            (
                "oci/oci-layout".to_owned(),
                br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            ),
            (
                "oci/index.json".to_owned(),
                serde_json::to_vec(&index).unwrap_or_default(),
            ),
        ];
        for (digest, bytes) in self.blobs {
            let path = digest.replacen(':', "/", 1);
            files.push((format!("oci/blobs/{path}"), bytes));
        }
        let mut stats = self.registry.stats;
        stats.cached = self.cached;
        stats.cached_bytes = self.cached_bytes;
        Fetched { files, stats }
    }
}

fn parse_json(bytes: &[u8], what: &str) -> Result<Json, FetchError> {
    serde_json::from_slice(bytes).map_err(|e| {
        FetchError::new(
            FetchCode::MalformedResponse,
            format!("{what} is not JSON: {e}"),
        )
    })
}
