//! `input.image` from evidence: the root digest, the platform's manifest and config, the
//! attestation manifest, its SLSA provenance, and the verified signature of the attestation
//! manifest (model §4.2, §6; BX `policy/validate.go`, `policy/signatures.go`, PH
//! `image/resolve.go` `ResolveSignatureChain` and `verifier.go` `VerifyImage`).
//!
//! Every blob comes from a [`Store`] that re-hashed it. The chain is followed the way Buildx
//! follows it:
//!
//! 1. root = the reference's digest, else the layout's `index.json` binding for the reference
//!    (asserted);
//! 2. an OCI index → the manifest for the platform (containerd matcher; entries without platform
//!    accepted) → its config; a single manifest → its config;
//! 3. the attestation manifest: the index entry annotated
//!    `vnd.docker.reference.type=attestation-manifest` and `vnd.docker.reference.digest=<manifest>`
//!    (`hasProvenance`), its first usable SLSA provenance layer (`provenance`);
//! 4. signatures only when the root is an OCI image index (`application/vnd.oci.image.index.v1+json`):
//!    the attestation manifest's `subject` must be the image manifest (digest, size, manifest or
//!    index media type) and it must carry an SLSA layer; the signature manifest is a stored
//!    manifest whose `subject` is the attestation manifest (bundle artifact type preferred), with
//!    the same subject checks and ≥ 1 layer; its first layer must be a Sigstore bundle (the
//!    manifest's artifactType too); the bundle is verified against the attestation manifest's
//!    digest with any identity, SCT + tlog + timestamp required. Any failure omits `signatures`
//!    (Buildx has no error field) and is recorded in the facts.

use serde_json::{Map, Value as Json, json};
use verdict_verify::{Artifact, HashAlgorithm, Identity, Policy, TrustMaterial};

use crate::facts::Facts;
use crate::oci::{self, Descriptor, Store};
use crate::provenance::{self, Provenance};
use crate::reference::Reference;
use crate::signature;
use crate::{Error, Platform};

/// The index annotation naming what an entry refers to (`attestation-manifest`).
pub const ANNOTATION_REF_TYPE: &str = "vnd.docker.reference.type";
/// The index annotation naming the manifest an attestation manifest is for.
pub const ANNOTATION_REF_DIGEST: &str = "vnd.docker.reference.digest";
/// The layer annotation naming an in-toto statement's predicate type.
pub const ANNOTATION_PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// A signature manifest whose layer is a Sigstore bundle (v0.3).
pub const ARTIFACT_TYPE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// A legacy cosign signature manifest.
pub const ARTIFACT_TYPE_COSIGN: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";

/// What the evidence added to an image input.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The provenance, if any, with its raw materials.
    pub provenance: Option<Provenance>,
    /// The root resolved to something other than an OCI image index (Buildx then exposes no
    /// signatures).
    pub root_not_index: bool,
    /// The root's bytes were supplied and hashed: the index (or manifest) is verified evidence,
    /// and what it says about attestations overrides anything the host asserts.
    pub root_verified: bool,
    /// The attestation manifest the verified index names for the platform's manifest.
    pub attestation: Option<String>,
    /// The platform's manifest, when the verified root names one.
    pub manifest: Option<Descriptor>,
}

/// The names `index.json` may bind the reference under, most specific first.
fn names(reference: &Reference) -> Vec<String> {
    let mut out = vec![reference.to_string()];
    let familiar = reference.familiar_name();
    if let Some(tag) = &reference.tag {
        out.push(format!("{familiar}:{tag}"));
        out.push(tag.clone());
    }
    out
}

/// A manifest's media type: its `mediaType`, else what its fields say it is (an index has
/// `manifests`, a manifest `layers`), else `fallback`.
pub fn media_type(value: &Json, fallback: &str) -> String {
    match value["mediaType"].as_str() {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ if value.get("manifests").is_some() => oci::MEDIA_TYPE_INDEX.to_owned(),
        _ if value.get("layers").is_some() => oci::MEDIA_TYPE_MANIFEST.to_owned(),
        _ => fallback.to_owned(),
    }
}

/// Fills `image` (already holding the source-only fields) from the evidence in `store`.
pub fn resolve(
    reference: &Reference,
    platform: &Platform,
    store: &Store,
    trust: &TrustMaterial,
    image: &mut Map<String, Json>,
    facts: &mut Facts,
) -> Result<Resolved, Error> {
    let mut resolved = Resolved::default();
    let root = match &reference.digest {
        Some(d) => d.clone(),
        None => match store.named(&names(reference)) {
            Some(d) => {
                facts.asserted(
                    "image.checksum",
                    format!("index.json binds {reference} to {d}"),
                );
                d.to_owned()
            }
            None => return Ok(resolved),
        },
    };
    image.insert("checksum".into(), json!(root));
    let Some(root_bytes) = store.get(&root) else {
        return Ok(resolved);
    };
    let root_json: Json = serde_json::from_slice(root_bytes)
        .map_err(|e| Error::invalid_evidence(format!("root {root} is not JSON: {e}")))?;
    facts.verified("image.root", format!("root blob {root} hashed"));
    resolved.root_verified = true;
    let root_type = media_type(&root_json, "");
    resolved.root_not_index = root_type != oci::MEDIA_TYPE_INDEX;

    let (manifest, attestation) = if oci::is_index_type(&root_type) {
        let manifest = select_manifest(&root_json, platform).ok_or_else(|| {
            Error::invalid_evidence(format!(
                "no manifest for platform {} in index {root}",
                platform.format()
            ))
        })?;
        let attestation = attestation_for(&root_json, &manifest.digest);
        (Some(manifest), attestation)
    } else if oci::is_manifest_type(&root_type) {
        let manifest = Descriptor {
            media_type: root_type.clone(),
            digest: root.clone(),
            size: i64::try_from(root_bytes.len()).unwrap_or(i64::MAX),
        };
        (Some(manifest), None)
    } else {
        return Err(Error::invalid_evidence(format!(
            "root {root} is neither an image index nor a manifest (media type {root_type:?})"
        )));
    };

    if let Some(manifest) = &manifest
        && let Some(m) = store.json(&manifest.digest)
        && let Some(config) = m["config"]["digest"].as_str()
        && let Some(config_bytes) = store.get(config)
    {
        let config: Json = serde_json::from_slice(config_bytes)
            .map_err(|e| Error::invalid_evidence(format!("config {config} is not JSON: {e}")))?;
        config_fields(&config, image);
        facts.verified(
            "image.config",
            format!(
                "config {config_digest} hashed",
                config_digest = m["config"]["digest"].as_str().unwrap_or_default()
            ),
        );
    }

    resolved.manifest.clone_from(&manifest);
    let Some(attestation) = attestation else {
        return Ok(resolved);
    };
    resolved.attestation = Some(attestation.digest.clone());
    image.insert("hasProvenance".into(), json!(true));
    let Some(att_json) = store.json(&attestation.digest) else {
        facts.asserted(
            "image.hasProvenance",
            format!(
                "the index names attestation manifest {} (not supplied)",
                attestation.digest
            ),
        );
        return Ok(resolved);
    };
    resolved.provenance = first_provenance(&att_json, store);
    if let Some(p) = &resolved.provenance {
        image.insert("provenance".into(), Json::Object(p.object.clone()));
        facts.verified(
            "image.provenance",
            format!("attestation manifest {} hashed", attestation.digest),
        );
    }
    if root_type != oci::MEDIA_TYPE_INDEX {
        facts.failed(
            "image.signatures",
            "the root is not an OCI image index (Buildx reads signatures only there)",
        );
        return Ok(resolved);
    }
    let manifest = manifest.unwrap_or_else(|| attestation.clone());
    match verified_signature(&manifest, &attestation, &att_json, store, trust) {
        Ok(Some((sig, bundle_digest))) => {
            image.insert("signatures".into(), Json::Array(vec![sig]));
            facts.verified(
                "image.signatures",
                format!(
                    "bundle {bundle_digest} verified over attestation manifest {}",
                    attestation.digest
                ),
            );
        }
        Ok(None) => {}
        Err(why) => facts.failed("image.signatures", why),
    }
    Ok(resolved)
}

/// The attestation manifest an index names for the manifest `digest`: the entry annotated
/// `vnd.docker.reference.type=attestation-manifest` and `vnd.docker.reference.digest=<digest>`.
pub fn attestation_for(index: &Json, digest: &str) -> Option<Descriptor> {
    index["manifests"]
        .as_array()?
        .iter()
        .find(|d| {
            d["annotations"][ANNOTATION_REF_TYPE].as_str() == Some("attestation-manifest")
                && d["annotations"][ANNOTATION_REF_DIGEST].as_str() == Some(digest)
        })
        .and_then(Descriptor::from_json)
}

/// The manifest for `platform` in an index: manifest-typed entries whose platform matches (or
/// that have none), best match first.
pub fn select_manifest(index: &Json, platform: &Platform) -> Option<Descriptor> {
    // containerd's `platforms.Only` preference order (PH `image/resolve.go` sorts by
    // `pMatcher.Less`); entries without a platform match last; ties keep index order.
    let mut candidates: Vec<(usize, Descriptor)> = index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| oci::is_manifest_type(d["mediaType"].as_str().unwrap_or_default()))
        .filter_map(|d| {
            let rank = match d.get("platform") {
                None | Some(Json::Null) => usize::MAX,
                Some(p) => platform.match_rank(&Platform::from_oci(p)?)?,
            };
            Some((rank, Descriptor::from_json(d)?))
        })
        .collect();
    candidates.sort_by_key(|(rank, _)| *rank);
    candidates.into_iter().next().map(|(_, d)| d)
}

/// Buildx's config fields (Go `omitempty`; `createdTime` keeps the config's zone, seconds only;
/// volume order is Go map order in Buildx — sorted here).
fn config_fields(config: &Json, image: &mut Map<String, Json>) {
    if let Some(created) = config["created"].as_str()
        && let Ok(t) = chrono::DateTime::parse_from_rfc3339(created)
    {
        image.insert(
            "createdTime".into(),
            json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    }
    let c = &config["config"];
    if let Some(env) = c["Env"].as_array().filter(|e| !e.is_empty()) {
        image.insert("env".into(), Json::Array(env.clone()));
    }
    if let Some(labels) = c["Labels"].as_object().filter(|l| !l.is_empty()) {
        image.insert("labels".into(), Json::Object(labels.clone()));
    }
    if let Some(user) = c["User"].as_str().filter(|u| !u.is_empty()) {
        image.insert("user".into(), json!(user));
    }
    if let Some(volumes) = c["Volumes"].as_object().filter(|v| !v.is_empty()) {
        let keys: Vec<&String> = volumes.keys().collect();
        image.insert("volumes".into(), json!(keys));
    }
    if let Some(dir) = c["WorkingDir"].as_str().filter(|d| !d.is_empty()) {
        image.insert("workingDir".into(), json!(dir));
    }
}

fn first_provenance(attestation: &Json, store: &Store) -> Option<Provenance> {
    attestation["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|layer| {
            let annotated = layer["annotations"][ANNOTATION_PREDICATE_TYPE].as_str()?;
            if !provenance::is_slsa(annotated) {
                return None;
            }
            provenance::parse(store.get(layer["digest"].as_str()?)?, annotated)
        })
}

fn subject_matches(manifest: &Json, what: &str, subject: &Descriptor) -> Result<(), String> {
    let Some(s) = manifest.get("subject").and_then(Descriptor::from_json) else {
        return Err(format!("{what} has no subject"));
    };
    if s.digest != subject.digest {
        return Err(format!(
            "{what} subject digest {} does not match {}",
            s.digest, subject.digest
        ));
    }
    if !oci::is_manifest_type(&s.media_type) && !oci::is_index_type(&s.media_type)
        || s.media_type.starts_with("application/vnd.docker")
    {
        return Err(format!(
            "{what} subject media type {} is not an image manifest or index",
            s.media_type
        ));
    }
    if s.size != subject.size {
        return Err(format!(
            "{what} subject size {} does not match {}",
            s.size, subject.size
        ));
    }
    Ok(())
}

/// The verified signature of the attestation manifest and the bundle's digest; `Ok(None)` when
/// there is no signature manifest; `Err(why)` when there is one and it fails.
fn verified_signature(
    manifest: &Descriptor,
    attestation: &Descriptor,
    att_json: &Json,
    store: &Store,
    trust: &TrustMaterial,
) -> Result<Option<(Json, String)>, String> {
    let mut referrers: Vec<(&str, Json)> = store
        .referrers(&attestation.digest)
        .into_iter()
        .filter(|(_, m)| {
            let t = m["artifactType"].as_str().unwrap_or(ARTIFACT_TYPE_COSIGN);
            t == ARTIFACT_TYPE_BUNDLE || t == ARTIFACT_TYPE_COSIGN
        })
        .collect();
    referrers.sort_by_key(|(_, m)| m["artifactType"].as_str() != Some(ARTIFACT_TYPE_BUNDLE));
    let Some((sig_digest, sig)) = referrers.into_iter().next() else {
        return Ok(None);
    };
    attestation_of(att_json, manifest)?;
    subject_matches(&sig, "the signature manifest", attestation)?;
    let Some(layer) = sig["layers"].as_array().and_then(|l| l.first()) else {
        return Err(format!("signature manifest {sig_digest} has no layer"));
    };
    let layer_type = layer["mediaType"].as_str().unwrap_or_default();
    if layer_type != ARTIFACT_TYPE_BUNDLE {
        return Err(format!(
            "signature manifest {sig_digest}: layer type {layer_type} is not supported (legacy cosign simple signing is not verified by verdict yet)"
        ));
    }
    if sig["artifactType"].as_str() != Some(ARTIFACT_TYPE_BUNDLE) {
        return Err(format!("signature manifest {sig_digest} is not a bundle"));
    }
    let layer_digest = layer["digest"].as_str().unwrap_or_default();
    let Some(bundle) = store.get(layer_digest) else {
        return Err(format!("bundle layer {layer_digest} was not supplied"));
    };
    let sig = verify_over(bundle, layer_digest, &attestation.digest, trust)?;
    Ok(Some((sig, layer_digest.to_owned())))
}

/// Buildx's checks of an attestation manifest before its signature counts: its `subject` is the
/// platform's image manifest (digest, size, media type) and it carries an SLSA provenance layer.
fn attestation_of(att_json: &Json, manifest: &Descriptor) -> Result<(), String> {
    subject_matches(att_json, "the attestation manifest", manifest)?;
    slsa_layer(att_json)
}

/// An attestation manifest without an SLSA provenance layer yields no signature in Buildx.
fn slsa_layer(att_json: &Json) -> Result<(), String> {
    let has_slsa = att_json["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|l| {
            provenance::is_slsa(
                l["annotations"][ANNOTATION_PREDICATE_TYPE]
                    .as_str()
                    .unwrap_or_default(),
            )
        });
    if has_slsa {
        Ok(())
    } else {
        Err("the attestation manifest has no SLSA provenance layer".into())
    }
}

/// Verifies `bundle` (named `name` in messages) over the attestation manifest `attestation` with
/// any identity, SCT + tlog + timestamp required; the signature as Buildx shows it.
fn verify_over(
    bundle: &[u8],
    name: &str,
    attestation: &str,
    trust: &TrustMaterial,
) -> Result<Json, String> {
    let (algorithm, digest) =
        split_digest(attestation).ok_or_else(|| format!("bad attestation digest {attestation}"))?;
    let policy = Policy::new(Identity::AnyCertificate);
    let artifact = Artifact::Digest {
        algorithm,
        digest: &digest,
    };
    verdict_verify::verify(trust, bundle, artifact, &policy)
        .map(|verified| signature::attestation_signature(&verified))
        .map_err(|e| format!("bundle {name}: {}: {}", e.code().as_str(), e.message()))
}

/// An attestation manifest the host names by digest (docs/evidence.md `image/`), with Sigstore
/// bundles over it. An asserted link never stands in for a verified one that contradicts it, nor
/// ties a signature to an image the evidence identifies but cannot link it to:
///
/// - the digest must be written as Buildx writes digests (lowercase hex), so it names exactly
///   one blob of the layout;
/// - when the layout supplied the image's root (`resolved.root_verified`), the verified index
///   decides. If it names this attestation manifest for the platform, the bundles stand in for a
///   missing signature manifest, under the checks the layout's own signature gets (the
///   attestation manifest's bytes are there, its `subject` is the platform's manifest, it carries
///   SLSA provenance); if it names another one, that chain wins and the named one is recorded as
///   failed; if it names none, the host's digest is refused: the index proves the image has no
///   attestation manifest for this platform;
/// - when the evidence identifies the image (the source pins a digest, or `index.json` binds the
///   tag) but does not supply its root, the link cannot be checked: refused;
/// - only when nothing identifies the image beyond its tag (no layout binding, no digest) does
///   the host's word stand: `hasProvenance` is asserted and the first bundle (Buildx reads one
///   signature manifest) becomes the signature if it verifies against that digest — a signature
///   over an asserted subject, and the facts say so.
pub fn asserted_attestation(
    digest: &str,
    bundles: &[Vec<u8>],
    trust: &TrustMaterial,
    resolved: &Resolved,
    store: &Store,
    image: &mut Map<String, Json>,
    facts: &mut Facts,
) -> Result<(), Error> {
    let lowercase = digest
        .split_once(':')
        .is_some_and(|(_, hex)| !hex.bytes().any(|b| b.is_ascii_uppercase()));
    if split_digest(digest).is_none() || !lowercase {
        return Err(Error::invalid_evidence(format!(
            "attestation manifest digest `{digest}` is not sha256:<hex>, sha384:<hex> or sha512:<hex> in lowercase hex"
        )));
    }
    if resolved.root_verified {
        match (&resolved.attestation, &resolved.manifest) {
            (Some(verified), Some(manifest)) if verified == digest => {
                if !image.contains_key("signatures") {
                    named_by_index(digest, manifest, bundles, trust, store, image, facts);
                }
            }
            (Some(verified), _) => facts.failed(
                "image.attestation-manifest",
                format!(
                    "the host names attestation manifest {digest}, the verified index names {verified}: the index wins"
                ),
            ),
            (None, _) => facts.failed(
                "image.hasProvenance",
                format!(
                    "the host names attestation manifest {digest}, but the verified index has none for this platform's manifest"
                ),
            ),
        }
        return Ok(());
    }
    if let Some(checksum) = image.get("checksum").and_then(Json::as_str) {
        facts.failed(
            "image.hasProvenance",
            format!(
                "the evidence names image {checksum} but not its root (index): the link of attestation manifest {digest} to it cannot be checked"
            ),
        );
        return Ok(());
    }
    if let Some(att_json) = store.json(digest) {
        // Its bytes are here: nothing to compare its subject with, but Buildx's other checks
        // hold (a subject at all, an SLSA layer).
        let checked = match att_json.get("subject").and_then(Descriptor::from_json) {
            Some(_) => slsa_layer(&att_json),
            None => Err("the attestation manifest has no subject".to_owned()),
        };
        if let Err(why) = checked {
            facts.failed("image.hasProvenance", format!("{digest}: {why}"));
            return Ok(());
        }
    }
    image.insert("hasProvenance".into(), json!(true));
    facts.asserted(
        "image.hasProvenance",
        format!("the host names attestation manifest {digest} for an image known only by its tag"),
    );
    // Buildx uses one signature manifest (bundle format first); so does this: the first bundle.
    let Some(bundle) = bundles.first() else {
        return Ok(());
    };
    let name = oci::sha256_digest(bundle);
    match verify_over(bundle, &name, digest, trust) {
        Ok(sig) => {
            image.insert("signatures".into(), Json::Array(vec![sig]));
            facts.verified(
                "image.signatures",
                format!("bundle {name} verified over the asserted attestation manifest {digest}"),
            );
        }
        Err(why) => facts.failed("image.signatures", why),
    }
    Ok(())
}

/// The verified index names `digest` as the platform's attestation manifest, and the layout has
/// no signature for it: the host's first bundle is the signature when the attestation manifest
/// passes the layout chain's checks.
fn named_by_index(
    digest: &str,
    manifest: &Descriptor,
    bundles: &[Vec<u8>],
    trust: &TrustMaterial,
    store: &Store,
    image: &mut Map<String, Json>,
    facts: &mut Facts,
) {
    let Some(bundle) = bundles.first() else {
        return;
    };
    let Some(att_json) = store.json(digest) else {
        facts.failed(
            "image.signatures",
            format!(
                "attestation manifest {digest} was not supplied: its subject cannot be checked"
            ),
        );
        return;
    };
    let name = oci::sha256_digest(bundle);
    match attestation_of(&att_json, manifest)
        .and_then(|()| verify_over(bundle, &name, digest, trust))
    {
        Ok(sig) => {
            image.insert("signatures".into(), Json::Array(vec![sig]));
            facts.verified(
                "image.signatures",
                format!(
                    "bundle {name} verified over attestation manifest {digest} (named by the verified index)"
                ),
            );
        }
        Err(why) => facts.failed("image.signatures", why),
    }
}

/// `<algorithm>:<hex>` → the algorithm and the raw digest (its length checked).
pub fn split_digest(digest: &str) -> Option<(HashAlgorithm, Vec<u8>)> {
    let (algorithm, hex) = digest.split_once(':')?;
    let algorithm = match algorithm {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        _ => return None,
    };
    let raw = decode_hex(hex)?;
    (raw.len() == algorithm.digest_len()).then_some((algorithm, raw))
}

/// Lowercase or uppercase hex → bytes (`None` for odd lengths and other characters).
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}
