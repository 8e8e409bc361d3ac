//! The 195 RFC 6962 inclusion and consistency proof vectors of transparency-dev/merkle (via
//! sigstore-rust, `tests/vectors/sigstore-rust/crates/sigstore-merkle/test-data`): every vector's
//! `wantErr` must be what [`verdict_verify::merkle`] decides.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use verdict_verify::merkle;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn b64(v: &Value) -> Vec<u8> {
    v.as_str()
        .map(|s| base64::engine::general_purpose::STANDARD.decode(s).unwrap())
        .unwrap_or_default()
}

fn list(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(b64).collect())
        .unwrap_or_default()
}

#[test]
fn transparency_dev_merkle_vectors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/sigstore-rust/crates/sigstore-merkle/test-data/merkle/testdata");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let (mut inclusion, mut consistency, mut failures) = (0, 0, Vec::new());
    for path in &all {
        let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let got = if path.components().any(|c| c.as_os_str() == "inclusion") {
            inclusion += 1;
            let leaf: [u8; 32] = b64(&v["leafHash"]).try_into().unwrap_or_default();
            merkle::verify_inclusion(
                v["leafIdx"].as_u64().unwrap(),
                v["treeSize"].as_u64().unwrap(),
                &leaf,
                &list(&v["proof"]),
                &b64(&v["root"]),
            )
        } else {
            consistency += 1;
            merkle::verify_consistency(
                v["size1"].as_u64().unwrap(),
                v["size2"].as_u64().unwrap(),
                &list(&v["proof"]),
                &b64(&v["root1"]),
                &b64(&v["root2"]),
            )
        };
        if got.is_err() != want_err {
            failures.push(format!(
                "{}: {} — wantErr {want_err}, got {got:?}",
                path.display(),
                v["desc"]
            ));
        }
    }
    assert_eq!(inclusion + consistency, 195, "the vector set has 195 files");
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
