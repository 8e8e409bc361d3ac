//! Errors: one stable [`ErrorCode`] per way an object, a key file or a signature check can fail.

verdict_codes::error_codes! {
    /// A stable, machine-readable error code for git objects and their signatures.
    ///
    /// The kebab-case names ([`ErrorCode::as_str`]) are what tests and callers assert on.
    /// Messages may change; codes are an API.
    pub enum ErrorCode {
        /// The object is not a commit or tag as Buildx parses them (a required header is missing).
        MalformedObject = "malformed-object",
        /// The object carries no signature.
        NotSigned = "not-signed",
        /// The embedded signature is neither an armored PGP signature nor an SSH signature, or does
        /// not parse.
        MalformedSignature = "malformed-signature",
        /// The key file does not hold a key of the signature's kind (an armored OpenPGP public key
        /// block for PGP, an authorized-keys line for SSH).
        MalformedKeyFile = "malformed-key-file",
        /// An SSH signature version other than 1.
        UnsupportedVersion = "unsupported-version",
        /// A key or signature algorithm verdict does not verify with.
        UnsupportedAlgorithm = "unsupported-algorithm",
        /// A hash algorithm other than SHA-256/384/512 (PGP) or sha256/sha512 (SSH).
        UnsupportedHash = "unsupported-hash",
        /// A PGP signature type other than binary or text.
        UnsupportedSignatureType = "unsupported-signature-type",
        /// The SSH signature's namespace is not `git`.
        WrongNamespace = "wrong-namespace",
        /// No key of the key file made the signature (PGP: no key with the issuer's key ID, an
        /// unbound subkey, or a key not allowed to sign — see [`Error::pgp_code`]; SSH: the
        /// signature's key is not the key file's key).
        NoMatchingKey = "no-matching-key",
        /// The signing certificate's primary key is revoked (a verified key revocation signature).
        RevokedKey = "revoked-key",
        /// The signing key was not valid at the signature's creation time (created after it, or
        /// expired before it).
        ExpiredKey = "expired-key",
        /// The PGP signature was made more than 5 minutes after the time given to
        /// [`crate::verify_signature_at`] (Buildx's `checkCreationTime`).
        FutureSignature = "future-signature",
        /// The signing certificate's primary key is RSA shorter than 2048 bits.
        WeakKey = "weak-key",
        /// An author, committer or tagger time Go's JSON encoding of `time.Time` refuses (year
        /// outside 0–9999, zone offset of 24 hours or more).
        TimeOutOfRange = "time-out-of-range",
        /// The signature does not verify over the signed payload.
        BadSignature = "bad-signature",
    }
}

/// A failure: a stable code, a message, and for PGP failures the OpenPGP error behind it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
    #[source]
    pgp: Option<verdict_openpgp::Error>,
}

impl Error {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            pgp: None,
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message (not stable).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The OpenPGP error code behind a PGP failure.
    pub fn pgp_code(&self) -> Option<verdict_openpgp::ErrorCode> {
        self.pgp.as_ref().map(verdict_openpgp::Error::code)
    }

    /// Wraps an OpenPGP error met while reading the signature (`signature: true`) or the key
    /// file, or while verifying.
    pub(crate) fn from_pgp(e: verdict_openpgp::Error, signature: bool) -> Self {
        use verdict_openpgp::ErrorCode as P;
        let code = match e.code() {
            P::UnsupportedAlgorithm => ErrorCode::UnsupportedAlgorithm,
            P::UnsupportedHash => ErrorCode::UnsupportedHash,
            P::UnsupportedSignatureType => ErrorCode::UnsupportedSignatureType,
            P::NoMatchingKey | P::MissingIssuer | P::InvalidBinding | P::UnusableKey => {
                ErrorCode::NoMatchingKey
            }
            P::BadSignature | P::InvalidDigest => ErrorCode::BadSignature,
            P::ExpiredKey => ErrorCode::ExpiredKey,
            _ if signature => ErrorCode::MalformedSignature,
            _ => ErrorCode::MalformedKeyFile,
        };
        Error {
            code,
            message: format!("openpgp: {e}"),
            pgp: Some(e),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
