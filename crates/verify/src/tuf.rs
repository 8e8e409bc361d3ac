//! A TUF client's update of the trusted root (The Update Framework specification v1.0, §5.3–5.7):
//! the metadata a host fetched, verified against the TUF root it trusts, at a given time.
//!
//! The host fetches (`N+1.root.json`, … until there is none; `timestamp.json`;
//! `V.snapshot.json`; `V.targets.json`; the target) and hands the bytes here; nothing is trusted
//! until it verifies:
//!
//! - each newer root is signed by a threshold of the keys of the root it follows **and** of its
//!   own root role, and its version is exactly the next one (§5.3.4–5.3.5);
//! - the final root has not expired (a freeze attack on the root, §5.3.10);
//! - the timestamp, snapshot and targets are signed by a threshold of their role's keys in that
//!   root; no version goes back from the last verified one (rollback, §5.4.3, §5.5.5); each
//!   has the version (and, where listed, the length and hashes) the metadata above it names
//!   (§5.5.2–5.5.4, §5.6.2–5.6.4); none has expired (freeze, §5.4.4, §5.5.6, §5.6.5);
//! - the target's length and hashes are the ones the targets metadata lists (§5.7.3).
//!
//! A threshold counts distinct keys: a signature listed twice, under two key ids of the same key,
//! or by a key the role does not list counts once or not at all. Signatures are over the
//! canonical JSON of `signed` (securesystemslib's `encode_canonical`: sorted keys, no
//! whitespace, only `"` and `\` escaped, integers only). Keys: `ecdsa`/`ecdsa-sha2-nistp256`
//! (PEM), `ed25519` (hex); other schemes cannot count towards a threshold. Delegated targets are
//! not followed (Sigstore's `trusted_root.json` is a top-level target).

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sha2::{Digest as _, Sha256, Sha512};

use crate::crypto::PublicKey;

verdict_codes::error_codes! {
    /// Why a TUF update is refused.
    pub enum TufCode {
        /// Metadata that does not parse, or lacks a field the specification requires.
        MalformedMetadata = "malformed-metadata",
        /// Fewer valid signatures by distinct keys of the role than its threshold.
        SignatureThreshold = "signature-threshold",
        /// A version other than the one the metadata above it names (or, for a root, the next).
        VersionMismatch = "version-mismatch",
        /// A version lower than the last verified one.
        Rollback = "rollback",
        /// Metadata past its expiry at the update's time (a freeze attack, or a stale mirror).
        Expired = "expired",
        /// A file whose length or hash is not what the metadata above it lists.
        HashMismatch = "hash-mismatch",
        /// The target is not listed in the targets metadata.
        UnknownTarget = "unknown-target",
    }
}

verdict_codes::coded_error! {
    /// A refused TUF update.
    pub struct TufError(TufCode);
}

fn err(code: TufCode, message: impl Into<String>) -> TufError {
    TufError::new(code, message)
}

/// What the host fetched and what it last verified.
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    /// The TUF root the client trusts: the embedded one, or the last one an update verified.
    pub trusted_root: &'a [u8],
    /// The last verified timestamp and snapshot (rollback protection), when there are any.
    pub trusted_timestamp: Option<&'a [u8]>,
    /// See `trusted_timestamp`.
    pub trusted_snapshot: Option<&'a [u8]>,
    /// `N+1.root.json`, `N+2.root.json`, …, in order.
    pub new_roots: &'a [&'a [u8]],
    /// How many of `new_roots` (the first ones) an earlier update already verified — a client
    /// that re-verifies its kept chain from its starting root. A rotation of the timestamp or
    /// snapshot keys among them happened before the kept timestamp and snapshot were verified,
    /// so it does not discard them (§5.3.11 discards them in the update that rotates).
    pub known_roots: usize,
    /// `timestamp.json`.
    pub timestamp: &'a [u8],
    /// The snapshot the timestamp names.
    pub snapshot: &'a [u8],
    /// The targets metadata the snapshot names.
    pub targets: &'a [u8],
    /// The target's name (`trusted_root.json`) and bytes.
    pub target_name: &'a str,
    /// See `target_name`.
    pub target: &'a [u8],
    /// The time of the update, in seconds since the Unix epoch.
    pub now: i64,
}

/// A verified update: what to keep for the next one, and what it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// The TUF root now trusted (one of the new roots, or the trusted one).
    pub root: Vec<u8>,
    /// The verified timestamp and snapshot, for the next update's rollback checks.
    pub timestamp: Vec<u8>,
    /// See `timestamp`.
    pub snapshot: Vec<u8>,
    /// The root's version.
    pub root_version: u64,
    /// `sha256:<hex>` of the target.
    pub target_digest: String,
    /// The earliest expiry of the root, timestamp, snapshot and targets (seconds since the
    /// epoch): until then the update stands without a new one.
    pub expires: i64,
}

/// Verifies an update (module documentation).
pub fn update(u: &Update<'_>) -> Result<Updated, TufError> {
    let mut root = Metadata::parse(u.trusted_root, "root", "the trusted root")?;
    let mut root_raw = u.trusted_root;
    let mut keys_changed = false;
    for (i, raw) in u.new_roots.iter().enumerate() {
        let what = format!("root version {}", root.version + 1);
        let new = Metadata::parse(raw, "root", &what)?;
        let (old_roles, new_roles) = (root.roles()?, new.roles()?);
        old_roles["root"].check(
            &new,
            &root.keys(),
            &format!("{what}, by the old root's keys"),
        )?;
        new_roles["root"].check(&new, &new.keys(), &format!("{what}, by its own keys"))?;
        if new.version != root.version + 1 {
            return Err(err(
                TufCode::VersionMismatch,
                format!(
                    "new root #{} has version {}, not {}",
                    i + 1,
                    new.version,
                    root.version + 1
                ),
            ));
        }
        keys_changed |= i >= u.known_roots
            && ["timestamp", "snapshot"].iter().any(|role| {
                let mut old: Vec<&String> = old_roles[role].keyids.iter().collect();
                let mut new: Vec<&String> = new_roles[role].keyids.iter().collect();
                old.sort_unstable();
                new.sort_unstable();
                old != new
            });
        root = new;
        root_raw = raw;
    }
    root.unexpired(u.now, "the root")?;
    let keys = root.keys();
    let roles = root.roles()?;
    // Keys rotated away from the last verified timestamp/snapshot: they no longer bind (§5.3.11).
    let (trusted_timestamp, trusted_snapshot) = if keys_changed {
        (None, None)
    } else {
        (u.trusted_timestamp, u.trusted_snapshot)
    };

    let timestamp = Metadata::parse(u.timestamp, "timestamp", "the timestamp")?;
    roles["timestamp"].check(&timestamp, &keys, "the timestamp")?;
    let snapshot_meta = timestamp.meta("snapshot.json")?;
    if let Some(old) = trusted_timestamp {
        let old = Metadata::parse(old, "timestamp", "the last verified timestamp")?;
        no_rollback(timestamp.version, old.version, "the timestamp")?;
        no_rollback(
            snapshot_meta.version,
            old.meta("snapshot.json")?.version,
            "the snapshot the timestamp names",
        )?;
    }
    timestamp.unexpired(u.now, "the timestamp")?;

    snapshot_meta.matches(u.snapshot, "the snapshot")?;
    let snapshot = Metadata::parse(u.snapshot, "snapshot", "the snapshot")?;
    roles["snapshot"].check(&snapshot, &keys, "the snapshot")?;
    if snapshot.version != snapshot_meta.version {
        return Err(err(
            TufCode::VersionMismatch,
            format!(
                "the snapshot has version {}, the timestamp names {}",
                snapshot.version, snapshot_meta.version
            ),
        ));
    }
    if let Some(old) = trusted_snapshot {
        let old = Metadata::parse(old, "snapshot", "the last verified snapshot")?;
        for (name, entry) in old.signed["meta"].as_object().into_iter().flatten() {
            let Some(new_version) = snapshot.signed["meta"][name]["version"].as_u64() else {
                return Err(err(
                    TufCode::Rollback,
                    format!("the snapshot no longer lists {name}"),
                ));
            };
            no_rollback(
                new_version,
                entry["version"].as_u64().unwrap_or(0),
                &format!("{name} in the snapshot"),
            )?;
        }
    }
    snapshot.unexpired(u.now, "the snapshot")?;

    let targets_meta = snapshot.meta("targets.json")?;
    targets_meta.matches(u.targets, "the targets metadata")?;
    let targets = Metadata::parse(u.targets, "targets", "the targets metadata")?;
    roles["targets"].check(&targets, &keys, "the targets metadata")?;
    if targets.version != targets_meta.version {
        return Err(err(
            TufCode::VersionMismatch,
            format!(
                "the targets metadata has version {}, the snapshot names {}",
                targets.version, targets_meta.version
            ),
        ));
    }
    targets.unexpired(u.now, "the targets metadata")?;

    let Some(entry) = targets.signed["targets"].get(u.target_name) else {
        return Err(err(
            TufCode::UnknownTarget,
            format!("the targets metadata does not list {}", u.target_name),
        ));
    };
    let listed = MetaFile::from_json(entry, u.target_name)?;
    if listed.length.is_none() || listed.hashes.is_empty() {
        return Err(err(
            TufCode::MalformedMetadata,
            format!("{}: a target needs a length and hashes", u.target_name),
        ));
    }
    listed.matches(u.target, u.target_name)?;
    Ok(Updated {
        root: root_raw.to_vec(),
        timestamp: u.timestamp.to_vec(),
        snapshot: u.snapshot.to_vec(),
        root_version: root.version,
        target_digest: format!("sha256:{}", hex(&Sha256::digest(u.target))),
        expires: [
            root.expires,
            timestamp.expires,
            snapshot.expires,
            targets.expires,
        ]
        .into_iter()
        .min()
        .unwrap_or(i64::MIN),
    })
}

fn no_rollback(new: u64, old: u64, what: &str) -> Result<(), TufError> {
    if new < old {
        return Err(err(
            TufCode::Rollback,
            format!("{what} has version {new}, below the last verified {old}"),
        ));
    }
    Ok(())
}

struct Metadata {
    /// The whole document.
    json: Json,
    signed: Json,
    version: u64,
    expires: i64,
}

impl Metadata {
    fn parse(raw: &[u8], kind: &str, what: &str) -> Result<Metadata, TufError> {
        let bad = |why: String| err(TufCode::MalformedMetadata, format!("{what}: {why}"));
        let json: Json = serde_json::from_slice(raw).map_err(|e| bad(format!("not JSON: {e}")))?;
        let signed = json["signed"].clone();
        if signed["_type"].as_str() != Some(kind) {
            return Err(bad(format!("`_type` is not {kind:?}")));
        }
        let version = signed["version"]
            .as_u64()
            .filter(|v| *v >= 1)
            .ok_or_else(|| bad("no version ≥ 1".to_owned()))?;
        let expires = signed["expires"]
            .as_str()
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
            .map(|t| t.timestamp())
            .ok_or_else(|| bad("no RFC 3339 `expires`".to_owned()))?;
        if !json["signatures"].is_array() {
            return Err(bad("no `signatures`".to_owned()));
        }
        Ok(Metadata {
            json,
            signed,
            version,
            expires,
        })
    }

    fn unexpired(&self, now: i64, what: &str) -> Result<(), TufError> {
        if self.expires <= now {
            return Err(err(
                TufCode::Expired,
                format!(
                    "{what} (version {}) expired at {}",
                    self.version,
                    self.signed["expires"].as_str().unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }

    /// A root's keys by id (those verdict can use).
    fn keys(&self) -> BTreeMap<String, PublicKey> {
        self.signed["keys"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(id, key)| Some((id.clone(), parse_key(key)?)))
            .collect()
    }

    /// A root's roles.
    fn roles(&self) -> Result<BTreeMap<&'static str, Role>, TufError> {
        let mut out = BTreeMap::new();
        for name in ["root", "timestamp", "snapshot", "targets"] {
            let role = &self.signed["roles"][name];
            let threshold = role["threshold"]
                .as_u64()
                .filter(|t| *t >= 1)
                .ok_or_else(|| {
                    err(
                        TufCode::MalformedMetadata,
                        format!("the root's {name} role has no threshold ≥ 1"),
                    )
                })?;
            let keyids = role["keyids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect();
            out.insert(name, Role { keyids, threshold });
        }
        Ok(out)
    }

    /// What this metadata lists for `file` in `meta`.
    fn meta(&self, file: &str) -> Result<MetaFile, TufError> {
        MetaFile::from_json(&self.signed["meta"][file], file)
    }
}

struct Role {
    keyids: Vec<String>,
    threshold: u64,
}

impl Role {
    /// Checks that a threshold of this role's distinct keys signed `metadata`.
    fn check(
        &self,
        metadata: &Metadata,
        keys: &BTreeMap<String, PublicKey>,
        what: &str,
    ) -> Result<(), TufError> {
        let message = canonical(&metadata.signed).ok_or_else(|| {
            err(
                TufCode::MalformedMetadata,
                format!("{what}: `signed` is not canonical JSON (a float?)"),
            )
        })?;
        // Distinct keys, not distinct spellings: one key listed under two ids (or as a
        // compressed and an uncompressed point) counts once.
        let mut counted: Vec<Vec<u8>> = Vec::new();
        for sig in metadata.json["signatures"].as_array().into_iter().flatten() {
            let Some(id) = sig["keyid"].as_str() else {
                continue;
            };
            if !self.keyids.iter().any(|k| k == id) {
                continue;
            }
            let Some(key) = keys.get(id) else {
                continue;
            };
            let canonical = key.canonical();
            if counted.contains(&canonical) {
                continue;
            }
            let Some(bytes) = sig["sig"].as_str().and_then(unhex) else {
                continue;
            };
            if key.verify_message(None, message.as_bytes(), &bytes) {
                counted.push(canonical);
            }
        }
        if (counted.len() as u64) < self.threshold {
            return Err(err(
                TufCode::SignatureThreshold,
                format!(
                    "{what}: {} valid signature(s) by distinct keys of the role, {} required",
                    counted.len(),
                    self.threshold
                ),
            ));
        }
        Ok(())
    }
}

/// A `meta` or `targets` entry: version, length, hashes.
struct MetaFile {
    version: u64,
    length: Option<u64>,
    hashes: Vec<(String, String)>,
}

impl MetaFile {
    fn from_json(entry: &Json, file: &str) -> Result<MetaFile, TufError> {
        if !entry.is_object() {
            return Err(err(
                TufCode::MalformedMetadata,
                format!("no entry for {file}"),
            ));
        }
        Ok(MetaFile {
            version: entry["version"].as_u64().unwrap_or(0),
            length: entry["length"].as_u64(),
            hashes: entry["hashes"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(alg, h)| Some((alg.clone(), h.as_str()?.to_owned())))
                .collect(),
        })
    }

    /// Checks `bytes` against the listed length and hashes (unknown algorithms are skipped,
    /// but at least one listed hash must be checked when there are any).
    fn matches(&self, bytes: &[u8], what: &str) -> Result<(), TufError> {
        if let Some(length) = self.length
            && bytes.len() as u64 != length
        {
            return Err(err(
                TufCode::HashMismatch,
                format!("{what}: {} bytes, {length} listed", bytes.len()),
            ));
        }
        let mut checked = 0;
        for (alg, want) in &self.hashes {
            let got = match alg.as_str() {
                "sha256" => hex(&Sha256::digest(bytes)),
                "sha512" => hex(&Sha512::digest(bytes)),
                _ => continue,
            };
            checked += 1;
            if !got.eq_ignore_ascii_case(want) {
                return Err(err(
                    TufCode::HashMismatch,
                    format!("{what}: {alg} {got}, {want} listed"),
                ));
            }
        }
        if checked == 0 && !self.hashes.is_empty() {
            return Err(err(
                TufCode::MalformedMetadata,
                format!("{what}: no listed hash is SHA-256 or SHA-512"),
            ));
        }
        Ok(())
    }
}

fn parse_key(key: &Json) -> Option<PublicKey> {
    let public = key["keyval"]["public"].as_str()?;
    match (key["keytype"].as_str()?, key["scheme"].as_str()?) {
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
            let k = PublicKey::from_pem_or_der(public.as_bytes()).ok()?;
            (k.algorithm() == "ecdsa-p256").then_some(k)
        }
        ("ed25519", "ed25519") => {
            let raw = unhex(public).filter(|r| r.len() == 32)?;
            let mut spki = vec![
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
            ];
            spki.extend_from_slice(&raw);
            PublicKey::from_spki_der(&spki).ok()
        }
        _ => None,
    }
}

/// securesystemslib's `encode_canonical`; `None` for a float.
pub fn canonical(value: &Json) -> Option<String> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Some(out)
}

fn write_canonical(value: &Json, out: &mut String) -> Option<()> {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else {
                out.push_str(&n.as_u64()?.to_string());
            }
        }
        Json::String(s) => write_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
