//! Errors of the policy engine, each with a stable [`ErrorCode`].

use core::fmt;

/// A stable, machine-readable error code.
///
/// The kebab-case names ([`ErrorCode::as_str`]) are the WIT `error-code`
/// cases and the strings that test vectors assert on. Messages may change;
/// codes are an API.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// A module does not parse or does not compile.
    MalformedPolicy,
    /// The input document is not valid JSON or is too large.
    MalformedInput,
    /// A policy calls a builtin that Buildx does not allow.
    ForbiddenBuiltin,
    /// No module declares the queried package.
    WrongPackage,
    /// The query is not a `data.…` reference.
    MalformedQuery,
    /// The query produced no result.
    UndefinedDecision,
    /// The decision has the wrong shape.
    InvalidDecision,
    /// Evaluation failed at run time.
    EvaluationFailed,
    /// A limit was exceeded.
    ResourceExhausted,
    /// The request is invalid.
    InvalidRequest,
    /// A bug in verdict.
    Internal,
    /// The source's scheme is not one Buildx evaluates (e.g. `oci-layout://`).
    UnsupportedSource,
    /// The source reference, URL or platform does not parse.
    MalformedSource,
    /// Evidence that does not parse, does not hash to its name, or does not
    /// belong to the source.
    InvalidEvidence,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::MalformedPolicy,
        ErrorCode::MalformedInput,
        ErrorCode::ForbiddenBuiltin,
        ErrorCode::WrongPackage,
        ErrorCode::MalformedQuery,
        ErrorCode::UndefinedDecision,
        ErrorCode::InvalidDecision,
        ErrorCode::EvaluationFailed,
        ErrorCode::ResourceExhausted,
        ErrorCode::InvalidRequest,
        ErrorCode::Internal,
        ErrorCode::UnsupportedSource,
        ErrorCode::MalformedSource,
        ErrorCode::InvalidEvidence,
    ];

    /// The stable kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedPolicy => "malformed-policy",
            ErrorCode::MalformedInput => "malformed-input",
            ErrorCode::ForbiddenBuiltin => "forbidden-builtin",
            ErrorCode::WrongPackage => "wrong-package",
            ErrorCode::MalformedQuery => "malformed-query",
            ErrorCode::UndefinedDecision => "undefined-decision",
            ErrorCode::InvalidDecision => "invalid-decision",
            ErrorCode::EvaluationFailed => "evaluation-failed",
            ErrorCode::ResourceExhausted => "resource-exhausted",
            ErrorCode::InvalidRequest => "invalid-request",
            ErrorCode::Internal => "internal",
            ErrorCode::UnsupportedSource => "unsupported-source",
            ErrorCode::MalformedSource => "malformed-source",
            ErrorCode::InvalidEvidence => "invalid-evidence",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a policy set could not be compiled or evaluated.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A module failed to parse or compile.
    #[error("{message}")]
    MalformedPolicy {
        /// The module's path.
        path: String,
        /// The compiler's message, which names the file and position.
        message: String,
    },
    /// The input document is not valid JSON.
    #[error("input is not valid JSON: {0}")]
    MalformedInput(String),
    /// The input document is larger than allowed.
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    InputTooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A call of a builtin that Buildx does not allow.
    #[error("{path}:{line}: builtin `{name}` is not allowed in Buildx policies")]
    ForbiddenBuiltin {
        /// The module's path.
        path: String,
        /// 1-based line of the call.
        line: u32,
        /// The builtin's name.
        name: String,
    },
    /// A call of a function that is neither a rule nor an allowed builtin.
    #[error("{path}:{line}: undefined function `{name}`")]
    UndefinedFunction {
        /// The module's path.
        path: String,
        /// 1-based line of the call.
        line: u32,
        /// The function's name.
        name: String,
    },
    /// No module of the set declares the queried package.
    #[error("no module declares package `{expected}` (found: {found})")]
    WrongPackage {
        /// The package the query needs.
        expected: String,
        /// The packages the modules declare.
        found: String,
    },
    /// The query is not a reference into `data`.
    #[error("query `{0}` is not a reference such as `data.docker.decision`")]
    MalformedQuery(String),
    /// The query produced no result.
    #[error("policy returned zero result: `{0}` is undefined")]
    UndefinedDecision(String),
    /// The decision has the wrong shape.
    #[error("invalid decision: {0}")]
    InvalidDecision(String),
    /// Evaluation failed at run time.
    #[error("evaluation failed: {0}")]
    EvaluationFailed(String),
    /// The evaluation reached one of verdict's limits (a builtin's result
    /// size, a `sprintf` width).
    #[error("{0}")]
    LimitExceeded(String),
    /// The request is invalid.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A bug in verdict.
    #[error("internal error: {0}")]
    Internal(String),
    /// The source's scheme is not one Buildx evaluates.
    #[error("{0}")]
    UnsupportedSource(String),
    /// The source does not parse.
    #[error("malformed source: {0}")]
    MalformedSource(String),
    /// The evidence is unusable.
    #[error("invalid evidence: {0}")]
    InvalidEvidence(String),
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::MalformedPolicy { .. } | Error::UndefinedFunction { .. } => {
                ErrorCode::MalformedPolicy
            }
            Error::MalformedInput(_) => ErrorCode::MalformedInput,
            Error::InputTooLarge { .. } | Error::LimitExceeded(_) => ErrorCode::ResourceExhausted,
            Error::ForbiddenBuiltin { .. } => ErrorCode::ForbiddenBuiltin,
            Error::WrongPackage { .. } => ErrorCode::WrongPackage,
            Error::MalformedQuery(_) => ErrorCode::MalformedQuery,
            Error::UndefinedDecision(_) => ErrorCode::UndefinedDecision,
            Error::InvalidDecision(_) => ErrorCode::InvalidDecision,
            Error::EvaluationFailed(_) => ErrorCode::EvaluationFailed,
            Error::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Error::Internal(_) => ErrorCode::Internal,
            Error::UnsupportedSource(_) => ErrorCode::UnsupportedSource,
            Error::MalformedSource(_) => ErrorCode::MalformedSource,
            Error::InvalidEvidence(_) => ErrorCode::InvalidEvidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }
}
