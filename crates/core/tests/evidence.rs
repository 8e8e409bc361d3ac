//! Bundles as evidence: a policy sees `input.signatures` only for bundles that verify, a forged
//! `signatures` in the input is replaced, and the verdict records every bundle's outcome.

use serde_json::Value;
use verdict_core::verify::{HashAlgorithm, TrustMaterial};
use verdict_core::{BundleEvidence, Decision, Engine, EngineOptions, Evidence, Module, Options};

const POLICY: &str = r#"package docker

default allow := false

allow if {
	some s in input.signatures
	s.type == "bundle-v0.3"
	s.signer.sourceRepositoryURI == "https://github.com/docker/github-builder-test"
	s.signer.certificateIssuer == "CN=sigstore-intermediate,O=sigstore.dev"
	s.timestamps[0].type == "Tlog"
}

decision := {"allow": allow}
"#;

const DIGEST: &str = "8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664";

fn bundle() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json"),
    )
    .unwrap()
}

fn digest(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn engine() -> Engine {
    engine_for(POLICY)
}

fn engine_for(policy: &str) -> Engine {
    let module = Module {
        path: "Dockerfile.rego".into(),
        source: policy.into(),
    };
    Engine::new(vec![vec![module]], &EngineOptions::default())
}

const NOW: Options = Options::at(1_763_000_000_000_000_000);

fn evidence(bundle: Vec<u8>, hex: &str) -> Evidence {
    Evidence {
        trust: TrustMaterial::public_good(),
        bundles: vec![BundleEvidence {
            bundle,
            algorithm: HashAlgorithm::Sha256,
            digest: digest(hex),
        }],
    }
}

fn record(v: &verdict_core::Verdict) -> Value {
    serde_json::from_str(&v.canonical_json).unwrap()
}

#[test]
fn a_verified_bundle_is_a_signature_the_policy_sees() {
    let v = engine().evaluate_with_evidence("{}", &evidence(bundle(), DIGEST), &NOW);
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
    let r = record(&v);
    assert_eq!(r["evidence"]["bundles"][0]["verified"], true);
    assert_eq!(
        r["evidence"]["bundles"][0]["artifact"],
        format!("sha256:{DIGEST}")
    );
    assert_eq!(
        r["evidence"]["trustRoot"],
        TrustMaterial::public_good().digest()
    );
    // The verified signer, as data: where the input shows it and the certificate's facts.
    assert_eq!(v.signers.len(), 1, "{:?}", v.signers);
    assert_eq!(v.signers[0].path, "signatures[0]");
    assert!(
        v.signers[0]
            .fields
            .iter()
            .any(|(k, val)| k == "certificateIssuer" && !val.is_empty()),
        "{:?}",
        v.signers[0]
    );
}

#[test]
fn a_tampered_bundle_gives_no_signature() {
    let mut b = bundle();
    // Change one byte of the DSSE signature (base64 'M' -> 'N').
    let text = String::from_utf8(b.clone()).unwrap();
    let at = text.find("\"sig\": \"").unwrap() + 8;
    b[at + 10] = if b[at + 10] == b'A' { b'B' } else { b'A' };
    let v = engine().evaluate_with_evidence("{}", &evidence(b, DIGEST), &NOW);
    assert_eq!(v.decision, Decision::Deny);
    let r = record(&v);
    assert_eq!(r["evidence"]["bundles"][0]["verified"], false);
    assert!(r["evidence"]["bundles"][0]["error"]["code"].is_string());
}

#[test]
fn a_bundle_for_another_artifact_gives_no_signature() {
    let other = "00".repeat(32);
    let v = engine().evaluate_with_evidence("{}", &evidence(bundle(), &other), &NOW);
    assert_eq!(v.decision, Decision::Deny);
    assert_eq!(
        record(&v)["evidence"]["bundles"][0]["error"]["code"],
        "artifact-mismatch"
    );
}

#[test]
fn the_signatures_fact_says_why_each_bundle_failed() {
    let other = "00".repeat(32);
    let v = engine().evaluate_with_evidence("{}", &evidence(bundle(), &other), &NOW);
    let how = verdict_how(&v, "signatures");
    assert!(
        how.starts_with("no bundle verified: bundle sha256:")
            && how.contains(&format!(
                " over sha256:{other} not verified: the artifact-mismatch check failed: "
            )),
        "{how}"
    );
    // A verified bundle is named as verified.
    let v = engine().evaluate_with_evidence("{}", &evidence(bundle(), DIGEST), &NOW);
    let how = verdict_how(&v, "signatures");
    assert!(
        how.ends_with(&format!(" verified over sha256:{DIGEST}")),
        "{how}"
    );
}

/// The `how` of the verdict's fact about `field`.
fn verdict_how(v: &verdict_core::Verdict, field: &str) -> String {
    v.facts
        .iter()
        .find(|f| f.field == field)
        .map(|f| f.how.clone())
        .unwrap_or_default()
}

#[test]
fn a_forged_signature_in_the_input_is_replaced() {
    let forged = r#"{"signatures": [{"type": "bundle-v0.3", "signer": {"sourceRepositoryURI": "https://github.com/docker/github-builder-test", "certificateIssuer": "CN=sigstore-intermediate,O=sigstore.dev"}, "timestamps": [{"type": "Tlog"}]}]}"#;
    // Without evidence the policy believes the input, as plain `eval` does, but the verdict
    // names no verified signer: the input is the caller's word …
    let believed = engine().evaluate(forged, &NOW);
    assert_eq!(believed.decision, Decision::Allow);
    assert!(believed.signers.is_empty(), "{:?}", believed.signers);
    // … with evidence, only proven signatures count.
    let no_bundles = Evidence {
        trust: TrustMaterial::public_good(),
        bundles: vec![],
    };
    assert_eq!(
        engine()
            .evaluate_with_evidence(forged, &no_bundles, &NOW)
            .decision,
        Decision::Deny
    );
}

#[test]
fn evidence_needs_an_object_input() {
    let v = engine().evaluate_with_evidence("[1]", &evidence(bundle(), DIGEST), &NOW);
    assert_eq!(v.decision, Decision::Error);
    assert_eq!(v.error.unwrap().code.as_str(), "malformed-input");
}

#[test]
fn verdicts_with_evidence_are_reproducible() {
    let a = engine().evaluate_with_evidence("{}", &evidence(bundle(), DIGEST), &NOW);
    let b = engine().evaluate_with_evidence("{}", &evidence(bundle(), DIGEST), &NOW);
    assert_eq!(a.canonical_json, b.canonical_json);
    let plain = engine().evaluate("{}", &NOW);
    assert_ne!(
        a.hash, plain.hash,
        "the evidence is part of what a verdict is about"
    );
}

/// A Buildx-style policy that reads `input.image.signatures` and `hasProvenance`, as the helper
/// module and most `Dockerfile.rego` files do.
const IMAGE_POLICY: &str = r#"package docker

default allow := false

allow if {
	input.image.hasProvenance
	some s in input.image.signatures
	s.kind == "docker-github-builder"
	s.signer.sourceRepositoryURI == "https://github.com/docker/github-builder-test"
}

decision := {"allow": allow}
"#;

fn image_engine() -> Engine {
    engine_for(IMAGE_POLICY)
}

/// An input document asserting everything Buildx derives from verified material.
const FORGED_IMAGE: &str = r#"{"image": {"ref": "docker.io/acme/app:v1", "hasProvenance": true,
  "provenance": {"buildType": "forged", "materials": [{"image": {"signatures": [{"kind": "docker-github-builder"}]}}]},
  "signatures": [{"kind": "docker-github-builder", "type": "bundle-v0.3", "signer": {"sourceRepositoryURI": "https://github.com/docker/github-builder-test"}, "timestamps": [{"type": "Tlog"}]}]},
  "git": {"commit": {"pgpSignature": {"version": 4, "keyID": "0000000000000000"}}, "tag": {"sshSignature": {"pubKey": "SHA256:x"}}}}"#;

fn tampered() -> Vec<u8> {
    let mut b = bundle();
    let text = String::from_utf8(b.clone()).unwrap();
    let at = text.find("\"sig\": \"").unwrap() + 8;
    b[at + 10] = if b[at + 10] == b'A' { b'B' } else { b'A' };
    b
}

fn facts(v: &verdict_core::Verdict) -> Vec<(String, String)> {
    record(v)["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn forged_image_signatures_with_a_tampered_bundle_are_denied() {
    // Without evidence the input document is believed, as plain `eval` does …
    assert_eq!(
        image_engine().evaluate(FORGED_IMAGE, &NOW).decision,
        Decision::Allow
    );
    // … with a bundle that does not verify, nothing the document asserts about signatures
    // or provenance survives.
    let v =
        image_engine().evaluate_with_evidence(FORGED_IMAGE, &evidence(tampered(), DIGEST), &NOW);
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
    let f = facts(&v);
    for (field, status) in [
        ("signatures", "verified"),
        ("image.signatures", "failed"),
        ("image.hasProvenance", "failed"),
        ("image.provenance", "failed"),
        ("git.commit.pgpSignature", "failed"),
        ("git.tag.sshSignature", "failed"),
        ("input", "asserted"),
    ] {
        assert!(
            f.contains(&(field.to_owned(), status.to_owned())),
            "{field} {status} in {f:?}"
        );
    }
}

#[test]
fn image_signatures_come_from_the_verified_bundle() {
    let v = image_engine().evaluate_with_evidence(FORGED_IMAGE, &evidence(bundle(), DIGEST), &NOW);
    // The verified bundle is docker/github-builder's for github-builder-test: the policy allows
    // on it, and on nothing the document said.
    assert_eq!(v.decision, Decision::Allow, "{}", v.canonical_json);
    let f = facts(&v);
    assert!(
        f.contains(&("image.signatures".into(), "verified".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("image.hasProvenance".into(), "asserted".into())),
        "{f:?}"
    );
    // A bundle for another artifact proves nothing.
    let other = "00".repeat(32);
    let v = image_engine().evaluate_with_evidence(FORGED_IMAGE, &evidence(bundle(), &other), &NOW);
    assert_eq!(v.decision, Decision::Deny, "{}", v.canonical_json);
}

#[test]
fn an_image_without_asserted_signatures_gets_no_failed_fact() {
    let v = image_engine().evaluate_with_evidence(
        r#"{"image": {"ref": "docker.io/acme/app:v1"}}"#,
        &evidence(tampered(), DIGEST),
        &NOW,
    );
    assert_eq!(v.decision, Decision::Deny);
    let f = facts(&v);
    assert!(
        !f.iter().any(|(field, _)| field.starts_with("image.")),
        "{f:?}"
    );
}
