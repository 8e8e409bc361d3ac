//! `input.image.signatures[i]`: a verified Sigstore signature as Buildx shows it
//! (`AttestationSignature`, BX `policy/types.go`) with its `kind` (model §6.3, PH
//! `types/name.go` `DetectKind`, first match wins).

use serde_json::{Value as Json, json};
use verdict_verify::{Signer, VerifiedBundle};

const GITHUB: &str = "https://github.com/";
const BUILDER: &str = "https://github.com/docker/github-builder/.github/workflows/";
const BUILDER_EXPERIMENTAL: &str =
    "https://github.com/docker/github-builder-experimental/.github/workflows/";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The issuer DN of public-good Fulcio leaves, Go-rendered.
pub const SIGSTORE_INTERMEDIATE: &str = "CN=sigstore-intermediate,O=sigstore.dev";

/// The signature kinds, as Buildx names them.
pub mod kind {
    /// Built by docker/github-builder (or its experimental predecessor).
    pub const DOCKER_GITHUB_BUILDER: &str = "docker-github-builder";
    /// A GitHub repository's own workflow signed its build.
    pub const SELF_SIGNED_GITHUB_REPO: &str = "self-signed-github-repo";
    /// Any public-good Fulcio certificate.
    pub const SELF_SIGNED: &str = "self-signed";
    /// Anything else.
    pub const UNTRUSTED: &str = "untrusted";
}

/// Classifies a certificate signature (`isDHI` is never true here: verdict does not verify DHI
/// key signatures).
pub fn classify(signer: Option<&Signer>, timestamps: usize, bundle_v03: bool) -> &'static str {
    let Some(s) = signer else {
        return kind::UNTRUSTED;
    };
    if s.certificate_issuer != SIGSTORE_INTERMEDIATE {
        return kind::UNTRUSTED;
    }
    let from_builder =
        |uri: &str| uri.starts_with(BUILDER) || uri.starts_with(BUILDER_EXPERIMENTAL);
    if from_builder(&s.build_signer_uri)
        && from_builder(&s.subject_alternative_name)
        && s.issuer == GITHUB_ISSUER
        && s.source_repository_uri.starts_with(GITHUB)
        && s.runner_environment == "github-hosted"
        && timestamps > 0
        && bundle_v03
    {
        return kind::DOCKER_GITHUB_BUILDER;
    }
    let own = format!("{}/.github/workflows/", s.source_repository_uri);
    if s.issuer == GITHUB_ISSUER
        && s.source_repository_uri.starts_with(GITHUB)
        && s.build_signer_uri.starts_with(&own)
        && s.subject_alternative_name.starts_with(&own)
        && s.runner_environment == "github-hosted"
    {
        return kind::SELF_SIGNED_GITHUB_REPO;
    }
    kind::SELF_SIGNED
}

/// The `AttestationSignature` object of a bundle verified from an image's signature manifest or
/// an artifact attestation (`type` is `bundle-v0.3`: the layer / file is a v0.3 bundle).
pub fn attestation_signature(verified: &VerifiedBundle) -> Json {
    let mut object = verified.buildx_signature();
    // Buildx's signature type comes from the layer / file kind (a Sigstore bundle), not from the
    // bundle's own version: always `bundle-v0.3` (PH `verifier.go`).
    let kind = classify(verified.signer.as_ref(), verified.timestamps.len(), true);
    if let Json::Object(m) = &mut object {
        m.insert("kind".into(), json!(kind));
        m.insert("type".into(), json!("bundle-v0.3"));
    }
    object
}
