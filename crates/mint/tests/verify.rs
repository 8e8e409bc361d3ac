//! Every minted bundle verifies with verdict-verify, reports the minted identity, and every
//! tamper option fails with its specific error code.

use verdict_mint::statement::{Provenance, cosign_sign};
use verdict_mint::util::sha256;
use verdict_mint::{
    EntryOptions, FULCIO_ISSUER_DN, Identity, Issuer, OTHER_ISSUER_DN, SignOptions,
    VirtualSigstore, scenario,
};
use verdict_verify::{
    Artifact, HashAlgorithm, Identity as Want, Policy, TrustMaterial, VerifiedBundle, verify,
};

fn sigstore() -> &'static (VirtualSigstore, TrustMaterial) {
    static S: std::sync::OnceLock<(VirtualSigstore, TrustMaterial)> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let s = VirtualSigstore::new("tests/verify");
        let t = TrustMaterial::from_json(&s.trusted_root_json()).expect("trusted root parses");
        (s, t)
    })
}

fn check(bundle: &[u8], digest: &[u8; 32]) -> Result<VerifiedBundle, String> {
    let (_, trust) = sigstore();
    verify(
        trust,
        bundle,
        Artifact::Digest {
            algorithm: HashAlgorithm::Sha256,
            digest,
        },
        &Policy::new(Want::AnyCertificate),
    )
    .map_err(|e| e.code().as_str().to_string())
}

fn manifest_digest() -> [u8; 32] {
    sha256(b"an attestation manifest")
}

fn sign(identity: &Identity, opts: &SignOptions) -> Vec<u8> {
    let (s, _) = sigstore();
    s.sign_dsse(
        &cosign_sign(&verdict_mint::util::hex(&manifest_digest())),
        identity,
        opts,
    )
    .json
}

fn presets() -> Vec<(&'static str, Identity)> {
    vec![
        (
            "docker-github-builder",
            Identity::docker_github_builder("acme", "app", "v1.2.3"),
        ),
        (
            "self-signed-github-repo",
            Identity::self_signed_github_repo("acme", "app", "refs/heads/main"),
        ),
        ("self-signed", Identity::self_signed("dev@acme.example")),
    ]
}

#[test]
fn presets_verify_and_report_the_minted_signer() {
    for (name, identity) in presets() {
        let v = check(
            &sign(&identity, &SignOptions::default()),
            &manifest_digest(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let signer = v.signer.as_ref().expect("certificate signer");
        assert_eq!(signer.certificate_issuer, FULCIO_ISSUER_DN, "{name}");
        assert_eq!(
            signer.to_json(),
            scenario::expected_signer(&identity, FULCIO_ISSUER_DN),
            "{name}"
        );
        assert_eq!(v.bundle_type, "bundle-v0.3");
        let sources: Vec<&str> = v.timestamps.iter().map(|t| t.source.as_str()).collect();
        assert_eq!(sources, ["Tlog", "TimestampAuthority"], "{name}");
        assert_eq!(v.timestamps[0].uri, verdict_mint::REKOR_URL);
        assert_eq!(v.timestamps[1].uri, verdict_mint::TSA_URL);
        assert_eq!(v.tlog_entries.len(), 1);
        assert!(v.tlog_entries[0].inclusion_proof && v.tlog_entries[0].inclusion_promise);
        assert_eq!(v.tlog_entries[0].kind, "dsse");
        let st = v.statement.as_ref().expect("statement");
        assert_eq!(st.predicate_type, "https://sigstore.dev/cosign/sign/v1");
        let bx = v.buildx_signature();
        assert_eq!(bx["type"], "bundle-v0.3", "{name}");
        assert_eq!(bx["signer"]["certificateIssuer"], FULCIO_ISSUER_DN);
    }
}

#[test]
fn docker_github_builder_preset_fields() {
    let id = Identity::docker_github_builder("acme", "app", "v1.2.3");
    let v = check(&sign(&id, &SignOptions::default()), &manifest_digest()).expect("verifies");
    let s = v.signer.expect("signer");
    let w = "https://github.com/docker/github-builder/.github/workflows/build.yml@refs/heads/main";
    assert_eq!(s.subject_alternative_name, w);
    assert_eq!(s.build_signer_uri, w);
    assert_eq!(s.issuer, "https://token.actions.githubusercontent.com");
    assert_eq!(s.runner_environment, "github-hosted");
    assert_eq!(s.source_repository_uri, "https://github.com/acme/app");
    assert_eq!(s.source_repository_ref, "refs/tags/v1.2.3");
    // Every v2 Fulcio extension .8–.22 is present.
    let arcs: Vec<String> = s.extensions.iter().map(|(o, _)| o.clone()).collect();
    for arc in 8..=22 {
        assert!(
            arcs.contains(&format!("1.3.6.1.4.1.57264.1.{arc}")),
            "missing .{arc}: {arcs:?}"
        );
    }
}

#[test]
fn other_dn_ca_verifies_with_its_dn() {
    let id = Identity::docker_github_builder("acme", "app", "v1.2.3");
    let opts = SignOptions {
        issuer: Issuer::OtherDn,
        ..SignOptions::default()
    };
    let v = check(&sign(&id, &opts), &manifest_digest()).expect("verifies");
    assert_eq!(
        v.signer.expect("signer").certificate_issuer,
        OTHER_ISSUER_DN
    );
}

#[test]
fn slsa_provenance_bundle_for_an_artifact() {
    // What `cosign attest-blob --type slsaprovenance1` writes for a local artifact.
    let (s, _) = sigstore();
    let artifact = b"the artifact bytes";
    let digest = sha256(artifact);
    let prov = Provenance {
        builder_id: "https://github.com/acme/app/actions/runs/1".into(),
        invocation_id: "abc".into(),
        started_on: 1_793_534_000,
        finished_on: 1_793_534_100,
        frontend: "dockerfile.v0".into(),
        args: Default::default(),
        config_source_uri: "https://github.com/acme/app.git#refs/tags/v1".into(),
        config_source_sha1: "0".repeat(40),
        config_source_path: "Dockerfile".into(),
        builder_platform: "linux/amd64".into(),
        materials: vec![],
    };
    let st = prov.statement("app_linux_amd64.tar.gz", &verdict_mint::util::hex(&digest));
    let id = Identity::docker_github_builder("acme", "app", "v1");
    let b = s.sign_dsse(&st, &id, &SignOptions::default());
    let v = check(&b.json, &digest).expect("verifies");
    assert_eq!(
        v.statement.expect("statement").predicate_type,
        "https://slsa.dev/provenance/v1"
    );
    // The same bundle verifies by bytes too.
    let (_, trust) = sigstore();
    verify(
        trust,
        &b.json,
        Artifact::Bytes(artifact),
        &Policy::new(Want::AnyCertificate),
    )
    .expect("verifies by bytes");
}

#[test]
fn message_signature_bundle_with_hashedrekord() {
    let (s, trust) = sigstore();
    let artifact = b"a blob";
    let b = s.sign_message(
        artifact,
        &Identity::self_signed("a@b.example"),
        &SignOptions::default(),
    );
    let v = verify(
        trust,
        &b.json,
        Artifact::Bytes(artifact),
        &Policy::new(Want::AnyCertificate),
    )
    .expect("verifies");
    assert_eq!(v.tlog_entries[0].kind, "hashedrekord");
    let e = verify(
        trust,
        &b.json,
        Artifact::Bytes(b"another blob"),
        &Policy::new(Want::AnyCertificate),
    )
    .expect_err("other artifact");
    assert_eq!(e.code().as_str(), "artifact-mismatch");
}

fn fails(opts: SignOptions) -> String {
    let id = Identity::docker_github_builder("acme", "app", "v1.2.3");
    match check(&sign(&id, &opts), &manifest_digest()) {
        Ok(_) => "verified".into(),
        Err(code) => code,
    }
}

#[test]
fn tamper_options_fail_with_their_codes() {
    let d = SignOptions::default;
    let entry = |proof, checkpoint, promise| {
        Some(EntryOptions {
            inclusion_proof: proof,
            checkpoint,
            inclusion_promise: promise,
        })
    };
    let cases: Vec<(&str, SignOptions, &str)> = vec![
        (
            "flipped byte",
            SignOptions {
                flip_signature_byte: true,
                ..d()
            },
            "signature",
        ),
        (
            "no tlog entry",
            SignOptions { tlog: None, ..d() },
            "tlog-threshold",
        ),
        (
            "no timestamp",
            d().without_any_timestamp(),
            "timestamp-threshold",
        ),
        (
            "expired certificate",
            SignOptions {
                expired_certificate: true,
                ..d()
            },
            "certificate-expired",
        ),
        (
            "foreign CA",
            SignOptions {
                issuer: Issuer::Foreign,
                ..d()
            },
            "certificate-chain",
        ),
        ("no SCT", SignOptions { sct: false, ..d() }, "sct"),
        (
            "no inclusion proof",
            SignOptions {
                tlog: entry(false, false, true),
                ..d()
            },
            "missing-inclusion-proof",
        ),
        (
            "proof without checkpoint",
            SignOptions {
                tlog: entry(true, false, true),
                ..d()
            },
            "checkpoint",
        ),
        // Each time source alone suffices.
        (
            "no RFC 3161 timestamp",
            SignOptions {
                rfc3161_timestamp: false,
                ..d()
            },
            "verified",
        ),
        (
            "no SET",
            SignOptions {
                tlog: entry(true, true, false),
                ..d()
            },
            "verified",
        ),
    ];
    for (name, opts, want) in cases {
        assert_eq!(fails(opts), want, "{name}");
    }
}

#[test]
fn wrong_subject_digest_is_an_artifact_mismatch() {
    let id = Identity::docker_github_builder("acme", "app", "v1.2.3");
    let b = sign(&id, &SignOptions::default());
    assert_eq!(
        check(&b, &sha256(b"another manifest")).err().as_deref(),
        Some("artifact-mismatch")
    );
}

#[test]
fn another_sigstore_does_not_verify() {
    let other = VirtualSigstore::new("someone else");
    let b = other
        .sign_dsse(
            &cosign_sign(&verdict_mint::util::hex(&manifest_digest())),
            &Identity::self_signed("x@y.example"),
            &SignOptions::default(),
        )
        .json;
    assert_eq!(
        check(&b, &manifest_digest()).err().as_deref(),
        Some("unknown-log")
    );
}

#[test]
fn minting_is_deterministic() {
    let id = Identity::docker_github_builder("acme", "app", "v1.2.3");
    let a = VirtualSigstore::new("det");
    let b = VirtualSigstore::new("det");
    assert_eq!(a.trusted_root_json(), b.trusted_root_json());
    let st = cosign_sign(&"ab".repeat(32));
    assert_eq!(
        a.sign_dsse(&st, &id, &SignOptions::default()),
        b.sign_dsse(&st, &id, &SignOptions::default())
    );
    assert_ne!(
        a.sign_dsse(&st, &id, &SignOptions::default()).json,
        VirtualSigstore::new("other")
            .sign_dsse(&st, &id, &SignOptions::default())
            .json
    );
}
