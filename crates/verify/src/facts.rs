//! What a successful verification proves: the [`VerifiedBundle`] (checklist item 42).

use serde_json::{Map, Value, json};
use verdict_bundle::{Statement, Timestamp};

/// Where a verified time comes from (sigstore-go's labels, as Buildx exposes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// A Rekor v1 integrated time proven by a verified signed entry timestamp.
    Tlog,
    /// An RFC 3161 timestamp from a trusted timestamp authority.
    TimestampAuthority,
}

impl TimeSource {
    /// `Tlog` or `TimestampAuthority`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeSource::Tlog => "Tlog",
            TimeSource::TimestampAuthority => "TimestampAuthority",
        }
    }
}

/// One verified time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTime {
    /// Its source.
    pub source: TimeSource,
    /// The log's `baseUrl` or the TSA's `uri` from the trusted root.
    pub uri: String,
    /// The instant.
    pub time: Timestamp,
}

/// A verified transparency-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntryFacts {
    /// The log's `baseUrl` from the trusted root.
    pub log_url: String,
    /// The log ID, hex.
    pub log_id: String,
    /// The global log index.
    pub log_index: u64,
    /// The integrated time if a SET proved it (Rekor v1), else `None`.
    pub integrated_time: Option<Timestamp>,
    /// `kind`/`version` of the entry, e.g. `hashedrekord`/`0.0.1`.
    pub kind: String,
    /// Entry version.
    pub version: String,
    /// Whether an inclusion proof with a signed checkpoint was verified.
    pub inclusion_proof: bool,
    /// Whether a signed entry timestamp was verified.
    pub inclusion_promise: bool,
}

/// The Fulcio certificate summary, named as Buildx names it (`SignerInfo`; model §4.4).
///
/// Empty strings are absent in [`Signer::to_json`] except for the first two fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signer {
    /// Issuer DN of the leaf, Go `pkix.Name.String()` style (`CN=…,O=…`).
    pub certificate_issuer: String,
    /// First URI SAN, else first email SAN, else the Fulcio username otherName.
    pub subject_alternative_name: String,
    /// OIDC issuer (`.1.8`, else the deprecated `.1.1`).
    pub issuer: String,
    /// `.1.9` Build Signer URI.
    pub build_signer_uri: String,
    /// `.1.10` Build Signer Digest.
    pub build_signer_digest: String,
    /// `.1.11` Runner Environment.
    pub runner_environment: String,
    /// `.1.12` Source Repository URI.
    pub source_repository_uri: String,
    /// `.1.13` Source Repository Digest.
    pub source_repository_digest: String,
    /// `.1.14` Source Repository Ref.
    pub source_repository_ref: String,
    /// `.1.15` Source Repository Identifier.
    pub source_repository_identifier: String,
    /// `.1.16` Source Repository Owner URI.
    pub source_repository_owner_uri: String,
    /// `.1.17` Source Repository Owner Identifier.
    pub source_repository_owner_identifier: String,
    /// `.1.18` Build Config URI.
    pub build_config_uri: String,
    /// `.1.19` Build Config Digest.
    pub build_config_digest: String,
    /// `.1.20` Build Trigger.
    pub build_trigger: String,
    /// `.1.21` Run Invocation URI.
    pub run_invocation_uri: String,
    /// `.1.22` Source Repository Visibility At Signing.
    pub source_repository_visibility_at_signing: String,
    /// `.1.23` Deployment Environment (not in Buildx's `SignerInfo`; exposed by verdict).
    pub deployment_environment: String,
    /// Every Fulcio extension (`1.3.6.1.4.1.57264.1.*`) as `(OID, value)`, in certificate order.
    pub extensions: Vec<(String, String)>,
}

impl Signer {
    /// The Buildx `SignerInfo` JSON (Go `omitempty`: empty fields absent, except the first two).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("certificateIssuer".into(), json!(self.certificate_issuer));
        m.insert(
            "subjectAlternativeName".into(),
            json!(self.subject_alternative_name),
        );
        let optional = [
            ("issuer", &self.issuer),
            ("buildSignerURI", &self.build_signer_uri),
            ("buildSignerDigest", &self.build_signer_digest),
            ("runnerEnvironment", &self.runner_environment),
            ("sourceRepositoryURI", &self.source_repository_uri),
            ("sourceRepositoryDigest", &self.source_repository_digest),
            ("sourceRepositoryRef", &self.source_repository_ref),
            (
                "sourceRepositoryIdentifier",
                &self.source_repository_identifier,
            ),
            (
                "sourceRepositoryOwnerURI",
                &self.source_repository_owner_uri,
            ),
            (
                "sourceRepositoryOwnerIdentifier",
                &self.source_repository_owner_identifier,
            ),
            ("buildConfigURI", &self.build_config_uri),
            ("buildConfigDigest", &self.build_config_digest),
            ("buildTrigger", &self.build_trigger),
            ("runInvocationURI", &self.run_invocation_uri),
            (
                "sourceRepositoryVisibilityAtSigning",
                &self.source_repository_visibility_at_signing,
            ),
        ];
        for (k, v) in optional {
            if !v.is_empty() {
                m.insert(k.into(), json!(v));
            }
        }
        Value::Object(m)
    }
}

/// Proof that a bundle verified. Only [`crate::verify`] constructs it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedBundle {
    /// `bundle-v0.1`, `bundle-v0.2` or `bundle-v0.3` (Buildx calls v0.3 bundles `bundle-v0.3`).
    pub bundle_type: &'static str,
    /// The media type as written.
    pub media_type: String,
    /// The certificate's facts, for certificate-signed bundles.
    pub signer: Option<Signer>,
    /// The verified times, tlog times first (Buildx order).
    pub timestamps: Vec<VerifiedTime>,
    /// The verified tlog entries.
    pub tlog_entries: Vec<LogEntryFacts>,
    /// The artifact digest that was verified: `(algorithm, lowercase hex)`.
    pub artifact_digest: (String, String),
    /// The DSSE payload type, for DSSE bundles.
    pub payload_type: Option<String>,
    /// The verified in-toto statement, for DSSE bundles carrying one.
    pub statement: Option<Statement>,
    /// Things present in the bundle but not counted (e.g. a timestamp from an unknown TSA).
    pub ignored: Vec<String>,
}

impl VerifiedBundle {
    /// The signature as Buildx's policy input shows it (`AttestationSignature` without `kind`,
    /// which classification adds): `type`, `signer` (certificate bundles), `timestamps` (model
    /// §4.4; Tlog times first, all three keys always present).
    pub fn buildx_signature(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.bundle_type));
        if let Some(s) = &self.signer {
            m.insert("signer".into(), s.to_json());
        }
        if !self.timestamps.is_empty() {
            m.insert("timestamps".into(), self.timestamps_json());
        }
        Value::Object(m)
    }

    fn timestamps_json(&self) -> Value {
        Value::Array(
            self.timestamps
                .iter()
                .map(|t| json!({"type": t.source.as_str(), "uri": t.uri, "timestamp": t.time.to_rfc3339()}))
                .collect(),
        )
    }

    /// The facts as JSON (stable field names; times RFC 3339 UTC).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.bundle_type));
        m.insert("mediaType".into(), json!(self.media_type));
        if let Some(s) = &self.signer {
            m.insert("signer".into(), s.to_json());
        }
        m.insert("timestamps".into(), self.timestamps_json());
        m.insert(
            "tlogEntries".into(),
            Value::Array(
                self.tlog_entries
                    .iter()
                    .map(|e| {
                        let mut o = json!({
                            "logURL": e.log_url, "logID": e.log_id, "logIndex": e.log_index,
                            "kind": e.kind, "version": e.version,
                            "inclusionProof": e.inclusion_proof, "inclusionPromise": e.inclusion_promise,
                        });
                        if let Some(t) = e.integrated_time {
                            o["integratedTime"] = json!(t.to_rfc3339());
                        }
                        o
                    })
                    .collect(),
            ),
        );
        m.insert(
            "artifactDigest".into(),
            json!({"algorithm": self.artifact_digest.0, "digest": self.artifact_digest.1}),
        );
        if let Some(p) = &self.payload_type {
            m.insert("payloadType".into(), json!(p));
        }
        if let Some(s) = &self.statement {
            m.insert("statement".into(), s.json.clone());
        }
        if !self.ignored.is_empty() {
            m.insert("ignored".into(), json!(self.ignored));
        }
        Value::Object(m)
    }
}
