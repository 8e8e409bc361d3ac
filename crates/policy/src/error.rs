//! Errors of the policy engine, each with a stable [`ErrorCode`].

verdict_codes::error_codes! {
    /// A stable, machine-readable error code of the policy engine.
    ///
    /// The kebab-case names ([`ErrorCode::as_str`]) are cases of the WIT `error-code` (the
    /// verdict's codes, `verdict_core::ErrorCode`, which adds the input builder's). Messages may
    /// change; codes are an API.
    pub enum ErrorCode {
        /// A module does not parse or does not compile.
        MalformedPolicy = "malformed-policy",
        /// The input document is not valid JSON or is too large.
        MalformedInput = "malformed-input",
        /// A policy calls a builtin that Buildx does not allow.
        ForbiddenBuiltin = "forbidden-builtin",
        /// No module declares the queried package.
        WrongPackage = "wrong-package",
        /// The query is not a `data.…` reference.
        MalformedQuery = "malformed-query",
        /// The query produced no result.
        UndefinedDecision = "undefined-decision",
        /// The decision has the wrong shape.
        InvalidDecision = "invalid-decision",
        /// Evaluation failed at run time.
        EvaluationFailed = "evaluation-failed",
        /// A limit was exceeded.
        ResourceExhausted = "resource-exhausted",
        /// The request is invalid.
        InvalidRequest = "invalid-request",
        /// A bug in verdict.
        Internal = "internal",
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }
}
