//! The three real docker/github-builder signatures (`tests/vectors/docker-github-builder`, the
//! seed's own scenario) verify against the embedded public-good root, and their facts are what
//! the vectors' provenance states: the signer fields Buildx exposes, the Rekor and TSA times, the
//! `cosign/sign/v1` statement. The whole facts document is also compared with a golden
//! (`tests/golden/docker-github-builder-N.facts.json`, `BLESS=1` rewrites it).

use std::path::Path;

use serde_json::{Value, json};
use verdict_verify::{Artifact, HashAlgorithm, Identity, Matcher, Policy, TrustMaterial, verify};

const CASES: [(u32, &str, u64, &str); 3] = [
    (
        1,
        "8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664",
        658949562,
        "2025-10-31T12:23:03Z",
    ),
    (
        2,
        "c6fc458cc8718628e8fb8b699d2991056590e0fed4ea0d6f86583705202bdce4",
        658949873,
        "2025-10-31T12:23:14Z",
    ),
    (
        3,
        "037107d7fd796553702f616bef63d7d54ea1f66a3305650b7b63f48ae0ef825b",
        658989641,
        "2025-10-31T12:56:02Z",
    ),
];

const BUILDER: &str = "https://github.com/docker/github-builder-experimental/.github/workflows/build.yml@refs/heads/build-reusable-workflow";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn real_docker_github_builder_signatures_verify_with_their_signer_facts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let trust = TrustMaterial::public_good();
    for (n, digest, log_index, integrated) in CASES {
        let bundle = std::fs::read(root.join(format!(
            "tests/vectors/docker-github-builder/attestation-manifest-{n}.sigstore.json"
        )))
        .unwrap();
        let d = hex(digest);
        let policy = Policy::new(Identity::Certificate {
            subject: Some(Matcher::regex(r"https://github\.com/docker/github-builder(-experimental)?/\.github/workflows/build\.yml@.*").unwrap()),
            issuer: Some(Matcher::exact("https://token.actions.githubusercontent.com")),
        });
        let facts = verify(
            &trust,
            &bundle,
            Artifact::Digest {
                algorithm: HashAlgorithm::Sha256,
                digest: &d,
            },
            &policy,
        )
        .unwrap_or_else(|e| panic!("bundle {n}: {e}"));
        let signer = facts.signer.as_ref().unwrap().to_json();
        assert_eq!(
            signer["certificateIssuer"],
            "CN=sigstore-intermediate,O=sigstore.dev"
        );
        assert_eq!(signer["subjectAlternativeName"], BUILDER);
        assert_eq!(signer["buildSignerURI"], BUILDER);
        assert_eq!(
            signer["issuer"],
            "https://token.actions.githubusercontent.com"
        );
        assert_eq!(
            signer["sourceRepositoryURI"],
            "https://github.com/docker/github-builder-test"
        );
        assert_eq!(signer["sourceRepositoryRef"], "refs/heads/main");
        assert_eq!(signer["runnerEnvironment"], "github-hosted");
        assert_eq!(signer["buildTrigger"], "workflow_dispatch");
        assert_eq!(signer["sourceRepositoryVisibilityAtSigning"], "internal");
        assert_eq!(
            signer["buildConfigURI"],
            "https://github.com/docker/github-builder-test/.github/workflows/ci.yml@refs/heads/main"
        );
        assert!(
            signer.get("githubWorkflowTrigger").is_none(),
            "deprecated fields are not exposed"
        );
        let v = facts.to_json();
        let sig = facts.buildx_signature();
        assert_eq!(sig["type"], "bundle-v0.3");
        assert_eq!(sig["signer"], signer);
        assert_eq!(sig["timestamps"], v["timestamps"]);
        assert_eq!(
            sig.as_object().unwrap().len(),
            3,
            "type, signer, timestamps: {sig}"
        );
        assert_eq!(v["type"], "bundle-v0.3");
        assert_eq!(
            v["timestamps"][0],
            json!({"type": "Tlog", "uri": "https://rekor.sigstore.dev", "timestamp": integrated})
        );
        assert_eq!(v["timestamps"][1]["type"], "TimestampAuthority");
        assert_eq!(v["tlogEntries"][0]["logIndex"], log_index);
        assert_eq!(v["tlogEntries"][0]["kind"], "dsse");
        assert_eq!(
            v["statement"]["predicateType"],
            "https://sigstore.dev/cosign/sign/v1"
        );
        assert_eq!(
            v["artifactDigest"],
            json!({"algorithm": "sha256", "digest": digest})
        );

        // Another repository's workflow must not pass the identity policy.
        let wrong = Policy::new(Identity::Certificate {
            subject: Some(Matcher::exact(
                "https://github.com/evil/repo/.github/workflows/build.yml@refs/heads/main",
            )),
            issuer: None,
        });
        let err = verify(
            &trust,
            &bundle,
            Artifact::Digest {
                algorithm: HashAlgorithm::Sha256,
                digest: &d,
            },
            &wrong,
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "identity-mismatch");

        let golden = root.join(format!("tests/golden/docker-github-builder-{n}.facts.json"));
        let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&golden, &text).unwrap();
        }
        let want: Value =
            serde_json::from_slice(&std::fs::read(&golden).expect("golden exists (BLESS=1)"))
                .unwrap();
        assert_eq!(
            v,
            want,
            "bundle {n}: facts differ from {}",
            golden.display()
        );
    }
}
