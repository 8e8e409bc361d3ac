//! Parse errors, each with a stable [`ErrorCode`].

use core::fmt;

/// A stable, machine-readable parse error code (kebab-case via [`ErrorCode::as_str`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// Not JSON, or JSON of the wrong shape (a field of the wrong type, a one-of violated).
    MalformedBundle,
    /// The bundle's `mediaType` is not one of the four accepted spellings.
    UnsupportedMediaType,
    /// A base64 field does not decode.
    InvalidBase64,
    /// An int64 field is not a non-negative decimal integer.
    InvalidInteger,
    /// An RFC 3339 time does not parse.
    InvalidTime,
    /// A required field is missing or empty.
    MissingField,
    /// The document is larger than [`crate::MAX_DOCUMENT_BYTES`] or has too many entries.
    TooLarge,
    /// A trusted root that does not parse, or has an unsupported media type.
    MalformedTrustedRoot,
    /// A DSSE envelope or in-toto statement of the wrong shape.
    MalformedEnvelope,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::MalformedBundle,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidBase64,
        ErrorCode::InvalidInteger,
        ErrorCode::InvalidTime,
        ErrorCode::MissingField,
        ErrorCode::TooLarge,
        ErrorCode::MalformedTrustedRoot,
        ErrorCode::MalformedEnvelope,
    ];

    /// The stable kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedBundle => "malformed-bundle",
            ErrorCode::UnsupportedMediaType => "unsupported-media-type",
            ErrorCode::InvalidBase64 => "invalid-base64",
            ErrorCode::InvalidInteger => "invalid-integer",
            ErrorCode::InvalidTime => "invalid-time",
            ErrorCode::MissingField => "missing-field",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::MalformedTrustedRoot => "malformed-trusted-root",
            ErrorCode::MalformedEnvelope => "malformed-envelope",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parse error: a code and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message (not stable).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context` prefixed to the message (`context: message`).
    pub fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}
