//! Sigstore bundle verification through the component's `verifier`
//! interface.
//!
//! A [`TrustRoot`] is the component's `trust-root` resource living in an
//! instance of its own: prepared once ([`Runner::trust_root_public_good`],
//! [`Runner::trust_root_github`], [`Runner::trust_root_from_json`]) and
//! reused for many verifications, each refuelled. [`Runner::verify_bundle`]
//! does both in one call. A failed check is a [`VerifyFailure::Verify`]
//! carrying the component's `verify-error`; a call the host stopped (fuel,
//! memory) or that trapped is a [`VerifyFailure::Host`] with code
//! `resource-exhausted` or `internal`, as for evaluation.

use wasmtime::Result;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::gen_::exports::verdict::policy::verifier;
use crate::{ErrorCode, Runner, State, VerdictError, gen_};

pub use verifier::{
    Artifact, ArtifactDigest, CertificateIdentity, Digest, IdentityPolicy, LogEntry, Matcher,
    Thresholds, TufUpdate, TufUpdated, VerifiedBundle, VerifiedTime, VerifyError, VerifyErrorCode,
    VerifyOptions,
};

/// The Sigstore public-good TUF root the CLI starts updates from (`root.json`, version 15;
/// provenance in `crates/verify/roots/PROVENANCE.md`). The host chooses the starting root as it
/// chooses `--trusted-root`; the component verifies everything after it.
pub const PUBLIC_GOOD_TUF_ROOT: &[u8] =
    include_bytes!("../../crates/verify/roots/public-good-tuf-root.json");

impl VerifyErrorCode {
    /// Every code, in the WIT declaration order.
    pub const ALL: &'static [VerifyErrorCode] = &[
        VerifyErrorCode::MalformedBundle,
        VerifyErrorCode::UnsupportedMediaType,
        VerifyErrorCode::MalformedTrustedRoot,
        VerifyErrorCode::InvalidRequest,
        VerifyErrorCode::MalformedCertificate,
        VerifyErrorCode::UnsupportedAlgorithm,
        VerifyErrorCode::CertificateChain,
        VerifyErrorCode::CertificateExpired,
        VerifyErrorCode::LeafProfile,
        VerifyErrorCode::Sct,
        VerifyErrorCode::IdentityMismatch,
        VerifyErrorCode::Signature,
        VerifyErrorCode::ArtifactMismatch,
        VerifyErrorCode::Envelope,
        VerifyErrorCode::KeyMismatch,
        VerifyErrorCode::TlogBodyMismatch,
        VerifyErrorCode::UnknownLog,
        VerifyErrorCode::TlogThreshold,
        VerifyErrorCode::InclusionPromise,
        VerifyErrorCode::MissingInclusionProof,
        VerifyErrorCode::InclusionProof,
        VerifyErrorCode::Checkpoint,
        VerifyErrorCode::CheckpointSignature,
        VerifyErrorCode::Timestamp,
        VerifyErrorCode::TimestampThreshold,
        VerifyErrorCode::TrustUpdate,
    ];

    /// The stable kebab-case name (the WIT case name).
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyErrorCode::MalformedBundle => "malformed-bundle",
            VerifyErrorCode::UnsupportedMediaType => "unsupported-media-type",
            VerifyErrorCode::MalformedTrustedRoot => "malformed-trusted-root",
            VerifyErrorCode::InvalidRequest => "invalid-request",
            VerifyErrorCode::MalformedCertificate => "malformed-certificate",
            VerifyErrorCode::UnsupportedAlgorithm => "unsupported-algorithm",
            VerifyErrorCode::CertificateChain => "certificate-chain",
            VerifyErrorCode::CertificateExpired => "certificate-expired",
            VerifyErrorCode::LeafProfile => "leaf-profile",
            VerifyErrorCode::Sct => "sct",
            VerifyErrorCode::IdentityMismatch => "identity-mismatch",
            VerifyErrorCode::Signature => "signature",
            VerifyErrorCode::ArtifactMismatch => "artifact-mismatch",
            VerifyErrorCode::Envelope => "envelope",
            VerifyErrorCode::KeyMismatch => "key-mismatch",
            VerifyErrorCode::TlogBodyMismatch => "tlog-body-mismatch",
            VerifyErrorCode::UnknownLog => "unknown-log",
            VerifyErrorCode::TlogThreshold => "tlog-threshold",
            VerifyErrorCode::InclusionPromise => "inclusion-promise",
            VerifyErrorCode::MissingInclusionProof => "missing-inclusion-proof",
            VerifyErrorCode::InclusionProof => "inclusion-proof",
            VerifyErrorCode::Checkpoint => "checkpoint",
            VerifyErrorCode::CheckpointSignature => "checkpoint-signature",
            VerifyErrorCode::Timestamp => "timestamp",
            VerifyErrorCode::TimestampThreshold => "timestamp-threshold",
            VerifyErrorCode::TrustUpdate => "trust-update",
        }
    }
}

impl Default for Thresholds {
    /// One tlog entry, one SCT, one verified time.
    fn default() -> Self {
        Thresholds {
            tlog: 1,
            ctlog: 1,
            timestamps: 1,
        }
    }
}

/// Why a verification did not succeed.
#[derive(Debug, Clone)]
pub enum VerifyFailure {
    /// A check failed: the component's `verify-error`.
    Verify(VerifyError),
    /// The host stopped the component (fuel, memory: `resource-exhausted`)
    /// or it trapped (`internal`).
    Host(VerdictError),
}

impl VerifyFailure {
    /// The stable code: a `verify-error-code` name, or `resource-exhausted`
    /// / `internal` for a call the host stopped.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyFailure::Verify(e) => e.code.as_str(),
            VerifyFailure::Host(e) => e.code.as_str(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            VerifyFailure::Verify(e) => &e.message,
            VerifyFailure::Host(e) => &e.message,
        }
    }

    /// Whether a check failed (as opposed to the host stopping the call).
    pub fn is_verify(&self) -> bool {
        matches!(self, VerifyFailure::Verify(_))
    }
}

impl std::fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

/// Where a one-shot verification's trusted root comes from.
#[derive(Debug, Clone, Copy)]
pub enum TrustSource<'a> {
    /// The embedded Sigstore public-good production root.
    PublicGood,
    /// The embedded GitHub root.
    Github,
    /// A trusted root (or `ClientTrustConfig`) as JSON bytes.
    Json(&'a [u8]),
}

/// The outcome of a call: verified facts or a failure; `Err` only for a
/// host-side problem (the runner could not instantiate the component).
pub type Outcome<T> = Result<std::result::Result<T, VerifyFailure>>;

/// A prepared trusted root living in its own component instance.
pub struct TrustRoot<'r> {
    runner: &'r Runner,
    store: Store<State>,
    bindings: gen_::Engine,
    handle: ResourceAny,
    /// Set once a call trapped: the instance is dead.
    dead: bool,
}

impl std::fmt::Debug for TrustRoot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot")
            .field("dead", &self.dead)
            .finish_non_exhaustive()
    }
}

impl Runner {
    fn trust_root(&self, source: TrustSource<'_>) -> Outcome<TrustRoot<'_>> {
        let (mut store, bindings) = match self.instance(self.deadline()) {
            Ok(instance) => instance,
            Err(error) => return Ok(Err(VerifyFailure::Host(error))),
        };
        let guest = bindings.verdict_policy_verifier().trust_root();
        let created = match source {
            TrustSource::PublicGood => guest.call_public_good(&mut store).map(Ok),
            TrustSource::Github => guest.call_github(&mut store).map(Ok),
            TrustSource::Json(json) => guest.call_from_json(&mut store, json),
        };
        Ok(match created {
            Ok(Ok(handle)) => Ok(TrustRoot {
                runner: self,
                store,
                bindings,
                handle,
                dead: false,
            }),
            Ok(Err(error)) => Err(VerifyFailure::Verify(error)),
            Err(trap) => Err(VerifyFailure::Host(self.classify(&store, &trap))),
        })
    }

    /// Parses and prepares a trusted root (`TrustedRoot` JSON or a
    /// `ClientTrustConfig`) in a fresh instance.
    pub fn trust_root_from_json(&self, json: &[u8]) -> Outcome<TrustRoot<'_>> {
        self.trust_root(TrustSource::Json(json))
    }

    /// The embedded Sigstore public-good production root, in a fresh
    /// instance.
    pub fn trust_root_public_good(&self) -> Outcome<TrustRoot<'_>> {
        self.trust_root(TrustSource::PublicGood)
    }

    /// The embedded GitHub root, in a fresh instance.
    pub fn trust_root_github(&self) -> Outcome<TrustRoot<'_>> {
        self.trust_root(TrustSource::Github)
    }

    /// Verifies a TUF update of the trusted root (fetched by the host) in a
    /// fresh instance.
    pub fn update_trust_root(&self, update: &TufUpdate) -> Outcome<TufUpdated> {
        let (mut store, bindings) = match self.instance(self.deadline()) {
            Ok(instance) => instance,
            Err(error) => return Ok(Err(VerifyFailure::Host(error))),
        };
        Ok(
            match bindings
                .verdict_policy_verifier()
                .call_update_trust_root(&mut store, update)
            {
                Ok(Ok(updated)) => Ok(updated),
                Ok(Err(error)) => Err(VerifyFailure::Verify(error)),
                Err(trap) => Err(VerifyFailure::Host(self.classify(&store, &trap))),
            },
        )
    }

    /// Prepares the trusted root and verifies one bundle, in a fresh
    /// instance.
    pub fn verify_bundle(
        &self,
        trust: TrustSource<'_>,
        bundle: &[u8],
        artifact: &Artifact,
        options: &VerifyOptions,
    ) -> Outcome<VerifiedBundle> {
        match self.trust_root(trust)? {
            Ok(mut root) => root.verify_bundle(bundle, artifact, options),
            Err(failure) => Ok(Err(failure)),
        }
    }
}

impl TrustRoot<'_> {
    fn dead(&self) -> VerifyFailure {
        VerifyFailure::Host(VerdictError {
            code: ErrorCode::Internal,
            message: "this trust root's instance trapped in an earlier call".to_owned(),
        })
    }

    fn trapped(&mut self, trap: &wasmtime::Error) -> VerifyFailure {
        self.dead = true;
        VerifyFailure::Host(self.runner.classify(&self.store, trap))
    }

    /// Verifies one bundle (JSON bytes) against the artifact and options,
    /// refuelled for the call. After a trap the instance is dead and every
    /// later call fails with code `internal`.
    pub fn verify_bundle(
        &mut self,
        bundle: &[u8],
        artifact: &Artifact,
        options: &VerifyOptions,
    ) -> Outcome<VerifiedBundle> {
        if self.dead {
            return Ok(Err(self.dead()));
        }
        if let Err(error) = self.runner.rearm(&mut self.store) {
            return Ok(Err(VerifyFailure::Host(error)));
        }
        let result = self.bindings.verdict_policy_verifier().call_verify_bundle(
            &mut self.store,
            bundle,
            artifact,
            self.handle,
            options,
        );
        Ok(match result {
            Ok(Ok(verified)) => Ok(verified),
            Ok(Err(error)) => Err(VerifyFailure::Verify(error)),
            Err(trap) => Err(self.trapped(&trap)),
        })
    }

    /// `sha256:` + hex SHA-256 of the root's JSON.
    pub fn digest(&mut self) -> Outcome<String> {
        if self.dead {
            return Ok(Err(self.dead()));
        }
        if let Err(error) = self.runner.rearm(&mut self.store) {
            return Ok(Err(VerifyFailure::Host(error)));
        }
        let result = self
            .bindings
            .verdict_policy_verifier()
            .trust_root()
            .call_digest(&mut self.store, self.handle);
        Ok(result.map_err(|trap| self.trapped(&trap)))
    }

    /// The root's JSON summary: logs, CT logs, CAs and TSAs.
    pub fn summary_json(&mut self) -> Outcome<String> {
        if self.dead {
            return Ok(Err(self.dead()));
        }
        if let Err(error) = self.runner.rearm(&mut self.store) {
            return Ok(Err(VerifyFailure::Host(error)));
        }
        let result = self
            .bindings
            .verdict_policy_verifier()
            .trust_root()
            .call_summary_json(&mut self.store, self.handle);
        Ok(result.map_err(|trap| self.trapped(&trap)))
    }
}
