//! Verification through the component and as a whole process, on the peers' benchmark bundles
//! (docs/peers.md): warm `verify-bundle` on a reused `trust-root` resource, a one-shot
//! call (fresh instance: prepare the public-good root, verify), and `verdict verify-bundle` as a
//! process with a warm code cache. The native numbers are `crates/verify/benches/verify.rs`.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use verdict_host::verify::{
    Artifact, CertificateIdentity, IdentityPolicy, Matcher, Thresholds, VerifyOptions,
};
use verdict_host::{Limits, Runner};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/sigstore-conformance/test/assets/bundle-verify")
}

fn benches(c: &mut Criterion) {
    let dir = cases();
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/verdict-bench-cache");
    let runner = Runner::new(Some(cache.clone()), Limits::default()).unwrap();
    let options = VerifyOptions {
        identity: IdentityPolicy::Certificate(CertificateIdentity {
            subject: Some(Matcher::Exact(IDENTITY.into())),
            issuer: Some(Matcher::Exact(ISSUER.into())),
        }),
        thresholds: Thresholds {
            tlog: 1,
            ctlog: 1,
            timestamps: 1,
        },
        allow_v01_set_only: false,
    };
    let mut root = runner.trust_root_public_good().unwrap().unwrap();
    let mut group = c.benchmark_group("component");
    group.sample_size(20);
    for case in [
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
        "happy-path-v0.1",
    ] {
        let bundle = std::fs::read(dir.join(case).join("bundle.sigstore.json")).unwrap();
        let art = Artifact::Bytes(artifact.clone());
        root.verify_bundle(&bundle, &art, &options)
            .unwrap()
            .expect("verifies");
        group.bench_function(format!("verify-bundle warm/{case}"), |b| {
            b.iter(|| {
                root.verify_bundle(&bundle, &art, &options)
                    .unwrap()
                    .unwrap()
            })
        });
    }
    let bundle = std::fs::read(dir.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let art = Artifact::Bytes(artifact);
    group.bench_function(
        "one-shot (fresh instance, prepare root, verify)/happy-path-v0.3",
        |b| {
            b.iter(|| {
                runner
                    .verify_bundle(
                        verdict_host::verify::TrustSource::PublicGood,
                        &bundle,
                        &art,
                        &options,
                    )
                    .unwrap()
                    .unwrap()
            })
        },
    );
    group.finish();

    let exe = env!("CARGO_BIN_EXE_verdict");
    let run = || {
        let status = Command::new(exe)
            .args(["verify-bundle", "--bundle"])
            .arg(dir.join("happy-path-v0.3/bundle.sigstore.json"))
            .args([
                "--certificate-identity",
                IDENTITY,
                "--certificate-oidc-issuer",
                ISSUER,
            ])
            .arg(dir.join("a.txt"))
            .env("VERDICT_CACHE_DIR", &cache)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
    };
    run();
    let mut group = c.benchmark_group("process");
    group.sample_size(20);
    group.bench_function("verdict verify-bundle (warm code cache)", |b| b.iter(run));
    group.finish();
}

criterion_group! {
    name = verify;
    config = Criterion::default();
    targets = benches
}
criterion_main!(verify);
