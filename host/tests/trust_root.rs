//! `verdict trust-root update|show` against a TUF repository the test makes with its own keys
//! (verdict-mint's P-256 keys, `ecdsa-sha2-nistp256`), served on loopback. Its target is the
//! minted Sigstore's `trusted_root.json`, so once an update is verified, `verdict check` of the
//! minted image allows **without `--trusted-root`** (and denies without the update: the
//! public-good root cannot verify it). Each attack — a wrong signature, a rollback, expired
//! metadata, a freeze (old metadata replayed past its expiry) — is refused with its named error,
//! and the previous verified root stays in use.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use verdict_core::verify::tuf::canonical;
use verdict_mint::Key;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const TARGET: &str = "tests/minted/docker-github-builder/trusted_root.json";
const FUTURE: &str = "2035-01-01T00:00:00Z";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A static file server on 127.0.0.1 over a map the test changes between runs.
#[derive(Clone, Default)]
struct Files(Arc<Mutex<HashMap<String, Vec<u8>>>>);

impl Files {
    fn serve(&self) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files = self.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = files.clone();
                std::thread::spawn(move || files.answer(stream));
            }
        });
        port
    }

    fn put(&self, name: &str, bytes: Vec<u8>) {
        self.0.lock().unwrap().insert(format!("/{name}"), bytes);
    }

    fn answer(&self, mut stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                break;
            }
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let body = self.0.lock().unwrap().get(&path).cloned();
        let (status, body) = match body {
            Some(b) => ("200 OK", b),
            None => ("404 Not Found", b"not found".to_vec()),
        };
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        let _ = stream.write_all(&body);
    }
}

/// The repository's keys: root keys 0 and 1 (threshold 1 of [0] first), timestamp 2, snapshot
/// 3, targets 4.
struct Repo {
    keys: Vec<Key>,
    files: Files,
    target: Vec<u8>,
}

fn key_entry(k: &Key) -> Value {
    json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": k.public_pem()}})
}

fn key_id(k: &Key) -> String {
    sha256_hex(&k.spki_der())
}

impl Repo {
    fn new() -> Repo {
        Repo {
            keys: (0..6)
                .map(|i| Key::from_label(&format!("tuf-test-{i}")))
                .collect(),
            files: Files::default(),
            target: std::fs::read(Path::new(ROOT).join(TARGET)).unwrap(),
        }
    }

    fn sign(signed: &Value, keys: &[&Key]) -> Vec<u8> {
        let message = canonical(signed).unwrap();
        let signatures: Vec<Value> = keys
            .iter()
            .map(|k| json!({"keyid": key_id(k), "sig": hex(&k.sign(message.as_bytes()))}))
            .collect();
        serde_json::to_vec_pretty(&json!({"signed": signed, "signatures": signatures})).unwrap()
    }

    fn root(&self, version: u64, root_key: usize, signers: &[usize]) -> Vec<u8> {
        let mut keys = serde_json::Map::new();
        for k in &self.keys {
            keys.insert(key_id(k), key_entry(k));
        }
        let id = |i: usize| vec![key_id(&self.keys[i])];
        let signed = json!({
            "_type": "root", "spec_version": "1.0", "version": version, "expires": FUTURE,
            "consistent_snapshot": true, "keys": keys,
            "roles": {
                "root": {"keyids": id(root_key), "threshold": 1},
                "timestamp": {"keyids": id(2), "threshold": 1},
                "snapshot": {"keyids": id(3), "threshold": 1},
                "targets": {"keyids": id(4), "threshold": 1},
            }
        });
        let signers: Vec<&Key> = signers.iter().map(|i| &self.keys[*i]).collect();
        Repo::sign(&signed, &signers)
    }

    /// Publishes targets, snapshot and timestamp of version `v` (timestamp expiring at
    /// `expires`, signed by key `timestamp_key`).
    fn publish(&self, v: u64, expires: &str, timestamp_key: usize) -> Vec<u8> {
        let targets = Repo::sign(
            &json!({"_type": "targets", "spec_version": "1.0", "version": v, "expires": FUTURE,
                    "targets": {"trusted_root.json": {"length": self.target.len(), "hashes": {"sha256": sha256_hex(&self.target)}}}}),
            &[&self.keys[4]],
        );
        let snapshot = Repo::sign(
            &json!({"_type": "snapshot", "spec_version": "1.0", "version": v, "expires": FUTURE,
                    "meta": {"targets.json": {"version": v}}}),
            &[&self.keys[3]],
        );
        let timestamp = Repo::sign(
            &json!({"_type": "timestamp", "spec_version": "1.0", "version": v, "expires": expires,
                    "meta": {"snapshot.json": {"version": v, "length": snapshot.len(), "hashes": {"sha256": sha256_hex(&snapshot)}}}}),
            &[&self.keys[timestamp_key]],
        );
        self.files.put(&format!("{v}.targets.json"), targets);
        self.files.put(&format!("{v}.snapshot.json"), snapshot);
        self.files.put("timestamp.json", timestamp.clone());
        self.files.put(
            &format!("targets/{}.trusted_root.json", sha256_hex(&self.target)),
            self.target.clone(),
        );
        timestamp
    }
}

struct Env {
    cache: PathBuf,
    url: String,
    /// The starting root (`$VERDICT_TUF_ROOT`), when given.
    start: Option<PathBuf>,
}

impl Env {
    fn verdict(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_verdict"));
        command
            .args(args)
            .current_dir(ROOT)
            .env("VERDICT_CACHE_DIR", &self.cache)
            .env("VERDICT_TUF_REPOSITORY", &self.url)
            .env_remove("VERDICT_TUF_ROOT");
        if let Some(start) = &self.start {
            command.env("VERDICT_TUF_ROOT", start);
        }
        command.output().unwrap()
    }

    fn update(&self, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["trust-root", "update", "--fetch-timeout", "5"];
        args.extend_from_slice(extra);
        let out = self.verdict(&args);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), text)
    }

    fn show(&self) -> String {
        let out = self.verdict(&["trust-root", "show"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// `verdict check` of the minted image, no `--trusted-root`: the decision and stderr.
    fn check(&self) -> (String, String) {
        let (v, stderr) = self.check_record();
        (v["decision"].as_str().unwrap().to_owned(), stderr)
    }

    /// The check's verdict record and standard error.
    fn check_record(&self) -> (Value, String) {
        let out = self.verdict(&[
            "check",
            "docker-image://docker.io/acme/app:v1.0.0",
            "-o",
            "json",
            "-f",
            "tests/cli/acme/Dockerfile",
            "--evidence",
            "tests/minted/docker-github-builder/evidence",
            "--now",
            "2026-11-25T00:00:00Z",
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["verdict"].clone(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }
}

#[test]
fn the_trusted_root_is_updated_through_tuf_and_attacks_are_refused() {
    let repo = Repo::new();
    let port = repo.files.serve();
    let cache = std::env::temp_dir().join(format!("verdict-tuf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    std::fs::create_dir_all(&cache).unwrap();
    let start = cache.join("1.root.json");
    let env = Env {
        cache: cache.clone(),
        url: format!("http://127.0.0.1:{port}"),
        start: Some(start.clone()),
    };
    let v1 = repo.root(1, 0, &[0]);
    std::fs::write(&start, &v1).unwrap();
    repo.files.put("1.root.json", v1);
    let target_digest = format!("sha256:{}", sha256_hex(&repo.target));

    // Before any update: the embedded public-good root, which cannot verify the minted image.
    assert!(env.show().contains("embedded"), "{}", env.show());
    let (record, _) = env.check_record();
    assert_eq!(record["decision"], "deny");
    assert_eq!(
        record["request"]["trustRootOrigin"], "embedded",
        "{record:#}"
    );

    // An update: verified, kept, used by check (which says where its root came from).
    repo.publish(1, FUTURE, 2);
    let (status, text) = env.update(&["--root", start.to_str().unwrap()]);
    assert_eq!(status, 0, "{text}");
    assert!(
        text.contains("root v1") && text.contains(&target_digest),
        "{text}"
    );
    assert!(env.show().contains(&target_digest), "{}", env.show());
    let (record, stderr) = env.check_record();
    assert_eq!(record["decision"], "allow", "{stderr}");
    assert!(
        stderr.contains(&format!("trusted root: {target_digest} from TUF")),
        "{stderr}"
    );
    // The verdict records the root it used and where it came from.
    assert_eq!(record["request"]["trustRoot"], target_digest.as_str());
    assert_eq!(
        record["request"]["trustRootOrigin"],
        format!("tuf:http://127.0.0.1:{port}").as_str(),
        "{record:#}"
    );

    // A root rotation: v2 signed by the old root key and its own new key.
    repo.files.put("2.root.json", repo.root(2, 1, &[0, 1]));
    let previous_timestamp = repo.publish(2, FUTURE, 2);
    let (status, text) = env.update(&[]);
    assert_eq!(status, 0, "{text}");
    assert!(text.contains("root v2"), "{text}");

    let refused = |name: &str, text: &str| {
        assert!(
            text.contains("refused") && text.contains(name),
            "{name}: {text}"
        );
        assert!(
            env.show().contains(&target_digest),
            "{name}: the previous root stays in use"
        );
        assert_eq!(
            env.check().0,
            "allow",
            "{name}: the previous root stays in use"
        );
    };

    // A wrong signature: the timestamp signed by the snapshot's key.
    repo.publish(3, FUTURE, 3);
    let (status, text) = env.update(&[]);
    assert_eq!(status, 2);
    refused("(signature-threshold)", &text);

    // A rollback: after version 4, the repository serves version 2's timestamp again.
    repo.publish(4, FUTURE, 2);
    assert_eq!(env.update(&[]).0, 0);
    repo.files.put("timestamp.json", previous_timestamp);
    let (status, text) = env.update(&[]);
    assert_eq!(status, 2);
    refused("(rollback)", &text);

    // Expired metadata: a new timestamp that expired yesterday.
    repo.publish(5, "2026-01-01T00:00:00Z", 2);
    let (status, text) = env.update(&[]);
    assert_eq!(status, 2);
    refused("(expired)", &text);

    // A freeze: the last good metadata replayed after it expired (the update evaluated at a time
    // past the timestamp's expiry).
    repo.publish(6, "2030-01-01T00:00:00Z", 2);
    assert_eq!(env.update(&[]).0, 0);
    let (status, text) = env.update(&["--now", "2031-01-01T00:00:00Z"]);
    assert_eq!(status, 2);
    refused("(expired)", &text);

    // The starting root is never taken from the cache: without `$VERDICT_TUF_ROOT` a repository
    // other than the public-good one cannot be used, and the check says so.
    let no_start = Env {
        cache: cache.clone(),
        url: env.url.clone(),
        start: None,
    };
    let (decision, stderr) = no_start.check();
    assert_eq!(decision, "deny", "{stderr}");
    assert!(stderr.contains("no TUF root to start from"), "{stderr}");

    // A tampered cache: the kept target replaced. Every use verifies the chain again, so the
    // check falls back to the embedded root and says why.
    let state = std::fs::read_dir(cache.join("tuf"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(
        state.join("trusted_root.json"),
        b"{\"mediaType\": \"forged\"}",
    )
    .unwrap();
    let (decision, stderr) = env.check();
    assert_eq!(decision, "deny", "{stderr}");
    assert!(
        stderr.contains("does not verify now") && stderr.contains("hash-mismatch"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn the_embedded_tuf_root_is_the_pinned_one() {
    let table =
        std::fs::read_to_string(Path::new(ROOT).join("crates/verify/roots/PROVENANCE.md")).unwrap();
    let row = table
        .lines()
        .find(|l| l.starts_with("| `public-good-tuf-root.json` |"))
        .unwrap();
    assert!(
        row.contains(&sha256_hex(verdict_host::verify::PUBLIC_GOOD_TUF_ROOT)),
        "{row}"
    );
}
