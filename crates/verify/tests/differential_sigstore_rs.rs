//! Differential test against sigstore-rs (crate `sigstore` 0.14.0, natively) on the vectors it
//! supports: certificate-signed bundles whose log entries are `hashedrekord`/`dsse` 0.0.1, with
//! no RFC 3161 timestamp, verified against artifact bytes (the conformance cases and the
//! MANIFEST cases with an artifact). Both verifiers run with the same trusted root and identity.
//!
//! Every disagreement must be listed, with its reason, in `tests/differential/sigstore-rs.tsv`
//! (`case<TAB>verdict<TAB>sigstore-rs<TAB>reason`); a new disagreement, or a listed one that no
//! longer occurs, fails the test. `BLESS=1` rewrites the first three columns and keeps reasons.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use sigstore::bundle::verify::blocking::Verifier as RsVerifier;
use sigstore::bundle::verify::policy::Identity as RsIdentity;
use sigstore::trust::ManualTrustRoot;
use support::{Case, Input};
use verdict_verify::{Identity, Matcher, TrustMaterial};

/// Whether sigstore-rs can verify this bundle at all (its bundle verifier's scope).
fn supported(bundle: &Value) -> bool {
    let vm = &bundle["verificationMaterial"];
    let entries = vm["tlogEntries"].as_array().cloned().unwrap_or_default();
    vm.get("publicKey").is_none()
        && vm["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .is_none_or(|t| t.is_empty())
        && !entries.is_empty()
        && entries.iter().all(|e| {
            let kv = (&e["kindVersion"]["kind"], &e["kindVersion"]["version"]);
            kv == (&Value::from("hashedrekord"), &Value::from("0.0.1"))
                || kv == (&Value::from("dsse"), &Value::from("0.0.1"))
        })
}

fn rs_trust_root(root_json: &[u8]) -> ManualTrustRoot<'static> {
    use base64::Engine as _;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap_or_default()
    };
    let root: Value = serde_json::from_slice(root_json).unwrap();
    let mut t = ManualTrustRoot::default();
    for ca in root["certificateAuthorities"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for c in ca["certChain"]["certificates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            t.fulcio_certs
                .push(rustls_pki_types::CertificateDer::from(b64(&c["rawBytes"])));
        }
    }
    for (list, map) in [("tlogs", &mut t.rekor_keys), ("ctlogs", &mut t.ctfe_keys)] {
        for log in root[list].as_array().into_iter().flatten() {
            let id = hex::encode(b64(&log["logId"]["keyId"]));
            map.insert(id, b64(&log["publicKey"]["rawBytes"]));
        }
    }
    t
}

mod hex {
    pub(crate) fn encode(b: Vec<u8>) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// sigstore-rs's answer: `pass` or `fail`.
fn sigstore_rs(
    root_json: &[u8],
    bundle: &[u8],
    artifact: &[u8],
    identity: &str,
    issuer: &str,
) -> String {
    let parsed = match serde_json::from_slice::<sigstore::bundle::Bundle>(bundle) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sigstore-rs parse: {e}");
            return "fail".into();
        }
    };
    let Ok(verifier) = RsVerifier::new(Default::default(), rs_trust_root(root_json)) else {
        return "fail".into();
    };
    let policy = RsIdentity::new(identity, issuer);
    match verifier.verify(artifact, parsed, &policy, true) {
        Ok(()) => "pass".into(),
        Err(e) => {
            eprintln!("sigstore-rs: {e}");
            "fail".into()
        }
    }
}

struct Row {
    name: String,
    root_json: Vec<u8>,
    case: Case,
    identity: String,
    issuer: String,
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let public_good = TrustMaterial::public_good();
    for dir in support::conformance_dirs() {
        let Ok(case) = support::conformance_case(&dir, &public_good, false) else {
            continue;
        };
        let root_json = std::fs::read(dir.join("trusted_root.json"))
            .unwrap_or(verdict_verify::PUBLIC_GOOD_TRUSTED_ROOT.to_vec());
        let read = |f: &str, d: &str| {
            std::fs::read_to_string(dir.join(f))
                .map(|s| s.trim().to_string())
                .unwrap_or(d.into())
        };
        rows.push(Row {
            name: case.name.clone(),
            root_json,
            identity: read("identity", support::DEFAULT_IDENTITY),
            issuer: read("issuer", support::DEFAULT_ISSUER),
            case,
        });
    }
    for m in support::manifest() {
        let (Some(identity), Some(issuer)) = (m["identity"].as_str(), m["issuer"].as_str()) else {
            continue;
        };
        let Ok(mut case) = support::manifest_case(&m, "-") else {
            continue;
        };
        // The same explicit identity for both verifiers.
        case.policy.identity = Identity::Certificate {
            subject: Some(Matcher::exact(identity)),
            issuer: Some(Matcher::exact(issuer)),
        };
        rows.push(Row {
            name: m["id"].as_str().unwrap().to_string(),
            root_json: support::read_ref(m["trusted_root"].as_str().unwrap()),
            identity: identity.into(),
            issuer: issuer.into(),
            case,
        });
    }
    rows.retain(|r| {
        matches!(r.case.input, Input::Bytes(_))
            && serde_json::from_slice::<Value>(&r.case.bundle).is_ok_and(|b| supported(&b))
    });
    rows
}

#[test]
fn differential_against_sigstore_rs() {
    let path = support::root().join("tests/differential/sigstore-rs.tsv");
    let listed: BTreeMap<String, Vec<String>> = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<String> = l.split('\t').map(str::to_string).collect();
            (f[0].clone(), f)
        })
        .collect();
    let rows = rows();
    assert!(rows.len() >= 25, "only {} supported vectors", rows.len());
    let (mut agree, mut observed) = (0, BTreeMap::new());
    for r in &rows {
        let Input::Bytes(artifact) = &r.case.input else {
            unreachable!()
        };
        let ours = match r.case.run(&r.case.bundle) {
            Ok(_) => "pass".to_string(),
            Err(e) => format!("fail:{}", e.code().as_str()),
        };
        let theirs = sigstore_rs(
            &r.root_json,
            &r.case.bundle,
            artifact,
            &r.identity,
            &r.issuer,
        );
        if ours.starts_with(&theirs) {
            agree += 1;
        } else {
            observed.insert(r.name.clone(), (ours, theirs));
        }
    }
    eprintln!(
        "{} supported vectors: {agree} agree, {} differ",
        rows.len(),
        observed.len()
    );
    if std::env::var_os("BLESS").is_some() {
        let mut text = String::from(
            "# Vectors on which verdict and sigstore-rs 0.14.0 disagree: case, verdict, sigstore-rs, reason\n",
        );
        for (name, (ours, theirs)) in &observed {
            let reason = listed
                .get(name)
                .and_then(|f| f.get(3))
                .cloned()
                .unwrap_or_else(|| "TODO".into());
            text.push_str(&format!("{name}\t{ours}\t{theirs}\t{reason}\n"));
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let mut problems = Vec::new();
    for (name, (ours, theirs)) in &observed {
        match listed.get(name) {
            Some(f)
                if f[1] == *ours
                    && f[2] == *theirs
                    && f.get(3).is_some_and(|r| !r.is_empty() && r != "TODO") => {}
            _ => problems.push(format!(
                "{name}: verdict {ours}, sigstore-rs {theirs} — not listed with a reason"
            )),
        }
    }
    for name in listed.keys() {
        if !observed.contains_key(name) {
            problems.push(format!(
                "{name}: listed as a disagreement but both now agree"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
