//! The committed scenarios under `tests/minted/`: regenerating gives identical bytes, every
//! layout is consistent (blob names are their SHA-256, index → manifest → attestation
//! manifest → signature manifest), and every bundle verifies — or fails — as its
//! `scenario.json` says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use verdict_mint::oci::{
    ATTESTATION_ARTIFACT_TYPE, IN_TOTO_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, PREDICATE_TYPE, REF_NAME,
    REFERENCE_DIGEST, REFERENCE_TYPE,
};
use verdict_mint::util::{hex, sha256};
use verdict_mint::{BUNDLE_MEDIA_TYPE, scenario};
use verdict_verify::{Artifact, HashAlgorithm, Identity, Policy, TrustMaterial, verify};

fn minted_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/minted")
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                let rel = rel.to_str().expect("UTF-8").replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("readable"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn regenerating_gives_identical_bytes() {
    let start = std::time::Instant::now();
    let fresh = scenario::all_files();
    eprintln!("minted {} files in {:.2?}", fresh.len(), start.elapsed());
    assert_eq!(fresh, scenario::all_files(), "minting twice differs");
    let committed = read_tree(&minted_dir());
    let missing: Vec<&String> = fresh
        .keys()
        .filter(|k| !committed.contains_key(*k))
        .collect();
    let extra: Vec<&String> = committed
        .keys()
        .filter(|k| !fresh.contains_key(*k))
        .collect();
    let changed: Vec<&String> = fresh
        .iter()
        .filter(|(k, v)| committed.get(*k).is_some_and(|c| c != *v))
        .map(|(k, _)| k)
        .collect();
    let first = |v: &[&String]| v.iter().take(5).map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(
        missing.is_empty() && extra.is_empty() && changed.is_empty(),
        "tests/minted is stale (remove it and run `cargo run -p verdict-mint --bin mint -- \
         tests/minted`): {} missing {:?}, {} extra {:?}, {} changed {:?}",
        missing.len(),
        first(&missing),
        extra.len(),
        first(&extra),
        changed.len(),
        first(&changed)
    );
}

struct Layout<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    prefix: String,
}

impl Layout<'_> {
    fn blob(&self, digest: &str) -> &[u8] {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        self.files
            .get(&format!("{}blobs/sha256/{hex}", self.prefix))
            .unwrap_or_else(|| panic!("blob {digest} missing"))
    }

    fn json(&self, desc: &Value) -> Value {
        let bytes = self.blob(desc["digest"].as_str().expect("digest"));
        assert_eq!(
            desc["size"].as_u64(),
            Some(bytes.len() as u64),
            "size of {desc}"
        );
        serde_json::from_slice(bytes).expect("JSON blob")
    }
}

fn bare(desc: &Value) -> Value {
    serde_json::json!({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"]})
}

/// Walks one scenario's layout like Buildx (model §6.1) and checks its bundles.
fn check_scenario(files: &BTreeMap<String, Vec<u8>>, name: &str) {
    let at = |p: &str| &files[&format!("{name}/{p}")];
    let sj: Value = serde_json::from_slice(at("scenario.json")).expect("scenario.json");
    let trust = TrustMaterial::from_json(at("trusted_root.json")).expect("trusted root");
    let layout = Layout {
        files,
        prefix: format!("{name}/evidence/oci/"),
    };

    // Every blob is named by its SHA-256.
    let mut blobs = 0;
    for (path, bytes) in files {
        if let Some(h) = path.strip_prefix(&format!("{}blobs/sha256/", layout.prefix)) {
            assert_eq!(hex(&sha256(bytes)), h, "{path}");
            blobs += 1;
        }
    }
    assert!(blobs > 8, "{name}: {blobs} blobs");
    assert_eq!(
        at("evidence/oci/oci-layout").as_slice(),
        br#"{"imageLayoutVersion":"1.0.0"}"#
    );

    let index_json: Value =
        serde_json::from_slice(at("evidence/oci/index.json")).expect("index.json");
    let entries = index_json["manifests"].as_array().expect("manifests");
    let root = entries
        .iter()
        .find(|e| e["annotations"][REF_NAME] == sj["reference"])
        .expect("the reference is bound");
    assert_eq!(root["digest"], sj["index"]);
    let index = layout.json(root);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let manifests = index["manifests"].as_array().expect("manifests");
    let expected = &sj["expected"];

    for p in sj["platforms"].as_array().expect("platforms") {
        let platform = p["platform"].as_str().expect("platform");
        let mut parts = platform.split('/');
        let (os, arch) = (parts.next().expect("os"), parts.next().expect("arch"));
        let image = manifests
            .iter()
            .find(|m| m["platform"]["os"] == os && m["platform"]["architecture"] == arch)
            .unwrap_or_else(|| panic!("{name}: no {platform} manifest"));
        assert_eq!(image["digest"], p["manifest"]);
        let image_manifest = layout.json(image);
        let config = layout.json(&image_manifest["config"]);
        assert_eq!(config["architecture"], arch);
        for key in ["Env", "Labels", "User", "WorkingDir", "Volumes"] {
            assert!(!config["config"][key].is_null(), "{name}: config {key}");
        }
        for l in image_manifest["layers"].as_array().expect("layers") {
            layout.blob(l["digest"].as_str().expect("digest"));
        }

        // The attestation manifest, found by its index annotations.
        let att = manifests
            .iter()
            .find(|m| {
                m["annotations"][REFERENCE_TYPE] == "attestation-manifest"
                    && m["annotations"][REFERENCE_DIGEST] == image["digest"]
            })
            .unwrap_or_else(|| panic!("{name}: no attestation manifest for {platform}"));
        assert_eq!(att["digest"], p["attestationManifest"]);
        assert_eq!(
            att["platform"],
            serde_json::json!({"architecture": "unknown", "os": "unknown"})
        );
        let att_manifest = layout.json(att);
        let has_subject = !att_manifest["subject"].is_null();
        assert_eq!(has_subject, name != "no-attestation-subject", "{name}");
        if has_subject {
            assert_eq!(att_manifest["subject"], bare(image), "{name}");
            assert_eq!(att_manifest["artifactType"], ATTESTATION_ARTIFACT_TYPE);
        }
        let prov = att_manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .find(|l| {
                l["mediaType"] == IN_TOTO_MEDIA_TYPE
                    && l["annotations"][PREDICATE_TYPE] == "https://slsa.dev/provenance/v1"
            })
            .expect("a provenance layer");
        let statement = layout.json(prov);
        assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(
            format!(
                "sha256:{}",
                statement["subject"][0]["digest"]["sha256"]
                    .as_str()
                    .expect("digest")
            ),
            image["digest"].as_str().expect("digest")
        );
        let predicate = &statement["predicate"];
        assert_eq!(
            predicate["buildDefinition"]["buildType"],
            "https://mobyproject.org/buildkit@v1"
        );
        assert!(
            predicate["buildDefinition"]["externalParameters"]["request"]["frontend"].is_string()
        );
        assert!(predicate["runDetails"]["metadata"]["invocationID"].is_string());

        // The signature manifest: a referrer of the attestation manifest.
        let sigs: Vec<&Value> = entries
            .iter()
            .filter(|e| e["artifactType"] == BUNDLE_MEDIA_TYPE)
            .filter(|e| layout.json(e)["subject"]["digest"] == att["digest"])
            .collect();
        if expected["reason"] == "no signature manifest" {
            assert!(sigs.is_empty(), "{name}");
            assert!(p["signatureManifest"].is_null());
            continue;
        }
        assert_eq!(
            sigs.len(),
            1,
            "{name}: one signature manifest per attestation manifest"
        );
        assert_eq!(sigs[0]["digest"], p["signatureManifest"]);
        let sig_manifest = layout.json(sigs[0]);
        assert_eq!(sig_manifest["mediaType"], MANIFEST_MEDIA_TYPE);
        assert_eq!(sig_manifest["artifactType"], BUNDLE_MEDIA_TYPE);
        assert_eq!(sig_manifest["subject"], bare(att), "{name}");
        let layer = &sig_manifest["layers"][0];
        assert_eq!(layer["mediaType"], BUNDLE_MEDIA_TYPE);
        assert_eq!(layer["digest"], p["bundle"]);
        let bundle = layout.blob(layer["digest"].as_str().expect("digest"));

        // Verify against the attestation manifest digest, any identity (Buildx's policy).
        let digest: Vec<u8> = (0..32)
            .map(|i| {
                let h = &att["digest"].as_str().expect("digest")["sha256:".len()..];
                u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex")
            })
            .collect();
        let result = verify(
            &trust,
            bundle,
            Artifact::Digest {
                algorithm: HashAlgorithm::Sha256,
                digest: &digest,
            },
            &Policy::new(Identity::AnyCertificate),
        );
        match (&result, expected["verified"].as_bool().expect("verified")) {
            (Ok(v), true) => {
                let signer = v.signer.as_ref().expect("signer").to_json();
                assert_eq!(signer, expected["signer"], "{name}: signer");
                let bx = v.buildx_signature();
                assert_eq!(bx["signer"], expected["signer"], "{name}");
                assert_eq!(bx["type"], "bundle-v0.3");
                if let Some(kind) = expected["kind"].as_str() {
                    assert_eq!(
                        scenario::buildx_kind(&signer, v.timestamps.len(), true),
                        kind,
                        "{name}"
                    );
                }
            }
            (Err(e), false) => {
                assert_eq!(
                    Some(e.code().as_str()),
                    expected["error"].as_str(),
                    "{name}: {e}"
                );
            }
            (r, want) => panic!("{name}: verified {want} expected, got {r:?}"),
        }
    }
}

#[test]
fn committed_scenarios_are_consistent_and_verify_as_expected() {
    let files = read_tree(&minted_dir());
    let names: Vec<&str> = scenario::scenarios().iter().map(|s| s.name).collect();
    assert!(names.len() >= 12);
    for name in names {
        check_scenario(&files, name);
    }
}

#[test]
fn scenario_kinds_and_codes() {
    // The fixed list states one expectation of each kind and each tamper code.
    let mut seen = Vec::new();
    for s in scenario::scenarios() {
        seen.push(match s.expected {
            scenario::Expected::Verified { kind } => kind.to_string(),
            scenario::Expected::NotExposed { .. } => "not-exposed".into(),
            scenario::Expected::Unsigned => "unsigned".into(),
            scenario::Expected::Fails { code } => code.to_string(),
        });
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "artifact-mismatch",
            "certificate-chain",
            "certificate-expired",
            "docker-github-builder",
            "docker-github-builder",
            "docker-github-builder",
            "not-exposed",
            "self-signed",
            "self-signed-github-repo",
            "signature",
            "timestamp-threshold",
            "tlog-threshold",
            "unsigned",
            "untrusted",
        ]
    );
}

#[test]
fn the_layout_walk_notices_tampering() {
    let files = scenario::all_files();
    let name = "docker-github-builder";
    let fails = |f: &BTreeMap<String, Vec<u8>>| {
        let f = f.clone();
        std::panic::catch_unwind(move || check_scenario(&f, name)).is_err()
    };
    assert!(!fails(&files), "the untouched layout passes");

    // A blob whose content no longer matches its name.
    let mut spoiled = files.clone();
    let blob = spoiled
        .keys()
        .find(|k| k.starts_with(&format!("{name}/evidence/oci/blobs/")))
        .expect("a blob")
        .clone();
    spoiled.get_mut(&blob).expect("blob").push(b' ');
    assert!(fails(&spoiled), "tampered blob");

    // index.json without the referrers: no signature manifest found.
    let mut spoiled = files.clone();
    let key = format!("{name}/evidence/oci/index.json");
    let mut index: Value = serde_json::from_slice(&spoiled[&key]).expect("JSON");
    index["manifests"]
        .as_array_mut()
        .expect("manifests")
        .truncate(1);
    spoiled.insert(key, serde_json::to_vec(&index).expect("JSON"));
    assert!(fails(&spoiled), "referrers dropped");

    // A scenario.json whose expected signer is not the certificate's.
    let mut spoiled = files;
    let key = format!("{name}/scenario.json");
    let mut sj: Value = serde_json::from_slice(&spoiled[&key]).expect("JSON");
    sj["expected"]["signer"]["sourceRepositoryRef"] = "refs/tags/v9".into();
    spoiled.insert(key, serde_json::to_vec(&sj).expect("JSON"));
    assert!(fails(&spoiled), "wrong expected signer");
}
