//! Cross-host parity of the verifier: every sigstore-conformance `bundle-verify` case, with the
//! artifact as bytes and as a `sha256:` digest, natively (`verdict-verify`, host a) and through
//! the component's `verifier` in the wasmtime runner (host b). Each outcome becomes a record —
//! `{"verified": true, "facts": …}` or `{"verified": false, "error": {"code": …}}` — whose RFC 8785
//! JSON must be byte-identical on both hosts and agree with `tests/conformance/expected.tsv`.
//!
//! Writes `<target>/parity/vectors.json` (the cases as plain data, for the JavaScript hosts of
//! `web/test/parity.mjs`) and the two hosts' record hashes (`native-vectors.json`,
//! `component-vectors.json`) for `web/test/parity-summary.mjs`.

#[path = "../../crates/verify/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;
use verdict_core::jcs;
use verdict_host::verify::{
    Artifact, CertificateIdentity, Digest, IdentityPolicy, Matcher, Thresholds, TrustSource,
    VerifyOptions,
};
use verdict_verify::TrustMaterial;

fn main() {
    let runner = verdict_tests::runner();
    let public_good = TrustMaterial::public_good();
    let expected = support::conformance_table();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut corpus = Vec::new();
    let mut hashes: [BTreeMap<String, String>; 2] = Default::default();
    let mut failures = Vec::new();
    for dir in support::conformance_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |file: &str| std::fs::read(dir.join(file)).ok();
        let text = |file: &str| read(file).map(|b| String::from_utf8_lossy(&b).trim().to_owned());
        let bundle = read("bundle.sigstore.json").expect("bundle.sigstore.json");
        let trusted_root = read("trusted_root.json");
        let artifact = read("artifact")
            .or_else(|| std::fs::read(dir.join("../a.txt")).ok())
            .expect("the artifact");
        let key = read("key.pub");
        let subject = text("identity").unwrap_or_else(|| support::DEFAULT_IDENTITY.to_owned());
        let issuer = text("issuer").unwrap_or_else(|| support::DEFAULT_ISSUER.to_owned());
        for digest_mode in [false, true] {
            let id = format!(
                "verification vectors/{name} ({})",
                if digest_mode { "digest" } else { "bytes" }
            );
            // (a) native, as the verifier's own conformance suite runs the case.
            let native = match support::conformance_case(&dir, &public_good, digest_mode) {
                Ok(case) => record(
                    case.run(&case.bundle)
                        .map(|v| v.to_json())
                        .map_err(|e| e.code().as_str().to_owned()),
                ),
                Err(code_and_message) => record(Err(code_and_message
                    .split('\t')
                    .next()
                    .unwrap_or_default()
                    .to_owned())),
            };
            // (b) the component in the runner.
            let wit_artifact = if digest_mode {
                Artifact::Digest(Digest {
                    algorithm: "sha256".to_owned(),
                    value: sha2::Sha256::digest(&artifact).to_vec(),
                })
            } else {
                Artifact::Bytes(artifact.clone())
            };
            let options = VerifyOptions {
                identity: match &key {
                    Some(pem) => IdentityPolicy::Key(pem.clone()),
                    None => IdentityPolicy::Certificate(CertificateIdentity {
                        subject: Some(Matcher::Exact(subject.clone())),
                        issuer: Some(Matcher::Exact(issuer.clone())),
                    }),
                },
                thresholds: Thresholds {
                    tlog: 1,
                    ctlog: 1,
                    timestamps: 1,
                },
                allow_v01_set_only: false,
            };
            let trust = match &trusted_root {
                Some(json) => TrustSource::Json(json),
                None => TrustSource::PublicGood,
            };
            let component = match runner.verify_bundle(trust, &bundle, &wit_artifact, &options) {
                Ok(Ok(v)) => record(Ok(serde_json::from_str(&v.facts_json).expect("facts JSON"))),
                Ok(Err(failure)) => record(Err(failure.code().to_owned())),
                Err(e) => panic!("{id}: the runner failed: {e:#}"),
            };
            if native != component {
                failures.push(format!(
                    "{id}: the component differs from native:\n native: {native}\n component: {component}"
                ));
            }
            match expected.get(&name) {
                Some((expect, code)) => {
                    let verified = native.contains(r#""verified":true"#);
                    if verified != (expect == "pass") {
                        failures.push(format!("{id}: {native} but the table says {expect}"));
                    } else if !verified && !native.contains(&format!(r#""code":"{code}""#)) {
                        failures.push(format!("{id}: {native} but the table says {code}"));
                    }
                }
                None => failures.push(format!("{id}: not in tests/conformance/expected.tsv")),
            }
            hashes[0].insert(id.clone(), hash(&native));
            hashes[1].insert(id.clone(), hash(&component));
            corpus.push(json!({
                "id": id,
                "bundle": b64.encode(&bundle),
                "artifact": if digest_mode {
                    json!({ "digest": format!("sha256:{}", hex(&sha2::Sha256::digest(&artifact))) })
                } else {
                    json!({ "bytes": b64.encode(&artifact) })
                },
                "trustedRoot": trusted_root.as_ref().map(|r| String::from_utf8_lossy(r).into_owned()),
                "key": key.as_ref().map(|k| String::from_utf8_lossy(k).into_owned()),
                "subject": subject,
                "issuer": issuer,
                "record": native,
            }));
        }
    }
    let count = corpus.len();
    write(corpus, hashes);
    println!(
        "verification vectors: {count} cases, native and component records identical: {}",
        failures.is_empty()
    );
    if !failures.is_empty() {
        eprintln!("{}", failures.join("\n"));
        std::process::exit(1);
    }
}

/// The parity record of one outcome, as RFC 8785 JSON.
fn record(outcome: Result<Value, String>) -> String {
    jcs::to_string(&match outcome {
        Ok(facts) => json!({ "verified": true, "facts": facts }),
        Err(code) => json!({ "verified": false, "error": { "code": code } }),
    })
}

fn hash(record: &str) -> String {
    format!("sha256:{}", hex(&sha2::Sha256::digest(record.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write(corpus: Vec<Value>, hashes: [BTreeMap<String, String>; 2]) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || support::root().join("target"),
        |d| support::root().join(d),
    );
    let dir = target.join("parity");
    std::fs::create_dir_all(&dir).expect("create the parity directory");
    std::fs::write(
        dir.join("vectors.json"),
        format!("{:#}\n", Value::Array(corpus)),
    )
    .expect("write vectors.json");
    let hosts = [
        ("native", "(a) native verdict-core"),
        (
            "component",
            "(b) the component in the verdict runner (wasmtime)",
        ),
    ];
    for ((file, host), hashes) in hosts.into_iter().zip(hashes) {
        let doc = json!({ "host": host, "hashes": hashes });
        std::fs::write(
            dir.join(format!("{file}-vectors.json")),
            format!("{doc:#}\n"),
        )
        .expect("write the hashes");
    }
}
