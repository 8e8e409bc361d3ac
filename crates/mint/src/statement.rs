//! In-toto v1 statements: cosign v3's image-signing statement and SLSA v1 provenance in
//! BuildKit's shape.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

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
struct StatementJson<'a, P: Serialize> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: Vec<Subject<'a>>,
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate: Option<&'a P>,
}

/// A statement with one subject (`name` may be empty: then absent) by SHA-256 hex digest.
pub fn statement<P: Serialize>(
    name: &str,
    sha256_hex: &str,
    predicate_type: &str,
    predicate: Option<&P>,
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
    statement::<Value>("", manifest_sha256_hex, COSIGN_SIGN_PREDICATE, None)
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PredicateJson<'a> {
    build_definition: BuildDefinition<'a>,
    run_details: RunDetails<'a>,
}

/// Field order as Go's encoder writes BuildKit's types (embedded slsa1 fields first).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BuildDefinition<'a> {
    build_type: &'static str,
    resolved_dependencies: Vec<ResourceDescriptor<'a>>,
    external_parameters: ExternalParameters<'a>,
    internal_parameters: InternalParameters<'a>,
}

#[derive(Serialize)]
struct ResourceDescriptor<'a> {
    uri: &'a str,
    digest: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalParameters<'a> {
    config_source: ConfigSource<'a>,
    request: Request<'a>,
}

#[derive(Serialize)]
struct ConfigSource<'a> {
    uri: &'a str,
    digest: BTreeMap<&'a str, &'a str>,
    path: &'a str,
}

#[derive(Serialize)]
struct Request<'a> {
    frontend: &'a str,
    args: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InternalParameters<'a> {
    builder_platform: &'a str,
}

#[derive(Serialize)]
struct RunDetails<'a> {
    builder: Builder<'a>,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct Builder<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    #[serde(rename = "invocationID")]
    invocation_id: &'a str,
    #[serde(rename = "startedOn")]
    started_on: String,
    #[serde(rename = "finishedOn")]
    finished_on: String,
    buildkit_metadata: BuildKitMetadata<'a>,
    buildkit_completeness: Completeness,
}

#[derive(Serialize)]
struct BuildKitMetadata<'a> {
    vcs: BTreeMap<&'static str, &'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Completeness {
    request: bool,
    resolved_dependencies: bool,
}

impl Provenance {
    /// The predicate (`buildDefinition`, `runDetails`) as a JSON value (keys sorted).
    pub fn predicate(&self) -> Value {
        serde_json::to_value(self.predicate_json()).expect("serializable")
    }

    /// The predicate with BuildKit's field order (Go's encoder over BuildKit's types).
    fn predicate_json(&self) -> PredicateJson<'_> {
        let repo = self
            .config_source_uri
            .split_once('#')
            .map_or(self.config_source_uri.as_str(), |(r, _)| r);
        PredicateJson {
            build_definition: BuildDefinition {
                build_type: BUILDKIT_BUILD_TYPE,
                resolved_dependencies: self
                    .materials
                    .iter()
                    .map(|m| ResourceDescriptor {
                        uri: &m.uri,
                        digest: BTreeMap::from([(m.digest.0.as_str(), m.digest.1.as_str())]),
                    })
                    .collect(),
                external_parameters: ExternalParameters {
                    config_source: ConfigSource {
                        uri: &self.config_source_uri,
                        digest: BTreeMap::from([("sha1", self.config_source_sha1.as_str())]),
                        path: &self.config_source_path,
                    },
                    request: Request {
                        frontend: &self.frontend,
                        args: &self.args,
                    },
                },
                internal_parameters: InternalParameters {
                    builder_platform: &self.builder_platform,
                },
            },
            run_details: RunDetails {
                builder: Builder {
                    id: &self.builder_id,
                },
                metadata: Metadata {
                    invocation_id: &self.invocation_id,
                    started_on: rfc3339(self.started_on),
                    finished_on: rfc3339(self.finished_on),
                    buildkit_metadata: BuildKitMetadata {
                        vcs: BTreeMap::from([
                            ("revision", self.config_source_sha1.as_str()),
                            ("source", repo),
                        ]),
                    },
                    buildkit_completeness: Completeness {
                        request: true,
                        resolved_dependencies: true,
                    },
                },
            },
        }
    }

    /// The in-toto statement for `subject_name` / `subject_sha256_hex`.
    pub fn statement(&self, subject_name: &str, subject_sha256_hex: &str) -> Vec<u8> {
        statement(
            subject_name,
            subject_sha256_hex,
            SLSA_PROVENANCE_V1,
            Some(&self.predicate_json()),
        )
    }
}
