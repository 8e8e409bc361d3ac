//! The verdict's error codes: the WIT `error-code` (`wit/world.wit`), each owned by the crate
//! whose failures it names — the policy engine's (`verdict_policy::ErrorCode`) and the input
//! builder's (`verdict_input::ErrorCode`) — gathered here in the WIT's order. A test keeps the
//! three in step; `host/tests/component.rs` and `web/test/node-api.mjs` keep the WIT, the host's
//! bindings and the JavaScript APIs in step with this list.

verdict_codes::error_codes! {
    /// A verdict's error code: the WIT `error-code`, in its order.
    pub enum ErrorCode {
        /// A policy module does not parse or does not compile (`verdict-policy`).
        MalformedPolicy = "malformed-policy",
        /// The input document is not valid JSON or exceeds the size limit (`verdict-policy`).
        MalformedInput = "malformed-input",
        /// A policy calls a builtin that Buildx does not allow (`verdict-policy`).
        ForbiddenBuiltin = "forbidden-builtin",
        /// No module of a policy set declares the queried package (`verdict-policy`).
        WrongPackage = "wrong-package",
        /// The query is not a reference such as `data.docker.decision` (`verdict-policy`).
        MalformedQuery = "malformed-query",
        /// The query produced no result (`verdict-policy`).
        UndefinedDecision = "undefined-decision",
        /// The decision has the wrong shape (`verdict-policy`).
        InvalidDecision = "invalid-decision",
        /// Evaluation failed at run time (`verdict-policy`).
        EvaluationFailed = "evaluation-failed",
        /// A limit was exceeded (`verdict-policy`, or a host's limit).
        ResourceExhausted = "resource-exhausted",
        /// The request itself is invalid (`verdict-policy`, or a host).
        InvalidRequest = "invalid-request",
        /// A bug in verdict.
        Internal = "internal",
        /// The source's scheme is not one Buildx evaluates (`verdict-input`).
        UnsupportedSource = "unsupported-source",
        /// The source reference, URL or platform does not parse (`verdict-input`).
        MalformedSource = "malformed-source",
        /// Evidence that does not parse, does not hash to its name, or does not belong to the
        /// source (`verdict-input`, and the evidence layout read here).
        InvalidEvidence = "invalid-evidence",
    }
}

impl From<verdict_policy::ErrorCode> for ErrorCode {
    fn from(code: verdict_policy::ErrorCode) -> ErrorCode {
        // Same names by construction (the test below); a code the registry lacks is a bug.
        ErrorCode::parse(code.as_str()).unwrap_or(ErrorCode::Internal)
    }
}

impl From<verdict_input::ErrorCode> for ErrorCode {
    fn from(code: verdict_input::ErrorCode) -> ErrorCode {
        ErrorCode::parse(code.as_str()).unwrap_or(ErrorCode::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_registry_is_exactly_the_policy_and_input_codes() {
        let policy: Vec<&str> = verdict_policy::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        let input: Vec<&str> = verdict_input::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        for name in policy.iter().chain(&input) {
            assert!(ErrorCode::parse(name).is_some(), "{name} is not registered");
        }
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(
                policy.contains(&name) || input.contains(&name),
                "{name} is raised by no crate"
            );
            assert!(
                !(policy.contains(&name) && input.contains(&name)),
                "{name} has two owners"
            );
        }
        assert_eq!(ErrorCode::ALL.len(), policy.len() + input.len());
        for code in verdict_policy::ErrorCode::ALL {
            assert_eq!(ErrorCode::from(*code).as_str(), code.as_str());
        }
        for code in verdict_input::ErrorCode::ALL {
            assert_eq!(ErrorCode::from(*code).as_str(), code.as_str());
        }
    }
}
