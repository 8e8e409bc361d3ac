//! Verification errors: one stable [`ErrorCode`] per failed check.

verdict_codes::error_codes! {
    /// A stable, machine-readable verification error code.
    ///
    /// Each code names the check that failed (the module of this crate that implements it).
    /// The kebab-case names ([`ErrorCode::as_str`]) are what the CLI prints, what the WIT
    /// `verify-error` carries and what the conformance table asserts. Messages may change;
    /// codes are an API.
    pub enum ErrorCode {
        /// The bundle does not parse (bad JSON, shape, one-of, media type, base64, integer).
        MalformedBundle = "malformed-bundle",
        /// The bundle's media type is not one of the four accepted spellings.
        UnsupportedMediaType = "unsupported-media-type",
        /// The trusted root does not parse, or holds a key or certificate that does not.
        MalformedTrustedRoot = "malformed-trusted-root",
        /// The request is inconsistent (e.g. a key policy for a certificate bundle, an unusable digest).
        InvalidRequest = "invalid-request",
        /// A certificate or key in the bundle does not parse.
        MalformedCertificate = "malformed-certificate",
        /// A key or signature algorithm that verdict does not support.
        UnsupportedAlgorithm = "unsupported-algorithm",
        /// No path from the leaf to a Fulcio CA of the trusted root at a verified time.
        CertificateChain = "certificate-chain",
        /// A verified time lies outside the leaf certificate's validity.
        CertificateExpired = "certificate-expired",
        /// The leaf is not a code-signing certificate (KeyUsage, ExtendedKeyUsage, SAN, CA flag).
        LeafProfile = "leaf-profile",
        /// Too few valid signed certificate timestamps from trusted CT logs.
        Sct = "sct",
        /// The certificate's identity does not satisfy the identity policy.
        IdentityMismatch = "identity-mismatch",
        /// The artifact signature (message or DSSE) does not verify.
        Signature = "signature",
        /// The artifact does not match what was signed (digest hint, in-toto subject).
        ArtifactMismatch = "artifact-mismatch",
        /// The DSSE envelope or its in-toto statement is malformed.
        Envelope = "envelope",
        /// The managed key does not match, or a key-signed bundle was checked against an identity.
        KeyMismatch = "key-mismatch",
        /// A tlog entry's body does not describe this bundle's signature, artifact and key.
        TlogBodyMismatch = "tlog-body-mismatch",
        /// A tlog entry names a log that is not in the trusted root, or one not valid at its time.
        UnknownLog = "unknown-log",
        /// Too few verified tlog entries, or a duplicate entry.
        TlogThreshold = "tlog-threshold",
        /// A signed entry timestamp (inclusion promise) does not verify.
        InclusionPromise = "inclusion-promise",
        /// An entry has no inclusion proof where one is required.
        MissingInclusionProof = "missing-inclusion-proof",
        /// The RFC 6962 inclusion proof does not lead to the claimed root.
        InclusionProof = "inclusion-proof",
        /// The checkpoint is missing or malformed, or disagrees with the proof.
        Checkpoint = "checkpoint",
        /// No checkpoint signature line verifies with the log's key.
        CheckpointSignature = "checkpoint-signature",
        /// An RFC 3161 timestamp does not verify (status, imprint, CMS signature, TSA chain).
        Timestamp = "timestamp",
        /// Too few verified times (SET times and RFC 3161 timestamps) to validate the certificate.
        TimestampThreshold = "timestamp-threshold",
        /// A TUF update of the trusted root is refused (`tuf::TufCode` in the message).
        TrustUpdate = "trust-update",
    }
}

verdict_codes::coded_error! {
    /// A verification failure: the check's code and a message saying what was wrong.
    pub struct Error(ErrorCode);
}

impl From<verdict_bundle::Error> for Error {
    fn from(e: verdict_bundle::Error) -> Self {
        use verdict_bundle::ErrorCode as B;
        let code = match e.code() {
            B::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            B::MalformedTrustedRoot => ErrorCode::MalformedTrustedRoot,
            B::MalformedEnvelope => ErrorCode::Envelope,
            _ => ErrorCode::MalformedBundle,
        };
        // The bundle's own code stays in the message only when it says more than ours
        // (`malformed-envelope: …` under `envelope`), never as a repeat
        // (`malformed-bundle: malformed-bundle: …`).
        let message = if e.code().as_str() == code.as_str() {
            e.message().to_owned()
        } else {
            e.to_string()
        };
        Error::new(code, message)
    }
}

/// `Result` with a verification [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_error_keeps_its_code_once() {
        use verdict_bundle::ErrorCode as B;
        let same = Error::from(verdict_bundle::Error::new(B::MalformedBundle, "not JSON"));
        assert_eq!(same.code(), ErrorCode::MalformedBundle);
        assert_eq!(same.message(), "not JSON");
        let other = Error::from(verdict_bundle::Error::new(
            B::MalformedEnvelope,
            "no payload",
        ));
        assert_eq!(other.code(), ErrorCode::Envelope);
        assert_eq!(other.message(), "malformed-envelope: no payload");
    }
}
