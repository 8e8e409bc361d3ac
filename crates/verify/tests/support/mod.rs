//! Loading the vector cases shared by the verifier's test suites.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use verdict_verify::{
    Artifact, Bundle, Error, HashAlgorithm, Identity, Matcher, Policy, TrustMaterial,
    VerifiedBundle, verify,
};

/// The repository root: the nearest directory above the including crate that holds
/// `Cargo.lock` (this module is also included by `tests/tests/vectors.rs`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .expect("the workspace root")
        .to_path_buf()
}

/// `tests/vectors`.
pub fn vectors() -> PathBuf {
    root().join("tests/vectors")
}

pub fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What a bundle is verified against.
#[derive(Debug, Clone)]
pub enum Input {
    Bytes(Vec<u8>),
    Digest(HashAlgorithm, Vec<u8>),
}

impl Input {
    pub fn artifact(&self) -> Artifact<'_> {
        match self {
            Input::Bytes(b) => Artifact::Bytes(b),
            Input::Digest(a, d) => Artifact::Digest {
                algorithm: *a,
                digest: d,
            },
        }
    }
}

/// One runnable case.
pub struct Case {
    pub name: String,
    pub bundle: Vec<u8>,
    pub trust: TrustMaterial,
    pub input: Input,
    pub policy: Policy,
}

impl Case {
    pub fn run(&self, bundle: &[u8]) -> Result<VerifiedBundle, Error> {
        verify(&self.trust, bundle, self.input.artifact(), &self.policy)
    }
}

pub const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
pub const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn read_trim(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

/// `tests/conformance/expected.tsv`: case → (`pass` / `fail`, the error code of a failing case);
/// empty when the file is missing (a first `BLESS=1` run writes it).
pub fn conformance_table() -> std::collections::BTreeMap<String, (String, String)> {
    std::fs::read_to_string(root().join("tests/conformance/expected.tsv"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((
                f.next()?.to_string(),
                (f.next()?.to_string(), f.next().unwrap_or("").to_string()),
            ))
        })
        .collect()
}

/// The conformance case folders, sorted.
pub fn conformance_dirs() -> Vec<PathBuf> {
    let dir = vectors().join("sigstore-conformance/test/assets/bundle-verify");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    cases.sort();
    cases
}

/// A conformance case as the CLI protocol defines it; `Err` is the error code of a setup step
/// that already fails (a trusted root or key that does not parse).
pub fn conformance_case(
    dir: &Path,
    public_good: &TrustMaterial,
    digest_mode: bool,
) -> Result<Case, String> {
    let err = |e: Error| format!("{}\t{}", e.code().as_str(), e.message());
    let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
    let trust = match std::fs::read(dir.join("trusted_root.json")) {
        Ok(json) => TrustMaterial::from_json(&json).map_err(err)?,
        Err(_) => public_good.clone(),
    };
    let artifact_path = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        dir.join("../a.txt")
    };
    let artifact = std::fs::read(artifact_path).unwrap();
    let identity = match std::fs::read(dir.join("key.pub")) {
        Ok(key) => Identity::key(&key).map_err(err)?,
        Err(_) => Identity::Certificate {
            subject: Some(Matcher::exact(
                read_trim(&dir.join("identity")).unwrap_or(DEFAULT_IDENTITY.into()),
            )),
            issuer: Some(Matcher::exact(
                read_trim(&dir.join("issuer")).unwrap_or(DEFAULT_ISSUER.into()),
            )),
        },
    };
    let input = if digest_mode {
        use sha2::Digest as _;
        Input::Digest(
            HashAlgorithm::Sha256,
            sha2::Sha256::digest(&artifact).to_vec(),
        )
    } else {
        Input::Bytes(artifact)
    };
    Ok(Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        bundle,
        trust,
        input,
        policy: Policy::new(identity),
    })
}

/// Resolves a MANIFEST file reference, `path#key` selecting a JSON member.
pub fn read_ref(r: &str) -> Vec<u8> {
    match r.split_once('#') {
        None => std::fs::read(vectors().join(r)).unwrap_or_else(|e| panic!("{r}: {e}")),
        Some((path, key)) => {
            let v: Value =
                serde_json::from_slice(&std::fs::read(vectors().join(path)).unwrap()).unwrap();
            match &v[key] {
                Value::String(s) => s.clone().into_bytes(),
                Value::Object(m) => m
                    .values()
                    .next()
                    .and_then(Value::as_str)
                    .unwrap()
                    .as_bytes()
                    .to_vec(),
                _ => panic!("{r}: unexpected member"),
            }
        }
    }
}

fn dsse_payload(bundle_json: &[u8]) -> Vec<u8> {
    match Bundle::parse(bundle_json).unwrap().content {
        verdict_bundle::Content::Dsse(env) => env.payload,
        _ => panic!("not a DSSE bundle"),
    }
}

/// The artifact input a MANIFEST case describes.
fn manifest_input(case: &Value, bundle_json: &[u8]) -> Input {
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
    if a.contains("subject digest") {
        let Ok(st) = serde_json::from_slice::<Value>(&dsse_payload(bundle_json)) else {
            // Not a statement (a tampered payload): any digest; verification must fail anyway.
            return Input::Digest(HashAlgorithm::Sha256, vec![0; 32]);
        };
        for (name, alg) in [
            ("sha256", HashAlgorithm::Sha256),
            ("sha512", HashAlgorithm::Sha512),
        ] {
            if let Some(h) = st["subject"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|s| s["digest"][name].as_str())
            {
                return Input::Digest(alg, hex_decode(h));
            }
        }
        panic!("no sha256 or sha512 subject");
    }
    if a.contains("messageDigest") {
        let bundle: Value = serde_json::from_slice(bundle_json).unwrap();
        let md = &bundle["messageSignature"]["messageDigest"];
        let alg = HashAlgorithm::from_proto(md["algorithm"].as_str().unwrap()).unwrap();
        let d = base64::engine::general_purpose::STANDARD
            .decode(md["digest"].as_str().unwrap())
            .unwrap();
        return Input::Digest(alg, d);
    }
    if a.starts_with("none (DSSE payload") {
        return Input::Bytes(dsse_payload(bundle_json));
    }
    Input::Bytes(read_ref(a))
}

/// The MANIFEST.json cases.
pub fn manifest() -> Vec<Value> {
    let m: Value =
        serde_json::from_slice(&std::fs::read(vectors().join("MANIFEST.json")).unwrap()).unwrap();
    m["cases"].as_array().unwrap().clone()
}

/// A MANIFEST case's inputs as plain data, the form every host receives them in: the bundle,
/// the trusted root as JSON, the signer (a PEM key, or exact identity / issuer), the artifact, the
/// thresholds and flags of one table row's options.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub bundle: Vec<u8>,
    pub trust_json: Vec<u8>,
    pub key_pem: Option<Vec<u8>>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub input: Input,
    pub tlog: usize,
    pub ctlog: usize,
    pub timestamps: usize,
    pub allow_v01_set_only: bool,
}

/// The [`Spec`] of a MANIFEST case with the options of one table row (`-` or
/// `tlog=N,ctlog=N,timestamps=N,allow-v01-set-only`).
pub fn manifest_spec(case: &Value, options: &str) -> Spec {
    let bundle = read_ref(case["bundle"].as_str().unwrap());
    let mut root: Value =
        serde_json::from_slice(&read_ref(case["trusted_root"].as_str().unwrap())).unwrap();
    if let Some(ca) = case["trusted_root_timestampAuthorities_replaced_by"].as_str() {
        root["timestampAuthorities"] =
            Value::Array(vec![serde_json::from_slice(&read_ref(ca)).unwrap()]);
    }
    let defaults = Policy::new(Identity::AnyCertificate).thresholds;
    let mut spec = Spec {
        name: case["id"].as_str().unwrap().to_string(),
        input: manifest_input(case, &bundle),
        bundle,
        trust_json: serde_json::to_vec(&root).unwrap(),
        key_pem: case["public_key"].as_str().map(read_ref),
        subject: case["identity"].as_str().map(str::to_owned),
        issuer: case["issuer"].as_str().map(str::to_owned),
        tlog: defaults.tlog,
        ctlog: defaults.ctlog,
        timestamps: defaults.timestamps,
        allow_v01_set_only: false,
    };
    for opt in options.split(',').filter(|o| *o != "-" && !o.is_empty()) {
        match opt.split_once('=') {
            Some(("tlog", n)) => spec.tlog = n.parse().unwrap(),
            Some(("ctlog", n)) => spec.ctlog = n.parse().unwrap(),
            Some(("timestamps", n)) => spec.timestamps = n.parse().unwrap(),
            None if opt == "allow-v01-set-only" => spec.allow_v01_set_only = true,
            _ => panic!("unknown option {opt}"),
        }
    }
    spec
}

/// A MANIFEST case with the options of one table row, ready to run natively; `Err` is the error
/// code of a setup step that already fails (a key that does not parse).
pub fn manifest_case(case: &Value, options: &str) -> Result<Case, String> {
    let spec = manifest_spec(case, options);
    let trust = TrustMaterial::from_json(&spec.trust_json).unwrap();
    let identity = match &spec.key_pem {
        Some(pem) => Identity::key(pem).map_err(|e| e.code().as_str().to_string())?,
        None => Identity::Certificate {
            subject: spec.subject.as_deref().map(Matcher::exact),
            issuer: spec.issuer.as_deref().map(Matcher::exact),
        },
    };
    let mut policy = Policy::new(identity);
    policy.thresholds.tlog = spec.tlog;
    policy.thresholds.ctlog = spec.ctlog;
    policy.thresholds.timestamps = spec.timestamps;
    policy.allow_v01_set_only = spec.allow_v01_set_only;
    Ok(Case {
        name: spec.name,
        bundle: spec.bundle,
        trust,
        input: spec.input,
        policy,
    })
}

/// The rows of `tests/manifest/expected.tsv`: id, options, outcome, position.
pub fn manifest_table() -> Vec<Vec<String>> {
    std::fs::read_to_string(root().join("tests/manifest/expected.tsv"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}
