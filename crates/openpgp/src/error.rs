//! Errors: one stable [`ErrorCode`] per way a key, a signature or a verification can fail.

verdict_codes::error_codes! {
    /// A stable, machine-readable OpenPGP error code.
    ///
    /// The kebab-case names ([`ErrorCode::as_str`]) are what tests and callers assert on.
    /// Messages may change; codes are an API.
    pub enum ErrorCode {
        /// ASCII armor is malformed: no `BEGIN`/`END` lines, mismatched labels, bad base64.
        MalformedArmor = "malformed-armor",
        /// The armor's CRC-24 line does not match the decoded data (RFC 4880 §6.1); only from the
        /// strict [`crate::armor::Block::check_crc`].
        ArmorChecksum = "armor-checksum",
        /// An armored block of the wrong kind (e.g. a signature where a key block was expected, or a
        /// private key block).
        UnexpectedBlock = "unexpected-block",
        /// A packet or one of its fields is truncated or inconsistent.
        MalformedPacket = "malformed-packet",
        /// A packet framing verdict does not read: partial or indeterminate lengths.
        UnsupportedPacket = "unsupported-packet",
        /// A key or signature packet version other than 4.
        UnsupportedVersion = "unsupported-version",
        /// A public-key algorithm or curve verdict does not verify with.
        UnsupportedAlgorithm = "unsupported-algorithm",
        /// A hash algorithm other than SHA-256, SHA-384 or SHA-512.
        UnsupportedHash = "unsupported-hash",
        /// A signature type other than binary (0x00) or text (0x01) for a document signature.
        UnsupportedSignatureType = "unsupported-signature-type",
        /// A hashed subpacket marked critical that verdict does not understand (RFC 4880 §5.2.3.1).
        CriticalSubpacket = "critical-subpacket",
        /// The signature names no issuer (no issuer key ID or issuer fingerprint subpacket).
        MissingIssuer = "missing-issuer",
        /// The input holds no public key, or no signature packet.
        Empty = "empty",
        /// No key or subkey of the keyring has the signature's issuer key ID.
        NoMatchingKey = "no-matching-key",
        /// The signing subkey has no valid binding signature from its primary key, or is not
        /// allowed to sign.
        InvalidBinding = "invalid-binding",
        /// The issuing key may not sign documents: a primary key without a valid self-signed user
        /// ID, or whose self-signature's key flags lack "sign data", or a subkey whose binding's key
        /// flags lack it.
        UnusableKey = "unusable-key",
        /// The signing key (or its primary key) was not valid at the signature's creation time:
        /// created after it, or expired before it (key expiration time subpacket).
        ExpiredKey = "expired-key",
        /// A precomputed digest has the wrong length for the signature's hash algorithm.
        InvalidDigest = "invalid-digest",
        /// The signature does not verify (including the left-16-bits quick check).
        BadSignature = "bad-signature",
    }
}

verdict_codes::coded_error! {
    /// An OpenPGP failure: a stable code and a message saying what was wrong.
    pub struct Error(ErrorCode);
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

pub(crate) fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedPacket, message)
}
