//! Parse errors, each with a stable [`ErrorCode`].

verdict_codes::error_codes! {
    /// A stable, machine-readable parse error code (kebab-case via [`ErrorCode::as_str`]).
    pub enum ErrorCode {
        /// Not JSON, or JSON of the wrong shape (a field of the wrong type, a one-of violated).
        MalformedBundle = "malformed-bundle",
        /// The bundle's `mediaType` is not one of the four accepted spellings.
        UnsupportedMediaType = "unsupported-media-type",
        /// A base64 field does not decode.
        InvalidBase64 = "invalid-base64",
        /// An int64 field is not a non-negative decimal integer.
        InvalidInteger = "invalid-integer",
        /// An RFC 3339 time does not parse.
        InvalidTime = "invalid-time",
        /// A required field is missing or empty.
        MissingField = "missing-field",
        /// The document is larger than [`crate::MAX_DOCUMENT_BYTES`] or has too many entries.
        TooLarge = "too-large",
        /// A trusted root that does not parse, or has an unsupported media type.
        MalformedTrustedRoot = "malformed-trusted-root",
        /// A DSSE envelope or in-toto statement of the wrong shape.
        MalformedEnvelope = "malformed-envelope",
    }
}

verdict_codes::coded_error! {
    /// A parse error: a code and a message naming the field.
    pub struct Error(ErrorCode);
}
