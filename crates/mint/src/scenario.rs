//! The fixed scenarios the `mint` binary writes to `tests/minted/<name>/`, each a trusted
//! root, an OCI layout of image evidence, a `scenario.json` and a `README.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::bundle::SignOptions;
use crate::identity::Identity;
use crate::oci::{EvidenceOptions, ImageEvidence, ImageSpec, image_evidence};
use crate::sigstore::{FULCIO_ISSUER_DN, Issuer, OTHER_ISSUER_DN, VirtualSigstore};
use crate::statement::{Material, Provenance};
use crate::util::{hex, json_pretty, sha256};

/// The seed of the scenarios' Sigstore.
pub const SCENARIO_SEED: &str = "verdict-mint/scenarios";

/// What a scenario's signature should verify to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// The bundles verify; Buildx would classify the signer as this kind.
    Verified {
        /// `docker-github-builder`, `self-signed-github-repo`, `self-signed`, `untrusted`.
        kind: &'static str,
    },
    /// The bundles verify, but Buildx exposes no signature (the chain is broken before).
    NotExposed {
        /// Why.
        reason: &'static str,
    },
    /// There is no signature.
    Unsigned,
    /// Verification fails with this `verify-error-code`.
    Fails {
        /// The code.
        code: &'static str,
    },
}

/// One scenario: an identity, knobs and what is expected.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Directory name.
    pub name: &'static str,
    /// One line.
    pub description: &'static str,
    /// The image.
    pub spec: ImageSpec,
    /// Evidence knobs (signature, identity, tampering).
    pub options: EvidenceOptions,
    /// The CA DN the signer's certificate names (Go rendering).
    pub issuer_dn: &'static str,
    /// The expectation.
    pub expected: Expected,
}

/// The image built in every scenario: `docker.io/<org>/<repo>:<tag>` for linux/amd64 and
/// linux/arm64 (BuildKit normalises arm64/v8 to arm64), built by `builder_id` from `https://github.com/<org>/<repo>.git#refs/tags/<tag>`.
pub fn image_spec(org: &str, repo: &str, tag: &str, builder_id: &str) -> ImageSpec {
    let created = crate::bundle::DEFAULT_SIGNED_AT - 600;
    let commit = hex(&sha256(format!("{org}/{repo}@{tag}").as_bytes())[..20]);
    let mut args = BTreeMap::new();
    args.insert("build-arg:VERSION".to_string(), tag.to_string());
    args.insert(
        "label:org.opencontainers.image.source".to_string(),
        format!("https://github.com/{org}/{repo}"),
    );
    args.insert("source".to_string(), "docker/dockerfile:1".to_string());
    let mut labels = BTreeMap::new();
    labels.insert(
        "org.opencontainers.image.source".to_string(),
        format!("https://github.com/{org}/{repo}"),
    );
    labels.insert(
        "org.opencontainers.image.revision".to_string(),
        commit.clone(),
    );
    labels.insert(
        "org.opencontainers.image.version".to_string(),
        tag.to_string(),
    );
    ImageSpec {
        reference: format!("docker.io/{org}/{repo}:{tag}"),
        platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        created,
        env: vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            format!("APP_VERSION={tag}"),
        ],
        labels,
        user: "65532:65532".into(),
        working_dir: "/app".into(),
        volumes: vec!["/data".into()],
        provenance: Provenance {
            builder_id: builder_id.to_string(),
            invocation_id: hex(&sha256(format!("invocation {org}/{repo}@{tag}").as_bytes())[..13]),
            started_on: created - 120,
            finished_on: created - 5,
            frontend: "gateway.v0".into(),
            args,
            config_source_uri: format!("https://github.com/{org}/{repo}.git#refs/tags/{tag}"),
            config_source_sha1: commit,
            config_source_path: "Dockerfile".into(),
            builder_platform: String::new(),
            materials: vec![
                Material {
                    uri: "pkg:docker/docker/dockerfile@1".into(),
                    digest: ("sha256".into(), hex(&sha256(b"docker/dockerfile:1"))),
                },
                Material {
                    uri: "pkg:docker/alpine@3.22?platform=linux%2Famd64".into(),
                    digest: ("sha256".into(), hex(&sha256(b"alpine:3.22"))),
                },
            ],
        },
    }
}

/// Every scenario, in a fixed order.
pub fn scenarios() -> Vec<Scenario> {
    let (org, repo, tag) = ("acme", "app", "v1.0.0");
    let gb = Identity::docker_github_builder(org, repo, tag);
    // build-push-action's builder-id: the GitHub Actions run.
    let builder_id = gb.run_invocation_uri.trim_end_matches("/attempts/1");
    let spec = image_spec(org, repo, tag, builder_id);
    let signed = |identity: &Identity, so: SignOptions| EvidenceOptions {
        signature: Some((identity.clone(), so)),
        ..EvidenceOptions::default()
    };
    let base = SignOptions::default();
    let mut out = vec![
        Scenario {
            name: "docker-github-builder",
            description: "Signed by docker/github-builder's build.yml for acme/app at refs/tags/v1.0.0.",
            spec: spec.clone(),
            options: signed(&gb, base.clone()),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Verified {
                kind: "docker-github-builder",
            },
        },
        Scenario {
            name: "self-signed-github-repo",
            description: "Signed by acme/app's own release.yml workflow at refs/tags/v1.0.0.",
            spec: spec.clone(),
            options: signed(
                &Identity::self_signed_github_repo(org, repo, "refs/tags/v1.0.0"),
                base.clone(),
            ),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Verified {
                kind: "self-signed-github-repo",
            },
        },
        Scenario {
            name: "self-signed",
            description: "Signed by a person (email identity through GitHub login).",
            spec: spec.clone(),
            options: signed(&Identity::self_signed("release@acme.example"), base.clone()),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Verified {
                kind: "self-signed",
            },
        },
        Scenario {
            name: "untrusted",
            description: "docker/github-builder's identity, but the leaf is issued by a trusted CA whose DN is CN=sigstore,O=sigstore.dev.",
            spec: spec.clone(),
            options: signed(
                &gb,
                SignOptions {
                    issuer: Issuer::OtherDn,
                    ..base.clone()
                },
            ),
            issuer_dn: OTHER_ISSUER_DN,
            expected: Expected::Verified { kind: "untrusted" },
        },
        Scenario {
            name: "no-attestation-subject",
            description: "Valid docker/github-builder signatures, but the attestation manifests have no subject (BuildKit without oci-artifact).",
            spec: spec.clone(),
            options: EvidenceOptions {
                attestation_subject: false,
                ..signed(&gb, base.clone())
            },
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::NotExposed {
                reason: "the attestation manifest has no subject",
            },
        },
        Scenario {
            name: "unsigned",
            description: "Attestation manifests with provenance, no signature manifest.",
            spec: spec.clone(),
            options: EvidenceOptions::default(),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Unsigned,
        },
        Scenario {
            name: "wrong-subject-digest",
            description: "The signed statement's subject is not the attestation manifest's digest.",
            spec: spec.clone(),
            options: EvidenceOptions {
                wrong_subject_digest: true,
                ..signed(&gb, base.clone())
            },
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails {
                code: "artifact-mismatch",
            },
        },
        Scenario {
            name: "flipped-byte",
            description: "One byte of the DSSE signature flipped after logging and timestamping.",
            spec: spec.clone(),
            options: signed(
                &gb,
                SignOptions {
                    flip_signature_byte: true,
                    ..base.clone()
                },
            ),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails { code: "signature" },
        },
        Scenario {
            name: "no-tlog-entry",
            description: "No transparency-log entry (cosign --no-default-rekor, as for private repositories).",
            spec: spec.clone(),
            options: signed(
                &gb,
                SignOptions {
                    tlog: None,
                    ..base.clone()
                },
            ),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails {
                code: "tlog-threshold",
            },
        },
        Scenario {
            name: "no-timestamp",
            description: "No RFC 3161 timestamp and no signed entry timestamp: no verified time.",
            spec: spec.clone(),
            options: signed(&gb, base.clone().without_any_timestamp()),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails {
                code: "timestamp-threshold",
            },
        },
        Scenario {
            name: "expired-certificate",
            description: "The leaf certificate expired an hour before the signature was made.",
            spec: spec.clone(),
            options: signed(
                &gb,
                SignOptions {
                    expired_certificate: true,
                    ..base.clone()
                },
            ),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails {
                code: "certificate-expired",
            },
        },
        Scenario {
            name: "foreign-ca",
            description: "The leaf is issued by a CA outside the trusted root that has the Fulcio intermediate's DN.",
            spec,
            options: signed(
                &gb,
                SignOptions {
                    issuer: Issuer::Foreign,
                    ..base
                },
            ),
            issuer_dn: FULCIO_ISSUER_DN,
            expected: Expected::Fails {
                code: "certificate-chain",
            },
        },
    ];
    // Images the built-in default policy guards: docker/dockerfile released from moby/buildkit
    // with tags `dockerfile/<version>`.
    let moby = Identity::docker_github_builder("moby", "buildkit", "dockerfile/1.21.0");
    let moby_builder = moby
        .run_invocation_uri
        .trim_end_matches("/attempts/1")
        .to_owned();
    let dockerfile = image_spec("docker", "dockerfile", "1.21", &moby_builder);
    out.push(Scenario {
        name: "dockerfile-1.21",
        description: "docker/dockerfile:1.21 signed by docker/github-builder for moby/buildkit at refs/tags/dockerfile/1.21.0.",
        spec: dockerfile.clone(),
        options: signed(&moby, SignOptions::default()),
        issuer_dn: FULCIO_ISSUER_DN,
        expected: Expected::Verified {
            kind: "docker-github-builder",
        },
    });
    out.push(Scenario {
        name: "dockerfile-1.21-other-repo",
        description: "docker/dockerfile:1.21 signed by docker/github-builder, but for acme/buildkit (not moby/buildkit).",
        spec: dockerfile,
        options: signed(
            &Identity::docker_github_builder("acme", "buildkit", "dockerfile/1.21.0"),
            SignOptions::default(),
        ),
        issuer_dn: FULCIO_ISSUER_DN,
        expected: Expected::Verified {
            kind: "docker-github-builder",
        },
    });
    out.sort_by_key(|s| s.name);
    out
}

/// The Buildx `SignerInfo` JSON a verifier should report for `identity` under `issuer_dn`.
pub fn expected_signer(identity: &Identity, issuer_dn: &str) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("certificateIssuer".into(), json!(issuer_dn));
    m.insert(
        "subjectAlternativeName".into(),
        json!(identity.san.as_str()),
    );
    let names = [
        (8, "issuer"),
        (9, "buildSignerURI"),
        (10, "buildSignerDigest"),
        (11, "runnerEnvironment"),
        (12, "sourceRepositoryURI"),
        (13, "sourceRepositoryDigest"),
        (14, "sourceRepositoryRef"),
        (15, "sourceRepositoryIdentifier"),
        (16, "sourceRepositoryOwnerURI"),
        (17, "sourceRepositoryOwnerIdentifier"),
        (18, "buildConfigURI"),
        (19, "buildConfigDigest"),
        (20, "buildTrigger"),
        (21, "runInvocationURI"),
        (22, "sourceRepositoryVisibilityAtSigning"),
    ];
    for (arc, value) in identity.fulcio_extensions() {
        let name = names.iter().find(|(a, _)| *a == arc).expect("known arc").1;
        m.insert(name.into(), json!(value));
    }
    Value::Object(m)
}

/// A scenario minted: its evidence and files.
#[derive(Debug, Clone)]
pub struct MintedScenario {
    /// The scenario.
    pub scenario: Scenario,
    /// The trusted root JSON.
    pub trusted_root: Vec<u8>,
    /// The evidence.
    pub evidence: ImageEvidence,
}

impl MintedScenario {
    /// `scenario.json`.
    pub fn scenario_json(&self) -> Value {
        let s = &self.scenario;
        let platforms: Vec<Value> = self
            .evidence
            .platforms
            .iter()
            .map(|p| {
                json!({
                    "platform": p.platform,
                    "manifest": p.manifest.digest,
                    "attestationManifest": p.attestation_manifest.digest,
                    "signatureManifest": p.signature_manifest.as_ref().map(|d| d.digest.clone()),
                    "bundle": p.signature_manifest.as_ref().map(|d| {
                        // The bundle layer's digest.
                        let m: Value = serde_json::from_slice(
                            self.evidence.layout.blob(&d.digest).expect("stored"),
                        )
                        .expect("manifest JSON");
                        m["layers"][0]["digest"].clone()
                    }),
                })
            })
            .collect();
        let (expected, signer) = match &s.expected {
            Expected::Verified { kind } => (
                json!({"verified": true, "kind": kind, "exposed": true}),
                true,
            ),
            Expected::NotExposed { reason } => (
                json!({"verified": true, "exposed": false, "reason": reason}),
                true,
            ),
            Expected::Unsigned => (
                json!({"verified": false, "exposed": false, "reason": "no signature manifest"}),
                false,
            ),
            Expected::Fails { code } => (
                json!({"verified": false, "exposed": false, "error": code}),
                true,
            ),
        };
        let mut expected = expected;
        if signer {
            let identity = &s.options.signature.as_ref().expect("signed").0;
            expected["signer"] = expected_signer(identity, s.issuer_dn);
        }
        json!({
            "name": s.name,
            "description": s.description,
            "source": format!("docker-image://{}", s.spec.reference),
            "reference": s.spec.reference,
            "platform": "linux/amd64",
            "index": self.evidence.index.digest,
            "platforms": platforms,
            "trustedRoot": "trusted_root.json",
            "evidence": "evidence/oci",
            "expected": expected,
        })
    }

    /// `README.md`.
    pub fn readme(&self) -> String {
        let s = &self.scenario;
        let mut r = format!(
            "# {}\n\n{}\n\nGenerated by `cargo run -p verdict-mint --bin mint -- tests/minted` (seed `{}`); do not edit.\n\n",
            s.name, s.description, SCENARIO_SEED
        );
        r.push_str(&format!(
            "- source: `docker-image://{}`\n",
            s.spec.reference
        ));
        r.push_str(&format!("- root index: `{}`\n", self.evidence.index.digest));
        for p in &self.evidence.platforms {
            r.push_str(&format!(
                "- `{}`: manifest `{}`, attestation manifest `{}`{}\n",
                p.platform,
                p.manifest.digest,
                p.attestation_manifest.digest,
                p.signature_manifest
                    .as_ref()
                    .map(|d| format!(", signature manifest `{}`", d.digest))
                    .unwrap_or_default()
            ));
        }
        let expected = match &s.expected {
            Expected::Verified { kind } => format!(
                "the bundles verify (any identity); signer kind `{kind}`, issuer DN `{}`",
                s.issuer_dn
            ),
            Expected::NotExposed { reason } => {
                format!("the bundles verify, but Buildx exposes no signature: {reason}")
            }
            Expected::Unsigned => "no signature: `input.image.signatures` absent".to_string(),
            Expected::Fails { code } => {
                format!("verification fails with `{code}`; `input.image.signatures` absent")
            }
        };
        r.push_str(&format!("\nExpected: {expected}.\n\nFiles: `trusted_root.json` (trusts this private Sigstore only), `evidence/oci/` (OCI image layout), `scenario.json`.\n"));
        r
    }

    /// Every file of the scenario directory, relative path → bytes.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert("trusted_root.json".into(), self.trusted_root.clone());
        let mut sj = json_pretty(&self.scenario_json());
        sj.push(b'\n');
        files.insert("scenario.json".into(), sj);
        files.insert("README.md".into(), self.readme().into_bytes());
        for (p, b) in self.evidence.layout.files() {
            files.insert(format!("evidence/oci/{p}"), b);
        }
        files
    }
}

/// Mints one scenario.
pub fn mint(sigstore: &VirtualSigstore, scenario: &Scenario) -> MintedScenario {
    MintedScenario {
        scenario: scenario.clone(),
        trusted_root: sigstore.trusted_root_json(),
        evidence: image_evidence(sigstore, &scenario.spec, &scenario.options),
    }
}

/// Every file of every scenario, `<name>/<path>` → bytes, plus a top-level `README.md`.
pub fn all_files() -> BTreeMap<String, Vec<u8>> {
    let sigstore = VirtualSigstore::new(SCENARIO_SEED);
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Minted scenarios\n\nGenerated by `cargo run -p verdict-mint --bin mint -- tests/minted`; do not edit \
         (`crates/mint/tests/minted.rs` fails when these files differ from a fresh mint).\n\n| scenario | expected |\n|---|---|\n",
    );
    for s in scenarios() {
        let m = mint(&sigstore, &s);
        let expected = match &s.expected {
            Expected::Verified { kind } => format!("verifies, kind `{kind}`"),
            Expected::NotExposed { reason } => format!("verifies, not exposed ({reason})"),
            Expected::Unsigned => "unsigned".into(),
            Expected::Fails { code } => format!("fails `{code}`"),
        };
        index.push_str(&format!(
            "| [`{}`]({}/README.md) | {expected} |\n",
            s.name, s.name
        ));
        for (p, b) in m.files() {
            files.insert(format!("{}/{p}", s.name), b);
        }
    }
    index.push_str(
        "| [`artifact-github-builder`](artifact-github-builder/README.md) | an HTTP artifact and its SLSA v1 provenance bundle, signed by docker/github-builder for acme/tool at refs/tags/v1.2.3 |\n",
    );
    for (p, b) in artifact_files(&sigstore) {
        files.insert(format!("artifact-github-builder/{p}"), b);
    }
    files.insert("README.md".into(), index.into_bytes());
    files
}

/// A downloadable artifact (`tool-1.2.3.tar.gz`) with the SLSA v1 provenance bundle
/// docker/github-builder writes next to local outputs (`cosign attest-blob --type slsaprovenance1`):
/// what `artifact_attestation` and `docker_github_builder_bundle` verify.
fn artifact_files(sigstore: &VirtualSigstore) -> BTreeMap<String, Vec<u8>> {
    let content = b"acme tool 1.2.3 (minted release artifact)\n".to_vec();
    let digest = hex(&sha256(&content));
    let identity = Identity::docker_github_builder("acme", "tool", "v1.2.3");
    let builder = identity
        .run_invocation_uri
        .trim_end_matches("/attempts/1")
        .to_owned();
    let spec = image_spec("acme", "tool", "v1.2.3", &builder);
    let statement = spec.provenance.statement("tool-1.2.3.tar.gz", &digest);
    let bundle = sigstore.sign_dsse(&statement, &identity, &SignOptions::default());
    let mut files = BTreeMap::new();
    files.insert("tool-1.2.3.tar.gz".into(), content);
    files.insert("tool-1.2.3.tar.gz.sigstore.json".into(), bundle.json);
    files.insert("trusted_root.json".into(), sigstore.trusted_root_json());
    files.insert(
        "README.md".into(),
        format!(
            "# artifact-github-builder\n\n`tool-1.2.3.tar.gz` (sha256:{digest}) and its SLSA v1 provenance bundle \
             `tool-1.2.3.tar.gz.sigstore.json`, signed for docker/github-builder's build.yml building acme/tool at \
             refs/tags/v1.2.3 (kind `docker-github-builder`), verifiable with `trusted_root.json`.\n"
        )
        .into_bytes(),
    );
    files
}

/// Writes [`all_files`] under `dir`, removing nothing else.
pub fn write_all(dir: &Path) -> std::io::Result<usize> {
    let files = all_files();
    for (p, b) in &files {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, b)?;
    }
    Ok(files.len())
}

/// Buildx's signer `kind` (model §6.3, `types/name.go` `DetectKind`, DHI left out) for a
/// verified signer (`SignerInfo` JSON) with `timestamps` verified times in a v0.3 bundle or
/// not: what the scenarios' expected kinds are checked against.
pub fn buildx_kind(signer: &Value, timestamps: usize, bundle_v03: bool) -> &'static str {
    let field = |k: &str| signer[k].as_str().unwrap_or_default();
    if field("certificateIssuer") != FULCIO_ISSUER_DN {
        return "untrusted";
    }
    let (san, build_signer) = (field("subjectAlternativeName"), field("buildSignerURI"));
    let github = field("issuer") == crate::GITHUB_ACTIONS_ISSUER;
    let hosted = field("runnerEnvironment") == "github-hosted";
    let repo = field("sourceRepositoryURI");
    let both = |prefix: &str| san.starts_with(prefix) && build_signer.starts_with(prefix);
    let gb = [
        "https://github.com/docker/github-builder/.github/workflows/",
        "https://github.com/docker/github-builder-experimental/.github/workflows/",
    ];
    if gb.iter().any(|p| both(p))
        && github
        && repo.starts_with("https://github.com/")
        && hosted
        && timestamps > 0
        && bundle_v03
    {
        return "docker-github-builder";
    }
    if github && hosted && !repo.is_empty() && both(&format!("{repo}/.github/workflows/")) {
        return "self-signed-github-repo";
    }
    "self-signed"
}
