//! The 60 real-world cases of `tests/vectors/MANIFEST.json` (sigstore-go, -python, -js, -rust,
//! gh CLI, cosign, sigstore-rs), each verified with the options of its rows in
//! `tests/manifest/expected.tsv` and compared with the recorded outcome and error code.
//!
//! Table columns: `id`, `options` (`-` or comma-separated `tlog=N`, `timestamps=N`, `ctlog=N`,
//! `allow-v01-set-only`), `outcome` (`pass` or `fail:<code>`), `position` (why verdict departs from
//! the manifest's `expect`, or `-`). A row without options must agree with the manifest's
//! `expect` (`pass`/`fail`) unless it states a position. `BLESS=1` rewrites the outcome column.

use std::path::{Path, PathBuf};

use serde_json::Value;
use verdict_verify::{Artifact, Bundle, HashAlgorithm, Identity, Matcher, Policy, TrustMaterial, verify};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/manifest/expected.tsv")
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Resolves a MANIFEST file reference, `path#key` selecting a JSON member.
fn read_ref(r: &str) -> Vec<u8> {
    match r.split_once('#') {
        None => std::fs::read(vectors().join(r)).unwrap_or_else(|e| panic!("{r}: {e}")),
        Some((path, key)) => {
            let v: Value = serde_json::from_slice(&std::fs::read(vectors().join(path)).unwrap()).unwrap();
            let member = &v[key];
            let text = match member {
                Value::String(s) => s.clone(),
                Value::Object(m) => m.values().next().and_then(Value::as_str).unwrap().to_string(),
                _ => panic!("{r}: unexpected member"),
            };
            text.into_bytes()
        }
    }
}

enum Input {
    Bytes(Vec<u8>),
    Digest(HashAlgorithm, Vec<u8>),
}

fn artifact_of(case: &Value, bundle_json: &[u8]) -> Input {
    let a = case["artifact"].as_str().unwrap_or_default();
    if let Some(hex) = a.strip_prefix("sha256:") {
        return Input::Digest(HashAlgorithm::Sha256, hex_decode(hex));
    }
    if let Some(hex) = a.strip_prefix("sha512:") {
        return Input::Digest(HashAlgorithm::Sha512, hex_decode(hex));
    }
    if let Some(lit) = a.strip_prefix("literal bytes: ") {
        return Input::Bytes(lit.trim_matches('"').as_bytes().to_vec());
    }
    let bundle: Value = serde_json::from_slice(bundle_json).unwrap();
    if a.contains("subject digest") {
        let b = Bundle::parse(bundle_json).unwrap();
        let verdict_bundle_content = match &b.content {
            verdict_verify_content::Dsse(env) => env.payload.clone(),
            _ => panic!("not DSSE"),
        };
        let Ok(st) = serde_json::from_slice::<Value>(&verdict_bundle_content) else {
            // Not a statement (a tampered payload): any digest; verification must fail anyway.
            return Input::Digest(HashAlgorithm::Sha256, vec![0; 32]);
        };
        for (name, alg) in [("sha256", HashAlgorithm::Sha256), ("sha512", HashAlgorithm::Sha512)] {
            let found = st["subject"].as_array().unwrap().iter().find_map(|s| s["digest"][name].as_str());
            if let Some(h) = found {
                return Input::Digest(alg, hex_decode(h));
            }
        }
        panic!("no sha256 or sha512 subject");
    }
    if a.contains("messageDigest") {
        let md = &bundle["messageSignature"]["messageDigest"];
        let alg = HashAlgorithm::from_proto(md["algorithm"].as_str().unwrap()).unwrap();
        use base64::Engine as _;
        let d = base64::engine::general_purpose::STANDARD.decode(md["digest"].as_str().unwrap()).unwrap();
        return Input::Digest(alg, d);
    }
    if a.starts_with("none (DSSE payload") {
        let b = Bundle::parse(bundle_json).unwrap();
        if let verdict_verify_content::Dsse(env) = &b.content {
            return Input::Bytes(env.payload.clone());
        }
        panic!("not DSSE");
    }
    Input::Bytes(read_ref(a))
}

use verdict_bundle::Content as verdict_verify_content;

fn trust_of(case: &Value) -> TrustMaterial {
    let path = case["trusted_root"].as_str().unwrap();
    let mut root: Value = serde_json::from_slice(&read_ref(path)).unwrap();
    if let Some(ca) = case["trusted_root_timestampAuthorities_replaced_by"].as_str() {
        let ca: Value = serde_json::from_slice(&read_ref(ca)).unwrap();
        root["timestampAuthorities"] = Value::Array(vec![ca]);
    }
    TrustMaterial::from_json(&serde_json::to_vec(&root).unwrap()).unwrap()
}

fn run(case: &Value, options: &str) -> Result<(), String> {
    let bundle = read_ref(case["bundle"].as_str().unwrap());
    let trust = trust_of(case);
    let identity = if let Some(k) = case["public_key"].as_str() {
        Identity::key(&read_ref(k)).map_err(|e| e.code().as_str().to_string())?
    } else {
        Identity::Certificate {
            subject: case["identity"].as_str().map(Matcher::exact),
            issuer: case["issuer"].as_str().map(Matcher::exact),
        }
    };
    let mut policy = Policy::new(identity);
    for opt in options.split(',').filter(|o| *o != "-" && !o.is_empty()) {
        match opt.split_once('=') {
            Some(("tlog", n)) => policy.thresholds.tlog = n.parse().unwrap(),
            Some(("ctlog", n)) => policy.thresholds.ctlog = n.parse().unwrap(),
            Some(("timestamps", n)) => policy.thresholds.timestamps = n.parse().unwrap(),
            None if opt == "allow-v01-set-only" => policy.allow_v01_set_only = true,
            _ => panic!("unknown option {opt}"),
        }
    }
    let input = artifact_of(case, &bundle);
    let artifact = match &input {
        Input::Bytes(b) => Artifact::Bytes(b),
        Input::Digest(a, d) => Artifact::Digest { algorithm: *a, digest: d },
    };
    verify(&trust, &bundle, artifact, &policy).map(|_| ()).map_err(|e| format!("{}\t{}", e.code().as_str(), e.message()))
}

#[test]
fn manifest_cases() {
    let manifest: Value = serde_json::from_slice(&std::fs::read(vectors().join("MANIFEST.json")).unwrap()).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 60);
    let table = std::fs::read_to_string(table_path()).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    // Every case has at least one row; the first row of a case is its primary row. GitHub's
    // instance has no transparency or CT log, so its bundles are verified with those thresholds
    // at 0 (as the manifest's reference runs were).
    for c in cases {
        let id = c["id"].as_str().unwrap();
        if !rows.iter().any(|r| r[0] == id) {
            let github = c["trusted_root"].as_str().unwrap().contains("github");
            let options = if github { "tlog=0,ctlog=0" } else { "-" };
            rows.push(vec![id.into(), options.into(), "?".into(), "-".into()]);
        }
    }
    let mut primary: Vec<String> = Vec::new();
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for row in rows.iter_mut() {
        let case = cases.iter().find(|c| c["id"] == row[0].as_str()).unwrap_or_else(|| panic!("unknown id {}", row[0]));
        let got = run(case, &row[1]);
        let outcome = match &got {
            Ok(()) => "pass".to_string(),
            Err(e) => format!("fail:{}", e.split('\t').next().unwrap()),
        };
        eprintln!("{} [{}]: {}", row[0], row[1], got.as_ref().err().map_or("pass", |e| e.as_str()));
        if bless {
            row[2] = outcome.clone();
        } else if row[2] != outcome {
            failures.push(format!("{} [{}]: table says {}, got {}", row[0], row[1], row[2], got.err().unwrap_or("pass".into())));
        }
        let expect = case["expect"].as_str().unwrap();
        let is_primary = !primary.contains(&row[0]);
        primary.push(row[0].clone());
        if is_primary && row[3] == "-" && matches!(expect, "pass" | "fail") && !outcome.starts_with(expect) {
            failures.push(format!("{}: the manifest expects {expect}, verdict gives {outcome} and states no position", row[0]));
        }
    }
    if bless {
        let mut text = String::from(
            "# MANIFEST.json cases: id, options, outcome (pass | fail:<code>), position (why verdict departs from the manifest's expect, or -)\n",
        );
        for r in &rows {
            text.push_str(&r.join("\t"));
            text.push('\n');
        }
        std::fs::create_dir_all(table_path().parent().unwrap()).unwrap();
        std::fs::write(table_path(), text).unwrap();
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
