//! A batch of signed artifacts, as a registry client meets them: `n` small artifacts each with
//! its own bundle (its own leaf key, log entry and timestamp), for `verdict verify --batch`.

use std::path::Path;

use crate::identity::{GITHUB_ACTIONS_ISSUER, Identity};
use crate::util::{hex, sha256};
use crate::{SignOptions, VirtualSigstore};

/// The seed of the batch's private Sigstore.
pub const SEED: &str = "verdict-mint batch";

/// The identity every artifact of a batch is signed by: a repository's release workflow at a
/// tag, as npm's provenance is.
pub fn identity() -> Identity {
    Identity::github_workflow(
        "https://github.com/acme/pkg/.github/workflows/release.yml@refs/tags/v1.0.0",
        "acme",
        "pkg",
        "refs/tags/v1.0.0",
    )
}

/// Writes `dir/trusted_root.json`, `dir/artifacts/pkg-NNNNN.tgz` with
/// `pkg-NNNNN.tgz.sigstore.json` beside each, and `dir/batch.jsonl` naming every bundle with its
/// artifact's SHA-256 and the signer's identity and issuer. Returns the number of files written.
pub fn write(dir: &Path, n: usize) -> std::io::Result<usize> {
    let sigstore = VirtualSigstore::new(SEED);
    let identity = identity();
    let artifacts = dir.join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    std::fs::write(dir.join("trusted_root.json"), sigstore.trusted_root_json())?;
    let mut lines = String::new();
    for i in 0..n {
        let name = format!("pkg-{i:05}.tgz");
        let artifact = format!("package {i} of a batch of {n}\n").into_bytes();
        let bundle = sigstore.sign_message(
            &artifact,
            &identity,
            &SignOptions {
                key_label: name.clone(),
                ..SignOptions::default()
            },
        );
        std::fs::write(artifacts.join(&name), &artifact)?;
        std::fs::write(
            artifacts.join(format!("{name}.sigstore.json")),
            &bundle.json,
        )?;
        lines += &serde_json::json!({
            "id": name,
            "bundle": format!("artifacts/{name}.sigstore.json"),
            "digest": format!("sha256:{}", hex(&sha256(&artifact))),
            "certificateIdentity": identity.san.as_str(),
            "certificateOidcIssuer": GITHUB_ACTIONS_ISSUER,
        })
        .to_string();
        lines.push('\n');
    }
    std::fs::write(dir.join("batch.jsonl"), lines)?;
    Ok(2 + 2 * n)
}
