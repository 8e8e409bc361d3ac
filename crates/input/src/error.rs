//! Errors of input building, each with a stable [`ErrorCode`].

use core::fmt;

/// A stable, machine-readable error code (the same names as the verdict's error codes).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The source's scheme is not one Buildx evaluates (e.g. `oci-layout://`).
    UnsupportedSource,
    /// The source reference, URL or platform does not parse.
    MalformedSource,
    /// Evidence that does not parse, does not hash to its name, or does not belong to the
    /// source.
    InvalidEvidence,
}

impl ErrorCode {
    /// The stable kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnsupportedSource => "unsupported-source",
            ErrorCode::MalformedSource => "malformed-source",
            ErrorCode::InvalidEvidence => "invalid-evidence",
        }
    }
}

/// Why an input could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong, naming the offending value.
    pub message: String,
}

impl Error {
    /// An [`ErrorCode::UnsupportedSource`] error.
    pub fn unsupported_source(message: impl Into<String>) -> Error {
        Error {
            code: ErrorCode::UnsupportedSource,
            message: message.into(),
        }
    }
    /// An [`ErrorCode::MalformedSource`] error.
    pub fn malformed_source(message: impl Into<String>) -> Error {
        Error {
            code: ErrorCode::MalformedSource,
            message: message.into(),
        }
    }
    /// An [`ErrorCode::InvalidEvidence`] error.
    pub fn invalid_evidence(message: impl Into<String>) -> Error {
        Error {
            code: ErrorCode::InvalidEvidence,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
