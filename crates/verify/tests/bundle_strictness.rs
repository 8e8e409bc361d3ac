//! Issue 11: bundle rules the spec states as MUST, through the whole verifier and on real
//! vectors. Each row edits a bundle that verifies (a conformance happy path, or the
//! sigstore-python TSA case) and asserts the verify error code — or that it still verifies.

mod support;

use serde_json::{Value, json};
use verdict_verify::TrustMaterial;

fn conformance(name: &str) -> support::Case {
    let dir = support::vectors()
        .join("sigstore-conformance/test/assets/bundle-verify")
        .join(name);
    support::conformance_case(&dir, &TrustMaterial::public_good(), false).unwrap()
}

fn tsa_case() -> support::Case {
    let case = support::manifest()
        .into_iter()
        .find(|c| c["id"] == "py-tsa-ok")
        .expect("MANIFEST has py-tsa-ok");
    support::manifest_case(&case, "-").unwrap()
}

fn outcome(case: &support::Case, edit: fn(&mut Value)) -> String {
    let mut b: Value = serde_json::from_slice(&case.bundle).unwrap();
    edit(&mut b);
    match case.run(&serde_json::to_vec(&b).unwrap()) {
        Ok(_) => "ok".into(),
        Err(e) => e.code().as_str().into(),
    }
}

fn vm(b: &mut Value) -> &mut serde_json::Map<String, Value> {
    b["verificationMaterial"].as_object_mut().unwrap()
}

type Edit = fn(&mut Value);

#[test]
fn material_must_match_the_bundle_version() {
    let rows: &[(&str, &str, Edit, &str)] = &[
        ("happy-path-v0.3", "unchanged", |_| {}, "ok"),
        (
            "happy-path-v0.3",
            "certificate moved into x509CertificateChain",
            |b| {
                let cert = vm(b).remove("certificate").unwrap();
                vm(b).insert(
                    "x509CertificateChain".into(),
                    json!({"certificates": [cert]}),
                );
            },
            "malformed-bundle",
        ),
        (
            "happy-path-v0.3",
            "relabelled v0.2, keeping `certificate`",
            |b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2"),
            "malformed-bundle",
        ),
        ("happy-path-v0.2", "unchanged", |_| {}, "ok"),
        (
            "happy-path-v0.2",
            "leaf moved from the chain into `certificate`",
            |b| {
                let chain = vm(b).remove("x509CertificateChain").unwrap();
                let leaf = chain["certificates"][0].clone();
                vm(b).insert("certificate".into(), leaf);
            },
            "malformed-bundle",
        ),
        ("happy-path-v0.1", "unchanged", |_| {}, "ok"),
        (
            "happy-path-v0.1",
            "leaf moved from the chain into `certificate`",
            |b| {
                let chain = vm(b).remove("x509CertificateChain").unwrap();
                let leaf = chain["certificates"][0].clone();
                vm(b).insert("certificate".into(), leaf);
            },
            "malformed-bundle",
        ),
    ];
    let mut failures = Vec::new();
    for (case, name, edit, want) in rows {
        let got = outcome(&conformance(case), *edit);
        if got != *want {
            failures.push(format!("{case}: {name}: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn duplicated_evidence_makes_the_bundle_invalid() {
    let tlog_rows: &[(&str, Edit, &str)] = &[
        (
            "the tlog entry twice",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                b["verificationMaterial"]["tlogEntries"] = json!([e.clone(), e]);
            },
            "malformed-bundle",
        ),
        (
            "the tlog entry twice, the copy with another log index",
            |b| {
                let e = b["verificationMaterial"]["tlogEntries"][0].clone();
                let mut f = e.clone();
                f["logIndex"] = json!("1");
                b["verificationMaterial"]["tlogEntries"] = json!([e, f]);
            },
            "malformed-bundle",
        ),
    ];
    let tsa_rows: &[(&str, Edit, &str)] = &[
        ("unchanged", |_| {}, "ok"),
        (
            "its RFC 3161 timestamp twice",
            |b| {
                let list = &mut b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
                let t = list[0].clone();
                list.as_array_mut().unwrap().push(t);
            },
            "malformed-bundle",
        ),
    ];
    let mut failures = Vec::new();
    let v3 = conformance("happy-path-v0.3");
    for (name, edit, want) in tlog_rows {
        let got = outcome(&v3, *edit);
        if got != *want {
            failures.push(format!("happy-path-v0.3: {name}: want {want}, got {got}"));
        }
    }
    let tsa = tsa_case();
    for (name, edit, want) in tsa_rows {
        let got = outcome(&tsa, *edit);
        if got != *want {
            failures.push(format!("py-tsa-ok: {name}: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
