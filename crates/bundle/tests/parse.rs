//! Strict parsing: each row mutates a valid v0.3 bundle (conformance `happy-path-v0.3`) or
//! trusted root and states the outcome — `ok` or the error code.

use serde_json::{Value, json};
use verdict_bundle::{Bundle, BundleVersion, TrustedRoot};

fn vectors() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn base_bundle() -> Value {
    let p = vectors().join(
        "sigstore-conformance/test/assets/bundle-verify/happy-path-v0.3/bundle.sigstore.json",
    );
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Moves the v0.3 `certificate` into a one-certificate `x509CertificateChain`.
fn cert_to_chain(b: &mut Value) {
    let vm = b["verificationMaterial"].as_object_mut().unwrap();
    let cert = vm.remove("certificate").unwrap();
    vm.insert(
        "x509CertificateChain".into(),
        json!({ "certificates": [cert] }),
    );
}

/// Sets `timestampVerificationData.rfc3161Timestamps` to these base64 `signedTimestamp`s.
fn set_timestamps(b: &mut Value, tokens: &[&str]) {
    let list: Vec<Value> = tokens
        .iter()
        .map(|t| json!({ "signedTimestamp": t }))
        .collect();
    b["verificationMaterial"]["timestampVerificationData"] = json!({ "rfc3161Timestamps": list });
}

fn outcome(v: &Value) -> String {
    match Bundle::parse(&serde_json::to_vec(v).unwrap()) {
        Ok(_) => "ok".into(),
        Err(e) => e.code().as_str().into(),
    }
}

#[test]
fn bundle_rules() {
    type Edit = fn(&mut Value);
    let rows: &[(&str, Edit, &str)] = &[
        ("unchanged", |_| {}, "ok"),
        // Issue 11: before v0.3 there is no `certificate` field (only the chain); v0.3 MUST use
        // `certificate` (sigstore-python: "expected certificate chain in bundle" /
        // "expected certificate in bundle").
        (
            "v0.1 media type with a v0.3 `certificate`",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1"),
            "malformed-bundle",
        ),
        (
            "v0.2 media type with a v0.3 `certificate`",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2"),
            "malformed-bundle",
        ),
        (
            "v0.1 media type with the certificate as a chain",
            |b| {
                b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
                cert_to_chain(b);
            },
            "ok",
        ),
        (
            "v0.2 media type with the certificate as a chain",
            |b| {
                b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2");
                cert_to_chain(b);
            },
            "ok",
        ),
        (
            "v0.3 with the certificate as a chain",
            cert_to_chain,
            "malformed-bundle",
        ),
        (
            "new v0.3 spelling with the certificate as a chain",
            |b| {
                b["mediaType"] = json!("application/vnd.dev.sigstore.bundle.v0.3+json");
                cert_to_chain(b);
            },
            "malformed-bundle",
        ),
        (
            "v0.1 with a public key",
            |b| {
                b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
                let vm = b["verificationMaterial"].as_object_mut().unwrap();
                vm.remove("certificate");
                vm.insert("publicKey".into(), json!({"hint": "k"}));
            },
            "ok",
        ),
        (
            "v0.3 with a public key",
            |b| {
                let vm = b["verificationMaterial"].as_object_mut().unwrap();
                vm.remove("certificate");
                vm.insert("publicKey".into(), json!({"hint": "k"}));
            },
            "ok",
        ),
        // Issue 11: duplicated evidence makes the bundle invalid (sigstore-python rejects
        // duplicate timestamps by value; one log entry must not count twice).
        (
            "two different timestamps",
            |b| set_timestamps(b, &["AAAA", "AAAB"]),
            "ok",
        ),
        (
            "the same timestamp twice",
            |b| set_timestamps(b, &["AAAA", "AAAB", "AAAA"]),
            "malformed-bundle",
        ),
        (
            "the same timestamp twice, spelled in two base64 alphabets",
            |b| set_timestamps(b, &["+/+/", "-_-_"]),
            "malformed-bundle",
        ),
        (
            "the same tlog entry twice",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                b["verificationMaterial"]["tlogEntries"] = json!([e.clone(), e]);
            },
            "malformed-bundle",
        ),
        (
            "same log and index, another body",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                let mut f = e.clone();
                f["canonicalizedBody"] = json!("e30=");
                b["verificationMaterial"]["tlogEntries"] = json!([e, f]);
            },
            "malformed-bundle",
        ),
        (
            "same log and body, another index",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                let mut f = e.clone();
                f["logIndex"] = json!("1");
                b["verificationMaterial"]["tlogEntries"] = json!([e, f]);
            },
            "malformed-bundle",
        ),
        (
            "same index and body in another log",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                let mut f = e.clone();
                f["logId"]["keyId"] = json!("AAAA");
                b["verificationMaterial"]["tlogEntries"] = json!([e, f]);
            },
            "ok",
        ),
        (
            "new v0.3 spelling",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle.v0.3+json"),
            "ok",
        ),
        (
            "v0.4 spelling",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle.v0.4+json"),
            "unsupported-media-type",
        ),
        (
            "media type with spaces",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json; version=0.3"),
            "unsupported-media-type",
        ),
        (
            "no media type",
            |b| {
                b.as_object_mut().unwrap().remove("mediaType");
            },
            "missing-field",
        ),
        (
            "unknown fields are ignored",
            |b| b["somethingNew"] = json!({"x": 1}),
            "ok",
        ),
        (
            "negative log index",
            |b| b["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!("-1"),
            "invalid-integer",
        ),
        (
            "log index as a number",
            |b| b["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!(79571823),
            "ok",
        ),
        (
            "log index not decimal",
            |b| b["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!("0x10"),
            "invalid-integer",
        ),
        (
            "log index beyond int64",
            |b| {
                b["verificationMaterial"]["tlogEntries"][0]["logIndex"] =
                    json!("9223372036854775808")
            },
            "invalid-integer",
        ),
        (
            "bad base64 signature",
            |b| b["messageSignature"]["signature"] = json!("!!!"),
            "invalid-base64",
        ),
        (
            "URL-safe unpadded base64",
            |b| {
                let s = b["messageSignature"]["signature"]
                    .as_str()
                    .unwrap()
                    .replace('+', "-")
                    .replace('/', "_")
                    .trim_end_matches('=')
                    .to_string();
                b["messageSignature"]["signature"] = json!(s);
            },
            "ok",
        ),
        (
            "both contents",
            |b| b["dsseEnvelope"] = json!({"payload": "", "payloadType": "x", "signatures": []}),
            "malformed-bundle",
        ),
        (
            "no content",
            |b| {
                b.as_object_mut().unwrap().remove("messageSignature");
            },
            "missing-field",
        ),
        (
            "two materials",
            |b| b["verificationMaterial"]["publicKey"] = json!({"hint": "k"}),
            "malformed-bundle",
        ),
        (
            "empty chain",
            |b| {
                b["verificationMaterial"]
                    .as_object_mut()
                    .unwrap()
                    .remove("certificate");
                b["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": []});
            },
            "missing-field",
        ),
        (
            "digest of the wrong length",
            |b| b["messageSignature"]["messageDigest"]["digest"] = json!("AAAA"),
            "malformed-bundle",
        ),
        (
            "33 tlog entries",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                b["verificationMaterial"]["tlogEntries"] = Value::Array(vec![e; 33]);
            },
            "too-large",
        ),
        (
            "null is absent",
            |b| b["verificationMaterial"]["timestampVerificationData"] = Value::Null,
            "ok",
        ),
        ("not an object", |b| *b = json!([1, 2]), "malformed-bundle"),
    ];
    let mut failures = Vec::new();
    for (name, edit, want) in rows {
        let mut b = base_bundle();
        edit(&mut b);
        let got = outcome(&b);
        if got != *want {
            failures.push(format!("{name}: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        Bundle::parse(b"{").unwrap_err().code().as_str(),
        "malformed-bundle"
    );
    assert_eq!(
        Bundle::parse(&serde_json::to_vec(&base_bundle()).unwrap())
            .unwrap()
            .version,
        BundleVersion::V0_3
    );
}

#[test]
fn trusted_root_rules() {
    let root: Value = serde_json::from_slice(
        &std::fs::read(vectors().join("sigstore-python/sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json")).unwrap(),
    )
    .unwrap();
    let parse = |v: &Value| TrustedRoot::parse(&serde_json::to_vec(v).unwrap());
    let r = parse(&root).unwrap();
    assert_eq!(
        (
            r.tlogs.len(),
            r.certificate_authorities.len(),
            r.ctlogs.len(),
            r.timestamp_authorities.len()
        ),
        (2, 2, 2, 1)
    );
    // The ClientTrustConfig wrapper.
    let wrapped = json!({"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json", "trustedRoot": root});
    assert_eq!(parse(&wrapped).unwrap(), r);
    // A validFor without start contains no instant; without end it is open-ended.
    let mut no_start = root.clone();
    no_start["tlogs"][0]["publicKey"]["validFor"] = json!({"end": "2030-01-01T00:00:00Z"});
    let t = verdict_bundle::Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap();
    assert!(!parse(&no_start).unwrap().tlogs[0].public_key.valid_at(t));
    assert!(r.tlogs[0].public_key.valid_at(t));
    // Closed interval: the end instant itself is valid.
    let end = r.certificate_authorities[0].valid_for.unwrap().end.unwrap();
    assert!(r.certificate_authorities[0].valid_at(end));
    // Wrong media type, bad time, an empty list are errors or fine as the spec says.
    let mut bad = root.clone();
    bad["mediaType"] = json!("application/json");
    assert_eq!(
        parse(&bad).unwrap_err().code().as_str(),
        "malformed-trusted-root"
    );
    let mut bad_time = root.clone();
    bad_time["tlogs"][0]["publicKey"]["validFor"]["start"] = json!("yesterday");
    assert_eq!(
        parse(&bad_time).unwrap_err().code().as_str(),
        "invalid-time"
    );
    let mut empty = root;
    empty["tlogs"] = json!([]);
    empty["ctlogs"] = json!([]);
    assert!(
        parse(&empty).is_ok(),
        "a root without logs (GitHub's) is valid"
    );
}
