//! An independent verifier: sigstore-rs 0.14 accepts the minted bundles (it supports
//! bundles without RFC 3161 timestamps, so those are minted without one: the SET's
//! integrated time is the verified time) and rejects the spoiled ones.

use base64::Engine as _;
use serde_json::Value;
use sigstore::bundle::verify::blocking::Verifier;
use sigstore::bundle::verify::policy::Identity as RsIdentity;
use sigstore::trust::ManualTrustRoot;
use verdict_mint::statement::cosign_sign;
use verdict_mint::util::{hex, sha256};
use verdict_mint::{Identity, Issuer, SignOptions, VirtualSigstore};

fn trust_root(root_json: &[u8]) -> ManualTrustRoot<'static> {
    let b64 = |v: &Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 string"))
            .expect("base64")
    };
    let root: Value = serde_json::from_slice(root_json).expect("JSON");
    let mut t = ManualTrustRoot::default();
    for ca in root["certificateAuthorities"].as_array().expect("CAs") {
        for c in ca["certChain"]["certificates"].as_array().expect("chain") {
            t.fulcio_certs
                .push(rustls_pki_types::CertificateDer::from(b64(&c["rawBytes"])));
        }
    }
    for (list, map) in [("tlogs", &mut t.rekor_keys), ("ctlogs", &mut t.ctfe_keys)] {
        for log in root[list].as_array().expect("logs") {
            map.insert(
                hex(&b64(&log["logId"]["keyId"])),
                b64(&log["publicKey"]["rawBytes"]),
            );
        }
    }
    t
}

fn rs_verify(
    sigstore: &VirtualSigstore,
    bundle: &[u8],
    artifact: &[u8],
    identity: &Identity,
) -> Result<(), String> {
    let parsed: sigstore::bundle::Bundle =
        serde_json::from_slice(bundle).map_err(|e| e.to_string())?;
    let verifier = Verifier::new(
        Default::default(),
        trust_root(&sigstore.trusted_root_json()),
    )
    .map_err(|e| e.to_string())?;
    let policy = RsIdentity::new(identity.san.as_str(), &identity.issuer);
    verifier
        .verify(artifact, parsed, &policy, true)
        .map_err(|e| e.to_string())
}

fn no_tsa() -> SignOptions {
    SignOptions {
        rfc3161_timestamp: false,
        ..SignOptions::default()
    }
}

#[test]
fn sigstore_rs_accepts_minted_bundles() {
    let s = VirtualSigstore::new("tests/sigstore-rs");
    let manifest = br#"{"schemaVersion":2}"#;
    let statement = cosign_sign(&hex(&sha256(manifest)));
    for identity in [
        Identity::docker_github_builder("acme", "app", "v1.2.3"),
        Identity::self_signed_github_repo("acme", "app", "refs/tags/v1.2.3"),
    ] {
        let dsse = s.sign_dsse(&statement, &identity, &no_tsa());
        rs_verify(&s, &dsse.json, manifest, &identity)
            .unwrap_or_else(|e| panic!("DSSE for {}: {e}", identity.san.as_str()));
        let blob = s.sign_message(b"a blob", &identity, &no_tsa());
        rs_verify(&s, &blob.json, b"a blob", &identity)
            .unwrap_or_else(|e| panic!("message for {}: {e}", identity.san.as_str()));
    }
}

#[test]
fn sigstore_rs_rejects_spoiled_bundles() {
    let s = VirtualSigstore::new("tests/sigstore-rs");
    let identity = Identity::docker_github_builder("acme", "app", "v1.2.3");
    let cases = [
        (
            "flipped byte",
            SignOptions {
                flip_signature_byte: true,
                ..no_tsa()
            },
        ),
        (
            "expired certificate",
            SignOptions {
                expired_certificate: true,
                ..no_tsa()
            },
        ),
        (
            "foreign CA",
            SignOptions {
                issuer: Issuer::Foreign,
                ..no_tsa()
            },
        ),
        (
            "no tlog entry",
            SignOptions {
                tlog: None,
                ..no_tsa()
            },
        ),
    ];
    for (name, opts) in cases {
        let b = s.sign_message(b"a blob", &identity, &opts);
        assert!(
            rs_verify(&s, &b.json, b"a blob", &identity).is_err(),
            "{name} accepted"
        );
    }
    let good = s.sign_message(b"a blob", &identity, &no_tsa());
    assert!(rs_verify(&s, &good.json, b"another blob", &identity).is_err());
}
