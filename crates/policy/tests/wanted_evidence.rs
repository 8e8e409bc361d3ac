//! `github_attestation` asks for the attestations a request does not list (wanted evidence, for a
//! host that fetches), and only for what it may ask GitHub: an `owner/name` repository and a
//! SHA-256 digest. A request that lists the repository (possibly with no bundle) asks nothing.

use std::sync::Arc;

use verdict_policy::{Check, GitObject, Module, Options, PolicyEngine, Resolver, WantedEvidence};

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A request listing attestations of `listed` only; none verifies.
struct Listing {
    listed: &'static [&'static str],
}

impl Resolver for Listing {
    fn file(&self, _: &str) -> Option<Arc<[u8]>> {
        None
    }
    fn verify_artifact(&self, _: &[u8], _: &str) -> Option<serde_json::Value> {
        None
    }
    fn github_attestation(&self, _: &str, _: &str) -> Option<serde_json::Value> {
        None
    }
    fn attestations_listed(&self, repo: &str) -> bool {
        self.listed.iter().any(|r| r.eq_ignore_ascii_case(repo))
    }
    fn verify_git_signature(&self, _: GitObject, _: &[u8]) -> Check {
        Check::Unusable
    }
    fn has_http_content(&self) -> bool {
        false
    }
    fn verify_http_pgp_signature(&self, _: &[u8], _: &[u8]) -> Check {
        Check::Unusable
    }
}

/// What `github_attestation(input.http, repo)` with `checksum` asks for.
fn wanted(repo: &str, checksum: &str, listed: &'static [&'static str]) -> Vec<WantedEvidence> {
    let source = format!(
        "package docker\n\ndefault allow := false\n\nallow if github_attestation(input.http, {})\n\n\
         decision := {{\"allow\": allow}}\n",
        serde_json::json!(repo)
    );
    let sets = vec![vec![Module {
        path: "Dockerfile.rego".to_owned(),
        source,
    }]];
    let options = Options {
        query: None,
        now_ns: 1_700_000_000_000_000_000,
    };
    let engine = PolicyEngine::new(&sets, &options).unwrap();
    let input = serde_json::json!({"http": {"url": "https://x/y", "checksum": checksum}});
    let evaluation = engine.evaluate_with(&input, Arc::new(Listing { listed }));
    assert!(evaluation.outcome.is_ok(), "{:?}", evaluation.outcome);
    evaluation.missing_evidence
}

#[test]
fn an_unlisted_repository_is_wanted_once() {
    let checksum = format!("sha256:{HEX}");
    assert_eq!(
        wanted("acme/tool", &checksum, &[]),
        vec![WantedEvidence {
            path: "attestations/acme/tool".to_owned(),
            subject: checksum.clone(),
        }]
    );
    // Listed (an empty file says "asked, none"), in any case: nothing more is wanted.
    assert_eq!(wanted("acme/tool", &checksum, &["acme/tool"]), vec![]);
    assert_eq!(wanted("Acme/Tool", &checksum, &["acme/tool"]), vec![]);
    assert_eq!(wanted("acme/tool", &checksum, &["acme/other"]).len(), 1);
    // One repository, one directory, however it is spelled.
    assert_eq!(
        wanted("Acme/TOOL", &checksum, &[]),
        vec![WantedEvidence {
            path: "attestations/acme/tool".to_owned(),
            subject: checksum.clone(),
        }]
    );
}

#[test]
fn only_what_github_can_be_asked_is_wanted() {
    let checksum = format!("sha256:{HEX}");
    for repo in [
        "acme", "acme/", "/tool", "a/b/c", "a/..", "../b", "a/b?x", "a/b#f", "a b/c", "a/%2e", "",
        "a./b", "a/b.", ".a/b", "a/.b", "a/b ",
    ] {
        assert_eq!(wanted(repo, &checksum, &[]), vec![], "{repo}");
    }
    for checksum in [
        format!("sha512:{HEX}{HEX}"),
        format!("sha256:{}", &HEX[1..]),
        format!("sha256:{}", HEX.to_uppercase()),
        HEX.to_owned(),
    ] {
        assert_eq!(wanted("acme/tool", &checksum, &[]), vec![], "{checksum}");
    }
}
