//! Cross-host parity of the verifier: every verification vector of the project — the
//! sigstore-conformance `bundle-verify` cases (artifact as bytes and as a `sha256:` digest) and
//! every row of `tests/manifest/expected.tsv` (the other vector sets, with the row's thresholds
//! and flags) — natively (`verdict-verify`, host a) and through the component's `verifier` in the
//! wasmtime runner (host b). Each outcome becomes a record —
//! `{"verified": true, "facts": …}` or `{"verified": false, "error": {"code": …}}` — whose RFC 8785
//! JSON must be byte-identical on both hosts and agree with the case's table
//! (`tests/conformance/expected.tsv`, `tests/manifest/expected.tsv`).
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

/// One verification vector: its inputs as plain data, the native outcome record and what the
/// case's table expects (`pass`, or the error code).
struct Vector {
    id: String,
    spec: support::Spec,
    native: String,
    expect: Result<(), String>,
}

fn main() {
    let runner = verdict_tests::runner();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut corpus = Vec::new();
    let mut hashes: [BTreeMap<String, String>; 2] = Default::default();
    let mut failures = Vec::new();
    let mut vectors = conformance_vectors();
    let conformance = vectors.len();
    vectors.extend(manifest_vectors());
    for v in &vectors {
        let spec = &v.spec;
        // (b) the component in the runner.
        let artifact = match &spec.input {
            support::Input::Bytes(b) => Artifact::Bytes(b.clone()),
            support::Input::Digest(alg, d) => Artifact::Digest(Digest {
                algorithm: alg.name().to_owned(),
                value: d.clone(),
            }),
        };
        let options = VerifyOptions {
            identity: match (&spec.key_pem, &spec.subject, &spec.issuer) {
                (Some(pem), _, _) => IdentityPolicy::Key(pem.clone()),
                (None, None, None) => IdentityPolicy::AnyCertificate,
                (None, subject, issuer) => IdentityPolicy::Certificate(CertificateIdentity {
                    subject: subject.clone().map(Matcher::Exact),
                    issuer: issuer.clone().map(Matcher::Exact),
                }),
            },
            thresholds: Thresholds {
                tlog: u32::try_from(spec.tlog).expect("threshold"),
                ctlog: u32::try_from(spec.ctlog).expect("threshold"),
                timestamps: u32::try_from(spec.timestamps).expect("threshold"),
            },
            allow_v01_set_only: spec.allow_v01_set_only,
        };
        let trust = TrustSource::Json(&spec.trust_json);
        let component = match runner.verify_bundle(trust, &spec.bundle, &artifact, &options) {
            Ok(Ok(verified)) => record(Ok(
                serde_json::from_str(&verified.facts_json).expect("facts JSON")
            )),
            Ok(Err(failure)) => record(Err(failure.code().to_owned())),
            Err(e) => panic!("{}: the runner failed: {e:#}", v.id),
        };
        if v.native != component {
            failures.push(format!(
                "{}: the component differs from native:\n native: {}\n component: {component}",
                v.id, v.native
            ));
        }
        let verified = v.native.contains(r#""verified":true"#);
        match &v.expect {
            Ok(()) if !verified => failures.push(format!("{}: {} but must pass", v.id, v.native)),
            Err(code) if !v.native.contains(&format!(r#""code":"{code}""#)) => {
                failures.push(format!("{}: {} but the table says {code}", v.id, v.native));
            }
            _ => {}
        }
        hashes[0].insert(v.id.clone(), hash(&v.native));
        hashes[1].insert(v.id.clone(), hash(&component));
        corpus.push(json!({
            "id": v.id,
            "bundle": b64.encode(&spec.bundle),
            "artifact": match &spec.input {
                support::Input::Bytes(b) => json!({ "bytes": b64.encode(b) }),
                support::Input::Digest(alg, d) => json!({ "digest": format!("{}:{}", alg.name(), hex(d)) }),
            },
            "trustedRoot": String::from_utf8_lossy(&spec.trust_json),
            "key": spec.key_pem.as_ref().map(|k| String::from_utf8_lossy(k).into_owned()),
            "subject": spec.subject,
            "issuer": spec.issuer,
            "thresholds": { "tlog": spec.tlog, "ctlog": spec.ctlog, "timestamps": spec.timestamps },
            "allowV01SetOnly": spec.allow_v01_set_only,
            "record": v.native,
        }));
    }
    let count = corpus.len();
    write(corpus, hashes);
    println!(
        "verification vectors: {count} cases ({conformance} sigstore-conformance, {} MANIFEST), native and component records identical: {}",
        count - conformance,
        failures.is_empty()
    );
    if !failures.is_empty() {
        eprintln!("{}", failures.join("\n"));
        std::process::exit(1);
    }
}

/// The sigstore-conformance `bundle-verify` cases, artifact as bytes and as a digest, run
/// natively as the verifier's own conformance suite runs them.
fn conformance_vectors() -> Vec<Vector> {
    let public_good = TrustMaterial::public_good();
    let table = support::conformance_table();
    let mut out = Vec::new();
    for dir in support::conformance_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |file: &str| std::fs::read(dir.join(file)).ok();
        let text = |file: &str| read(file).map(|b| String::from_utf8_lossy(&b).trim().to_owned());
        let artifact = read("artifact")
            .or_else(|| std::fs::read(dir.join("../a.txt")).ok())
            .expect("the artifact");
        let key_pem = read("key.pub");
        let defaults = verdict_verify::Policy::new(verdict_verify::Identity::AnyCertificate);
        let expect = match table.get(&name) {
            Some((expect, _)) if expect == "pass" => Ok(()),
            Some((_, code)) => Err(code.clone()),
            None => Err(format!("{name} is not in tests/conformance/expected.tsv")),
        };
        for digest_mode in [false, true] {
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
            let input = if digest_mode {
                support::Input::Digest(
                    verdict_verify::HashAlgorithm::Sha256,
                    sha2::Sha256::digest(&artifact).to_vec(),
                )
            } else {
                support::Input::Bytes(artifact.clone())
            };
            let mode = if digest_mode { "digest" } else { "bytes" };
            out.push(Vector {
                id: format!("verification vectors/{name} ({mode})"),
                spec: support::Spec {
                    name: name.clone(),
                    bundle: read("bundle.sigstore.json").expect("bundle.sigstore.json"),
                    trust_json: read("trusted_root.json")
                        .unwrap_or_else(|| verdict_verify::PUBLIC_GOOD_TRUSTED_ROOT.to_vec()),
                    subject: key_pem.is_none().then(|| {
                        text("identity").unwrap_or_else(|| support::DEFAULT_IDENTITY.to_owned())
                    }),
                    issuer: key_pem.is_none().then(|| {
                        text("issuer").unwrap_or_else(|| support::DEFAULT_ISSUER.to_owned())
                    }),
                    key_pem: key_pem.clone(),
                    input,
                    tlog: defaults.thresholds.tlog,
                    ctlog: defaults.thresholds.ctlog,
                    timestamps: defaults.thresholds.timestamps,
                    allow_v01_set_only: false,
                },
                native,
                expect: expect.clone(),
            });
        }
    }
    out
}

/// Every row of `tests/manifest/expected.tsv` (the vectors of sigstore-go, -js, -python, -rust,
/// the gh CLI and docker/github-builder, with the row's options), run natively as the verifier's
/// manifest suite runs them.
fn manifest_vectors() -> Vec<Vector> {
    let manifest = support::manifest();
    let mut out = Vec::new();
    for row in support::manifest_table() {
        let case = manifest
            .iter()
            .find(|c| c["id"].as_str() == Some(row[0].as_str()))
            .unwrap_or_else(|| panic!("{} is not in MANIFEST.json", row[0]));
        let spec = support::manifest_spec(case, &row[1]);
        let native = match support::manifest_case(case, &row[1]) {
            Ok(c) => record(
                c.run(&c.bundle)
                    .map(|v| v.to_json())
                    .map_err(|e| e.code().as_str().to_owned()),
            ),
            Err(code) => record(Err(code)),
        };
        let expect = match row[2].strip_prefix("fail:") {
            Some(code) => Err(code.to_owned()),
            None => Ok(()),
        };
        out.push(Vector {
            id: format!("verification vectors/manifest {} [{}]", row[0], row[1]),
            spec,
            native,
            expect,
        });
    }
    out
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
