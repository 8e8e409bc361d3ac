//! Warm native verification of the peers' benchmark bundles (docs/peers.md: the
//! conformance `happy-path-v0.3` hashedrekord, `happy-path-intoto-in-dsse-v3` DSSE and
//! `happy-path-v0.1` bundles against the public-good root, with identity and issuer), plus
//! preparing the trusted root. Each verify parses the bundle JSON and runs every check; the
//! trust material is prepared once.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use verdict_verify::{Artifact, Identity, Matcher, Policy, TrustMaterial, verify};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/sigstore-conformance/test/assets/bundle-verify");
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let trust = TrustMaterial::public_good();
    let policy = Policy::new(Identity::Certificate {
        subject: Some(Matcher::exact(IDENTITY)),
        issuer: Some(Matcher::exact(ISSUER)),
    });
    let mut group = c.benchmark_group("verify-native-warm");
    for case in [
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
        "happy-path-v0.1",
    ] {
        let bundle = std::fs::read(dir.join(case).join("bundle.sigstore.json")).unwrap();
        let art =
            std::fs::read(dir.join(case).join("artifact")).unwrap_or_else(|_| artifact.clone());
        verify(&trust, &bundle, Artifact::Bytes(&art), &policy)
            .expect("the benchmark bundle verifies");
        group.bench_function(case, |b| {
            b.iter(|| verify(&trust, black_box(&bundle), Artifact::Bytes(&art), &policy).unwrap())
        });
    }
    group.finish();
    c.bench_function("trust-root-prepare/public-good", |b| {
        b.iter(|| {
            TrustMaterial::from_json(black_box(verdict_verify::PUBLIC_GOOD_TRUSTED_ROOT)).unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
