//! TUF updates of the trusted root (`verdict_verify::tuf`): real Sigstore roots (their own
//! signatures and a real rotation, v14 → v15), and a repository made here with its own Ed25519
//! keys for every refusal the specification names.

use ed25519_dalek::Signer as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use verdict_verify::tuf::{TufCode, Update, canonical, update};

const V14: &str = "../../tests/vectors/sigstore-go/pkg/tuf/repository/root.json";
const V15: &str = "roots/public-good-tuf-root.json";

fn read(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn embedded_roots_are_pinned() {
    let table = String::from_utf8(read("roots/PROVENANCE.md")).unwrap();
    for (file, bytes) in [
        ("public-good.json", verdict_verify::PUBLIC_GOOD_TRUSTED_ROOT),
        ("github.json", verdict_verify::GITHUB_TRUSTED_ROOT),
        (
            "public-good-tuf-root.json",
            verdict_verify::PUBLIC_GOOD_TUF_ROOT,
        ),
    ] {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `{file}` |")))
            .unwrap_or_else(|| panic!("{file} has no provenance row"));
        assert!(row.contains(&sha256_hex(bytes)), "{file}: {row}");
    }
}

/// Seconds since the epoch of an RFC 3339 time.
fn at(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp()
}

#[test]
fn sigstore_s_real_rotation_from_v14_to_v15_verifies() {
    // The real public-good root v15 follows v14: signed by a threshold of v14's root keys and of
    // its own. Only the root step is real here (no timestamp of that day is in the vectors), so
    // the update stops at the timestamp, which proves the rotation passed.
    let (v14, v15) = (read(V14), read(V15));
    let new_roots: [&[u8]; 1] = [&v15];
    let u = Update {
        trusted_root: &v14,
        trusted_timestamp: None,
        trusted_snapshot: None,
        new_roots: &new_roots,
        known_roots: 0,
        timestamp: b"{}",
        snapshot: b"{}",
        targets: b"{}",
        target_name: "trusted_root.json",
        target: b"",
        now: at("2026-06-01T00:00:00Z"),
    };
    let e = update(&u).unwrap_err();
    assert_eq!(e.code(), TufCode::MalformedMetadata, "{e}");
    assert!(e.message().starts_with("the timestamp"), "{e}");
    // A byte of v15 changed: the rotation no longer verifies.
    let tampered =
        String::from_utf8(v15.clone())
            .unwrap()
            .replacen("\"version\": 15", "\"version\": 16", 1);
    assert_ne!(
        tampered.as_bytes(),
        v15.as_slice(),
        "the fixture's spelling changed"
    );
    let new_roots: [&[u8]; 1] = [tampered.as_bytes()];
    let e = update(&Update {
        new_roots: &new_roots,
        ..u
    })
    .unwrap_err();
    assert_eq!(e.code(), TufCode::SignatureThreshold, "{e}");
    // Past v15's expiry (2026-11-20), the chain ends at an expired root: a freeze.
    let new_roots: [&[u8]; 1] = [&v15];
    let e = update(&Update {
        new_roots: &new_roots,
        now: at("2026-12-01T00:00:00Z"),
        ..u
    })
    .unwrap_err();
    assert_eq!(e.code(), TufCode::Expired, "{e}");
}

#[test]
fn canonical_json_is_securesystemslib_s() {
    let v: Value =
        serde_json::from_str(r#"{"b": [1, true, null], "a": "x\"y\\z\n\u00e9"}"#).unwrap();
    assert_eq!(
        canonical(&v).unwrap(),
        "{\"a\":\"x\\\"y\\\\z\n\u{e9}\",\"b\":[1,true,null]}"
    );
    assert_eq!(canonical(&json!({"f": 1.5})), None);
}

/// A TUF repository with its own Ed25519 keys: one key per role (threshold 1), root threshold
/// `root_threshold` over `root_keys`.
struct Repo {
    keys: Vec<ed25519_dalek::SigningKey>,
}

fn key(n: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[n; 32])
}

fn key_id(k: &ed25519_dalek::SigningKey) -> String {
    sha256_hex(k.verifying_key().as_bytes())
}

const FUTURE: &str = "2030-01-01T00:00:00Z";
const NOW: &str = "2027-01-01T00:00:00Z";

impl Repo {
    fn new() -> Repo {
        Repo {
            keys: (1..=8).map(key).collect(),
        }
    }

    /// Signs `signed` with `keys`.
    fn sign(signed: Value, keys: &[&ed25519_dalek::SigningKey]) -> Vec<u8> {
        let message = canonical(&signed).unwrap();
        let signatures: Vec<Value> = keys
            .iter()
            .map(|k| {
                let sig = k.sign(message.as_bytes()).to_bytes();
                json!({"keyid": key_id(k), "sig": sig.iter().map(|b| format!("{b:02x}")).collect::<String>()})
            })
            .collect();
        serde_json::to_vec_pretty(&json!({"signed": signed, "signatures": signatures})).unwrap()
    }

    /// A root of `version` whose root role is `root_keys` (threshold `threshold`), the other
    /// roles keys 5 (timestamp), 6 (snapshot), 7 (targets).
    fn root_signed(
        &self,
        version: u64,
        root_keys: &[usize],
        threshold: u64,
        expires: &str,
    ) -> Value {
        let mut keys = serde_json::Map::new();
        for k in &self.keys {
            keys.insert(
                key_id(k),
                json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": k.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()}}),
            );
        }
        let ids = |idx: &[usize]| {
            idx.iter()
                .map(|i| key_id(&self.keys[*i]))
                .collect::<Vec<_>>()
        };
        json!({
            "_type": "root", "spec_version": "1.0", "version": version, "expires": expires,
            "consistent_snapshot": true, "keys": keys,
            "roles": {
                "root": {"keyids": ids(root_keys), "threshold": threshold},
                "timestamp": {"keyids": ids(&[5]), "threshold": 1},
                "snapshot": {"keyids": ids(&[6]), "threshold": 1},
                "targets": {"keyids": ids(&[7]), "threshold": 1},
            }
        })
    }

    fn root(&self, version: u64, signers: &[usize]) -> Vec<u8> {
        let signed = self.root_signed(version, &[0, 1, 2], 2, FUTURE);
        let signers: Vec<&_> = signers.iter().map(|i| &self.keys[*i]).collect();
        Repo::sign(signed, &signers)
    }

    fn targets(&self, version: u64, target: &[u8], expires: &str) -> Vec<u8> {
        Repo::sign(
            json!({"_type": "targets", "spec_version": "1.0", "version": version, "expires": expires,
                   "targets": {"trusted_root.json": {"length": target.len(), "hashes": {"sha256": sha256_hex(target)}}}}),
            &[&self.keys[7]],
        )
    }

    fn snapshot(
        &self,
        version: u64,
        targets: &[u8],
        targets_version: u64,
        expires: &str,
    ) -> Vec<u8> {
        Repo::sign(
            json!({"_type": "snapshot", "spec_version": "1.0", "version": version, "expires": expires,
                   "meta": {"targets.json": {"version": targets_version, "length": targets.len(), "hashes": {"sha256": sha256_hex(targets)}}}}),
            &[&self.keys[6]],
        )
    }

    fn timestamp(
        &self,
        version: u64,
        snapshot: &[u8],
        snapshot_version: u64,
        expires: &str,
    ) -> Vec<u8> {
        self.timestamp_by(5, version, snapshot, snapshot_version, expires)
    }

    fn timestamp_by(
        &self,
        key: usize,
        version: u64,
        snapshot: &[u8],
        snapshot_version: u64,
        expires: &str,
    ) -> Vec<u8> {
        Repo::sign(
            json!({"_type": "timestamp", "spec_version": "1.0", "version": version, "expires": expires,
                   "meta": {"snapshot.json": {"version": snapshot_version, "length": snapshot.len(), "hashes": {"sha256": sha256_hex(snapshot)}}}}),
            &[&self.keys[key]],
        )
    }
}

#[test]
fn a_key_rotation_an_earlier_update_verified_keeps_rollback_protection() {
    // Root 2 moves the timestamp role to key 4. An earlier update verified root 2 and a
    // timestamp of version 5 by key 4; a mirror now serves version 3 (by key 4, unexpired). A
    // client that re-verifies its kept chain from root 1 says root 2 is known: rollback.
    let repo = Repo::new();
    let mut signed = repo.root_signed(2, &[0, 1, 2], 2, FUTURE);
    signed["roles"]["timestamp"]["keyids"] = json!([key_id(&repo.keys[4])]);
    let v2 = Repo::sign(signed, &[&repo.keys[0], &repo.keys[1]]);
    let s = set(&repo, 3);
    let kept = repo.timestamp_by(4, 5, &s.snapshot, 3, FUTURE);
    let served = repo.timestamp_by(4, 3, &s.snapshot, 3, FUTURE);
    let run = |known_roots: usize| {
        update(&Update {
            trusted_root: &s.root,
            trusted_timestamp: Some(&kept),
            trusted_snapshot: Some(&s.snapshot),
            new_roots: &[&v2],
            known_roots,
            timestamp: &served,
            snapshot: &s.snapshot,
            targets: &s.targets,
            target_name: "trusted_root.json",
            target: &s.target,
            now: at(NOW),
        })
    };
    assert_eq!(run(1).unwrap_err().code(), TufCode::Rollback);
    // In the update that rotates the key, the kept timestamp (by the old key) no longer binds.
    assert!(run(0).is_ok());
}

/// One consistent set of metadata, version `v` of everything.
struct Set {
    root: Vec<u8>,
    timestamp: Vec<u8>,
    snapshot: Vec<u8>,
    targets: Vec<u8>,
    target: Vec<u8>,
}

fn set(repo: &Repo, v: u64) -> Set {
    let target = format!("{{\"mediaType\": \"trusted root {v}\"}}").into_bytes();
    let targets = repo.targets(v, &target, FUTURE);
    let snapshot = repo.snapshot(v, &targets, v, FUTURE);
    let timestamp = repo.timestamp(v, &snapshot, v, FUTURE);
    Set {
        root: repo.root(1, &[0, 1]),
        timestamp,
        snapshot,
        targets,
        target,
    }
}

fn run(
    s: &Set,
    new_roots: &[&[u8]],
    trusted: Option<&Set>,
) -> Result<verdict_verify::tuf::Updated, verdict_verify::tuf::TufError> {
    update(&Update {
        trusted_root: &s.root,
        trusted_timestamp: trusted.map(|t| t.timestamp.as_slice()),
        trusted_snapshot: trusted.map(|t| t.snapshot.as_slice()),
        new_roots,
        known_roots: 0,
        timestamp: &s.timestamp,
        snapshot: &s.snapshot,
        targets: &s.targets,
        target_name: "trusted_root.json",
        target: &s.target,
        now: at(NOW),
    })
}

#[test]
fn an_update_verifies_and_says_what_it_proves() {
    let repo = Repo::new();
    let s = set(&repo, 3);
    let done = run(&s, &[], None).unwrap();
    assert_eq!(done.root_version, 1);
    assert_eq!(
        done.target_digest,
        format!("sha256:{}", sha256_hex(&s.target))
    );
    assert_eq!(done.expires, at(FUTURE));
    // A rotation to root 2 signed by the old threshold and its own.
    let v2 = repo.root(2, &[0, 2]);
    let done = run(&s, &[&v2], None).unwrap();
    assert_eq!(
        (done.root_version, done.root.as_slice()),
        (2, v2.as_slice())
    );
}

#[test]
fn every_refusal_has_its_name() {
    let repo = Repo::new();
    let s = set(&repo, 3);
    let code = |r: Result<_, verdict_verify::tuf::TufError>| r.unwrap_err().code();

    // A wrong signature: the timestamp signed by the snapshot's key.
    let forged = Repo::sign(
        serde_json::from_slice::<Value>(&s.timestamp).unwrap()["signed"].clone(),
        &[&repo.keys[6]],
    );
    assert_eq!(
        code(run(
            &Set {
                timestamp: forged,
                ..set(&repo, 3)
            },
            &[],
            None
        )),
        TufCode::SignatureThreshold
    );

    // The same key counted twice (two signatures, or two key ids for one key) is one key.
    let v2_signed = repo.root_signed(2, &[0, 1, 2], 2, FUTURE);
    let twice = Repo::sign(v2_signed, &[&repo.keys[0], &repo.keys[0], &repo.keys[1]]);
    assert!(
        run(&s, &[&twice], None).is_ok(),
        "two distinct keys sign it"
    );
    let once_twice = Repo::sign(
        repo.root_signed(2, &[0, 1, 2], 2, FUTURE),
        &[&repo.keys[0], &repo.keys[0]],
    );
    assert_eq!(
        code(run(&s, &[&once_twice], None)),
        TufCode::SignatureThreshold
    );

    // A new root its own keys did not sign (a threshold of the old ones only): refused.
    let own = Repo::sign(
        repo.root_signed(2, &[3, 4], 2, FUTURE),
        &[&repo.keys[0], &repo.keys[1]],
    );
    assert_eq!(code(run(&s, &[&own], None)), TufCode::SignatureThreshold);
    // A root that skips a version.
    let v3 = repo.root(3, &[0, 1]);
    assert_eq!(code(run(&s, &[&v3], None)), TufCode::VersionMismatch);

    // Rollback: a timestamp (or the snapshot it names) older than the last verified one.
    let newer = set(&repo, 5);
    assert_eq!(code(run(&s, &[], Some(&newer))), TufCode::Rollback);
    // The same versions again is not a rollback.
    assert!(run(&s, &[], Some(&s)).is_ok());

    // Freeze: a timestamp that has expired (a mirror replaying old metadata).
    let mut frozen = set(&repo, 3);
    frozen.timestamp = repo.timestamp(3, &frozen.snapshot, 3, "2026-06-01T00:00:00Z");
    assert_eq!(code(run(&frozen, &[], None)), TufCode::Expired);
    let mut frozen = set(&repo, 3);
    frozen.targets = repo.targets(3, &frozen.target, "2026-06-01T00:00:00Z");
    frozen.snapshot = repo.snapshot(3, &frozen.targets, 3, FUTURE);
    frozen.timestamp = repo.timestamp(3, &frozen.snapshot, 3, FUTURE);
    assert_eq!(code(run(&frozen, &[], None)), TufCode::Expired);

    // A snapshot other than the one the timestamp names (mix-and-match), a target that is not
    // the listed one.
    let other = set(&repo, 4);
    assert_eq!(
        code(run(
            &Set {
                snapshot: other.snapshot,
                ..set(&repo, 3)
            },
            &[],
            None
        )),
        TufCode::HashMismatch
    );
    let mut wrong = set(&repo, 3);
    wrong.target[0] ^= 1;
    assert_eq!(code(run(&wrong, &[], None)), TufCode::HashMismatch);
    assert_eq!(
        code(update(&Update {
            target_name: "other.json",
            ..Update {
                trusted_root: &s.root,
                trusted_timestamp: None,
                trusted_snapshot: None,
                new_roots: &[],
                known_roots: 0,
                timestamp: &s.timestamp,
                snapshot: &s.snapshot,
                targets: &s.targets,
                target_name: "trusted_root.json",
                target: &s.target,
                now: at(NOW),
            }
        })),
        TufCode::UnknownTarget
    );
    // Metadata of the wrong type in a slot.
    assert_eq!(
        code(run(
            &Set {
                timestamp: s.snapshot,
                ..set(&repo, 3)
            },
            &[],
            None
        )),
        TufCode::MalformedMetadata
    );
}

#[test]
fn one_p256_key_in_two_spellings_counts_once() {
    // Root 2's root role lists one P-256 key twice — as an uncompressed and as a compressed
    // point, under two key ids — with threshold 2, and that key signs under both ids: one key,
    // so the threshold is not met.
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let pem = |compressed: bool| {
        let prefix: &[u8] = if compressed {
            &[
                0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00,
            ]
        } else {
            &[
                0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
            ]
        };
        let der = [
            prefix,
            sk.verifying_key().to_encoded_point(compressed).as_bytes(),
        ]
        .concat();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
    };
    let repo = Repo::new();
    let mut signed = repo.root_signed(2, &[0, 1, 2], 2, FUTURE);
    for (id, compressed) in [("a", false), ("b", true)] {
        signed["keys"][id] = json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": pem(compressed)}});
    }
    signed["roles"]["root"] = json!({"keyids": ["a", "b"], "threshold": 2});
    let message = canonical(&signed).unwrap();
    let p256_sig: p256::ecdsa::Signature = sk.sign(message.as_bytes());
    let p256_hex: String = p256_sig
        .to_der()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut root2: Value =
        serde_json::from_slice(&Repo::sign(signed, &[&repo.keys[0], &repo.keys[1]])).unwrap();
    for id in ["a", "b"] {
        root2["signatures"]
            .as_array_mut()
            .unwrap()
            .push(json!({"keyid": id, "sig": p256_hex}));
    }
    let root2 = serde_json::to_vec(&root2).unwrap();
    let s = set(&repo, 3);
    let e = run(&s, &[&root2], None).unwrap_err();
    assert_eq!(e.code(), TufCode::SignatureThreshold, "{e}");
    assert!(e.message().contains("by its own keys: 1 valid"), "{e}");
}
