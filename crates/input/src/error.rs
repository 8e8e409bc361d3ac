//! Errors of input building, each with a stable [`ErrorCode`].

use core::fmt;

verdict_codes::error_codes! {
    /// A stable, machine-readable error code of input building: cases of the WIT `error-code`
    /// (the verdict's codes, `verdict_core::ErrorCode`).
    pub enum ErrorCode {
        /// The source's scheme is not one Buildx evaluates (e.g. `oci-layout://`).
        UnsupportedSource = "unsupported-source",
        /// The source reference, URL or platform does not parse.
        MalformedSource = "malformed-source",
        /// Evidence that does not parse, does not hash to its name, or does not belong to the
        /// source.
        InvalidEvidence = "invalid-evidence",
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
