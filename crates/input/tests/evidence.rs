//! Bad evidence is an `invalid-evidence` error naming the problem, never a panic; evidence that
//! cannot be proven is recorded as asserted. Each case builds an input from a source and
//! deliberately broken evidence and asserts the error code (or the facts).

use verdict_input::{Env, ErrorCode, Evidence, Request, build, oci};
use verdict_verify::TrustMaterial;

fn run(source: &str, evidence: &Evidence) -> Result<verdict_input::Built, verdict_input::Error> {
    let env = Env::default();
    let trust = TrustMaterial::public_good();
    build(&Request {
        source: Some(source),
        platform: None,
        env: &env,
        evidence,
        trust: &trust,
    })
}

fn code(source: &str, evidence: &Evidence) -> ErrorCode {
    match run(source, evidence) {
        Ok(b) => panic!("{source}: built {}", b.input),
        Err(e) => e.code,
    }
}

fn blob(content: &[u8]) -> (String, Vec<u8>) {
    (oci::sha256_digest(content), content.to_vec())
}

const COMMIT: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nmessage\n";

#[test]
fn a_blob_that_does_not_hash_to_its_name() {
    let (_, content) = blob(b"{}");
    let evidence = Evidence {
        blobs: vec![(format!("sha256:{}", "0".repeat(64)), content)],
        ..Evidence::default()
    };
    assert_eq!(
        code("docker-image://alpine:3.22", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_blob_named_with_an_unknown_algorithm() {
    let evidence = Evidence {
        blobs: vec![("md5:0123".into(), b"{}".to_vec())],
        ..Evidence::default()
    };
    assert_eq!(
        code("docker-image://alpine:3.22", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_layout_index_that_is_not_json() {
    let evidence = Evidence {
        oci_index: Some(b"not json".to_vec()),
        blobs: vec![blob(b"{}")],
        ..Evidence::default()
    };
    assert_eq!(
        code("docker-image://alpine:3.22", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_root_that_is_not_json() {
    let (name, content) = blob(b"\x00\x01 not a manifest");
    let source = format!("docker-image://alpine@{name}");
    let evidence = Evidence {
        blobs: vec![(name, content)],
        ..Evidence::default()
    };
    assert_eq!(code(&source, &evidence), ErrorCode::InvalidEvidence);
}

#[test]
fn an_index_without_the_platform() {
    let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"os":"linux","architecture":"s390x"}}]}"#;
    let (name, content) = blob(index);
    let source = format!("docker-image://alpine@{name}");
    let evidence = Evidence {
        blobs: vec![(name, content)],
        ..Evidence::default()
    };
    let e = run(&source, &evidence).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEvidence);
    assert!(
        e.message.contains("no manifest for platform linux/amd64"),
        "{}",
        e.message
    );
}

#[test]
fn a_root_that_is_neither_index_nor_manifest() {
    let (name, content) = blob(br#"{"mediaType":"application/vnd.example+json"}"#);
    let source = format!("docker-image://alpine@{name}");
    let evidence = Evidence {
        blobs: vec![(name, content)],
        ..Evidence::default()
    };
    assert_eq!(code(&source, &evidence), ErrorCode::InvalidEvidence);
}

#[test]
fn a_tag_binding_is_asserted() {
    let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":2},"layers":[]}"#;
    let (name, content) = blob(manifest);
    let index = format!(
        r#"{{"manifests":[{{"digest":"{name}","annotations":{{"org.opencontainers.image.ref.name":"3.22"}}}}]}}"#
    );
    let evidence = Evidence {
        oci_index: Some(index.into_bytes()),
        blobs: vec![(name.clone(), content)],
        ..Evidence::default()
    };
    let built = run("docker-image://alpine:3.22", &evidence).unwrap();
    assert_eq!(built.input["image"]["checksum"], name.as_str());
    let facts = built.facts.to_json();
    assert_eq!(facts[0]["field"], "image.checksum");
    assert_eq!(facts[0]["status"], "asserted");
    // A single manifest has no attestation chain: those fields stay absent.
    assert!(built.input["image"].get("hasProvenance").is_none());
    assert!(built.input["image"].get("signatures").is_none());
}

#[test]
fn a_git_object_that_does_not_hash_to_its_id() {
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: None,
            objects: vec![("a".repeat(40), COMMIT.to_vec())],
        },
        ..Evidence::default()
    };
    assert_eq!(
        code("https://github.com/acme/app.git#main", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_git_object_that_is_neither_commit_nor_tag() {
    let content = b"100644 blob data".to_vec();
    let id = verdict_input::git::object_id("commit", &content, 40);
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: None,
            objects: vec![(id, content)],
        },
        ..Evidence::default()
    };
    assert_eq!(
        code("https://github.com/acme/app.git#main", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_ref_missing_from_the_refs() {
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: Some(format!("{}\trefs/heads/main\n", "b".repeat(40))),
            objects: vec![],
        },
        ..Evidence::default()
    };
    assert_eq!(
        code("https://github.com/acme/app.git#v9.9.9", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_commit_object_that_does_not_parse() {
    let content = b"tree not-a-tree-id\nthis is not a commit header\n".to_vec();
    let id = verdict_input::git::object_id("commit", &content, 40);
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: Some(format!("{id}\trefs/heads/main\n")),
            objects: vec![(id, content)],
        },
        ..Evidence::default()
    };
    assert_eq!(
        code("https://github.com/acme/app.git#main", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn a_resolved_commit_is_verified_and_mapped() {
    let id = verdict_input::git::object_id("commit", COMMIT, 40);
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: Some(format!("{id}\trefs/heads/main\n")),
            objects: vec![(id.clone(), COMMIT.to_vec())],
        },
        ..Evidence::default()
    };
    let built = run("https://github.com/acme/app.git#main", &evidence).unwrap();
    let git = &built.input["git"];
    assert_eq!(git["ref"], "refs/heads/main");
    assert_eq!(git["branch"], "main");
    assert_eq!(git["checksum"], id.as_str());
    assert_eq!(git["commit"]["message"], "message");
    assert!(git.get("isAnnotatedTag").is_none(), "{git}");
}

#[test]
fn http_content_that_contradicts_the_checksum() {
    let evidence = Evidence {
        http_content: Some(b"payload".to_vec()),
        http_checksum: Some(format!("sha256:{}", "c".repeat(64))),
        ..Evidence::default()
    };
    assert_eq!(
        code("https://example.com/file.tar.gz", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn an_http_checksum_that_is_not_a_digest() {
    let evidence = Evidence {
        http_checksum: Some("md5:abc".into()),
        ..Evidence::default()
    };
    assert_eq!(
        code("https://example.com/file.tar.gz", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn an_asserted_attestation_manifest_digest_that_is_not_a_digest() {
    let evidence = Evidence {
        attestation_manifest: Some("sha256:short".into()),
        ..Evidence::default()
    };
    assert_eq!(
        code("docker-image://alpine:3.22", &evidence),
        ErrorCode::InvalidEvidence
    );
}

#[test]
fn unsupported_and_malformed_sources() {
    let none = Evidence::default();
    assert_eq!(
        code("oci-layout://./dir:tag", &none),
        ErrorCode::UnsupportedSource
    );
    assert_eq!(
        code("ftp://example.com/x", &none),
        ErrorCode::UnsupportedSource
    );
    assert_eq!(
        code("docker-image://library/Alpine", &none),
        ErrorCode::MalformedSource
    );
    assert_eq!(code("no scheme at all", &none), ErrorCode::MalformedSource);
}

#[test]
fn garbage_never_panics() {
    // Arbitrary bytes in every evidence slot: an error or an input, never a panic.
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        b"{".to_vec(),
        b"{\"manifests\":7}".to_vec(),
        b"{\"manifests\":[{\"digest\":5}]}".to_vec(),
        vec![0xff; 64],
        b"object x\ntype y\n".to_vec(),
    ];
    for j in &junk {
        let evidence = Evidence {
            oci_index: Some(j.clone()),
            blobs: vec![blob(j)],
            git: verdict_input::git::GitEvidence {
                refs: Some(String::from_utf8_lossy(j).into_owned()),
                objects: vec![],
            },
            http_content: Some(j.clone()),
            ..Evidence::default()
        };
        for source in [
            "docker-image://alpine:3.22",
            "https://github.com/acme/app.git#main",
            "https://example.com/x",
            "local://context",
        ] {
            let _ = run(source, &evidence);
        }
    }
}

fn resolve_git(source: &str, refs: &str) -> Result<serde_json::Value, verdict_input::Error> {
    let evidence = Evidence {
        git: verdict_input::git::GitEvidence {
            refs: Some(refs.to_owned()),
            objects: vec![],
        },
        ..Evidence::default()
    };
    run(source, &evidence).map(|b| b.input["git"].clone())
}

#[test]
fn no_ref_resolves_the_default_branch_from_symref_output() {
    let (main, dev) = ("1".repeat(40), "2".repeat(40));
    let refs = format!(
        "ref: refs/heads/main\tHEAD\n{main}\tHEAD\n{main}\trefs/heads/main\n{dev}\trefs/heads/dev\n"
    );
    let git = resolve_git("https://github.com/acme/app.git", &refs).unwrap();
    assert_eq!(git["ref"], "refs/heads/main");
    assert_eq!(git["branch"], "main");
    assert_eq!(git["checksum"], main.as_str());
}

#[test]
fn no_ref_and_no_symref_is_an_error() {
    let refs = format!("{}\tHEAD\n", "1".repeat(40));
    let e = resolve_git("https://github.com/acme/app.git", &refs).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEvidence);
}

#[test]
fn a_branch_wins_over_a_tag_of_the_same_name() {
    let (branch, tag, peeled) = ("1".repeat(40), "2".repeat(40), "3".repeat(40));
    let refs =
        format!("{tag}\trefs/tags/v1\n{peeled}\trefs/tags/v1^{{}}\n{branch}\trefs/heads/v1\n");
    let git = resolve_git("https://github.com/acme/app.git#v1", &refs).unwrap();
    assert_eq!(git["ref"], "refs/heads/v1");
    assert_eq!(git["branch"], "v1");
    assert_eq!(git["checksum"], branch.as_str());
    assert_eq!(git["commitChecksum"], branch.as_str());
    assert!(git.get("isAnnotatedTag").is_none());
    assert!(git.get("tagName").is_none());
}

#[test]
fn an_annotated_tag_peels_to_its_commit() {
    let (tag, peeled) = ("2".repeat(40), "3".repeat(40));
    let refs = format!("{tag}\trefs/tags/v1\n{peeled}\trefs/tags/v1^{{}}\n");
    let git = resolve_git("https://github.com/acme/app.git#v1", &refs).unwrap();
    assert_eq!(git["ref"], "refs/tags/v1");
    assert_eq!(git["tagName"], "v1");
    assert_eq!(git["checksum"], tag.as_str());
    assert_eq!(git["commitChecksum"], peeled.as_str());
    assert_eq!(git["isAnnotatedTag"], true);
}

#[test]
fn a_full_ref_outside_heads_and_tags() {
    let pr = "4".repeat(40);
    let refs = format!("{pr}\trefs/pull/1/head\n");
    let git = resolve_git("https://github.com/acme/app.git#refs/pull/1/head", &refs).unwrap();
    assert_eq!(git["ref"], "refs/pull/1/head");
    assert!(git.get("branch").is_none() && git.get("tagName").is_none());
}
