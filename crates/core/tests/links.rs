//! Evidence links, attacked: an asserted link never stands in for a verified one that
//! contradicts it, and the verdict binds every byte of the evidence.
//!
//! The evidence is the minted `docker-github-builder` scenario (tests/minted): an OCI layout with
//! an image index, two platforms, their attestation manifests and Sigstore signature manifests,
//! signed by a private Sigstore whose trusted root sits beside it. Each test changes the layout
//! the way an attacker who controls the evidence directory would, rebuilding the blobs so every
//! digest still matches, and checks what the verdict says.

use std::path::PathBuf;

use serde_json::{Value, json};
use verdict_core::{
    CheckRequest, Decision, Engine, EngineOptions, InputEvidence, Module, Options, sha256,
};

const SOURCE: &str = "docker-image://docker.io/acme/app:v1.0.0";
const NOW_NS: i64 = 1_795_564_800_000_000_000; // 2026-11-25T00:00:00Z

fn scenario() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/minted/docker-github-builder")
}

/// The scenario's layout: `index.json` and the blobs by digest name, in name order.
fn layout() -> (Value, Vec<(String, Vec<u8>)>) {
    let oci = scenario().join("evidence/oci");
    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let mut blobs: Vec<(String, Vec<u8>)> = std::fs::read_dir(oci.join("blobs/sha256"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                format!("sha256:{}", e.file_name().to_str().unwrap()),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    blobs.sort();
    (index, blobs)
}

fn blob<'a>(blobs: &'a [(String, Vec<u8>)], digest: &str) -> &'a [u8] {
    &blobs.iter().find(|(n, _)| n == digest).unwrap().1
}

fn request(index: &Value, blobs: Vec<(String, Vec<u8>)>) -> Req {
    Req {
        source: Some(SOURCE.into()),
        evidence: InputEvidence {
            oci_index: Some(serde_json::to_vec(index).unwrap()),
            blobs,
            ..InputEvidence::default()
        },
    }
}

/// Allows exactly when the image carries a signature and an attestation manifest.
fn policy() -> Vec<Vec<Module>> {
    vec![vec![Module {
        path: "Dockerfile.rego".into(),
        source: "package docker\n\ndefault allow := false\n\nallow if {\n\tinput.image.hasProvenance\n\tcount(input.image.signatures) > 0\n}\n\ndecision := {\"allow\": allow}\n".into(),
    }]]
}

/// A request as the evidence model: the test edits parts, [`run`] lists them as the evidence
/// directory's files (docs/evidence.md).
#[derive(Debug, Clone, Default)]
struct Req {
    source: Option<String>,
    evidence: InputEvidence,
}

/// The evidence directory's files for `e`.
fn listing(e: &InputEvidence) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    if let Some(index) = &e.oci_index {
        files.push(("oci/index.json".to_owned(), index.clone()));
    }
    for (name, content) in &e.blobs {
        files.push((
            format!("oci/blobs/{}", name.replacen(':', "/", 1)),
            content.clone(),
        ));
    }
    if let Some(refs) = &e.git.refs {
        files.push(("git/refs".to_owned(), refs.clone().into_bytes()));
    }
    for (oid, content) in &e.git.objects {
        files.push((format!("git/objects/{oid}"), content.clone()));
    }
    if let Some(d) = &e.attestation_manifest {
        files.push((
            "image/attestation-manifest".to_owned(),
            d.clone().into_bytes(),
        ));
    }
    for (i, bundle) in e.signature_bundles.iter().enumerate() {
        files.push((format!("image/bundles/{i:04}.json"), bundle.clone()));
    }
    files
}

fn run(request: &Req) -> (verdict_core::Verdict, Value) {
    let root = std::fs::read(scenario().join("trusted_root.json")).unwrap();
    let trust = verdict_core::verify::TrustMaterial::from_json(&root).unwrap();
    let request = CheckRequest {
        source: request.source.clone(),
        evidence: listing(&request.evidence),
        ..CheckRequest::default()
    };
    let checked = Engine::new(policy(), &EngineOptions::default()).check(
        &request,
        &trust,
        &Options::at(NOW_NS),
    );
    let record: Value = serde_json::from_str(&checked.verdict.canonical_json).unwrap();
    (checked.verdict, record)
}

fn fact<'a>(record: &'a Value, field: &str, status: &str) -> Option<&'a Value> {
    record["facts"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field && f["status"] == status)
}

/// The root index of the layout, its attestation-manifest descriptor for amd64, and the bundle
/// that signs it (the first layer of the signature manifest whose subject it is).
struct Chain {
    root: String,
    root_json: Value,
    attestation: String,
    bundle: Vec<u8>,
}

fn chain(index: &Value, blobs: &[(String, Vec<u8>)]) -> Chain {
    let root = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let root_json: Value = serde_json::from_slice(blob(blobs, &root)).unwrap();
    let attestation = attestation_for(&root_json, 0);
    let bundle = chain_bundle(blobs, &attestation);
    Chain {
        root,
        root_json,
        attestation,
        bundle,
    }
}

/// Replaces the root index by `new_root` (rebuilding its blob and `index.json`'s binding).
fn with_root(index: &Value, blobs: &mut Vec<(String, Vec<u8>)>, new_root: &Value) -> Value {
    let bytes = serde_json::to_vec(new_root).unwrap();
    let digest = sha256(&bytes);
    let mut index = index.clone();
    index["manifests"][0]["digest"] = json!(digest);
    index["manifests"][0]["size"] = json!(bytes.len());
    blobs.push((digest, bytes));
    index
}

#[test]
fn the_untouched_layout_is_signed() {
    let (index, blobs) = layout();
    let (v, r) = run(&request(&index, blobs));
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
    assert!(fact(&r, "image.signatures", "verified").is_some(), "{r}");
}

#[test]
fn an_asserted_attestation_cannot_sign_an_index_that_has_none() {
    let (index, mut blobs) = layout();
    let c = chain(&index, &blobs);
    // The attacker drops the attestation manifests from the (verified) index, then asserts the
    // old attestation manifest's digest with its bundle, as `image/attestation-manifest` and
    // `image/bundles/` would.
    let mut root = c.root_json.clone();
    root["manifests"]
        .as_array_mut()
        .unwrap()
        .retain(|d| d["annotations"]["vnd.docker.reference.type"] != "attestation-manifest");
    let index = with_root(&index, &mut blobs, &root);
    let mut req = request(&index, blobs);
    req.evidence.attestation_manifest = Some(c.attestation.clone());
    req.evidence.signature_bundles = vec![c.bundle];
    let (v, r) = run(&req);
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
    assert!(fact(&r, "image.hasProvenance", "failed").is_some(), "{r}");
    assert!(fact(&r, "image.signatures", "verified").is_none(), "{r}");
}

#[test]
fn an_asserted_attestation_for_another_platform_is_not_this_images() {
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    // The arm64 attestation manifest (and its valid bundle) asserted for an amd64 check whose
    // verified index names a different attestation manifest: the index wins.
    let other = attestation_for(&c.root_json, 1);
    let other_bundle = chain_bundle(&blobs, &other);
    let mut req = request(&index, blobs);
    req.evidence.attestation_manifest = Some(other);
    req.evidence.signature_bundles = vec![other_bundle];
    let (v, r) = run(&req);
    assert!(
        fact(&r, "image.attestation-manifest", "failed").is_some(),
        "{r}"
    );
    // The layout's own chain still decides (it is signed).
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
}

/// The attestation manifest the root index names for its `platform`-th manifest.
fn attestation_for(root_json: &Value, platform: usize) -> String {
    let manifest = root_json["manifests"][platform]["digest"].as_str().unwrap();
    root_json["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["vnd.docker.reference.digest"] == manifest)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn chain_bundle(blobs: &[(String, Vec<u8>)], attestation: &str) -> Vec<u8> {
    let signature = blobs
        .iter()
        .filter_map(|(_, b)| serde_json::from_slice::<Value>(b).ok())
        .find(|m| m["subject"]["digest"] == attestation)
        .unwrap();
    blob(blobs, signature["layers"][0]["digest"].as_str().unwrap()).to_vec()
}

/// A request with only `image/attestation-manifest` and `image/bundles/` (no layout).
fn asserted_only(source: &str, attestation: &str, bundle: Vec<u8>) -> Req {
    Req {
        source: Some(source.into()),
        evidence: InputEvidence {
            attestation_manifest: Some(attestation.into()),
            signature_bundles: vec![bundle],
            ..InputEvidence::default()
        },
    }
}

#[test]
fn an_image_known_only_by_its_tag_takes_the_asserted_attestation_as_asserted() {
    // The github-builder-real example's shape: nothing identifies the image beyond its tag, so
    // the host's word stands, and the facts say it is the host's word.
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    let (v, r) = run(&asserted_only(SOURCE, &c.attestation, c.bundle));
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
    assert!(fact(&r, "image.hasProvenance", "asserted").is_some(), "{r}");
    let how = fact(&r, "image.signatures", "verified").unwrap()["how"].to_string();
    assert!(how.contains("asserted attestation manifest"), "{how}");
}

#[test]
fn a_supplied_attestation_manifest_of_a_tag_only_image_must_pass_buildx_checks() {
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    // Its bytes supplied with nothing to bind the tag: kept (asserted) when it has a subject and
    // an SLSA layer …
    let mut unbound = index;
    unbound["manifests"][0]["annotations"] = json!({});
    let with_bytes = |att: Vec<u8>| {
        let digest = sha256(&att);
        let mut req = request(&unbound, vec![(digest.clone(), att)]);
        req.evidence.attestation_manifest = Some(digest);
        req.evidence.signature_bundles = vec![c.bundle.clone()];
        run(&req)
    };
    let att = blob(&blobs, &c.attestation).to_vec();
    let mut att_json: Value = serde_json::from_slice(&att).unwrap();
    let (_, r) = with_bytes(att);
    assert!(fact(&r, "image.hasProvenance", "asserted").is_some(), "{r}");
    // … refused without a subject (older attestation manifests never yield signatures in Buildx).
    att_json.as_object_mut().unwrap().remove("subject");
    let (v, r) = with_bytes(serde_json::to_vec(&att_json).unwrap());
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
    assert!(fact(&r, "image.hasProvenance", "failed").is_some(), "{r}");
}

#[test]
fn an_image_pinned_by_digest_without_its_root_takes_no_asserted_attestation() {
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    let amd64 = c.root_json["manifests"][0]["digest"].as_str().unwrap();
    let evil = sha256(b"evil");
    // Another image altogether, and the platform manifest pinned directly (Buildx: a root that
    // is not an index has no signatures): neither can be tied to the attestation manifest.
    for pinned in [evil.as_str(), amd64] {
        let source = format!("docker-image://docker.io/acme/app@{pinned}");
        let (v, r) = run(&asserted_only(&source, &c.attestation, c.bundle.clone()));
        assert_eq!(v.decision, Decision::Deny, "{pinned}: {}", v.canonical_json);
        assert!(fact(&r, "image.hasProvenance", "failed").is_some(), "{r}");
    }
}

#[test]
fn an_image_bound_by_the_layout_without_its_root_takes_no_asserted_attestation() {
    let (index, mut blobs) = layout();
    let c = chain(&index, &blobs);
    // index.json binds the tag to the root, but the root blob is withheld.
    blobs.retain(|(name, _)| *name != c.root);
    let mut req = request(&index, blobs);
    req.evidence.attestation_manifest = Some(c.attestation.clone());
    req.evidence.signature_bundles = vec![c.bundle];
    let (v, r) = run(&req);
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
    assert!(fact(&r, "image.hasProvenance", "failed").is_some(), "{r}");
}

#[test]
fn an_attestation_digest_in_uppercase_is_invalid_evidence() {
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    let (algorithm, hex) = c.attestation.split_once(':').unwrap();
    let upper = format!("{algorithm}:{}", hex.to_uppercase());
    let (v, _) = run(&asserted_only(SOURCE, &upper, c.bundle));
    assert_eq!(v.decision, Decision::Error, "{}", v.canonical_json);
    assert_eq!(v.error.unwrap().code.as_str(), "invalid-evidence");
}

#[test]
fn bundles_stand_in_for_a_missing_signature_manifest_of_the_attestation_the_index_names() {
    let (index, blobs) = layout();
    let c = chain(&index, &blobs);
    // The layout without its signature manifests: the bundle comes from image/bundles/.
    let unsigned: Vec<(String, Vec<u8>)> = blobs
        .iter()
        .filter(|(_, b)| {
            serde_json::from_slice::<Value>(b)
                .map(|m| m["artifactType"] != "application/vnd.dev.sigstore.bundle.v0.3+json")
                .unwrap_or(true)
        })
        .cloned()
        .collect();
    assert!(unsigned.len() < blobs.len());
    let (v, _) = run(&request(&index, unsigned.clone()));
    assert_eq!(
        v.decision,
        Decision::Deny,
        "unsigned layout: {}",
        v.canonical_json
    );
    let mut req = request(&index, unsigned.clone());
    req.evidence.attestation_manifest = Some(c.attestation.clone());
    req.evidence.signature_bundles = vec![c.bundle.clone()];
    let (v, r) = run(&req);
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
    let how = fact(&r, "image.signatures", "verified").unwrap()["how"].to_string();
    assert!(how.contains("named by the verified index"), "{how}");
    // The other platform's bundle does not sign this attestation manifest.
    let other = attestation_for(&c.root_json, 1);
    let mut req = request(&index, unsigned);
    req.evidence.attestation_manifest = Some(c.attestation);
    req.evidence.signature_bundles = vec![chain_bundle(&blobs, &other)];
    let (v, r) = run(&req);
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
    assert!(fact(&r, "image.signatures", "failed").is_some(), "{r}");
}

#[test]
fn the_verdict_binds_every_blob_by_digest_in_any_order() {
    let (index, blobs) = layout();
    let (base, _) = run(&request(&index, blobs.clone()));
    // Same files, listed in another order: same verdict.
    let mut reversed = blobs.clone();
    reversed.reverse();
    let (same, _) = run(&request(&index, reversed));
    assert_eq!(base.hash, same.hash);
    // One more blob that nothing references (valid: its name is its digest): another verdict.
    let mut extra = blobs.clone();
    let junk = b"not referenced by anything".to_vec();
    extra.push((sha256(&junk), junk));
    let (more, r) = run(&request(&index, extra));
    assert_eq!(more.decision, base.decision);
    assert_ne!(base.hash, more.hash);
    assert_eq!(
        r["request"]["evidence"]["blobs"]["count"],
        json!(blobs.len() + 1)
    );
    // Another unreferenced blob of the same count: another verdict again.
    let mut other = blobs;
    let junk = b"also not referenced".to_vec();
    other.push((sha256(&junk), junk));
    let (different, _) = run(&request(&index, other));
    assert_ne!(more.hash, different.hash);
}

#[test]
fn the_verdict_binds_every_git_object_by_digest() {
    let commit = |msg: &str| {
        format!("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n{msg}\n")
            .into_bytes()
    };
    let named = |content: Vec<u8>| {
        (
            verdict_input::git::object_id("commit", &content, 40),
            content,
        )
    };
    let a = named(commit("a"));
    let b = named(commit("b"));
    let c = named(commit("c"));
    let req = |objects: Vec<(String, Vec<u8>)>| Req {
        source: Some(format!("https://github.com/acme/app.git#{}", a.0)),
        evidence: InputEvidence {
            git: verdict_core::GitEvidence {
                refs: None,
                objects,
            },
            ..InputEvidence::default()
        },
    };
    let (ab, _) = run(&req(vec![a.clone(), b.clone()]));
    let (ba, _) = run(&req(vec![b, a.clone()]));
    let (ac, _) = run(&req(vec![a.clone(), c]));
    assert_eq!(ab.hash, ba.hash);
    assert_ne!(ab.hash, ac.hash, "an unreferenced object of the same count");
}
