//! The sigstore-conformance `bundle-verify` cases, natively: every case, both as artifact bytes
//! and as a `sha256:` digest, against the expected outcome and error code of
//! `tests/conformance/expected.tsv` (`BLESS=1` rewrites the code column of failing cases).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use verdict_verify::{Artifact, HashAlgorithm, Identity, Matcher, Policy, TrustMaterial, verify};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_trim(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Runs one case; `Ok(())` or the error code.
fn run(case: &Path, public_good: &TrustMaterial, digest_mode: bool) -> Result<(), String> {
    let bundle = std::fs::read(case.join("bundle.sigstore.json")).map_err(|e| e.to_string())?;
    let trust = match std::fs::read(case.join("trusted_root.json")) {
        Ok(json) => TrustMaterial::from_json(&json)
            .map_err(|e| format!("{}\t{}", e.code().as_str(), e.message()))?,
        Err(_) => public_good.clone(),
    };
    let artifact_path = if case.join("artifact").exists() {
        case.join("artifact")
    } else {
        case.join("../a.txt")
    };
    let artifact = std::fs::read(artifact_path).map_err(|e| e.to_string())?;
    let identity = match std::fs::read(case.join("key.pub")) {
        Ok(key) => Identity::key(&key).map_err(|e| e.code().as_str().to_string())?,
        Err(_) => Identity::Certificate {
            subject: Some(Matcher::exact(
                read_trim(&case.join("identity")).unwrap_or(DEFAULT_IDENTITY.into()),
            )),
            issuer: Some(Matcher::exact(
                read_trim(&case.join("issuer")).unwrap_or(DEFAULT_ISSUER.into()),
            )),
        },
    };
    let digest: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&artifact).into()
    };
    let artifact = if digest_mode {
        Artifact::Digest {
            algorithm: HashAlgorithm::Sha256,
            digest: &digest,
        }
    } else {
        Artifact::Bytes(&artifact)
    };
    match verify(&trust, &bundle, artifact, &Policy::new(identity)) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("{}\t{}", e.code().as_str(), e.message())),
    }
}

#[test]
fn conformance_bundle_verify_cases() {
    let dir = root().join("tests/vectors/sigstore-conformance/test/assets/bundle-verify");
    let table_path = root().join("tests/conformance/expected.tsv");
    let table: BTreeMap<String, (String, String)> = std::fs::read_to_string(&table_path)
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
        .collect();
    let public_good = TrustMaterial::public_good();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut blessed = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let expect_fail = name.ends_with("_fail");
        let mut codes = Vec::new();
        for digest_mode in [false, true] {
            let mode = if digest_mode { "DIGEST" } else { "PATH" };
            let got = run(case, &public_good, digest_mode);
            match (&got, expect_fail) {
                (Ok(()), false) => {}
                (Ok(()), true) => failures.push(format!("{mode}-{name}: verified, but must fail")),
                (Err(e), false) => failures.push(format!("{mode}-{name}: must pass, failed: {e}")),
                (Err(e), true) => {
                    let code = e.split('\t').next().unwrap().to_string();
                    eprintln!("{mode}-{name}: {e}");
                    match table.get(&name) {
                        Some((_, want)) if *want == code => {}
                        Some((_, want)) if std::env::var_os("BLESS").is_none() => {
                            failures.push(format!(
                                "{mode}-{name}: failed with {code}, the table says {want}: {e}"
                            ))
                        }
                        None if std::env::var_os("BLESS").is_none() => {
                            failures.push(format!("{mode}-{name}: not in {}", table_path.display()))
                        }
                        _ => {}
                    }
                    codes.push(code);
                }
            }
        }
        codes.dedup();
        blessed.push(format!(
            "{name}\t{}\t{}",
            if expect_fail { "fail" } else { "pass" },
            codes.join(",")
        ));
    }
    if std::env::var_os("BLESS").is_some() {
        let mut text = String::from(
            "# sigstore-conformance bundle-verify cases: expected outcome and, for _fail cases, the verify error code.\n# case\texpect\tcode\n",
        );
        for l in &blessed {
            text.push_str(l.trim_end_matches('\t'));
            text.push('\n');
        }
        std::fs::create_dir_all(table_path.parent().unwrap()).unwrap();
        std::fs::write(&table_path, text).unwrap();
    }
    assert_eq!(cases.len(), 70, "the suite has 70 cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
