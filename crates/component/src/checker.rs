//! The `checker` interface over `verdict_core::check`.

use crate::bindings::exports::verdict::policy::checker::{self as wit_checker, CheckRequest};
use crate::bindings::exports::verdict::policy::types as wit;
use crate::{Component, code_to_wit, modules, options, verdict};
use verdict_core as core_;

fn request(r: CheckRequest) -> (core_::CheckRequest, Option<Vec<u8>>, bool) {
    let e = r.evidence;
    let env = core_::Env {
        args: r.env.args.into_iter().collect(),
        labels: r.env.labels.into_iter().collect(),
        filename: r.env.filename.unwrap_or_default(),
        target: r.env.target.unwrap_or_default(),
    };
    let evidence = core_::InputEvidence {
        oci_index: e.oci_index,
        blobs: e.blobs.into_iter().map(|b| (b.name, b.content)).collect(),
        git: verdict_core::GitEvidence {
            refs: e.git_refs,
            objects: e
                .git_objects
                .into_iter()
                .map(|b| (b.name, b.content))
                .collect(),
        },
        http_content: e.http_content,
        http_checksum: e.http_checksum,
        attestation_manifest: e.attestation_manifest,
        signature_bundles: e.signature_bundles,
    };
    let request = core_::CheckRequest {
        source: r.source,
        platform: r.platform,
        env,
        evidence,
        attestations: e
            .attestations
            .into_iter()
            .map(|a| core_::Attestation {
                repo: a.repo,
                bundle: a.bundle,
            })
            .collect(),
        files: r.files.into_iter().map(|f| (f.name, f.content)).collect(),
    };
    (request, r.trusted_root, r.default_policy)
}

impl wit_checker::Guest for Component {
    fn build_input(r: CheckRequest) -> Result<String, wit::Error> {
        crate::guard();
        let (request, trusted_root, _) = request(r);
        let trust = match trusted_root {
            None => core_::verify::TrustMaterial::public_good(),
            Some(json) => {
                core_::verify::TrustMaterial::from_json(&json).map_err(|e| wit::Error {
                    code: wit::ErrorCode::InvalidRequest,
                    message: format!("trusted root: {e}"),
                })?
            }
        };
        core_::build_input(&request, &trust)
            .map(|(input, facts)| serde_json::json!({"input": input, "facts": facts}).to_string())
            .map_err(|e| wit::Error {
                code: code_to_wit(e.code()),
                message: e.to_string(),
            })
    }

    fn check(sets: Vec<wit::PolicySet>, o: wit::Options, r: CheckRequest) -> wit_checker::Checked {
        crate::guard();
        let (request, trusted_root, default_policy) = request(r);
        let run = if o.coverage {
            core_::check_with_coverage
        } else {
            core_::check
        };
        let checked = run(
            modules(sets),
            options(o),
            &request,
            trusted_root.as_deref(),
            default_policy,
        );
        wit_checker::Checked {
            verdict: verdict(checked.verdict),
            input: checked.input.map(|i| i.to_string()),
        }
    }
}
