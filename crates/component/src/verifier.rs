//! `verdict:policy/verifier`: Sigstore bundle verification over
//! `verdict_core::verify`.

use crate::Component;
use crate::bindings::exports::verdict::policy::verifier as wit;
use verdict_core::verify as v;

/// A prepared trusted root, owned by the host as a resource.
pub(crate) struct TrustRoot(pub(crate) v::TrustMaterial);

fn code_to_wit(code: v::ErrorCode) -> Option<wit::VerifyErrorCode> {
    use v::ErrorCode as C;
    use wit::VerifyErrorCode as W;
    Some(match code {
        C::MalformedBundle => W::MalformedBundle,
        C::UnsupportedMediaType => W::UnsupportedMediaType,
        C::MalformedTrustedRoot => W::MalformedTrustedRoot,
        C::InvalidRequest => W::InvalidRequest,
        C::MalformedCertificate => W::MalformedCertificate,
        C::UnsupportedAlgorithm => W::UnsupportedAlgorithm,
        C::CertificateChain => W::CertificateChain,
        C::CertificateExpired => W::CertificateExpired,
        C::LeafProfile => W::LeafProfile,
        C::Sct => W::Sct,
        C::IdentityMismatch => W::IdentityMismatch,
        C::Signature => W::Signature,
        C::ArtifactMismatch => W::ArtifactMismatch,
        C::Envelope => W::Envelope,
        C::KeyMismatch => W::KeyMismatch,
        C::TlogBodyMismatch => W::TlogBodyMismatch,
        C::UnknownLog => W::UnknownLog,
        C::TlogThreshold => W::TlogThreshold,
        C::InclusionPromise => W::InclusionPromise,
        C::MissingInclusionProof => W::MissingInclusionProof,
        C::InclusionProof => W::InclusionProof,
        C::Checkpoint => W::Checkpoint,
        C::CheckpointSignature => W::CheckpointSignature,
        C::Timestamp => W::Timestamp,
        C::TimestampThreshold => W::TimestampThreshold,
        C::TrustUpdate => W::TrustUpdate,
        _ => return None,
    })
}

fn error(e: &v::Error) -> wit::VerifyError {
    match code_to_wit(e.code()) {
        Some(code) => wit::VerifyError {
            code,
            message: e.message().to_owned(),
        },
        // A code newer than this interface (host/tests/component.rs keeps
        // the two lists equal): keep its name in the message.
        None => wit::VerifyError {
            code: wit::VerifyErrorCode::InvalidRequest,
            message: format!("[{}] {}", e.code().as_str(), e.message()),
        },
    }
}

fn invalid_request(message: String) -> wit::VerifyError {
    wit::VerifyError {
        code: wit::VerifyErrorCode::InvalidRequest,
        message,
    }
}

fn matcher(m: wit::Matcher) -> Result<v::Matcher, wit::VerifyError> {
    match m {
        wit::Matcher::Exact(s) => Ok(v::Matcher::exact(s)),
        wit::Matcher::Regex(expr) => v::Matcher::regex(&expr).map_err(|e| error(&e)),
    }
}

fn policy(o: wit::VerifyOptions) -> Result<v::Policy, wit::VerifyError> {
    let identity = match o.identity {
        wit::IdentityPolicy::AnyCertificate => v::Identity::AnyCertificate,
        wit::IdentityPolicy::Certificate(c) => v::Identity::Certificate {
            subject: c.subject.map(matcher).transpose()?,
            issuer: c.issuer.map(matcher).transpose()?,
        },
        wit::IdentityPolicy::Key(key) => v::Identity::key(&key).map_err(|e| error(&e))?,
    };
    let count = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    let mut policy = v::Policy::new(identity);
    policy.thresholds = v::Thresholds {
        tlog: count(o.thresholds.tlog),
        ctlog: count(o.thresholds.ctlog),
        timestamps: count(o.thresholds.timestamps),
    };
    policy.allow_v01_set_only = o.allow_v01_set_only;
    Ok(policy)
}

fn verified(b: &v::VerifiedBundle) -> wit::VerifiedBundle {
    let signer = b.signer.as_ref().map(|s| match s.to_json() {
        serde_json::Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    });
    wit::VerifiedBundle {
        bundle_type: b.bundle_type.to_owned(),
        media_type: b.media_type.clone(),
        signer,
        timestamps: b
            .timestamps
            .iter()
            .map(|t| wit::VerifiedTime {
                kind: t.source.as_str().to_owned(),
                uri: t.uri.clone(),
                timestamp: t.time.to_rfc3339(),
            })
            .collect(),
        tlog_entries: b
            .tlog_entries
            .iter()
            .map(|e| wit::LogEntry {
                log_url: e.log_url.clone(),
                log_id: e.log_id.clone(),
                log_index: e.log_index,
                kind: e.kind.clone(),
                version: e.version.clone(),
            })
            .collect(),
        artifact_digest: wit::ArtifactDigest {
            algorithm: b.artifact_digest.0.clone(),
            hex: b.artifact_digest.1.clone(),
        },
        payload_type: b.payload_type.clone(),
        statement_json: b.statement.as_ref().map(|s| s.json.to_string()),
        ignored: b.ignored.clone(),
        facts_json: v::facts_json(b),
    }
}

impl wit::GuestTrustRoot for TrustRoot {
    fn from_json(json: Vec<u8>) -> Result<wit::TrustRoot, wit::VerifyError> {
        crate::guard();
        v::TrustMaterial::from_json(&json)
            .map(|t| wit::TrustRoot::new(TrustRoot(t)))
            .map_err(|e| error(&e))
    }

    fn from_json_with_origin(
        json: Vec<u8>,
        origin: String,
    ) -> Result<wit::TrustRoot, wit::VerifyError> {
        crate::guard();
        // `embedded` and `given` are the component's own words: a host names another origin.
        if origin.is_empty()
            || origin.len() > 1024
            || [v::ORIGIN_EMBEDDED, v::ORIGIN_GIVEN].contains(&origin.as_str())
        {
            return Err(wit::VerifyError {
                code: wit::VerifyErrorCode::MalformedTrustedRoot,
                message: format!(
                    "trust-root origin {origin:?}: empty, over 1024 bytes, or a word the \
                     component reserves (`embedded`, `given`)"
                ),
            });
        }
        v::TrustMaterial::from_json(&json)
            .map(|t| wit::TrustRoot::new(TrustRoot(t.with_origin(&origin))))
            .map_err(|e| error(&e))
    }

    fn public_good() -> wit::TrustRoot {
        crate::guard();
        wit::TrustRoot::new(TrustRoot(v::TrustMaterial::public_good()))
    }

    fn github() -> wit::TrustRoot {
        crate::guard();
        wit::TrustRoot::new(TrustRoot(v::TrustMaterial::github()))
    }

    fn digest(&self) -> String {
        self.0.digest()
    }

    fn origin(&self) -> String {
        self.0.origin().to_owned()
    }

    fn summary_json(&self) -> String {
        self.0.summary().to_string()
    }
}

impl wit::Guest for Component {
    type TrustRoot = TrustRoot;

    fn update_trust_root(update: wit::TufUpdate) -> Result<wit::TufUpdated, wit::VerifyError> {
        crate::guard();
        let new_roots: Vec<&[u8]> = update.new_roots.iter().map(Vec::as_slice).collect();
        let verified = v::tuf::update(&v::tuf::Update {
            trusted_root: &update.trusted_root,
            trusted_timestamp: update.trusted_timestamp.as_deref(),
            trusted_snapshot: update.trusted_snapshot.as_deref(),
            new_roots: &new_roots,
            known_roots: update.known_roots as usize,
            timestamp: &update.timestamp,
            snapshot: &update.snapshot,
            targets: &update.targets,
            target_name: &update.target_name,
            target: &update.target,
            now: update.now_ns.div_euclid(1_000_000_000),
        })
        .map_err(|e| wit::VerifyError {
            code: wit::VerifyErrorCode::TrustUpdate,
            message: format!("{} ({})", e.message(), e.code()),
        })?;
        Ok(wit::TufUpdated {
            root: verified.root,
            timestamp: verified.timestamp,
            snapshot: verified.snapshot,
            root_version: verified.root_version,
            target_digest: verified.target_digest,
            expires: verified.expires,
        })
    }

    fn verify_bundle(
        bundle: Vec<u8>,
        artifact: wit::Artifact,
        trust: wit::TrustRootBorrow<'_>,
        options: wit::VerifyOptions,
    ) -> Result<wit::VerifiedBundle, wit::VerifyError> {
        crate::guard();
        let trust = &trust.get::<TrustRoot>().0;
        let policy = policy(options)?;
        let result = match &artifact {
            wit::Artifact::Bytes(bytes) => {
                v::verify(trust, &bundle, v::Artifact::Bytes(bytes), &policy)
            }
            wit::Artifact::Digest(d) => {
                let Some(algorithm) = v::hash_algorithm(&d.algorithm) else {
                    return Err(invalid_request(format!(
                        "unknown digest algorithm {:?} (want sha256, sha384 or sha512)",
                        d.algorithm
                    )));
                };
                if d.value.len() != algorithm.digest_len() {
                    return Err(invalid_request(format!(
                        "a {} digest is {} bytes, not {}",
                        algorithm.name(),
                        algorithm.digest_len(),
                        d.value.len()
                    )));
                }
                let artifact = v::Artifact::Digest {
                    algorithm,
                    digest: &d.value,
                };
                v::verify(trust, &bundle, artifact, &policy)
            }
        };
        result.map(|b| verified(&b)).map_err(|e| error(&e))
    }
}
