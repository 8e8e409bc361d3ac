//! In-toto v1 statements: cosign v3's image-signing statement and SLSA v1 provenance in
//! BuildKit's shape.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::util::{json_compact, rfc3339};

/// `https://in-toto.io/Statement/v1`.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// cosign v3's predicate type for image signatures.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
/// SLSA provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// BuildKit's SLSA v1 build type.
pub const BUILDKIT_BUILD_TYPE: &str = "https://mobyproject.org/buildkit@v1";

#[derive(Serialize)]
struct Subject<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    digest: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct StatementJson<'a> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: Vec<Subject<'a>>,
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate: Option<&'a Value>,
}

/// A statement with one subject (`name` may be empty: then absent) by SHA-256 hex digest.
pub fn statement(
    name: &str,
    sha256_hex: &str,
    predicate_type: &str,
    predicate: Option<&Value>,
) -> Vec<u8> {
    json_compact(&StatementJson {
        type_: STATEMENT_V1,
        subject: vec![Subject {
            name,
            digest: BTreeMap::from([("sha256", sha256_hex.to_string())]),
        }],
        predicate_type,
        predicate,
    })
}

/// What `cosign sign` (v3, new bundle format) signs for an image: a statement whose only
/// subject (no name) is the manifest digest, predicate type
/// `https://sigstore.dev/cosign/sign/v1`, no predicate.
pub fn cosign_sign(manifest_sha256_hex: &str) -> Vec<u8> {
    statement("", manifest_sha256_hex, COSIGN_SIGN_PREDICATE, None)
}

/// A resolved dependency (`resolvedDependencies[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// e.g. `pkg:docker/alpine@3.20?platform=linux%2Famd64`.
    pub uri: String,
    /// `(algorithm, hex)`, e.g. `("sha256", …)`.
    pub digest: (String, String),
}

/// The facts of one build, from which BuildKit's SLSA v1 provenance predicate is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// `runDetails.builder.id`.
    pub builder_id: String,
    /// `runDetails.metadata.invocationID`.
    pub invocation_id: String,
    /// Start (unix seconds).
    pub started_on: i64,
    /// End (unix seconds).
    pub finished_on: i64,
    /// `externalParameters.request.frontend`.
    pub frontend: String,
    /// `externalParameters.request.args`.
    pub args: BTreeMap<String, String>,
    /// `externalParameters.configSource.uri`.
    pub config_source_uri: String,
    /// `externalParameters.configSource.digest.sha1`.
    pub config_source_sha1: String,
    /// `externalParameters.configSource.path`.
    pub config_source_path: String,
    /// `internalParameters.builderPlatform`.
    pub builder_platform: String,
    /// `resolvedDependencies`.
    pub materials: Vec<Material>,
}

impl Provenance {
    /// The predicate (`buildDefinition`, `runDetails`) as BuildKit writes it in `mode=max`.
    pub fn predicate(&self) -> Value {
        let deps: Vec<Value> = self
            .materials
            .iter()
            .map(|m| json!({"uri": m.uri, "digest": {m.digest.0.clone(): m.digest.1}}))
            .collect();
        json!({
            "buildDefinition": {
                "buildType": BUILDKIT_BUILD_TYPE,
                "externalParameters": {
                    "configSource": {
                        "uri": self.config_source_uri,
                        "digest": {"sha1": self.config_source_sha1},
                        "path": self.config_source_path,
                    },
                    "request": {
                        "frontend": self.frontend,
                        "args": self.args,
                    },
                },
                "internalParameters": {
                    "builderPlatform": self.builder_platform,
                },
                "resolvedDependencies": deps,
            },
            "runDetails": {
                "builder": {"id": self.builder_id},
                "metadata": {
                    "invocationID": self.invocation_id,
                    "startedOn": rfc3339(self.started_on),
                    "finishedOn": rfc3339(self.finished_on),
                    "https://mobyproject.org/buildkit@v1#metadata": {
                        "completeness": {"request": true, "resolvedDependencies": true},
                        "reproducible": false,
                        "hermetic": false,
                    },
                },
            },
        })
    }

    /// The in-toto statement for `subject_name` / `subject_sha256_hex`.
    pub fn statement(&self, subject_name: &str, subject_sha256_hex: &str) -> Vec<u8> {
        statement(
            subject_name,
            subject_sha256_hex,
            SLSA_PROVENANCE_V1,
            Some(&self.predicate()),
        )
    }
}
