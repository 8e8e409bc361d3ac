//! The `checker` interface (the input Buildx would build) and the check request's conversion.

use crate::bindings::exports::verdict::policy::checker as wit_checker;
use crate::bindings::exports::verdict::policy::types as wit;
use crate::{Component, code_to_wit, fact, verifier};
use verdict_core as core_;

/// The WIT request as core's: field copies.
pub(crate) fn request(r: wit::CheckRequest) -> core_::CheckRequest {
    core_::CheckRequest {
        source: r.source,
        platform: r.platform,
        env: core_::Env {
            args: r.env.args.into_iter().collect(),
            labels: r.env.labels.into_iter().collect(),
            filename: r.env.filename.unwrap_or_default(),
            target: r.env.target.unwrap_or_default(),
        },
        evidence: r
            .evidence
            .into_iter()
            .map(|f| (f.path, f.content))
            .collect(),
        files: r.files.into_iter().map(|f| (f.path, f.content)).collect(),
    }
}

impl wit_checker::Guest for Component {
    fn build_input(
        r: wit::CheckRequest,
        trust: wit_checker::TrustRootBorrow<'_>,
    ) -> Result<wit_checker::InputDocument, wit::Error> {
        crate::guard();
        core_::build_input(&request(r), &trust.get::<verifier::TrustRoot>().0)
            .map(|(input, facts)| wit_checker::InputDocument {
                input: input.to_string(),
                facts: facts.into_iter().map(fact).collect(),
            })
            .map_err(|e| wit::Error {
                code: code_to_wit(e.code),
                message: e.message,
            })
    }
}
