//! GitHub attestations a policy asks for and the request does not list: the verdict names them
//! (`missing-evidence`), and an allow reached without them is not an allow. The listing decides
//! what counts as listed (`layout` + the check's resolver, not a test double): any file under
//! `attestations/<owner>/<repo>/`, an empty `.jsonl` included, in any case.

use serde_json::Value;
use verdict_core::{CheckRequest, Decision, Engine, EngineOptions, ErrorCode, Module, Options};

const NOW_NS: i64 = 1_795_564_800_000_000_000; // 2026-11-25T00:00:00Z
const SOURCE: &str = "https://github.com/acme/tool/releases/download/v1/tool.tar.gz";

/// A blocklist written with `not`: allows unless the repository attests the download.
fn negated() -> Vec<Vec<Module>> {
    vec![vec![Module {
        path: "Dockerfile.rego".into(),
        source: "package docker\n\ndefault allow := false\n\n\
                 allow if not github_attestation(input.http, \"Acme/TOOL\")\n\n\
                 decision := {\"allow\": allow}\n"
            .into(),
    }]]
}

fn check(evidence: &[(&str, &[u8])]) -> (verdict_core::Verdict, Value) {
    let trust = verdict_core::verify::TrustMaterial::public_good();
    let mut listing = vec![("http/content".to_owned(), b"the tool".to_vec())];
    listing.extend(evidence.iter().map(|(p, c)| ((*p).to_owned(), c.to_vec())));
    let request = CheckRequest {
        source: Some(SOURCE.into()),
        evidence: listing,
        ..CheckRequest::default()
    };
    let checked = Engine::new(negated(), &EngineOptions::default()).check(
        &request,
        &trust,
        &Options::at(NOW_NS),
    );
    let record: Value = serde_json::from_str(&checked.verdict.canonical_json).unwrap();
    (checked.verdict, record)
}

#[test]
fn an_allow_without_the_evidence_the_policy_consulted_is_an_error() {
    let (verdict, record) = check(&[]);
    assert_eq!(verdict.decision, Decision::Error, "{record:#}");
    let error = verdict.error.as_ref().unwrap();
    assert_eq!(error.code, ErrorCode::InvalidEvidence);
    assert!(
        error
            .message
            .contains("attestations/acme/tool over sha256:"),
        "{}",
        error.message
    );
    // Still named, lowercase, so a host that fetches asks for it and checks again.
    assert_eq!(verdict.missing_evidence.len(), 1);
    assert_eq!(verdict.missing_evidence[0].path, "attestations/acme/tool");
    assert_eq!(
        record["missingEvidence"][0]["path"],
        "attestations/acme/tool"
    );
    assert_eq!(record["request"]["trustRootOrigin"], "embedded");
}

#[test]
fn a_listed_repository_is_asked_nothing_more_in_any_case() {
    // GitHub had none (the empty file a fetching host writes), listed in another case than the
    // policy's: the negated policy allows, on evidence it consulted.
    for path in [
        "attestations/acme/tool/sha256-0.jsonl",
        "attestations/Acme/Tool/none.jsonl",
    ] {
        let (verdict, record) = check(&[(path, b"")]);
        assert_eq!(verdict.decision, Decision::Allow, "{path}: {record:#}");
        assert!(verdict.missing_evidence.is_empty(), "{path}");
        assert!(record.get("missingEvidence").is_none(), "{path}");
    }
    // Another repository listed: this one is still wanted.
    let (verdict, _) = check(&[("attestations/acme/other/x.jsonl", b"")]);
    assert_eq!(verdict.decision, Decision::Error);
}
